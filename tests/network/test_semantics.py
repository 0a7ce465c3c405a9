"""Network ACL first-match and longest-prefix match, against packet-by-packet brute force."""

from __future__ import annotations

import ipaddress

from hypothesis import given, settings
from hypothesis import strategies as st

from ringfence.network.intervals import IntervalSet
from ringfence.network.nacl import evaluate_acl
from ringfence.network.region import ALL_PORTS, ALL_PROTOCOLS, EPHEMERAL_PORTS, Region
from ringfence.network.routes import Route, RouteTable
from ringfence.network.rules import NaclRule

PROTOCOLS = (6, 17, 1)
rule = st.tuples(
    st.integers(1, 200),  # rule number
    st.booleans(),  # allow
    st.sampled_from((6, 17, -1)),
    st.tuples(st.integers(0, 30), st.integers(0, 30)),
    st.tuples(st.integers(0, 15), st.integers(0, 15)),
)


def _rules(raw: list[tuple[int, bool, int, tuple[int, int], tuple[int, int]]]) -> tuple[NaclRule, ...]:
    out = []
    seen = set()
    for number, allow, proto, (p1, p2), (a1, a2) in raw:
        if number in seen:
            continue
        seen.add(number)
        protocols = ALL_PROTOCOLS if proto == -1 else IntervalSet.of(proto)
        ports = ALL_PORTS if proto == -1 else IntervalSet.of(min(p1, p2), max(p1, p2))
        out.append(NaclRule("acl", False, number, allow, protocols, ports, IntervalSet.of(min(a1, a2), max(a1, a2)),
                            None, "acl"))  # fmt: skip
    return tuple(out)


def _first_match(rules: tuple[NaclRule, ...], proto: int, port: int, address: int) -> bool:
    for r in sorted(rules, key=lambda r: r.number):
        if proto in r.protocols and port in r.ports and address in r.peers:
            return r.allow
    return False  # the default * rule


@settings(max_examples=60, deadline=None)
@given(st.lists(rule, max_size=6))
def test_acl_first_match(raw: list[tuple[int, bool, int, tuple[int, int], tuple[int, int]]]) -> None:
    rules = _rules(raw)
    ev = evaluate_acl("acl", False, rules)
    for proto in PROTOCOLS:
        for port in range(0, 32):
            for address in range(0, 17):
                probe = Region.box(IntervalSet.of(proto), IntervalSet.of(port), IntervalSet.of(address))
                assert bool(ev.allowed & probe) == _first_match(rules, proto, port, address)


@settings(max_examples=100, deadline=None)
@given(st.lists(rule, max_size=6))
def test_reply_needs_some_ephemeral_port(
    raw: list[tuple[int, bool, int, tuple[int, int], tuple[int, int]]],
) -> None:
    rules = _rules([(n, a, p, (p1 + 1020, p2 + 1020), addr) for n, a, p, (p1, p2), addr in raw])
    ev = evaluate_acl("acl", True, rules)
    replies, _ = ev.reply_allowed
    for proto in (6, 17):
        for address in range(0, 17):
            expected = any(
                _first_match(rules, proto, port, address)
                for port in range(1020, 1052)
                if port in EPHEMERAL_PORTS
            )
            probe = Region.box(IntervalSet.of(proto), ALL_PORTS, IntervalSet.of(address))
            assert bool(replies & probe) == expected


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 255), st.integers(24, 32), st.integers(0, 3)), max_size=8))
def test_longest_prefix_match(raw: list[tuple[int, int, int]]) -> None:
    routes = []
    for host, length, target in raw:
        net = ipaddress.ip_network(f"10.0.0.{host}/{length}", strict=False)
        lo, hi = int(net.network_address), int(net.broadcast_address)
        routes.append(Route("t", IntervalSet.of(lo, hi), length, "other", f"t{target}", "t", str(net)))
    table = RouteTable("t", None, tuple(routes), (), implicit=False)
    for host in range(256):
        address = int(ipaddress.ip_address(f"10.0.0.{host}"))
        matching = [r for r in routes if address in r.destination]
        best = max((r.prefix for r in matching), default=None)
        found = table.lookup(address)
        if best is None:
            assert found is None
        else:
            assert found is not None and found.prefix == best
