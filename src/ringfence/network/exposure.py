"""The internet exposure map: for every resource, the protocols, ports and source ranges a packet from the
internet can really reach, next to what its security groups admit (the part that is only *latent*).

Computed with region arithmetic and cached per (subnet, groups, public address) combination, so thousands
of instances sharing a few subnets and groups cost a few hundred region operations.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from ringfence.model import Estate
from ringfence.network.addresses import INTERNET, to_cidrs
from ringfence.network.balancers import feeds_to
from ringfence.network.endpoints import TARGET_KINDS, Placement, placements
from ringfence.network.flows import End, regions
from ringfence.network.intervals import IntervalSet
from ringfence.network.region import ALL_PORTS, ALL_PROTOCOLS, EMPTY, TCP, Region, protocol_name
from ringfence.network.topology import Network, network_of


@dataclass(frozen=True, slots=True)
class Opening:
    """Packets of one protocol/port set reachable from ``sources`` (``via`` a load balancer if set)."""

    protocols: IntervalSet
    ports: IntervalSet
    sources: IntervalSet
    via: str | None = None

    @property
    def protocol(self) -> str:
        if self.protocols == ALL_PROTOCOLS:
            return "all"
        return ",".join(protocol_name(lo) if lo == hi else f"{lo}-{hi}" for lo, hi in self.protocols)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "protocol": self.protocol,
            "ports": [[lo, hi] for lo, hi in self.ports],
            "sources": to_cidrs(self.sources),
        }
        if self.via:
            out["via"] = self.via
        return out


def openings(region: Region, via: str | None = None) -> list[Opening]:
    return [Opening(p, q, a, via) for p, q, a in region.boxes()]


@dataclass(frozen=True)
class Exposure:
    """What the internet can reach on one resource."""

    resource: str
    reachable: Region  # surely reachable, directly
    uncertain: Region  # may be reachable: something on the way is unknown (``reasons``)
    reasons: tuple[str, ...] = ()
    via: tuple[tuple[str, Region], ...] = ()  # (load balancer, packets reaching the target through it)
    net: Network | None = field(default=None, repr=False, compare=False)

    @cached_property
    def admitted(self) -> Region:
        """What its security groups admit from internet addresses (computed on first use)."""
        if self.net is None:
            return EMPTY
        out = EMPTY
        for p in placements(self.net, self.resource):
            out = out | _admitted(self.net, p)
        return out

    @property
    def exposed(self) -> bool:
        return bool(self.reachable) or any(r for _, r in self.via)

    def latent(self) -> Region:
        """Openings in the security groups that no packet from the internet can use."""
        return self.admitted - self.reachable - self.uncertain

    def openings(self) -> list[Opening]:
        out = openings(self.reachable)
        for lb, region in self.via:
            out += openings(region, lb)
        return out

    def to_json(self) -> dict[str, Any]:
        return {
            "resource": self.resource,
            "reachable": [o.to_json() for o in self.openings()],
            "unknown": [o.to_json() for o in openings(self.uncertain)],
            "reasons": list(self.reasons),
            "latent": [o.to_json() for o in openings(self.latent())],
        }


def _group_admitted(net: Network, group: str) -> Region:
    key = ("admitted", group)
    if key not in net.memo:
        out = EMPTY
        for rule in net.rules_of(group, "ingress"):
            out = out | rule.region()
        net.memo[key] = out.with_addresses(INTERNET)
    found: Region = net.memo[key]
    return found


def _admitted(net: Network, p: Placement) -> Region:
    if p.groups is None:
        base = p.listeners if p.listeners is not None else Region.box(ALL_PROTOCOLS)
        return base.with_addresses(INTERNET)
    out = EMPTY
    for g in p.groups:
        out = out | _group_admitted(net, g)
    return out


def _inbound(net: Network, p: Placement) -> tuple[Region, Region, tuple[str, ...]]:
    """What the internet reaches on one interface: the subnet's part (gateway, public address, ACL both
    ways, route back) is computed once per subnet and public-address kind, the security groups' part once
    per group, and the two are intersected (every stage filters the same client address)."""
    from ringfence.network.paths import inbound_from_internet

    if p.unknown or not p.accepts_inbound or p.subnet is None:
        stages = inbound_from_internet(net, p)
        src = End("internet", INTERNET, free=True)
        yes, maybe, why = regions(stages, Region.box(ALL_PROTOCOLS, ALL_PORTS, INTERNET), src, src)
        return yes, maybe, tuple(why)
    key = ("inbound-subnet", p.subnet, p.vpc, p.public_v4, p.public_v6, p.resource if p.listeners else None)
    if key not in net.memo:
        bare = Placement(
            p.resource,
            p.subnet,
            p.vpc,
            None,
            None,
            p.public_v4,
            p.public_v6,
            p.public_via,
            p.addresses,
            listeners=p.listeners,
        )
        stages = inbound_from_internet(net, bare)
        src = End("internet", INTERNET, free=True)
        dst = End(p.resource, p.addresses, free=False)
        yes, maybe, why = regions(stages, Region.box(ALL_PROTOCOLS, ALL_PORTS, INTERNET), src, dst)
        net.memo[key] = (yes, maybe, tuple(why))
    sub_yes, sub_maybe, reasons = net.memo[key]
    if p.groups is None or not (sub_yes or sub_maybe):
        return sub_yes, sub_maybe, reasons
    from ringfence.network.stages import group_regions

    sg_yes, sg_maybe = EMPTY, EMPTY
    sg_reasons: list[str] = []
    for g in p.groups:
        y, m, r = group_regions(net, (g,), "ingress")
        sg_yes, sg_maybe = sg_yes | y, sg_maybe | m
        sg_reasons += r
    if p.group_unknown:
        sg_maybe = Region.box(ALL_PROTOCOLS)
        sg_reasons.append(f"{p.resource}: {p.group_unknown}")
    yes = sub_yes & sg_yes
    maybe = ((sub_maybe & (sg_yes | sg_maybe)) | (sub_yes & sg_maybe)) - yes
    if maybe & sg_maybe:
        reasons = (*reasons, *sg_reasons)
    return yes, maybe, reasons


def exposure(net: Network, address: str) -> Exposure:
    key = ("exposure", address)
    if key in net.memo:
        cached: Exposure = net.memo[key]
        return cached
    reachable, uncertain = EMPTY, EMPTY
    reasons: list[str] = []
    for p in placements(net, address):
        yes, maybe, why = _inbound(net, p)
        reachable = reachable | yes
        uncertain = uncertain | maybe
        reasons += why
    via: list[tuple[str, Region]] = []
    for feed in feeds_to(net, address):
        front = exposure(net, feed.balancer)
        if not (front.reachable & feed.listeners):
            continue
        from ringfence.network.reach import Target, forward_leg

        ports = IntervalSet.of(feed.port) if feed.port else ALL_PORTS
        sources = (front.reachable & feed.listeners).addresses()
        # Balancer -> target depends on where the target is placed (subnet, groups, addresses), not on its
        # name: targets placed alike behind one balancer share the leg (only reachable and packets are read).
        leg_key = ("forward-leg", feed.balancer, sources, ports, _placed_alike(net, address))
        leg = net.memo.get(leg_key)
        if leg is None:
            leg = forward_leg(net, feed, Target("internet", sources), Region.box(IntervalSet.of(TCP), ports))
            net.memo[leg_key] = leg
        if leg.reachable:
            sources = sources & leg.packets.addresses()
            via.append((feed.balancer, Region.box(IntervalSet.of(TCP), ports, sources)))
    result = Exposure(
        address, reachable, uncertain - reachable, tuple(dict.fromkeys(reasons)), tuple(via), net
    )
    net.memo[key] = result
    return result


def _placed_alike(net: Network, address: str) -> tuple[object, ...]:
    """What a resource's placements are, without its name (a key shared by resources placed the same way)."""
    spots = placements(net, address)
    if not spots:
        return (address,)
    return tuple(dataclasses.replace(p, resource="") for p in spots)


@dataclass(frozen=True)
class ExposureMap:
    """Every network-facing resource of an estate and what the internet reaches on it."""

    resources: Mapping[str, Exposure] = field(default_factory=dict)

    def exposed(self) -> list[Exposure]:
        return [e for e in self.resources.values() if e.exposed]

    def to_json(self) -> dict[str, Any]:
        return {"resources": [self.resources[a].to_json() for a in sorted(self.resources)]}


def exposure_map(estate: Estate | Network, kinds: Iterable[str] = TARGET_KINDS) -> ExposureMap:
    """The internet exposure of every resource of ``kinds`` (instances, databases, balancers...)."""
    net = estate if isinstance(estate, Network) else network_of(estate)
    out: dict[str, Exposure] = {}
    for r in net.estate.of_kind(*kinds):
        out[r.address] = exposure(net, r.address)
    return ExposureMap(out)
