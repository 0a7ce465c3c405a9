"""``reach``: can a packet get from one end to the other, and if not, what stops it (or its reply)?"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from typing import Any

from ringfence.model import Estate, Unknown
from ringfence.network.addresses import ALL_ADDRESSES, INTERNET, parse_cidr
from ringfence.network.balancers import Feed, feeds_to
from ringfence.network.endpoints import Placement, placements
from ringfence.network.flows import Block, End, Outcome, Stage, Step, run
from ringfence.network.intervals import IntervalSet
from ringfence.network.region import ALL_PORTS, ALL_PROTOCOLS, ICMP, ICMPV6, TCP, UDP, Region
from ringfence.network.routes import Route
from ringfence.network.stages import (
    acl_stage,
    closed_stage,
    deliver_stage,
    listener_stage,
    public_entry,
    route_stage,
    sg_stage,
    unknown_stage,
)
from ringfence.network.topology import Network, network_of

PROTOCOLS = ("tcp", "udp", "icmp", "all")


class NameError_(LookupError):
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
        return Target(name, resource=name)
    matches = [
        r.address
        for r in estate.resources
        if r.name == name or r.address.endswith(":" + name) or r.address.split(":")[-1] == name
    ]
    if len(matches) > 1:
        endpoints = [a for a in matches if placements(net, a)]
        if len(endpoints) == 1:
            matches = endpoints
    if len(matches) == 1:
        return Target(matches[0], resource=matches[0])
    raise NameError_(name, sorted(matches))


def query_region(protocol: str, port: int | None) -> Region:
    proto = protocol.lower()
    if proto == "all":
        return Region.box(ALL_PROTOCOLS)
    if proto == "icmp":
        return Region.box(IntervalSet.of(ICMP) | IntervalSet.of(ICMPV6))
    number = TCP if proto == "tcp" else UDP
    ports = IntervalSet.of(port) if port is not None else ALL_PORTS
    return Region.box(IntervalSet.of(number), ports)


# -- route acceptance --------------------------------------------------------------------------------------
def _igw_of(net: Network, vpc: str | None) -> Any:
    def accept(route: Route) -> bool | str:
        if route.target_kind != "igw":
            return False
        if route.target is None:
            return f"{route.origin}: {route.unknown or 'internet gateway not in the estate'}"
        return net.igw_vpc(route.target) == vpc

    return accept


def _never(route: Route) -> bool | str:
    return False


def _flag(value: bool | Unknown, why: str) -> bool | str:
    if isinstance(value, Unknown):
        return f"{why}: {value.reason}"
    return value


def _nat_usable(net: Network, route: Route) -> bool | str:
    if route.target is None:
        return f"{route.origin}: {route.unknown or 'NAT gateway not in the estate'}"
    nat = net.estate.by_address[route.target]
    if (str(nat.get("connectivity_type") or "public")).lower() == "private":
        return False
    subnet = net.estate.target(nat, "subnet_id")
    if subnet is None or subnet.address not in net.subnets:
        return f"{route.target}: its subnet is not known"
    info = net.subnets[subnet.address]
    yes, maybe, _ = net.table(info.route_table).where(_igw_of(net, info.vpc))
    if yes & INTERNET:
        return True
    return f"{route.target}: its subnet may not route to an internet gateway" if maybe else False


def _internal(net: Network, src_vpc: str | None, dst_vpc: str | None) -> Any:
    def accept(route: Route) -> bool | str:
        if route.target_kind == "local":
            return src_vpc == dst_vpc
        if route.target is None:
            return f"{route.origin}: {route.unknown}" if route.unknown else False
        r = net.estate.by_address[route.target]
        if route.target_kind == "peering":
            ends = {t.address for t in net.estate.targets(r, "vpc_id")}
            ends |= {t.address for t in net.estate.targets(r, "peer_vpc_id")}
            return {src_vpc, dst_vpc} <= ends and src_vpc != dst_vpc
        if route.target_kind == "tgw":
            attached = {
                v.address
                for att in net.estate.sources(r, "transit_gateway_id", of_kind="aws_ec2_transit_gateway_vpc_attachment")
                for v in net.estate.targets(att, "vpc_id")
            }
            return {src_vpc, dst_vpc} <= attached
        return False

    return accept


# -- scenarios ---------------------------------------------------------------------------------------------
def inbound_from_internet(net: Network, dst: Placement) -> list[Stage]:
    """Internet -> interface: gateway and public address, inbound ACL, groups, listeners, then the reply:
    outbound ACL on the ephemeral port and a route back to the internet gateway."""
    if dst.unknown:
        return [unknown_stage(f"{dst.resource}: {dst.unknown}")]
    if not dst.accepts_inbound:
        return [closed_stage(dst.resource, "accepts no inbound connections")]
    assert dst.subnet is not None
    info = net.subnets[dst.subnet]
    stages = [public_entry(net, dst), acl_stage(net, info.acl, egress=False, peer="src", reply=False)]
    if dst.groups is not None:
        stages.append(sg_stage(net, dst, direction="ingress", peer="src", other=None, other_label="the internet"))
    if dst.listeners is not None:
        stages.append(listener_stage(dst))
    stages.append(deliver_stage(dst.resource, ""))
    stages.append(acl_stage(net, info.acl, egress=True, peer="src", reply=True))
    igw = _igw_of(net, info.vpc)
    stages.append(
        route_stage(net, dst.subnet, peer="src", accept_v4=igw, accept_v6=igw,
                    purpose="back to the internet gateway", reply=True)
    )
    return stages


def outbound_to_internet(net: Network, src: Placement) -> list[Stage]:
    if src.unknown:
        return [unknown_stage(f"{src.resource}: {src.unknown}")]
    assert src.subnet is not None
    info = net.subnets[src.subnet]
    stages = []
    if src.groups is not None:
        stages.append(sg_stage(net, src, direction="egress", peer="dst", other=None, other_label="the internet"))
    stages.append(acl_stage(net, info.acl, egress=True, peer="dst", reply=False))
    igw = _igw_of(net, info.vpc)

    def accept_v4(route: Route) -> bool | str:
        if route.target_kind == "nat":
            return _nat_usable(net, route)
        verdict = igw(route)
        return _flag(src.public_v4, f"{src.resource} public IPv4") if verdict is True else verdict

    def accept_v6(route: Route) -> bool | str:
        if route.target_kind in ("igw", "eigw"):
            ok = igw(route) if route.target_kind == "igw" else route.target is not None
            return _flag(src.public_v6, f"{src.resource} IPv6 address") if ok is True else ok
        return False

    stages.append(route_stage(net, src.subnet, peer="dst", accept_v4=accept_v4, accept_v6=accept_v6,
                              purpose="to the internet"))
    stages.append(acl_stage(net, info.acl, egress=False, peer="dst", reply=True))
    return stages


def between(net: Network, src: Placement, dst: Placement) -> list[Stage]:
    """Interface -> interface: the source's egress rules and ACL (and the reply's way back in), routes
    both ways, the destination's ACL (and the reply's way out) and its groups."""
    for p in (src, dst):
        if p.unknown:
            return [unknown_stage(f"{p.resource}: {p.unknown}")]
    if not dst.accepts_inbound:
        return [closed_stage(dst.resource, "accepts no inbound connections")]
    assert src.subnet is not None and dst.subnet is not None
    s_info, d_info = net.subnets[src.subnet], net.subnets[dst.subnet]
    stages: list[Stage] = []
    if src.groups is not None:
        stages.append(sg_stage(net, src, direction="egress", peer="dst", other=dst, other_label=dst.resource))
    if src.subnet != dst.subnet:
        # ACLs filter traffic entering and leaving a subnet, not traffic inside it.
        stages.append(acl_stage(net, s_info.acl, egress=True, peer="dst", reply=False))
        stages.append(acl_stage(net, s_info.acl, egress=False, peer="dst", reply=True))
        accept = _internal(net, s_info.vpc, d_info.vpc)
        stages.append(route_stage(net, src.subnet, peer="dst", accept_v4=accept, accept_v6=accept,
                                  purpose=f"to {dst.resource}"))
        if s_info.vpc != d_info.vpc:
            back = _internal(net, d_info.vpc, s_info.vpc)
            stages.append(route_stage(net, dst.subnet, peer="src", accept_v4=back, accept_v6=back,
                                      purpose=f"back to {src.resource}", reply=True))
        stages.append(acl_stage(net, d_info.acl, egress=False, peer="src", reply=False))
        stages.append(acl_stage(net, d_info.acl, egress=True, peer="src", reply=True))
    if dst.groups is not None:
        stages.append(sg_stage(net, dst, direction="ingress", peer="src", other=src, other_label=src.resource))
    if dst.listeners is not None:
        stages.append(listener_stage(dst))
    stages.append(deliver_stage(dst.resource, ""))
    return stages


def _host(net: Network, label: str, addresses: IntervalSet) -> Placement | None:
    """An address inside a subnet of the estate that belongs to no resource: no group filters it."""
    subnet = net.subnet_containing(addresses)
    if subnet is None:
        return None
    return Placement(label, subnet.address, subnet.vpc, None, None, False, False, "", addresses)


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


def _flows(net: Network, src: Target, dst: Target, query: Region) -> Outcome:
    if src.resource is None and dst.resource is None:
        return Outcome(None, unknown=["neither end is a resource of the estate"])
    if dst.resource is not None:
        targets = placements(net, dst.resource)
        if not targets:
            return Outcome(None, unknown=[f"{dst.resource} has no network interface the analysis knows"])
    if src.resource is not None and not placements(net, src.resource):
        return Outcome(None, unknown=[f"{src.resource} has no network interface the analysis knows"])
    outcomes: list[Outcome] = []
    if src.resource is None:
        assert dst.resource is not None
        public = src.addresses & INTERNET
        host = _host(net, src.label, src.addresses) if not public else None
        for d in placements(net, dst.resource):
            if public:
                end = End(src.label, public, free=True)
                stages = inbound_from_internet(net, d)
                outcomes.append(run(stages, query.with_addresses(public), end, End(d.resource, d.addresses, False)))
            elif host is not None:
                end = End(src.label, src.addresses, free=True)
                outcomes.append(run(between(net, host, d), query.with_addresses(src.addresses), end,
                                    End(d.resource, d.addresses, False)))
            else:
                outcomes.append(Outcome(None, unknown=[
                    f"{src.label} is a private range outside the estate's subnets (VPN and Direct Connect are not modelled)"
                ]))
        return _combine(outcomes)
    for s in placements(net, src.resource):
        src_end = End(s.resource, s.addresses, free=False)
        if dst.resource is None:
            host = _host(net, dst.label, dst.addresses)
            public = dst.addresses & INTERNET
            if host is not None:
                end = End(dst.label, dst.addresses, free=True)
                outcomes.append(run(between(net, s, host), query.with_addresses(dst.addresses), src_end, end))
            elif public:
                end = End(dst.label, public, free=True)
                outcomes.append(run(outbound_to_internet(net, s), query.with_addresses(public), src_end, end))
            else:
                outcomes.append(Outcome(None, unknown=[
                    f"{dst.label} is a private range outside the estate's subnets (VPN and Direct Connect are not modelled)"
                ]))
            continue
        for d in placements(net, dst.resource):
            if s.resource == d.resource and s.subnet == d.subnet:
                outcomes.append(Outcome(True, path=[Step(s.resource, "same interface")]))
                continue
            outcomes.append(run(between(net, s, d), query.with_addresses(ALL_ADDRESSES), src_end,
                                End(d.resource, d.addresses, False)))
    return _combine(outcomes)


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
        second = _flows(net, Target(feed.balancer, resource=feed.balancer), Target(dst, resource=dst), query & target_ports)
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
    address or a unique bare name. Raises :class:`NameError_` for names that do not resolve.
    """
    net = estate if isinstance(estate, Network) else network_of(estate)
    src, dst = resolve_name(net, source), resolve_name(net, target)
    query = query_region(protocol, port)
    outcome = _flows(net, src, dst, query)
    if outcome.reachable is not True and dst.resource is not None:
        via = _via_balancer(net, src, dst.resource, query)
        if via is not None and (via.reachable is True or (via.reachable is None and outcome.reachable is False)):
            outcome = via
    shown_port = port if protocol.lower() in ("tcp", "udp") else port
    return ReachResult(
        source=src.label,
        target=dst.label,
        port=shown_port,
        protocol=protocol.lower(),
        reachable=outcome.reachable,
        path=tuple(outcome.path),
        blocked_by=tuple(outcome.blocked_by),
        unknown="; ".join(outcome.unknown) if outcome.reachable is None else None,
    )
