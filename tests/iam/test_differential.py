"""Differential testing against @cloud-copilot/iam-simulate (AGPL, run as a separate node process).

Thousands of hypothesis-generated cases (every policy type, every operator family) are decided by both
engines; every disagreement must be one of the documented differences (tests/iam/DIFFERENCES.md), each
recognised by re-deciding the case under the other reading of the AWS page and getting the oracle's answer.
"""

from __future__ import annotations

import copy
import json
import os
import re
import sys
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, given, settings

sys.path.insert(0, str(Path(__file__).resolve().parent))

import casegen
import oracle

from ringfence.iam.evaluator import CompiledPolicySet, EvalOptions

N_CASES = int(os.environ.get("RINGFENCE_IAM_DIFF_CASES", "5000"))


class _AnyService(frozenset[str]):
    def __contains__(self, item: object) -> bool:
        return True


def _generate(n: int) -> list[dict[str, Any]]:
    cases: list[dict[str, Any]] = []

    @settings(
        max_examples=n,
        database=None,
        derandomize=True,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
        deadline=None,
    )
    @given(casegen.case())
    def collect(case: dict[str, Any]) -> None:
        cases.append(case)

    collect()
    return cases


def _ours(case: dict[str, Any], options: EvalOptions | None = None) -> str:
    ps, req = casegen.to_ringfence(case)
    return CompiledPolicySet(ps, options).decide(req).decision


def _epoch_as_milliseconds(case: dict[str, Any]) -> dict[str, Any]:
    """The case with numeric Date values read as epoch milliseconds (the other reading)."""
    out = copy.deepcopy(case)

    def iso(v: str) -> str:
        return datetime.fromtimestamp(int(v) / 1000, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")

    def fix_policy(doc: dict[str, Any]) -> None:
        for stmt in doc.get("Statement", []):
            for op, block in stmt.get("Condition", {}).items():
                if "date" not in op.lower():
                    continue
                for key, values in block.items():
                    vals = values if isinstance(values, list) else [values]
                    block[key] = [iso(v) if re.fullmatch(r"\d+", v) else v for v in vals]

    for p in (
        out["identityPolicies"]
        + out.get("permissionBoundaryPolicies", [])
        + out.get("vpcEndpointPolicies", [])
    ):
        fix_policy(p["policy"])
    for level in out["serviceControlPolicies"] + out["resourceControlPolicies"]:
        for p in level["policies"]:
            fix_policy(p["policy"])
    for key in ("resourcePolicy", "sessionPolicy"):
        if out.get(key):
            fix_policy(out[key])
    return out


def _numbers_as_integer_prefix(case: dict[str, Any]) -> dict[str, Any]:
    """The case with exponent numbers ("1e3") in Numeric conditions read as their integer prefix ("1")."""
    text = json.dumps(case)
    out: dict[str, Any] = json.loads(re.sub(r'"(\d+)[eE]\d+"', r'"\1"', text))
    return out


# Each documented difference: a name, and how to re-decide the case under iam-simulate's reading.
DIFFERENCES: list[tuple[str, Any]] = [
    ("rcp-services", lambda c: _ours(c, EvalOptions(rcp_services=_AnyService()))),
    ("session-grant", lambda c: _ours(c, EvalOptions(session_grants_bypass_limits=False))),
    ("trailing-star", lambda c: _ours(c, EvalOptions(trailing_star_crosses_segments=False))),
    ("escape-variables", lambda c: _ours(c, EvalOptions(escapes_everywhere=False))),
    ("epoch-seconds", lambda c: _ours(_epoch_as_milliseconds(c))),
    ("numeric-format", lambda c: _ours(_numbers_as_integer_prefix(c))),
    (
        "several",
        lambda c: _ours(
            _numbers_as_integer_prefix(_epoch_as_milliseconds(c)),
            EvalOptions(
                rcp_services=_AnyService(),
                session_grants_bypass_limits=False,
                trailing_star_crosses_segments=False,
                escapes_everywhere=False,
            ),
        ),
    ),
]


def _features(case: dict[str, Any]) -> set[str]:
    feats = {"identity"} if case["identityPolicies"] else set()
    for key, name in (
        ("permissionBoundaryPolicies", "boundary"),
        ("sessionPolicy", "session"),
        ("serviceControlPolicies", "scp"),
        ("resourceControlPolicies", "rcp"),
        ("resourcePolicy", "resource"),
        ("vpcEndpointPolicies", "vpc_endpoint"),
    ):
        if case.get(key):
            feats.add(name)
    text = json.dumps(case)
    for family in (
        "Binary",
        "String",
        "Numeric",
        "Date",
        "Bool",
        "IpAddress",
        "Arn",
        "Null",
        "ForAllValues",
        "ForAnyValue",
        "IfExists",
        "NotAction",
        "NotResource",
        "NotPrincipal",
        "${",
    ):
        if f'"{family}' in text or (family in ("IfExists", "${") and family in text):
            feats.add(family)
    return feats


def _require_oracle() -> None:
    """Skip without the oracle on a laptop; fail loudly in CI, where it must be installed."""
    missing = oracle.available()
    if missing:
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(f"the IAM differential oracle is required in CI: {missing}")
        pytest.skip(missing)


def test_missing_oracle_fails_in_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(oracle, "available", lambda: "node is not installed")
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception):
        _require_oracle()
    monkeypatch.setenv("CI", "")
    with pytest.raises(pytest.skip.Exception):
        _require_oracle()


@pytest.mark.slow
def test_ringfence_agrees_with_iam_simulate() -> None:
    _require_oracle()
    cases = _generate(N_CASES)
    results, _seconds = oracle.run(cases)
    mix: Counter[str] = Counter()
    features: Counter[str] = Counter()
    explained: Counter[str] = Counter()
    unexplained: list[dict[str, Any]] = []
    compared = 0
    for case, result in zip(cases, results, strict=True):
        if result["error"]:
            continue  # the oracle rejected the input (its validation); nothing to compare
        compared += 1
        expected = casegen.ORACLE_NAMES[result["result"]]
        mix[expected] += 1
        features.update(_features(case))
        if _ours(case) == expected:
            continue
        for name, redo in DIFFERENCES:
            if redo(case) == expected:
                explained[name] += 1
                break
        else:
            unexplained.append({"case": case, "oracle": expected, "ours": _ours(case)})
    report = {
        "compared": compared,
        "rejected_by_oracle": len(cases) - compared,
        "decisions": {k: f"{v} ({100 * v / compared:.0f}%)" for k, v in sorted(mix.items())},
        "features": dict(sorted(features.items())),
        "documented_differences": dict(explained),
    }
    print("\nIAM differential mix:", json.dumps(report, indent=1))
    assert compared >= N_CASES * 0.8
    for kind in ("allow", "explicit_deny", "implicit_deny"):
        assert mix[kind] / compared >= 0.15, f"{kind} is under 15% of the cases: {report}"
    for feature in (
        "identity",
        "boundary",
        "session",
        "scp",
        "rcp",
        "resource",
        "vpc_endpoint",
        "String",
        "Binary",
        "Numeric",
        "Date",
        "Bool",
        "IpAddress",
        "Arn",
        "Null",
        "ForAllValues",
        "ForAnyValue",
    ):
        assert features[feature] > 0, f"no case exercises {feature}"
    assert not unexplained, json.dumps(unexplained[:3], indent=1)
