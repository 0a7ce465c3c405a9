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


def test_analyses_do_not_import_checks() -> None:
    """The IAM and network packages export analyses (decisions, exposures, placements); verdicts are the
    checks' business, so the analyses never see them."""
    for package in ("iam", "network"):
        for path in (SRC / package).rglob("*.py"):
            bad = {
                m
                for m in _imports(path)
                if m.startswith(
                    ("ringfence.checks", "ringfence.engine", "ringfence.reports", "ringfence.cli")
                )
            }
            assert not bad, f"{package}/{path.name} imports {bad}"


def test_findings_vocabulary_is_not_taken_from_the_check_base() -> None:
    """Severity and Status belong to the findings vocabulary (``ringfence.model.findings``) that the
    engine, configuration and reports import; the check base only re-exports them for check authors."""
    from ringfence.checks import base
    from ringfence.model import findings

    assert base.Severity is findings.Severity and base.Status is findings.Status
    for path in (*(SRC / "reports").glob("*.py"), *(SRC / "engine").glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module == "ringfence.checks.base":
                taken = {a.name for a in node.names} & {"Severity", "Status"}
                assert not taken, f"{path.name} takes {taken} from the check base"
