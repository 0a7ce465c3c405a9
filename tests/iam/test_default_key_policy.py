"""A KMS key without a key policy gets AWS's default one: the account may use it, so IAM policies decide
(https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html)."""

from __future__ import annotations

from pathlib import Path

from ringfence.iam import Engine
from ringfence.sources import LoadOptions, load_estate

ESTATE = """
provider "aws" { region = "eu-west-1" }
resource "aws_kms_key" "open" {}
resource "aws_kms_key" "locked" {
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = "kms:*", Resource = "*",
      Principal = { AWS = "arn:aws:iam::111122223333:role/key-admin" } }]
  })
}
resource "aws_iam_role" "app" {
  name = "app"
  assume_role_policy = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow",
    Action = "sts:AssumeRole", Principal = { Service = "ec2.amazonaws.com" } }] })
  inline_policy {
    name = "kms"
    policy = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow", Action = "kms:Decrypt",
      Resource = "*" }] })
  }
}
"""


def test_default_key_policy_lets_iam_decide(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(ESTATE, encoding="utf-8")
    estate = load_estate([str(tmp_path)], LoadOptions(account_id="111122223333"))
    engine = Engine(estate)
    role = estate.get("aws_iam_role.app")
    open_key, locked_key = estate.get("aws_kms_key.open"), estate.get("aws_kms_key.locked")
    assert role is not None and open_key is not None and locked_key is not None
    assert engine.can(role, "kms:Decrypt", open_key.arn).decision == "allow"
    # A key policy that names only another role: the app's IAM policy is not enough.
    assert engine.can(role, "kms:Decrypt", locked_key.arn).decision == "implicit_deny"
