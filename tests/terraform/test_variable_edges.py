"""Variables at the edges: a count or for_each over a variable with no value, a variable file that does
not parse, and a scan of one file of a folder."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from ringfence.checks.estate_controls import CHECKS as ESTATE_LEVEL
from ringfence.sources import load_estate
from tests.conftest import ROOT


def _write(base: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        (base / rel).parent.mkdir(parents=True, exist_ok=True)
        (base / rel).write_text(text, encoding="utf-8")
    return base


def _scan(path: Path, *args: str) -> tuple[int, dict[str, Any]]:
    done = subprocess.run(
        [sys.executable, "-m", "ringfence", "scan", str(path), "--format", "json", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert done.stdout, done.stderr
    report = json.loads(done.stdout)
    # What is read, not what the estate lacks: drop the findings about controls it does not contain.
    absent = {c.rule_id for c in ESTATE_LEVEL}
    report["findings"] = [f for f in report["findings"] if f["rule_id"] not in absent]
    return done.returncode, report


# -- one file of a folder ----------------------------------------------------------------------------------

ACCESS_KEY = "AKIAIOSFODNN7EXAMPLE"
FOLDER = {
    "main.tf": (
        'resource "aws_s3_bucket" "logs" {\n  bucket = var.name\n}\n\n'
        'module "net" {\n  source = "./modules/net"\n}\n'
    ),
    "variables.tf": 'variable "name" {\n  default = "logs"\n}\n',
    "providers.tf": (
        'provider "aws" {\n  region     = "eu-west-1"\n'
        f'  access_key = "{ACCESS_KEY}"\n'
        '  secret_key = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"\n}\n\n'
        'resource "aws_s3_bucket" "other" {\n  bucket = "other"\n}\n'
    ),
    "broken.tf": 'resource "aws_s3_bucket" "broken" {\n  bucket = "x"\n',
    "modules/net/main.tf": 'resource "aws_vpc" "v" {\n  cidr_block = "10.0.0.0/16"\n}\n',
    "nested/main.tf": 'resource "aws_s3_bucket" "nested" {\n  bucket = "nested"\n}\n',
}


def test_a_file_scan_reports_that_file_and_the_modules_it_calls_only(tmp_path: Path) -> None:
    folder = _write(tmp_path, FOLDER)
    code, report = _scan(folder / "main.tf", "--fail-on", "none", "--fail-on-unknown")
    assert code == 0  # the syntax error of broken.tf is not this scan's
    assert report["errors"] == []
    assert report["summary"]["resources"] == 2  # aws_s3_bucket.logs and module.net.aws_vpc.v
    resources = {f["resource"] for f in report["findings"]}
    assert resources == {"aws_s3_bucket.logs", "module.net.aws_vpc.v"}
    assert {f["location"]["path"] for f in report["findings"]} == {"main.tf", "modules/net/main.tf"}
    # The provider block of providers.tf (its hard-coded key) is not this file's.
    assert not [f for f in report["findings"] if f["rule_id"] == "secrets.hardcoded-secret"]
    # The sibling files were evaluated all the same: the variable's default, the provider's region.
    estate = load_estate([str(folder / "main.tf")])
    assert estate.by_address["aws_s3_bucket.logs"].attributes["bucket"] == "logs"
    assert estate.region == "eu-west-1"
    assert [s.address for s in estate.settings if s.kind.startswith("provider")] == []


def test_a_file_scan_of_the_sibling_reports_its_own_settings_and_errors(tmp_path: Path) -> None:
    folder = _write(tmp_path, FOLDER)
    _code, report = _scan(folder / "providers.tf", "--fail-on", "none")
    secrets = [f for f in report["findings"] if f["rule_id"] == "secrets.hardcoded-secret"]
    assert secrets and {f["location"]["path"] for f in secrets} == {"providers.tf"}
    assert ACCESS_KEY not in json.dumps(report)
    assert {f["resource"] for f in report["findings"]} == {"provider.aws", "aws_s3_bucket.other"}
    assert report["errors"] == []

    code, report = _scan(folder / "broken.tf")
    assert code == 2  # nothing of the file could be read
    assert [(e["path"], e["line"]) for e in report["errors"]] == [("broken.tf", 1)]
    assert report["findings"] == []


def test_a_file_scan_does_not_take_in_a_nested_root_with_a_file_of_the_same_name(tmp_path: Path) -> None:
    folder = _write(tmp_path, FOLDER)
    _code, report = _scan(folder / "main.tf", "--fail-on", "none")
    assert not any("nested" in f["resource"] for f in report["findings"])
    _code, report = _scan(folder / "nested" / "main.tf", "--fail-on", "none")
    assert {f["resource"] for f in report["findings"]} == {"aws_s3_bucket.nested"}
