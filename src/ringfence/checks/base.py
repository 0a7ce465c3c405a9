"""What a check is: metadata plus a pure function from a resource (and the analyses) to results."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Literal

from ringfence.model import Resource

if TYPE_CHECKING:
    from ringfence.checks.context import Context

Pillar = Literal["identity", "network", "encryption", "monitoring", "secrets"]


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


@dataclass(frozen=True, slots=True)
class Result:
    """One verdict of a check about one resource.

    ``resource`` is the resource at risk; ``location`` the resource whose block decides it (a security
    group rule for an exposed instance), when different. ``detail`` distinguishes several results of one
    check on one resource and goes into the fingerprint; it never contains a secret.
    """

    status: Status
    message: str
    resource: Resource
    location: Resource | None = None
    detail: str = ""
    severity: Severity | None = None  # overrides the check's default (e.g. latent openings are low)
    # A finer position than the location block's own line (a statement inside a policy): (path, line).
    at: tuple[str, int | None] | None = None


@dataclass(frozen=True, slots=True)
class Meta:
    rule_id: str
    title: str  # states the secure condition
    pillar: Pillar
    severity: Severity
    rationale: str
    remediation: str
    terraform: str  # a Terraform snippet of the secure configuration
    compliance: tuple[str, ...] = ()  # "CIS-AWS-5.0:3.6", "FSBP:KMS.4"
    # Ids of the same check in other tools, so their ignore comments are honoured.
    peers: tuple[str, ...] = ()
    references: tuple[str, ...] = ()


ResourceCheck = Callable[[Resource, "Context"], Iterable[Result]]
EstateCheck = Callable[["Context"], Iterable[Result]]


@dataclass(frozen=True, slots=True)
class Check:
    """A check runs per resource of ``kinds`` or, when ``kinds`` is empty, once over the estate."""

    meta: Meta
    kinds: tuple[str, ...]
    per_resource: ResourceCheck | None = None
    per_estate: EstateCheck | None = None
    needs: frozenset[str] = field(default_factory=frozenset)  # analyses it uses: "network", "iam"

    @property
    def rule_id(self) -> str:
        return self.meta.rule_id


def passed(
    resource: Resource, message: str = "", *, detail: str = "", location: Resource | None = None
) -> Result:
    return Result(Status.PASS, message, resource, location=location, detail=detail)


def failed(
    resource: Resource,
    message: str,
    *,
    detail: str = "",
    location: Resource | None = None,
    severity: Severity | None = None,
) -> Result:
    return Result(Status.FAIL, message, resource, location=location, detail=detail, severity=severity)


def unknown(
    resource: Resource, message: str, *, detail: str = "", location: Resource | None = None
) -> Result:
    return Result(Status.UNKNOWN, message, resource, location=location, detail=detail)
