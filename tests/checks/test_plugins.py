"""Plug-in checks: a real package installed into a folder on sys.path, with its own `.dist-info` and
`entry_points.txt`, registers checks in `ringfence.checks`; broken plug-ins are errors naming the entry
point and the built-in checks still run."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from ringfence.checks.catalogue import CATALOGUE
from ringfence.checks.custom import plugin_checks
from ringfence.engine.pipeline import ScanOptions, scan
from tests.conftest import ROOT

PACKAGE = """
from ringfence.checks.base import Check, Meta, Severity, failed, passed


def _queue_named(resource, ctx):
    name = resource.get("name")
    if isinstance(name, str) and name.startswith("team-"):
        yield passed(resource)
    else:
        yield failed(resource, "the queue's name does not start with team-")


QUEUE_NAMES = Check(
    meta=Meta(
        rule_id="acme.queue-named-by-team",
        title="Queues are named after their team",
        pillar="monitoring",
        severity=Severity.LOW,
        rationale="Owners are found by name.",
        remediation="Set name = \\"team-...\\".",
        terraform='resource "aws_sqs_queue" "q" { name = "team-a-jobs" }',
    ),
    kinds=("aws_sqs_queue",),
    per_resource=_queue_named,
)
CHECKS = (QUEUE_NAMES,)
NOT_A_CHECK = "acme.something"
TAKEN = Check(
    meta=Meta(
        rule_id="kms.key-rotation-enabled",
        title="t",
        pillar="encryption",
        severity=Severity.LOW,
        rationale="r",
        remediation="r",
        terraform="",
    ),
    kinds=("aws_kms_key",),
    per_resource=_queue_named,
)
"""

ENTRY_POINTS = """[ringfence.checks]
acme = acme_checks:CHECKS
broken = acme_broken:CHECKS
missing = acme_checks:NOPE
taken = acme_checks:TAKEN
wrong = acme_checks:NOT_A_CHECK
"""

TERRAFORM = """
resource "aws_sqs_queue" "pass_named" {
  name                    = "team-a-jobs"
  sqs_managed_sse_enabled = true
}

resource "aws_sqs_queue" "fail_anonymous" {
  name                    = "jobs"
  sqs_managed_sse_enabled = true
}

resource "aws_kms_key" "still" {
  description         = "never rotates"
  enable_key_rotation = false
}
"""


@pytest.fixture
def site(tmp_path: Path) -> Path:
    """A folder holding the installed package `acme-checks` and a module that fails on import."""
    folder = tmp_path / "site"
    (folder / "acme_checks").mkdir(parents=True)
    (folder / "acme_checks" / "__init__.py").write_text(PACKAGE, encoding="utf-8")
    (folder / "acme_broken.py").write_text("raise ImportError('needs acme-sdk, which is not installed')\n")
    info = folder / "acme_checks-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: acme-checks\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(ENTRY_POINTS, encoding="utf-8")
    return folder


def test_installed_plugins_are_loaded_and_broken_ones_named(
    site: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.syspath_prepend(str(site))
    loaded = plugin_checks(taken=[c.rule_id for c in CATALOGUE])
    assert [c.rule_id for c in loaded.checks] == ["acme.queue-named-by-team"]
    problems = {e.path: e.message for e in loaded.errors}
    assert set(problems) == {
        "<entry point ringfence.checks:broken (acme_broken:CHECKS)>",
        "<entry point ringfence.checks:missing (acme_checks:NOPE)>",
        "<entry point ringfence.checks:taken (acme_checks:TAKEN)>",
        "<entry point ringfence.checks:wrong (acme_checks:NOT_A_CHECK)>",
    }
    assert "needs acme-sdk" in problems["<entry point ringfence.checks:broken (acme_broken:CHECKS)>"]
    assert "AttributeError" in problems["<entry point ringfence.checks:missing (acme_checks:NOPE)>"]
    assert "already taken" in problems["<entry point ringfence.checks:taken (acme_checks:TAKEN)>"]
    assert (
        "not a ringfence Check" in problems["<entry point ringfence.checks:wrong (acme_checks:NOT_A_CHECK)>"]
    )


def test_plugin_findings_sit_beside_the_builtin_ones(
    site: Path, write_tree, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.syspath_prepend(str(site))
    root = write_tree({"tf/main.tf": TERRAFORM}) / "tf"
    outcome = scan([str(root)], ScanOptions(fail_on="low", cache=False))
    found = {(f.rule_id, f.resource, f.status.value) for f in outcome.result.findings}
    assert ("acme.queue-named-by-team", "aws_sqs_queue.fail_anonymous", "fail") in found
    assert not any(r == "aws_sqs_queue.pass_named" and rule.startswith("acme.") for rule, r, _ in found)
    # The built-in checks still run, the broken plug-ins are errors of the report.
    assert ("kms.key-rotation-enabled", "aws_kms_key.still", "fail") in found
    assert len([e for e in outcome.result.errors if e.path.startswith("<entry point")]) == 4
    assert outcome.exit_code == 1


def test_plugins_on_the_command_line(site: Path, write_tree) -> None:  # type: ignore[no-untyped-def]
    root = write_tree({"tf/main.tf": TERRAFORM}) / "tf"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(site), *sys.path])}

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "ringfence", *args],
            capture_output=True,
            text=True,
            cwd=ROOT,
            env=env,
            check=False,
        )

    listed = run("rules", "--format", "json")
    assert listed.returncode == 0, listed.stderr
    rules = {r["rule_id"]: r for r in json.loads(listed.stdout)["rules"]}
    assert rules["acme.queue-named-by-team"]["severity"] == "low"
    assert "kms.key-rotation-enabled" in rules
    assert "ringfence.checks:broken" in listed.stderr and "Traceback" not in listed.stderr
    for fmt in ("sarif", "json"):
        done = run("scan", str(root), "--format", fmt, "--fail-on", "low", "--no-cache")
        assert done.returncode == 1 and "Traceback" not in done.stderr
        assert "acme.queue-named-by-team" in done.stdout
