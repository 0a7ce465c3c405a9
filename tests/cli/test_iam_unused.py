"""`ringfence iam unused`: what a principal was granted against what CloudTrail shows it used."""

from __future__ import annotations

import json
from pathlib import Path

from tests.cli.test_scan_cli import ringfence
from tests.conftest import SHARED

LOGS = SHARED / "datasets" / "cloudtrail" / "stratus-red-team" / "aws.persistence.iam-create-admin-user.json"
ESTATE = """
provider "aws" { region = "us-east-1" }
resource "aws_iam_user" "christophe" { name = "christophe" }
resource "aws_iam_user_policy" "christophe" {
  user = aws_iam_user.christophe.name
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = ["iam:*", "s3:GetObject"], Resource = "*" }]
  })
}
"""


def test_unused_permissions_and_least_privilege_policy(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(ESTATE, encoding="utf-8")
    done = ringfence(
        "iam",
        "unused",
        str(tmp_path),
        "--logs",
        str(LOGS),
        "--account-id",
        "229654561268",
        "--format",
        "json",
    )
    assert done.returncode == 0, done.stderr
    entry = next(
        p for p in json.loads(done.stdout)["principals"] if p["principal"] == "aws_iam_user.christophe"
    )
    assert set(entry["used"]) >= {"iam:CreateUser", "iam:AttachUserPolicy", "iam:CreateAccessKey"}
    assert entry["unused"] == ["s3:GetObject"]  # iam:* was exercised, the S3 grant never was
    actions = {
        a
        for s in entry["policy"]["Statement"]
        for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])
    }
    assert actions == set(entry["used"])


def test_unused_needs_readable_logs(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(ESTATE, encoding="utf-8")
    done = ringfence("iam", "unused", str(tmp_path), "--logs", str(tmp_path / "missing"))
    assert done.returncode == 2 and "no such file" in done.stderr


ACCOUNT = "111122223333"
SCOPED = """
provider "aws" { region = "us-east-1" }
resource "aws_iam_user" "ops" { name = "ops" }
resource "aws_iam_user_policy" "ops" {
  user = aws_iam_user.ops.name
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = ["s3:Get*", "cloudtrail:DescribeTrails"], Resource = "*" }]
  })
}
"""


def _event(name: str, source: str, params: dict, resources: list | None = None) -> dict:  # type: ignore[type-arg]
    event = {
        "eventVersion": "1.08",
        "eventTime": "2026-11-02T10:00:00Z",
        "eventSource": source,
        "eventName": name,
        "awsRegion": "us-east-1",
        "sourceIPAddress": "198.51.100.7",
        "userIdentity": {
            "type": "IAMUser",
            "arn": f"arn:aws:iam::{ACCOUNT}:user/ops",
            "accountId": ACCOUNT,
            "userName": "ops",
        },
        "requestParameters": params,
        "recipientAccountId": ACCOUNT,
        "eventID": f"id-{name}",
    }
    if resources is not None:
        event["resources"] = resources
    return event


def test_the_proposed_policy_holds_only_what_was_granted_on_what_was_used(tmp_path: Path) -> None:
    """An attacker's StopLogging in the logs is reported, never proposed; S3 reads are scoped to the
    objects the events name rather than `*`."""
    (tmp_path / "main.tf").write_text(SCOPED, encoding="utf-8")
    obj = "arn:aws:s3:::acme-reports/2026/q3.csv"
    trail = {"Records": [
        _event("GetObject", "s3.amazonaws.com", {"bucketName": "acme-reports", "key": "2026/q3.csv"},
               [{"type": "AWS::S3::Object", "ARN": obj}]),
        _event("GetBucketLocation", "s3.amazonaws.com", {"bucketName": "acme-reports"}),
        _event("StopLogging", "cloudtrail.amazonaws.com", {"name": "main"}),
    ]}  # fmt: skip
    logs = tmp_path / "trail.json"
    logs.write_text(json.dumps(trail), encoding="utf-8")
    done = ringfence("iam", "unused", str(tmp_path), "--logs", str(logs), "--account-id", ACCOUNT,
                     "--format", "json")  # fmt: skip
    assert done.returncode == 0, done.stderr
    entry = next(p for p in json.loads(done.stdout)["principals"] if p["principal"] == "aws_iam_user.ops")
    assert entry["not_granted"] == ["cloudtrail:StopLogging"]
    assert entry["unused"] == ["cloudtrail:DescribeTrails"]
    statements = entry["policy"]["Statement"]
    proposed = {
        a for s in statements for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])
    }
    assert proposed == {"s3:GetObject", "s3:GetBucketLocation"}
    resources = {
        s["Resource"] if isinstance(s["Resource"], str) else tuple(s["Resource"]) for s in statements
    }
    assert resources == {obj, "arn:aws:s3:::acme-reports"}

    text = ringfence("iam", "unused", str(tmp_path), "--logs", str(logs), "--account-id", ACCOUNT)
    assert "used but not granted: cloudtrail:StopLogging" in text.stdout
    assert '"cloudtrail:StopLogging"' not in text.stdout
