"""AWS's published ranges, read without `ipaddress.ip_network` (too slow for 16,800 prefixes on every run):
the spans must be exactly those `ipaddress` computes, and a malformed prefix must be refused."""

from __future__ import annotations

import gzip
import ipaddress
import json
from importlib import resources
from pathlib import Path

import pytest

from ringfence.logs import ipranges


def _snapshot() -> dict[str, list[dict[str, str]]]:
    raw = (resources.files("ringfence.logs") / "data" / ipranges.SNAPSHOT).read_bytes()
    data: dict[str, list[dict[str, str]]] = json.loads(gzip.decompress(raw))
    return data


def test_every_shipped_prefix_spans_what_ipaddress_says() -> None:
    data = _snapshot()
    prefixes = [p["ip_prefix"] for p in data["prefixes"]] + [p["ipv6_prefix"] for p in data["ipv6_prefixes"]]
    assert len(prefixes) > 10_000
    for prefix in prefixes:
        net = ipaddress.ip_network(prefix)
        family, width = (ipranges.socket.AF_INET, 32) if net.version == 4 else (ipranges.socket.AF_INET6, 128)
        assert ipranges._span(prefix, family, width) == (int(net.network_address), int(net.broadcast_address))


def test_lookups_agree_with_ipaddress_at_the_edges_of_ranges() -> None:
    nets = [ipaddress.IPv4Network(p["ip_prefix"]) for p in _snapshot()["prefixes"]]
    for net in nets[::20]:
        assert ipranges.is_aws(str(net.network_address)) and ipranges.is_aws(str(net.broadcast_address))
        for edge in (int(net.network_address) - 1, int(net.broadcast_address) + 1):
            addr = ipaddress.IPv4Address(edge)
            assert ipranges.is_aws(str(addr)) is any(addr in n for n in nets)


@pytest.mark.parametrize(
    ("prefix", "family", "width"),
    [
        ("10.0.0.1/8", ipranges.socket.AF_INET, 32),
        ("1.2.3.4/33", ipranges.socket.AF_INET, 32),
        ("1.2.3/24", ipranges.socket.AF_INET, 32),
        ("2600:1f18::/129", ipranges.socket.AF_INET6, 128),
        ("not-an-address/16", ipranges.socket.AF_INET6, 128),
    ],
)
def test_a_malformed_prefix_is_refused(prefix: str, family: int, width: int) -> None:
    with pytest.raises(ValueError, match=r"not a network|host bits"):
        ipranges._span(prefix, family, width)


def test_a_ranges_file_given_by_path_is_read(tmp_path: Path) -> None:
    f = tmp_path / "ranges.json"
    f.write_text(json.dumps({"prefixes": [{"ip_prefix": "198.51.100.0/24"}], "ipv6_prefixes": []}))
    assert ipranges.is_aws("198.51.100.7", str(f)) and not ipranges.is_aws("198.51.101.7", str(f))
