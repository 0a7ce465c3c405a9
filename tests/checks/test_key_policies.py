"""KMS key sharing and the `trusted_accounts` setting: a partner listed there may use a key, a stranger not."""

from __future__ import annotations

from pathlib import Path

import pytest

from ringfence.checks.key_policies import KMS_CROSS_ACCOUNT, KMS_GRANT_TRUSTED
from ringfence.engine.config import ConfigError, load_config
from ringfence.engine.runner import run_checks
from ringfence.model.findings import Status
from ringfence.sources import LoadOptions, load_estate

SHARED = """
provider "aws" { region = "eu-west-1" }
resource "aws_kms_key" "shared" {
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { AWS = ["arn:aws:iam::210987654321:root", "arn:aws:iam::111122223333:role/x"] }
      Action    = "kms:Decrypt"
      Resource  = "*"
    }]
  })
}
resource "aws_kms_key" "data" {}
resource "aws_kms_grant" "partner" {
  name              = "partner"
  key_id            = aws_kms_key.data.key_id
  grantee_principal = "arn:aws:iam::210987654321:role/reader"
  operations        = ["Decrypt"]
}
"""


def _run(tmp_path: Path, settings: str):  # type: ignore[no-untyped-def]
    (tmp_path / "main.tf").write_text(SHARED, encoding="utf-8")
    path = tmp_path / "ringfence.toml"
    path.write_text(settings, encoding="utf-8")
    config = load_config(str(path), [])
    estate = load_estate([str(tmp_path)], LoadOptions(account_id="123456789012"))
    return run_checks(estate, config=config, checks=[KMS_CROSS_ACCOUNT, KMS_GRANT_TRUSTED])


def test_without_trusted_accounts_every_other_account_is_a_finding(tmp_path: Path) -> None:
    result = _run(tmp_path, "")
    by_resource = {(f.meta.rule_id, f.resource): f for f in result.findings}
    key = by_resource[("kms.key-shared-only-with-trusted-accounts", "aws_kms_key.shared")]
    assert key.status is Status.FAIL
    assert "210987654321" in key.message and "111122223333" in key.message
    grant = by_resource[("kms.grant-only-to-trusted-accounts", "aws_kms_grant.partner")]
    assert grant.status is Status.FAIL


def test_a_trusted_account_is_not_a_finding_and_a_stranger_still_is(tmp_path: Path) -> None:
    result = _run(tmp_path, 'trusted_accounts = ["210987654321"]\n')
    findings = {(f.meta.rule_id, f.resource): f for f in result.findings}
    key = findings[("kms.key-shared-only-with-trusted-accounts", "aws_kms_key.shared")]
    assert key.status is Status.FAIL
    assert "111122223333" in key.message and "210987654321" not in key.message
    assert ("kms.grant-only-to-trusted-accounts", "aws_kms_grant.partner") not in findings


def test_trusted_accounts_must_be_account_ids(tmp_path: Path) -> None:
    path = tmp_path / "ringfence.toml"
    path.write_text('trusted_accounts = ["partner"]\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"trusted_accounts.*12-digit"):
        load_config(str(path), [])
