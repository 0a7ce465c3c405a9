"""The bulk exposure map and single reach queries are computed differently (cached per subnet and group,
versus a pipeline with explanations): on the benchmark's estate, scaled down, they must agree."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

from ringfence.network import exposure_map, reach
from ringfence.network.intervals import IntervalSet
from ringfence.network.region import TCP, Region

ROOT = Path(__file__).resolve().parents[2]


def _bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("network_bench", ROOT / "benchmarks" / "network_bench.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_exposure_map_agrees_with_reach() -> None:
    estate = _bench().build(300, 60, 20)
    emap = exposure_map(estate)
    checked = 0
    for address, exposure in sorted(emap.resources.items()):
        for port in (22, 80, 443, 3389, 5432, 8080):
            probe = Region.box(IntervalSet.of(TCP), IntervalSet.of(port))
            expected = bool(exposure.reachable & probe)
            result = reach(estate, "internet", address, port)
            assert result.reachable is expected, (address, port, result.to_json())
            checked += 1
    assert checked == 1800
    assert 0 < sum(1 for e in emap.resources.values() if e.exposed) < 300
