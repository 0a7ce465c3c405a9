"""``reach``: can a packet get from one end to the other, and if not, what stops it (or its reply)?"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from typing import Any

from ringfence.model import Estate
from ringfence.network.addresses import ALL_ADDRESSES, INTERNET, parse_cidr
from ringfence.network.balancers import Feed, feeds_to
from ringfence.network.endpoints import Placement, placements
from ringfence.network.flows import Block, End, Outcome, Step, run
from ringfence.network.intervals import IntervalSet
from ringfence.network.paths import (
    behind_balancer,
    between,
    host_in_subnet,
    inbound_from_internet,
    outbound_to_internet,
)
from ringfence.network.region import ALL_PORTS, ALL_PROTOCOLS, ICMP, ICMPV6, TCP, UDP, Region
from ringfence.network.topology import Network, network_of

PROTOCOLS = ("tcp", "udp", "icmp", "all")


class UnresolvedName(LookupError):
    """A name that resolves to no resource, or to several (``candidates``)."""

    def __init__(self, name: str, candidates: list[str]) -> None:
        self.name = name
        self.candidates = candidates
        what = f"ambiguous: {', '.join(candidates)}" if candidates else "no such resource"
        super().__init__(f"{name!r}: {what}")


@dataclass(frozen=True, slots=True)
class Target:
    """A resolved ``--from`` / ``--to``: the internet, a CIDR, or a resource of the estate."""

    label: str
    addresses: IntervalSet = field(default_factory=IntervalSet)
    resource: str | None = None


@dataclass(frozen=True, slots=True)
class ReachResult:
    source: str
    target: str
    port: int | None
    protocol: str
    reachable: bool | None
    path: tuple[Step, ...] = ()
    blocked_by: tuple[Block, ...] = ()
    unknown: str | None = None
    source_resource: str | None = None  # the address when ``source`` is a resource of the estate
    target_resource: str | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "from": self.source,
            "to": self.target,
            "port": self.port,
            "protocol": self.protocol,
            "reachable": self.reachable,
            "path": [s.to_json() for s in self.path] if self.reachable else [],
            "blocked_by": [b.to_json() for b in self.blocked_by] if self.reachable is False else [],
        }
        if self.reachable is None:
            out["unknown"] = self.unknown or "undecided"
        return out


def resolve_name(net: Network, name: str) -> Target:
    """``internet``, an IP or CIDR, a resource address, or a bare name that is unique."""
    if name.strip().lower() == "internet":
        return Target("internet", INTERNET)
    try:
        ipaddress.ip_network(name.strip(), strict=False)
        return Target(name.strip(), parse_cidr(name))
    except ValueError:
        pass
    estate = net.estate
    if estate.get(name) is not None:
        return _as_target(net, name)
    matches = [
        r.address
        for r in estate.resources
        if r.name == name or r.address.endswith(":" + name) or r.address.split(":")[-1] == name
    ]
    if len(matches) > 1:
        endpoints = [a for a in matches if placements(net, a)]
        if endpoints:
            matches = endpoints
    if len(matches) == 1:
        return _as_target(net, matches[0])
    raise UnresolvedName(name, sorted(matches))


def _as_target(net: Network, address: str) -> Target:
    """A subnet or VPC stands for "some address in its range"; other resources for their interfaces."""
    r = net.estate.by_address[address]
    if r.kind == "aws_subnet" and address in net.subnets and net.subnets[address].cidr:
        return Target(address, net.subnets[address].cidr)
    if r.kind == "aws_vpc" and address in net.vpcs and net.vpcs[address].cidr:
        return Target(address, net.vpcs[address].cidr)
    return Target(address, resource=address)


def query_region(protocol: str, port: int | None) -> Region:
    """The packets a query asks about: one TCP or UDP port (any port when None), any ICMP, or anything."""
    proto = protocol.lower()
    if proto not in PROTOCOLS and proto != "-1":
        raise ValueError(f"protocol {protocol!r} is not one of {', '.join(PROTOCOLS)}")
    if proto in ("all", "-1"):
        return Region.box(ALL_PROTOCOLS)
    if proto == "icmp":
        return Region.box(IntervalSet.of(ICMP) | IntervalSet.of(ICMPV6))
    number = TCP if proto == "tcp" else UDP
    ports = IntervalSet.of(port) if port is not None else ALL_PORTS
    return Region.box(IntervalSet.of(number), ports)


# -- the query ---------------------------------------------------------------------------------------------
def _combine(outcomes: list[Outcome]) -> Outcome:
    for o in outcomes:
        if o.reachable:
            return o
    unknown = [u for o in outcomes if o.reachable is None for u in o.unknown]
    if unknown:
        return Outcome(None, unknown=list(dict.fromkeys(unknown)))
    blocks = list(dict.fromkeys(b for o in outcomes for b in o.blocked_by))
    return Outcome(False, blocked_by=blocks)


def _ways_out(ways: list[Outcome]) -> Outcome:
    """Direct and NAT ways out: a way whose only problem is that the subnet routes elsewhere says nothing
    when another way exists."""
    relevant = [
        o
        for o in ways
        if not (o.reachable is False and all(b.reason.startswith("no route") for b in o.blocked_by))
    ]
    return _combine(relevant or ways)


_OUTSIDE = "is a private range outside the estate's subnets (VPN and Direct Connect are not modelled)"


def _split(net: Network, end: Target) -> tuple[IntervalSet, list[Placement], IntervalSet]:
    """A free end as its internet part, one host per subnet of the estate it overlaps, and the rest (outside
    every VPC of the estate). ``internet`` is only the outside."""
    addresses = end.addresses
    public = addresses & INTERNET
    hosts: list[Placement] = []
    if end.label == "internet":
        return public, hosts, IntervalSet()
    rest = addresses - INTERNET
    for vpc in net.vpcs.values():
        rest = rest - vpc.cidr  # inside a VPC but in no subnet: nothing can have such an address
    for subnet in net.subnets:
        cidr = net.subnets[subnet].cidr
        part = addresses & cidr
        if part:
            host = host_in_subnet(net, subnet, part)
            if host is not None:
                hosts.append(host)
            rest = rest - cidr
    return public, hosts, rest


def _flows(net: Network, src: Target, dst: Target, query: Region) -> Outcome:
    if src.resource is None and dst.resource is None:
        return Outcome(None, unknown=["neither end is a resource of the estate"])
    if dst.resource is not None and not placements(net, dst.resource):
        return Outcome(None, unknown=[f"{dst.resource} has no network interface the analysis knows"])
    if src.resource is not None and not placements(net, src.resource):
        return Outcome(None, unknown=[f"{src.resource} has no network interface the analysis knows"])
    outcomes: list[Outcome] = []
    if src.resource is None:
        assert dst.resource is not None
        public, hosts, rest = _split(net, src)
        for d in placements(net, dst.resource):
            target = End(d.resource, d.addresses, False)
            if public:
                end = End(src.label, public, free=True)
                outcomes.append(run(inbound_from_internet(net, d), query.with_addresses(public), end, target))
            for host in hosts:
                end = End(src.label, host.addresses, free=True)
                outcomes.append(run(between(net, host, d), query.with_addresses(host.addresses), end, target))
        if rest:
            outcomes.append(Outcome(None, unknown=[f"{src.label} {_OUTSIDE}"]))
        return _combine(outcomes)
    for s in placements(net, src.resource):
        src_end = End(s.resource, s.addresses, free=False)
        if dst.resource is None:
            public, hosts, rest = _split(net, dst)
            for host in hosts:
                end = End(dst.label, host.addresses, free=True)
                outcomes.append(
                    run(between(net, s, host), query.with_addresses(host.addresses), src_end, end)
                )
            if public:
                end = End(dst.label, public, free=True)
                ways = [
                    run(stages, query.with_addresses(public), src_end, end)
                    for stages in outbound_to_internet(net, s)
                ]
                outcomes.append(_ways_out(ways))
            if rest:
                outcomes.append(Outcome(None, unknown=[f"{dst.label} {_OUTSIDE}"]))
            continue
        for d in placements(net, dst.resource):
            if s.resource == d.resource and s.subnet == d.subnet:
                outcomes.append(Outcome(True, path=[Step(s.resource, "same interface")]))
                continue
            target = End(d.resource, d.addresses, False)
            outcomes.append(run(between(net, s, d), query.with_addresses(ALL_ADDRESSES), src_end, target))
    return _combine(outcomes)


def forward_leg(net: Network, feed: Feed, client: Target, query: Region) -> Outcome:
    """Balancer -> target. A network load balancer without security groups keeps the client's address,
    so the target must admit the client; any other balancer opens its own connection to the target."""
    spots = placements(net, feed.balancer)
    preserves = bool(spots) and all(p.groups is None for p in spots) and client.resource is None
    if not preserves:
        return _flows(
            net,
            Target(feed.balancer, resource=feed.balancer),
            Target(feed.target, resource=feed.target),
            query,
        )
    outcomes = []
    end = End(client.label, client.addresses, free=True)
    for d in placements(net, feed.target):
        outcomes.append(
            run(
                behind_balancer(net, d),
                query.with_addresses(client.addresses),
                end,
                End(d.resource, d.addresses, False),
            )
        )
    return (
        _combine(outcomes) if outcomes else Outcome(None, unknown=[f"{feed.target} has no network interface"])
    )


def _via_balancer(net: Network, src: Target, dst: str, query: Region) -> Outcome | None:
    """The destination behind a load balancer: src -> listener, then balancer -> target on its port."""
    found: list[Outcome] = []
    for feed in feeds_to(net, dst):
        target_ports = Region.box(ALL_PROTOCOLS, IntervalSet.of(feed.port) if feed.port else ALL_PORTS)
        if not (query & target_ports):
            continue
        first = _flows(net, src, Target(feed.balancer, resource=feed.balancer), feed.listeners)
        if first.reachable is not True:
            if first.reachable is None:
                found.append(first)
            continue
        second = forward_leg(net, feed, src, query & target_ports)
        if second.reachable is True:
            hop = Step(feed.balancer, f"forward to {feed.target_group or dst} port {feed.port}")
            return Outcome(True, path=[*first.path, hop, *second.path])
        found.append(second)
    return _combine(found) if found else None


def reach(
    estate: Estate | Network, source: str, target: str, port: int | None = None, protocol: str = "tcp"
) -> ReachResult:
    """Can ``source`` open a connection to ``target`` on ``protocol``/``port``?

    ``source``/``target``: ``internet``, an IP or CIDR (``--to`` CIDR: some address in it), a resource
    address or a unique bare name. Raises :class:`UnresolvedName` for names that do not resolve.
    """
    net = estate if isinstance(estate, Network) else network_of(estate)
    src, dst = resolve_name(net, source), resolve_name(net, target)
    query = query_region(protocol, port)
    outcome = _flows(net, src, dst, query)
    if outcome.reachable is not True and dst.resource is not None:
        via = _via_balancer(net, src, dst.resource, query)
        if via is not None and (
            via.reachable is True or (via.reachable is None and outcome.reachable is False)
        ):
            outcome = via
        elif via is not None and via.reachable is False and outcome.reachable is False:
            outcome.blocked_by = list(dict.fromkeys([*outcome.blocked_by, *via.blocked_by]))
    return ReachResult(
        source=src.label,
        target=dst.label,
        port=port,
        protocol=protocol.lower(),
        reachable=outcome.reachable,
        path=tuple(outcome.path),
        blocked_by=tuple(outcome.blocked_by),
        unknown="; ".join(outcome.unknown) if outcome.reachable is None else None,
        source_resource=src.resource,
        target_resource=dst.resource,
    )
