"""Route tables and longest-prefix match over address intervals.

AWS picks the most specific route that matches a destination
(https://docs.aws.amazon.com/vpc/latest/userguide/route-tables-priority.html). A table is turned once into
a partition of the address line, each part with the route that wins there, so a question like "which
client addresses can the reply reach through the internet gateway" is one interval computation.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any

from ringfence.model import Unknown
from ringfence.network.addresses import ALL_ADDRESSES, V6_BASE, to_cidrs
from ringfence.network.intervals import IntervalSet
from ringfence.network.values import text

if TYPE_CHECKING:
    from ringfence.network.topology import Network

# Route attribute -> kinds of resource it may name (Terraform AWS provider names).
_TARGETS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("gateway_id", ("aws_internet_gateway", "aws_vpn_gateway", "aws_vpc_endpoint")),
    ("nat_gateway_id", ("aws_nat_gateway",)),
    ("egress_only_gateway_id", ("aws_egress_only_internet_gateway",)),
    ("vpc_peering_connection_id", ("aws_vpc_peering_connection",)),
    ("transit_gateway_id", ("aws_ec2_transit_gateway",)),
    ("vpc_endpoint_id", ("aws_vpc_endpoint",)),
    ("network_interface_id", ("aws_network_interface",)),
    ("instance_id", ("aws_instance",)),
    ("local_gateway_id", ()),
    ("carrier_gateway_id", ()),
    ("core_network_arn", ()),
)
_KIND_OF = {
    "aws_internet_gateway": "igw",
    "aws_egress_only_internet_gateway": "eigw",
    "aws_nat_gateway": "nat",
    "aws_vpc_peering_connection": "peering",
    "aws_ec2_transit_gateway": "tgw",
    "aws_vpc_endpoint": "endpoint",
    "aws_network_interface": "eni",
    "aws_instance": "eni",
    "aws_vpn_gateway": "vgw",
}
_PREFIX_KIND = {
    "igw-": "igw",
    "eigw-": "eigw",
    "nat-": "nat",
    "pcx-": "peering",
    "tgw-": "tgw",
    "vpce-": "endpoint",
    "eni-": "eni",
    "i-": "eni",
    "vgw-": "vgw",
}


@dataclass(frozen=True, slots=True)
class Route:
    table: str
    destination: IntervalSet
    prefix: int  # prefix length of a single-CIDR destination (ordering uses the destination size)
    target_kind: str  # local igw eigw nat peering tgw endpoint eni vgw blackhole other
    target: str | None  # address of the target in the estate
    origin: str  # the resource that declares the route (table or aws_route)
    label: str
    unknown: str | None = None  # destination or target could not be resolved
    is_local: bool = False


@dataclass
class RouteTable:
    address: str
    vpc: str | None
    routes: tuple[Route, ...]
    # (service name, endpoint address) of gateway endpoints associated with the table.
    endpoint_services: tuple[tuple[str, str], ...]
    implicit: bool

    @cached_property
    def partition(self) -> tuple[tuple[IntervalSet, Route], ...]:
        """Address set -> the route that wins there (longest prefix first)."""
        ordered = sorted(
            (r for r in self.routes if r.destination),
            key=lambda r: (r.destination.size(), 0 if r.is_local else 1),
        )
        taken = IntervalSet()
        out: list[tuple[IntervalSet, Route]] = []
        for r in ordered:
            part = r.destination - taken
            if part:
                out.append((part, r))
                taken = taken | r.destination
        return tuple(out)

    @cached_property
    def uncertain(self) -> tuple[Route, ...]:
        """Routes whose destination is not known: they may win anywhere."""
        return tuple(r for r in self.routes if not r.destination and r.unknown)

    def where(self, accept: Callable[[Route], bool | str]) -> tuple[IntervalSet, IntervalSet, list[str]]:
        """Addresses whose winning route is accepted (yes), may be (maybe, with reasons)."""
        yes, maybe = IntervalSet(), IntervalSet()
        reasons: list[str] = []
        for part, route in self.partition:
            verdict = accept(route)
            if verdict is True:
                yes = yes | part
            elif isinstance(verdict, str):
                maybe = maybe | part
                reasons.append(verdict)
        for route in self.uncertain:
            if route.target_kind == "unknown":
                # Nothing is known about this table: any address may go anywhere.
                reasons.append(f"{self.address}: {route.unknown}")
                return IntervalSet(), ALL_ADDRESSES, reasons
            verdict = accept(route)
            if verdict is not False or yes:
                reasons.append(f"{self.address}: route {route.label}: {route.unknown}")
                maybe = maybe | yes
                yes = IntervalSet()
                break
        return yes, maybe, reasons

    def lookup(self, address: int) -> Route | None:
        for part, route in self.partition:
            if address in part:
                return route
        return None


def _prefix_length(destination: IntervalSet) -> int:
    if len(destination.spans) != 1:
        return 0
    lo, hi = destination.spans[0]
    bits = (hi - lo + 1).bit_length() - 1
    return (128 if lo >= V6_BASE else 32) - bits


def _resolve_target(net: Network, fields: Mapping[str, Any]) -> tuple[str, str | None, str, str | None]:
    """(kind, target address, shown name, unknown reason) of a route's target."""
    for key, kinds in _TARGETS:
        value = fields.get(key)
        if value is None or value == "":
            continue
        if value == "local":
            return "local", None, "local", None
        found = net.resolve(value, kinds) if kinds else Unknown(f"{key} targets are not modelled")
        if isinstance(found, str):
            kind = net.estate.by_address[found].kind
            return _KIND_OF.get(kind, "other"), found, found, None
        literal = text(value) or str(value)
        # An attribute that names one kind of target says the kind even when its value is not known.
        by_key = _KIND_OF.get(kinds[0], "other") if len(kinds) == 1 else "other"
        guessed = next((k for p, k in _PREFIX_KIND.items() if literal.startswith(p)), by_key)
        reason = found.reason if isinstance(found, Unknown) else f"{literal} cannot be resolved"
        return guessed, None, literal, reason
    return "other", None, "nothing", "the route names no target"


def route_from_fields(
    net: Network, table: str, origin: str, fields: Mapping[str, Any], *, standalone: bool = False
) -> Route:
    keys = (
        ("destination_cidr_block", "destination_ipv6_cidr_block")
        if standalone
        else ("cidr_block", "ipv6_cidr_block")
    )
    values = [fields.get(k) for k in keys if fields.get(k) not in (None, "")]
    destination, bad = net.cidrs(values)
    prefix_list = fields.get("destination_prefix_list_id")
    unknown = "; ".join(bad) if bad else None
    shown = ", ".join(to_cidrs(destination)) if destination else ""
    if prefix_list not in (None, ""):
        resolved = net.prefix_list(prefix_list, net.estate.by_address[origin])
        if isinstance(resolved, Unknown):
            unknown = resolved.reason
        else:
            destination = destination | resolved
        shown = shown or str(prefix_list)
    kind, target, target_name, target_unknown = _resolve_target(net, fields)
    state = text(fields.get("state"))
    if state == "blackhole":
        kind = "blackhole"
    if not destination and unknown is None:
        unknown = "the route has no destination"
    return Route(
        table=table,
        destination=destination,
        prefix=_prefix_length(destination),
        target_kind=kind,
        target=target,
        origin=origin,
        label=f"{shown or '?'} -> {target_name}{' (blackhole)' if kind == 'blackhole' else ''}",
        unknown=unknown or target_unknown,
    )
