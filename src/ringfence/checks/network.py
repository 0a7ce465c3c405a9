"""Security groups open to the world on admin and database ports.

The finding is about the resource at risk (each member of the group) and points at the rule that opens
it. Its status comes from the network analysis: ``exposed`` when a packet from the internet really gets
there, ``latent`` when nothing routes to it today, ``unknown`` when reachability cannot be decided.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from ringfence.checks.base import Check, Meta, Result, Severity, Status
from ringfence.checks.context import Context
from ringfence.model import Resource, Unknown, as_list
from ringfence.network import CHECKS as NETWORK_CHECKS
from ringfence.network import NetworkCheck, network_of

ADMIN_PORTS: tuple[tuple[int, int, str], ...] = ((22, 22, "SSH"), (3389, 3389, "RDP"), (5985, 5986, "WinRM"))
DATABASE_PORTS: tuple[tuple[int, int, str], ...] = (
    (1433, 1433, "SQL Server"),
    (1521, 1521, "Oracle"),
    (2483, 2484, "Oracle"),
    (3306, 3306, "MySQL"),
    (5432, 5432, "PostgreSQL"),
    (5439, 5439, "Redshift"),
    (6379, 6379, "Redis"),
    (7000, 7001, "Cassandra"),
    (8020, 8020, "HDFS"),
    (9042, 9042, "Cassandra"),
    (9200, 9300, "Elasticsearch"),
    (11211, 11211, "Memcached"),
    (27017, 27018, "MongoDB"),
)
_WORLD = ("0.0.0.0/0", "::/0")
# Resources that take security groups, and the attribute that names them.
MEMBER_RELATIONS = (
    "vpc_security_group_ids",
    "security_groups",
    "security_group_ids",
    "vpc_config.security_group_ids",
    "network_interfaces.security_groups",
)


@dataclass(frozen=True, slots=True)
class Opening:
    """An ingress rule of a security group that admits the whole internet."""

    group: Resource
    rule: Resource  # the block that holds the rule (the group itself for inline rules)
    protocol: str
    from_port: int
    to_port: int
    cidr: str


def _protocol(value: object) -> str:
    text = str(value).lower()
    return {"6": "tcp", "17": "udp", "1": "icmp", "all": "-1", "-1": "-1"}.get(text, text)


def _ports(protocol: str, from_port: object, to_port: object) -> tuple[int, int] | None:
    if protocol == "-1":
        return 0, 65535
    try:
        low, high = int(str(from_port)), int(str(to_port))
    except ValueError:
        return None
    if low == -1 and high == -1:
        return 0, 65535
    return low, high


@dataclass(frozen=True, slots=True)
class Undecided:
    """An ingress rule that may open the group to the internet, but part of it is not known."""

    group: Resource
    rule: Resource
    ports: tuple[int, int] | None  # None: the ports themselves are not known
    reason: str


def openings(ctx: Context) -> Iterator[Opening | Undecided]:
    """Every world-open ingress rule, and every rule that cannot be read well enough to tell."""
    estate = ctx.estate
    for group in estate.of_kind("aws_security_group", "aws_default_security_group"):
        for block in as_list(group.get("ingress")):
            if isinstance(block, dict):
                yield from _rule(
                    group,
                    group,
                    block.get("protocol"),
                    block.get("from_port"),
                    block.get("to_port"),
                    [*as_list(block.get("cidr_blocks")), *as_list(block.get("ipv6_cidr_blocks"))],
                )
    for rule in estate.of_kind("aws_security_group_rule"):
        if rule.get("type") != "ingress":
            continue
        for group in estate.targets(rule, "security_group_id"):
            yield from _rule(
                group,
                rule,
                rule.get("protocol"),
                rule.get("from_port"),
                rule.get("to_port"),
                [*as_list(rule.get("cidr_blocks")), *as_list(rule.get("ipv6_cidr_blocks"))],
            )
    for rule in estate.of_kind("aws_vpc_security_group_ingress_rule"):
        for group in estate.targets(rule, "security_group_id"):
            yield from _rule(
                group,
                rule,
                rule.get("ip_protocol"),
                rule.get("from_port", -1),
                rule.get("to_port", -1),
                [rule.get("cidr_ipv4"), rule.get("cidr_ipv6")],
            )


def _rule(
    group: Resource, rule: Resource, protocol: object, low: object, high: object, cidrs: list[object]
) -> Iterator[Opening | Undecided]:
    """World-open ranges of one rule. Several CIDRs of one rule that together cover the whole address
    space (``0.0.0.0/1`` and ``128.0.0.0/1``) are the internet too."""
    import ipaddress

    known: list[str] = []
    for cidr in cidrs:
        if cidr is None:
            continue
        if isinstance(cidr, Unknown):
            yield Undecided(
                group, rule, _port_range(protocol, low, high), f"a source CIDR is not known: {cidr.reason}"
            )
        elif isinstance(cidr, str):
            known.append(cidr)
    world: list[str] = [c for c in known if c in _WORLD]
    for version, everything in ((4, "0.0.0.0/0"), (6, "::/0")):
        nets: list[Any] = []
        for c in known:
            try:
                net = ipaddress.ip_network(c, strict=False)
            except ValueError:
                continue
            if net.version == version:
                nets.append(net)
        if (
            everything not in world
            and nets
            and [str(n) for n in ipaddress.collapse_addresses(nets)] == [everything]
        ):
            world.append(everything)
    if not world:
        return
    ports = _port_range(protocol, low, high)
    if ports is None:
        yield Undecided(group, rule, None, "the rule's protocol or ports are not known")
        return
    proto = _protocol(protocol)
    for cidr in world:
        yield Opening(group, rule, proto, ports[0], ports[1], cidr)


def _port_range(protocol: object, low: object, high: object) -> tuple[int, int] | None:
    if isinstance(protocol, Unknown) or isinstance(low, Unknown) or isinstance(high, Unknown):
        return None
    return _ports(_protocol(protocol), low, high)


def members(ctx: Context, group: Resource) -> tuple[Resource, ...]:
    found: dict[str, Resource] = {}
    for relation in MEMBER_RELATIONS:
        for r in ctx.estate.sources(group, relation):
            if r.kind not in ("aws_security_group", "aws_default_security_group"):
                found[r.address] = r
    return tuple(found[a] for a in sorted(found))


def _exposure(ports: tuple[tuple[int, int, str], ...], finder: str, ctx: Context) -> Iterable[Result]:
    """Members of world-open groups, decided by the reachability analysis; groups nobody uses are
    latent openings of their own."""
    import importlib

    network = importlib.import_module("ringfence.network")
    estate = ctx.estate
    found: set[str] = set()
    for exposure in getattr(network, finder)(estate):
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
    for item in openings(ctx):
        if isinstance(item, Undecided):
            span = item.ports
            if span is not None and not any(span[0] <= high and span[1] >= low for low, high, _ in ports):
                continue
            for target in members(ctx, item.group) or (item.group,):
                if target.address in found:
                    continue
                yield Result(
                    Status.UNKNOWN,
                    f"security group {item.group.address} may admit the internet: {item.reason}",
                    target,
                    location=item.rule,
                    detail=f"{item.group.address} {item.rule.address} undecided",
                )
            continue
        if item.protocol not in ("tcp", "-1"):
            continue
        # Groups nobody uses, and templates (nothing runs until something launches from them, and what
        # does is analysed itself): the opening is latent where it is written.
        holders = [m for m in members(ctx, item.group) if m.kind in _TEMPLATES and m.address not in found]
        if not members(ctx, item.group):
            holders = [item.group]
        for holder in holders:
            for low, high, service in ports:
                if item.from_port <= high and item.to_port >= low:
                    port = f"{low}" if low == high else f"{low}-{high}"
                    why = (
                        "no resource in the estate uses it"
                        if holder is item.group
                        else f"{holder.address} is a template"
                    )
                    yield Result(
                        Status.LATENT,
                        f"security group {item.group.address} admits {service} (tcp/{port}) from {item.cidr}, but {why}",
                        holder,
                        location=item.rule,
                        detail=f"{item.group.address} tcp/{port} from {item.cidr}",
                        severity=Severity.LOW,
                    )


_TEMPLATES = frozenset({"aws_launch_template", "aws_launch_configuration"})


def _admin(ctx: Context) -> Iterable[Result]:
    return _exposure(ADMIN_PORTS, "admin_port_exposures", ctx)


def _database(ctx: Context) -> Iterable[Result]:
    return _exposure(DATABASE_PORTS, "database_port_exposures", ctx)


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
    needs=frozenset({"network"}),
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
    needs=frozenset({"network"}),
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
        needs=frozenset({"network"}),
    )


CHECKS = (ADMIN_PORT_EXPOSED, DATABASE_PORT_EXPOSED, *(_hygiene(spec) for spec in NETWORK_CHECKS))
