from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

GOOD = 'resource "aws_s3_bucket" "good" {\n  bucket = "good-bucket"\n}\n'
HOSTILE = {
    "panic": 'variable "x" {\n  type = foo(string)\n}\n',
    # `tonumber` keeps the expansion bounds from estimating it: only the worker's memory limit stops it.
    "memory": 'locals {\n  a = setproduct(range(tonumber("100")), range(100), range(100), range(100))\n}\n',
    "infinity": "locals {\n  big = pow(10, 400)\n}\n",
}


@pytest.mark.parametrize("family", sorted(HOSTILE))
def test_hostile_file_beside_a_good_one(tmp_path: Path, family: str) -> None:
    (tmp_path / "good.tf").write_text(GOOD, encoding="utf-8")
    (tmp_path / "bad.tf").write_text(HOSTILE[family], encoding="utf-8")
    # A generous time limit: the case is about memory and panics, and a loaded CI runner is slow.
    env = {"RINGFENCE_TF_MEMORY_MB": "1000", "RINGFENCE_TF_TIMEOUT": "120", "PATH": "/usr/bin:/bin"}
    done = subprocess.run(
        [sys.executable, "-m", "ringfence", "scan", str(tmp_path), "--no-cache", "--format", "json"],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert "goroutine" not in done.stdout + done.stderr
    assert "Traceback" not in done.stdout + done.stderr
    report = json.loads(done.stdout)
    assert report["summary"]["resources"] == 1, report["errors"]
    assert [e["path"] for e in report["errors"]] == ["bad.tf"]
    assert done.returncode != 0
