"""Run the catalogue over an estate: the one place where check errors are handled."""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ringfence.checks.base import Check, Meta, Result
from ringfence.checks.catalogue import CATALOGUE, peer_ids
from ringfence.checks.context import Context
from ringfence.engine.config import Config
from ringfence.engine.findings import Finding, Location, make_fingerprint
from ringfence.engine.paths import PathView
from ringfence.engine.suppressions import suppression_for
from ringfence.model import Estate, InputError, Resource
from ringfence.model.findings import Severity, Status


@dataclass(frozen=True)
class ScanResult:
    estate: Estate
    findings: tuple[Finding, ...]
    errors: tuple[InputError, ...]
    passes: Counter[str] = field(default_factory=Counter)  # rule id -> resources that passed
    checks: tuple[Check, ...] = ()
    # How the paths of the estate's resources are shown (findings and errors are already rebased).
    paths: PathView = field(default_factory=PathView)

    def home(self, address: str) -> str:
        """Where the resource at ``address`` is declared, as the report shows it ("" if unknown)."""
        resource = self.estate.get(address)
        if resource is None:
            return ""
        where = resource.provenance
        if where.path is None:
            return where.describe()
        path = self.paths.shown(where.path, address) or where.path
        return f"{path}:{where.line}" if where.line else path


def run_checks(
    estate: Estate,
    config: Config | None = None,
    baseline: frozenset[str] = frozenset(),
    checks: Sequence[Check] = CATALOGUE,
    progress: Callable[[int, int], None] | None = None,
    intents: Sequence[Any] | None = None,
) -> ScanResult:
    config = config or Config()
    selected = tuple(c for c in checks if config.selects(c.rule_id))
    ctx = Context(estate, estate_scope=config.estate_scope, trusted_accounts=config.trusted_accounts)
    peers = peer_ids()
    findings: dict[str, Finding] = {}
    passes: Counter[str] = Counter()
    errors: list[InputError] = list(estate.errors)
    for i, check in enumerate(selected):
        try:
            results = list(_results(check, estate, ctx))
        except Exception as exc:  # noqa: BLE001 -- a bug in one check must not hide the others' findings
            results = []
            errors.append(
                InputError("<ringfence>", None, f"check {check.rule_id} failed: {type(exc).__name__}: {exc}")
            )
        for result in results:
            if result.status is Status.PASS:
                passes[check.rule_id] += 1
                continue
            finding = _finding(check, result, config, peers, baseline)
            findings.setdefault(finding.fingerprint, finding)
        if progress is not None:
            progress(i + 1, len(selected))
    for finding in intent_findings(estate, intents or (), config, baseline):
        findings.setdefault(finding.fingerprint, finding)
    ordered = tuple(sorted(findings.values(), key=Finding.sort_key))
    return ScanResult(estate, ordered, tuple(errors), passes, selected)


def intent_findings(
    estate: Estate, intents: Sequence[Any], config: Config, baseline: frozenset[str]
) -> list[Finding]:
    """A finding per violated (or undecidable) intent pair: `intent.<name>`, with the path or the rule
    that blocks it, located at the intent in its file."""
    if not intents:
        return []
    from ringfence.network import intent_violations

    out: list[Finding] = []
    for violation in intent_violations(estate, list(intents)):
        intent = violation.intent
        must = "must reach" if intent.must == "reach" else "must not reach"
        meta = Meta(
            rule_id=intent.rule_id,
            title=f"Intent {intent.name} holds: {intent.source} {must} {intent.target}",
            pillar="network",
            severity=Severity.HIGH,
            rationale=f"The estate declares in {intent.path} that {intent.source} {must} {intent.target}.",
            remediation="Change the security group, network ACL or route the message names, or update the "
            "intent if the architecture changed on purpose.",
            terraform="",
        )
        severity = config.severity.get(meta.rule_id, meta.severity)
        fingerprint = make_fingerprint(meta.rule_id, violation.resource, violation.detail)
        out.append(
            Finding(
                meta=meta,
                severity=severity,
                status=Status.FAIL if violation.status == "fail" else Status.UNKNOWN,
                resource=violation.resource,
                location=Location(_relative(intent.path, estate.root_path), intent.line),
                message=violation.message,
                fingerprint=fingerprint,
                baseline=fingerprint in baseline,
                detail=violation.detail,
            )
        )
    return out


def _relative(path: str, root: str) -> str:
    import os

    if not root:
        return path
    base = root if os.path.isdir(root) else os.path.dirname(root)
    try:
        rel = os.path.relpath(path, base)
    except ValueError:
        return path
    return path if rel.startswith("..") else rel.replace(os.sep, "/")


def _results(check: Check, estate: Estate, ctx: Context) -> Iterable[Result]:
    if check.per_estate is not None:
        yield from map(_as_known, check.per_estate(ctx))
    if check.per_resource is not None:
        targets: Iterable[Resource] = (
            estate.resources if check.kinds == ("*",) else estate.of_kind(*check.kinds)
        )
        for resource in targets:
            if resource.unevaluated is not None:
                yield Result(Status.UNKNOWN, f"not evaluated: {resource.unevaluated}", resource)
                continue
            yield from map(_as_known, check.per_resource(resource, ctx))


def _as_known(result: Result) -> Result:
    """A verdict about a resource that was not evaluated (its attributes are not known) is unknown, for
    that reason (not for what its missing attributes would mean)."""
    for resource in (result.resource, result.location):
        if resource is not None and resource.unevaluated is not None:
            return dataclasses.replace(
                result, status=Status.UNKNOWN, message=f"not evaluated: {resource.unevaluated}"
            )
    return result


def _finding(
    check: Check,
    result: Result,
    config: Config,
    peers: Mapping[str, tuple[str, ...]],
    baseline: frozenset[str],
) -> Finding:
    meta = check.meta
    severity = config.severity.get(meta.rule_id) or result.severity or meta.severity
    where = result.location or result.resource
    fingerprint = make_fingerprint(meta.rule_id, result.resource.address, result.detail)
    comments = (*result.resource.annotations, *(result.location.annotations if result.location else ()))
    suppressed = suppression_for(meta.rule_id, comments, peers)
    return Finding(
        meta=meta,
        severity=severity,
        status=result.status,
        resource=result.resource.address,
        location=Location(*result.at)
        if result.at is not None
        else Location(where.provenance.path or where.provenance.describe(), where.provenance.line),
        message=result.message,
        fingerprint=fingerprint,
        suppressed=suppressed,
        baseline=fingerprint in baseline,
        detail=result.detail,
    )


def exit_code(result: ScanResult, fail_on: str, fail_on_unknown: bool) -> int:
    if fail_on == "none":
        return 0
    threshold = Severity(fail_on).rank
    for f in result.findings:
        if not f.counts or f.severity.rank > threshold:
            continue
        if f.status is Status.UNKNOWN and not fail_on_unknown:
            continue
        return 1
    if fail_on_unknown and result.errors:
        return 1
    return 0
