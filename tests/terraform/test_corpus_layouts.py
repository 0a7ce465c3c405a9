"""Real repository layouts (tests/corpus/layouts): every address a layout's expected.json names, read
from its Terraform by hand, is loaded, and nothing else, from each folder it is scanned at."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from ringfence.sources import load_estate
from tests.conftest import ROOT

CORPUS = Path(__file__).parents[1] / "corpus" / "layouts"
SCANS = [
    pytest.param(layout, scan, id=f"{layout.name}@{scan}")
    for layout in sorted(p for p in CORPUS.iterdir() if (p / "expected.json").is_file())
    for scan in json.loads((layout / "expected.json").read_text(encoding="utf-8"))["scan"]
]


def _expected(layout: Path) -> dict:  # type: ignore[type-arg]
    return json.loads((layout / "expected.json").read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def _scan(path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    # Paths shown from the scanned folder, as a repository of that layout would show them (the corpus
    # itself sits inside this repository, whose root would otherwise prefix every path).
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "ringfence",
            "scan",
            str(path),
            "--format",
            "json",
            "--path-root",
            str(path),
            *args,
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )


def test_the_corpus_holds_every_layout() -> None:
    assert [p.name[0] for p in sorted(CORPUS.iterdir())] == list("abcdefg")


@pytest.mark.parametrize(("layout", "scan"), SCANS)
def test_every_expected_resource_is_loaded(layout: Path, scan: str) -> None:
    expected = _expected(layout)
    assert expected["resources"] == len(expected["addresses"])
    estate = load_estate([str(layout / scan)])
    addresses = [r.address for r in estate.resources]
    assert set(expected["addresses"]) <= set(addresses), set(expected["addresses"]) - set(addresses)
    assert len(addresses) == expected["resources"]
    unknown = [(e.path, e.line) for e in estate.errors if e.undecided]
    assert unknown == [(u["path"], u["line"]) for u in expected.get("unknown", [])]
    assert not [e for e in estate.errors if not e.undecided]


def test_a_registry_module_not_downloaded_is_unknown_and_fails_with_fail_on_unknown() -> None:
    layout = CORPUS / "e-registry-not-downloaded"
    expected = _expected(layout)["unknown"]
    # No critical finding in it: only the unknown modules can fail the scan.
    done = _scan(layout, "--fail-on", "critical", "--fail-on-unknown")
    assert done.returncode == 1, done.stderr
    report = json.loads(done.stdout)
    unknown = [e for e in report["errors"] if e.get("status") == "unknown"]
    assert [(e["path"], e["line"]) for e in unknown] == [(u["path"], u["line"]) for u in expected]
    for entry, want in zip(unknown, expected, strict=True):
        assert entry["message"].startswith(want["module"] + " (source ")
        assert "not downloaded: run `terraform init`; what it would create is unknown" in entry["message"]
    # Without --fail-on-unknown the scan answers on what it read.
    assert _scan(layout, "--fail-on", "critical").returncode == 0


def test_each_nested_root_verifies_its_own_intents() -> None:
    layout = CORPUS / "c-nested-roots"
    for scanned, prefix in ((layout, "envs/"), (layout / "envs", ""), (layout / "envs/staging", None)):
        report = json.loads(_scan(scanned).stdout)
        intents = [
            (f["rule_id"], f["resource"], f["status"], f["location"]["path"])
            for f in report["findings"]
            if f["rule_id"].startswith("intent.")
        ]
        # prod's tag selector {tier: db} picks prod's database only (which holds): staging's open one
        # fails staging's own intent, named after the file that declares it.
        if prefix is None:
            assert intents == [
                ("intent.staging-db-stays-private", "aws_instance.db", "fail", "ringfence.yaml")
            ]
        else:
            assert intents == [
                (
                    "intent.staging-db-stays-private",
                    f"{prefix}staging:aws_instance.db",
                    "fail",
                    f"{prefix}staging/ringfence.yaml",
                )
            ]
            notes = [n for n in report["notes"] if n.startswith("intents of root")]
            assert notes == [
                f"intents of root {prefix}{env} read from {prefix}{env}/ringfence.yaml"
                for env in ("prod", "staging")
            ]
        assert report["errors"] == []
