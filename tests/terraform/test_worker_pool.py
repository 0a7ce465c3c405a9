"""Workers evaluate one task after another; one that dies is replaced and the tasks after it still run."""

from __future__ import annotations

from pathlib import Path

import pytest

from ringfence.sources.terraform import isolation
from ringfence.sources.terraform.evaluation import Task


def _root(folder: Path, text: str) -> Task:
    folder.mkdir()
    (folder / "main.tf").write_text(text, encoding="utf-8")
    return Task(folder, folder, ())


def test_a_dying_worker_is_replaced_and_each_task_keeps_its_own_answer(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RINGFENCE_NO_CACHE", "1")
    # The default memory limit and a generous time: the case is a worker that panics, and a loaded runner
    # must not make the good tasks beside it fail for their own reasons.
    monkeypatch.setenv(isolation.MEMORY_ENV, str(isolation.DEFAULT_MEMORY_MB))
    monkeypatch.setenv(isolation.TIMEOUT_ENV, "120")
    good = [
        _root(tmp_path / f"good{i}", f'resource "aws_s3_bucket" "b{i}" {{\n  bucket = "bucket-{i}"\n}}\n')
        for i in range(3)
    ]
    bad = _root(tmp_path / "bad", 'variable "x" {\n  type = foo(string)\n}\n')
    started: list[Task] = []
    original = isolation._Pool._new
    monkeypatch.setattr(isolation._Pool, "_new", lambda self: started.append(self) or original(self))

    results = isolation._batch([good[0], good[1], bad, good[2]], 1, isolation.limits(), None)

    assert [r.task for r in results] == [good[0], good[1], bad, good[2]]
    assert [[x.address for x in r.resources] for r in results] == [
        ["aws_s3_bucket.b0"],
        ["aws_s3_bucket.b1"],
        [],
        ["aws_s3_bucket.b2"],
    ]
    assert results[2].crashed and "panic" in (results[2].error or "")
    assert "goroutine" not in (results[2].error or "")
    # One worker for the good tasks, a new one for the failing task alone (it had followed others), one
    # after it died.
    assert len(started) == 3
