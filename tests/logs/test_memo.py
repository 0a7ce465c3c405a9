"""What is kept between runs (memo.py) is what a fresh computation gives, and a damaged entry is computed
again rather than believed."""

from __future__ import annotations

from pathlib import Path

import pytest

from ringfence.logs import memo, prefilter, runner


@pytest.fixture
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("RINGFENCE_CACHE_DIR", str(tmp_path))
    monkeypatch.delenv("RINGFENCE_NO_CACHE", raising=False)
    return tmp_path / "logs"


def test_the_catalogue_and_its_plan_come_back_as_computed(cache_dir: Path) -> None:
    fresh = runner._detections(None, True)
    assert runner.all_detections() == fresh  # computed and kept
    assert runner.all_detections() == fresh  # read back
    assert len(list((cache_dir / "catalogue").iterdir())) == 1
    dets = fresh[0]
    plan = prefilter._plan(tuple(dets))
    assert prefilter._remembered.__wrapped__(tuple(dets)) == plan
    assert prefilter._remembered.__wrapped__(tuple(dets)) == plan
    assert len(list((cache_dir / "plan").iterdir())) == 1


def test_a_damaged_entry_is_computed_again(cache_dir: Path) -> None:
    calls: list[int] = []

    def compute() -> list[int]:
        calls.append(1)
        return [1, 2, 3]

    assert memo.remembered("test", "x", compute) == [1, 2, 3]
    assert memo.remembered("test", "x", compute) == [1, 2, 3] and len(calls) == 1
    (entry,) = (cache_dir / "test").iterdir()
    entry.write_bytes(b"ringfence-logs-memo/1\n\x80garbage")
    assert memo.remembered("test", "x", compute) == [1, 2, 3] and len(calls) == 2
    entry.write_bytes(b"not even the header")
    assert memo.remembered("test", "x", compute) == [1, 2, 3] and len(calls) == 3


def test_nothing_is_kept_when_the_cache_is_off(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RINGFENCE_CACHE_DIR", str(tmp_path))
    monkeypatch.setenv("RINGFENCE_NO_CACHE", "1")
    assert memo.remembered("test", "x", lambda: 7) == 7
    assert not (tmp_path / "logs").exists()
