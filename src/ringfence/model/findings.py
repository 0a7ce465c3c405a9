"""The vocabulary of findings: how severe, and what was decided. Checks, configuration and every report use
these; nothing here knows how a finding is made or shown."""

from __future__ import annotations

from enum import StrEnum


class Severity(StrEnum):
    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"
    INFO = "info"

    @property
    def rank(self) -> int:
        return _RANK[self]

    @property
    def score(self) -> str:
        """GitHub code scanning's `security-severity` (CVSS-like, 0.0-10.0)."""
        return _SCORE[self]


_RANK = {Severity.CRITICAL: 0, Severity.HIGH: 1, Severity.MEDIUM: 2, Severity.LOW: 3, Severity.INFO: 4}
_SCORE = {
    Severity.CRITICAL: "9.5",
    Severity.HIGH: "8.0",
    Severity.MEDIUM: "5.5",
    Severity.LOW: "3.0",
    Severity.INFO: "0.0",
}


class Status(StrEnum):
    PASS = "pass"
    FAIL = "fail"
    UNKNOWN = "unknown"
    EXPOSED = "exposed"  # reachable: a packet really gets there
    LATENT = "latent"  # misconfigured, but nothing can reach it today
