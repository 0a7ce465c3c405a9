"""Secret rotation when a rotation's secret is not known: no secret of the estate is known to be unrotated."""

from __future__ import annotations

from pathlib import Path

from ringfence.checks.data_protection import SECRET_ROTATION
from ringfence.engine.runner import run_checks
from ringfence.model.findings import Status
from ringfence.sources import load_estate

ELSEWHERE = """
provider "aws" { region = "eu-west-1" }
variable "secret_id" { type = string }
resource "aws_secretsmanager_secret" "token" { name = "api-token" }
resource "aws_secretsmanager_secret_rotation" "some" {
  secret_id           = var.secret_id
  rotation_lambda_arn = "arn:aws:lambda:eu-west-1:123456789012:function:rotate"
  rotation_rules {
    automatically_after_days = 30
  }
}
"""


def test_a_rotation_of_an_unknown_secret_leaves_unrotated_secrets_unknown(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(ELSEWHERE, encoding="utf-8")
    result = run_checks(load_estate([str(tmp_path)]), checks=[SECRET_ROTATION])
    findings = {f.resource: f for f in result.findings}
    token = findings["aws_secretsmanager_secret.token"]
    assert token.status is Status.UNKNOWN
    assert "aws_secretsmanager_secret_rotation.some" in token.message
