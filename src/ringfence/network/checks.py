"""Network hygiene checks: pure functions of one resource and the estate's network index.

Each returns a :class:`Verdict` (pass / fail / unknown with the reason); none does I/O or logging. The
check framework wraps them; :data:`CHECKS` lists them with the kinds each applies to.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from ringfence.model import Ref, Resource, Unknown
from ringfence.network.addresses import INTERNET
from ringfence.network.endpoints import DATABASE_KINDS, placements
from ringfence.network.findings import ADMIN_PORTS, from_anywhere
from ringfence.network.intervals import IntervalSet
from ringfence.network.region import TCP, Region
from ringfence.network.routes import Route
from ringfence.network.topology import Network
from ringfence.network.values import text

Status = Literal["pass", "fail", "unknown"]


@dataclass(frozen=True, slots=True)
class Verdict:
    status: Status
    reason: str
    location: str | None = None  # the resource whose block decides it, when not the checked one


def _pass(reason: str) -> Verdict:
    return Verdict("pass", reason)


def _fail(reason: str, location: str | None = None) -> Verdict:
    return Verdict("fail", reason, location)


def default_security_group_restricts_all(vpc: Resource, net: Network) -> Verdict:
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
                return Verdict(
                    "unknown", f"{group.address} may manage this VPC's default group: {owner.reason}"
                )
        return _fail(
            "the default security group is not managed, so it keeps AWS's allow rules "
            "(declare aws_default_security_group with no rules)"
        )
    rules = net.sg_rules.get(declared, ())
    if rules:
        return _fail(f"{declared} has {len(rules)} rule(s): {rules[0].label}", rules[0].origin)
    return _pass(f"{declared} has no rules")


def acl_restricts_admin_ports(acl: Resource, net: Network) -> Verdict:
    """CIS AWS 5.0 5.2 / FSBP EC2.21: no network ACL admits SSH or RDP (remote administration) from anywhere."""
    ev = net.acl(acl.address, egress=False)
    admin = Region.box(IntervalSet.of(TCP), ADMIN_PORTS, INTERNET)
    for d in ev.decisions:
        if d.allow is True and d.rule is not None:
            opened = d.matched & admin
            for _, ports, sources in opened.boxes():
                if from_anywhere(sources):
                    return _fail(
                        f"{d.rule.label} admits port {ports.describe()} from anywhere", d.rule.origin
                    )
    if ev.maybe & admin:
        return Verdict("unknown", "a rule with an unknown CIDR may admit admin ports")
    return _pass("no inbound rule admits admin ports from anywhere")


def _routes_to_igw(net: Network, subnet: str) -> tuple[list[Route], list[str]]:
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


def database_not_in_public_subnet(db: Resource, net: Network) -> Verdict:
    """Databases live in subnets without a route to an internet gateway: a subnet's name says nothing, its
    route table decides."""
    spots = placements(net, db.address)
    if not spots:
        return Verdict("unknown", "its subnets are not known")
    unknown: list[str] = []
    for p in spots:
        if p.unknown or p.subnet is None:
            unknown.append(p.unknown or "no subnet")
            continue
        routes, maybe = _routes_to_igw(net, p.subnet)
        if routes:
            return _fail(f"subnet {p.subnet} routes {routes[0].label}", routes[0].origin)
        unknown += maybe
    if unknown:
        return Verdict("unknown", "; ".join(unknown))
    return _pass("none of its subnets routes to an internet gateway")


def vpc_flow_logs_enabled(vpc: Resource, net: Network) -> Verdict:
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
            return _pass(f"flow log {log.address}")
    if unknown:
        return Verdict("unknown", "; ".join(unknown))
    if logs:
        kind = text(logs[0].get("traffic_type"))
        return _fail(
            f"{logs[0].address} does not record rejected traffic (traffic_type {kind!r})", logs[0].address
        )
    return _fail("no aws_flow_log for this VPC")


_SERVICES = ("s3", "dynamodb")


def private_subnet_uses_gateway_endpoints(subnet: Resource, net: Network) -> Verdict | None:
    """A private subnet that reaches the internet through NAT reaches S3 and DynamoDB through gateway
    endpoints, so that traffic stays on the AWS network and can be limited by endpoint policy. Returns None
    (not applicable) for subnets without a NAT route."""
    info = net.subnets.get(subnet.address)
    if info is None:
        return None
    table = net.table(info.route_table)
    if _routes_to_igw(net, subnet.address)[0]:
        return None
    nat = [r for part, r in table.partition if r.target_kind == "nat" and part & INTERNET]
    if not nat:
        return None
    present = {svc for name, _ in table.endpoint_services for svc in _SERVICES if name.endswith("." + svc)}
    missing = [s for s in _SERVICES if s not in present]
    unreadable = [address for name, address in table.endpoint_services if name == "?"]
    if missing and unreadable:
        return Verdict("unknown", f"the service of {unreadable[0]} is not known before apply")
    if missing:
        return _fail(
            f"{' and '.join(missing)} traffic leaves through {nat[0].label} (no gateway endpoint on {table.address})",
            table.address if not table.implicit else None,
        )
    return _pass("S3 and DynamoDB gateway endpoints are associated with its route table")


def _policy_of(endpoint: Resource, net: Network) -> Any:
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


def vpc_endpoint_policy_restricts(endpoint: Resource, net: Network) -> Verdict:
    """A VPC endpoint's policy does not allow every action on every resource to everyone. Without a policy
    AWS applies full access (https://docs.aws.amazon.com/vpc/latest/privatelink/vpc-endpoints-access.html)."""
    policy = _policy_of(endpoint, net)
    if policy in (None, ""):
        return _fail("no endpoint policy: AWS applies the default full-access policy")
    statements = _statements(policy)
    if isinstance(statements, Unknown):
        return Verdict("unknown", statements.reason)
    for s in statements:
        if (
            s.get("Effect") == "Allow"
            and _is_star(s.get("Principal", "*"))
            and _every_action(s.get("Action"))
            and _is_star(s.get("Resource", "*"))
            and not s.get("Condition")
        ):
            return _fail("a statement allows every action on every resource to any principal")
    return _pass("the endpoint policy is restricted")


@dataclass(frozen=True, slots=True)
class NetworkCheck:
    """A check and the metadata the catalogue needs (``Meta`` fields of the check framework)."""

    rule_id: str
    title: str  # states the secure condition
    severity: str
    kinds: tuple[str, ...]
    run: Callable[[Resource, Network], Verdict | None]
    rationale: str
    remediation: str
    terraform: str
    compliance: tuple[str, ...] = ()
    peers: tuple[str, ...] = ()  # ids of the same check in other tools


CHECKS: tuple[NetworkCheck, ...] = (
    NetworkCheck(
        rule_id="network.default-security-group-restricts-all",
        title="The default security group of every VPC restricts all traffic",
        severity="medium",
        kinds=("aws_vpc",),
        run=default_security_group_restricts_all,
        rationale="Resources launched without a group land in the default one; if it allows traffic, "
        "they talk to each other and out to the internet without anyone having decided it.",
        remediation="Declare aws_default_security_group for the VPC with no ingress or egress rules.",
        terraform='resource "aws_default_security_group" "default" {\n  vpc_id = aws_vpc.main.id\n}',
        compliance=("CIS-AWS-5.0:5.5", "FSBP:EC2.2"),
        peers=("CKV2_AWS_12",),
    ),
    NetworkCheck(
        rule_id="network.acl-admin-ports-restricted",
        title="Network ACLs do not admit remote administration ports from anywhere",
        severity="medium",
        kinds=("aws_network_acl", "aws_default_network_acl"),
        run=acl_restricts_admin_ports,
        rationale="A network ACL is the subnet-wide guard; admitting SSH, RDP or WinRM from 0.0.0.0/0 "
        "leaves a single security group mistake between an instance and the internet.",
        remediation="Deny tcp/22, 3389 and 5985-5986 from 0.0.0.0/0 and ::/0 in a rule numbered before "
        "any allow, or admit them only from known ranges.",
        terraform=(
            'resource "aws_network_acl" "private" {\n  vpc_id = aws_vpc.main.id\n'
            '  ingress {\n    rule_no    = 90\n    action     = "deny"\n    protocol   = "tcp"\n'
            '    from_port  = 22\n    to_port    = 22\n    cidr_block = "0.0.0.0/0"\n  }\n}'
        ),
        compliance=("CIS-AWS-5.0:5.2", "FSBP:EC2.21"),
        peers=("CKV_AWS_229", "CKV_AWS_230", "CKV_AWS_231", "CKV_AWS_232"),
    ),
    NetworkCheck(
        rule_id="network.database-not-in-public-subnet",
        title="Databases are not in subnets routed to an internet gateway",
        severity="high",
        kinds=DATABASE_KINDS,
        run=database_not_in_public_subnet,
        rationale="A subnet is public because of its route table, not its name; a database there is one "
        "flag (publicly_accessible) or one security group rule away from the internet.",
        remediation="Give the database a subnet group whose subnets route only inside the VPC (or through "
        "NAT), never to an internet gateway.",
        terraform=(
            'resource "aws_db_subnet_group" "db" {\n'
            "  subnet_ids = [aws_subnet.db_a.id, aws_subnet.db_b.id] # no 0.0.0.0/0 -> igw route\n}"
        ),
        compliance=("FSBP:RDS.2",),
    ),
    NetworkCheck(
        rule_id="network.vpc-flow-logs-enabled",
        title="VPC flow logging is enabled",
        severity="medium",
        kinds=("aws_vpc",),
        run=vpc_flow_logs_enabled,
        rationale="Without flow logs there is no record of who talked to what during an incident.",
        remediation="Add an aws_flow_log for the VPC capturing at least REJECT (better ALL) traffic.",
        terraform=(
            'resource "aws_flow_log" "main" {\n  vpc_id          = aws_vpc.main.id\n'
            '  traffic_type    = "ALL"\n  log_destination = aws_s3_bucket.flow_logs.arn\n}'
        ),
        compliance=("CIS-AWS-5.0:3.7", "FSBP:EC2.6"),
        peers=("CKV2_AWS_11",),
    ),
    NetworkCheck(
        rule_id="network.private-subnet-gateway-endpoints",
        title="Private subnets reach S3 and DynamoDB through gateway endpoints",
        severity="low",
        kinds=("aws_subnet",),
        run=private_subnet_uses_gateway_endpoints,
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
    NetworkCheck(
        rule_id="network.vpc-endpoint-policy-restricted",
        title="VPC endpoint policies do not allow every action on every resource",
        severity="medium",
        kinds=("aws_vpc_endpoint",),
        run=vpc_endpoint_policy_restricts,
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
)

__all__ = ["CHECKS", "NetworkCheck", "Verdict"]
