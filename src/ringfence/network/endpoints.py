"""Where traffic can land: the network interfaces of instances, databases, load balancers, functions...

A :class:`Placement` is one interface (or one candidate subnet) of a resource: its subnet, its security
groups and whether it has a public address. A resource may have several (a load balancer has a node in
each subnet; RDS may place an instance in any subnet of its group).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ringfence.model import Resource, Unknown, as_bool, as_list
from ringfence.model.linker import walk
from ringfence.network.addresses import ALL_ADDRESSES
from ringfence.network.intervals import IntervalSet
from ringfence.network.region import TCP, UDP, Region
from ringfence.network.topology import SG_KINDS, Network
from ringfence.network.values import text, to_int

INSTANCE_KINDS = ("aws_instance",)
DATABASE_KINDS = (
    "aws_db_instance",
    "aws_rds_cluster",
    "aws_rds_cluster_instance",
    "aws_elasticache_cluster",
    "aws_elasticache_replication_group",
    "aws_memorydb_cluster",
    "aws_redshift_cluster",
    "aws_docdb_cluster",
    "aws_docdb_cluster_instance",
    "aws_neptune_cluster",
    "aws_neptune_cluster_instance",
    "aws_opensearch_domain",
    "aws_elasticsearch_domain",
)
LB_KINDS = ("aws_lb", "aws_alb", "aws_elb")
TARGET_KINDS = (
    *INSTANCE_KINDS,
    *DATABASE_KINDS,
    *LB_KINDS,
    "aws_autoscaling_group",
    "aws_lambda_function",
    "aws_vpc_endpoint",
    "aws_efs_mount_target",
    "aws_network_interface",
    "aws_eks_cluster",
    "aws_mq_broker",
    "aws_msk_cluster",
    "aws_dms_replication_instance",
)


@dataclass(frozen=True, slots=True)
class Placement:
    resource: str
    subnet: str | None
    vpc: str | None
    groups: tuple[str, ...] | None  # None: no security group filters this interface
    group_unknown: str | None  # some security group of the interface is not in the estate
    public_v4: bool | Unknown
    public_v6: bool | Unknown
    public_via: str  # what gives the public address (an EIP, "public IP on launch"...)
    addresses: IntervalSet  # its private address (exact when known, else its subnet's range)
    accepts_inbound: bool = True  # Lambda and NAT interfaces accept no connections
    listeners: Region | None = None  # a load balancer only answers on its listeners
    unknown: str | None = None  # where it lands is not known at all


def _resolve_all(net: Network, values: list[Any], kinds: tuple[str, ...]) -> tuple[list[str], list[str]]:
    found: list[str] = []
    problems: list[str] = []
    for v in values:
        r = net.resolve(v, kinds)
        if isinstance(r, str):
            found.append(r)
        elif isinstance(r, Unknown):
            problems.append(r.reason)
    return list(dict.fromkeys(found)), problems


def _groups(
    net: Network, r: Resource, paths: tuple[str, ...], vpc: str | None
) -> tuple[tuple[str, ...], str | None]:
    values = [v for p in paths for v in walk(r.attributes, p)]
    if not values:
        default = net.default_group(vpc)
        # An interface launched without a group gets its VPC's default group
        # (https://docs.aws.amazon.com/vpc/latest/userguide/default-security-group.html).
        return ((default,) if default else ()), (None if default else "no security group and no VPC known")
    found, problems = _resolve_all(net, values, SG_KINDS)
    return tuple(found), ("; ".join(problems) if problems else None)


def _subnets(net: Network, r: Resource, paths: tuple[str, ...]) -> tuple[list[str], list[str]]:
    values = [v for p in paths for v in walk(r.attributes, p)]
    return _resolve_all(net, values, ("aws_subnet",))


def _address(net: Network, subnet: str | None, private_ip: Any) -> IntervalSet:
    ip = text(private_ip)
    if ip:
        known, bad = net.cidrs(ip)
        if known and not bad:
            return known
    if subnet and subnet in net.subnets and net.subnets[subnet].cidr:
        return net.subnets[subnet].cidr
    return ALL_ADDRESSES


def _public_launch(value: Any, subnet: str | None, net: Network) -> tuple[bool | Unknown, str]:
    flag = as_bool(value)
    if flag is not None:
        return flag, f"associate_public_ip_address = {str(flag).lower() if isinstance(flag, bool) else flag}"
    if subnet and subnet in net.subnets:
        mapped = net.subnets[subnet].map_public_ip
        if mapped is False:
            return False, f"{subnet} does not map public IPs on launch"
        return mapped, f"{subnet} map_public_ip_on_launch"
    return False, "no public IP"


def _listeners(net: Network, lb: Resource) -> Region:
    out = Region()
    for listener in net.estate.sources(lb, "load_balancer_arn"):
        port = to_int(listener.get("port"))
        proto = (text(listener.get("protocol")) or "").upper()
        port_set = IntervalSet.of(0, 65535) if port is None else IntervalSet.of(port)
        protocols = IntervalSet()
        if proto in ("", "HTTP", "HTTPS", "TCP", "TLS", "TCP_UDP"):
            protocols = protocols | IntervalSet.of(TCP)
        if proto in ("UDP", "TCP_UDP"):
            protocols = protocols | IntervalSet.of(UDP)
        out = out | Region.box(protocols, port_set)
    for b in as_list(lb.get("listener")):
        if isinstance(b, dict):
            port = to_int(b.get("lb_port"))
            proto = (text(b.get("lb_protocol")) or "tcp").lower()
            protocols = IntervalSet.of(UDP) if proto == "udp" else IntervalSet.of(TCP)
            out = out | Region.box(
                protocols, IntervalSet.of(port) if port is not None else IntervalSet.of(0, 65535)
            )
    return out


def placements(net: Network, address: str) -> tuple[Placement, ...]:
    key = ("placements", address)
    if key not in net.memo:
        r = net.estate.get(address)
        net.memo[key] = _placements(net, r) if r is not None else ()
    found: tuple[Placement, ...] = net.memo[key]
    return found


def _vpc_of_subnet(net: Network, subnet: str | None) -> str | None:
    return net.subnets[subnet].vpc if subnet and subnet in net.subnets else None


def _placements(net: Network, r: Resource) -> tuple[Placement, ...]:
    kind = r.kind
    if kind == "aws_instance":
        return _instance(net, r)
    if kind in SERVICES:
        return _service(net, r, SERVICES[kind])
    if kind in LB_KINDS:
        return _load_balancer(net, r)
    if kind == "aws_vpc_endpoint":
        if (text(r.get("vpc_endpoint_type")) or "Gateway").lower() != "interface":
            return ()
        return _simple(net, r, ("subnet_ids",), ("security_group_ids",))
    if kind == "aws_network_interface":
        return _eni(net, r)
    if kind == "aws_autoscaling_group":
        return _autoscaling(net, r)
    return ()


def _eips(net: Network, r: Resource, relation: str) -> list[str]:
    eips = [e.address for e in net.estate.sources(r, relation, of_kind="aws_eip")]
    assoc_relation = "instance_id" if relation == "instance" else "network_interface_id"
    for assoc in net.estate.sources(r, assoc_relation, of_kind="aws_eip_association"):
        eips += [e.address for e in net.estate.targets(assoc, "allocation_id")] or [assoc.address]
    return sorted(set(eips))


def _ipv6(r: Resource, subnet: str | None, net: Network) -> bool | Unknown:
    count = to_int(r.get("ipv6_address_count"))
    if (count and count > 0) or as_list(r.get("ipv6_addresses")):
        return True
    if subnet and subnet in net.subnets:
        return net.subnets[subnet].assign_ipv6
    return False


def _instance(net: Network, r: Resource) -> tuple[Placement, ...]:
    subnets, problems = _subnets(net, r, ("subnet_id",))
    enis = [e for e in net.estate.targets(r, "network_interface.network_interface_id")]
    if not subnets and enis:
        return tuple(p for e in enis for p in _eni(net, e, owner=r.address))
    if not subnets:
        reason = "; ".join(problems) or "no subnet_id: it would launch in the default VPC, not in the estate"
        return (_unknown(r.address, reason),)
    subnet = subnets[0]
    vpc = _vpc_of_subnet(net, subnet)
    groups, group_unknown = _groups(net, r, ("vpc_security_group_ids", "security_groups"), vpc)
    eips = _eips(net, r, "instance")
    if eips:
        public: bool | Unknown = True
        via = eips[0]
    else:
        public, via = _public_launch(r.get("associate_public_ip_address"), subnet, net)
        via = "public IP" if public is True else via
    return (
        Placement(
            resource=r.address,
            subnet=subnet,
            vpc=vpc,
            groups=groups,
            group_unknown=group_unknown,
            public_v4=public,
            public_v6=_ipv6(r, subnet, net),
            public_via=via,
            addresses=_address(net, subnet, r.get("private_ip")),
        ),
    )


def _eni(net: Network, r: Resource, owner: str | None = None) -> tuple[Placement, ...]:
    subnets, problems = _subnets(net, r, ("subnet_id",))
    if not subnets:
        return (_unknown(owner or r.address, "; ".join(problems) or "network interface without a subnet"),)
    vpc = _vpc_of_subnet(net, subnets[0])
    groups, group_unknown = _groups(net, r, ("security_groups",), vpc)
    eips = _eips(net, r, "network_interface")
    return (
        Placement(
            resource=owner or r.address,
            subnet=subnets[0],
            vpc=vpc,
            groups=groups,
            group_unknown=group_unknown,
            public_v4=bool(eips),
            public_v6=_ipv6(r, subnets[0], net),
            public_via=eips[0] if eips else "no Elastic IP",
            addresses=_address(net, subnets[0], r.get("private_ip")),
        ),
    )


def _unknown(address: str, reason: str) -> Placement:
    return Placement(
        resource=address,
        subnet=None,
        vpc=None,
        groups=(),
        group_unknown=None,
        public_v4=Unknown(reason),
        public_v6=Unknown(reason),
        public_via="",
        addresses=ALL_ADDRESSES,
        unknown=reason,
    )


def _simple(
    net: Network,
    r: Resource,
    subnet_paths: tuple[str, ...],
    group_paths: tuple[str, ...],
    *,
    public: bool | Unknown = False,
    public_v6: bool | Unknown = False,
    via: str = "no public address",
    missing: str = "no subnet known",
    listeners: Region | None = None,
    no_groups: bool = False,
) -> tuple[Placement, ...]:
    subnets, problems = _subnets(net, r, subnet_paths)
    if not subnets:
        return (_unknown(r.address, "; ".join(problems) or missing),)
    out = []
    for subnet in subnets:
        vpc = _vpc_of_subnet(net, subnet)
        if no_groups:
            groups: tuple[str, ...] | None = None
            group_unknown = None
        else:
            groups, group_unknown = _groups(net, r, group_paths, vpc)
        out.append(
            Placement(
                resource=r.address,
                subnet=subnet,
                vpc=vpc,
                groups=groups,
                group_unknown=group_unknown,
                public_v4=public,
                public_v6=public_v6,
                public_via=via,
                addresses=_address(net, subnet, None),
                listeners=listeners,
            )
        )
    return tuple(out)


# -- managed services ----------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Service:
    """How a managed service lands in a VPC and what it listens on.

    ``subnets`` are attributes holding subnet ids; ``subnet_group`` an attribute naming a subnet group whose
    ``subnet_ids`` place it; ``cluster`` an attribute naming the cluster a member is placed like when it names
    no subnet group of its own. ``public`` is the attribute that gives it a public address (for a cluster,
    ``members`` is the kind of its instances, which carry that attribute). ``ports`` are the ports it listens
    on unless ``port`` sets another one; ``port_range`` is every port ``port`` may take.
    """

    subnets: tuple[str, ...] = ()
    subnet_group: str | None = None
    groups: tuple[str, ...] = ("vpc_security_group_ids",)
    cluster: str | None = None
    public: str | None = None
    members: str | None = None
    ports: tuple[int, ...] = ()
    port_range: tuple[int, int] | None = (1150, 65535)
    engine: str | None = None  # the attribute whose value picks the default port from ENGINE_PORTS
    default_vpc: bool = True  # without a subnet it lands in the default VPC; False: it is outside any VPC
    inbound: bool = True
    private_ip: str | None = None  # the attribute fixing its private address


# Default ports by engine (RDS, ElastiCache, Amazon MQ), matched by the longest prefix of the engine name
# (https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_ConnectToInstance.html,
# https://docs.aws.amazon.com/amazon-mq/latest/developer-guide/amazon-mq-working-java-example.html).
ENGINE_PORTS: dict[str, tuple[int, ...]] = {
    "aurora": (3306,),
    "aurora-mysql": (3306,),
    "mysql": (3306,),
    "mariadb": (3306,),
    "aurora-postgresql": (5432,),
    "postgres": (5432,),
    "oracle": (1521,),
    "custom-oracle": (1521,),
    "sqlserver": (1433,),
    "custom-sqlserver": (1433,),
    "db2": (50000,),
    "redis": (6379,),
    "valkey": (6379,),
    "memcached": (11211,),
    "activemq": (5671, 8162, 61614, 61617, 61619),
    "rabbitmq": (443, 5671),
}

_RDS = Service(subnet_group="db_subnet_group_name", public="publicly_accessible", engine="engine")
# A cache cluster that joins a replication group is placed like the group.
_CACHE = Service(
    subnet_group="subnet_group_name",
    groups=("security_group_ids",),
    cluster="replication_group_id",
    engine="engine",
    port_range=None,
)
_DOMAIN = Service(
    subnets=("vpc_options.subnet_ids",),
    groups=("vpc_options.security_group_ids",),
    ports=(80, 443),
    port_range=None,
    default_vpc=False,
)
SERVICES: dict[str, Service] = {
    "aws_db_instance": _RDS,
    "aws_rds_cluster": Service(
        subnet_group="db_subnet_group_name",
        members="aws_rds_cluster_instance",
        ports=(3306,),
        engine="engine",
    ),
    "aws_rds_cluster_instance": Service(
        subnet_group="db_subnet_group_name",
        cluster="cluster_identifier",
        public="publicly_accessible",
        ports=(3306,),
        engine="engine",
    ),
    "aws_docdb_cluster": Service(subnet_group="db_subnet_group_name", ports=(27017,)),
    "aws_docdb_cluster_instance": Service(cluster="cluster_identifier", ports=(27017,)),
    "aws_neptune_cluster": Service(
        subnet_group="neptune_subnet_group_name", members="aws_neptune_cluster_instance", ports=(8182,)
    ),
    "aws_neptune_cluster_instance": Service(
        subnet_group="neptune_subnet_group_name",
        cluster="cluster_identifier",
        public="publicly_accessible",
        ports=(8182,),
    ),
    "aws_redshift_cluster": Service(
        subnet_group="cluster_subnet_group_name", public="publicly_accessible", ports=(5439,)
    ),
    "aws_elasticache_cluster": _CACHE,
    "aws_elasticache_replication_group": Service(
        subnet_group="subnet_group_name",
        groups=("security_group_ids",),
        ports=(6379,),
        engine="engine",
        port_range=None,
    ),
    "aws_memorydb_cluster": Service(
        subnet_group="subnet_group_name", groups=("security_group_ids",), ports=(6379,), port_range=None
    ),
    "aws_dms_replication_instance": Service(
        subnet_group="replication_subnet_group_id", public="publicly_accessible", inbound=False
    ),
    "aws_opensearch_domain": _DOMAIN,
    "aws_elasticsearch_domain": _DOMAIN,
    "aws_eks_cluster": Service(
        subnets=("vpc_config.subnet_ids",),
        groups=("vpc_config.security_group_ids",),
        ports=(443,),
        port_range=None,
    ),
    "aws_lambda_function": Service(
        subnets=("vpc_config.subnet_ids",),
        groups=("vpc_config.security_group_ids",),
        default_vpc=False,
        inbound=False,
    ),
    "aws_mq_broker": Service(
        subnets=("subnet_ids",),
        groups=("security_groups",),
        public="publicly_accessible",
        engine="engine_type",
        port_range=None,
    ),
    # Kafka clients: plaintext, TLS, SASL/SCRAM, IAM, their public variants, and ZooKeeper
    # (https://docs.aws.amazon.com/msk/latest/developerguide/port-info.html).
    "aws_msk_cluster": Service(
        subnets=("broker_node_group_info.client_subnets",),
        groups=("broker_node_group_info.security_groups",),
        public="broker_node_group_info.connectivity_info.public_access.type",
        ports=(2181, 2182, 9092, 9094, 9096, 9098, 9194, 9196, 9198),
        port_range=None,
    ),
    "aws_efs_mount_target": Service(
        subnets=("subnet_id",),
        groups=("security_groups",),
        ports=(2049,),
        port_range=None,
        private_ip="ip_address",
    ),
}
# A subnet group kind for each attribute that names one; each has ``subnet_ids``.
SUBNET_GROUP_KINDS = (
    "aws_db_subnet_group",
    "aws_docdb_subnet_group",
    "aws_neptune_subnet_group",
    "aws_redshift_subnet_group",
    "aws_elasticache_subnet_group",
    "aws_memorydb_subnet_group",
    "aws_dms_replication_subnet_group",
)


def _flag(value: Any) -> bool | Unknown:
    """A public-address switch: a Terraform boolean, or MSK's public access type; absent is off."""
    if isinstance(value, str) and value.upper() in ("SERVICE_PROVIDED_EIPS", "DISABLED"):
        return value.upper() == "SERVICE_PROVIDED_EIPS"
    flag = as_bool(value)
    return False if flag is None else flag


def _said(value: Any) -> str:
    """A value as a reader sees it: literals quoted, unknowns by their reason, references by name."""
    if isinstance(value, Unknown):
        return f"unknown before apply ({value.reason})"
    return repr(value) if isinstance(value, str) else str(value)


def _service_subnets(net: Network, r: Resource, spec: Service) -> tuple[Resource, list[str], str | None]:
    """The resource whose groups place it (itself or its cluster), its candidate subnets, and why none."""
    own_group = r.get(spec.subnet_group) if spec.subnet_group else None
    if spec.cluster and own_group in (None, ""):
        cluster = net.estate.target(r, spec.cluster)
        if cluster is not None and cluster.kind in SERVICES:
            _, subnets, problem = _service_subnets(net, cluster, SERVICES[cluster.kind])
            return cluster, subnets, problem
        if r.get(spec.cluster) not in (None, ""):
            return r, [], f"cluster {_said(r.get(spec.cluster))} is not in the estate"
    if spec.subnet_group:
        subnets, problem = _subnet_group(net, r, spec.subnet_group)
        return r, subnets, problem
    subnets, problems = _subnets(net, r, spec.subnets)
    if subnets or problems:
        return r, subnets, "; ".join(problems) or None
    if spec.default_vpc:
        return r, [], "no subnet: the default VPC is used, which is not in the estate"
    return r, [], None


def _subnet_group(net: Network, r: Resource, relation: str) -> tuple[list[str], str | None]:
    groups = [g for g in net.estate.targets(r, relation) if g.kind in SUBNET_GROUP_KINDS]
    if not groups:
        value = r.get(relation)
        if value in (None, ""):
            return [], "no subnet group: the default VPC is used, which is not in the estate"
        return [], f"subnet group {_said(value)} is not in the estate"
    subnets, problems = _subnets(net, groups[0], ("subnet_ids",))
    return subnets, ("; ".join(problems) if problems and not subnets else None)


def _service_public(net: Network, r: Resource, spec: Service) -> bool | Unknown:
    if spec.members:
        flags = [
            _flag(m.get("publicly_accessible"))
            for m in net.estate.sources(r, spec.cluster or "cluster_identifier", of_kind=spec.members)
        ]
        return next((f for f in flags if isinstance(f, Unknown)), any(f is True for f in flags))
    if spec.public is None:
        return False
    return next((_flag(v) for v in walk(r.attributes, spec.public)), False)


def _service(net: Network, r: Resource, spec: Service) -> tuple[Placement, ...]:
    source, subnets, problem = _service_subnets(net, r, spec)
    if not subnets:
        return (_unknown(r.address, problem),) if problem else ()
    public = _service_public(net, r, spec)
    switch = spec.public or ("publicly_accessible" if spec.members else None)
    if public is True:
        via = switch or "public address"
    else:
        via = "not publicly accessible" if switch else "no public address"
    out = []
    for subnet in subnets:
        vpc = _vpc_of_subnet(net, subnet)
        groups, group_unknown = _groups(net, source, spec.groups, vpc)
        out.append(
            Placement(
                resource=r.address,
                subnet=subnet,
                vpc=vpc,
                groups=groups,
                group_unknown=group_unknown,
                public_v4=public,
                public_v6=False,
                public_via=via,
                addresses=_address(net, subnet, r.get(spec.private_ip) if spec.private_ip else None),
                accepts_inbound=spec.inbound,
            )
        )
    return tuple(out)


def _engine_ports(engine: str) -> tuple[int, ...] | None:
    name = engine.lower()
    for key in sorted(ENGINE_PORTS, key=len, reverse=True):
        if name == key or name.startswith(key + "-"):
            return ENGINE_PORTS[key]
    return None


def _first(r: Resource, cluster: Resource | None, attribute: str | None) -> Any:
    if attribute is None:
        return None
    value = r.get(attribute)
    return cluster.get(attribute) if value is None and cluster is not None else value


def service_ports(net: Network, address: str) -> Region | None:
    """What a resource answers on, when the code says: a managed service its service port (the ``port``
    attribute, else its engine's default, else the kind's), a load balancer its listeners; None: any port
    may listen. A port that is not known is any port the service may take."""
    r = net.estate.get(address)
    if r is None:
        return None
    if r.kind in LB_KINDS:
        return _listeners(net, r)
    spec = SERVICES.get(r.kind)
    if spec is None:
        return None
    if not spec.inbound:
        return Region()
    cluster = net.estate.target(r, spec.cluster) if spec.cluster else None
    some_port = Region.box(IntervalSet.of(TCP), IntervalSet.of(*spec.port_range)) if spec.port_range else None
    port = _first(r, cluster, "port")
    if port is not None:
        number = to_int(port)
        return Region.box(IntervalSet.of(TCP), IntervalSet.of(number)) if number is not None else some_port
    engine = _first(r, cluster, spec.engine)
    chosen = spec.ports if engine is None else _engine_ports(text(engine) or "")
    if not chosen:
        return some_port
    return Region.box(IntervalSet.of(TCP), IntervalSet.union_of([(p, p) for p in chosen]))


def _load_balancer(net: Network, r: Resource) -> tuple[Placement, ...]:
    internal = as_bool(r.get("internal"))
    public: bool | Unknown = (
        True if internal is None else (not internal if isinstance(internal, bool) else internal)
    )
    lb_type = (text(r.get("load_balancer_type")) or "application").lower()
    has_groups = bool([v for v in walk(r.attributes, "security_groups")])
    return _simple(
        net,
        r,
        ("subnets", "subnet_mapping.subnet_id"),
        ("security_groups",),
        public=public,
        # A dual-stack internet-facing balancer also has public IPv6 addresses.
        public_v6=public if (text(r.get("ip_address_type")) or "").startswith("dualstack") else False,
        via="internet-facing" if public is True else "internal",
        listeners=_listeners(net, r),
        # Without subnets (a classic balancer given availability zones) it is in the default VPC.
        missing="no subnets: the default VPC is used, which is not in the estate",
        # A network load balancer created without security groups has none
        # (https://docs.aws.amazon.com/elasticloadbalancing/latest/network/load-balancer-security-groups.html).
        no_groups=lb_type == "network" and not has_groups,
    )


def _autoscaling(net: Network, r: Resource) -> tuple[Placement, ...]:
    template = net.estate.target(r, "launch_template.id") or net.estate.target(r, "launch_template.name")
    subnets, problems = _subnets(net, r, ("vpc_zone_identifier",))
    if not subnets:
        return (_unknown(r.address, "; ".join(problems) or "no subnet (vpc_zone_identifier) known"),)
    out = []
    for subnet in subnets:
        vpc = _vpc_of_subnet(net, subnet)
        if template is not None:
            groups, group_unknown = _groups(
                net, template, ("vpc_security_group_ids", "network_interfaces.security_groups"), vpc
            )
            flag = next(
                iter(walk(template.attributes, "network_interfaces.associate_public_ip_address")), None
            )
        else:
            groups, group_unknown = (), "no launch template in the estate"
            flag = None
        public, via = _public_launch(flag, subnet, net)
        out.append(
            Placement(
                r.address,
                subnet,
                vpc,
                groups,
                group_unknown,
                public,
                False,
                "public IP" if public is True else via,
                _address(net, subnet, None),
            )
        )
    return tuple(out)
