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
from ringfence.network.addresses import INTERNET, to_cidrs
from ringfence.network.endpoints import DATABASE_KINDS, placements
from ringfence.network.findings import ADMIN_PORTS, from_anywhere
from ringfence.network.intervals import IntervalSet
from ringfence.network.region import TCP, Region
from ringfence.network.routes import Route
from ringfence.network.topology import Network

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
    """CIS AWS 5.4: the default security group of every VPC restricts all traffic. A VPC whose default
    group is not declared keeps AWS's rules (inbound from its members, all outbound)."""
    declared = net.default_group(vpc.address)
    if declared is None or declared.endswith("#default-security-group"):
        return _fail(
            "the default security group is not managed, so it keeps AWS's allow rules "
            "(declare aws_default_security_group with no rules)"
        )
    rules = net.sg_rules.get(declared, ())
    if rules:
        return _fail(f"{declared} has {len(rules)} rule(s): {rules[0].label}", rules[0].origin)
    return _pass(f"{declared} has no rules")


def acl_restricts_admin_ports(acl: Resource, net: Network) -> Verdict:
    """CIS AWS 5.1 / FSBP EC2.21: no network ACL admits SSH or RDP (remote administration) from anywhere."""
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
    """CIS AWS 3.7 / FSBP EC2.6: VPC flow logging is enabled."""
    logs = net.estate.sources(vpc, "vpc_id", of_kind="aws_flow_log")
    if logs:
        return _pass(f"flow log {logs[0].address}")
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
        except ValueError:
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
            and _is_star(s.get("Action"))
            and _is_star(s.get("Resource", "*"))
            and not s.get("Condition")
        ):
            return _fail("a statement allows every action on every resource to any principal")
    return _pass("the endpoint policy is restricted")


@dataclass(frozen=True, slots=True)
class NetworkCheck:
    rule_id: str
    title: str
    severity: str
    kinds: tuple[str, ...]
    compliance: tuple[str, ...]
    run: Callable[[Resource, Network], Verdict | None]


CHECKS: tuple[NetworkCheck, ...] = (
    NetworkCheck(
        "network.default-security-group-restricts-all",
        "Default security group restricts all traffic",
        "medium",
        ("aws_vpc",),
        ("CIS-AWS-5.0:5.4", "FSBP:EC2.2"),
        default_security_group_restricts_all,
    ),
    NetworkCheck(
        "network.acl-admin-ports-restricted",
        "Network ACLs do not admit admin ports from anywhere",
        "medium",
        ("aws_network_acl", "aws_default_network_acl"),
        ("CIS-AWS-5.0:5.1", "FSBP:EC2.21"),
        acl_restricts_admin_ports,
    ),
    NetworkCheck(
        "network.database-not-in-public-subnet",
        "Databases are not in subnets routed to an internet gateway",
        "high",
        DATABASE_KINDS,
        (),
        database_not_in_public_subnet,
    ),
    NetworkCheck(
        "network.vpc-flow-logs-enabled",
        "VPC flow logging is enabled",
        "medium",
        ("aws_vpc",),
        ("CIS-AWS-5.0:3.7", "FSBP:EC2.6"),
        vpc_flow_logs_enabled,
    ),
    NetworkCheck(
        "network.private-subnet-gateway-endpoints",
        "Private subnets reach S3 and DynamoDB through gateway endpoints",
        "low",
        ("aws_subnet",),
        (),
        private_subnet_uses_gateway_endpoints,
    ),
    NetworkCheck(
        "network.vpc-endpoint-policy-restricted",
        "VPC endpoint policies do not allow everything",
        "medium",
        ("aws_vpc_endpoint",),
        (),
        vpc_endpoint_policy_restricts,
    ),
)

__all__ = ["CHECKS", "NetworkCheck", "Verdict", "to_cidrs"]
