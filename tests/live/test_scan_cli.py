"""`ringfence scan aws://` end to end against a moto server, and the snapshot it saves read back offline."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from ringfence.cli.app import app
from tests.live.test_workloads import LEAKED, _seed


def _findings(report: str) -> set[tuple[str, str, str]]:
    data = json.loads(report)
    return {(f["rule_id"], f["status"], f["fingerprint"]) for f in data["findings"]}


def test_scan_aws_and_its_snapshot_give_the_same_findings(aws: str, tmp_path: Path) -> None:
    _seed()
    saved = tmp_path / "estate.json"
    runner = CliRunner()
    live = runner.invoke(
        app,
        ["scan", "aws://", "--regions", "us-east-1,eu-west-1", "--format", "json", "--snapshot", str(saved)],
    )
    assert live.exit_code == 1, live.output  # high findings (a public queue, a leaked key)
    assert saved.is_file() and LEAKED not in saved.read_text(encoding="utf-8")
    offline = runner.invoke(app, ["scan", str(saved), "--format", "json"])
    assert offline.exit_code == 1, offline.output
    assert _findings(offline.stdout) == _findings(live.stdout)
    rules = {rule for rule, _, _ in _findings(live.stdout)}
    assert {"secrets.hardcoded-secret", "sqs.queue-policy-not-public", "live.root-mfa-enabled"} <= rules
    report = json.loads(live.stdout)
    assert report["account_id"] == "123456789012"


def test_live_options_without_a_live_target_are_a_usage_error(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text('resource "aws_s3_bucket" "b" {\n  bucket = "b"\n}\n', encoding="utf-8")
    result = CliRunner().invoke(app, ["scan", str(tmp_path), "--regions", "us-east-1"])
    assert result.exit_code == 2 and "aws://" in result.output
    bad = CliRunner().invoke(app, ["scan", "aws://", "--role-arn", "not-an-arn"])
    assert bad.exit_code == 2 and "--role-arn" in bad.output
