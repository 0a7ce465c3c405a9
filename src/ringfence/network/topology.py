"""The network of an estate, indexed once: VPCs, subnets, route tables, ACLs and security group rules.

Built lazily from an :class:`~ringfence.model.Estate` by :func:`network_of` and cached for that estate, so
the exposure map, ``reach`` queries, intents and checks share the same work.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from ringfence.model import Estate, Ref, Resource, Unknown, as_bool, as_list
from ringfence.model.relations import DEFAULT_SECURITY_GROUP, NETWORK_ACL, ROUTE_TABLE
from ringfence.network.addresses import ALL_ADDRESSES, to_cidrs
from ringfence.network.intervals import IntervalSet
from ringfence.network.nacl import AclEvaluation, evaluate_acl
from ringfence.network.region import ALL_PORTS, ALL_PROTOCOLS
from ringfence.network.routes import Route, RouteTable, route_from_fields
from ringfence.network.rules import (
    Direction,
    NaclRule,
    SgRule,
    allow_all_nacl_rules,
    inline_nacl_rules,
    inline_sg_rules,
    standalone_nacl_rule,
    standalone_sg_rule,
)
from ringfence.network.values import blocks, cidrs, text

SG_KINDS = ("aws_security_group", "aws_default_security_group")
ACL_KINDS = ("aws_network_acl", "aws_default_network_acl")
RTB_KINDS = ("aws_route_table", "aws_default_route_table")
SG_RULE_KINDS = (
    "aws_security_group_rule",
    "aws_vpc_security_group_ingress_rule",
    "aws_vpc_security_group_egress_rule",
)


def implicit_default_sg(vpc: str) -> str:
    """Name of the default security group AWS creates in a VPC that the estate does not declare."""
    return f"{vpc}#default-security-group"


def implicit_acl(vpc: str) -> str:
    return f"{vpc}#default-network-acl"


def implicit_main_table(vpc: str) -> str:
    return f"{vpc}#main-route-table"


@dataclass(frozen=True, slots=True)
class Subnet:
    address: str
    vpc: str | None
    cidr: IntervalSet  # known IPv4 and IPv6 ranges
    cidr_unknown: str | None
    route_table: str  # effective table (may be the VPC's implicit main table)
    acl: str  # effective network ACL (may be the VPC's implicit default ACL)
    map_public_ip: bool | Unknown
    assign_ipv6: bool | Unknown


@dataclass(frozen=True, slots=True)
class Vpc:
    address: str
    cidr: IntervalSet
    internet_gateways: tuple[str, ...]
    egress_only_gateways: tuple[str, ...]


@dataclass
class Network:
    """Indexes over one estate; every field is computed on first use."""

    estate: Estate
    _acl_cache: dict[tuple[str, bool], AclEvaluation] = field(default_factory=dict)
    # Results other modules compute once per estate (placements, stage regions), by their own keys.
    memo: dict[Any, Any] = field(default_factory=dict)

    # -- identities -----------------------------------------------------------------------------------------
    def _identity(self, kinds: tuple[str, ...]) -> Mapping[str, str]:
        """Literal ids, names and ARNs of resources of ``kinds`` -> address (for values that are not Refs)."""
        key = ("identity", kinds)
        found: dict[str, str] | None = self.memo.get(key)
        if found is None:
            found = {}
            for r in self.estate.of_kind(*kinds):
                for attr in ("id", "arn", "name"):
                    value = r.get(attr)
                    if isinstance(value, str) and value and (attr != "name" or r.kind in SG_KINDS):
                        found.setdefault(value, r.address)
                if r.arn:
                    found.setdefault(r.arn, r.address)
            self.memo[key] = found
        return found

    def resolve(self, value: Any, kinds: tuple[str, ...]) -> str | Unknown | None:
        """A Ref or literal id/name -> the address of a resource of one of ``kinds`` in the estate."""
        if value is None or value == "":
            return None
        if isinstance(value, Ref):
            r = self.estate.get(value.address)
            if r is not None and r.kind in kinds:
                return r.address
            return Unknown(f"{value} is not a {' or '.join(kinds)} of the estate")
        if isinstance(value, Unknown):
            return value
        if isinstance(value, str):
            found = self._identity(kinds).get(value)
            if found:
                return found
            if value in self.estate.by_address and self.estate.by_address[value].kind in kinds:
                return value
            return Unknown(f"{value!r} is not in the estate")
        return Unknown(f"{value!r} cannot be resolved")

    def deref(self, value: Any) -> Any:
        """``aws_vpc.main.cidr_block`` -> that attribute's literal value when the estate holds it."""
        if isinstance(value, Ref) and value.attribute:
            r = self.estate.get(value.address)
            if r is not None:
                inner = r.get(value.attribute)
                if inner is not None and not isinstance(inner, Ref | Unknown):
                    return inner
        if isinstance(value, list | tuple):
            return [self.deref(v) for v in value]
        return value

    def cidrs(self, value: Any) -> tuple[IntervalSet, list[str]]:
        return cidrs(self.deref(value))

    def _group(self, value: Any, owner: Resource) -> str | Unknown | None:
        return self.resolve(value, SG_KINDS)

    def prefix_list(self, value: Any, owner: Resource) -> IntervalSet | Unknown:
        found = self.resolve(value, ("aws_ec2_managed_prefix_list",))
        if isinstance(found, str):
            pl = self.estate.by_address[found]
            entries = [self.deref(e.get("cidr")) for e in blocks(pl.get("entry"))]
            entries += [
                self.deref(e.get("cidr"))
                for e in self.estate.sources(
                    found, "prefix_list_id", of_kind="aws_ec2_managed_prefix_list_entry"
                )
            ]
            known, bad = cidrs(entries)
            if bad:
                return Unknown(f"prefix list {found}: {'; '.join(bad)}")
            return known
        return Unknown(f"prefix list {value} is not in the estate (an AWS-managed list?)")

    # -- VPCs and subnets -----------------------------------------------------------------------------------
    @cached_property
    def vpcs(self) -> Mapping[str, Vpc]:
        out: dict[str, Vpc] = {}
        for r in self.estate.of_kind("aws_vpc"):
            known, _ = self.cidrs(as_list(r.get("cidr_block")) + as_list(r.get("ipv6_cidr_block")))
            for assoc in self.estate.sources(r, "vpc_id", of_kind="aws_vpc_ipv4_cidr_block_association"):
                extra, _ = self.cidrs(assoc.get("cidr_block"))
                known = known | extra
            igws = [g.address for g in self.estate.sources(r, "vpc_id", of_kind="aws_internet_gateway")]
            for att in self.estate.sources(r, "vpc_id", of_kind="aws_internet_gateway_attachment"):
                igws += [g.address for g in self.estate.targets(att, "internet_gateway_id")]
            eigws = [
                g.address
                for g in self.estate.sources(r, "vpc_id", of_kind="aws_egress_only_internet_gateway")
            ]
            out[r.address] = Vpc(r.address, known, tuple(sorted(set(igws))), tuple(sorted(set(eigws))))
        return out

    def vpc_of(self, resource: Resource | str) -> str | None:
        for relation in ("vpc_id", "default_route_table_id", "default_network_acl_id"):
            vpc = self.estate.target(resource, relation)
            if vpc is not None and vpc.kind == "aws_vpc":
                return vpc.address
        return None

    @cached_property
    def subnets(self) -> Mapping[str, Subnet]:
        """Subnet address -> its effective route table, ACL and ranges (each read on first use)."""
        return _Lazy({r.address for r in self.estate.of_kind("aws_subnet")}, self._subnet)

    def _subnet(self, address: str) -> Subnet:
        r = self.estate.by_address[address]
        vpc = self.vpc_of(r)
        known, bad = self.cidrs(as_list(r.get("cidr_block")) + as_list(r.get("ipv6_cidr_block")))
        rtb = self.estate.target(r, ROUTE_TABLE)
        acl = self.estate.target(r, NETWORK_ACL)
        owner = vpc or r.address
        map_ip = as_bool(r.get("map_public_ip_on_launch"))
        ipv6 = as_bool(r.get("assign_ipv6_address_on_creation"))
        return Subnet(
            address=r.address,
            vpc=vpc,
            cidr=known,
            cidr_unknown="; ".join(bad) if bad and not known else None,
            route_table=rtb.address if rtb else implicit_main_table(owner),
            acl=acl.address if acl else implicit_acl(owner),
            map_public_ip=False if map_ip is None else map_ip,
            assign_ipv6=False if ipv6 is None else ipv6,
        )

    def subnet_containing(self, addresses: IntervalSet) -> Subnet | None:
        for s in self.subnets.values():
            if s.cidr and s.cidr.covers(addresses):
                return s
        return None

    # -- security groups ------------------------------------------------------------------------------------
    @cached_property
    def _standalone_sg_rules(self) -> Mapping[str, tuple[SgRule, ...]]:
        out: dict[str, list[SgRule]] = defaultdict(list)
        for rule in self.estate.of_kind(*SG_RULE_KINDS):
            group = self.resolve(rule.get("security_group_id"), SG_KINDS)
            if isinstance(group, str):
                parsed = standalone_sg_rule(rule, group, self._group, self.prefix_list)
                if parsed:
                    out[group].append(parsed)
        return {k: tuple(v) for k, v in out.items()}

    def group_rules(self, group: str) -> tuple[SgRule, ...]:
        """Every rule of one security group (inline blocks and separate rule resources), parsed once."""
        key = ("group-rules", group)
        found: tuple[SgRule, ...] | None = self.memo.get(key)
        if found is None:
            found = self._parse_group(group)
            self.memo[key] = found
        return found

    def _parse_group(self, group: str) -> tuple[SgRule, ...]:
        if group.endswith("#default-security-group"):
            vpc = group.removesuffix("#default-security-group")
            # A VPC's default group as AWS creates it: inbound from its own members, all outbound
            # (https://docs.aws.amazon.com/vpc/latest/userguide/default-security-group.html).
            return (
                SgRule(
                    group,
                    "ingress",
                    ALL_PROTOCOLS,
                    ALL_PORTS,
                    IntervalSet(),
                    (group,),
                    (),
                    (),
                    vpc,
                    "ingress all traffic from itself (AWS default)",
                ),
                *_allow_all(group, "egress", "egress all traffic (AWS default)", origin=vpc),
            )
        sg = self.estate.get(group)
        if sg is None:
            return ()
        out = inline_sg_rules(sg, self._group, self.prefix_list)
        if sg.provenance.source == "cloudformation" and not sg.get("egress"):
            # CloudFormation keeps AWS's default allow-all egress rule when none is given; Terraform
            # removes it (https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/security_group).
            out += _allow_all(sg.address, "egress", "egress all traffic (AWS default)")
        return tuple(out) + self._standalone_sg_rules.get(group, ())

    @cached_property
    def sg_rules(self) -> Mapping[str, tuple[SgRule, ...]]:
        """Every security group of the estate (and the implicit default groups) -> its rules."""
        out = {sg.address: self.group_rules(sg.address) for sg in self.estate.of_kind(*SG_KINDS)}
        for vpc in self.vpcs:
            if self.estate.target(vpc, DEFAULT_SECURITY_GROUP) is None:
                out[implicit_default_sg(vpc)] = self.group_rules(implicit_default_sg(vpc))
        return out

    def rules_of(self, group: str, direction: str) -> tuple[SgRule, ...]:
        return tuple(r for r in self.group_rules(group) if r.direction == direction)

    def default_group(self, vpc: str | None) -> str | None:
        if vpc is None:
            return None
        declared = self.estate.target(vpc, DEFAULT_SECURITY_GROUP)
        return declared.address if declared else implicit_default_sg(vpc)

    # -- network ACLs ---------------------------------------------------------------------------------------
    @cached_property
    def _standalone_acl_rules(self) -> Mapping[str, tuple[NaclRule, ...]]:
        out: dict[str, list[NaclRule]] = defaultdict(list)
        for rule in self.estate.of_kind("aws_network_acl_rule"):
            acl_address = self.resolve(rule.get("network_acl_id"), ACL_KINDS)
            if isinstance(acl_address, str):
                parsed = standalone_nacl_rule(rule, acl_address)
                if parsed:
                    out[acl_address].append(parsed)
        return {k: tuple(v) for k, v in out.items()}

    def acl_rules(self, address: str) -> tuple[NaclRule, ...]:
        """The rules of one network ACL in evaluation order (the implicit default ACL allows all)."""
        if address.endswith("#default-network-acl"):
            return tuple(allow_all_nacl_rules(address))
        acl = self.estate.get(address)
        rules = inline_nacl_rules(acl) if acl is not None else []
        rules += self._standalone_acl_rules.get(address, ())
        return tuple(sorted(rules, key=lambda r: r.number))

    def acl(self, address: str, egress: bool) -> AclEvaluation:
        key = (address, egress)
        found = self._acl_cache.get(key)
        if found is None:
            rules = tuple(r for r in self.acl_rules(address) if r.egress == egress)
            found = evaluate_acl(address, egress, rules)
            self._acl_cache[key] = found
        return found

    # -- route tables ---------------------------------------------------------------------------------------
    def _build_table(self, rtb: Resource) -> RouteTable:
        vpc = self.vpc_of(rtb)
        routes = [self._local(vpc, rtb.address)] if vpc else []
        for b in blocks(rtb.get("route")):
            routes.append(route_from_fields(self, rtb.address, rtb.address, b))
        for r in self.estate.sources(rtb, "route_table_id", of_kind="aws_route"):
            routes.append(route_from_fields(self, rtb.address, r.address, r.attributes, standalone=True))
        endpoints = list(self.estate.sources(rtb, "route_table_ids", of_kind="aws_vpc_endpoint"))
        for assoc in self.estate.sources(
            rtb, "route_table_id", of_kind="aws_vpc_endpoint_route_table_association"
        ):
            endpoints += self.estate.targets(assoc, "vpc_endpoint_id")
        services = tuple(sorted({(text(e.get("service_name")) or "?", e.address) for e in endpoints}))
        return RouteTable(rtb.address, vpc, tuple(routes), services, implicit=False)

    @cached_property
    def route_tables(self) -> Mapping[str, RouteTable]:
        return {r.address: self.table(r.address) for r in self.estate.of_kind(*RTB_KINDS)}

    def _local(self, vpc: str, table: str) -> Route:
        cidr = self.vpcs[vpc].cidr if vpc in self.vpcs else IntervalSet()
        return Route(
            table=table,
            destination=cidr,
            prefix=0,
            target_kind="local",
            target=vpc,
            origin=table,
            label=f"{', '.join(to_cidrs(cidr)) or 'VPC CIDR'} -> local",
            unknown=None if cidr else "the VPC's CIDR is not known",
            is_local=True,
        )

    def table(self, address: str) -> RouteTable:
        key = ("table", address)
        found: RouteTable | None = self.memo.get(key)
        if found is None:
            r = self.estate.get(address)
            if r is not None and r.kind in RTB_KINDS:
                found = self._build_table(r)
            elif (
                address.endswith("#main-route-table")
                and address.removesuffix("#main-route-table") not in self.vpcs
            ):
                unknown = Route(
                    table=address,
                    destination=IntervalSet(),
                    prefix=0,
                    target_kind="unknown",
                    target=None,
                    origin=address,
                    label="?",
                    unknown="the subnet's VPC is not in the estate, so its main route table is unknown",
                )
                found = RouteTable(address, None, (unknown,), (), implicit=True)
            elif address.endswith("#main-route-table"):
                vpc = address.removesuffix("#main-route-table")
                # AWS creates a main table holding only the local route
                # (https://docs.aws.amazon.com/vpc/latest/userguide/RouteTables.html#MainRouteTable).
                found = RouteTable(address, vpc, (self._local(vpc, address),), (), implicit=True)
            else:
                found = RouteTable(address, None, (), (), implicit=True)
            self.memo[key] = found
        return found

    def igw_vpc(self, igw: str) -> str | None:
        r = self.estate.get(igw)
        if r is None:
            return None
        vpc = self.vpc_of(r)
        if vpc:
            return vpc
        for att in self.estate.sources(r, "internet_gateway_id", of_kind="aws_internet_gateway_attachment"):
            found = self.vpc_of(att)
            if found:
                return found
        return None


def _allow_all(group: str, direction: Direction, label: str, origin: str | None = None) -> list[SgRule]:
    return [
        SgRule(group, direction, ALL_PROTOCOLS, ALL_PORTS, ALL_ADDRESSES, (), (), (), origin or group, label)
    ]


# The last few indexes built, most recent last. Each holds its estate, so an id cannot be reused while
# it is here; the bound keeps memory flat when many estates are analysed in one process.
class _Lazy(Mapping[str, Subnet]):
    """A mapping over known keys whose values are computed on first access."""

    def __init__(self, keys: set[str], make: Callable[[str], Subnet]) -> None:
        self._keys = keys
        self._make = make
        self._done: dict[str, Subnet] = {}

    def __getitem__(self, key: str) -> Subnet:
        found = self._done.get(key)
        if found is None:
            if key not in self._keys:
                raise KeyError(key)
            found = self._done[key] = self._make(key)
        return found

    def __contains__(self, key: object) -> bool:
        return key in self._keys

    def __iter__(self) -> Iterator[str]:
        return iter(sorted(self._keys))

    def __len__(self) -> int:
        return len(self._keys)


_CACHE: list[Network] = []
_CACHE_SIZE = 4


def network_of(estate: Estate) -> Network:
    """The (cached) network index of ``estate``."""
    for net in _CACHE:
        if net.estate is estate:
            return net
    net = Network(estate)
    _CACHE.append(net)
    del _CACHE[:-_CACHE_SIZE]
    return net


__all__ = ["Network", "Subnet", "Vpc", "network_of"]
