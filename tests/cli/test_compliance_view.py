"""`ringfence scan --compliance`: every control of the framework with its status, in text, json and html."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from importlib.resources import files
from pathlib import Path

import jsonschema
import pytest

from ringfence.checks.compliance import framework
from tests.conftest import ROOT

KEYS = """
resource "aws_kms_key" "rotating" {
  description             = "orders"
  enable_key_rotation     = true
  deletion_window_in_days = 30
}
"""
UNDECIDED_KEY = """
variable "rotate" {
  type = bool
}

resource "aws_kms_key" "maybe" {
  description             = "reports"
  enable_key_rotation     = var.rotate
  deletion_window_in_days = 30
}
"""
NOT_ROTATING_KEY = """
resource "aws_kms_key" "still" {
  description             = "archive"
  enable_key_rotation     = false
  deletion_window_in_days = 30
}
"""
PLAIN_FILE_SYSTEM = """
resource "aws_efs_file_system" "shared" {
  encrypted = false
}
"""


def ringfence(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ringfence", *args], capture_output=True, text=True, cwd=ROOT, check=False
    )


def estate(tmp_path: Path, *blocks: str) -> str:
    (tmp_path / "main.tf").write_text("\n".join(blocks), encoding="utf-8")
    return str(tmp_path)


def controls(path: str, name: str = "cis-aws-5.0", *extra: str) -> dict[str, dict]:  # type: ignore[type-arg]
    done = ringfence("scan", path, "--no-cache", "--format", "json", "--compliance", name, *extra)
    assert done.returncode in (0, 1), done.stderr
    report = json.loads(done.stdout)
    schema = json.loads(files("ringfence.reports").joinpath("schemas/scan.schema.json").read_text())
    jsonschema.validate(report, schema)
    return {c["id"]: c for c in report["compliance"]["controls"]}


def text_status(path: str, control: str) -> str:
    done = ringfence("scan", path, "--no-cache", "--compliance", "cis-aws-5.0")
    assert done.returncode in (0, 1), done.stderr
    row = next(line for line in done.stdout.splitlines() if re.match(rf"│ {re.escape(control)} +│", line))
    return row.split("│")[2].strip()


def html_status(path: str, control: str) -> str:
    done = ringfence("scan", path, "--no-cache", "--format", "html", "--compliance", "cis-aws-5.0")
    assert done.returncode in (0, 1), done.stderr
    row = re.search(rf'<tr id="control-{re.escape(control)}">(.*?)</tr>', done.stdout)
    assert row is not None, control
    return re.findall(r"<td[^>]*>(.*?)</td>", row.group(1))[1]


@pytest.fixture(scope="module")
def mixed(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A key that rotates and a file system that is not encrypted; no database, no trail."""
    return estate(tmp_path_factory.mktemp("mixed"), KEYS, PLAIN_FILE_SYSTEM)


def test_every_control_of_the_framework_is_listed(mixed: str) -> None:
    for name in ("cis-aws-5.0", "fsbp"):
        shown = controls(mixed, name)
        assert list(shown) == [c.id for c in framework(name).controls]


def test_statuses_in_json(mixed: str) -> None:
    shown = controls(mixed)
    assert shown["3.6"]["status"] == "pass"  # key rotation: the one key rotates
    assert shown["3.6"]["checks"] == [
        {"rule_id": "kms.key-rotation-enabled", "passed": 1, "failed": 0, "unknown": 0}
    ]
    assert shown["2.3.1"]["status"] == "fail"  # EFS encryption
    assert shown["2.3.1"]["checks"][0]["failed"] == 1
    assert shown["2.2.1"]["status"] == "not_applicable"  # RDS encryption: no database was read
    assert shown["1.4"]["status"] == "not_decidable"  # root MFA: only the live account says
    assert shown["1.4"]["decidable"] == "live"
    assert shown["3.8"]["status"] == "unknown"  # S3 data events: no check decides it
    assert shown["3.8"]["checks"] == []
    fsbp = controls(mixed, "fsbp")
    assert fsbp["KMS.3"]["status"] == "pass"  # a 30-day deletion window
    assert fsbp["EFS.1"]["status"] == "fail"


def test_statuses_in_text_and_html(mixed: str) -> None:
    for control, status in (
        ("3.6", "pass"),
        ("2.3.1", "fail"),
        ("2.2.1", "not applicable"),
        ("1.4", "not decidable"),
    ):
        assert text_status(mixed, control) == status, control
        assert html_status(mixed, control) == status, control


def test_an_unknown_result_makes_the_control_unknown_never_pass(tmp_path: Path) -> None:
    path = estate(tmp_path, KEYS, UNDECIDED_KEY)
    shown = controls(path)
    assert shown["3.6"]["status"] == "unknown"
    assert shown["3.6"]["checks"][0]["passed"] == 1 and shown["3.6"]["checks"][0]["unknown"] == 1
    assert text_status(path, "3.6") == "unknown"
    assert html_status(path, "3.6") == "unknown"


def test_a_failure_makes_the_control_fail_whatever_else_is_unknown(tmp_path: Path) -> None:
    path = estate(tmp_path, KEYS, UNDECIDED_KEY, NOT_ROTATING_KEY)
    assert controls(path)["3.6"]["status"] == "fail"
    assert text_status(path, "3.6") == "fail"
    assert html_status(path, "3.6") == "fail"


def test_a_rule_the_configuration_skips_leaves_its_controls_unknown(tmp_path: Path) -> None:
    path = estate(tmp_path, KEYS)
    (tmp_path / ".ringfence.toml").write_text('skip = ["kms.key-rotation-enabled"]\n', encoding="utf-8")
    shown = controls(path, "cis-aws-5.0", "--config", str(tmp_path / ".ringfence.toml"))
    assert shown["3.6"]["status"] == "unknown"
    assert shown["3.6"]["checks"] == [
        {"rule_id": "kms.key-rotation-enabled", "passed": 0, "failed": 0, "unknown": 0, "ran": False}
    ]


def test_the_flag_changes_neither_the_exit_code_nor_the_rest_of_the_report(mixed: str) -> None:
    plain = ringfence("scan", mixed, "--no-cache", "--format", "json")
    viewed = ringfence("scan", mixed, "--no-cache", "--format", "json", "--compliance", "fsbp")
    assert plain.returncode == viewed.returncode == 0  # a medium failure: below the default --fail-on high
    assert controls(mixed)["2.3.1"]["status"] == "fail"
    report = json.loads(viewed.stdout)
    assert "compliance" not in json.loads(plain.stdout)
    del report["compliance"]
    assert report == json.loads(plain.stdout)


def test_an_unknown_framework_is_a_usage_error(mixed: str) -> None:
    done = ringfence("scan", mixed, "--compliance", "pci")
    assert done.returncode == 2
    assert "--compliance 'pci' is not a framework (choose from cis-aws-5.0, fsbp)" in done.stderr
    assert "Traceback" not in done.stderr
