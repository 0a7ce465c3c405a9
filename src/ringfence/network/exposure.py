"""The internet exposure map: for every resource, the protocols, ports and source ranges a packet from the
internet can really reach, next to what its security groups admit (the part that is only *latent*).

Computed with region arithmetic and cached per (subnet, groups, public address) combination, so thousands
of instances sharing a few subnets and groups cost a few hundred region operations.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from ringfence.model import Estate
from ringfence.network.addresses import INTERNET, INTERNET_V4, INTERNET_V6, to_cidrs
from ringfence.network.balancers import feeds_to
from ringfence.network.endpoints import DATABASE_KINDS, TARGET_KINDS, Placement, placements
from ringfence.network.flows import Block, End, Step, regions
from ringfence.network.intervals import IntervalSet
from ringfence.network.region import ALL_PORTS, ALL_PROTOCOLS, EMPTY, TCP, Region, protocol_name
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


@dataclass(frozen=True, slots=True)
class Opening:
    """Packets of one protocol/port set reachable from ``sources`` (``via`` a load balancer if set)."""

    protocols: IntervalSet
    ports: IntervalSet
    sources: IntervalSet
    via: str | None = None

    @property
    def protocol(self) -> str:
        if self.protocols == ALL_PROTOCOLS:
            return "all"
        return ",".join(protocol_name(lo) if lo == hi else f"{lo}-{hi}" for lo, hi in self.protocols)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "protocol": self.protocol,
            "ports": [[lo, hi] for lo, hi in self.ports],
            "sources": to_cidrs(self.sources),
        }
        if self.via:
            out["via"] = self.via
        return out


def openings(region: Region, via: str | None = None) -> list[Opening]:
    return [Opening(p, q, a, via) for p, q, a in region.boxes()]


@dataclass(frozen=True)
class Exposure:
    """What the internet can reach on one resource."""

    resource: str
    reachable: Region  # surely reachable, directly
    uncertain: Region  # may be reachable: something on the way is unknown (``reasons``)
    admitted: Region  # what its security groups admit from internet addresses
    reasons: tuple[str, ...] = ()
    via: tuple[tuple[str, Region], ...] = ()  # (load balancer, packets reaching the target through it)

    @property
    def exposed(self) -> bool:
        return bool(self.reachable) or any(r for _, r in self.via)

    def latent(self) -> Region:
        """Openings in the security groups that no packet from the internet can use."""
        return self.admitted - self.reachable - self.uncertain

    def openings(self) -> list[Opening]:
        out = openings(self.reachable)
        for lb, region in self.via:
            out += openings(region, lb)
        return out

    def to_json(self) -> dict[str, Any]:
        return {
            "resource": self.resource,
            "reachable": [o.to_json() for o in self.openings()],
            "unknown": [o.to_json() for o in openings(self.uncertain)],
            "reasons": list(self.reasons),
            "latent": [o.to_json() for o in openings(self.latent())],
        }


def _admitted(net: Network, p: Placement) -> Region:
    if p.groups is None:
        base = p.listeners if p.listeners is not None else Region.box(ALL_PROTOCOLS)
        return base.with_addresses(INTERNET)
    key = ("admitted", p.groups)
    if key not in net.memo:
        out = EMPTY
        for g in p.groups:
            for rule in net.rules_of(g, "ingress"):
                out = out | rule.region()
        net.memo[key] = out.with_addresses(INTERNET)
    found: Region = net.memo[key]
    return found


def _inbound(net: Network, p: Placement) -> tuple[Region, Region, tuple[str, ...]]:
    from ringfence.network.reach import inbound_from_internet

    key = (
        "inbound",
        p.subnet,
        p.groups,
        p.group_unknown,
        p.public_v4,
        p.public_v6,
        p.listeners,
        p.accepts_inbound,
        p.unknown,
        p.vpc,
    )
    if key not in net.memo:
        stages = inbound_from_internet(net, p)
        src = End("internet", INTERNET, free=True)
        dst = End(p.resource, p.addresses, free=False)
        yes, maybe, reasons = regions(stages, Region.box(ALL_PROTOCOLS, ALL_PORTS, INTERNET), src, dst)
        net.memo[key] = (yes, maybe, tuple(reasons))
    found: tuple[Region, Region, tuple[str, ...]] = net.memo[key]
    return found


def exposure(net: Network, address: str) -> Exposure:
    key = ("exposure", address)
    if key in net.memo:
        cached: Exposure = net.memo[key]
        return cached
    reachable, uncertain, admitted = EMPTY, EMPTY, EMPTY
    reasons: list[str] = []
    for p in placements(net, address):
        yes, maybe, why = _inbound(net, p)
        reachable = reachable | yes
        uncertain = uncertain | maybe
        admitted = admitted | _admitted(net, p)
        reasons += why
    via: list[tuple[str, Region]] = []
    for feed in feeds_to(net, address):
        front = exposure(net, feed.balancer)
        if not (front.reachable & feed.listeners):
            continue
        from ringfence.network.reach import Target, _flows

        ports = IntervalSet.of(feed.port) if feed.port else ALL_PORTS
        leg = _flows(net, Target(feed.balancer, resource=feed.balancer), Target(address, resource=address),
                     Region.box(IntervalSet.of(TCP), ports))
        if leg.reachable:
            sources = (front.reachable & feed.listeners).addresses()
            via.append((feed.balancer, Region.box(IntervalSet.of(TCP), ports, sources)))
    result = Exposure(address, reachable, uncertain - reachable, admitted, tuple(dict.fromkeys(reasons)), tuple(via))
    net.memo[key] = result
    return result


@dataclass(frozen=True)
class ExposureMap:
    """Every network-facing resource of an estate and what the internet reaches on it."""

    resources: Mapping[str, Exposure] = field(default_factory=dict)

    def exposed(self) -> list[Exposure]:
        return [e for e in self.resources.values() if e.exposed]

    def to_json(self) -> dict[str, Any]:
        return {"resources": [self.resources[a].to_json() for a in sorted(self.resources)]}


def exposure_map(estate: Estate | Network, kinds: Iterable[str] = TARGET_KINDS) -> ExposureMap:
    """The internet exposure of every resource of ``kinds`` (instances, databases, balancers...)."""
    net = estate if isinstance(estate, Network) else network_of(estate)
    out: dict[str, Exposure] = {}
    for r in net.estate.of_kind(*kinds):
        out[r.address] = exposure(net, r.address)
    return ExposureMap(out)


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


def _world_ports(region: Region, protocols: IntervalSet, ports: IntervalSet) -> tuple[IntervalSet, IntervalSet]:
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
    from ringfence.network.reach import reach

    net = estate if isinstance(estate, Network) else network_of(estate)
    out: list[PortExposure] = []
    proto_name = Opening(protocols, ports, IntervalSet()).protocol
    for r in net.estate.of_kind(*kinds):
        e = exposure(net, r.address)
        open_ports, sources = _world_ports(e.reachable, protocols, ports)
        via = None
        for lb, region in e.via:
            if not open_ports:
                open_ports, sources = _world_ports(region, protocols, ports)
                via = lb if open_ports else None
        rule = None
        if open_ports:
            first = open_ports.first()
            assert first is not None
            result = reach(net, "internet", r.address, first, proto_name if proto_name in ("tcp", "udp") else "tcp")
            rule = _opening_rule(net, r.address, protocols, open_ports)
            out.append(PortExposure(r.address, "exposed", proto_name, open_ports, tuple(to_cidrs(sources)),
                                    path=result.path, rule=rule, via=via))
            continue
        maybe_ports, sources = _world_ports(e.uncertain | e.reachable, protocols, ports)
        if maybe_ports:
            out.append(PortExposure(r.address, "unknown", proto_name, maybe_ports, tuple(to_cidrs(sources)),
                                    unknown="; ".join(e.reasons) or "undecided",
                                    rule=_opening_rule(net, r.address, protocols, maybe_ports)))
            continue
        latent_ports, sources = _world_ports(e.admitted, protocols, ports)
        if latent_ports:
            first = latent_ports.first()
            assert first is not None
            result = reach(net, "internet", r.address, first, proto_name if proto_name in ("tcp", "udp") else "tcp")
            out.append(PortExposure(r.address, "latent", proto_name, latent_ports, tuple(to_cidrs(sources)),
                                    blocked_by=result.blocked_by,
                                    rule=_opening_rule(net, r.address, protocols, latent_ports)))
    return out


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
