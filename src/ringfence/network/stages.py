"""The filters a packet meets on its way: public address and gateway, route tables, ACLs, security groups,
listeners. Each builder returns a :class:`~ringfence.network.flows.Stage` whose regions are cached per
estate, so the exposure map of thousands of interfaces reuses the work of each subnet and group."""

from __future__ import annotations

from collections.abc import Callable

from ringfence.model import Unknown
from ringfence.network.addresses import (
    ALL_ADDRESSES,
    ALL_V4,
    ALL_V6,
    INTERNET_V4,
    INTERNET_V6,
    format_address,
    to_cidrs,
)
from ringfence.network.endpoints import Placement
from ringfence.network.flows import Block, Point, Side, Stage, Step
from ringfence.network.intervals import IntervalSet
from ringfence.network.region import (
    ALL_PORTS,
    ALL_PROTOCOLS,
    EMPTY,
    EPHEMERAL_PORTS,
    EVERYTHING,
    PORTED,
    Region,
)
from ringfence.network.routes import Route
from ringfence.network.rules import SgRule, describe_traffic
from ringfence.network.topology import Network


def traffic_of(packets: Region) -> str:
    parts = []
    for protocols, ports, _ in packets.boxes()[:3]:
        parts.append(describe_traffic(protocols, ports))
    return ", ".join(dict.fromkeys(parts)) or "traffic"


def peers_of(packets: Region) -> str:
    shown = to_cidrs(packets.addresses(), limit=3)
    return ", ".join(shown) if shown else "nowhere"


# -- entering from the internet ----------------------------------------------------------------------------
def public_entry(net: Network, p: Placement) -> Stage:
    """An internet client reaches an interface only at a public IPv4 address (or Elastic IP) through an
    internet gateway of its VPC, or at an IPv6 address through an internet gateway; an egress-only gateway
    admits nothing inbound (https://docs.aws.amazon.com/vpc/latest/userguide/egress-only-internet-gateway.html)."""
    vpc = net.vpcs.get(p.vpc or "")
    igws = vpc.internet_gateways if vpc else ()
    yes, maybe = EMPTY, EMPTY
    reasons: list[str] = []
    for flag, family in ((p.public_v4, INTERNET_V4), (p.public_v6, INTERNET_V6)):
        if flag is True:
            yes = yes | Region.box(ALL_PROTOCOLS, ALL_PORTS, family)
        elif isinstance(flag, Unknown):
            maybe = maybe | Region.box(ALL_PROTOCOLS, ALL_PORTS, family)
            reasons.append(f"{p.resource}: whether it has a public address is unknown ({flag.reason})")
    edge = [
        a.address
        for igw in igws
        for a in net.estate.sources(igw, "gateway_id", of_kind="aws_route_table_association")
    ]
    if edge and yes:
        # Ingress routing (a route table associated with the gateway) sends inbound traffic through an
        # appliance first (https://docs.aws.amazon.com/vpc/latest/userguide/gateway-route-tables.html).
        maybe, yes = yes | maybe, EMPTY
        reasons.append(f"{edge[0]}: ingress routing through an appliance is not modelled")
    if vpc is None:
        # The subnet's VPC is not in the estate: whether it has an internet gateway is not known.
        maybe, yes = yes | maybe, EMPTY
        if maybe:
            reasons.append(f"{p.resource}: its VPC is not in the estate (internet gateway unknown)")
    elif not igws:
        yes, maybe = EMPTY, EMPTY

    def witness(point: Point) -> list[Step]:
        gateway = igws[0] if igws else "internet gateway"
        return [Step(gateway, "enter vpc"), Step(p.resource, f"public address ({p.public_via})")]

    def blocked(packets: Region) -> list[Block]:
        if vpc is not None and not igws:
            return [Block(p.vpc or p.resource, "the VPC has no internet gateway")]
        addresses = packets.addresses()
        out = []
        if addresses & ALL_V4 and p.public_v4 is not True:
            out.append(Block(p.resource, f"has no public IPv4 address ({p.public_via})"))
        if addresses & ALL_V6 and p.public_v6 is not True:
            out.append(Block(p.resource, "has no IPv6 address"))
        return out or [Block(p.resource, "has no public address")]

    return Stage("src", yes, maybe, tuple(reasons), witness, blocked)


# -- network ACLs ------------------------------------------------------------------------------------------
def _reply_packets(packets: Region) -> Region:
    out = EMPTY
    ported = IntervalSet.union_of((n, n) for n in PORTED)
    for protocols, _, addresses in packets.boxes():
        out = out | Region.box(protocols & ported, EPHEMERAL_PORTS, addresses)
        out = out | Region.box(protocols - ported, ALL_PORTS, addresses)
    return out


def acl_stage(net: Network, acl: str, *, egress: bool, peer: Side, reply: bool) -> Stage:
    ev = net.acl(acl, egress)
    yes, maybe = ev.reply_allowed if reply else (ev.allowed, ev.maybe)
    reasons = tuple(
        f"{acl}: rule {d.rule.number}: {d.rule.unknown}" for d in ev.decisions if d.rule and d.rule.unknown
    )
    prefix = "reply: " if reply else ""

    def witness(point: Point) -> list[Step]:
        proto, port, address = point
        probe = (
            _reply_packets(Region.box(IntervalSet.of(proto), ALL_PORTS, IntervalSet.of(address)))
            if reply
            else Region.box(IntervalSet.of(proto), IntervalSet.of(port), IntervalSet.of(address))
        )
        for d in ev.decisions:
            if d.allow and d.matched & probe:
                label = d.rule.label if d.rule else "default rule"
                return [Step(d.rule.origin if d.rule else acl, prefix + label)]
        return []

    def blocked(packets: Region) -> list[Block]:
        probe = _reply_packets(packets) if reply else packets
        out = []
        for d in ev.deciding(probe):
            if d.allow is True:
                continue
            if d.rule is None:
                direction = "outbound" if egress else "inbound"
                word = "to" if egress else "from"
                matched = d.matched & probe
                reason = f"{direction} default rule * denies {traffic_of(matched)} {word} {peers_of(matched)}"
            else:
                reason = d.rule.label
            if reply:
                reason += " (the reply to " + traffic_of(packets) + ")"
            out.append(Block(d.rule.origin if d.rule else acl, reason))
        return out

    return Stage(peer, yes, maybe, reasons, witness, blocked)


# -- security groups ---------------------------------------------------------------------------------------
def group_regions(
    net: Network, groups: tuple[str, ...], direction: str
) -> tuple[Region, Region, tuple[str, ...]]:
    """What the groups admit by CIDR and prefix list (what an address outside the estate can match)."""
    key = ("sg", groups, direction)
    if key not in net.memo:
        yes, maybe = EMPTY, EMPTY
        reasons: list[str] = []
        for g in groups:
            for rule in net.rules_of(g, direction):
                yes = yes | rule.region()
                if rule.unknown:
                    maybe = maybe | rule.unknown_region()
                    reasons.extend(f"{rule.origin}: {u}" for u in rule.unknown)
        net.memo[key] = (yes, maybe - yes, tuple(reasons))
    found: tuple[Region, Region, tuple[str, ...]] = net.memo[key]
    return found


def sg_stage(
    net: Network, p: Placement, *, direction: str, peer: Side, other: Placement | None, other_label: str
) -> Stage:
    """Security groups admit a packet when any rule of any group matches: a CIDR or prefix list holding the
    peer's address, or a group the peer is a member of
    (https://docs.aws.amazon.com/vpc/latest/userguide/security-group-rules.html)."""
    groups = p.groups or ()
    yes, maybe, base_reasons = group_regions(net, groups, direction)
    reasons = list(base_reasons)
    member_of = set(other.groups or ()) if other is not None else set()
    by_group: list[SgRule] = []
    for g in groups:
        for rule in net.rules_of(g, direction):
            if member_of & set(rule.groups) and rule.vague:
                maybe = maybe | Region.box(rule.protocols, rule.ports, ALL_ADDRESSES)
                reasons.extend(f"{rule.origin}: {u}" for u in rule.unknown)
            elif member_of & set(rule.groups):
                yes = yes | Region.box(rule.protocols, rule.ports, ALL_ADDRESSES)
                by_group.append(rule)
            elif other is not None and (rule.unknown_groups or (rule.groups and other.group_unknown)):
                maybe = maybe | Region.box(rule.protocols, rule.ports, ALL_ADDRESSES)
                reasons.extend(
                    f"{rule.origin}: {u}" for u in rule.unknown_groups or (other.group_unknown or "",)
                )
    if p.group_unknown:
        maybe = maybe | EVERYTHING
        reasons.append(f"{p.resource}: {p.group_unknown}")
    word = "from" if direction == "ingress" else "to"

    def witness(point: Point) -> list[Step]:
        proto, port, address = point
        probe = Region.box(IntervalSet.of(proto), IntervalSet.of(port), IntervalSet.of(address))
        for rule in by_group:
            if Region.box(rule.protocols, rule.ports) & probe:
                return [Step(rule.origin, f"{rule.label} (member: {other.resource if other else ''})")]
        for g in groups:
            for rule in net.rules_of(g, direction):
                if rule.region() & probe:
                    return [Step(rule.origin, rule.label)]
        return []

    def blocked(packets: Region) -> list[Block]:
        peers = peers_of(packets) if other is None else other_label
        what = f"{traffic_of(packets)} {word} {peers}"
        if not groups:
            return [Block(p.resource, f"no security group admits {what}")]
        return [Block(g, f"no {direction} rule admits {what}") for g in groups]

    return Stage(peer, yes, maybe - yes, tuple(reasons), witness, blocked)


# -- routes ------------------------------------------------------------------------------------------------
Accept = Callable[[Route], "bool | str"]


def route_stage(
    net: Network,
    subnet: str,
    *,
    peer: Side,
    accept_v4: Accept,
    accept_v6: Accept,
    purpose: str,
    reply: bool = False,
) -> Stage:
    info = net.subnets[subnet]
    table = net.table(info.route_table)
    y4, m4, r4 = table.where(accept_v4)
    y6, m6, r6 = table.where(accept_v6)
    yes = Region.box(ALL_PROTOCOLS, ALL_PORTS, (y4 & ALL_V4) | (y6 & ALL_V6))
    maybe = Region.box(ALL_PROTOCOLS, ALL_PORTS, (m4 & ALL_V4) | (m6 & ALL_V6))
    prefix = "reply: " if reply else ""

    def witness(point: Point) -> list[Step]:
        route = table.lookup(point[2])
        return [
            Step(route.origin if route else table.address, f"{prefix}route {route.label if route else '?'}")
        ]

    def blocked(packets: Region) -> list[Block]:
        first = packets.addresses().first()
        if first is None:
            return [Block(table.address, f"no route {purpose}")]
        route = table.lookup(first)
        shown = format_address(first) if len(to_cidrs(packets.addresses())) > 1 else peers_of(packets)
        if route is None:
            return [Block(table.address, f"{prefix}no route {purpose} ({shown} matches no route)")]
        return [Block(route.origin, f"{prefix}no route {purpose}: {shown} goes {route.label}")]

    return Stage(peer, yes, maybe - yes, tuple(r4 + r6), witness, blocked)


def listener_stage(p: Placement) -> Stage:
    listeners = p.listeners or EMPTY

    def witness(point: Point) -> list[Step]:
        return [
            Step(
                p.resource, f"listener {describe_traffic(IntervalSet.of(point[0]), IntervalSet.of(point[1]))}"
            )
        ]

    def blocked(packets: Region) -> list[Block]:
        return [Block(p.resource, f"no listener on {traffic_of(packets)}")]

    return Stage("src", listeners, EMPTY, (), witness, blocked)


def closed_stage(resource: str, reason: str) -> Stage:
    def blocked(packets: Region) -> list[Block]:
        return [Block(resource, reason)]

    return Stage("src", EMPTY, EMPTY, (), lambda _p: [], blocked)


def deliver_stage(resource: str, what: str) -> Stage:
    def witness(point: Point) -> list[Step]:
        return [
            Step(
                resource,
                f"deliver {describe_traffic(IntervalSet.of(point[0]), IntervalSet.of(point[1]))} {what}".rstrip(),
            )
        ]

    return Stage("src", EVERYTHING, EMPTY, (), witness)


def unknown_stage(reason: str) -> Stage:
    return Stage("src", EMPTY, EVERYTHING, (reason,))
