"""Finding-sized facts for the scan: admin and database ports open from anywhere, each ``exposed`` (with
the path), ``latent`` (with what blocks it) or ``unknown`` (with why)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal

from ringfence.model import Estate
from ringfence.network.addresses import INTERNET, INTERNET_V4, INTERNET_V6, to_cidrs
from ringfence.network.endpoints import DATABASE_KINDS, TARGET_KINDS, placements, service_ports
from ringfence.network.exposure import Opening, exposure
from ringfence.network.flows import Block, Step
from ringfence.network.intervals import IntervalSet
from ringfence.network.region import ALL_PORTS, TCP, Region
from ringfence.network.topology import Network, network_of

# Remote administration: SSH, RDP, WinRM over HTTP and HTTPS.
ADMIN_PORTS = IntervalSet.union_of([(22, 22), (3389, 3389), (5985, 5986)])
# Databases and caches: SQL Server, Oracle, MySQL/Aurora, PostgreSQL, Redshift, Redis, Memcached, MongoDB,
# Cassandra, Elasticsearch/OpenSearch, CouchDB, Neo4j.
DATABASE_PORTS = IntervalSet.union_of(
    [
        (1433, 1434),
        (1521, 1521),
        (2483, 2484),
        (3306, 3306),
        (5432, 5432),
        (5439, 5439),
        (5984, 5984),
        (6379, 6379),
        (7474, 7474),
        (9042, 9042),
        (9200, 9200),
        (9300, 9300),
        (11211, 11211),
        (27017, 27019),
    ]
)


# -- findings for the scan ---------------------------------------------------------------------------------
Status = Literal["exposed", "latent", "unknown"]


def from_anywhere(sources: IntervalSet) -> bool:
    """Open to the world: at least half of the internet's IPv4 or IPv6 addresses (a NACL denying a few
    ranges does not make an opening private; a rule for an office's range is not "anywhere")."""
    return (sources & INTERNET_V4).size() * 2 >= INTERNET_V4.size() or (
        (sources & INTERNET_V6).size() * 2 >= INTERNET_V6.size()
    )


@dataclass(frozen=True, slots=True)
class PortExposure:
    """One finding-sized fact: ``resource`` is exposed / latently open / maybe open on ``ports``."""

    resource: str
    status: Status
    protocol: str
    ports: IntervalSet
    sources: tuple[str, ...]
    path: tuple[Step, ...] = ()
    blocked_by: tuple[Block, ...] = ()
    unknown: str | None = None
    rule: str | None = None  # the resource declaring the security group rule that opens the port
    via: str | None = None

    @property
    def message(self) -> str:
        where = f"{self.protocol}/{self.ports.describe()}"
        if self.status == "exposed":
            steps = " -> ".join(f"{s.resource} ({s.step})" for s in self.path)
            return f"{where} is reachable from {', '.join(self.sources)} via {steps}"
        if self.status == "latent":
            why = "; ".join(f"{b.resource}: {b.reason}" for b in self.blocked_by) or "no path"
            return f"{where} is open to {', '.join(self.sources)} in {self.rule} but no packet can reach it: {why}"
        return f"{where} may be reachable from {', '.join(self.sources)}: {self.unknown}"

    def to_json(self) -> dict[str, Any]:
        return {
            "resource": self.resource,
            "status": self.status,
            "protocol": self.protocol,
            "ports": self.ports.describe(),
            "sources": list(self.sources),
            "path": [s.to_json() for s in self.path],
            "blocked_by": [b.to_json() for b in self.blocked_by],
            "unknown": self.unknown,
            "rule": self.rule,
            "via": self.via,
            "message": self.message,
        }


def _world_ports(
    region: Region, protocols: IntervalSet, ports: IntervalSet
) -> tuple[IntervalSet, IntervalSet]:
    """Ports (within ``ports``) open from anywhere in ``region``, and the sources seen there."""
    found, sources = IntervalSet(), IntervalSet()
    for _, q, addresses in (region & Region.box(protocols, ports)).boxes():
        if from_anywhere(addresses):
            found = found | q
            sources = sources | addresses
    return found, sources


def _opening_rule(net: Network, address: str, protocols: IntervalSet, ports: IntervalSet) -> str | None:
    probe = Region.box(protocols, ports, INTERNET)
    for p in placements(net, address):
        for g in p.groups or ():
            for rule in net.rules_of(g, "ingress"):
                if rule.region() & probe:
                    return rule.origin
    return None


def port_exposures(
    estate: Estate | Network,
    ports: IntervalSet,
    *,
    protocols: IntervalSet = IntervalSet.of(TCP),
    kinds: Iterable[str] = TARGET_KINDS,
) -> list[PortExposure]:
    """For every resource with one of ``ports`` open from anywhere: exposed (a packet gets there, with the
    path), unknown (something on the way is not known), or latent (its security group admits it from
    anywhere, but the packet or its reply is stopped, with what stops it)."""
    net = estate if isinstance(estate, Network) else network_of(estate)
    out: list[PortExposure] = []
    proto_name = Opening(protocols, ports, IntervalSet()).protocol
    witnesses: dict[tuple[Any, ...], tuple[str, Any]] = {}

    def reach(net: Network, source: str, target: str, port: int, protocol: str) -> Any:
        """The witness of one resource serves every resource placed the same way (same subnet, groups
        and kind of public address): only the names in it change."""
        from ringfence.network.reach import reach as reach_one

        key = _placement_key(net, target, port, protocol)
        if key is None:
            return reach_one(net, source, target, port, protocol)
        if key not in witnesses:
            witnesses[key] = (target, reach_one(net, source, target, port, protocol))
        first, result = witnesses[key]
        return result if first == target else _renamed(result, first, target)

    for r in net.estate.of_kind(*kinds):
        listened = _listened(net, r.address, protocols, ports)
        if not listened or _closed(net, r.address, protocols, listened):
            continue
        e = exposure(net, r.address)
        open_ports, sources = _world_ports(e.reachable, protocols, listened)
        via = None
        for lb, region in e.via:
            if not open_ports:
                open_ports, sources = _world_ports(region, protocols, listened)
                via = lb if open_ports else None
        rule = None
        if open_ports:
            first = open_ports.first()
            assert first is not None
            result = reach(
                net, "internet", r.address, first, proto_name if proto_name in ("tcp", "udp") else "tcp"
            )
            rule = _opening_rule(net, r.address, protocols, open_ports)
            out.append(
                PortExposure(
                    r.address,
                    "exposed",
                    proto_name,
                    open_ports,
                    tuple(to_cidrs(sources)),
                    path=result.path,
                    rule=rule,
                    via=via,
                )
            )
            continue
        maybe_ports, sources = _world_ports(e.uncertain | e.reachable, protocols, listened)
        if maybe_ports:
            out.append(
                PortExposure(
                    r.address,
                    "unknown",
                    proto_name,
                    maybe_ports,
                    tuple(to_cidrs(sources)),
                    unknown="; ".join(e.reasons) or "undecided",
                    rule=_opening_rule(net, r.address, protocols, maybe_ports),
                )
            )
            continue
        latent_ports, sources = _world_ports(e.admitted, protocols, listened)
        if latent_ports:
            first = latent_ports.first()
            assert first is not None
            result = reach(
                net, "internet", r.address, first, proto_name if proto_name in ("tcp", "udp") else "tcp"
            )
            out.append(
                PortExposure(
                    r.address,
                    "latent",
                    proto_name,
                    latent_ports,
                    tuple(to_cidrs(sources)),
                    blocked_by=result.blocked_by,
                    rule=_opening_rule(net, r.address, protocols, latent_ports),
                )
            )
    return out


def _listened(net: Network, address: str, protocols: IntervalSet, ports: IntervalSet) -> IntervalSet:
    """The ``ports`` the resource answers on: a managed service only on its service port, a load balancer
    on its listeners; anything else on every port."""
    heard = service_ports(net, address)
    if heard is None:
        return ports
    found = IntervalSet()
    for _, q, _ in (heard & Region.box(protocols, ports)).boxes():
        found = found | q
    return found


def _closed(net: Network, address: str, protocols: IntervalSet, ports: IntervalSet) -> bool:
    """Cheap proof that nothing can reach ``ports`` on the resource: every interface has security groups,
    and no inbound rule of theirs admits those ports from any source (CIDR, prefix list or group), nor is
    undecided. Load balancers and anything unplaced go through the full analysis."""
    probe = Region.box(protocols, ports)
    spots = placements(net, address)
    if not spots:
        return False
    for p in spots:
        if p.groups is None or p.group_unknown or p.unknown or p.listeners is not None:
            return False
        for g in p.groups:
            for rule in net.rules_of(g, "ingress"):
                if rule.unknown or rule.unknown_groups or (Region.box(rule.protocols, rule.ports) & probe):
                    return False
    return True


def _placement_key(net: Network, address: str, port: int, protocol: str) -> tuple[Any, ...] | None:
    spots = placements(net, address)
    if not spots or any(p.unknown or p.listeners is not None for p in spots):
        return None
    kind = net.estate.by_address[address].kind
    return (
        kind,
        port,
        protocol,
        tuple(
            (
                p.subnet,
                p.vpc,
                p.groups,
                p.group_unknown,
                p.public_v4,
                p.public_v6,
                p.public_via,
                p.accepts_inbound,
            )
            for p in spots
        ),
    )


def _renamed(result: Any, old: str, new: str) -> Any:
    import dataclasses
    import re

    # Whole addresses only: aws_instance.a must not rename aws_instance.ab.
    pattern = re.compile(re.escape(old) + r"(?![\w\[\]\"-])")

    def name(text: str) -> str:
        return new if text == old else pattern.sub(new, text)

    return dataclasses.replace(
        result,
        target=name(result.target),
        target_resource=new if result.target_resource == old else result.target_resource,
        path=tuple(Step(name(s.resource), name(s.step)) for s in result.path),
        blocked_by=tuple(Block(name(b.resource), name(b.reason)) for b in result.blocked_by),
        unknown=name(result.unknown) if result.unknown else result.unknown,
    )


def admin_port_exposures(estate: Estate | Network) -> list[PortExposure]:
    """``network.admin-port-exposed``: SSH, RDP, WinRM open from anywhere."""
    return port_exposures(estate, ADMIN_PORTS)


def database_port_exposures(estate: Estate | Network) -> list[PortExposure]:
    """``network.database-port-exposed``: database and cache ports on any resource, and any port of a
    database resource, open from anywhere."""
    net = estate if isinstance(estate, Network) else network_of(estate)
    found = {(f.resource, f.status): f for f in port_exposures(net, ALL_PORTS, kinds=DATABASE_KINDS)}
    others = [k for k in TARGET_KINDS if k not in DATABASE_KINDS]
    for f in port_exposures(net, DATABASE_PORTS, kinds=others):
        found.setdefault((f.resource, f.status), f)
    return sorted(found.values(), key=lambda f: (f.resource, f.status))
