"""Interval and region arithmetic against brute force on small universes."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from ringfence.network.addresses import INTERNET, V6_BASE, parse_cidr, to_cidrs
from ringfence.network.intervals import IntervalSet
from ringfence.network.region import Region

spans = st.lists(st.tuples(st.integers(0, 40), st.integers(0, 40)), max_size=5)


def _set(pairs: list[tuple[int, int]]) -> IntervalSet:
    return IntervalSet.union_of((min(a, b), max(a, b)) for a, b in pairs)


def _points(s: IntervalSet) -> set[int]:
    return {n for lo, hi in s for n in range(lo, hi + 1)}


@settings(deadline=None)
@given(spans, spans)
def test_interval_operations_match_sets(a: list[tuple[int, int]], b: list[tuple[int, int]]) -> None:
    x, y = _set(a), _set(b)
    assert _points(x | y) == _points(x) | _points(y)
    assert _points(x & y) == _points(x) & _points(y)
    assert _points(x - y) == _points(x) - _points(y)
    assert x.covers(y) == (_points(y) <= _points(x))
    # canonical: equal sets have equal representations
    assert (x | y) == _set(sorted((x | y).spans))
    for lo, hi in (x | y).spans:
        assert lo <= hi


boxes = st.lists(
    st.tuples(
        st.tuples(st.integers(0, 3), st.integers(0, 3)),
        st.tuples(st.integers(0, 6), st.integers(0, 6)),
        st.tuples(st.integers(0, 9), st.integers(0, 9)),
    ),
    max_size=4,
)


def _region(items: list[tuple[tuple[int, int], ...]]) -> Region:
    out = Region()
    for p, q, a in items:
        out = out | Region.box(_set([p]), _set([q]), _set([a]))
    return out


def _packets(r: Region) -> set[tuple[int, int, int]]:
    out = set()
    for protocols, ports, addresses in r.boxes():
        for p in _points(protocols):
            for q in _points(ports):
                for a in _points(addresses):
                    out.add((p, q, a))
    return out


@settings(deadline=None)
@given(boxes, boxes)
def test_region_operations_match_sets(
    a: list[tuple[tuple[int, int], ...]], b: list[tuple[tuple[int, int], ...]]
) -> None:
    x, y = _region(a), _region(b)
    assert _packets(x | y) == _packets(x) | _packets(y)
    assert _packets(x & y) == _packets(x) & _packets(y)
    assert _packets(x - y) == _packets(x) - _packets(y)
    assert ((x - y) | (x & y)) == x  # canonical form: equal sets compare equal


def test_cidrs_share_one_line_and_print_back() -> None:
    v4 = parse_cidr("10.0.0.0/8")
    v6 = parse_cidr("2001:db8::/32")
    assert v4.spans == ((10 << 24, (11 << 24) - 1),)
    assert v6.first() == V6_BASE + (0x20010DB8 << 96)
    assert to_cidrs(v4 | v6) == ["10.0.0.0/8", "2001:db8::/32"]
    assert not (INTERNET & v4)
    assert INTERNET.covers(parse_cidr("8.8.8.8"))
