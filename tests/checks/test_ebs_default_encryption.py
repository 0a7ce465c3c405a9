"""EBS encryption by default covers volumes that do not say `encrypted` (a region-wide setting, so it
cannot share a fixture folder with failing cases)."""

from __future__ import annotations

from pathlib import Path

from ringfence.checks.volumes import EBS_ENCRYPTED
from ringfence.engine.runner import run_checks
from ringfence.sources import load_estate

ESTATE = """
provider "aws" { region = "eu-west-1" }
resource "aws_ebs_encryption_by_default" "on" { enabled = true }
resource "aws_ebs_volume" "data" {
  availability_zone = "eu-west-1a"
  size              = 20
}
resource "aws_instance" "app" {
  ami           = "ami-0abcdef1234567890"
  instance_type = "t3.micro"
}
"""


def test_default_encryption_covers_volumes_and_root_devices(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(ESTATE, encoding="utf-8")
    result = run_checks(load_estate([str(tmp_path)]), checks=[EBS_ENCRYPTED])
    assert result.findings == ()
    assert result.passes["ebs.volume-encrypted"] == 2


def test_without_default_encryption_the_same_estate_fails(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(ESTATE.replace("enabled = true", "enabled = false"), encoding="utf-8")
    result = run_checks(load_estate([str(tmp_path)]), checks=[EBS_ENCRYPTED])
    assert sorted(f.resource for f in result.findings) == ["aws_ebs_volume.data", "aws_instance.app"]
