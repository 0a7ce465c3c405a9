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
