"""The ways a packet travels, as sequences of stages: from the internet to an interface, from an interface
to the internet, and between two interfaces (the source's side counts too)."""

from __future__ import annotations

from typing import Any

from ringfence.model import Unknown
from ringfence.network.endpoints import Placement
from ringfence.network.flows import Stage
from ringfence.network.intervals import IntervalSet
from ringfence.network.routes import Route
from ringfence.network.stages import (
    acl_stage,
    closed_stage,
    deliver_stage,
    listener_stage,
    public_entry,
    route_stage,
    sg_stage,
    unknown_stage,
)
from ringfence.network.topology import Network
from ringfence.network.transit import transit_verdict


# -- route acceptance --------------------------------------------------------------------------------------
def _igw_of(net: Network, vpc: str | None) -> Any:
    def accept(route: Route) -> bool | str:
        if route.target_kind != "igw":
            return False
        if route.target is None:
            return f"{route.origin}: {route.unknown or 'internet gateway not in the estate'}"
        return net.igw_vpc(route.target) == vpc

    return accept


def _never(route: Route) -> bool | str:
    return False


def _flag(value: bool | Unknown, why: str) -> bool | str:
    if isinstance(value, Unknown):
        return f"{why}: {value.reason}"
    return value


def _internal(net: Network, src_vpc: str | None, dst_vpc: str | None) -> Any:
    def accept(route: Route) -> bool | str:
        if route.target_kind == "local":
            return src_vpc == dst_vpc
        if route.target is None:
            return f"{route.origin}: {route.unknown}" if route.unknown else False
        r = net.estate.by_address[route.target]
        if route.target_kind == "peering":
            ends = {t.address for t in net.estate.targets(r, "vpc_id")}
            ends |= {t.address for t in net.estate.targets(r, "peer_vpc_id")}
            return {src_vpc, dst_vpc} <= ends and src_vpc != dst_vpc
        if route.target_kind == "tgw":
            return transit_verdict(net, r.address, src_vpc, dst_vpc)
        return False

    return accept


# -- scenarios ---------------------------------------------------------------------------------------------
def inbound_from_internet(net: Network, dst: Placement) -> list[Stage]:
    """Internet -> interface: gateway and public address, inbound ACL, groups, listeners, then the reply:
    outbound ACL on the ephemeral port and a route back to the internet gateway."""
    if dst.unknown:
        return [unknown_stage(f"{dst.resource}: {dst.unknown}")]
    if not dst.accepts_inbound:
        return [closed_stage(dst.resource, "accepts no inbound connections")]
    assert dst.subnet is not None
    info = net.subnets[dst.subnet]
    stages = [public_entry(net, dst), acl_stage(net, info.acl, egress=False, peer="src", reply=False)]
    if dst.groups is not None:
        stages.append(
            sg_stage(net, dst, direction="ingress", peer="src", other=None, other_label="the internet")
        )
    if dst.listeners is not None:
        stages.append(listener_stage(dst))
    stages.append(deliver_stage(dst.resource, ""))
    stages.append(acl_stage(net, info.acl, egress=True, peer="src", reply=True))
    igw = _igw_of(net, info.vpc)
    stages.append(
        route_stage(
            net,
            dst.subnet,
            peer="src",
            accept_v4=igw,
            accept_v6=igw,
            purpose="back to the internet gateway",
            reply=True,
        )
    )
    return stages


def behind_balancer(net: Network, dst: Placement) -> list[Stage]:
    """A target of a network load balancer without security groups, which preserves the client's address:
    the target's subnet ACL (both ways) and its groups see the client, not the balancer
    (https://docs.aws.amazon.com/elasticloadbalancing/latest/network/edit-target-group-attributes.html)."""
    if dst.unknown:
        return [unknown_stage(f"{dst.resource}: {dst.unknown}")]
    assert dst.subnet is not None
    info = net.subnets[dst.subnet]
    stages = [acl_stage(net, info.acl, egress=False, peer="src", reply=False)]
    if dst.groups is not None:
        stages.append(
            sg_stage(net, dst, direction="ingress", peer="src", other=None, other_label="the client")
        )
    stages.append(deliver_stage(dst.resource, ""))
    stages.append(acl_stage(net, info.acl, egress=True, peer="src", reply=True))
    return stages


def outbound_to_internet(net: Network, src: Placement) -> list[list[Stage]]:
    """Interface -> internet, one stage list per way out: straight through the internet gateway (public
    IPv4 or IPv6 address, or an egress-only gateway for IPv6), and through each NAT gateway the subnet's
    table routes to (whose own subnet's ACL and route to the internet gateway count too)."""
    if src.unknown:
        return [[unknown_stage(f"{src.resource}: {src.unknown}")]]
    assert src.subnet is not None
    info = net.subnets[src.subnet]
    head: list[Stage] = []
    if src.groups is not None:
        head.append(
            sg_stage(net, src, direction="egress", peer="dst", other=None, other_label="the internet")
        )
    head.append(acl_stage(net, info.acl, egress=True, peer="dst", reply=False))
    tail = acl_stage(net, info.acl, egress=False, peer="dst", reply=True)
    igw = _igw_of(net, info.vpc)

    def direct_v4(route: Route) -> bool | str:
        if route.target_kind == "nat" and route.target is None:
            return f"{route.origin}: {route.unknown or 'NAT gateway not in the estate'}"
        verdict = igw(route)
        return _flag(src.public_v4, f"{src.resource} public IPv4") if verdict is True else verdict

    def direct_v6(route: Route) -> bool | str:
        if route.target_kind in ("igw", "eigw"):
            ok = igw(route) if route.target_kind == "igw" else route.target is not None
            return _flag(src.public_v6, f"{src.resource} IPv6 address") if ok is True else ok
        return False

    direct = route_stage(
        net, src.subnet, peer="dst", accept_v4=direct_v4, accept_v6=direct_v6, purpose="to the internet"
    )
    paths = [[*head, direct, tail]]
    table = net.table(info.route_table)
    nats = sorted({r.target for r in table.routes if r.target_kind == "nat" and r.target})
    for nat in nats:
        paths.append([*head, *_through_nat(net, src, nat), tail])
    return paths


def _through_nat(net: Network, src: Placement, nat: str) -> list[Stage]:
    """A NAT gateway translates the source and forwards from its own subnet; it is egress only
    (https://docs.aws.amazon.com/vpc/latest/userguide/vpc-nat-gateway.html)."""
    assert src.subnet is not None

    def to_nat(route: Route) -> bool | str:
        return route.target == nat

    stages = [
        route_stage(net, src.subnet, peer="dst", accept_v4=to_nat, accept_v6=_never, purpose=f"to {nat}"),
    ]
    gateway = net.estate.by_address[nat]
    if str(gateway.get("connectivity_type") or "public").lower() == "private":
        return [*stages, closed_stage(nat, "is a private NAT gateway: it does not reach the internet")]
    subnet = net.estate.target(gateway, "subnet_id")
    if subnet is None or subnet.address not in net.subnets:
        return [*stages, unknown_stage(f"{nat}: its subnet is not in the estate")]
    nat_info = net.subnets[subnet.address]
    crossing = subnet.address != src.subnet
    if crossing:
        stages.append(acl_stage(net, nat_info.acl, egress=False, peer="src", reply=False))
    stages.append(acl_stage(net, nat_info.acl, egress=True, peer="dst", reply=False))
    stages.append(
        route_stage(
            net,
            subnet.address,
            peer="dst",
            accept_v4=_igw_of(net, nat_info.vpc),
            accept_v6=_never,
            purpose=f"from {nat} to the internet gateway",
        )
    )
    stages.append(acl_stage(net, nat_info.acl, egress=False, peer="dst", reply=True))
    if crossing:
        stages.append(acl_stage(net, nat_info.acl, egress=True, peer="src", reply=True))
    return stages


def between(net: Network, src: Placement, dst: Placement) -> list[Stage]:
    """Interface -> interface: the source's egress rules and ACL (and the reply's way back in), routes
    both ways, the destination's ACL (and the reply's way out) and its groups."""
    for p in (src, dst):
        if p.unknown:
            return [unknown_stage(f"{p.resource}: {p.unknown}")]
    if not dst.accepts_inbound:
        return [closed_stage(dst.resource, "accepts no inbound connections")]
    assert src.subnet is not None and dst.subnet is not None
    s_info, d_info = net.subnets[src.subnet], net.subnets[dst.subnet]
    stages: list[Stage] = []
    crossing = src.subnet != dst.subnet  # ACLs filter traffic entering and leaving a subnet, not inside it
    if src.groups is not None:
        stages.append(sg_stage(net, src, direction="egress", peer="dst", other=dst, other_label=dst.resource))
    if crossing:
        stages.append(acl_stage(net, s_info.acl, egress=True, peer="dst", reply=False))
        accept = _internal(net, s_info.vpc, d_info.vpc)
        stages.append(
            route_stage(
                net, src.subnet, peer="dst", accept_v4=accept, accept_v6=accept, purpose=f"to {dst.resource}"
            )
        )
        stages.append(acl_stage(net, d_info.acl, egress=False, peer="src", reply=False))
    if dst.groups is not None:
        stages.append(
            sg_stage(net, dst, direction="ingress", peer="src", other=src, other_label=src.resource)
        )
    if dst.listeners is not None:
        stages.append(listener_stage(dst))
    stages.append(deliver_stage(dst.resource, ""))
    if crossing:
        stages.append(acl_stage(net, d_info.acl, egress=True, peer="src", reply=True))
        if s_info.vpc != d_info.vpc:
            back = _internal(net, d_info.vpc, s_info.vpc)
            stages.append(
                route_stage(
                    net,
                    dst.subnet,
                    peer="src",
                    accept_v4=back,
                    accept_v6=back,
                    purpose=f"back to {src.resource}",
                    reply=True,
                )
            )
        stages.append(acl_stage(net, s_info.acl, egress=False, peer="dst", reply=True))
    return stages


def host_in_subnet(net: Network, label: str, addresses: IntervalSet) -> Placement | None:
    """An address inside a subnet of the estate that belongs to no resource: no group filters it."""
    subnet = net.subnet_containing(addresses)
    if subnet is None:
        return None
    return Placement(label, subnet.address, subnet.vpc, None, None, False, False, "", addresses)
