"""The catalogue is a value (STYLE.md): every check is listed, described and has fixtures."""

from __future__ import annotations

import importlib
import json
import pkgutil
import re
import subprocess
import sys
from collections import Counter
from typing import get_args

import hcl2
import pytest

import ringfence.checks
from ringfence.checks import estate_controls, live
from ringfence.checks.base import Check, Pillar, Severity
from ringfence.checks.catalogue import CATALOGUE, by_id
from tests.checks.test_fixtures import FIXTURES, declared_names, fixture_folders

RULE_ID = re.compile(r"^[a-z0-9-]+\.[a-z0-9-]+$")
# A title states the secure condition ("... rotate automatically"), not the problem or an order.
PROBLEM_PHRASING = re.compile(
    r"\b(missing|not enabled|disabled|not configured|not set|lacks?|is off|are off)\b|^ensure\b",
    re.IGNORECASE,
)
# Checks of a control the estate does not contain: their finding is about the account, which no fixture
# resource can name, so tests/checks/test_estate_controls.py tests them under both estate scopes.
ABSENCE_CHECKS = frozenset(c.rule_id for c in estate_controls.CHECKS)
# Checks of what only a live account shows: their fixtures are live-account seeds (pass_*/fail_*/unknown_*
# users and keys created in a moto server), in tests/live/test_live_checks.py.
LIVE_CHECKS = frozenset(c.rule_id for c in live.CHECKS)
HEAVY = ("tfparse", "boto3", "botocore", "duckdb", "pyspark", "z3", "yaml", "hcl2")


def _module_checks() -> list[tuple[str, Check]]:
    """Every Check in the CHECKS tuple of every module of ringfence.checks."""
    found: list[tuple[str, Check]] = []
    for info in pkgutil.iter_modules(ringfence.checks.__path__):
        module = importlib.import_module(f"ringfence.checks.{info.name}")
        checks = getattr(module, "CHECKS", None)
        if checks is None:
            continue
        assert isinstance(checks, tuple), f"ringfence.checks.{info.name}.CHECKS is not a tuple"
        found += [(info.name, c) for c in checks]
    return found


def test_every_module_check_is_in_the_catalogue() -> None:
    listed = {id(c) for c in CATALOGUE}
    module_checks = _module_checks()
    assert module_checks, "no CHECKS found in ringfence.checks"
    missing = [f"{module}: {c.rule_id}" for module, c in module_checks if id(c) not in listed]
    assert not missing, f"checks defined but not listed in CATALOGUE: {missing}"
    defined = {id(c) for _, c in module_checks}
    stray = [c.rule_id for c in CATALOGUE if id(c) not in defined]
    assert not stray, f"catalogue entries that no module's CHECKS holds: {stray}"


def test_catalogue_has_no_duplicates() -> None:
    assert all(isinstance(c, Check) for c in CATALOGUE)
    twice = [rule for rule, n in Counter(c.rule_id for c in CATALOGUE).items() if n > 1]
    assert not twice, f"rule ids listed more than once: {twice}"
    assert len({id(c) for c in CATALOGUE}) == len(CATALOGUE)
    assert set(by_id()) == {c.rule_id for c in CATALOGUE}


@pytest.mark.parametrize("check", CATALOGUE, ids=lambda c: c.rule_id)
def test_metadata(check: Check) -> None:
    meta = check.meta
    assert RULE_ID.match(meta.rule_id), f"{meta.rule_id!r} is not <area>.<what-it-checks>"
    title = meta.title
    assert title.strip() == title and title[:1].isupper(), f"{title!r}"
    assert not title.endswith("."), f"title ends with a period: {title!r}"
    assert not PROBLEM_PHRASING.search(title), f"title names the problem, not the secure condition: {title!r}"
    assert meta.rationale.strip(), "no rationale"
    assert meta.remediation.strip(), "no remediation"
    assert meta.pillar in get_args(Pillar), f"unknown pillar {meta.pillar!r}"
    assert isinstance(meta.severity, Severity)
    assert len(set(meta.peers)) == len(meta.peers), f"repeated peer ids: {meta.peers}"
    assert all(re.match(r"^[\w.-]+:[\w.-]+$", c) for c in meta.compliance), f"{meta.compliance}"


@pytest.mark.parametrize("check", CATALOGUE, ids=lambda c: c.rule_id)
def test_terraform_snippet_parses(check: Check) -> None:
    snippet = check.meta.terraform
    assert snippet.strip(), "no Terraform snippet"
    parsed = hcl2.loads(snippet)
    assert parsed.get("resource") or parsed.get("data"), f"the snippet declares no resource: {snippet!r}"


@pytest.mark.parametrize("check", CATALOGUE, ids=lambda c: c.rule_id)
def test_check_is_runnable(check: Check) -> None:
    """Exactly one way to run: per resource of some kinds, or once over the estate."""
    assert (check.per_resource is None) != (check.per_estate is None)
    if check.per_resource is not None:
        assert check.kinds, "a per-resource check names the kinds it looks at"
    else:
        assert check.kinds == (), "an estate check has no kinds"


@pytest.mark.parametrize("check", CATALOGUE, ids=lambda c: c.rule_id)
def test_has_fixture_with_pass_and_fail_cases(check: Check) -> None:
    if check.rule_id in ABSENCE_CHECKS or check.rule_id in LIVE_CHECKS:
        return
    folder = FIXTURES / check.rule_id
    assert folder.is_dir(), f"no fixture folder tests/fixtures/{check.rule_id}/"
    names = declared_names(folder)
    assert any(n.startswith("pass_") for n in names), f"{folder.name} has no pass_* resource"
    assert any(n.startswith("fail_") for n in names), f"{folder.name} has no fail_* resource"


def test_every_fixture_folder_belongs_to_a_check() -> None:
    stray = [p.name for p in fixture_folders() if p.name.split("@", 1)[0] not in by_id()]
    assert not stray, f"fixture folders for no check in the catalogue: {stray}"


def test_importing_the_checks_loads_nothing_heavy() -> None:
    code = (
        "import importlib, json, pkgutil, sys\n"
        "import ringfence.checks\n"
        "for m in pkgutil.iter_modules(ringfence.checks.__path__):\n"
        "    importlib.import_module('ringfence.checks.' + m.name)\n"
        "print(json.dumps(sorted(sys.modules)))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    loaded = json.loads(out)
    heavy = sorted(m for m in loaded if m.split(".", 1)[0] in HEAVY)
    assert not heavy, f"importing ringfence.checks loads {heavy}"
