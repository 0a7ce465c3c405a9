"""Compliance mappings are data (src/ringfence/checks/compliance/*.yaml), keyed by rule id."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import yaml

import ringfence.checks
from ringfence.checks.catalogue import CATALOGUE, by_id
from ringfence.checks.compliance import FILES

FOLDER = Path(ringfence.checks.__file__).parent / "compliance"


def _files() -> dict[str, dict[str, list[str]]]:
    """framework -> rule id -> control ids, read straight from the files."""
    out: dict[str, dict[str, list[str]]] = {}
    for path in sorted(FOLDER.glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        assert set(data) == {"framework", "controls"}, path.name
        assert data["framework"] not in out, f"{data['framework']} is mapped in two files"
        out[data["framework"]] = {str(k): [str(c) for c in v] for k, v in data["controls"].items()}
    return out


def test_one_file_per_framework_and_every_file_is_loaded() -> None:
    assert sorted(FILES) == sorted(p.name for p in FOLDER.glob("*.yaml"))
    assert len(_files()) == len(FILES)


def test_every_mapped_id_names_a_rule_of_the_catalogue() -> None:
    for framework, controls in _files().items():
        stray = sorted(set(controls) - set(by_id()))
        assert not stray, f"{framework} maps rule ids no check has: {stray}"
        for rule_id, ids in controls.items():
            assert ids and len(ids) == len(set(ids)), f"{framework} {rule_id}: {ids}"


def test_rules_command_shows_the_mappings_of_the_files() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "ringfence", "rules", "--format", "json"],
        capture_output=True,
        text=True,
        check=True,
    )
    shown = {r["rule_id"]: r["compliance"] for r in json.loads(done.stdout)["rules"]}
    files = _files()
    order = [yaml.safe_load((FOLDER / name).read_text(encoding="utf-8"))["framework"] for name in FILES]
    for check in CATALOGUE:
        expected = [f"{fw}:{c}" for fw in order for c in files[fw].get(check.rule_id, [])]
        assert shown[check.rule_id] == expected, check.rule_id


def test_no_check_writes_its_mappings_in_code() -> None:
    """Only the custom rule reader passes controls, those its rule files declare."""
    for path in Path(ringfence.checks.__file__).parent.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.keyword) and node.arg in ("compliance", "controls"):
                assert path.name == "custom_rules.py" and node.arg == "controls", (
                    f"{path.name}:{node.value.lineno} maps controls in code"
                )
