from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"

# The solver's time per query is wall-clock time: on a loaded machine a query the solver answers in 50 ms
# can take seconds. Tests assert answers, not speed, so they give it far more than the default (the tests
# of what a timeout gives pass their own, tiny, limit); subprocesses inherit it.
os.environ.setdefault("RINGFENCE_ACCESS_TIMEOUT_MS", "60000")
os.environ.setdefault("RINGFENCE_COMPARE_TIMEOUT_MS", "60000")


@pytest.fixture
def write_tree(tmp_path: Path):  # type: ignore[no-untyped-def]
    """Write {relative path: text} under a fresh folder and return it."""

    def write(files: dict[str, str]) -> Path:
        for rel, text in files.items():
            target = tmp_path / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
        return tmp_path

    return write
