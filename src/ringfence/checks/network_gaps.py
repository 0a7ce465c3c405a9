"""Where one part of the configuration takes away what another grants: a load balancer placed in subnets its
targets' security groups do not admit, and a VPC endpoint policy that denies requests the workloads behind
it are allowed to make. Both fail at run time, not at apply: health checks fail from some zones, or S3
calls return AccessDenied although the role allows them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache

from ringfence.checks.base import Check, Meta, Result, Severity, Status, failed, passed, unknown
from ringfence.checks.context import Context
from ringfence.checks.network import policy_of
from ringfence.iam.policy import Policy, parse_policy
from ringfence.model import Ref, Resource, Unknown, as_bool
from ringfence.network import Network, network_of
from ringfence.network.addresses import ALL_V4, to_cidrs
from ringfence.network.balancers import feeds
from ringfence.network.endpoints import placements
from ringfence.network.intervals import IntervalSet
from ringfence.network.region import TCP
from ringfence.network.values import text


# -- load balancer subnets against target security groups -------------------------------------------------------
@dataclass(frozen=True, slots=True)
class _Admission:
    """What a target's security groups admit on one port: addresses, and whether the balancer's own
    security groups are referenced (then every node is admitted wherever it is)."""

    addresses: IntervalSet
    by_group: bool
    undecided: tuple[str, ...]


def _admission(net: Network, groups: tuple[str, ...], lb_groups: tuple[str, ...], port: int) -> _Admission:
    addresses = IntervalSet()
    by_group = False
    undecided: list[str] = []
    for group in groups:
        for rule in net.rules_of(group, "ingress"):
            if TCP not in rule.protocols or port not in rule.ports:
                continue
            if rule.vague:
                undecided.append(f"{rule.origin}: {rule.label}")
                continue
            addresses = addresses | rule.peers
            if set(rule.groups) & set(lb_groups):
                by_group = True
            if rule.unknown or rule.unknown_groups:
                undecided.append(f"{rule.origin}: {'; '.join((*rule.unknown, *rule.unknown_groups))}")
    return _Admission(addresses, by_group, tuple(undecided))


def _lb_subnets_admitted(lb: Resource, ctx: Context) -> Iterable[Result]:
    """Health checks and forwarded requests come from the balancer's nodes, one in each of its subnets, with
    an address of that subnet (https://docs.aws.amazon.com/elasticloadbalancing/latest/application/target-group-register-targets.html#target-security-groups):
    a target must admit every one of them, by CIDR or by the balancer's security group."""
    net = network_of(ctx.estate)
    spots = placements(net, lb.address)
    if not spots or any(s.unknown for s in spots):
        yield unknown(lb, f"its subnets are not known: {spots[0].unknown if spots else 'none'}")
        return
    lb_groups = tuple(g for s in spots for g in (s.groups or ()))
    subnets: dict[str, IntervalSet] = {}
    for spot in spots:
        if spot.subnet is None:
            continue
        info = net.subnets.get(spot.subnet)
        if info is None or info.cidr_unknown or not (info.cidr & ALL_V4):
            yield unknown(lb, f"the CIDR of {spot.subnet} is not known")
            return
        subnets[spot.subnet] = info.cidr & ALL_V4
    seen: set[tuple[str, int | None]] = set()
    results: list[Result] = []
    for feed in feeds(net):
        if feed.balancer != lb.address or (feed.target, feed.port) in seen:
            continue
        seen.add((feed.target, feed.port))
        results += _target_admits(lb, net, feed.target, feed.port, subnets, lb_groups)
    if not results:
        return
    bad = [r for r in results if r.status is Status.FAIL]
    undecided = [r for r in results if r.status is Status.UNKNOWN]
    yield from (
        bad or undecided or [passed(lb, f"every target admits the balancer from all {len(subnets)} subnets")]
    )


def _target_admits(
    lb: Resource,
    net: Network,
    target: str,
    port: int | None,
    subnets: dict[str, IntervalSet],
    lb_groups: tuple[str, ...],
) -> list[Result]:
    resource = net.estate.get(target)
    if resource is None or resource.kind == "aws_lambda_function":
        return []  # a function target has no security group between it and the balancer
    if port is None:
        return [unknown(lb, f"the port forwarded to {target} is not known", detail=target)]
    out: list[Result] = []
    for spot in placements(net, target):
        if spot.unknown or spot.group_unknown:
            return [unknown(lb, f"the security groups of {target} are not known", detail=target)]
        if spot.groups is None:
            continue
        seen = _admission(net, spot.groups, lb_groups, port)
        if seen.by_group:
            continue
        missing = [s for s, cidr in subnets.items() if not seen.addresses.covers(cidr)]
        if not missing:
            continue
        if seen.undecided:
            return [unknown(lb, f"{target} may admit the balancer: {seen.undecided[0]}", detail=target)]
        admitted = [s for s in subnets if s not in missing]
        gap = ", ".join(f"{s} ({', '.join(to_cidrs(subnets[s]))})" for s in missing)
        also = f" (it admits only {', '.join(admitted)})" if admitted else ""
        location = net.estate.get(spot.groups[0]) if spot.groups else None
        out.append(
            failed(
                lb,
                f"{target} does not admit tcp/{port} from the balancer's nodes in {gap}{also}: health checks "
                "and requests from there fail",
                detail=f"{target}:{port}",
                location=location,
            )
        )
        break
    return out or [passed(lb, detail=f"{target}:{port}")]


LB_SUBNETS_ADMITTED_BY_TARGETS = Check(
    Meta(
        rule_id="network.lb-subnets-admitted-by-targets",
        title="Load balancer targets admit the balancer from every subnet it is placed in",
        pillar="network",
        severity=Severity.MEDIUM,
        rationale="A balancer has a node in each of its subnets. When the targets' security groups admit "
        "only the CIDRs of some of them, the nodes in the others fail every health check and request: "
        "targets go unhealthy zone by zone, an outage that looks like an application failure.",
        remediation="Admit the balancer in the target security group by its security group "
        "(referenced_security_group_id = the balancer's group) rather than by subnet CIDRs, or list the "
        "CIDR of every subnet in the aws_lb's subnets.",
        terraform='resource "aws_vpc_security_group_ingress_rule" "app_from_alb" {\n'
        "  security_group_id            = aws_security_group.app.id\n"
        "  referenced_security_group_id = aws_security_group.alb.id\n"
        '  ip_protocol                  = "tcp"\n  from_port                    = 8080\n'
        "  to_port                      = 8080\n}",
    ),
    kinds=("aws_lb", "aws_alb"),
    per_resource=_lb_subnets_admitted,
)


# -- VPC endpoint policies against what the workloads behind them are granted -----------------------------------
_WORKLOAD_KINDS = ("aws_instance", "aws_lambda_function")


@cache
def _own_grant() -> Policy:
    """An identity policy allowing everything: asked with the endpoint policy, it isolates what the
    endpoint alone decides."""
    return parse_policy(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]},
        name="(the workload's own grant)",
    )


def _role_of(estate_resource: Resource, ctx: Context) -> Resource | None:
    """The role a workload runs as: an instance's through its instance profile, a function's directly."""
    for target in ctx.estate.targets(estate_resource, "iam_instance_profile"):
        role = ctx.estate.target(target, "role")
        if role is not None and role.kind == "aws_iam_role":
            return role
    for target in ctx.estate.targets(estate_resource, "role"):
        if target.kind == "aws_iam_role":
            return target
    return None


def _service(endpoint: Resource) -> str | None:
    """``com.amazonaws.eu-west-1.s3`` -> ``s3`` (the IAM prefix of the service the endpoint reaches)."""
    name = text(endpoint.get("service_name"))
    if not name:
        return None
    parts = name.split(".")
    return parts[3] if len(parts) > 3 else None


def _behind(endpoint: Resource, net: Network) -> list[Resource] | Unknown:
    """Workloads whose requests to the service go through the endpoint: for a gateway endpoint those in
    subnets whose route table it is associated with; for an interface endpoint with private DNS, those in
    its VPC (https://docs.aws.amazon.com/vpc/latest/privatelink/privatelink-access-aws-services.html)."""
    kind = (text(endpoint.get("vpc_endpoint_type")) or "Gateway").lower()
    if kind == "interface":
        dns = as_bool(endpoint.get("private_dns_enabled"))
        if isinstance(dns, Unknown):
            return dns
        if dns is not True:
            return []
        vpc = net.resolve(endpoint.get("vpc_id"), ("aws_vpc",))
        if not isinstance(vpc, str):
            return Unknown(f"the endpoint's VPC is not known ({vpc})")
        return [
            r
            for r in net.estate.of_kind(*_WORKLOAD_KINDS)
            if any(s.vpc == vpc for s in placements(net, r.address))
        ]
    if kind != "gateway":
        return []
    out: list[Resource] = []
    for r in net.estate.of_kind(*_WORKLOAD_KINDS):
        for spot in placements(net, r.address):
            if spot.subnet is None or spot.subnet not in net.subnets:
                continue
            table = net.table(net.subnets[spot.subnet].route_table)
            if any(address == endpoint.address for _, address in table.endpoint_services):
                out.append(r)
                break
    return out


def _endpoint_policy(endpoint: Resource, net: Network) -> Policy | Unknown | None:
    raw = policy_of(endpoint, net)
    if raw in (None, ""):
        return None  # the default policy allows everything
    if isinstance(raw, Unknown | Ref):
        return Unknown(f"the endpoint policy is not known before apply ({raw})")
    policy = parse_policy(
        raw if isinstance(raw, str | dict) else {}, name=endpoint.address, policy_type="vpc_endpoint"
    )
    if policy.problems and not policy.statements:
        return Unknown(f"the endpoint policy cannot be read: {policy.problems[0].message}")
    return policy


def _grants(role: Resource, service: str, ctx: Context) -> list[tuple[str, str, str]]:
    """(action, resource, a resource it names) for what the role's own policies allow on the service, literally: actions without
    wildcards on resources that name one (wildcards within a name are sampled). A grant on every resource
    ("*") is what endpoint policies exist to narrow, and is not asked."""
    out: list[tuple[str, str, str]] = []
    for policy in ctx.iam.policies_of(role).identity:
        for statement in policy.statements:
            if (
                statement.effect != "Allow"
                or statement.not_action
                or statement.not_resource
                or statement.conditions
            ):
                continue
            for action in statement.actions:
                if "*" in action or "?" in action or action.split(":", 1)[0].lower() != service:
                    continue
                for resource in statement.resources or ():
                    named = resource.split(":", 5)[-1] if resource.startswith("arn:") else ""
                    if not named or named.startswith(("*", "?")):
                        continue
                    out.append((action, resource, resource.replace("*", "x").replace("?", "x")))
    return list(dict.fromkeys(out))


def _endpoint_allows_workloads(endpoint: Resource, ctx: Context) -> Iterable[Result]:
    from ringfence.iam.evaluator import CompiledPolicySet, PolicySet, Request

    net = network_of(ctx.estate)
    service = _service(endpoint)
    if service is None:
        yield unknown(endpoint, "service_name is not known before apply")
        return
    policy = _endpoint_policy(endpoint, net)
    if policy is None:
        yield passed(endpoint, "no endpoint policy: the default policy allows every request")
        return
    workloads = _behind(endpoint, net)
    if isinstance(workloads, Unknown):
        yield unknown(endpoint, f"which workloads use the endpoint is not known: {workloads.reason}")
        return
    if isinstance(policy, Unknown):
        if workloads:
            yield unknown(endpoint, policy.reason)
        return
    through = CompiledPolicySet(
        PolicySet(identity=(_own_grant(),), vpc_endpoint=(policy,), resource_policy_required=False)
    )
    denied: list[str] = []
    undecided: list[str] = []
    asked = 0
    for workload in workloads:
        role = _role_of(workload, ctx)
        if role is None:
            continue
        for action, pattern, resource in _grants(role, service, ctx):
            if ctx.iam.can(role, action, resource, explain=False).allowed is not True:
                continue  # not granted in the first place (a deny, a boundary, an unknown condition)
            asked += 1
            arn = ctx.iam.principal_arn(role)
            request = Request(arn, action, resource, context=ctx.iam.context_for(role, resource, None, {}))
            decision = through.decide(request, explain=False)
            said = f"{workload.address} ({role.address}): {action} on {pattern}"
            if decision.allowed is False:
                denied.append(said)
            elif decision.allowed is None:
                undecided.append(f"{said}: {'; '.join(decision.unknown) or 'a condition is not known'}")
    if denied:
        yield failed(
            endpoint,
            f"the endpoint policy denies {len(denied)} request(s) the workloads behind it are granted: "
            f"{'; '.join(denied[:3])}",
            detail=";".join(denied),
        )
    elif undecided:
        yield unknown(endpoint, f"the endpoint policy may deny granted requests: {undecided[0]}")
    elif asked:
        yield passed(endpoint, f"the endpoint policy allows all {asked} granted request(s) checked")
    elif workloads:
        yield passed(endpoint, "no workload behind the endpoint is granted a request on a named resource")


VPC_ENDPOINT_POLICY_ALLOWS_WORKLOADS = Check(
    Meta(
        rule_id="network.vpc-endpoint-policy-allows-workloads",
        title="VPC endpoint policies allow the requests the workloads behind them are granted",
        pillar="network",
        severity=Severity.MEDIUM,
        rationale="Requests through an endpoint must be allowed by the endpoint policy as well as by the "
        "caller's role. A policy written for some buckets denies the role's grant on another one: the "
        "call fails with AccessDenied although IAM allows it, an outage that IAM reviews do not explain.",
        remediation="Add the bucket (or table, queue...) and action to the aws_vpc_endpoint's policy (or "
        "the aws_vpc_endpoint_policy resource), or remove the grant the workload no longer needs.",
        terraform='resource "aws_vpc_endpoint" "s3" {\n  vpc_id          = aws_vpc.main.id\n'
        '  service_name    = "com.amazonaws.eu-west-1.s3"\n'
        "  route_table_ids = [aws_route_table.private.id]\n"
        '  policy = jsonencode({\n    Version = "2012-10-17"\n    Statement = [{\n'
        '      Effect = "Allow", Principal = "*", Action = ["s3:GetObject", "s3:PutObject"]\n'
        '      Resource = ["arn:aws:s3:::artifacts/*", "arn:aws:s3:::reports/*"]\n    }]\n  })\n}',
    ),
    kinds=("aws_vpc_endpoint",),
    per_resource=_endpoint_allows_workloads,
)

CHECKS = (LB_SUBNETS_ADMITTED_BY_TARGETS, VPC_ENDPOINT_POLICY_ALLOWS_WORKLOADS)
