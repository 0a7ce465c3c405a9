"""An estate without an IAM account password policy: unknown ("not in this estate", info) for part of an
account, fail for an account's whole configuration; silent when the policy is there."""

from __future__ import annotations

from pathlib import Path

from ringfence.checks.estate_controls import NO_PASSWORD_POLICY
from ringfence.engine.config import load_config
from ringfence.engine.runner import run_checks
from ringfence.model import Estate
from ringfence.model.findings import Severity, Status
from ringfence.sources import load_estate

WITHOUT = """
provider "aws" { region = "eu-west-1" }
resource "aws_iam_user" "alice" { name = "alice" }
"""

WITH = """
provider "aws" { region = "eu-west-1" }
resource "aws_iam_account_password_policy" "strict" {
  minimum_password_length   = 14
  password_reuse_prevention = 24
}
"""


def _estate(tmp_path: Path, text: str) -> Estate:
    (tmp_path / "main.tf").write_text(text, encoding="utf-8")
    return load_estate([str(tmp_path)])


def _account_config(tmp_path: Path):  # type: ignore[no-untyped-def]
    path = tmp_path / "ringfence.toml"
    path.write_text('estate_scope = "account"\n', encoding="utf-8")
    return load_config(str(path), [])


def test_part_of_an_account_without_a_policy_is_unknown_at_info(tmp_path: Path) -> None:
    result = run_checks(_estate(tmp_path, WITHOUT), checks=(NO_PASSWORD_POLICY,))
    assert [(f.status, f.severity) for f in result.findings] == [(Status.UNKNOWN, Severity.INFO)]
    assert "not in this estate" in result.findings[0].message


def test_an_account_without_a_policy_fails(tmp_path: Path) -> None:
    result = run_checks(
        _estate(tmp_path, WITHOUT), config=_account_config(tmp_path), checks=(NO_PASSWORD_POLICY,)
    )
    assert [(f.status, f.severity) for f in result.findings] == [(Status.FAIL, Severity.MEDIUM)]


def test_an_account_with_a_policy_has_no_finding(tmp_path: Path) -> None:
    result = run_checks(
        _estate(tmp_path, WITH), config=_account_config(tmp_path), checks=(NO_PASSWORD_POLICY,)
    )
    assert result.findings == ()
