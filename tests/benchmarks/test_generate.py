"""The benchmark's estate generator: exact size, many module calls, about 30% insecure, deterministic."""

from __future__ import annotations

import importlib.util
import re
import sys
from collections import Counter
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_generate", ROOT / "benchmarks" / "generate.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is built
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def estate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, object]]:
    out = tmp_path_factory.mktemp("corpus") / "n300"
    return out, _generator().generate(300, out)


def test_counts_and_insecure_share(estate: tuple[Path, dict[str, object]]) -> None:
    out, manifest = estate
    assert manifest["resources"] == 300
    calls = re.findall(r'^module "(\w+)" \{$', (out / "main.tf").read_text(), flags=re.MULTILINE)
    assert len(calls) == manifest["module_calls"] >= 3
    assert len(set(calls)) == len(calls)
    assert 0.2 <= manifest["insecure_share"] <= 0.4  # type: ignore[operator]
    assert manifest["insecure_resources"] == len(manifest["insecure_addresses"])  # type: ignore[arg-type]


def test_terraform_evaluates_to_the_manifest(estate: tuple[Path, dict[str, object]]) -> None:
    """Evaluated by tfparse (variables, count, for_each), the estate has exactly the resources the
    manifest counts, and every address the manifest marks insecure exists."""
    tfparse = pytest.importorskip("tfparse")
    out, manifest = estate
    blocks = tfparse.load_from_path(str(out))
    types = Counter({kind: len(items) for kind, items in blocks.items() if kind.startswith("aws_")})
    assert sum(types.values()) == 300
    assert dict(types) == manifest["resource_types"]
    addresses = {item["__tfmeta"]["path"] for kind in types for item in blocks[kind]}
    assert set(manifest["insecure_addresses"]) <= addresses  # type: ignore[arg-type]


def test_deterministic_and_module_calls_scale(tmp_path: Path) -> None:
    generator = _generator()
    first = generator.generate(300, tmp_path / "a")
    second = generator.generate(300, tmp_path / "b")
    assert first["sha256"] == second["sha256"]
    assert generator.generate(300, tmp_path / "c", seed=1)["sha256"] != first["sha256"]
    assert len(generator.plan(20_000, generator.DEFAULT_SEED)) >= 100
