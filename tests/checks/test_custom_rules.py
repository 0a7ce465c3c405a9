"""Custom YAML rules on real Terraform: each rule's resources named pass_*, fail_* and unknown_* come out
as such; bad rule files are errors with file and line while the other rules still run."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from ringfence.checks.custom_rules import load_rules
from ringfence.engine.config import ConfigError, load_config
from ringfence.engine.pipeline import ScanOptions, scan
from tests.conftest import ROOT

TERRAFORM = """
variable "status" {}
variable "days" {}
variable "sg" {}

resource "aws_s3_bucket" "pass_named" {
  bucket = "acme-logs"
  tags   = { Owner = "team-a", "cost-center" = "42" }
}

resource "aws_s3_bucket" "fail_named" {
  bucket = "logs-acme"
}

resource "aws_s3_bucket_public_access_block" "named" {
  bucket            = aws_s3_bucket.pass_named.id
  block_public_acls = true
}

resource "aws_s3_bucket_versioning" "pass_on" {
  bucket = aws_s3_bucket.pass_named.id
  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_versioning" "fail_suspended" {
  bucket = aws_s3_bucket.fail_named.id
  versioning_configuration {
    status = "Suspended"
  }
}

resource "aws_s3_bucket_versioning" "unknown_from_variable" {
  bucket = aws_s3_bucket.fail_named.id
  versioning_configuration {
    status = var.status
  }
}

resource "aws_cloudwatch_log_group" "pass_year" {
  name              = "year"
  retention_in_days = 365
}

resource "aws_cloudwatch_log_group" "fail_month" {
  name              = "month"
  retention_in_days = 30
}

resource "aws_cloudwatch_log_group" "fail_forever" {
  name = "forever"
}

resource "aws_cloudwatch_log_group" "unknown_days" {
  name              = "days"
  retention_in_days = var.days
}

resource "aws_security_group" "pass_internal" {
  name = "internal"
  ingress {
    from_port   = 443
    to_port     = 443
    protocol    = "tcp"
    cidr_blocks = ["10.0.0.0/8"]
  }
}

resource "aws_security_group" "fail_world_second_rule" {
  name = "world"
  ingress {
    from_port   = 22
    to_port     = 22
    protocol    = "tcp"
    cidr_blocks = ["10.0.0.0/8"]
  }
  ingress {
    from_port   = 443
    to_port     = 443
    protocol    = "tcp"
    cidr_blocks = ["192.168.0.0/16", "0.0.0.0/0"]
  }
}

resource "aws_instance" "pass_small_guarded" {
  ami                    = "ami-12345678"
  instance_type          = "t3.micro"
  vpc_security_group_ids = [aws_security_group.pass_internal.id]
}

resource "aws_instance" "fail_large_alone" {
  ami           = "ami-12345678"
  instance_type = "m5.4xlarge"
}

resource "aws_instance" "unknown_group" {
  ami                    = "ami-12345678"
  instance_type          = "t3.small"
  vpc_security_group_ids = [var.sg]
}
"""

RULES = """
rules:
  - id: acme.bucket-versioning
    title: Bucket versioning is enabled
    severity: medium
    pillar: encryption
    resource_types: [aws_s3_bucket_versioning]
    remediation: Set versioning_configuration.status = "Enabled".
    condition:
      attribute: versioning_configuration.status
      equals: Enabled

  - id: acme.bucket-naming
    title: Buckets follow the naming scheme and have an owner
    severity: low
    pillar: monitoring
    resource_types: aws_s3_bucket
    remediation: Name the bucket acme-* and tag it with Owner.
    condition:
      and:
        - attribute: bucket
          regex: "^acme-"
        - attribute: tags.Owner
          exists: true
        - attribute: tags["cost-center"]
          in: ["42", "43"]

  - id: acme.bucket-guarded
    title: Buckets have a public access block
    severity: high
    pillar: network
    resource_types: [aws_s3_bucket]
    remediation: Add an aws_s3_bucket_public_access_block for the bucket.
    condition:
      protected_by: aws_s3_bucket_public_access_block

  - id: acme.log-retention
    title: Log groups keep a quarter of events
    severity: medium
    pillar: monitoring
    resource_types: [aws_cloudwatch_log_group]
    remediation: Set retention_in_days to 90 or more.
    condition:
      attribute: retention_in_days
      ge: 90

  - id: acme.no-world-ingress
    title: No ingress from anywhere
    severity: high
    pillar: network
    resource_types: [aws_security_group]
    remediation: Narrow ingress cidr_blocks.
    condition:
      not:
        attribute: ingress[*].cidr_blocks
        equals: 0.0.0.0/0

  - id: acme.instance-small-and-grouped
    title: Instances are small and in a security group
    severity: medium
    pillar: network
    resource_types: [aws_instance]
    remediation: Use a t3 size and set vpc_security_group_ids.
    condition:
      and:
        - or:
            - attribute: instance_type
              in: [t3.micro, t3.small]
            - attribute: instance_type
              regex: "^t4g\\\\."
        - connected_to: aws_security_group
"""


def _statuses(outcome: object, rule_id: str) -> dict[str, str]:
    found = outcome.result.findings  # type: ignore[attr-defined]
    return {f.resource.split(".")[-1]: f.status.value for f in found if f.rule_id == rule_id}


def _expected(outcome: object, kinds: tuple[str, ...]) -> dict[str, str]:
    """What the resource names say: fail_* fail, unknown_* unknown, pass_* have no finding."""
    names = [r.name for r in outcome.estate.resources if r.kind in kinds]  # type: ignore[attr-defined]
    assert names, kinds
    return {n: n.split("_")[0] for n in names if not n.startswith("pass_")}


@pytest.fixture(scope="module")
def outcome(tmp_path_factory: pytest.TempPathFactory) -> object:
    root = tmp_path_factory.mktemp("custom")
    (root / "tf").mkdir()
    (root / "tf" / "main.tf").write_text(TERRAFORM, encoding="utf-8")
    (root / "rules").mkdir()
    (root / "rules" / "acme.yaml").write_text(RULES, encoding="utf-8")
    return scan([str(root / "tf")], ScanOptions(rules=(str(root / "rules"),), fail_on="none", cache=False))


@pytest.mark.parametrize(
    ("rule_id", "kinds"),
    [
        ("acme.bucket-versioning", ("aws_s3_bucket_versioning",)),
        ("acme.log-retention", ("aws_cloudwatch_log_group",)),
        ("acme.no-world-ingress", ("aws_security_group",)),
        ("acme.instance-small-and-grouped", ("aws_instance",)),
    ],
)
def test_each_rule_passes_fails_and_is_unknown_where_the_names_say(
    outcome: object, rule_id: str, kinds: tuple[str, ...]
) -> None:
    assert _statuses(outcome, rule_id) == _expected(outcome, kinds)


def test_attribute_and_connection_rules_on_buckets(outcome: object) -> None:
    assert _statuses(outcome, "acme.bucket-naming") == {"fail_named": "fail"}
    assert _statuses(outcome, "acme.bucket-guarded") == {"fail_named": "fail"}
    assert not outcome.result.errors  # type: ignore[attr-defined]


def test_findings_carry_the_rule_metadata_and_the_resource_location(outcome: object) -> None:
    [finding] = [
        f for f in outcome.result.findings if f.rule_id == "acme.log-retention" and "month" in f.resource
    ]  # type: ignore[attr-defined]
    assert finding.severity.value == "medium" and finding.meta.pillar == "monitoring"
    assert finding.meta.remediation == "Set retention_in_days to 90 or more."
    assert finding.location.path == "main.tf"
    assert TERRAFORM.splitlines()[finding.location.line - 1].startswith(
        'resource "aws_cloudwatch_log_group" "fail_month"'
    )
    [open_] = [
        f for f in outcome.result.findings if f.rule_id == "acme.log-retention" and "unknown" in f.resource
    ]  # type: ignore[attr-defined]
    assert "var.days" in open_.message


def _write(folder: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text, encoding="utf-8")
    return folder


GOOD = """
id: acme.good
title: Queues are encrypted
severity: low
pillar: encryption
resource_types: [aws_sqs_queue]
remediation: Set sqs_managed_sse_enabled = true.
condition: {attribute: sqs_managed_sse_enabled, equals: true}
"""


def test_bad_rules_are_errors_with_file_and_line_and_the_others_load(tmp_path: Path) -> None:
    folder = _write(
        tmp_path,
        {
            "a-good.yaml": GOOD,
            "b-broken.yaml": "rules:\n  - id: x\n    title: [unclosed\n",
            "c-mixed.yaml": (
                "rules:\n"
                "  - id: acme.bad-operator\n"
                "    title: t\n"
                "    severity: low\n"
                "    pillar: network\n"
                "    resource_types: [aws_vpc]\n"
                "    remediation: r\n"
                "    condition:\n"
                "      attribute: cidr_block\n"
                "      contains: 10.0.0.0/8\n"
                "  - id: acme.fine\n"
                "    title: t\n"
                "    severity: low\n"
                "    pillar: network\n"
                "    resource_types: [aws_vpc]\n"
                "    remediation: r\n"
                "    condition: {attribute: enable_dns_support, equals: true}\n"
                "  - id: acme.bad-regex\n"
                "    title: t\n"
                "    severity: low\n"
                "    pillar: network\n"
                "    resource_types: [aws_vpc]\n"
                "    remediation: r\n"
                "    condition: {attribute: cidr_block, regex: '(['}\n"
                "  - id: acme.no-pillar\n"
                "    title: t\n"
                "    severity: low\n"
                "    resource_types: [aws_vpc]\n"
                "    remediation: r\n"
                "    condition: {attribute: cidr_block, exists: true}\n"
            ),
            "d-duplicate.yaml": GOOD,
            "e-builtin.yaml": GOOD.replace("acme.good", "kms.key-rotation-enabled"),
        },
    )
    checks, errors = load_rules([folder], taken=["kms.key-rotation-enabled"])
    assert [c.rule_id for c in checks] == ["acme.good", "acme.fine"]
    found = {(Path(e.path).name, e.line) for e in errors}
    assert found == {
        ("b-broken.yaml", 4),
        ("c-mixed.yaml", 10),
        ("c-mixed.yaml", 24),
        ("c-mixed.yaml", 25),
        ("d-duplicate.yaml", 2),
        ("e-builtin.yaml", 2),
    }
    messages = {(Path(e.path).name, e.line): e.message for e in errors}
    assert "contains" in messages[("c-mixed.yaml", 10)]
    assert "not a regular expression" in messages[("c-mixed.yaml", 24)]
    assert "missing pillar" in messages[("c-mixed.yaml", 25)]
    assert "already taken" in messages[("d-duplicate.yaml", 2)]
    assert "already taken" in messages[("e-builtin.yaml", 2)]


def test_rules_from_the_configuration_file(tmp_path: Path) -> None:
    _write(tmp_path, {"policy/rules/q.yaml": GOOD, ".ringfence.toml": 'rules = ["policy/rules"]\n'})
    config = load_config(None, [tmp_path])
    assert config.rule_folders == (tmp_path / "policy" / "rules",)
    (tmp_path / ".ringfence.toml").write_text('rules = ["nowhere"]\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="nowhere is not a folder of custom rules"):
        load_config(None, [tmp_path])


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ringfence", *args], capture_output=True, text=True, cwd=ROOT, check=False
    )


def test_the_command_line_runs_lists_and_reports_custom_rules(tmp_path: Path) -> None:
    _write(
        tmp_path,
        {
            "tf/main.tf": 'resource "aws_sqs_queue" "fail_plain" {\n  name = "plain"\n  sqs_managed_sse_enabled = false\n}\n',
            "rules/q.yaml": GOOD,
            "rules/broken.yaml": "id: a\ntitle: b\n  severity: low\n",
        },
    )
    done = _cli(
        "scan",
        str(tmp_path / "tf"),
        "--rules",
        str(tmp_path / "rules"),
        "--format",
        "json",
        "--fail-on",
        "low",
        "--no-cache",
    )
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr
    report = json.loads(done.stdout)
    assert [
        (f["rule_id"], f["resource"], f["status"]) for f in report["findings"] if f["rule_id"] == "acme.good"
    ] == [("acme.good", "aws_sqs_queue.fail_plain", "fail")]
    [error] = report["errors"]
    assert error["path"].endswith("broken.yaml") and error["line"] == 3
    listed = _cli("rules", "--rules", str(tmp_path / "rules"), "--format", "json")
    assert listed.returncode == 0
    assert "acme.good" in {r["rule_id"] for r in json.loads(listed.stdout)["rules"]}
    assert "broken.yaml:3" in listed.stderr and "Traceback" not in listed.stderr
    missing = _cli("scan", str(tmp_path / "tf"), "--rules", str(tmp_path / "nowhere"))
    assert missing.returncode == 2 and "--rules" in missing.stderr


def test_rules_nested_too_deeply_or_multiplied_by_aliases_are_errors(tmp_path: Path) -> None:
    head = GOOD.split("condition:", maxsplit=1)[0]
    deep = (
        head.replace("acme.good", "acme.deep")
        + "condition: "
        + "{not: " * 3000
        + "{attribute: a, exists: true}"
        + "}" * 3000
        + "\n"
    )
    levels = ["    - and: &l0 [{attribute: a, exists: true}, {attribute: a, exists: true}]"]
    levels += [f"    - and: &l{i} [{{and: *l{i - 1}}}, {{and: *l{i - 1}}}]" for i in range(1, 40)]
    bomb = head.replace("acme.good", "acme.bomb") + "condition:\n  and:\n" + "\n".join(levels) + "\n"
    folder = _write(tmp_path, {"deep.yaml": deep, "bomb.yaml": bomb, "good.yaml": GOOD})
    checks, errors = load_rules([folder])
    assert [c.rule_id for c in checks] == ["acme.good"]
    messages = {Path(e.path).name: e.message for e in errors}
    assert "nested too deeply" in messages["deep.yaml"]
    assert "more than 1000 parts" in messages["bomb.yaml"]


def test_a_connection_that_a_resource_set_aside_could_make_is_unknown(tmp_path: Path) -> None:
    guarded = RULES.split("  - id: acme.log-retention", maxsplit=1)[0].split("  - id: acme.bucket-guarded")[1]
    _write(
        tmp_path,
        {
            "tf/main.tf": (
                'resource "aws_s3_bucket" "unknown_maybe_guarded" {\n  bucket = "b"\n}\n'
                'resource "aws_s3_bucket_public_access_block" "many" {\n  count  = 8\n'
                "  bucket = aws_s3_bucket.unknown_maybe_guarded.id\n}\n"
            ),
            "tf/.ringfence.toml": "[terraform]\nmax_instances = 5\n",
            "rules/guarded.yaml": "rules:\n  - id: acme.bucket-guarded" + guarded,
        },
    )
    outcome = scan([str(tmp_path / "tf")], ScanOptions(rules=(str(tmp_path / "rules"),), cache=False))
    [finding] = [f for f in outcome.result.findings if f.rule_id == "acme.bucket-guarded"]
    assert (finding.resource, finding.status.value) == ("aws_s3_bucket.unknown_maybe_guarded", "unknown")
    assert "not evaluated" in finding.message
