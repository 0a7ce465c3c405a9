"""IPv4 and IPv6 addresses on one integer line, so one :class:`IntervalSet` holds both families.

IPv4 address ``a`` is the integer ``a``; IPv6 address ``a`` is ``2**32 + a``.
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache

from ringfence.network.intervals import IntervalSet

V6_BASE = 1 << 32
ALL_V4 = IntervalSet.of(0, V6_BASE - 1)
ALL_V6 = IntervalSet.of(V6_BASE, V6_BASE + (1 << 128) - 1)
ALL_ADDRESSES = ALL_V4 | ALL_V6
NOWHERE = IntervalSet()

# Address ranges that are never the source of a packet arriving from the internet: private, shared,
# loopback, link-local, multicast and reserved (RFC 6890). Internet clients are everything else; for IPv6
# the global unicast range 2000::/3.
_NOT_INTERNET_V4 = (
    "0.0.0.0/8",
    "10.0.0.0/8",
    "100.64.0.0/10",
    "127.0.0.0/8",
    "169.254.0.0/16",
    "172.16.0.0/12",
    "192.168.0.0/16",
    "224.0.0.0/4",
    "240.0.0.0/4",
)


@lru_cache(maxsize=65536)
def parse_cidr(text: str) -> IntervalSet:
    """``10.0.0.0/16``, ``2001:db8::/32`` or a bare address; ValueError when it is not one."""
    net = ipaddress.ip_network(text.strip(), strict=False)
    lo, hi = int(net.network_address), int(net.broadcast_address)
    if net.version == 6:
        return IntervalSet.of(V6_BASE + lo, V6_BASE + hi)
    return IntervalSet.of(lo, hi)


def _internet() -> IntervalSet:
    blocked = IntervalSet()
    for cidr in _NOT_INTERNET_V4:
        blocked = blocked | parse_cidr(cidr)
    return (ALL_V4 - blocked) | parse_cidr("2000::/3")


INTERNET = _internet()
INTERNET_V4 = INTERNET & ALL_V4
INTERNET_V6 = INTERNET & ALL_V6


def format_address(value: int) -> str:
    if value >= V6_BASE:
        return str(ipaddress.IPv6Address(value - V6_BASE))
    return str(ipaddress.IPv4Address(value))


def to_cidrs(addresses: IntervalSet, limit: int = 8) -> list[str]:
    """The smallest list of CIDRs covering ``addresses`` (ellipsised after ``limit``)."""
    v4 = ["0.0.0.0/0"] if addresses.covers(ALL_V4) or addresses.covers(INTERNET_V4) else []
    v6 = ["::/0"] if addresses.covers(INTERNET_V6) else []
    out: list[str] = list(v4)
    for lo, hi in addresses:
        if lo < V6_BASE and not v4:
            first, last = ipaddress.IPv4Address(lo), ipaddress.IPv4Address(min(hi, V6_BASE - 1))
            out += [str(n) for n in ipaddress.summarize_address_range(first, last)]
        if hi >= V6_BASE and not v6:
            first6 = ipaddress.IPv6Address(max(lo, V6_BASE) - V6_BASE)
            last6 = ipaddress.IPv6Address(hi - V6_BASE)
            out += [str(n) for n in ipaddress.summarize_address_range(first6, last6)]
        if len(out) > limit:
            return [*out[:limit], "..."]
    return out + v6


def is_ipv6(value: int) -> bool:
    return value >= V6_BASE
