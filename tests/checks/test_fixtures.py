"""Every check against its fixture, through the real Terraform source (STYLE.md, "Fixture convention").

``tests/fixtures/<rule id>/`` is a small Terraform root whose resources are named for the verdict they must
get. A folder ``<rule id>@<variant>`` holds a second estate for the same check, for cases one estate cannot
hold together (an account-level S3 block applies to every bucket of the estate).

- ``pass_*``: no finding at all.
- ``fail_*``: findings, all with a failing status (``fail``; ``exposed`` or ``latent`` for the network
  checks, see STATUSES) and at least one not suppressed.
- ``fail_suppressed*``: findings as above, every one suppressed by an ignore comment.
- ``unknown_*``: findings, all ``unknown``.
- anything else (helper resources): no finding.

A Kubernetes fixture is a folder of manifests: object names cannot hold ``_``, so ``pass-x``, ``fail-x`` and
``unknown-x`` are cases ``pass_x``, ``fail_x`` and ``unknown_x``.

A resource's name is ``Resource.name`` without its ``[index]``: ``fail_x[0]``, ``fail_x[1]`` and
``module.m["a"].aws_kms_key.fail_x`` are all case ``fail_x``. The fixture is the truth: where a check is wrong, its case is marked in KNOWN_BUGS.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest

from ringfence.checks.base import Status
from ringfence.checks.catalogue import by_id
from ringfence.engine.findings import Finding
from ringfence.engine.runner import run_checks
from ringfence.model import K8S, Estate, Resource
from ringfence.sources import load_estate

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
PREFIXES = ("pass_", "fail_", "unknown_")
# The whole estate of a folder: load errors, missing cases, findings on resources no case names.
WHOLE = "(estate)"

_RESOURCE_BLOCK = re.compile(r'^resource\s+"([\w-]+)"\s+"([\w-]+)"', re.MULTILINE)

_NETWORK = frozenset({Status.EXPOSED, Status.LATENT, Status.UNKNOWN})
# Statuses a fail_* case may have: `fail` unless listed here. The network checks take the status of a
# group's members from the reachability analysis (ringfence.network), `unknown` where it cannot decide.
# Where the fixture's topology decides, the set already excludes the wrong answer; drop UNKNOWN from those
# once the analysis is part of every build. A group without members is latent whatever the analysis says.
STATUSES: Mapping[str, Mapping[str, frozenset[Status]]] = {
    "network.admin-port-exposed": {
        "*": _NETWORK,
        # Public IP, subnet routed to an internet gateway, default network ACL.
        "fail_public_bastion": frozenset({Status.EXPOSED, Status.UNKNOWN}),
        # No public address, no route from the internet.
        "fail_private_app": frozenset({Status.LATENT, Status.UNKNOWN}),
        "fail_unused_group": frozenset({Status.LATENT}),
    },
    "network.database-port-exposed": {
        "*": _NETWORK,
        "fail_public_postgres": frozenset({Status.EXPOSED, Status.UNKNOWN}),
        "fail_private_postgres": frozenset({Status.LATENT, Status.UNKNOWN}),
        "fail_unused_group": frozenset({Status.LATENT}),
    },
}

# (fixture folder, case) -> what the check gets wrong. The fixture is right; strict, so the mark has to go
# when the check is fixed.
KNOWN_BUGS: Mapping[tuple[str, str], str] = {}


@dataclass(frozen=True, slots=True)
class Case:
    folder: str
    name: str

    @property
    def rule_id(self) -> str:
        return self.folder.split("@", 1)[0]

    def __str__(self) -> str:
        return f"{self.folder}::{self.name}"


# Fixture folders of a source's own tests (tests/sources/<source>/), not of one check.
SOURCE_FIXTURES = frozenset({"cloudformation", "kubernetes"})


def fixture_folders() -> list[Path]:
    return sorted(p for p in FIXTURES.iterdir() if p.is_dir() and p.name not in SOURCE_FIXTURES)


def declared_names(folder: Path) -> dict[str, str]:
    """Resource labels written in the folder's .tf files (local modules included), and object names of its
    Kubernetes manifests -> their kind."""
    from ringfence.sources.kubernetes.manifests import read_manifests

    found: dict[str, str] = {}
    for file in sorted(folder.rglob("*.tf")):
        for kind, label in _RESOURCE_BLOCK.findall(file.read_text(encoding="utf-8")):
            found[label] = kind
    for file in sorted((*folder.rglob("*.yaml"), *folder.rglob("*.yml"))):
        for manifest in read_manifests(file, file.name)[0]:
            found[_kubernetes_case(manifest.name)] = K8S + manifest.kind
    return found


def _kubernetes_case(name: str) -> str:
    for prefix in PREFIXES:
        if name.startswith(prefix[:-1] + "-"):
            return prefix + name[len(prefix) :]
    return name


def _cases() -> Iterator[object]:
    for folder in fixture_folders():
        names = [n for n in declared_names(folder) if n.startswith(PREFIXES)]
        for case in (Case(folder.name, WHOLE), *(Case(folder.name, n) for n in sorted(names))):
            reason = KNOWN_BUGS.get((case.folder, case.name))
            marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
            yield pytest.param(case, id=str(case), marks=marks)


@dataclass(frozen=True)
class Scan:
    estate: Estate
    findings: Mapping[str, tuple[Finding, ...]]  # resource address -> its findings
    errors: tuple[str, ...]


@cache
def scan(folder: str) -> Scan:
    rule_id = folder.split("@", 1)[0]
    estate = load_estate([str(FIXTURES / folder)])
    result = run_checks(estate, checks=[by_id()[rule_id]])
    findings: dict[str, list[Finding]] = {}
    for finding in result.findings:
        findings.setdefault(finding.resource, []).append(finding)
    errors = tuple(f"{e.path}:{e.line}: {e.message}" for e in result.errors)
    return Scan(estate, {k: tuple(v) for k, v in findings.items()}, errors)


def case_name(resource: Resource) -> str:
    if resource.kind.startswith(K8S):
        return _kubernetes_case(resource.name)
    return resource.name.split("[", 1)[0]


def _describe(findings: tuple[Finding, ...]) -> str:
    return "; ".join(
        f"{f.status.value}{' (suppressed)' if f.suppressed else ''}: {f.message}" for f in findings
    )


@pytest.mark.parametrize("case", list(_cases()))
def test_fixture(case: Case) -> None:
    check = by_id().get(case.rule_id)
    assert check is not None, f"{case.folder}: no check {case.rule_id} in the catalogue"
    result = scan(case.folder)
    assert not result.errors, f"loading or checking failed: {result.errors}"
    if case.name == WHOLE:
        _check_whole(case, result)
        return

    instances = [r for r in result.estate.resources if case_name(r) == case.name]
    assert instances, f"{case.name} is written in the fixture but not in the estate"
    if check.per_resource is not None and check.kinds != ("*",):
        wrong = sorted({r.kind for r in instances} - set(check.kinds))
        assert not wrong, f"{case.name} is a {wrong[0]}: {case.rule_id} only looks at {check.kinds}"
    for resource in instances:
        findings = result.findings.get(resource.address, ())
        shown = f"{resource.address}: {_describe(findings) or 'no finding'}"
        if case.name.startswith("pass_"):
            assert not findings, shown
        elif case.name.startswith("unknown_"):
            assert findings, shown
            assert all(f.status is Status.UNKNOWN for f in findings), shown
            assert all(f.suppressed is None for f in findings), shown
        else:
            assert findings, shown
            by_case = STATUSES.get(case.rule_id, {})
            allowed = by_case.get(case.name, by_case.get("*", frozenset({Status.FAIL})))
            assert all(f.status in allowed for f in findings), f"{shown} (expected {sorted(allowed)})"
            if case.name.startswith("fail_suppressed"):
                assert all(f.suppressed is not None for f in findings), shown
            else:
                assert any(f.suppressed is None for f in findings), shown


def _check_whole(case: Case, result: Scan) -> None:
    declared = declared_names(FIXTURES / case.folder)
    named = [n for n in declared if n.startswith(PREFIXES)]
    assert any(n.startswith("pass_") for n in named), f"{case.folder} has no pass_* resource"
    assert any(n.startswith("fail_") for n in named), f"{case.folder} has no fail_* resource"
    loaded = {case_name(r) for r in result.estate.resources}
    missing = sorted(set(declared) - loaded)
    assert not missing, f"written in the fixture but not in the estate: {missing}"
    stray = sorted(
        f"{address}: {_describe(findings)}"
        for address, findings in result.findings.items()
        if not _named(result.estate.get(address))
    )
    assert not stray, f"findings on resources that no case names: {stray}"


def _named(resource: Resource | None) -> bool:
    return resource is not None and case_name(resource).startswith(PREFIXES)


def test_known_bugs_name_real_cases() -> None:
    """A KNOWN_BUGS entry whose case was renamed or removed would silently stop marking anything."""
    cases = {(folder.name, name) for folder in fixture_folders() for name in declared_names(folder)}
    assert not sorted(set(KNOWN_BUGS) - cases)
