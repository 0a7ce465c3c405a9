"""The Kubernetes benchmark's manifest set: the size asked, every object read without error, deterministic."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

from ringfence.sources import load_estate

ROOT = Path(__file__).resolve().parents[2]


def _bench() -> ModuleType:
    sys.path.insert(0, str(ROOT / "benchmarks"))
    spec = importlib.util.spec_from_file_location("k8s_bench", ROOT / "benchmarks" / "k8s_bench.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_the_manifest_set_reads_whole_and_the_same_twice(tmp_path: Path) -> None:
    bench = _bench()
    first, second = tmp_path / "a", tmp_path / "b"
    first.mkdir()
    second.mkdir()
    count = bench.generate(first, 1500)
    assert count == bench.generate(second, 1500)
    assert sorted(p.read_bytes() for p in first.iterdir()) == sorted(p.read_bytes() for p in second.iterdir())
    estate = load_estate([str(first)])
    assert not estate.errors
    assert len(estate.resources) == count
    kinds = {r.kind for r in estate.resources}
    assert {
        "k8s:Deployment",
        "k8s:CronJob",
        "k8s:RoleBinding",
        "k8s:NetworkPolicy",
        "k8s:ClusterRole",
    } <= kinds
