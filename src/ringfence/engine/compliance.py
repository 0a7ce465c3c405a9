"""The compliance view of a scan: every control of a framework with its status and the checks behind it.

A control's status follows from the results of the rules mapped to it (``checks/compliance/*.yaml``, and
the controls a custom rule declares), read as the rest of ringfence reads results: unknown is not pass,
and nothing read is not pass.

- ``fail``: a rule behind the control failed on some resource (suppressed and baseline findings count:
  they change the exit code, not what the configuration is).
- ``not_decidable``: only the running account (``live``) or judgement (``manual``) decides the control;
  ringfence says so, even when the configuration shows no failure.
- ``unknown``: a result behind it is unknown, a rule behind it did not run (skipped by the configuration),
  no rule of ringfence decides it yet, or some input could not be read.
- ``not_applicable``: the rules behind it ran and read no resource.
- ``pass``: every rule behind it ran, at least one resource was read, and every result passed.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Literal

from ringfence.checks.compliance import Control, Framework, framework
from ringfence.engine.runner import ScanResult
from ringfence.model.findings import Status

ControlStatus = Literal["pass", "fail", "unknown", "not_applicable", "not_decidable"]
STATUSES: tuple[ControlStatus, ...] = ("pass", "fail", "unknown", "not_applicable", "not_decidable")

_FAILING = (Status.FAIL, Status.EXPOSED, Status.LATENT)


@dataclass(frozen=True)
class RuleCount:
    """What one rule behind a control found: resources that passed, failed and could not be decided."""

    rule_id: str
    passed: int = 0
    failed: int = 0
    unknown: int = 0
    ran: bool = True


@dataclass(frozen=True)
class ControlResult:
    control: Control
    status: ControlStatus
    reason: str
    rules: tuple[RuleCount, ...]


@dataclass(frozen=True)
class Assessment:
    framework: Framework
    controls: tuple[ControlResult, ...]

    def counts(self) -> dict[ControlStatus, int]:
        seen = Counter(c.status for c in self.controls)
        return {s: seen[s] for s in STATUSES}


def assess(result: ScanResult, name: str) -> Assessment:
    """The controls of the framework ``name`` (``cis-aws-5.0``, ``fsbp``) against ``result``."""
    fw = framework(name)
    prefix = f"{fw.id}:"
    behind: dict[str, dict[str, None]] = {c.id: {} for c in fw.controls}
    for rule_id, ids in fw.rules.items():
        for cid in ids:
            behind.setdefault(cid, {})[rule_id] = None
    for check in result.checks:  # custom rules and plug-ins declare their own controls
        for full in check.meta.compliance:
            if full.startswith(prefix):
                behind.setdefault(full[len(prefix) :], {})[check.rule_id] = None
    ran = {check.rule_id for check in result.checks}
    failed: Counter[str] = Counter()
    unknown: Counter[str] = Counter()
    for f in result.findings:
        if f.status in _FAILING:
            failed[f.rule_id] += 1
        elif f.status is Status.UNKNOWN:
            unknown[f.rule_id] += 1
    unread = len(result.errors)
    out = []
    for control in fw.controls:
        rules = tuple(
            RuleCount(r, result.passes[r], failed[r], unknown[r], r in ran)
            for r in sorted(behind[control.id])
        )
        status, reason = _status(control, rules, unread)
        out.append(ControlResult(control, status, reason, rules))
    return Assessment(fw, tuple(out))


def _status(control: Control, rules: tuple[RuleCount, ...], unread: int) -> tuple[ControlStatus, str]:
    failed = sum(r.failed for r in rules)
    unknown = sum(r.unknown for r in rules)
    passed = sum(r.passed for r in rules)
    skipped = [r.rule_id for r in rules if not r.ran]
    if failed:
        return "fail", f"{_n(failed, 'resource')} failed"
    if control.decidable != "config":
        what = "the running account" if control.decidable == "live" else "judgement"
        return "not_decidable", f"decided by {what}, not by configuration"
    if unknown:
        return "unknown", f"{_n(unknown, 'result')} could not be decided"
    if not rules:
        return "unknown", "no ringfence check decides this control yet"
    if skipped:
        return "unknown", f"not run (skipped by the configuration): {', '.join(skipped)}"
    if unread:
        return "unknown", f"{_n(unread, 'input')} could not be read"
    if not passed:
        return "not_applicable", "no resource the checks read"
    return "pass", f"{_n(passed, 'resource')} passed"


def _n(count: int, noun: str) -> str:
    return f"{count} {noun}{'s' if count != 1 else ''}"
