"""`scan --format json`: the ringfence.scan/1 contract."""

from __future__ import annotations

import json
from typing import Any

from ringfence import __version__
from ringfence.engine.compliance import Assessment
from ringfence.engine.findings import Finding
from ringfence.engine.runner import ScanResult
from ringfence.model.findings import Severity
from ringfence.shown import redacted_tree


def finding_dict(f: Finding) -> dict[str, Any]:
    out: dict[str, Any] = {
        "rule_id": f.rule_id,
        "title": f.meta.title,
        "severity": f.severity.value,
        "pillar": f.meta.pillar,
        "status": f.status.value,
        "resource": f.resource,
        "location": {"path": f.location.path, "line": f.location.line},
        "message": f.message,
        "remediation": f.meta.remediation,
        "compliance": list(f.meta.compliance),
        "fingerprint": f.fingerprint,
    }
    if f.suppressed is not None:
        out["suppressed"] = {"by": f.suppressed.by, "reason": f.suppressed.reason}
    if f.baseline:
        out["baseline"] = True
    return out


def summary(result: ScanResult) -> dict[str, Any]:
    counts = {s.value: 0 for s in Severity}
    for f in result.findings:
        if f.suppressed is None:
            counts[f.severity.value] += 1
    return {"resources": len(result.estate.resources), "findings": counts}


def report(result: ScanResult, compliance: Assessment | None = None) -> dict[str, Any]:
    out = {
        "schema": "ringfence.scan/1",
        "tool": {"name": "ringfence", "version": __version__},
        "account_id": result.estate.account_id,
        "accounts": list(result.estate.accounts),
        "findings": [finding_dict(f) for f in result.findings],
        "errors": [
            {
                "path": e.path,
                "line": e.line,
                "message": e.message,
                **({"status": "unknown"} if e.undecided else {}),
            }
            for e in result.errors
        ],
        "notes": list(result.estate.notes),
        "summary": summary(result),
    }
    if compliance is not None:  # only with `scan --compliance`: the report is otherwise unchanged
        from ringfence.reports.compliance import as_dict

        out["compliance"] = as_dict(compliance)
    return out


def render(result: ScanResult, compliance: Assessment | None = None) -> str:
    return json.dumps(redacted_tree(report(result, compliance)), indent=2, ensure_ascii=False) + "\n"
