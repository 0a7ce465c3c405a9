"""Typos are mistakes said with their file and line, never accepted in silence: unknown keys in intents
and in the configuration, and intents naming what the estate does not declare."""

from __future__ import annotations

import json
from pathlib import Path

from tests.cli.test_scan_cli import EXAMPLE, ringfence

COUNTED = """
resource "aws_instance" "spare" {
  count         = 0
  ami           = "ami-12345678"
  instance_type = "t3.micro"
}
"""


def _intents(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "intents.yaml"
    path.write_text("intents:\n" + body, encoding="utf-8")
    return path


def test_an_unknown_key_of_an_intent_is_an_error_with_its_line(tmp_path: Path) -> None:
    path = _intents(
        tmp_path,
        "  - name: x\n    from: internet\n    to: aws_instance.bastion\n    must: not-reach\n    prot: tcp\n",
    )
    done = ringfence("scan", str(EXAMPLE), "--intents", str(path))
    assert done.returncode == 2
    assert f"{path}:2: unknown key 'prot'" in done.stderr and "did you mean port" in done.stderr


def test_an_intent_naming_nothing_declared_is_a_usage_error_with_a_suggestion(tmp_path: Path) -> None:
    path = _intents(
        tmp_path, "  - name: x\n    from: internet\n    to: aws_instance.bastio\n    must: not-reach\n"
    )
    done = ringfence("scan", str(EXAMPLE), "--intents", str(path))
    assert done.returncode == 2
    assert "'aws_instance.bastio' is not a resource of the estate" in done.stderr
    assert "did you mean aws_instance.bastion" in done.stderr


def test_a_declared_resource_with_no_instances_stays_unknown(tmp_path: Path) -> None:
    root = tmp_path / "estate"
    root.mkdir()
    for f in EXAMPLE.glob("*.tf"):
        (root / f.name).write_text(f.read_text(encoding="utf-8"), encoding="utf-8")
    (root / "spare.tf").write_text(COUNTED, encoding="utf-8")
    (root / "ringfence.yaml").write_text(
        "intents:\n  - name: spare-stays-private\n    from: internet\n    to: aws_instance.spare\n    must: not-reach\n"
        "  - name: typo\n    from: internet\n    to: aws_instance.bastio\n    must: not-reach\n",
        encoding="utf-8",
    )
    done = ringfence("scan", str(root), "--format", "json", "--fail-on", "none", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    spare = [f for f in report["findings"] if f["rule_id"] == "intent.spare-stays-private"]
    assert spare and all(f["status"] == "unknown" for f in spare)
    assert not [f for f in report["findings"] if f["rule_id"] == "intent.typo"]
    (error,) = [e for e in report["errors"] if "bastio" in e["message"]]
    assert error["path"].endswith("ringfence.yaml") and error["line"] == 6
    assert "status" not in error  # a mistake, not something undecided


def test_an_unknown_setting_is_an_error_with_its_line(tmp_path: Path) -> None:
    config = tmp_path / ".ringfence.toml"
    config.write_text('estate_scope = "account"\nfail_onn = "high"\n', encoding="utf-8")
    done = ringfence("scan", str(EXAMPLE), "--config", str(config))
    assert done.returncode == 2
    assert f"{config}:2: unknown setting 'fail_onn'; did you mean fail_on?" in done.stderr
