"""Network checks: security groups open to the world on admin and database ports, and network hygiene
(default security groups, network ACLs, public subnets, flow logs, gateway endpoints, endpoint policies).

An exposure finding is about the resource at risk (each member of the group) and points at the rule that
opens it. Its status comes from the network analysis: ``exposed`` when a packet from the internet really
gets there, ``latent`` when nothing routes to it today, ``unknown`` when reachability cannot be decided.
A hygiene check is a function of one resource and the estate's network index (:func:`network_of`).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from ringfence.checks.base import Check, Meta, Result, Severity, Status
from ringfence.checks.context import Context
from ringfence.model import Estate, Ref, Resource, Unknown
from ringfence.network import (
    ADMIN_PORTS,
    DATABASE_PORTS,
    Network,
    PortExposure,
    admin_port_exposures,
    database_port_exposures,
    network_of,
)
from ringfence.network.addresses import INTERNET
from ringfence.network.endpoints import DATABASE_KINDS, placements
from ringfence.network.findings import from_anywhere
from ringfence.network.intervals import IntervalSet
from ringfence.network.region import TCP, Region
from ringfence.network.routes import Route
from ringfence.network.values import text

# Resources that take security groups, and the attribute that names them.
MEMBER_RELATIONS = (
    "vpc_security_group_ids",
    "security_groups",
    "security_group_ids",
    "vpc_config.security_group_ids",
    "vpc_options.security_group_ids",
    "broker_node_group_info.security_groups",
    "network_interfaces.security_groups",
)
_GROUP_KINDS = ("aws_security_group", "aws_default_security_group")
# Nothing runs until something launches from them, and what does is analysed itself.
_TEMPLATES = frozenset({"aws_launch_template", "aws_launch_configuration"})


def members(ctx: Context, group: Resource) -> tuple[Resource, ...]:
    found: dict[str, Resource] = {}
    for relation in MEMBER_RELATIONS:
        for r in ctx.estate.sources(group, relation):
            if r.kind not in ("aws_security_group", "aws_default_security_group"):
                found[r.address] = r
    return tuple(found[a] for a in sorted(found))


def _exposure(
    finder: Callable[[Estate], list[PortExposure]], ports: IntervalSet, ctx: Context
) -> Iterable[Result]:
    """Members of world-open groups, decided by the reachability analysis. Two kinds of opening have no
    member to decide about and are reported where they are written: groups nobody uses and templates
    (latent), and rules the index cannot read (unknown) on members the analysis did not report."""
    estate = ctx.estate
    found: set[str] = set()
    for exposure in finder(estate):
        resource = estate.get(exposure.resource)
        if resource is None:
            continue
        found.add(resource.address)
        status = {"exposed": Status.EXPOSED, "latent": Status.LATENT}.get(exposure.status, Status.UNKNOWN)
        rule = estate.get(exposure.rule) if exposure.rule else None
        yield Result(
            status,
            exposure.message,
            resource,
            location=rule,
            detail=f"{exposure.protocol} internet",
            severity=Severity.LOW if status is Status.LATENT else None,
        )
    net = network_of(estate)
    probe = Region.box(IntervalSet.of(TCP), ports)
    for group in estate.of_kind(*_GROUP_KINDS):
        users = members(ctx, group)
        for sg_rule in net.rules_of(group.address, "ingress"):
            if not (Region.box(sg_rule.protocols, sg_rule.ports) & probe):
                continue
            where = estate.get(sg_rule.origin)
            if sg_rule.unknown or sg_rule.unknown_groups:
                why = "; ".join((*sg_rule.unknown, *sg_rule.unknown_groups))
                for target in users or (group,):
                    if target.address not in found:
                        yield Result(
                            Status.UNKNOWN,
                            f"security group {group.address} may admit the internet ({sg_rule.label}): {why}",
                            target,
                            location=where,
                            detail=f"{group.address} {sg_rule.origin} undecided",
                        )
                continue
            if not from_anywhere(sg_rule.peers):
                continue
            holders = (
                [m for m in users if m.kind in _TEMPLATES and m.address not in found] if users else [group]
            )
            for holder in holders:
                why = (
                    "no resource in the estate uses it"
                    if holder is group
                    else f"{holder.address} is a template"
                )
                yield Result(
                    Status.LATENT,
                    f"security group {group.address} admits tcp/{(sg_rule.ports & ports).describe()} from "
                    f"anywhere ({sg_rule.label}), but {why}",
                    holder,
                    location=where,
                    detail=f"{group.address} {sg_rule.origin} {sg_rule.label}",
                    severity=Severity.LOW,
                )


def _admin(ctx: Context) -> Iterable[Result]:
    return _exposure(admin_port_exposures, ADMIN_PORTS, ctx)


def _database(ctx: Context) -> Iterable[Result]:
    return _exposure(database_port_exposures, DATABASE_PORTS, ctx)


ADMIN_PORT_EXPOSED = Check(
    Meta(
        rule_id="network.admin-port-exposed",
        title="Admin ports (SSH, RDP, WinRM) are not reachable from the internet",
        pillar="network",
        severity=Severity.HIGH,
        rationale="Remote administration services are brute-forced and exploited within minutes of "
        "being reachable; reach them through SSM Session Manager or a VPN instead.",
        remediation="Remove the 0.0.0.0/0 and ::/0 sources from admin-port rules; use Session Manager or "
        "restrict the source to a known range.",
        terraform=(
            'resource "aws_vpc_security_group_ingress_rule" "ssh" {\n'
            "  security_group_id = aws_security_group.bastion.id\n"
            '  cidr_ipv4         = "203.0.113.0/24" # the office range, never 0.0.0.0/0\n'
            '  ip_protocol       = "tcp"\n  from_port         = 22\n  to_port           = 22\n}'
        ),
        peers=("CKV_AWS_24", "CKV_AWS_25", "CKV_AWS_260", "AVD-AWS-0107", "AVD-AWS-0104"),
    ),
    kinds=(),
    per_estate=_admin,
)

DATABASE_PORT_EXPOSED = Check(
    Meta(
        rule_id="network.database-port-exposed",
        title="Database and cache ports are not reachable from the internet",
        pillar="network",
        severity=Severity.CRITICAL,
        rationale="Databases and caches reachable from the internet are found by scanners within hours; "
        "many ship with weak or no authentication.",
        remediation="Admit database ports only from the application tier's security group.",
        terraform=(
            'resource "aws_vpc_security_group_ingress_rule" "db_from_app" {\n'
            "  security_group_id            = aws_security_group.db.id\n"
            "  referenced_security_group_id = aws_security_group.app.id\n"
            '  ip_protocol                  = "tcp"\n  from_port = 5432\n  to_port   = 5432\n}'
        ),
        peers=("CKV_AWS_277",),
    ),
    kinds=(),
    per_estate=_database,
)


# -- hygiene ----------------------------------------------------------------------------------------------
def _result(status: Status, resource: Resource, net: Network, reason: str, where: str | None) -> Result:
    """A hygiene verdict on ``resource``, located at ``where`` (the block that decides) when it is another."""
    location = net.estate.get(where) if where else None
    return Result(status, reason, resource, location=location, detail=where or "")


def _pass(resource: Resource, net: Network, reason: str) -> Result:
    return _result(Status.PASS, resource, net, reason, None)


def _fail(resource: Resource, net: Network, reason: str, where: str | None = None) -> Result:
    return _result(Status.FAIL, resource, net, reason, where)


def _unknown(resource: Resource, net: Network, reason: str) -> Result:
    return _result(Status.UNKNOWN, resource, net, reason, None)


def hygiene(
    decide: Callable[[Resource, Network], Result | None],
) -> Callable[[Resource, Context], Iterable[Result]]:
    """A per-resource check from a function of the resource and the estate's network index (None: the
    check does not apply to this resource)."""

    def run(resource: Resource, ctx: Context) -> Iterable[Result]:
        got = decide(resource, network_of(ctx.estate))
        if got is not None:
            yield got

    return run


def _default_security_group_restricts_all(vpc: Resource, net: Network) -> Result:
    """CIS AWS 5.0 5.5: the default security group of every VPC restricts all traffic. A VPC whose default
    group is not declared keeps AWS's rules (inbound from its members, all outbound)."""
    declared = net.default_group(vpc.address)
    if declared is None or declared.endswith("#default-security-group"):
        # A declared default group whose VPC is not known before apply may be this VPC's: Terraform adopts
        # the default group of whichever VPC vpc_id names
        # (https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/default_security_group).
        for group in net.estate.of_kind("aws_default_security_group"):
            owner = net.resolve(group.get("vpc_id"), ("aws_vpc",))
            if isinstance(owner, Unknown):
                return _unknown(
                    vpc, net, f"{group.address} may manage this VPC's default group: {owner.reason}"
                )
        return _fail(
            vpc,
            net,
            "the default security group is not managed, so it keeps AWS's allow rules "
            "(declare aws_default_security_group with no rules)",
        )
    rules = net.sg_rules.get(declared, ())
    if rules:
        return _fail(vpc, net, f"{declared} has {len(rules)} rule(s): {rules[0].label}", rules[0].origin)
    return _pass(vpc, net, f"{declared} has no rules")


def _acl_restricts_admin_ports(acl: Resource, net: Network) -> Result:
    """CIS AWS 5.0 5.2 / FSBP EC2.21: no network ACL admits SSH or RDP (remote administration) from anywhere."""
    ev = net.acl(acl.address, egress=False)
    admin = Region.box(IntervalSet.of(TCP), ADMIN_PORTS, INTERNET)
    for d in ev.decisions:
        if d.allow is True and d.rule is not None:
            opened = d.matched & admin
            for _, ports, sources in opened.boxes():
                if from_anywhere(sources):
                    return _fail(
                        acl,
                        net,
                        f"{d.rule.label} admits port {ports.describe()} from anywhere",
                        d.rule.origin,
                    )
    if ev.maybe & admin:
        return _unknown(acl, net, "a rule with an unknown CIDR may admit admin ports")
    return _pass(acl, net, "no inbound rule admits admin ports from anywhere")


def routes_to_igw(net: Network, subnet: str) -> tuple[list[Route], list[str]]:
    info = net.subnets[subnet]
    table = net.table(info.route_table)
    found: list[Route] = []
    unknown: list[str] = []
    for part, route in table.partition:
        if route.target_kind == "igw" and part & INTERNET:
            found.append(route)
        elif route.target_kind == "other" and route.unknown and part & INTERNET:
            # A target not known before apply (``gateway_id = var.x``) may be an internet gateway, which
            # makes the subnet public (https://docs.aws.amazon.com/vpc/latest/userguide/RouteTables.html).
            unknown.append(f"{route.origin}: route {route.label}: {route.unknown}")
    for route in table.uncertain:
        if route.target_kind == "igw":
            unknown.append(f"{route.origin}: {route.unknown}")
    return found, unknown


_SEARCH_DOMAINS = frozenset({"aws_opensearch_domain", "aws_elasticsearch_domain"})


def outside_vpc(db: Resource) -> bool:
    """A search domain without vpc_options has a public endpoint and no subnet or security group at all
    (opensearch.domain-in-vpc reports it); the placement checks have nothing to judge."""
    return db.kind in _SEARCH_DOMAINS and db.get("vpc_options") in (None, [])


def _database_not_in_public_subnet(db: Resource, net: Network) -> Result:
    """Databases live in subnets without a route to an internet gateway: a subnet's name says nothing, its
    route table decides."""
    spots = placements(net, db.address)
    if not spots and outside_vpc(db):
        return _pass(db, net, "the domain is not placed in a VPC")
    if not spots:
        return _unknown(db, net, "its subnets are not known")
    unknown: list[str] = []
    for p in spots:
        if p.unknown or p.subnet is None:
            unknown.append(p.unknown or "no subnet")
            continue
        routes, maybe = routes_to_igw(net, p.subnet)
        if routes:
            return _fail(db, net, f"subnet {p.subnet} routes {routes[0].label}", routes[0].origin)
        unknown += maybe
    if unknown:
        return _unknown(db, net, "; ".join(unknown))
    return _pass(db, net, "none of its subnets routes to an internet gateway")


def _vpc_flow_logs_enabled(vpc: Resource, net: Network) -> Result:
    """CIS AWS 3.7 / FSBP EC2.6: VPC flow logging is enabled, recording at least rejected traffic (EC2.6's
    trafficType parameter defaults to REJECT:
    https://docs.aws.amazon.com/securityhub/latest/userguide/ec2-controls.html#ec2-6). A log of accepted
    traffic only misses the rejected connection attempts."""
    logs = net.estate.sources(vpc, "vpc_id", of_kind="aws_flow_log")
    unknown: list[str] = []
    for log in logs:
        kind = log.get("traffic_type")
        if isinstance(kind, Unknown | Ref):
            unknown.append(f"the traffic type of {log.address} is not known before apply")
        elif (text(kind) or "").upper() in ("ALL", "REJECT"):
            return _pass(vpc, net, f"flow log {log.address}")
    if unknown:
        return _unknown(vpc, net, "; ".join(unknown))
    if logs:
        kind = text(logs[0].get("traffic_type"))
        return _fail(
            vpc,
            net,
            f"{logs[0].address} does not record rejected traffic (traffic_type {kind!r})",
            logs[0].address,
        )
    return _fail(vpc, net, "no aws_flow_log for this VPC")


_SERVICES = ("s3", "dynamodb")
_SERVICE_KINDS = {"s3": ("aws_s3_bucket",), "dynamodb": ("aws_dynamodb_table", "aws_dynamodb_global_table")}


def _private_subnet_uses_gateway_endpoints(subnet: Resource, net: Network) -> Result | None:
    """A private subnet that reaches the internet through NAT reaches S3 and DynamoDB through gateway
    endpoints, so that traffic stays on the AWS network and can be limited by endpoint policy. Returns None
    (not applicable) for subnets without a NAT route."""
    info = net.subnets.get(subnet.address)
    if info is None:
        return None
    table = net.table(info.route_table)
    if routes_to_igw(net, subnet.address)[0]:
        return None
    nat = [r for part, r in table.partition if r.target_kind == "nat" and part & INTERNET]
    if not nat:
        return None
    present = {svc for name, _ in table.endpoint_services for svc in _SERVICES if name.endswith("." + svc)}
    # S3 serves every workload (packages, images, logs); DynamoDB only the estates that have tables.
    used = [s for s in _SERVICES if s == "s3" or net.estate.of_kind(*_SERVICE_KINDS[s])]
    missing = [s for s in used if s not in present]
    unreadable = [address for name, address in table.endpoint_services if name == "?"]
    if missing and unreadable:
        return _unknown(subnet, net, f"the service of {unreadable[0]} is not known before apply")
    if missing:
        return _fail(
            subnet,
            net,
            f"{' and '.join(missing)} traffic leaves through {nat[0].label} (no gateway endpoint on {table.address})",
            table.address if not table.implicit else None,
        )
    named = " and ".join("S3" if s == "s3" else "DynamoDB" for s in used)
    return _pass(subnet, net, f"{named} gateway endpoints are associated with its route table")


def policy_of(endpoint: Resource, net: Network) -> Any:
    for p in net.estate.sources(endpoint, "vpc_endpoint_id", of_kind="aws_vpc_endpoint_policy"):
        return p.get("policy")
    return endpoint.get("policy")


def _statements(policy: Any) -> list[Mapping[str, Any]] | Unknown:
    if isinstance(policy, Unknown | Ref):
        return Unknown(f"the policy is not known before apply ({policy})")
    if isinstance(policy, str):
        try:
            policy = json.loads(policy)
        except (ValueError, RecursionError):
            return Unknown("the policy is not valid JSON")
    if not isinstance(policy, Mapping):
        return Unknown("the policy cannot be read")
    raw = policy.get("Statement", [])
    items = raw if isinstance(raw, list) else [raw]
    return [s for s in items if isinstance(s, Mapping)]


def _is_star(value: Any) -> bool:
    if isinstance(value, list):
        return any(_is_star(v) for v in value)
    if isinstance(value, Mapping):
        return any(_is_star(v) for v in value.values())
    return bool(value == "*")


def _every_action(value: Any) -> bool:
    """``*`` or ``<service>:*``: an endpoint reaches one service, so all of its actions is every action
    (https://docs.aws.amazon.com/vpc/latest/privatelink/vpc-endpoints-access.html)."""
    if isinstance(value, list):
        return any(_every_action(v) for v in value)
    return isinstance(value, str) and (value == "*" or value.endswith(":*"))


def _vpc_endpoint_policy_restricts(endpoint: Resource, net: Network) -> Result:
    """A VPC endpoint's policy does not allow every action on every resource to everyone. Without a policy
    AWS applies full access (https://docs.aws.amazon.com/vpc/latest/privatelink/vpc-endpoints-access.html)."""
    policy = policy_of(endpoint, net)
    if policy in (None, ""):
        return _fail(endpoint, net, "no endpoint policy: AWS applies the default full-access policy")
    statements = _statements(policy)
    if isinstance(statements, Unknown):
        return _unknown(endpoint, net, statements.reason)
    for s in statements:
        if (
            s.get("Effect") == "Allow"
            and _is_star(s.get("Principal", "*"))
            and _every_action(s.get("Action"))
            and _is_star(s.get("Resource", "*"))
            and not s.get("Condition")
        ):
            return _fail(endpoint, net, "a statement allows every action on every resource to any principal")
    return _pass(endpoint, net, "the endpoint policy is restricted")


DEFAULT_SECURITY_GROUP_RESTRICTS_ALL = Check(
    Meta(
        rule_id="network.default-security-group-restricts-all",
        title="The default security group of every VPC restricts all traffic",
        pillar="network",
        severity=Severity.MEDIUM,
        rationale="Resources launched without a group land in the default one; if it allows traffic, "
        "they talk to each other and out to the internet without anyone having decided it.",
        remediation="Declare aws_default_security_group for the VPC with no ingress or egress rules.",
        terraform='resource "aws_default_security_group" "default" {\n  vpc_id = aws_vpc.main.id\n}',
        peers=("CKV2_AWS_12",),
    ),
    kinds=("aws_vpc",),
    per_resource=hygiene(_default_security_group_restricts_all),
)


ACL_ADMIN_PORTS_RESTRICTED = Check(
    Meta(
        rule_id="network.acl-admin-ports-restricted",
        title="Network ACLs do not admit remote administration ports from anywhere",
        pillar="network",
        severity=Severity.MEDIUM,
        rationale="A network ACL is the subnet-wide guard; admitting SSH, RDP or WinRM from 0.0.0.0/0 "
        "leaves a single security group mistake between an instance and the internet.",
        remediation="Deny tcp/22, 3389 and 5985-5986 from 0.0.0.0/0 and ::/0 in a rule numbered before "
        "any allow, or admit them only from known ranges.",
        terraform=(
            'resource "aws_network_acl" "private" {\n  vpc_id = aws_vpc.main.id\n'
            '  ingress {\n    rule_no    = 90\n    action     = "deny"\n    protocol   = "tcp"\n'
            '    from_port  = 22\n    to_port    = 22\n    cidr_block = "0.0.0.0/0"\n  }\n}'
        ),
        peers=("CKV_AWS_229", "CKV_AWS_230", "CKV_AWS_231", "CKV_AWS_232"),
    ),
    kinds=("aws_network_acl", "aws_default_network_acl"),
    per_resource=hygiene(_acl_restricts_admin_ports),
)


DATABASE_NOT_IN_PUBLIC_SUBNET = Check(
    Meta(
        rule_id="network.database-not-in-public-subnet",
        title="Databases are not in subnets routed to an internet gateway",
        pillar="network",
        severity=Severity.HIGH,
        rationale="A subnet is public because of its route table, not its name; a database there is one "
        "flag (publicly_accessible) or one security group rule away from the internet.",
        remediation="Give the database a subnet group whose subnets route only inside the VPC (or through "
        "NAT), never to an internet gateway.",
        terraform=(
            'resource "aws_db_subnet_group" "db" {\n'
            "  subnet_ids = [aws_subnet.db_a.id, aws_subnet.db_b.id] # no 0.0.0.0/0 -> igw route\n}"
        ),
    ),
    kinds=DATABASE_KINDS,
    per_resource=hygiene(_database_not_in_public_subnet),
)


VPC_FLOW_LOGS_ENABLED = Check(
    Meta(
        rule_id="network.vpc-flow-logs-enabled",
        title="VPC flow logging is enabled",
        pillar="network",
        severity=Severity.MEDIUM,
        rationale="Without flow logs there is no record of who talked to what during an incident.",
        remediation="Add an aws_flow_log for the VPC capturing at least REJECT (better ALL) traffic.",
        terraform=(
            'resource "aws_flow_log" "main" {\n  vpc_id          = aws_vpc.main.id\n'
            '  traffic_type    = "ALL"\n  log_destination = aws_s3_bucket.flow_logs.arn\n}'
        ),
        peers=("CKV2_AWS_11",),
    ),
    kinds=("aws_vpc",),
    per_resource=hygiene(_vpc_flow_logs_enabled),
)


PRIVATE_SUBNET_GATEWAY_ENDPOINTS = Check(
    Meta(
        rule_id="network.private-subnet-gateway-endpoints",
        title="Private subnets reach S3 and DynamoDB through gateway endpoints",
        pillar="network",
        severity=Severity.LOW,
        rationale="Without a gateway endpoint, S3 and DynamoDB traffic from private subnets crosses the NAT "
        "gateway to public endpoints, where no endpoint policy can restrict which buckets and tables it "
        "reaches (and NAT processing is billed).",
        remediation="Add S3 and DynamoDB gateway endpoints and associate them with the private route tables.",
        terraform=(
            'resource "aws_vpc_endpoint" "s3" {\n  vpc_id          = aws_vpc.main.id\n'
            '  service_name    = "com.amazonaws.eu-west-1.s3"\n'
            "  route_table_ids = [aws_route_table.private.id]\n}"
        ),
    ),
    kinds=("aws_subnet",),
    per_resource=hygiene(_private_subnet_uses_gateway_endpoints),
)


VPC_ENDPOINT_POLICY_RESTRICTED = Check(
    Meta(
        rule_id="network.vpc-endpoint-policy-restricted",
        title="VPC endpoint policies do not allow every action on every resource",
        pillar="network",
        severity=Severity.MEDIUM,
        rationale="An endpoint's default policy allows any principal any action on any resource of the "
        "service, including buckets of other accounts: an exfiltration path that bypasses egress controls.",
        remediation="Attach a policy limiting the endpoint to the organisation's principals and resources.",
        terraform=(
            'resource "aws_vpc_endpoint" "s3" {\n  vpc_id       = aws_vpc.main.id\n'
            '  service_name = "com.amazonaws.eu-west-1.s3"\n'
            '  policy = jsonencode({\n    Statement = [{\n      Effect = "Allow", Principal = "*", '
            'Action = ["s3:GetObject"],\n      Resource = ["arn:aws:s3:::my-artifacts/*"]\n    }]\n  })\n}'
        ),
    ),
    kinds=("aws_vpc_endpoint",),
    per_resource=hygiene(_vpc_endpoint_policy_restricts),
)


CHECKS = (
    ADMIN_PORT_EXPOSED,
    DATABASE_PORT_EXPOSED,
    DEFAULT_SECURITY_GROUP_RESTRICTS_ALL,
    ACL_ADMIN_PORTS_RESTRICTED,
    DATABASE_NOT_IN_PUBLIC_SUBNET,
    VPC_FLOW_LOGS_ENABLED,
    PRIVATE_SUBNET_GATEWAY_ENDPOINTS,
    VPC_ENDPOINT_POLICY_RESTRICTED,
)
