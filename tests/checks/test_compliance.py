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
from ringfence.checks.compliance import DECIDABLE, FILES, NAMES
from ringfence.checks.compliance import framework as framework_named

FOLDER = Path(ringfence.checks.__file__).parent / "compliance"


def _files() -> dict[str, dict[str, list[str]]]:
    """framework -> rule id -> control ids, read straight from the files."""
    out: dict[str, dict[str, list[str]]] = {}
    for path in sorted(FOLDER.glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        assert set(data) == {"framework", "title", "controls", "framework_controls"}, path.name
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


def _listed(name: str) -> list[str]:
    data = yaml.safe_load((FOLDER / name).read_text(encoding="utf-8"))
    return [str(c["id"]) for c in data["framework_controls"]]


def test_every_mapped_control_is_a_listed_control_of_its_framework() -> None:
    for name in NAMES:
        fw = framework_named(name)
        listed = {c.id for c in fw.controls}
        stray = {rule: sorted(set(ids) - listed) for rule, ids in fw.rules.items() if set(ids) - listed}
        assert not stray, f"{fw.id}: rules mapped to controls the framework does not list: {stray}"


def test_control_lists_are_complete_and_well_formed() -> None:
    for name in NAMES:
        fw = framework_named(name)
        ids = [c.id for c in fw.controls]
        assert len(ids) == len(set(ids)), f"{fw.id} lists a control twice"
        assert all(c.title and c.decidable in DECIDABLE for c in fw.controls), fw.id
        assert ids == _listed(NAMES[name])  # read in the file's order
    # CIS v5.0.0: sections 1 to 5, numbered without gaps within each (sub)section.
    cis = _listed("cis-aws-5.0.yaml")
    by_parent: dict[str, list[int]] = {}
    for cid in cis:
        parent, _, last = cid.rpartition(".")
        by_parent.setdefault(parent, []).append(int(last))
    for parent, numbers in by_parent.items():
        # a number held by a subsection (5.1 holds 5.1.1 and 5.1.2) is not a control of its own
        first = 1 + sum(1 for n in range(1, numbers[0]) if f"{parent}.{n}" in by_parent)
        assert numbers == list(range(first, first + len(numbers))), (parent, numbers)
    assert {p for p in by_parent if "." not in p} == {"1", "3", "4", "5"}
    assert {"1.21", "2.1.4", "2.2.4", "2.3.1", "3.9", "4.16", "5.1.2", "5.7"} <= set(cis)
    assert "5.1" not in cis and "2.1" not in cis  # subsections, not controls
    fsbp = _listed("fsbp.yaml")
    assert all(c.split(".")[0].isalnum() and c.split(".")[1].isdigit() for c in fsbp)
