"""`ringfence scan` end to end: contracts, exit codes, determinism."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

from ringfence.checks.estate_controls import CHECKS as ESTATE_LEVEL
from tests.conftest import ROOT, SHARED

EXAMPLE = ROOT / "examples" / "three-tier"
# Controls the estate does not contain: reported about the account by every scan of a module-sized tree.
ABSENT_CONTROLS = frozenset(c.rule_id for c in ESTATE_LEVEL)


def of_resources(findings: list[dict]) -> list[dict]:  # type: ignore[type-arg]
    """The findings about resources, without those about controls the estate does not contain."""
    return [f for f in findings if f["rule_id"] not in ABSENT_CONTROLS]


def ringfence(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ringfence", *args], capture_output=True, text=True, cwd=cwd, check=False
    )


@pytest.fixture(scope="module")
def example_json() -> tuple[str, dict]:  # type: ignore[type-arg]
    done = ringfence("scan", str(EXAMPLE), "--format", "json")
    assert done.returncode == 1, done.stderr
    return done.stdout, json.loads(done.stdout)


def test_json_report_holds_the_contract(example_json) -> None:  # type: ignore[no-untyped-def]
    _, report = example_json
    from importlib.resources import files

    schema = json.loads(files("ringfence.reports").joinpath("schemas/scan.schema.json").read_text())
    jsonschema.validate(report, schema)
    assert report["schema"] == "ringfence.scan/1"
    assert report["account_id"] == "210987654321"
    rules = {(f["rule_id"], f["resource"]) for f in report["findings"]}
    assert ("rds.storage-encrypted", "aws_db_instance.orders") in rules
    assert ("identity.admin-policy-on-workload", "aws_iam_role.app") in rules
    assert ("cloudtrail.multi-region-enabled", "aws_cloudtrail.main") in rules
    assert ("network.admin-port-exposed", "aws_instance.bastion") in rules
    suppressed = [f for f in report["findings"] if "suppressed" in f]
    assert [(f["resource"], f["suppressed"]["by"]) for f in suppressed] == [
        ("aws_s3_bucket.assets", "ringfence:ignore")
    ]
    severities = ["critical", "high", "medium", "low", "info"]
    keys = [(severities.index(f["severity"]), f["resource"], f["rule_id"]) for f in report["findings"]]
    assert keys == sorted(keys)


def test_secrets_are_never_printed(example_json) -> None:  # type: ignore[no-untyped-def]
    raw, report = example_json
    assert "Sup3rS3cretPassw0rd!" not in raw
    secret = [f for f in report["findings"] if f["rule_id"] == "secrets.hardcoded-secret"]
    assert secret and "sha256:" in secret[0]["message"]
    for fmt in ("text", "sarif", "junit"):
        assert "Sup3rS3cretPassw0rd!" not in ringfence("scan", str(EXAMPLE), "--format", fmt).stdout


def test_two_runs_print_the_same_bytes(example_json) -> None:  # type: ignore[no-untyped-def]
    raw, _ = example_json
    assert ringfence("scan", str(EXAMPLE), "--format", "json").stdout == raw
    first = ringfence("scan", str(EXAMPLE), "--format", "sarif").stdout
    assert first == ringfence("scan", str(EXAMPLE), "--format", "sarif").stdout


def test_sarif_is_valid_2_1_0() -> None:
    done = ringfence("scan", str(EXAMPLE), "--format", "sarif")
    sarif = json.loads(done.stdout)
    schema = json.loads((SHARED / "schemas" / "sarif-schema-2.1.0.json").read_text())
    jsonschema.validate(sarif, schema)
    rules = sarif["runs"][0]["tool"]["driver"]["rules"]
    assert all("security-severity" in r["properties"] and r["help"]["text"] for r in rules)
    results = sarif["runs"][0]["results"]
    assert any(r.get("suppressions") for r in results)
    assert all(r["partialFingerprints"]["ringfence/v1"] for r in results)


def test_junit_is_xml() -> None:
    from xml.etree import ElementTree as ET

    done = ringfence("scan", str(EXAMPLE), "--format", "junit")
    suites = ET.fromstring(done.stdout)
    assert int(suites.get("failures", "0")) > 0


def test_exit_codes_fail_on_and_baseline(tmp_path: Path, example_json) -> None:  # type: ignore[no-untyped-def]
    raw, _ = example_json
    assert ringfence("scan", str(EXAMPLE), "--fail-on", "none").returncode == 0
    assert ringfence("scan", str(EXAMPLE), "--fail-on", "low").returncode == 1
    baseline = tmp_path / "baseline.json"
    baseline.write_text(raw)
    again = ringfence(
        "scan", str(EXAMPLE), "--format", "json", "--baseline", str(baseline), "--fail-on", "low"
    )
    assert again.returncode == 0
    assert all(f.get("baseline") for f in json.loads(again.stdout)["findings"])


def test_fail_on_unknown(write_tree) -> None:  # type: ignore[no-untyped-def]
    root = write_tree(
        {"main.tf": 'variable "r" {}\nresource "aws_kms_key" "k" {\n  enable_key_rotation = var.r\n}\n'}
    )
    plain = ringfence("scan", str(root), "--format", "json", "--fail-on", "medium")
    findings = json.loads(plain.stdout)["findings"]
    assert [(f["rule_id"], f["status"]) for f in of_resources(findings)] == [
        ("kms.key-rotation-enabled", "unknown")
    ]
    assert {(f["status"], f["severity"]) for f in findings if f["rule_id"] in ABSENT_CONTROLS} == {
        ("unknown", "info")
    }
    assert plain.returncode == 0
    assert ringfence("scan", str(root), "--fail-on", "medium", "--fail-on-unknown").returncode == 1


def test_parse_errors_are_reported_and_the_rest_scanned(write_tree) -> None:  # type: ignore[no-untyped-def]
    root = write_tree(
        {
            "bad/main.tf": 'resource "aws_kms_key" "k" {\n  enable_key_rotation = \n',
            "good/main.tf": 'resource "aws_kms_key" "k" {\n  enable_key_rotation = false\n}\n',
        }
    )
    done = ringfence("scan", str(root), "--format", "json", "--fail-on", "none")
    report = json.loads(done.stdout)
    assert [e["path"] for e in report["errors"]] == ["bad/main.tf"]
    assert [f["resource"] for f in of_resources(report["findings"])] == ["good:aws_kms_key.k"]
    assert done.returncode == 0
    assert ringfence("scan", str(root), "--fail-on-unknown").returncode == 1


@pytest.mark.parametrize("kind", ["missing", "empty"])
def test_unreadable_path_is_a_one_line_error(tmp_path: Path, kind: str) -> None:
    target = tmp_path / "nothing-here" if kind == "missing" else tmp_path
    done = ringfence("scan", str(target))
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr


def test_config_skips_rules_and_overrides_severity(write_tree) -> None:  # type: ignore[no-untyped-def]
    root = write_tree(
        {
            "main.tf": 'resource "aws_kms_key" "k" {\n  deletion_window_in_days = 5\n}\n',
            ".ringfence.toml": 'skip = ["kms.key-rotation-enabled"]\n[severity]\n"kms.deletion-window-in-range" = "critical"\n',
        }
    )
    report = json.loads(ringfence("scan", str(root), "--format", "json").stdout)
    assert [(f["rule_id"], f["severity"]) for f in of_resources(report["findings"])] == [
        ("kms.deletion-window-in-range", "critical")
    ]


def test_rules_lists_the_catalogue() -> None:
    rules = json.loads(ringfence("rules", "--format", "json").stdout)["rules"]
    ids = [r["rule_id"] for r in rules]
    assert "kms.key-rotation-enabled" in ids and len(ids) == len(set(ids))
    assert all(set(r) >= {"rule_id", "title", "pillar", "severity", "compliance"} for r in rules)


def test_version_imports_nothing_heavy() -> None:
    code = (
        "import sys; sys.argv=['ringfence','--version']\n"
        "from ringfence.cli import main\nmain()\n"
        "heavy=[m for m in ('typer','rich','tfparse','boto3','duckdb','z3','pyspark') if m in sys.modules]\n"
        "print(heavy)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.splitlines() == ["ringfence 0.3.0", "[]"]


def test_input_that_cannot_be_read_at_all_exits_2(write_tree) -> None:  # type: ignore[no-untyped-def]
    root = write_tree({"main.tf": 'resource "aws_vpc" "v" {\n  cidr_block = \n'})
    done = ringfence("scan", str(root), "--format", "json")
    assert done.returncode == 2
    assert json.loads(done.stdout)["errors"][0]["path"] == "main.tf"
    assert "nothing could be read" in done.stderr


def test_intents_at_the_estate_root_are_verified(example_json) -> None:  # type: ignore[no-untyped-def]
    _, report = example_json
    intents = {f["rule_id"]: f for f in report["findings"] if f["rule_id"].startswith("intent.")}
    assert set(intents) == {"intent.operators-reach-app-over-ssh"}  # the other two hold
    broken = intents["intent.operators-reach-app-over-ssh"]
    assert broken["status"] == "fail"
    where = (EXAMPLE / "ringfence.yaml").relative_to(ROOT).as_posix()  # from the repository's root
    assert broken["location"] == {"path": where, "line": 13}
    assert "aws_security_group.bastion" in broken["message"]


def test_intents_file_option(tmp_path: Path) -> None:
    missing = ringfence("scan", str(EXAMPLE), "--intents", str(tmp_path / "none.yaml"))
    assert missing.returncode == 2 and "no such file" in missing.stderr
    strict = tmp_path / "intents.yaml"
    strict.write_text(
        "intents:\n  - name: no-ssh-anywhere\n    from: internet\n    to: aws_instance.bastion\n"
        "    port: 22\n    protocol: tcp\n    must: not-reach\n"
    )
    report = json.loads(ringfence("scan", str(EXAMPLE), "--format", "json", "--intents", str(strict)).stdout)
    ids = [f["rule_id"] for f in report["findings"] if f["rule_id"].startswith("intent.")]
    assert ids == ["intent.no-ssh-anywhere"]


def test_hostile_input_is_reported_not_fatal(tmp_path: Path) -> None:
    (tmp_path / "binary").mkdir()
    (tmp_path / "binary" / "main.tf").write_bytes(bytes(range(256)) * 20)
    (tmp_path / "deep").mkdir()
    (tmp_path / "deep" / "main.tf").write_text(
        'resource "aws_iam_policy" "p" {\n  policy = "' + "[" * 5000 + '"\n}\n', encoding="utf-8"
    )
    (tmp_path / "fine").mkdir()
    (tmp_path / "fine" / "main.tf").write_text('resource "aws_kms_key" "k" {}\n', encoding="utf-8")
    done = ringfence("scan", str(tmp_path), "--format", "json", "--fail-on", "none")
    assert done.returncode == 0 and "Traceback" not in done.stderr
    report = json.loads(done.stdout)
    assert [e["path"] for e in report["errors"]] == ["binary/main.tf"]
    statuses = {(f["resource"], f["rule_id"]): f["status"] for f in report["findings"]}
    assert statuses[("fine:aws_kms_key.k", "kms.key-rotation-enabled")] == "fail"
    assert statuses[("deep:aws_iam_policy.p", "iam.no-allow-with-notaction")] == "unknown"


def test_unwritable_output_is_a_one_line_error(tmp_path: Path) -> None:
    done = ringfence("scan", str(EXAMPLE), "--output", str(tmp_path / "missing" / "report.json"))
    assert done.returncode == 2
    assert "cannot write" in done.stderr and "Traceback" not in done.stderr


def test_config_excludes_paths(write_tree) -> None:  # type: ignore[no-untyped-def]
    root = write_tree(
        {
            "live/main.tf": 'resource "aws_kms_key" "k" {}\n',
            "legacy/old/main.tf": 'resource "aws_kms_key" "k" {}\n',
            ".ringfence.toml": 'exclude = ["legacy/"]\n',
        }
    )
    report = json.loads(ringfence("scan", str(root), "--format", "json", "--fail-on", "none").stdout)
    assert {f["resource"] for f in of_resources(report["findings"])} == {"aws_kms_key.k"}
    assert report["summary"]["resources"] == 1


OPEN_SG = """resource "aws_security_group" "open" {
  name = "open"
  ingress {
    from_port   = 22
    to_port     = 22
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }
}
"""


def test_links_pipes_and_devices_named_tf_are_errors_and_the_rest_is_scanned(tmp_path: Path) -> None:
    import os

    (tmp_path / "main.tf").write_text(OPEN_SG)
    (tmp_path / "a.tf").symlink_to(tmp_path / "b.tf")
    (tmp_path / "b.tf").symlink_to(tmp_path / "a.tf")  # a loop
    (tmp_path / "dangling.tf").symlink_to(tmp_path / "nowhere" / "x.tf")
    (tmp_path / "zero.tf").symlink_to("/dev/zero")  # read to the end, it never ends
    os.mkfifo(tmp_path / "fifo.tf")  # read, it waits for a writer for ever
    done = subprocess.run(
        [sys.executable, "-m", "ringfence", "scan", str(tmp_path), "--format", "json"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
        timeout=120,
    )
    assert done.returncode in (0, 1) and "internal error" not in done.stderr, done.stderr
    report = json.loads(done.stdout)
    assert sorted(e["path"] for e in report["errors"]) == [
        "a.tf",
        "b.tf",
        "dangling.tf",
        "fifo.tf",
        "zero.tf",
    ]
    assert all(e["message"].startswith("cannot read file") for e in report["errors"])
    assert report["summary"]["resources"] == 1  # main.tf is scanned


def test_control_characters_in_names_reach_no_report_raw(tmp_path: Path) -> None:
    import xml.etree.ElementTree as ET

    (tmp_path / "main.tf").write_text(
        OPEN_SG.replace('"open" {', '"o\\u001bpen\\u0001" {', 1).replace(
            'name = "open"', 'name = "x\\u001b]0;pwn\\u0007"'
        )
    )
    junit = ringfence("scan", str(tmp_path), "--format", "junit")
    ET.fromstring(junit.stdout)  # well-formed: the characters XML cannot hold are escaped
    text = ringfence("scan", str(tmp_path))
    assert "\x1b" not in text.stdout and "\x01" not in text.stdout and "\x07" not in text.stdout


def test_module_calls_that_lead_nowhere_or_round_a_cycle_are_errors(tmp_path: Path) -> None:
    missing = tmp_path / "missing"
    missing.mkdir()
    (missing / "main.tf").write_text('module "gone" {\n  source = "./does-not-exist"\n}\n' + OPEN_SG)
    self_call = tmp_path / "self"
    (self_call / "mod").mkdir(parents=True)
    (self_call / "main.tf").write_text('module "m" {\n  source = "./mod"\n}\n')
    (self_call / "mod" / "main.tf").write_text('module "again" {\n  source = "./"\n}\n' + OPEN_SG)
    pair = tmp_path / "pair"
    for here, there in (("a", "b"), ("b", "a")):
        (pair / here).mkdir(parents=True)
        (pair / here / "main.tf").write_text(f'module "{there}" {{\n  source = "../{there}"\n}}\n' + OPEN_SG)

    def errors(folder: Path) -> list[tuple[str, object, str]]:
        done = ringfence("scan", str(folder), "--format", "json")
        assert "internal error" not in done.stderr and "out of memory" not in done.stderr, done.stderr
        if not done.stdout:
            return [("", None, done.stderr)]
        return [(e["path"], e["line"], e["message"]) for e in json.loads(done.stdout)["errors"]]

    assert errors(missing) == [
        ("main.tf", 1, "module gone: ./does-not-exist is not a folder: its resources are not scanned")
    ]
    assert "calls back into a module that calls it" in str(errors(self_call))
    assert "only called by modules in a cycle" in str(errors(pair))


def test_a_policy_from_a_file_that_cannot_be_read_is_unknown_not_absent(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(
        'resource "aws_iam_policy" "a" {\n  name   = "a"\n  policy = file("${path.module}/missing.json")\n}\n'
        'resource "aws_iam_policy" "b" {\n  name   = "b"\n'
        '  policy = templatefile("${path.module}/missing.tpl", {})\n}\n'
    )
    report = json.loads(ringfence("scan", str(tmp_path), "--format", "json").stdout)
    statuses = {(f["resource"], f["status"]) for f in report["findings"] if f["rule_id"].startswith("iam.")}
    assert ("aws_iam_policy.a", "unknown") in statuses and ("aws_iam_policy.b", "unknown") in statuses
    assert not any(status == "pass" for _, status in statuses)


def test_tf_json_folders_are_scanned_and_broken_tf_json_is_an_error(tmp_path: Path) -> None:
    only_json = tmp_path / "only"
    only_json.mkdir()
    (only_json / "main.tf.json").write_text(
        json.dumps({"resource": {"aws_s3_bucket": {"b": {"bucket": "b"}}}})
    )
    report = json.loads(ringfence("scan", str(only_json), "--format", "json").stdout)
    assert report["summary"]["resources"] == 1 and report["errors"] == []
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "main.tf").write_text(OPEN_SG)
    (broken / "bad.tf.json").write_text('{"resource": {"aws_s3_bucket": {"x": {"bucket": "a",}}}}')
    (broken / "deep.tf.json").write_text("[" * 100_000 + "]" * 100_000)
    report = json.loads(ringfence("scan", str(broken), "--format", "json").stdout)
    assert sorted((e["path"], e["message"].split(":")[0]) for e in report["errors"]) == [
        ("bad.tf.json", "invalid JSON"),
        ("deep.tf.json", "nested more than 500 deep at line 1"),
    ]
    assert report["summary"]["resources"] == 1


def test_a_file_nested_too_deeply_is_an_error_and_the_rest_is_scanned(tmp_path: Path) -> None:
    (tmp_path / "good.tf").write_text(OPEN_SG)
    depth = 100_000  # deep enough to overflow tfparse's Go stack, which ended the whole process
    (tmp_path / "deep.tf").write_text(
        'resource "aws_s3_bucket" "deep" {\n  bucket = "d"\n  tags = { a = '
        + "[" * depth
        + "]" * depth
        + " }\n}\n"
    )
    done = ringfence("scan", str(tmp_path), "--format", "json")
    assert "fatal error" not in done.stderr and "internal error" not in done.stderr, done.stderr[:500]
    report = json.loads(done.stdout)
    assert [(e["path"], e["message"]) for e in report["errors"]] == [
        ("deep.tf", "nested more than 500 deep at line 3: not evaluated")
    ]
    assert report["summary"]["resources"] == 1
