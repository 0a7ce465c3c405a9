"""iam.trust-policy-scoped: the severity of a service trust without a source condition follows the service."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from ringfence.checks.base import Severity, Status
from ringfence.engine.findings import make_fingerprint
from ringfence.engine.runner import run_checks
from ringfence.sources import load_estate

RULE = "iam.trust-policy-scoped"


def role(name: str, service: str, condition: str = "") -> str:
    return f"""
resource "aws_iam_role" "{name}" {{
  name = "{name}"
  assume_role_policy = jsonencode({{
    Version = "2012-10-17"
    Statement = [{{
      Effect    = "Allow"
      Action    = "sts:AssumeRole"
      Principal = {{ Service = "{service}" }}
      {condition}
    }}]
  }})
}}
"""


def findings(tmp_path: Path, *roles: str) -> tuple[dict[str, tuple[Status, Severity, str]], int]:
    """The check's findings by role address, and how many roles passed (passes are counted, not listed)."""
    root = tmp_path / "estate"
    root.mkdir(parents=True, exist_ok=True)
    body = 'provider "aws" { region = "eu-west-1" }\n' + "".join(roles)
    (root / "main.tf").write_text(body, encoding="utf-8")
    result = run_checks(load_estate([str(root)]))
    got = {f.resource: (f.status, f.severity, f.message) for f in result.findings if f.rule_id == RULE}
    return got, result.passes[RULE]


def test_each_service_trust_is_judged_by_what_it_exposes(tmp_path: Path) -> None:
    got, passed = findings(
        tmp_path,
        role("instance", "ec2.amazonaws.com"),
        role("monitoring", "monitoring.rds.amazonaws.com"),
        role("config", "config.amazonaws.com"),
        role(
            "config_pinned",
            "config.amazonaws.com",
            'Condition = { StringEquals = { "aws:SourceAccount" = "123456789012" } }',
        ),
        role("unlisted", "example-unlisted.amazonaws.com"),
    )
    # the EC2 role and the pinned Config role pass: no finding, counted as passes
    assert "aws_iam_role.instance" not in got and "aws_iam_role.config_pinned" not in got, got
    assert passed == 2, (passed, got)
    status, severity, message = got["aws_iam_role.monitoring"]
    assert status == Status.FAIL and severity in (Severity.LOW, Severity.MEDIUM), got
    assert "RDS Enhanced Monitoring" in message
    status, severity, message = got["aws_iam_role.config"]
    assert (status, severity) == (Status.FAIL, Severity.HIGH), got
    assert "trusts config.amazonaws.com without aws:SourceArn or aws:SourceAccount: Config" in message
    assert "confused deputy" in message
    status, severity, message = got["aws_iam_role.unlisted"]
    assert (status, severity) == (Status.FAIL, Severity.HIGH), got
    assert "not classified" in message


def test_a_role_with_several_problems_takes_the_highest_severity(tmp_path: Path) -> None:
    two = """
resource "aws_iam_role" "both" {
  name = "both"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      { Effect = "Allow", Action = "sts:AssumeRole",
        Principal = { Service = "vpc-flow-logs.amazonaws.com" } },
      { Effect = "Allow", Action = "sts:AssumeRole",
        Principal = { Service = "sns.amazonaws.com" } },
    ]
  })
}
"""
    low, _ = findings(tmp_path / "low", role("flow", "vpc-flow-logs.amazonaws.com"))
    assert low["aws_iam_role.flow"][:2] == (Status.FAIL, Severity.LOW), low
    both, _ = findings(tmp_path / "both", two)
    status, severity, message = both["aws_iam_role.both"]
    assert (status, severity) == (Status.FAIL, Severity.HIGH), both
    assert "vpc-flow-logs.amazonaws.com" in message and "sns.amazonaws.com" in message


def test_scan_json_reports_the_service_severity(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(
        'provider "aws" { region = "eu-west-1" }\n' + role("monitoring", "monitoring.rds.amazonaws.com"),
        encoding="utf-8",
    )
    done = subprocess.run(
        [sys.executable, "-m", "ringfence", "scan", str(tmp_path), "--no-cache", "--format", "json"],
        capture_output=True,
        text=True,
        check=False,
    )
    report = json.loads(done.stdout)
    rows = [f for f in report["findings"] if f["rule_id"] == RULE]
    assert [(f["status"], f["severity"]) for f in rows] == [("fail", "low")], rows
    assert "RDS Enhanced Monitoring" in rows[0]["message"]


def test_the_fingerprint_names_what_is_trusted_not_why(tmp_path: Path) -> None:
    root = tmp_path / "estate"
    root.mkdir()
    (root / "main.tf").write_text(
        'provider "aws" { region = "eu-west-1" }\n' + role("config", "config.amazonaws.com"), encoding="utf-8"
    )
    result = run_checks(load_estate([str(root)]))
    [finding] = [f for f in result.findings if f.rule_id == RULE]
    what = "trusts config.amazonaws.com without aws:SourceArn or aws:SourceAccount"
    # the reason in the message may be reworded without moving a baseline or a suppression
    assert finding.fingerprint == make_fingerprint(RULE, "aws_iam_role.config", what)
    assert finding.message.startswith(f"aws_iam_role.config {what}: ")


def test_a_service_running_this_accounts_jobs_is_low_not_high(tmp_path: Path) -> None:
    got, _passes = findings(
        tmp_path,
        role("states", "states.amazonaws.com"),
        role("glue", "glue.amazonaws.com"),
        role(
            "glue_pinned",
            "glue.amazonaws.com",
            'Condition = { StringEquals = { "aws:SourceAccount" = "123456789012" } }',
        ),
    )
    for name, service in (("states", "Step Functions"), ("glue", "Glue")):
        status, severity, message = got[f"aws_iam_role.{name}"]
        assert (status, severity) == (Status.FAIL, Severity.LOW)
        assert service in message and "not classified" not in message
    assert "aws_iam_role.glue_pinned" not in got


def test_the_finding_points_at_the_statement_that_decides_its_severity(tmp_path: Path) -> None:
    root = tmp_path / "estate"
    root.mkdir()
    (root / "main.tf").write_text(
        """resource "aws_iam_role" "both" {
  name = "both"
  assume_role_policy = <<-EOF
    {"Version": "2012-10-17", "Statement": [
      {"Effect": "Allow", "Action": "sts:AssumeRole",
       "Principal": {"Service": "vpc-flow-logs.amazonaws.com"}},
      {"Effect": "Allow", "Action": "sts:AssumeRole",
       "Principal": {"Service": "sns.amazonaws.com"}}
    ]}
  EOF
}
""",
        encoding="utf-8",
    )
    result = run_checks(load_estate([str(root)]))
    (finding,) = [f for f in result.findings if f.rule_id == RULE]
    assert finding.severity == Severity.HIGH
    assert finding.location.line == 7, finding.location
