"""Findings: what the engine reports, the same for every output format."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from ringfence.checks.base import Meta
from ringfence.model.findings import Severity, Status


@dataclass(frozen=True, slots=True)
class Location:
    path: str | None
    line: int | None


@dataclass(frozen=True, slots=True)
class Suppression:
    by: str
    reason: str


@dataclass(frozen=True, slots=True)
class Finding:
    meta: Meta
    severity: Severity
    status: Status
    resource: str
    location: Location
    message: str
    fingerprint: str
    suppressed: Suppression | None = None
    baseline: bool = False
    detail: str = ""

    @property
    def rule_id(self) -> str:
        return self.meta.rule_id

    @property
    def counts(self) -> bool:
        """Does this finding count towards the exit code?"""
        return self.suppressed is None and not self.baseline

    def sort_key(self) -> tuple[int, str, str, str]:
        return (self.severity.rank, self.resource, self.rule_id, self.fingerprint)


def make_fingerprint(rule_id: str, resource: str, detail: str) -> str:
    """Stable across runs and machines: the rule, the resource at risk and the decisive detail."""
    return hashlib.sha256(f"{rule_id}\x1f{resource}\x1f{detail}".encode()).hexdigest()[:32]
