"""Security Hub standards subscribed by their own resources (a case one fixture estate cannot hold next to
a failing account: a subscription covers the account it is made in)."""

from __future__ import annotations

from pathlib import Path

from ringfence.checks.detective_services import STANDARDS
from ringfence.engine.runner import run_checks
from ringfence.sources import load_estate

ESTATE = """
provider "aws" { region = "eu-west-1" }
resource "aws_securityhub_account" "main" { enable_default_standards = false }
resource "aws_securityhub_standards_subscription" "cis" {
  standards_arn = "arn:aws:securityhub:eu-west-1::standards/cis-aws-foundations-benchmark/v/5.0.0"
  depends_on    = [aws_securityhub_account.main]
}
"""


def test_a_subscription_resource_counts_as_a_subscribed_standard(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(ESTATE, encoding="utf-8")
    result = run_checks(load_estate([str(tmp_path)]), checks=[STANDARDS])
    assert result.findings == ()
    assert result.passes["securityhub.standards-subscribed"] == 1


def test_without_it_the_same_account_fails(tmp_path: Path) -> None:
    text = ESTATE.split('resource "aws_securityhub_standards_subscription"', maxsplit=1)[0]
    (tmp_path / "main.tf").write_text(text, encoding="utf-8")
    result = run_checks(load_estate([str(tmp_path)]), checks=[STANDARDS])
    assert [(f.resource, f.status.value) for f in result.findings] == [
        ("aws_securityhub_account.main", "fail")
    ]
