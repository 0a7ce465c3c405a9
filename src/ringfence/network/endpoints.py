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
    "aws_redshift_cluster",
    "aws_docdb_cluster",
    "aws_neptune_cluster",
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
    if kind in ("aws_db_instance", "aws_rds_cluster", "aws_rds_cluster_instance"):
        return _database(net, r)
    if kind in ("aws_elasticache_cluster", "aws_elasticache_replication_group"):
        return _subnet_group_service(net, r, "subnet_group_name", ("security_group_ids",))
    if kind in ("aws_redshift_cluster", "aws_docdb_cluster", "aws_neptune_cluster"):
        return _database(net, r)
    if kind in LB_KINDS:
        return _load_balancer(net, r)
    if kind == "aws_lambda_function":
        return _simple(net, r, ("vpc_config.subnet_ids",), ("vpc_config.security_group_ids",), inbound=False)
    if kind == "aws_vpc_endpoint":
        if (text(r.get("vpc_endpoint_type")) or "Gateway").lower() != "interface":
            return ()
        return _simple(net, r, ("subnet_ids",), ("security_group_ids",))
    if kind == "aws_efs_mount_target":
        return _simple(net, r, ("subnet_id",), ("security_groups",), private_ip=r.get("ip_address"))
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
    inbound: bool = True,
    public: bool | Unknown = False,
    public_v6: bool | Unknown = False,
    via: str = "no public address",
    private_ip: Any = None,
    listeners: Region | None = None,
    no_groups: bool = False,
) -> tuple[Placement, ...]:
    subnets, problems = _subnets(net, r, subnet_paths)
    if not subnets:
        if _needs_vpc(r):
            return (_unknown(r.address, "; ".join(problems) or "no subnet known"),)
        return ()
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
                addresses=_address(net, subnet, private_ip),
                accepts_inbound=inbound,
                listeners=listeners,
            )
        )
    return tuple(out)


def _needs_vpc(r: Resource) -> bool:
    return r.kind not in ("aws_lambda_function",)


def _subnet_group(net: Network, r: Resource, relation: str) -> tuple[list[str], str | None]:
    groups = net.estate.targets(r, relation)
    if not groups:
        value = r.get(relation)
        if value in (None, ""):
            return [], "no subnet group: the default VPC is used, which is not in the estate"
        return [], f"subnet group {value!r} is not in the estate"
    subnets, problems = _subnets(net, groups[0], ("subnet_ids",))
    return subnets, ("; ".join(problems) if problems and not subnets else None)


def _database(net: Network, r: Resource) -> tuple[Placement, ...]:
    source = r
    if r.kind == "aws_rds_cluster_instance":
        cluster = net.estate.target(r, "cluster_identifier")
        if r.get("db_subnet_group_name") in (None, "") and cluster is not None:
            source = cluster
    subnets, problem = _subnet_group(net, source, "db_subnet_group_name")
    if not subnets and r.kind in ("aws_redshift_cluster",):
        subnets, problem = _subnet_group(net, r, "cluster_subnet_group_name")
    if not subnets:
        return (_unknown(r.address, problem or "no subnet known"),)
    if r.kind == "aws_rds_cluster":
        members = net.estate.sources(r, "cluster_identifier", of_kind="aws_rds_cluster_instance")
        flags = [as_bool(m.get("publicly_accessible")) for m in members]
        public: bool | Unknown = next(
            (f for f in flags if isinstance(f, Unknown)), any(f is True for f in flags)
        )
    else:
        flag = as_bool(r.get("publicly_accessible"))
        public = False if flag is None else flag
    out = []
    for subnet in subnets:
        vpc = _vpc_of_subnet(net, subnet)
        groups, group_unknown = _groups(net, source, ("vpc_security_group_ids",), vpc)
        out.append(
            Placement(
                resource=r.address,
                subnet=subnet,
                vpc=vpc,
                groups=groups,
                group_unknown=group_unknown,
                public_v4=public,
                public_v6=False,
                public_via="publicly_accessible" if public is True else "not publicly accessible",
                addresses=_address(net, subnet, None),
            )
        )
    return tuple(out)


def _subnet_group_service(
    net: Network, r: Resource, relation: str, group_paths: tuple[str, ...]
) -> tuple[Placement, ...]:
    subnets, problem = _subnet_group(net, r, relation)
    if not subnets:
        return (_unknown(r.address, problem or "no subnet known"),)
    out = []
    for subnet in subnets:
        vpc = _vpc_of_subnet(net, subnet)
        groups, group_unknown = _groups(net, r, group_paths, vpc)
        out.append(
            Placement(
                r.address,
                subnet,
                vpc,
                groups,
                group_unknown,
                False,
                False,
                "no public address",
                _address(net, subnet, None),
            )
        )
    return tuple(out)


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
