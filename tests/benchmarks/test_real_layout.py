"""The benchmark's real-layout estate: environments calling shared modules above them, three levels of
modules, every setting passed through `locals`, module `for_each` and two module boundaries; read by
ringfence's Terraform source, it has exactly the resources the manifest counts."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path
from types import ModuleType

import pytest

from tests.benchmarks.loading import load_benchmark

ROOT = Path(__file__).resolve().parents[2]


def _generator() -> ModuleType:
    return load_benchmark("generate")


@pytest.fixture(scope="module")
def estate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, object]]:
    out = tmp_path_factory.mktemp("corpus") / "real1200"
    return out, _generator().generate(1200, out, layout="real")


def test_layout(estate: tuple[Path, dict[str, object]]) -> None:
    out, manifest = estate
    envs = sorted(p.name for p in (out / "live" / "envs").iterdir())
    assert len(envs) == manifest["environments"] >= 2
    for env in envs:
        main = (out / "live" / "envs" / env / "main.tf").read_text()
        assert 'source = "../../modules/platform"' in main
        assert len(list((out / "live" / "envs" / env).glob("services-*.tf"))) >= 1
    platform = (out / "live" / "modules" / "platform" / "main.tf").read_text()
    service = (out / "live" / "modules" / "service" / "main.tf").read_text()
    assert re.search(r'module "service" \{\n  source   = "\.\./service"\n  for_each = var.services', platform)
    assert 'source = "../app"' in service and "var.config.app.instance_count" in service


def test_ringfence_reads_exactly_the_manifest(estate: tuple[Path, dict[str, object]]) -> None:
    from ringfence.sources import load_estate

    out, manifest = estate
    loaded = load_estate([str(out)])
    types = Counter(r.kind for r in loaded.resources)
    assert sum(types.values()) == manifest["resources"] == 1200
    assert dict(types) == manifest["resource_types"]
    names = {r.address for r in loaded.resources}
    assert all(r.root.startswith("live/envs/") for r in loaded.resources)
    missing = set(manifest["insecure_addresses"]) - names  # type: ignore[arg-type]
    assert not missing, sorted(missing)[:5]


def test_deterministic(tmp_path: Path) -> None:
    generator = _generator()
    first = generator.generate(600, tmp_path / "a", layout="real")
    second = generator.generate(600, tmp_path / "b", layout="real")
    assert first["sha256"] == second["sha256"]
    assert generator.generate(600, tmp_path / "c", seed=1, layout="real")["sha256"] != first["sha256"]
