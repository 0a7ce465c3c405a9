"""The shared triage of one attribute (known and good, known and bad, not known) on real Terraform."""

from __future__ import annotations

from pathlib import Path

from ringfence.checks.base import Status, flag, setting
from ringfence.model import Estate, as_list
from ringfence.sources import load_estate

TERRAFORM = """
variable "on" {
  type = bool
}
variable "key" {
  type = string
}
resource "aws_guardduty_detector" "off" {
  enable = false
}
resource "aws_guardduty_detector" "absent" {}
resource "aws_guardduty_detector" "null" {
  enable = null
}
resource "aws_elasticsearch_domain" "nested" {
  domain_name = "d"
  encrypt_at_rest {
    enabled = true
  }
}
resource "aws_guardduty_detector" "unset" {
  enable = var.on
}
resource "aws_sns_topic" "keyed" {
  kms_master_key_id = "alias/aws/sns"
}
resource "aws_sns_topic" "plain" {}
resource "aws_sns_topic" "unset" {
  kms_master_key_id = var.key
}
"""


def _estate(tmp_path: Path) -> Estate:
    (tmp_path / "main.tf").write_text(TERRAFORM, encoding="utf-8")
    return load_estate([str(tmp_path)])


def test_flag_and_setting_triage(tmp_path: Path) -> None:
    estate = _estate(tmp_path)

    def detector(name: str) -> Status:
        resource = estate.get(f"aws_guardduty_detector.{name}")
        assert resource is not None
        return flag(resource, "enable", default=True, fail="suspended").status

    def topic(name: str) -> Status:
        resource = estate.get(f"aws_sns_topic.{name}")
        assert resource is not None
        return setting(resource, "kms_master_key_id", fail="no key").status

    assert detector("off") is Status.FAIL
    assert detector("absent") is Status.PASS  # the provider's default is on
    assert detector("null") is Status.PASS  # null is Terraform's way of leaving an argument unset
    assert detector("unset") is Status.UNKNOWN  # a variable without a value is not a pass
    assert topic("keyed") is Status.PASS
    assert topic("plain") is Status.FAIL
    assert topic("unset") is Status.UNKNOWN


def test_flag_that_must_be_off_and_the_unknown_message(tmp_path: Path) -> None:
    estate = _estate(tmp_path)
    off = estate.get("aws_guardduty_detector.off")
    unset = estate.get("aws_guardduty_detector.unset")
    assert off is not None and unset is not None
    assert flag(off, "enable", default=True, want=False, fail="on").status is Status.PASS
    result = flag(unset, "enable", default=True, fail="suspended")
    assert result.message.startswith("enable is not known: ")


def test_flag_read_from_a_nested_block(tmp_path: Path) -> None:
    domain = _estate(tmp_path).get("aws_elasticsearch_domain.nested")
    assert domain is not None
    [block] = as_list(domain.get("encrypt_at_rest"))
    assert flag(domain, "enabled", default=False, fail="off", block=block).status is Status.PASS
    assert flag(domain, "enabled", default=False, fail="off", block="not a block").status is Status.FAIL
