"""Sets of integers as sorted, disjoint, inclusive intervals: ports, protocol numbers and IP addresses.

Everything the network analysis computes (which ports, which source addresses) is a union of intervals, so
rules are combined by interval arithmetic and never enumerated port by port or address by address.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Generic, TypeVar


@dataclass(frozen=True, slots=True)
class IntervalSet:
    """A set of integers. ``spans`` are sorted, disjoint, non-adjacent, inclusive ``(lo, hi)`` pairs."""

    spans: tuple[tuple[int, int], ...] = ()

    @staticmethod
    def of(lo: int, hi: int | None = None) -> IntervalSet:
        hi = lo if hi is None else hi
        return IntervalSet(((lo, hi),)) if lo <= hi else IntervalSet()

    @staticmethod
    def union_of(spans: Iterable[tuple[int, int]]) -> IntervalSet:
        out: list[tuple[int, int]] = []
        for lo, hi in sorted(s for s in spans if s[0] <= s[1]):
            if out and lo <= out[-1][1] + 1:
                if hi > out[-1][1]:
                    out[-1] = (out[-1][0], hi)
            else:
                out.append((lo, hi))
        return IntervalSet(tuple(out))

    def __bool__(self) -> bool:
        return bool(self.spans)

    def __iter__(self) -> Iterator[tuple[int, int]]:
        return iter(self.spans)

    def __contains__(self, value: int) -> bool:
        return any(lo <= value <= hi for lo, hi in self.spans)

    def __or__(self, other: IntervalSet) -> IntervalSet:
        if not other.spans:
            return self
        if not self.spans:
            return other
        return IntervalSet.union_of(self.spans + other.spans)

    def __and__(self, other: IntervalSet) -> IntervalSet:
        a, b = self.spans, other.spans
        out: list[tuple[int, int]] = []
        i = j = 0
        while i < len(a) and j < len(b):
            lo = max(a[i][0], b[j][0])
            hi = min(a[i][1], b[j][1])
            if lo <= hi:
                out.append((lo, hi))
            if a[i][1] < b[j][1]:
                i += 1
            else:
                j += 1
        return IntervalSet(tuple(out))

    def __sub__(self, other: IntervalSet) -> IntervalSet:
        if not other.spans or not self.spans:
            return self
        out: list[tuple[int, int]] = []
        b = other.spans
        j = 0
        for lo, hi in self.spans:
            cur = lo
            while j < len(b) and b[j][1] < cur:
                j += 1
            k = j
            while k < len(b) and b[k][0] <= hi:
                if b[k][0] > cur:
                    out.append((cur, b[k][0] - 1))
                cur = max(cur, b[k][1] + 1)
                if cur > hi:
                    break
                k += 1
            if cur <= hi:
                out.append((cur, hi))
        return IntervalSet(tuple(out))

    def covers(self, other: IntervalSet) -> bool:
        return not (other - self)

    def overlaps(self, other: IntervalSet) -> bool:
        return bool(self & other)

    def size(self) -> int:
        return sum(hi - lo + 1 for lo, hi in self.spans)

    def first(self) -> int | None:
        return self.spans[0][0] if self.spans else None

    def describe(self) -> str:
        """``22``, ``1024-65535``, ``22, 80-81``."""
        return ", ".join(str(lo) if lo == hi else f"{lo}-{hi}" for lo, hi in self.spans)


V = TypeVar("V")


@dataclass(frozen=True, slots=True)
class Piecewise(Generic[V]):
    """A function from integers to values, constant on sorted disjoint inclusive intervals.

    Absent points map to "nothing". Adjacent pieces with equal values are merged, so two equal functions have
    equal representations. Used for protocol -> (port -> addresses) regions.
    """

    pieces: tuple[tuple[int, int, V], ...] = ()

    def __bool__(self) -> bool:
        return bool(self.pieces)

    def combine(self, other: Piecewise[V], f: Callable[[V | None, V | None], V | None]) -> Piecewise[V]:
        points: set[int] = set()
        for lo, hi, _ in self.pieces:
            points.add(lo)
            points.add(hi + 1)
        for lo, hi, _ in other.pieces:
            points.add(lo)
            points.add(hi + 1)
        cuts = sorted(points)
        out: list[tuple[int, int, V]] = []
        a, b = self.pieces, other.pieces
        i = j = 0
        for n in range(len(cuts) - 1):
            lo, hi = cuts[n], cuts[n + 1] - 1
            while i < len(a) and a[i][1] < lo:
                i += 1
            while j < len(b) and b[j][1] < lo:
                j += 1
            va = a[i][2] if i < len(a) and a[i][0] <= lo else None
            vb = b[j][2] if j < len(b) and b[j][0] <= lo else None
            if va is None and vb is None:
                continue
            v = f(va, vb)
            if v is None:
                continue
            if out and out[-1][1] == lo - 1 and out[-1][2] == v:
                out[-1] = (out[-1][0], hi, v)
            else:
                out.append((lo, hi, v))
        return Piecewise(tuple(out))

    def at(self, point: int) -> V | None:
        for lo, hi, v in self.pieces:
            if lo <= point <= hi:
                return v
        return None

    def domain(self) -> IntervalSet:
        return IntervalSet.union_of((lo, hi) for lo, hi, _ in self.pieces)
