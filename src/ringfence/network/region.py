"""Regions of traffic: sets of (protocol, port, peer address) as protocol -> port -> address intervals.

A region is a union of boxes kept in one canonical form, so rules combine with union, intersection and
difference (never packet by packet) and two regions are equal exactly when they hold the same packets.
For TCP and UDP the port is the destination port; for ICMP it is the ICMP type; other protocols have no
ports and their rules always span the whole port axis.
"""

from __future__ import annotations

from dataclasses import dataclass

from ringfence.network.addresses import ALL_ADDRESSES
from ringfence.network.intervals import IntervalSet, Piecewise

TCP, UDP, ICMP, ICMPV6 = 6, 17, 1, 58
ALL_PROTOCOLS = IntervalSet.of(0, 255)
ALL_PORTS = IntervalSet.of(0, 65535)
# Replies go to the client's ephemeral port; AWS recommends allowing 1024-65535 for them
# (https://docs.aws.amazon.com/vpc/latest/userguide/nacl-ephemeral-ports.html).
EPHEMERAL_PORTS = IntervalSet.of(1024, 65535)
PORTED = frozenset({TCP, UDP})

_NAMES = {TCP: "tcp", UDP: "udp", ICMP: "icmp", ICMPV6: "icmpv6"}
_NUMBERS = {"tcp": TCP, "udp": UDP, "icmp": ICMP, "icmpv6": ICMPV6, "ipv6-icmp": ICMPV6}


def protocol_name(number: int) -> str:
    return _NAMES.get(number, str(number))


def parse_protocol(value: object) -> IntervalSet | None:
    """AWS protocol spellings (``tcp``, ``6``, ``-1``, ``all``) as protocol numbers; None if unreadable."""
    text = str(value).strip().lower()
    if text in {"-1", "all"}:
        return ALL_PROTOCOLS
    if text in _NUMBERS:
        return IntervalSet.of(_NUMBERS[text])
    try:
        number = int(text)
    except ValueError:
        return None
    return IntervalSet.of(number) if 0 <= number <= 255 else None


_Ports = Piecewise[IntervalSet]
_NOTHING: Piecewise[Piecewise[IntervalSet]] = Piecewise()


def _addr_union(a: IntervalSet | None, b: IntervalSet | None) -> IntervalSet | None:
    if a is None:
        return b
    return a if b is None else a | b


def _addr_inter(a: IntervalSet | None, b: IntervalSet | None) -> IntervalSet | None:
    if a is None or b is None:
        return None
    return (a & b) or None


def _addr_minus(a: IntervalSet | None, b: IntervalSet | None) -> IntervalSet | None:
    if a is None:
        return None
    return a if b is None else ((a - b) or None)


def _ports_union(a: _Ports | None, b: _Ports | None) -> _Ports | None:
    if a is None:
        return b
    return a if b is None else a.combine(b, _addr_union)


def _ports_inter(a: _Ports | None, b: _Ports | None) -> _Ports | None:
    if a is None or b is None:
        return None
    return a.combine(b, _addr_inter) or None


def _ports_minus(a: _Ports | None, b: _Ports | None) -> _Ports | None:
    if a is None:
        return None
    return a if b is None else (a.combine(b, _addr_minus) or None)


@dataclass(frozen=True, slots=True)
class Region:
    """A set of packets: protocol -> destination port (or ICMP type) -> peer addresses."""

    protocols: Piecewise[_Ports] = _NOTHING

    @staticmethod
    def box(
        protocols: IntervalSet, ports: IntervalSet = ALL_PORTS, addresses: IntervalSet = ALL_ADDRESSES
    ) -> Region:
        if not protocols or not ports or not addresses:
            return EMPTY
        inner: _Ports = Piecewise(tuple((lo, hi, addresses) for lo, hi in ports))
        return Region(Piecewise(tuple((lo, hi, inner) for lo, hi in protocols)))

    def __bool__(self) -> bool:
        return bool(self.protocols)

    def __or__(self, other: Region) -> Region:
        if not other:
            return self
        if not self:
            return other
        return Region(self.protocols.combine(other.protocols, _ports_union))

    def __and__(self, other: Region) -> Region:
        if not self or not other:
            return EMPTY
        return Region(self.protocols.combine(other.protocols, _ports_inter))

    def __sub__(self, other: Region) -> Region:
        if not self or not other:
            return self
        return Region(self.protocols.combine(other.protocols, _ports_minus))

    def with_addresses(self, addresses: IntervalSet) -> Region:
        """Keep only the packets whose peer address is in ``addresses``."""
        return self & Region.box(ALL_PROTOCOLS, ALL_PORTS, addresses)

    def addresses(self) -> IntervalSet:
        out = IntervalSet()
        for _, _, ports in self.protocols.pieces:
            for _, _, addrs in ports.pieces:
                out = out | addrs
        return out

    def boxes(self) -> list[tuple[IntervalSet, IntervalSet, IntervalSet]]:
        """The region as (protocols, ports, addresses) boxes, protocols merged where the rest is equal."""
        out: list[tuple[IntervalSet, IntervalSet, IntervalSet]] = []
        for plo, phi, ports in self.protocols.pieces:
            by_addr: dict[IntervalSet, IntervalSet] = {}
            for lo, hi, addrs in ports.pieces:
                by_addr[addrs] = by_addr.get(addrs, IntervalSet()) | IntervalSet.of(lo, hi)
            for addrs, port_set in by_addr.items():
                out.append((IntervalSet.of(plo, phi), port_set, addrs))
        return out

    def point(self) -> tuple[int, int, int] | None:
        """One packet of the region (lowest protocol, port and address): a witness."""
        if not self.protocols.pieces:
            return None
        plo, _, ports = self.protocols.pieces[0]
        lo, _, addrs = ports.pieces[0]
        first = addrs.first()
        return (plo, lo, first if first is not None else 0)

    def project(self, protocols: IntervalSet, ports: IntervalSet) -> IntervalSet:
        """Peer addresses for which some packet with a protocol and port in the given sets is in the region."""
        return (self & Region.box(protocols, ports)).addresses()


EMPTY = Region()
EVERYTHING = Region.box(ALL_PROTOCOLS)
