"""`--expect` on the query commands: the answer can fail a script, an undecided answer fails every
expectation, and without the option the answer never changes the exit code."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ringfence.cli.app import app

ROOT = Path(__file__).resolve().parents[1]
BLOCKED = str(ROOT / "network" / "fixtures" / "nacl-deny-before-allow")
IAM = str(ROOT / "iam" / "fixtures" / "estate")
ACCOUNT = "123456789012"


def _reach(*extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ringfence", "reach", BLOCKED, "--from", "internet", "--to", "aws_instance.web",
         "--port", "22", *extra],
        capture_output=True, text=True, check=False,
    )  # fmt: skip


def test_reach_expect() -> None:
    assert _reach().returncode == 0
    assert _reach("--expect", "unreachable").returncode == 0
    failed = _reach("--expect", "reachable")
    assert failed.returncode == 1 and "expected reachable, the answer is unreachable" in failed.stderr
    assert _reach("--expect", "maybe").returncode == 2


def _can(*extra: str) -> tuple[int, str]:
    done = CliRunner().invoke(
        app,
        ["iam", "can", IAM, "--principal", "aws_iam_role.app", "--action", "s3:GetObject",
         "--resource", "arn:aws:s3:::b/k", "--account-id", ACCOUNT, *extra],
    )  # fmt: skip
    return done.exit_code, done.output


@pytest.mark.parametrize(
    ("context", "expect", "code"),
    [
        (["--context", "aws:SecureTransport=true"], "allow", 0),
        (["--context", "aws:SecureTransport=true"], "deny", 1),
        ([], "allow", 1),  # undecided without the context: no expectation is met
        ([], "deny", 1),
        ([], None, 0),
    ],
)
def test_iam_can_expect(context: list[str], expect: str | None, code: int) -> None:
    got, output = _can(*context, *(["--expect", expect] if expect else []))
    assert got == code, output


def test_the_summary_says_an_undecided_finding_does_not_fail_by_default(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(
        'variable "rotate" {\n  type = bool\n}\n'
        'resource "aws_kms_key" "k" {\n  enable_key_rotation = var.rotate\n}\n',
        encoding="utf-8",
    )
    done = subprocess.run(
        [sys.executable, "-m", "ringfence", "scan", str(tmp_path), "--no-cache"],
        capture_output=True, text=True, check=False, env={**os.environ, "COLUMNS": "200"},
    )  # fmt: skip
    out = " ".join(done.stdout.split())
    assert "could not be decided (unknown): unknown fails only with --fail-on-unknown" in out, done.stdout
