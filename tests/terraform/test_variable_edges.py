"""Variables at the edges: a count or for_each over a variable with no value, a variable file that does
not parse, a scan of one file of a folder, and values from TF_VAR_ environment variables."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from ringfence.checks.estate_controls import CHECKS as ESTATE_LEVEL
from ringfence.model import Unknown
from ringfence.sources import LoadOptions, load_estate
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


# -- count and for_each over a variable with no value -------------------------------------------------------

EXPANSIONS = {
    "main.tf": (
        'variable "buckets" {}\n'  # 1
        'variable "n" {}\n'  # 2
        'resource "aws_s3_bucket" "b" {\n'  # 3
        "  for_each = var.buckets\n"
        "  bucket   = each.key\n"
        "}\n"
        'resource "aws_s3_bucket" "c" {\n'  # 7
        "  count  = var.n\n"
        '  bucket = "c-${count.index}"\n'
        "}\n"
        'module "sites" {\n'  # 11
        '  source   = "./modules/site"\n'
        "  for_each = var.buckets\n"
        "  names    = { one = 1 }\n"
        "}\n"
        'module "given" {\n'  # 16
        '  source = "./modules/site"\n'
        "  names  = { alpha = 1, beta = 2 }\n"
        "}\n"
        'module "chained" {\n'  # 20
        '  source = "./modules/site"\n'
        "  names  = var.buckets\n"
        "}\n"
    ),
    "modules/site/main.tf": (
        'variable "names" {}\n'
        'resource "aws_s3_bucket" "site" {\n'  # 2
        "  for_each = var.names\n"
        '  bucket   = "site-${each.key}"\n'
        "}\n"
    ),
}
NO_VALUE = (
    "which has no value (no default, no tfvars, no --var-file, no TF_VAR_ environment variable); "
    "what it creates is unknown"
)


def test_count_and_for_each_over_a_variable_with_no_value_are_unknown_at_their_block(tmp_path: Path) -> None:
    folder = _write(tmp_path, EXPANSIONS)
    estate = load_estate([str(folder)])
    assert [(e.path, e.line, e.message, e.undecided) for e in estate.errors] == [
        ("main.tf", 3, f"aws_s3_bucket.b: for_each over var.buckets, {NO_VALUE}", True),
        ("main.tf", 7, f"aws_s3_bucket.c: count over var.n, {NO_VALUE}", True),
        ("main.tf", 11, f"module.sites: for_each over var.buckets, {NO_VALUE}", True),
        (
            "modules/site/main.tf",
            2,
            f"module.chained.aws_s3_bucket.site: for_each over var.names, from var.buckets, {NO_VALUE}",
            True,
        ),
    ]
    # A module input its caller gives is known: the module's resources are there, without an entry.
    given = sorted(r.address for r in estate.resources if r.address.startswith("module.given."))
    assert given == ['module.given.aws_s3_bucket.site["alpha"]', 'module.given.aws_s3_bucket.site["beta"]']

    code, report = _scan(folder, "--fail-on", "critical", "--fail-on-unknown")
    assert code == 1
    entry = next(e for e in report["errors"] if e["line"] == 3)
    assert entry == {
        "path": "main.tf",
        "line": 3,
        "message": f"aws_s3_bucket.b: for_each over var.buckets, {NO_VALUE}",
        "status": "unknown",
    }
    code, _report = _scan(folder, "--fail-on", "critical")
    assert code == 0  # unknown only fails with --fail-on-unknown


def test_the_same_expansions_with_the_variables_given_are_evaluated(tmp_path: Path) -> None:
    folder = _write(tmp_path, {**EXPANSIONS, "terraform.tfvars": "buckets = { red = 1, blue = 2 }\nn = 2\n"})
    estate = load_estate([str(folder)])
    assert estate.errors == ()
    assert sorted(r.address for r in estate.resources if not r.address.startswith("module.")) == [
        'aws_s3_bucket.b["blue"]',
        'aws_s3_bucket.b["red"]',
        "aws_s3_bucket.c[0]",
        "aws_s3_bucket.c[1]",
    ]
    assert sorted(r.address for r in estate.resources if r.address.startswith("module.chained.")) == [
        'module.chained.aws_s3_bucket.site["blue"]',
        'module.chained.aws_s3_bucket.site["red"]',
    ]
    _code, report = _scan(folder, "--fail-on", "none")
    assert report["errors"] == []
    tls = {f["resource"]: f["status"] for f in report["findings"] if f["rule_id"] == "s3.bucket-requires-tls"}
    assert tls['aws_s3_bucket.b["red"]'] == "fail"  # no bucket policy at all: a definite answer
    assert tls['module.sites["red"].aws_s3_bucket.site["one"]'] == "fail"


def test_a_variable_set_by_a_var_file_given_on_the_command_line_is_known(tmp_path: Path) -> None:
    folder = _write(tmp_path / "root", {"main.tf": EXPANSIONS["main.tf"].split('module "sites"')[0]})
    _write(tmp_path, {"ci/prod.tfvars": "buckets = { a = 1 }\nn = 1\n"})
    estate = load_estate([str(folder)], LoadOptions(var_files=(str(tmp_path / "ci" / "prod.tfvars"),)))
    assert estate.errors == ()
    assert sorted(r.address for r in estate.resources) == ['aws_s3_bucket.b["a"]', "aws_s3_bucket.c[0]"]


# -- a variable file that does not parse --------------------------------------------------------------------

ACLS = (
    'variable "public" {\n  type    = bool\n  default = false\n}\n\n'
    'resource "aws_s3_bucket" "site" {\n  bucket = "site-bucket"\n}\n\n'
    'resource "aws_s3_bucket_acl" "site" {\n'
    "  bucket = aws_s3_bucket.site.id\n"
    '  acl    = var.public ? "public-read" : "private"\n'
    "}\n\n"
    'resource "aws_s3_bucket" "logs" {\n  bucket = "logs-bucket"\n}\n\n'
    'resource "aws_s3_bucket_acl" "logs" {\n'
    "  bucket = aws_s3_bucket.logs.id\n"
    '  acl    = "public-read"\n'
    "}\n"
)
BROKEN_TFVARS = 'public = true\nowner  = "team" "ops"\n'  # two values side by side on line 2


def _acl_status(report: dict[str, Any]) -> dict[str, str]:
    return {
        f["resource"]: f["status"] for f in report["findings"] if f["rule_id"] == "s3.bucket-acl-not-public"
    }


def test_a_broken_tfvars_makes_what_it_sets_unknown_and_the_rest_is_judged(tmp_path: Path) -> None:
    folder = _write(
        tmp_path,
        {"main.tf": 'variable "owner" {\n  default = "x"\n}\n' + ACLS, "terraform.tfvars": BROKEN_TFVARS},
    )
    code, report = _scan(folder, "--fail-on", "none")
    assert code == 0
    [error] = report["errors"]
    assert (error["path"], error["line"]) == ("terraform.tfvars", 2)
    assert error["message"].startswith("syntax error: Missing newline after argument")
    assert "the variables it sets (public, owner) are analysed as unknown" in error["message"]
    statuses = _acl_status(report)
    # Judged on the default (private) it would pass; the file says true, which could not be read.
    assert statuses["aws_s3_bucket.site"] == "unknown"
    site = next(
        f
        for f in report["findings"]
        if f["resource"] == "aws_s3_bucket.site" and f["rule_id"] == "s3.bucket-acl-not-public"
    )
    assert "var.public, which is set in terraform.tfvars, a file that could not be read" in site["message"]
    assert statuses["aws_s3_bucket.logs"] == "fail"  # the rest of the root is analysed


def test_the_same_acl_with_a_tfvars_that_parses_is_judged(tmp_path: Path) -> None:
    folder = _write(tmp_path, {"main.tf": ACLS, "terraform.tfvars": "public = true\n"})
    _code, report = _scan(folder, "--fail-on", "none")
    assert report["errors"] == []
    assert _acl_status(report) == {"aws_s3_bucket.site": "fail", "aws_s3_bucket.logs": "fail"}
    folder = _write(tmp_path / "private", {"main.tf": ACLS, "terraform.tfvars": "public = false\n"})
    _code, report = _scan(folder, "--fail-on", "none")
    assert _acl_status(report) == {"aws_s3_bucket.logs": "fail"}  # the site's ACL is private: a pass


def test_a_broken_auto_tfvars_or_var_file_is_overridden_by_a_later_file_that_parses(tmp_path: Path) -> None:
    folder = _write(
        tmp_path / "root",
        {
            "main.tf": ACLS,
            "a.auto.tfvars": "public = true\nbroken = [\n",
            "b.auto.tfvars": "public = false\n",
        },
    )
    estate = load_estate([str(folder)])
    assert [(e.path, e.line) for e in estate.errors] == [("a.auto.tfvars", 3)]
    acl = estate.by_address["aws_s3_bucket_acl.site"].attributes["acl"]
    assert acl == "private"  # b.auto.tfvars is read after a.auto.tfvars: its value wins, and is known

    _write(tmp_path, {"ci/prod.tfvars": "public = true\nbroken = [\n"})
    estate = load_estate([str(folder)], LoadOptions(var_files=(str(tmp_path / "ci" / "prod.tfvars"),)))
    assert [(e.path, e.line) for e in estate.errors] == [("a.auto.tfvars", 3), ("../ci/prod.tfvars", 3)]
    acl = estate.by_address["aws_s3_bucket_acl.site"].attributes["acl"]
    assert isinstance(acl, Unknown) and "prod.tfvars" in acl.reason  # --var-file comes last


def test_a_switch_in_a_broken_tfvars_makes_its_count_unknown(tmp_path: Path) -> None:
    main = (
        'variable "enabled" {\n  default = false\n}\n'
        'resource "aws_s3_bucket" "maybe" {\n  count  = var.enabled ? 1 : 0\n  bucket = "maybe"\n}\n'
        'resource "aws_s3_bucket" "always" {\n  bucket = "always"\n}\n'
    )
    folder = _write(tmp_path, {"main.tf": main, "terraform.tfvars.json": '{"enabled": true,}'})
    estate = load_estate([str(folder)])
    assert [(e.path, e.line, e.undecided) for e in estate.errors] == [
        ("terraform.tfvars.json", 1, False),
        ("main.tf", 4, True),
    ]
    assert estate.errors[1].message == (
        "aws_s3_bucket.maybe: count over var.enabled, which is set in terraform.tfvars.json, a file that "
        "could not be read; what it creates is unknown"
    )
    # The block whose count is not known is kept, not evaluated: its checks say unknown.
    found = {r.address: r.unevaluated for r in estate.resources}
    assert found == {
        "aws_s3_bucket.always": None,
        "aws_s3_bucket.maybe": "count is not known before apply: over var.enabled, which is set in "
        "terraform.tfvars.json, a file that could not be read",
    }


def test_an_expansion_over_a_local_or_a_module_output_fed_by_a_variable_with_no_value_is_unknown(
    tmp_path: Path,
) -> None:
    files = {
        "main.tf": (
            'variable "teams" {}\n'
            "locals {\n  names = toset(var.teams)\n}\n"
            'module "config" {\n  source = "./config"\n  teams  = var.teams\n}\n'
            'resource "aws_s3_bucket" "per_local" {\n  for_each = local.names\n  bucket = each.key\n}\n'  # 9
            'resource "aws_s3_bucket" "per_output" {\n  for_each = module.config.names\n  bucket = each.key\n}\n'
        ),
        "config/main.tf": 'variable "teams" {}\noutput "names" {\n  value = toset(var.teams)\n}\n',
    }
    folder = _write(tmp_path, files)
    estate = load_estate([str(folder)])
    assert [(e.path, e.line, e.message) for e in estate.errors] == [
        ("main.tf", 9, f"aws_s3_bucket.per_local: for_each over local.names, from var.teams, {NO_VALUE}"),
        (
            "main.tf",
            13,
            f"aws_s3_bucket.per_output: for_each over module.config.names, from var.teams, {NO_VALUE}",
        ),
    ]
    # Twin: the variable given, the expansion over the local is evaluated and nothing is said of it; the
    # one over the module output is not expanded by the evaluator: it stays unknown, as one placeholder.
    _write(folder, {"terraform.tfvars": 'teams = ["red", "blue"]\n'})
    estate = load_estate([str(folder)])
    assert [(e.path, e.line, e.undecided) for e in estate.errors] == [("main.tf", 13, True)]
    assert "module.config.names, which is a module output" in estate.errors[0].message
    assert sorted((r.address, r.unevaluated is None) for r in estate.resources) == [
        ('aws_s3_bucket.per_local["blue"]', True),
        ('aws_s3_bucket.per_local["red"]', True),
        ("aws_s3_bucket.per_output", False),
    ]


# -- TF_VAR_ environment variables -------------------------------------------------------------------------

SSH_FROM = (
    'provider "aws" {\n  region = "eu-west-1"\n}\n'
    'variable "admin_cidr" {}\n'
    'variable "bucket" {\n  default = "from-default"\n}\n'
    'resource "aws_s3_bucket" "b" {\n  bucket = var.bucket\n}\n'
    'resource "aws_security_group" "ssh" {\n  vpc_id = "vpc-0123"\n'
    '  ingress {\n    from_port   = 22\n    to_port     = 22\n    protocol    = "tcp"\n'
    "    cidr_blocks = [var.admin_cidr]\n  }\n}\n"
)


def _admin_statuses(folder: Path) -> dict[str, str]:
    from ringfence.engine.runner import run_checks

    estate = load_estate([str(folder)])
    return {
        f.resource: f.status.value
        for f in run_checks(estate).findings
        if f.rule_id == "network.admin-port-exposed"
    }


def _bucket_name(folder: Path) -> object:
    estate = load_estate([str(folder)])
    return next(r for r in estate.resources if r.address == "aws_s3_bucket.b").attributes["bucket"]


def test_tf_var_environment_variables_set_the_root_variables(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = _write(tmp_path / "root", {"main.tf": SSH_FROM})
    monkeypatch.delenv("TF_VAR_admin_cidr", raising=False)
    estate = load_estate([str(folder)])
    assert [e.message for e in estate.errors] == []
    assert _admin_statuses(folder) == {"aws_security_group.ssh": "unknown"}
    # Set from the environment: judged, and each value gives its own answer (the cache holds both apart).
    monkeypatch.setenv("TF_VAR_admin_cidr", "0.0.0.0/0")
    assert _admin_statuses(folder) == {"aws_security_group.ssh": "latent"}
    monkeypatch.setenv("TF_VAR_admin_cidr", "10.20.0.0/16")
    assert _admin_statuses(folder) == {}
    monkeypatch.setenv("TF_VAR_admin_cidr", "0.0.0.0/0")
    assert _admin_statuses(folder) == {"aws_security_group.ssh": "latent"}


def test_tf_var_is_read_after_defaults_and_before_every_variable_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = _write(tmp_path / "root", {"main.tf": SSH_FROM})
    monkeypatch.setenv("TF_VAR_admin_cidr", "10.0.0.0/8")
    assert _bucket_name(folder) == "from-default"
    monkeypatch.setenv("TF_VAR_bucket", "from-env")
    assert _bucket_name(folder) == "from-env"
    for name in ("terraform.tfvars", "prod.auto.tfvars"):
        _write(folder, {name: f'bucket = "from-{name.split(".")[0]}"\n'})
        assert _bucket_name(folder) == f"from-{name.split('.')[0]}"
        (folder / name).unlink()
    explicit = _write(tmp_path, {"explicit.tfvars": 'bucket = "from-explicit"\n'}) / "explicit.tfvars"
    estate = load_estate([str(folder)], LoadOptions(var_files=(str(explicit),)))
    assert next(r for r in estate.resources if r.address == "aws_s3_bucket.b").attributes["bucket"] == (
        "from-explicit"
    )
    # A string is the text itself: nothing in it is evaluated.
    monkeypatch.setenv("TF_VAR_bucket", 'x-${file("/etc/hostname")}-"%{if true}y%{endif}\\')
    assert _bucket_name(folder) == 'x-${file("/etc/hostname")}-"%{if true}y%{endif}\\'


def test_tf_var_of_a_complex_type_is_read_as_hcl(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    main = (
        'variable "ports" {\n  type = list(number)\n}\n'
        'resource "aws_sqs_queue" "q" {\n  count = length(var.ports)\n  name  = "q${var.ports[count.index]}"\n}\n'
    )
    folder = _write(tmp_path / "root", {"main.tf": main})
    monkeypatch.setenv("TF_VAR_ports", "[22, 443, 8080]")
    estate = load_estate([str(folder)])
    assert estate.errors == ()
    assert sorted(r.attributes["name"] for r in estate.resources) == ["q22", "q443", "q8080"]
    # Not a list: Terraform would refuse it; the count over it is unknown, said at its block.
    for bad in ("[22, 443", "var.other", 'file("x")'):
        monkeypatch.setenv("TF_VAR_ports", bad)
        estate = load_estate([str(folder)])
        assert [(e.path, e.line) for e in estate.errors] == [(".", None), ("main.tf", 4)], bad
        assert "TF_VAR_ports is not a value of the type of variable 'ports'" in estate.errors[0].message
        assert bad not in estate.errors[0].message
        assert "count over var.ports, which is set by TF_VAR_ports" in estate.errors[1].message
        assert [(r.address, r.unevaluated is not None) for r in estate.resources] == [
            ("aws_sqs_queue.q[0]", True)
        ]
