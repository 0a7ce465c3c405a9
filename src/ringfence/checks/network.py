"""Security groups open to the world on admin and database ports.

The finding is about the resource at risk (each member of the group) and points at the rule that opens
it. Its status comes from the network analysis: ``exposed`` when a packet from the internet really gets
there, ``latent`` when nothing routes to it today, ``unknown`` when reachability cannot be decided.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from ringfence.checks.base import Check, Meta, Result, Severity, Status
from ringfence.checks.context import Context
from ringfence.model import Estate, Resource
from ringfence.network import (
    ADMIN_PORTS,
    DATABASE_PORTS,
    NetworkCheck,
    PortExposure,
    admin_port_exposures,
    database_port_exposures,
    network_of,
)
from ringfence.network import CHECKS as NETWORK_CHECKS
from ringfence.network.intervals import IntervalSet

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
    from ringfence.network.findings import from_anywhere
    from ringfence.network.region import TCP, Region

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
        compliance=(
            "CIS-AWS-5.0:5.3",
            "CIS-AWS-5.0:5.4",
            "FSBP:EC2.13",
            "FSBP:EC2.14",
            "FSBP:EC2.53",
            "FSBP:EC2.54",
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
        compliance=("FSBP:EC2.19",),
        peers=("CKV_AWS_277",),
    ),
    kinds=(),
    per_estate=_database,
)


def _hygiene(spec: NetworkCheck) -> Check:
    """A network hygiene check of :mod:`ringfence.network` (a pure function of a resource and the
    estate's network index) in the catalogue."""

    def run(resource: Resource, ctx: Context) -> Iterable[Result]:
        verdict = spec.run(resource, network_of(ctx.estate))
        if verdict is None:
            return
        status = {"pass": Status.PASS, "fail": Status.FAIL}.get(verdict.status, Status.UNKNOWN)
        location = ctx.estate.get(verdict.location) if verdict.location else None
        yield Result(status, verdict.reason, resource, location=location, detail=verdict.location or "")

    return Check(
        Meta(
            rule_id=spec.rule_id,
            title=spec.title,
            pillar="network",
            severity=Severity(spec.severity),
            rationale=spec.rationale,
            remediation=spec.remediation,
            terraform=spec.terraform,
            compliance=tuple(spec.compliance),
            peers=tuple(spec.peers),
        ),
        kinds=tuple(spec.kinds),
        per_resource=run,
    )


CHECKS = (ADMIN_PORT_EXPOSED, DATABASE_PORT_EXPOSED, *(_hygiene(spec) for spec in NETWORK_CHECKS))
