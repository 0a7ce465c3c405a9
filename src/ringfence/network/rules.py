"""Security group and network ACL rules, read from every Terraform shape into one normalised form.

Security groups (https://docs.aws.amazon.com/vpc/latest/userguide/security-group-rules.html): allow-only and
stateful, so a reply to an admitted request is always let back; a source or destination is a CIDR, a
prefix list or another security group, meaning "any network interface that has that group".
Network ACLs (https://docs.aws.amazon.com/vpc/latest/userguide/nacl-rules.html): numbered rules evaluated
from the lowest number, the first match decides, and a final ``*`` rule denies what nothing matched;
stateless, so replies are evaluated again in the opposite direction.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from ringfence.model import Resource, Unknown, as_bool, as_list
from ringfence.network.addresses import ALL_ADDRESSES, to_cidrs
from ringfence.network.intervals import IntervalSet
from ringfence.network.region import (
    ALL_PORTS,
    ALL_PROTOCOLS,
    ICMP,
    ICMPV6,
    PORTED,
    Region,
    parse_protocol,
    protocol_name,
)
from ringfence.network.values import blocks, cidrs, text, to_int

Direction = Literal["ingress", "egress"]
# (value, owner) -> resolved address, or None with nothing known, or Unknown when it cannot be resolved.
Resolver = Callable[[Any, Resource], "str | Unknown | None"]
PrefixResolver = Callable[[Any, Resource], "IntervalSet | Unknown"]


def _ports(protocols: IntervalSet, from_port: Any, to_port: Any) -> IntervalSet | None:
    """Port axis of a rule. Ports only mean something for TCP and UDP (type for ICMP); -1 means all."""
    numbers = {lo for lo, hi in protocols if lo == hi}
    if protocols == ALL_PROTOCOLS or not numbers or not numbers <= PORTED | {ICMP, ICMPV6}:
        return ALL_PORTS
    lo, hi = to_int(from_port), to_int(to_port)
    if numbers & {ICMP, ICMPV6}:
        # For ICMP, from_port is the ICMP type and to_port the code; -1 is every type.
        return ALL_PORTS if lo is None or lo < 0 else IntervalSet.of(lo)
    if lo is None and hi is None:
        return None
    lo = 0 if lo is None or lo < 0 else lo
    hi = 65535 if hi is None or hi < 0 else hi
    return IntervalSet.of(lo, min(hi, 65535))


def describe_traffic(protocols: IntervalSet, ports: IntervalSet) -> str:
    """``tcp/22``, ``udp/1024-65535``, ``icmp``, ``all traffic``."""
    if protocols == ALL_PROTOCOLS:
        return "all traffic"
    names = ",".join(protocol_name(lo) if lo == hi else f"{lo}-{hi}" for lo, hi in protocols)
    ported = all(lo == hi and lo in PORTED for lo, hi in protocols)
    if ports == ALL_PORTS and not ported:
        return names
    return f"{names}/{ports.describe()}"


@dataclass(frozen=True, slots=True)
class SgRule:
    group: str  # the security group the rule belongs to
    direction: Direction
    protocols: IntervalSet
    ports: IntervalSet
    peers: IntervalSet  # CIDRs and resolved prefix lists
    groups: tuple[str, ...]  # referenced security groups (members are admitted)
    unknown: tuple[str, ...]  # peers (CIDRs, prefix lists) that could not be resolved
    unknown_groups: tuple[str, ...]  # referenced security groups that are not in the estate
    origin: str  # address of the resource that declares the rule
    label: str
    # The protocol or port range cannot be read: the rule admits nothing for certain, and maybe anything
    # its peers send.
    vague: bool = False
    peers_unknown: bool = False

    def region(self) -> Region:
        if self.vague:
            return Region()
        return Region.box(self.protocols, self.ports, self.peers)

    def unknown_region(self) -> Region:
        """Packets this rule may admit for all we know (its unresolved peers could be anything)."""
        if not self.unknown:
            return Region()
        if self.vague:
            return Region.box(self.protocols, self.ports, ALL_ADDRESSES if self.peers_unknown else self.peers)
        return Region.box(self.protocols, self.ports, ALL_ADDRESSES - self.peers)


def _sg_label(direction: Direction, protocols: IntervalSet, ports: IntervalSet, peers: list[str]) -> str:
    word = "from" if direction == "ingress" else "to"
    return f"{direction} {describe_traffic(protocols, ports)} {word} {', '.join(peers) or 'nothing'}"


def _make_sg_rule(
    group: str,
    *,
    direction: Direction,
    protocol: Any,
    from_port: Any,
    to_port: Any,
    cidr_values: list[Any],
    group_values: list[Any],
    prefix_values: list[Any],
    self_ref: bool,
    origin: Resource,
    resolve_group: Resolver,
    resolve_prefix: PrefixResolver,
) -> SgRule:
    unknown: list[str] = []
    vague = False
    protocols = parse_protocol(protocol)
    if protocols is None:
        unknown.append(f"protocol {protocol!r} cannot be read")
        protocols, vague = ALL_PROTOCOLS, True
    ports = _ports(protocols, from_port, to_port)
    if ports is None:
        unknown.append("port range cannot be read")
        ports, vague = ALL_PORTS, True
    peers, bad = cidrs(cidr_values)
    unknown += bad
    peers_unknown = bool(bad)
    shown = to_cidrs(peers) if peers else []
    for value in prefix_values:
        resolved = resolve_prefix(value, origin)
        if isinstance(resolved, Unknown):
            unknown.append(resolved.reason)
            peers_unknown = True
            shown.append(str(value))
        else:
            peers = peers | resolved
            shown.append(str(value))
    refs: list[str] = []
    unknown_groups: list[str] = []
    for value in group_values:
        found = resolve_group(value, origin)
        if isinstance(found, Unknown):
            unknown_groups.append(found.reason)
            shown.append(str(value))
        elif found:
            refs.append(found)
            shown.append(found)
    if self_ref:
        refs.append(group)
        shown.append("itself")
    return SgRule(
        group=group,
        direction=direction,
        protocols=protocols,
        ports=ports,
        peers=peers,
        groups=tuple(dict.fromkeys(refs)),
        unknown=tuple(unknown),
        unknown_groups=tuple(unknown_groups),
        origin=origin.address,
        label=_sg_label(direction, protocols, ports, shown),
        vague=vague,
        peers_unknown=peers_unknown,
    )


def inline_sg_rules(sg: Resource, resolve_group: Resolver, resolve_prefix: PrefixResolver) -> list[SgRule]:
    out: list[SgRule] = []
    directions: tuple[Direction, ...] = ("ingress", "egress")
    for direction in directions:
        value = sg.get(direction)
        # Which rules there are is not known (a `dynamic` block over a value not known before apply, a
        # group not evaluated): they may admit anything, never nothing for certain.
        if isinstance(value, Unknown):
            out.append(_unknown_sg_rules(sg.address, direction, value.reason))
            continue
        if sg.unevaluated is not None:
            out.append(_unknown_sg_rules(sg.address, direction, f"not evaluated: {sg.unevaluated}"))
            continue
        for b in blocks(value):
            out.append(
                _make_sg_rule(
                    sg.address,
                    direction=direction,
                    protocol=b.get("protocol"),
                    from_port=b.get("from_port"),
                    to_port=b.get("to_port"),
                    cidr_values=as_list(b.get("cidr_blocks")) + as_list(b.get("ipv6_cidr_blocks")),
                    group_values=as_list(b.get("security_groups")),
                    prefix_values=as_list(b.get("prefix_list_ids")),
                    self_ref=as_bool(b.get("self")) is True,
                    origin=sg,
                    resolve_group=resolve_group,
                    resolve_prefix=resolve_prefix,
                )
            )
    return out


def _unknown_sg_rules(group: str, direction: Direction, reason: str) -> SgRule:
    word = "from" if direction == "ingress" else "to"
    return SgRule(
        group=group,
        direction=direction,
        protocols=ALL_PROTOCOLS,
        ports=ALL_PORTS,
        peers=IntervalSet(),
        groups=(),
        unknown=(f"{direction} rules not known: {reason}",),
        unknown_groups=(),
        origin=group,
        label=f"{direction} rules not known ({word} anything)",
        vague=True,
        peers_unknown=True,
    )


def standalone_sg_rule(
    rule: Resource, group: str, resolve_group: Resolver, resolve_prefix: PrefixResolver
) -> SgRule | None:
    """``aws_security_group_rule`` and ``aws_vpc_security_group_{ingress,egress}_rule``."""
    if rule.kind == "aws_security_group_rule":
        kind = text(rule.get("type"))
        if kind not in ("ingress", "egress"):
            return None
        legacy: Direction = "ingress" if kind == "ingress" else "egress"
        return _make_sg_rule(
            group,
            direction=legacy,
            protocol=rule.get("protocol"),
            from_port=rule.get("from_port"),
            to_port=rule.get("to_port"),
            cidr_values=as_list(rule.get("cidr_blocks")) + as_list(rule.get("ipv6_cidr_blocks")),
            group_values=as_list(rule.get("source_security_group_id")),
            prefix_values=as_list(rule.get("prefix_list_ids")),
            self_ref=as_bool(rule.get("self")) is True,
            origin=rule,
            resolve_group=resolve_group,
            resolve_prefix=resolve_prefix,
        )
    direction: Direction = "ingress" if rule.kind.endswith("_ingress_rule") else "egress"
    return _make_sg_rule(
        group,
        direction=direction,
        protocol=rule.get("ip_protocol"),
        from_port=rule.get("from_port"),
        to_port=rule.get("to_port"),
        cidr_values=as_list(rule.get("cidr_ipv4")) + as_list(rule.get("cidr_ipv6")),
        group_values=as_list(rule.get("referenced_security_group_id")),
        prefix_values=as_list(rule.get("prefix_list_id")),
        self_ref=False,
        origin=rule,
        resolve_group=resolve_group,
        resolve_prefix=resolve_prefix,
    )


@dataclass(frozen=True, slots=True)
class NaclRule:
    acl: str
    egress: bool
    number: int
    allow: bool
    protocols: IntervalSet
    ports: IntervalSet
    peers: IntervalSet
    unknown: str | None
    origin: str

    def region(self) -> Region:
        return Region.box(self.protocols, self.ports, self.peers)

    def span(self) -> Region:
        """Every packet the rule could match whatever its unresolved CIDR turns out to be."""
        return Region.box(self.protocols, self.ports)

    @property
    def label(self) -> str:
        direction = "outbound" if self.egress else "inbound"
        verb = "allows" if self.allow else "denies"
        word = "to" if self.egress else "from"
        peers = ", ".join(to_cidrs(self.peers)) if self.peers else "an unknown CIDR"
        traffic = describe_traffic(self.protocols, self.ports)
        return f"{direction} rule {self.number} {verb} {traffic} {word} {peers}"


def _nacl_rule(
    acl: str, origin: Resource, egress: bool, fields: Mapping[str, Any], *, number_key: str, action_key: str
) -> NaclRule | None:
    problems: list[str] = []
    number = to_int(fields.get(number_key))
    if number is None:
        # A rule whose position is unknown may come before any other: it makes its span unknown.
        problems.append(f"rule number {fields.get(number_key)!r} is not known")
        number = 0
    protocols = parse_protocol(fields.get("protocol"))
    if protocols is None:
        problems.append(f"protocol {fields.get('protocol')!r} cannot be read")
        protocols = ALL_PROTOCOLS
    numbers = {lo for lo, hi in protocols if lo == hi}
    if numbers & {ICMP, ICMPV6}:
        icmp_type = to_int(fields.get("icmp_type"))
        ports = ALL_PORTS if icmp_type is None or icmp_type < 0 else IntervalSet.of(icmp_type)
    else:
        read = _ports(protocols, fields.get("from_port"), fields.get("to_port"))
        if read is None:
            # Unknown ports: the rule may match any port, so everything it spans is undecided.
            problems.append("port range cannot be read")
        ports = read or ALL_PORTS
    peers, bad = cidrs(as_list(fields.get("cidr_block")) + as_list(fields.get("ipv6_cidr_block")))
    problems += bad
    action = (text(fields.get(action_key)) or "").lower()
    if action not in ("allow", "deny"):
        problems.append(f"action {fields.get(action_key)!r} is not allow or deny")
    return NaclRule(
        acl=acl,
        egress=egress,
        number=number,
        allow=action == "allow",
        protocols=protocols,
        ports=ports,
        peers=peers,
        unknown="; ".join(problems) or None,
        origin=origin.address,
    )


def inline_nacl_rules(acl: Resource) -> list[NaclRule]:
    out: list[NaclRule] = []
    for direction, egress in (("ingress", False), ("egress", True)):
        for b in blocks(acl.get(direction)):
            rule = _nacl_rule(acl.address, acl, egress, b, number_key="rule_no", action_key="action")
            if rule:
                out.append(rule)
    return out


def standalone_nacl_rule(rule: Resource, acl: str) -> NaclRule | None:
    egress = as_bool(rule.get("egress")) is True
    return _nacl_rule(acl, rule, egress, rule.attributes, number_key="rule_number", action_key="rule_action")


def allow_all_nacl_rules(acl: str) -> list[NaclRule]:
    """The rules of a VPC's default network ACL as AWS creates it: allow everything, both ways."""
    return [
        NaclRule(acl, egress, number, True, ALL_PROTOCOLS, ALL_PORTS, peers, None, acl)
        for egress in (False, True)
        for number, peers in ((100, ALL_ADDRESSES),)
    ]
