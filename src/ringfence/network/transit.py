"""Transit gateways within the estate: which route table each attachment uses and where it sends a VPC's
range (https://docs.aws.amazon.com/vpc/latest/tgw/tgw-route-tables.html).

An attachment is associated with one transit gateway route table: an explicit association, else the
gateway's default table when default association is on (the default, both on the gateway and on the
attachment). A table learns each attachment's VPC range by propagation (explicit, or into the default
table when default propagation is on) and holds static routes, some of which are blackholes; the most
specific route wins.
"""

from __future__ import annotations

from ringfence.model import Resource, as_bool
from ringfence.network.intervals import IntervalSet
from ringfence.network.topology import Network

_ATTACHMENT = "aws_ec2_transit_gateway_vpc_attachment"


def _enabled(value: object) -> bool:
    """``enable``/``disable`` on the gateway, booleans on attachments; unset means enabled."""
    if isinstance(value, str):
        return value.strip().lower() not in ("disable", "false")
    return as_bool(value) is not False


def _default_table(tgw: Resource) -> str:
    return f"{tgw.address}#default-route-table"


def attachments(net: Network, tgw: Resource) -> list[Resource]:
    return list(net.estate.sources(tgw, "transit_gateway_id", of_kind=_ATTACHMENT))


def _table_of(net: Network, tgw: Resource, attachment: Resource) -> str | None:
    for assoc in net.estate.sources(
        attachment, "transit_gateway_attachment_id", of_kind="aws_ec2_transit_gateway_route_table_association"
    ):
        table = net.estate.target(assoc, "transit_gateway_route_table_id")
        if table is not None:
            return table.address
    if _enabled(tgw.get("default_route_table_association")) and _enabled(
        attachment.get("transit_gateway_default_route_table_association")
    ):
        return _default_table(tgw)
    return None


def _routes(net: Network, tgw: Resource, table: str) -> list[tuple[IntervalSet, str | None]]:
    """(destination, attachment address or None for a blackhole) of one transit gateway route table."""
    out: list[tuple[IntervalSet, str | None]] = []
    propagated: list[Resource] = []
    if table == _default_table(tgw):
        if _enabled(tgw.get("default_route_table_propagation")):
            propagated = [
                a
                for a in attachments(net, tgw)
                if _enabled(a.get("transit_gateway_default_route_table_propagation"))
            ]
    else:
        for prop in net.estate.sources(
            table, "transit_gateway_route_table_id", of_kind="aws_ec2_transit_gateway_route_table_propagation"
        ):
            propagated += net.estate.targets(prop, "transit_gateway_attachment_id")
    for a in propagated:
        vpc = net.estate.target(a, "vpc_id")
        if vpc is not None and vpc.address in net.vpcs:
            out.append((net.vpcs[vpc.address].cidr, a.address))
    if table != _default_table(tgw):
        statics = net.estate.sources(
            table, "transit_gateway_route_table_id", of_kind="aws_ec2_transit_gateway_route"
        )
        for route in statics:
            known, _ = net.cidrs(route.get("destination_cidr_block"))
            target = net.estate.target(route, "transit_gateway_attachment_id")
            blackhole = as_bool(route.get("blackhole")) is True
            out.append((known, None if blackhole or target is None else target.address))
    return out


def transit_verdict(net: Network, tgw_address: str, src_vpc: str | None, dst_vpc: str | None) -> bool | str:
    """Does the transit gateway carry traffic from ``src_vpc`` to every address of ``dst_vpc``?"""
    tgw = net.estate.get(tgw_address)
    if tgw is None or src_vpc is None or dst_vpc is None or dst_vpc not in net.vpcs:
        return False
    by_vpc: dict[str, Resource] = {}
    for a in attachments(net, tgw):
        vpc = net.estate.target(a, "vpc_id")
        if vpc is not None:
            by_vpc.setdefault(vpc.address, a)
    if src_vpc not in by_vpc or dst_vpc not in by_vpc:
        return False
    table = _table_of(net, tgw, by_vpc[src_vpc])
    if table is None:
        return False
    wanted = net.vpcs[dst_vpc].cidr
    taken, reached = IntervalSet(), IntervalSet()
    for destination, attachment in sorted(_routes(net, tgw, table), key=lambda r: r[0].size()):
        part = (destination & wanted) - taken
        taken = taken | destination
        if part and attachment is not None:
            vpc = net.estate.target(attachment, "vpc_id")
            if vpc is not None and vpc.address == dst_vpc:
                reached = reached | part
    if reached.covers(wanted):
        return True
    if reached:
        return f"{table}: only part of {dst_vpc}'s range is routed to its attachment"
    return False
