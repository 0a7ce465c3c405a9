"""Network hygiene beyond exposure: security groups and network ACLs that nothing uses, rules that admit
everything or repeat another rule, public addresses where nothing routes to the internet, the default VPC
in use, databases free to send anywhere.

Every check reads the estate's network index (:func:`ringfence.network.network_of`): a subnet is public
because its route table sends traffic to an internet gateway, never because of its name.
"""

from __future__ import annotations

from collections.abc import Iterable

from ringfence.checks.base import Check, Meta, Result, Severity, failed, passed, unknown
from ringfence.checks.context import Context
from ringfence.checks.network import MEMBER_RELATIONS, members, outside_vpc, routes_to_igw
from ringfence.model import Resource, Unknown, as_bool
from ringfence.model.linker import walk
from ringfence.network import Network, network_of
from ringfence.network.endpoints import DATABASE_KINDS, placements
from ringfence.network.findings import from_anywhere
from ringfence.network.region import ALL_PORTS, TCP
from ringfence.network.rules import NaclRule, SgRule

_GROUP_KINDS = ("aws_security_group", "aws_default_security_group")


def _public_route(net: Network, subnet: str) -> bool | Unknown:
    """Does the subnet's route table send internet traffic to an internet gateway?"""
    routes, maybe = routes_to_igw(net, subnet)
    if routes:
        return True
    table = net.table(net.subnets[subnet].route_table)
    # A subnet whose VPC is not in the estate has a main route table nobody knows.
    maybe += [r.unknown for r in table.routes if r.target_kind == "unknown" and r.unknown]
    return Unknown("; ".join(maybe)) if maybe else False


# -- security groups nothing uses -----------------------------------------------------------------------------
def _undecided_members(group: Resource, ctx: Context) -> list[str]:
    """Resources whose security groups are not known before apply and that may be in the group's VPC (a
    security group only applies to interfaces of its own VPC)."""
    net = network_of(ctx.estate)
    vpc = net.resolve(group.get("vpc_id"), ("aws_vpc",))
    return [
        where
        for where, theirs in _members_not_known(net)
        if not (isinstance(vpc, str) and theirs and None not in theirs and vpc not in theirs)
    ]


def _members_not_known(net: Network) -> list[tuple[str, frozenset[str | None]]]:
    """(attribute, the VPCs its resource is in) for every security group attribute not known before apply,
    computed once per estate."""
    key = ("hygiene", "members-not-known")
    found: list[tuple[str, frozenset[str | None]]] | None = net.memo.get(key)
    if found is None:
        found = []
        for resource in net.estate.resources:
            if resource.kind in _GROUP_KINDS:
                continue
            for relation in MEMBER_RELATIONS:
                if any(isinstance(v, Unknown) for v in walk(dict(resource.attributes), relation)):
                    vpcs = frozenset(spot.vpc for spot in placements(net, resource.address))
                    found.append((f"{resource.address}.{relation}", vpcs))
        net.memo[key] = found
    return found


def _group_in_use(group: Resource, ctx: Context) -> Iterable[Result]:
    """FSBP EC2.22. A group is used by a resource that names it; a rule of another group that refers to it
    does not use it."""
    users = members(ctx, group)
    others = [
        r for kind, r in ctx.estate.incoming(group) if r.kind not in _GROUP_KINDS and "rule" not in r.kind
    ]
    if users or others:
        yield passed(group, f"used by {(users or others)[0].address}")
        return
    undecided = _undecided_members(group, ctx)
    if undecided:
        yield unknown(group, f"the security groups of {undecided[0]} are not known before apply")
        return
    yield failed(group, "no resource in the estate uses this security group")


SECURITY_GROUP_IN_USE = Check(
    Meta(
        rule_id="network.security-group-in-use",
        title="Security groups are attached to a resource",
        pillar="network",
        severity=Severity.LOW,
        rationale="A group nothing uses still carries its rules: the next resource someone attaches it to "
        "inherits openings nobody reviewed for it, and unused groups hide the ones that matter.",
        remediation="Remove the aws_security_group, or attach it through the resource's "
        "vpc_security_group_ids (security_groups, security_group_ids) argument.",
        terraform='resource "aws_instance" "app" {\n  # ...\n'
        "  vpc_security_group_ids = [aws_security_group.app.id]\n}",
    ),
    kinds=("aws_security_group",),
    per_resource=_group_in_use,
)


# -- security group rules that repeat another ------------------------------------------------------------------
def _contains(outer: SgRule, inner: SgRule) -> bool:
    return (
        outer.protocols.covers(inner.protocols)
        and outer.ports.covers(inner.ports)
        and outer.peers.covers(inner.peers)
        and set(inner.groups) <= set(outer.groups)
    )


def _redundant_rules(group: Resource, ctx: Context) -> Iterable[Result]:
    """A rule whose protocols, ports and peers another rule of the same group and direction already admits
    adds nothing: security group rules only allow, and a packet any rule allows is allowed."""
    net = network_of(ctx.estate)
    rules = net.group_rules(group.address)
    found: list[tuple[SgRule, SgRule]] = []
    undecided: list[str] = []
    for i, rule in enumerate(rules):
        if rule.unknown or rule.unknown_groups or rule.vague:
            undecided.append(f"{rule.origin}: {rule.label}")
            continue
        for j, other in enumerate(rules):
            if i == j or other.direction != rule.direction or other.vague:
                continue
            # Of two identical rules, the later one is reported.
            if _contains(other, rule) and not (_contains(rule, other) and j > i):
                found.append((rule, other))
                break
    for rule, other in found:
        yield failed(
            group,
            f"{rule.label} ({rule.origin}) is already admitted by {other.label} ({other.origin})",
            location=ctx.estate.get(rule.origin),
            detail=f"{rule.origin} {rule.label}",
        )
    if found:
        return
    if undecided and len(rules) > 1:
        yield unknown(group, f"rules with values not known before apply: {undecided[0]}")
    else:
        yield passed(group)


SECURITY_GROUP_RULES_NOT_REDUNDANT = Check(
    Meta(
        rule_id="network.security-group-rules-not-redundant",
        title="No security group rule repeats what another rule of the group already admits",
        pillar="network",
        severity=Severity.LOW,
        rationale="A rule contained in a broader one looks like a restriction but restricts nothing: "
        "removing the broad rule later leaves an opening nobody meant, and reviews read intent into rules "
        "that have no effect. Groups also have a rule quota.",
        remediation="Delete the narrower ingress/egress block (or aws_vpc_security_group_ingress_rule), or "
        "narrow the broader one so that each rule states one decision.",
        terraform='resource "aws_vpc_security_group_ingress_rule" "https_office" {\n'
        "  security_group_id = aws_security_group.web.id\n"
        '  cidr_ipv4         = "203.0.113.0/24"\n  ip_protocol       = "tcp"\n'
        "  from_port         = 443\n  to_port           = 443\n}",
    ),
    kinds=_GROUP_KINDS,
    per_resource=_redundant_rules,
)


# -- network ACLs ------------------------------------------------------------------------------------------
def _admits_everything(rule: NaclRule) -> bool:
    return rule.allow and TCP in rule.protocols and rule.ports == ALL_PORTS


def _acl_allow_all(acl: Resource, ctx: Context) -> Iterable[Result]:
    """An inbound rule allowing every port from anywhere leaves the security groups as the only filter."""
    net = network_of(ctx.estate)
    undecided: list[str] = []
    for rule in net.acl_rules(acl.address):
        if rule.egress or not _admits_everything(rule):
            continue
        if rule.unknown:
            undecided.append(f"rule {rule.number} ({rule.origin}): {rule.unknown}")
        elif from_anywhere(rule.peers):
            yield failed(
                acl,
                f"inbound rule {rule.number} allows every port from anywhere",
                location=ctx.estate.get(rule.origin) if rule.origin != acl.address else None,
                detail=f"{rule.origin} {rule.number}",
            )
            return
    if undecided:
        yield unknown(acl, "; ".join(undecided))
    else:
        yield passed(acl)


ACL_NO_ALLOW_ALL_INGRESS = Check(
    Meta(
        rule_id="network.acl-no-allow-all-ingress",
        title="Network ACLs do not allow inbound traffic on every port from anywhere",
        pillar="network",
        severity=Severity.MEDIUM,
        rationale="A network ACL is the subnet's guard behind the security groups; one that allows every "
        "port from 0.0.0.0/0 guards nothing, and a single permissive security group then exposes every "
        "service in the subnet.",
        remediation="Replace the allow-all ingress rule (protocol -1 or ports 0-65535 from 0.0.0.0/0 or "
        "::/0) with rules for the ports the subnet serves and the ephemeral return ports.",
        terraform='resource "aws_network_acl_rule" "https_in" {\n'
        "  network_acl_id = aws_network_acl.public.id\n  rule_number    = 100\n"
        '  egress         = false\n  protocol       = "tcp"\n  rule_action    = "allow"\n'
        '  cidr_block     = "0.0.0.0/0"\n  from_port      = 443\n  to_port        = 443\n}',
        peers=("CKV_AWS_352", "AVD-AWS-0102"),
    ),
    kinds=("aws_network_acl", "aws_default_network_acl"),
    per_resource=_acl_allow_all,
)


def _acl_in_use(acl: Resource, ctx: Context) -> Iterable[Result]:
    """FSBP EC2.16: a network ACL associated with no subnet."""
    subnets = acl.get("subnet_ids")
    if isinstance(subnets, Unknown) or any(
        isinstance(s, Unknown) for s in walk(dict(acl.attributes), "subnet_ids")
    ):
        yield unknown(acl, "subnet_ids is not known before apply")
        return
    linked = ctx.estate.targets(acl, "subnet_ids")
    associations = ctx.estate.sources(acl, "network_acl_id", of_kind="aws_network_acl_association")
    if linked or associations or list(walk(dict(acl.attributes), "subnet_ids")):
        yield passed(acl)
    else:
        yield failed(acl, "the network ACL is associated with no subnet (no subnet_ids, no association)")


ACL_IN_USE = Check(
    Meta(
        rule_id="network.acl-in-use",
        title="Network ACLs are associated with a subnet",
        pillar="network",
        severity=Severity.LOW,
        rationale="An ACL associated with no subnet protects nothing: the subnets meant to be behind it use "
        "their VPC's default ACL, which allows all traffic.",
        remediation="Set subnet_ids on the aws_network_acl (or add an aws_network_acl_association), or "
        "remove it.",
        terraform='resource "aws_network_acl" "private" {\n  vpc_id     = aws_vpc.main.id\n'
        "  subnet_ids = [aws_subnet.private_a.id, aws_subnet.private_b.id]\n}",
    ),
    kinds=("aws_network_acl",),
    per_resource=_acl_in_use,
)


# -- public addresses -----------------------------------------------------------------------------------------
def _private_subnet_public_ip(subnet: Resource, ctx: Context) -> Iterable[Result]:
    """A subnet that gives every interface a public address while nothing routes it to the internet: the
    addresses serve no purpose today and expose every instance once someone adds a route."""
    net = network_of(ctx.estate)
    info = net.subnets[subnet.address]
    if isinstance(info.map_public_ip, Unknown):
        yield unknown(subnet, f"map_public_ip_on_launch is not known: {info.map_public_ip.reason}")
        return
    if not info.map_public_ip:
        yield passed(subnet)
        return
    public = _public_route(net, subnet.address)
    if isinstance(public, Unknown):
        yield unknown(
            subnet, f"whether the subnet routes to an internet gateway is not known: {public.reason}"
        )
    elif public:
        yield passed(subnet, "a public subnet: its route table sends internet traffic to an internet gateway")
    else:
        yield failed(
            subnet,
            f"map_public_ip_on_launch = true, but {info.route_table} has no route to an internet gateway "
            "(a private subnet)",
        )


PRIVATE_SUBNET_NO_PUBLIC_IP_ON_LAUNCH = Check(
    Meta(
        rule_id="network.private-subnet-no-public-ip-on-launch",
        title="Private subnets do not assign public IP addresses on launch",
        pillar="network",
        severity=Severity.MEDIUM,
        rationale="Instances launched in the subnet get a public address that nothing uses; the day a route "
        "to an internet gateway is added (or the route table is swapped) every one of them is on the "
        "internet at once.",
        remediation="Set map_public_ip_on_launch = false on the aws_subnet (it is the default).",
        terraform='resource "aws_subnet" "private_a" {\n  vpc_id                  = aws_vpc.main.id\n'
        '  cidr_block              = "10.0.1.0/24"\n  map_public_ip_on_launch = false\n}',
    ),
    kinds=("aws_subnet",),
    per_resource=_private_subnet_public_ip,
)


def _instance_public_ip(resource: Resource, ctx: Context) -> Iterable[Result]:
    """FSBP EC2.9 (instances) and EC2.25 (launch templates)."""
    if resource.kind == "aws_launch_template":
        flags = [
            as_bool(v)
            for v in walk(dict(resource.attributes), "network_interfaces.associate_public_ip_address")
        ]
        if any(f is True for f in flags):
            yield failed(resource, "network_interfaces.associate_public_ip_address = true")
        elif any(isinstance(f, Unknown) for f in flags):
            yield unknown(
                resource, "network_interfaces.associate_public_ip_address is not known before apply"
            )
        else:
            yield passed(resource)
        return
    net = network_of(ctx.estate)
    spots = placements(net, resource.address)
    for spot in spots:
        if isinstance(spot.public_v4, Unknown):
            yield unknown(
                resource, f"whether it gets a public IPv4 address is not known: {spot.public_v4.reason}"
            )
            return
        if spot.public_v4:
            public = _public_route(net, spot.subnet) if spot.subnet else Unknown("no subnet")
            where = (
                f"; {spot.subnet} has no route to an internet gateway, so the address only waits for one"
                if public is False
                else ""
            )
            yield failed(resource, f"a public IPv4 address ({spot.public_via}){where}")
            return
    yield passed(resource)


INSTANCE_NO_PUBLIC_IP = Check(
    Meta(
        rule_id="ec2.instance-no-public-ip",
        title="EC2 instances and launch templates do not assign public IPv4 addresses",
        pillar="network",
        severity=Severity.MEDIUM,
        rationale="An instance with a public address is one security group rule away from the internet; "
        "behind a load balancer, NAT or Session Manager it needs none, and in a subnet without an "
        "internet route the address only waits for a route to make it reachable.",
        remediation="Set associate_public_ip_address = false (on the instance or the launch template's "
        "network_interfaces), remove the aws_eip, and place the instance behind a load balancer or NAT.",
        terraform='resource "aws_instance" "app" {\n  # ...\n  subnet_id                   = '
        "aws_subnet.private_a.id\n  associate_public_ip_address = false\n}",
        peers=("CKV_AWS_88",),
    ),
    kinds=("aws_instance", "aws_launch_template"),
    per_resource=_instance_public_ip,
)


# -- databases sending anywhere ----------------------------------------------------------------------------------
def _database_egress(db: Resource, ctx: Context) -> Iterable[Result]:
    """A database answers its clients through the connection they opened (security groups are stateful);
    egress to every address on every port is only needed to reach out, which is how data leaves."""
    net = network_of(ctx.estate)
    if outside_vpc(db):
        yield passed(db, "the domain is not placed in a VPC")
        return
    groups: list[str] = []
    for spot in placements(net, db.address):
        if spot.unknown or spot.group_unknown:
            yield unknown(db, f"its security groups are not known: {spot.unknown or spot.group_unknown}")
            return
        groups += spot.groups or ()
    if not groups:
        yield unknown(db, "its security groups are not known")
        return
    undecided: list[str] = []
    for group in dict.fromkeys(groups):
        for rule in net.rules_of(group, "egress"):
            if not (TCP in rule.protocols and rule.ports == ALL_PORTS):
                continue
            if rule.unknown:
                undecided.append(f"{rule.origin}: {'; '.join(rule.unknown)}")
            elif from_anywhere(rule.peers):
                yield failed(
                    db,
                    f"security group {group} allows {rule.label}",
                    location=ctx.estate.get(rule.origin),
                    detail=f"{group} {rule.origin}",
                )
                return
    if undecided:
        yield unknown(db, "; ".join(undecided))
    else:
        yield passed(db)


DATABASE_EGRESS_RESTRICTED = Check(
    Meta(
        rule_id="network.database-egress-restricted",
        title="Database security groups do not allow outbound traffic to anywhere on every port",
        pillar="network",
        severity=Severity.LOW,
        rationale="Replies to clients need no egress rule; open egress lets a compromised database or a "
        "malicious stored procedure (an outbound URL fetch, an S3 export, DNS tunnelling) send data to "
        "any address.",
        remediation="Remove the egress block (or aws_vpc_security_group_egress_rule) to 0.0.0.0/0 on all "
        "ports from the database's security group; allow only the destinations it needs.",
        terraform='resource "aws_security_group" "db" {\n  vpc_id = aws_vpc.main.id\n'
        "  # no egress block: Terraform removes AWS's default allow-all egress rule\n}",
    ),
    kinds=DATABASE_KINDS,
    per_resource=_database_egress,
)


# -- the default VPC ----------------------------------------------------------------------------------------
# What configuring the default VPC itself touches (not a workload placed in it).
_PLUMBING = frozenset(
    {
        "aws_default_subnet",
        "aws_default_security_group",
        "aws_default_route_table",
        "aws_default_network_acl",
        "aws_flow_log",
        "aws_vpc_dhcp_options_association",
    }
)


def _default_vpc(resource: Resource, ctx: Context) -> Iterable[Result]:
    """Workloads placed in the default VPC (named by vpc_id) or in one of its default subnets (every default
    subnet is public and assigns public IPs: https://docs.aws.amazon.com/vpc/latest/userguide/default-vpc.html).
    Each default subnet answers for what runs in it, the default VPC for what names it directly."""
    users = sorted(
        {
            r.address
            for _, r in ctx.estate.incoming(resource)
            if r.kind not in _PLUMBING and r.kind != "aws_default_subnet"
        }
    )
    where = "the default VPC" if resource.kind == "aws_default_vpc" else "a default subnet"
    if users:
        yield failed(resource, f"workloads run in {where}: {', '.join(users[:3])}", detail=",".join(users))
    else:
        yield passed(resource, f"no resource of the estate is placed in {where}")


DEFAULT_VPC_NOT_USED = Check(
    Meta(
        rule_id="network.default-vpc-not-used",
        title="Workloads do not run in the default VPC",
        pillar="network",
        severity=Severity.LOW,
        rationale="The default VPC was designed for convenience: every subnet is public, assigns public "
        "IPs and routes to an internet gateway, and its network ACL allows all traffic. Workloads belong "
        "in a VPC whose tiers were decided.",
        remediation="Move the resources to a VPC of your own (aws_vpc with private subnets); stop "
        "referencing aws_default_vpc and aws_default_subnet.",
        terraform='resource "aws_vpc" "main" {\n  cidr_block = "10.0.0.0/16"\n}',
    ),
    kinds=("aws_default_vpc", "aws_default_subnet"),
    per_resource=_default_vpc,
)


CHECKS = (
    SECURITY_GROUP_IN_USE,
    SECURITY_GROUP_RULES_NOT_REDUNDANT,
    ACL_NO_ALLOW_ALL_INGRESS,
    ACL_IN_USE,
    PRIVATE_SUBNET_NO_PUBLIC_IP_ON_LAUNCH,
    INSTANCE_NO_PUBLIC_IP,
    DATABASE_EGRESS_RESTRICTED,
    DEFAULT_VPC_NOT_USED,
)
