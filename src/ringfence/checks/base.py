"""What a check is: metadata plus a pure function from a resource (and the analyses) to results."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from ringfence.model import Resource, Unknown, as_bool
from ringfence.model.findings import Severity, Status

if TYPE_CHECKING:
    from ringfence.checks.context import Context

# Severity and Status are the findings vocabulary (ringfence.model.findings), re-exported for check authors.
__all__ = [
    "Check",
    "EstateCheck",
    "Meta",
    "Pillar",
    "ResourceCheck",
    "Result",
    "Severity",
    "Status",
    "failed",
    "passed",
    "unknown",
]

# A finer position than a block's own line (a statement inside a policy): (path, line).
Position = tuple[str, int | None]
Pillar = Literal["identity", "network", "encryption", "monitoring", "secrets", "workload"]


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
    at: Position | None = None


@dataclass(frozen=True, slots=True)
class Meta:
    rule_id: str
    title: str  # states the secure condition
    pillar: Pillar
    severity: Severity
    rationale: str
    remediation: str
    terraform: str  # a Terraform snippet of the secure configuration
    # Ids of the same check in other tools, so their ignore comments are honoured.
    peers: tuple[str, ...] = ()
    references: tuple[str, ...] = ()
    # Controls declared with the rule itself: a custom rule's file or a plug-in. The built-in checks' are
    # data (checks/compliance/*.yaml), never written here.
    controls: tuple[str, ...] = ()

    @property
    def compliance(self) -> tuple[str, ...]:
        """The framework controls this rule decides ("CIS-AWS-5.0:3.6", "FSBP:KMS.3"): those it declares,
        then those of the data files of :mod:`ringfence.checks.compliance`."""
        from ringfence.checks.compliance import compliance_of

        return tuple(dict.fromkeys((*self.controls, *compliance_of(self.rule_id))))


ResourceCheck = Callable[[Resource, "Context"], Iterable[Result]]
EstateCheck = Callable[["Context"], Iterable[Result]]


@dataclass(frozen=True, slots=True)
class Check:
    """A check runs per resource of ``kinds`` or, when ``kinds`` is empty, once over the estate."""

    meta: Meta
    kinds: tuple[str, ...]
    per_resource: ResourceCheck | None = None
    per_estate: EstateCheck | None = None

    @property
    def rule_id(self) -> str:
        return self.meta.rule_id


def passed(
    resource: Resource,
    message: str = "",
    *,
    detail: str = "",
    location: Resource | None = None,
    at: Position | None = None,
) -> Result:
    return Result(Status.PASS, message, resource, location=location, detail=detail, at=at)


def failed(
    resource: Resource,
    message: str,
    *,
    detail: str = "",
    location: Resource | None = None,
    severity: Severity | None = None,
    at: Position | None = None,
) -> Result:
    return Result(Status.FAIL, message, resource, location=location, detail=detail, severity=severity, at=at)


def unknown(
    resource: Resource,
    message: str,
    *,
    detail: str = "",
    location: Resource | None = None,
    at: Position | None = None,
) -> Result:
    return Result(Status.UNKNOWN, message, resource, location=location, detail=detail, at=at)


# -- triage of one attribute: known and good, known and bad, not known ----------------------------------------
def not_known(resource: Resource, attribute: str, value: Unknown) -> Result:
    """``unknown``: the attribute's value is not known before apply (unknown is never pass)."""
    return unknown(resource, f"{attribute} is not known: {value.reason}")


def flag(
    resource: Resource,
    attribute: str,
    *,
    default: bool,
    fail: str,
    want: bool = True,
    ok: str = "",
    block: object = None,
) -> Result:
    """A boolean attribute that must be ``want``: pass when it is (absent or null, it is ``default``, the
    provider's default), fail with ``fail`` when it is not, unknown when its value is not known before apply.
    ``block``: the nested block holding the attribute, when it is not among the resource's own attributes."""
    source = resource.attributes if block is None else block
    value = as_bool(source.get(attribute, default) if isinstance(source, Mapping) else default)
    if value is None:
        value = default
    if isinstance(value, Unknown):
        return not_known(resource, attribute, value)
    if bool(value) is want:
        return passed(resource, ok)
    return failed(resource, fail)


def setting(resource: Resource, attribute: str, *, fail: str, ok: str = "") -> Result:
    """An attribute that must be set (a key id, a destination): pass when it is, fail with ``fail`` when it
    is absent or empty, unknown when its value is not known before apply."""
    value = resource.get(attribute)
    if isinstance(value, Unknown):
        return not_known(resource, attribute, value)
    if value:
        return passed(resource, ok)
    return failed(resource, fail)
