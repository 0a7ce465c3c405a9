"""Run the catalogue over an estate: the one place where check errors are handled."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from ringfence.checks.base import Check, Result, Severity, Status
from ringfence.checks.catalogue import CATALOGUE, peer_ids
from ringfence.checks.context import Context
from ringfence.engine.config import Config
from ringfence.engine.findings import Finding, Location, make_fingerprint
from ringfence.engine.suppressions import suppression_for
from ringfence.model import Estate, InputError, Resource


@dataclass(frozen=True)
class ScanResult:
    estate: Estate
    findings: tuple[Finding, ...]
    errors: tuple[InputError, ...]
    passes: Counter[str] = field(default_factory=Counter)  # rule id -> resources that passed
    checks: tuple[Check, ...] = ()


def run_checks(
    estate: Estate,
    config: Config | None = None,
    baseline: frozenset[str] = frozenset(),
    checks: Sequence[Check] = CATALOGUE,
    progress: Callable[[int, int], None] | None = None,
) -> ScanResult:
    config = config or Config()
    selected = tuple(c for c in checks if config.selects(c.rule_id))
    ctx = Context(estate)
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
    ordered = tuple(sorted(findings.values(), key=Finding.sort_key))
    return ScanResult(estate, ordered, tuple(errors), passes, selected)


def _results(check: Check, estate: Estate, ctx: Context) -> Iterable[Result]:
    if check.per_estate is not None:
        yield from check.per_estate(ctx)
    if check.per_resource is not None:
        targets: Iterable[Resource] = (
            estate.resources if check.kinds == ("*",) else estate.of_kind(*check.kinds)
        )
        for resource in targets:
            yield from check.per_resource(resource, ctx)


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
        location=Location(where.provenance.path or where.provenance.describe(), where.provenance.line),
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
