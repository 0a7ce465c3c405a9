"""The evaluation cache: a re-scan of unchanged code reuses evaluations; any change is evaluated again."""

from __future__ import annotations

from pathlib import Path

import pytest

from ringfence.sources import LoadOptions, load_estate
from ringfence.sources.terraform import isolation


def _tree(root: Path, rotation: str) -> None:
    (root / "modules" / "key").mkdir(parents=True, exist_ok=True)
    (root / "modules" / "key" / "main.tf").write_text(
        f'variable "n" {{}}\nresource "aws_kms_key" "k" {{\n  description = "k-${{var.n}}"\n  enable_key_rotation = {rotation}\n}}\n'
    )
    calls = "\n".join(f'module "k{i}" {{\n  source = "./modules/key"\n  n = {i}\n}}' for i in range(6))
    (root / "main.tf").write_text(calls + "\n")


def test_unchanged_code_is_not_evaluated_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RINGFENCE_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("RINGFENCE_NO_CACHE", raising=False)
    root = tmp_path / "estate"
    _tree(root, "false")
    first = load_estate([str(root)], LoadOptions(jobs=1))
    evaluated: list[object] = []
    original = isolation._start
    monkeypatch.setattr(isolation, "_start", lambda *a: evaluated.append(a[1]) or original(*a))
    again = load_estate([str(root)], LoadOptions(jobs=1))
    assert evaluated == []
    assert again.resources == first.resources
    _tree(root, "true")  # a change inside the module folder
    changed = load_estate([str(root)], LoadOptions(jobs=1))
    assert evaluated, "a changed module must be evaluated again"
    assert {r.get("enable_key_rotation") for r in changed.resources} == {True}


def test_no_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RINGFENCE_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("RINGFENCE_NO_CACHE", "1")
    root = tmp_path / "estate"
    _tree(root, "false")
    load_estate([str(root)], LoadOptions(jobs=1))
    assert not (tmp_path / "cache").exists()
