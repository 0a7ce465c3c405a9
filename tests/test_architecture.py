"""Dependencies point one way: the model imports nothing of ringfence outside itself."""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parent.parent / "src" / "ringfence"


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
    return found


def test_model_depends_on_nothing_of_ringfence() -> None:
    for path in (SRC / "model").glob("*.py"):
        outside = {
            m for m in _imports(path) if m.startswith("ringfence") and not m.startswith("ringfence.model")
        }
        assert not outside, f"{path.name} imports {outside}"


def test_checks_do_not_import_sources_or_reports() -> None:
    for path in (SRC / "checks").glob("*.py"):
        bad = {
            m
            for m in _imports(path)
            if m.startswith(("ringfence.sources", "ringfence.reports", "ringfence.cli"))
        }
        assert not bad, f"{path.name} imports {bad}"
