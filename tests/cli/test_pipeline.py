"""The scan pipeline called as a library gives what `ringfence scan` gives, and leaves the process as it
found it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from ringfence.engine.pipeline import ScanError, ScanOptions, scan
from tests.conftest import ROOT

ESTATE = {
    "main.tf": """
resource "aws_kms_key" "rotating" {
  description         = "rotates"
  enable_key_rotation = true
}

resource "aws_kms_key" "still" {
  description         = "never rotates"
  enable_key_rotation = false
}

resource "aws_sqs_queue" "plain" {
  name                    = "plain"
  sqs_managed_sse_enabled = false
}

resource "aws_security_group" "ssh" {
  name = "ssh"
  ingress {
    from_port   = 22
    to_port     = 22
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }
}
""",
}


def _cli(*args: str, cache: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "RINGFENCE_CACHE_DIR": str(cache)}
    env.pop("RINGFENCE_NO_CACHE", None)
    return subprocess.run(
        [sys.executable, "-m", "ringfence", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        check=False,
    )


def _key(rule_id: str, resource: str, status: str, severity: str, fingerprint: str) -> tuple[str, ...]:
    return (rule_id, resource, status, severity, fingerprint)


@pytest.mark.parametrize("fail_on", ["high", "medium", "low", "none"])
def test_the_library_call_gives_the_cli_findings_and_exit_code(
    write_tree, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fail_on: str
) -> None:  # type: ignore[no-untyped-def]
    root = write_tree({f"estate/{k}": v for k, v in ESTATE.items()}) / "estate"
    monkeypatch.setenv("RINGFENCE_NO_CACHE", "1")
    outcome = scan([str(root)], ScanOptions(fail_on=fail_on))
    done = _cli(
        "scan", str(root), "--format", "json", "--fail-on", fail_on, "--no-cache", cache=tmp_path / "c"
    )
    report = json.loads(done.stdout)
    assert outcome.exit_code == done.returncode, done.stderr
    from_cli = {
        _key(f["rule_id"], f["resource"], f["status"], f["severity"], f["fingerprint"])
        for f in report["findings"]
    }
    from_library = {
        _key(f.rule_id, f.resource, f.status.value, f.severity.value, f.fingerprint)
        for f in outcome.result.findings
    }
    assert from_library == from_cli
    # The estate was really read: the key without rotation and the queue without encryption are found.
    assert ("kms.key-rotation-enabled", "aws_kms_key.still") in {(k[0], k[1]) for k in from_library}
    assert not any(
        k[1] == "aws_kms_key.rotating" and k[0] == "kms.key-rotation-enabled" for k in from_library
    )
    assert report["summary"]["resources"] == len(outcome.estate.resources) == 4


def test_no_cache_is_an_argument_and_the_environment_is_left_alone(
    write_tree, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    root = write_tree({f"estate/{k}": v for k, v in ESTATE.items()}) / "estate"
    cache = tmp_path / "cache"
    monkeypatch.setenv("RINGFENCE_CACHE_DIR", str(cache))
    monkeypatch.delenv("RINGFENCE_NO_CACHE", raising=False)
    before = dict(os.environ)
    scan([str(root)], ScanOptions(cache=False))
    assert dict(os.environ) == before
    assert not cache.exists()
    scan([str(root)])
    assert dict(os.environ) == before
    assert any(cache.iterdir()), "without cache=False the evaluation is kept"
    # The command line: --no-cache keeps nothing either.
    other = tmp_path / "other-cache"
    _cli("scan", str(root), "--no-cache", "--fail-on", "none", cache=other)
    assert not other.exists()


def test_configured_evaluation_limits_are_not_written_to_the_environment(
    write_tree, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("RINGFENCE_NO_CACHE", "1")
    monkeypatch.delenv("RINGFENCE_TF_MAX_INSTANCES", raising=False)
    root = (
        write_tree(
            {
                "estate/main.tf": 'resource "aws_sqs_queue" "many" {\n  count = 8\n  name  = "q"\n}\n',
                "estate/.ringfence.toml": "[terraform]\nmax_instances = 5\n",
            }
        )
        / "estate"
    )
    outcome = scan([str(root)], ScanOptions(fail_on="none"))
    assert "RINGFENCE_TF_MAX_INSTANCES" not in os.environ
    assert any("over the limit of 5" in e.message for e in outcome.result.errors)


def test_unusable_input_is_a_scan_error(tmp_path: Path) -> None:
    with pytest.raises(ScanError, match="no such file or folder"):
        scan([str(tmp_path / "missing")])
    with pytest.raises(ScanError, match="12 digits"):
        scan([str(tmp_path)], ScanOptions(account_id="12"))
    with pytest.raises(ScanError, match="not a severity"):
        scan([str(tmp_path)], ScanOptions(fail_on="severe"))
