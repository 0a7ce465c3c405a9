"""The switchboard: every misconfiguration of the catalogue behind a boolean variable, against a manifest of
what each must produce, written by hand (manifest.yaml).

- every switch on (switches_on.tfvars): the failing findings are exactly the manifest's pairs, each with
  its status, and nothing is left undecided;
- every switch off: no switched resource exists and the estate, an account's whole configuration, has no
  finding of any status;
- every rule of the catalogue has a switch or is listed under ``not_switchable`` with its reason.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import hcl2
import yaml

from ringfence.checks.base import Status
from ringfence.checks.catalogue import CATALOGUE
from ringfence.engine.config import Config
from ringfence.engine.runner import run_checks
from ringfence.sources import LoadOptions, load_estate

HERE = Path(__file__).resolve().parent
MANIFEST = HERE / "manifest.yaml"
SWITCHES_ON = HERE / "switches_on.tfvars"
# Statuses that report a misconfiguration: `fail`, and for the network exposure rules `exposed`/`latent`.
FAILING = frozenset({Status.FAIL, Status.EXPOSED, Status.LATENT})

Pair = tuple[str, str]  # (rule id, resource address)


@dataclass(frozen=True)
class Expected:
    switch: str
    pairs: Mapping[Pair, Status]


def _pairs(entries: list[list[str]]) -> dict[Pair, Status]:
    found: dict[Pair, Status] = {}
    for entry in entries:
        rule, address, *status = entry
        found[(rule, address)] = Status(status[0]) if status else Status.FAIL
    return found


@cache
def manifest() -> tuple[tuple[Expected, ...], frozenset[str]]:
    data: dict[str, Any] = yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))
    switched = tuple(
        Expected(str(entry["switch"]), {**_pairs(entry["expect"]), **_pairs(entry.get("also", []))})
        for entry in data["switched"]
    )
    return switched, frozenset(str(entry["rule"]) for entry in data["not_switchable"])


def expected_pairs() -> dict[Pair, Status]:
    return {pair: status for e in manifest()[0] for pair, status in e.pairs.items()}


@cache
def scan(on: bool) -> tuple[dict[Pair, frozenset[Status]], frozenset[str], tuple[str, ...]]:
    """(rule id, address) -> statuses of its findings; the estate's addresses; load and check errors."""
    options = LoadOptions(var_files=(str(SWITCHES_ON),) if on else (), cache=False)
    estate = load_estate([str(HERE)], options)
    result = run_checks(estate, Config(estate_scope="account"), checks=CATALOGUE)
    found: dict[Pair, set[Status]] = {}
    for finding in result.findings:
        if finding.suppressed is None:
            found.setdefault((finding.rule_id, finding.resource), set()).add(finding.status)
    errors = tuple(f"{e.path}:{e.line}: {e.message}" for e in result.errors)
    addresses = frozenset(r.address for r in estate.resources)
    return {k: frozenset(v) for k, v in found.items()}, addresses, errors


def _shown(pairs: set[Pair] | list[Pair]) -> str:
    return "\n  ".join(f"{rule} on {address}" for rule, address in sorted(pairs))


def test_switches_on_fail_exactly_the_manifest() -> None:
    found, _, errors = scan(on=True)
    assert not errors, errors
    failing = {pair for pair, statuses in found.items() if statuses & FAILING}
    expected = expected_pairs()
    missed = set(expected) - failing
    extra = failing - set(expected)
    assert not missed, f"in the manifest, not reported as failing:\n  {_shown(missed)}"
    assert not extra, f"reported as failing, not in the manifest:\n  {_shown(extra)}"
    wrong = sorted(
        f"{rule} on {address}: {sorted(s.value for s in found[(rule, address)])}, manifest {status.value}"
        for (rule, address), status in expected.items()
        if found[(rule, address)] != {status}
    )
    assert not wrong, "\n".join(wrong)


def test_switches_on_leave_nothing_undecided() -> None:
    found, _, _ = scan(on=True)
    undecided = [pair for pair, statuses in found.items() if Status.UNKNOWN in statuses]
    assert not undecided, f"unknown findings in the switchboard:\n  {_shown(undecided)}"


def test_switches_off_no_finding_at_all() -> None:
    found, addresses, errors = scan(on=False)
    assert not errors, errors
    # The baseline has a trail, a detector, Security Hub, a recorder and a password policy: with
    # estate_scope = "account" the estate-level rules would fail if any were missing.
    assert not found, f"findings with every switch off:\n  {_shown(list(found))}"
    switched = {address for _, address in expected_pairs() if address.endswith("[0]")}
    assert not switched & addresses, sorted(switched & addresses)


def test_every_switch_is_a_variable_turned_on_by_the_tfvars() -> None:
    switches = [e.switch for e in manifest()[0]]
    assert len(switches) == len(set(switches)), "a switch is listed twice in manifest.yaml"
    declared: set[str] = set()
    for path in HERE.glob("*.tf"):
        with path.open(encoding="utf-8") as handle:
            for block in hcl2.load(handle).get("variable", []):
                declared |= {name.strip('"') for name in block}
    with SWITCHES_ON.open(encoding="utf-8") as handle:
        turned_on = {name for name, value in hcl2.load(handle).items() if value is True}
    assert declared == set(switches), (
        f"variables without a manifest entry: {sorted(declared - set(switches))}; "
        f"manifest switches without a variable: {sorted(set(switches) - declared)}"
    )
    assert turned_on == declared, f"not turned on by switches_on.tfvars: {sorted(declared - turned_on)}"


def test_every_rule_has_a_switch_or_a_reason() -> None:
    """A new check needs a switch in tests/switchboard/ (a resource with `count = var.<rule id with . and -
    as _> ? 1 : 0`, its variable, its line in switches_on.tfvars and its entry in manifest.yaml), or an
    entry under `not_switchable` saying why none can trip it."""
    switched, not_switchable = manifest()
    covered = {rule for e in switched for rule, _ in e.pairs}
    catalogue = {check.rule_id for check in CATALOGUE}
    missing = sorted(catalogue - covered - not_switchable)
    assert not missing, "rules of the catalogue with no switch and no not_switchable reason:\n  " + (
        "\n  ".join(missing)
    )
    unknown = sorted((covered | not_switchable) - catalogue)
    assert not unknown, f"manifest.yaml names rules that are not in the catalogue: {unknown}"
    both = sorted(covered & not_switchable)
    assert not both, f"rules both switched and not_switchable: {both}"
