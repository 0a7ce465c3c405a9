"""Monitoring controls an estate does not contain: unknown ("not in this estate", info) for part of an
account, fail for an account's whole configuration (`estate_scope = "account"`)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from ringfence.checks.estate_controls import CHECKS
from ringfence.engine.config import ConfigError, load_config
from ringfence.engine.runner import exit_code, run_checks
from ringfence.model import Estate, Provenance, Resource
from ringfence.model.findings import Severity, Status
from ringfence.sources import load_estate

BARE = """
provider "aws" { region = "eu-west-1" }
resource "aws_s3_bucket" "data" { bucket = "data-bucket" }
"""

COMPLETE = """
provider "aws" { region = "eu-west-1" }
resource "aws_s3_bucket" "trail" { bucket = "trail-bucket" }
resource "aws_cloudtrail" "main" {
  name           = "main"
  s3_bucket_name = aws_s3_bucket.trail.id
}
resource "aws_guardduty_detector" "main" {}
resource "aws_securityhub_account" "main" {}
resource "aws_iam_role" "config" {
  name               = "config"
  assume_role_policy = "{}"
}
resource "aws_config_configuration_recorder" "main" { role_arn = aws_iam_role.config.arn }
resource "aws_iam_account_password_policy" "main" { minimum_password_length = 14 }
resource "aws_accessanalyzer_analyzer" "main" { analyzer_name = "main" }
resource "aws_iam_role" "support" {
  name               = "support"
  assume_role_policy = "{}"
}
resource "aws_iam_role_policy_attachment" "support" {
  role       = aws_iam_role.support.name
  policy_arn = "arn:aws:iam::aws:policy/AWSSupportAccess"
}
"""

RULES = {
    "monitoring.no-trail-in-estate",
    "monitoring.no-guardduty-in-estate",
    "monitoring.no-securityhub-in-estate",
    "monitoring.no-config-recorder-in-estate",
    "iam.no-password-policy-in-estate",
    "iam.no-access-analyzer-in-estate",
    "iam.no-support-role-in-estate",
}


def _estate(tmp_path: Path, text: str) -> Estate:
    (tmp_path / "main.tf").write_text(text, encoding="utf-8")
    return load_estate([str(tmp_path)])


def _config(tmp_path: Path, body: str):  # type: ignore[no-untyped-def]
    path = tmp_path / "ringfence.toml"
    path.write_text(body, encoding="utf-8")
    return load_config(str(path), [])


def test_a_partial_estate_without_the_controls_says_so_at_info(tmp_path: Path) -> None:
    result = run_checks(_estate(tmp_path, BARE), checks=CHECKS)
    assert {f.meta.rule_id for f in result.findings} == RULES
    assert all(f.status is Status.UNKNOWN for f in result.findings)
    assert all(f.severity is Severity.INFO for f in result.findings)
    assert all("not in this estate" in f.message for f in result.findings)
    assert {f.resource for f in result.findings} == {result.estate.account_id}
    # info is below every --fail-on threshold: a module repository stays green with --fail-on-unknown
    assert exit_code(result, "low", fail_on_unknown=True) == 0


def test_an_account_estate_without_the_controls_fails(tmp_path: Path) -> None:
    config = _config(tmp_path, 'estate_scope = "account"\n')
    assert config.estate_scope == "account"
    result = run_checks(_estate(tmp_path, BARE), config=config, checks=CHECKS)
    assert {f.meta.rule_id for f in result.findings} == RULES
    assert all(f.status is Status.FAIL for f in result.findings)
    severities = {f.meta.rule_id: f.severity for f in result.findings}
    assert severities["monitoring.no-trail-in-estate"] is Severity.HIGH
    assert exit_code(result, "high", fail_on_unknown=False) == 1


def test_an_estate_with_the_controls_has_no_finding(tmp_path: Path) -> None:
    config = _config(tmp_path, 'estate_scope = "account"\n')
    result = run_checks(_estate(tmp_path, COMPLETE), config=config, checks=CHECKS)
    assert result.findings == ()
    assert sum(result.passes.values()) == 0  # nothing to say when the control is there


def test_a_control_whose_blocks_were_not_evaluated_is_unknown_even_for_an_account(tmp_path: Path) -> None:
    estate = _estate(tmp_path, BARE)
    trail = Resource(
        "aws_cloudtrail.many",
        "aws_cloudtrail",
        {},
        Provenance("terraform", "main.tf", 9),
        unevaluated="count of aws_cloudtrail.many analysed as unknown",
    )
    estate = dataclasses.replace(estate, resources=(*estate.resources, trail))
    config = _config(tmp_path, 'estate_scope = "account"\n')
    result = run_checks(estate, config=config, checks=CHECKS[:1])
    assert [(f.status, f.resource) for f in result.findings] == [(Status.UNKNOWN, estate.account_id)]
    assert "aws_cloudtrail.many" in result.findings[0].message


def test_estate_scope_is_validated(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="estate_scope must be one of partial, account"):
        _config(tmp_path, 'estate_scope = "organisation"\n')
    assert _config(tmp_path, 'account_id = "111122223333"\n').estate_scope == "partial"


def test_a_support_role_whose_policy_is_not_known_is_unknown(tmp_path: Path) -> None:
    from ringfence.checks.estate_controls import NO_SUPPORT_ROLE

    text = """
provider "aws" { region = "eu-west-1" }
variable "policy_arn" { type = string }
resource "aws_iam_role" "support" {
  name               = "support"
  assume_role_policy = "{}"
}
resource "aws_iam_role_policy_attachment" "support" {
  role       = aws_iam_role.support.name
  policy_arn = var.policy_arn
}
"""
    config = _config(tmp_path, 'estate_scope = "account"\n')
    result = run_checks(_estate(tmp_path, text), config=config, checks=[NO_SUPPORT_ROLE])
    assert [f.status for f in result.findings] == [Status.UNKNOWN]
    assert "aws_iam_role_policy_attachment.support" in result.findings[0].message
