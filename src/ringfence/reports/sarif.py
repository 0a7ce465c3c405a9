"""`scan --format sarif`: SARIF 2.1.0 for GitHub code scanning and other SARIF consumers."""

from __future__ import annotations

import json
from typing import Any

from ringfence import __version__
from ringfence.checks.base import Check
from ringfence.engine.findings import Finding
from ringfence.engine.runner import ScanResult
from ringfence.model.findings import Severity
from ringfence.shown import redacted_tree

_LEVEL = {
    Severity.CRITICAL: "error",
    Severity.HIGH: "error",
    Severity.MEDIUM: "warning",
    Severity.LOW: "note",
    Severity.INFO: "note",
}


def _rule(check: Check, severity: Severity) -> dict[str, Any]:
    meta = check.meta
    help_text = f"{meta.rationale}\n\nRemediation: {meta.remediation}\n\n{meta.terraform}"
    markdown = f"{meta.rationale}\n\n**Remediation:** {meta.remediation}\n\n```hcl\n{meta.terraform}\n```" + (
        f"\n\nCompliance: {', '.join(meta.compliance)}" if meta.compliance else ""
    )
    return {
        "id": meta.rule_id,
        "name": meta.rule_id.replace(".", "/"),
        "shortDescription": {"text": meta.title},
        "fullDescription": {"text": meta.rationale},
        "help": {"text": help_text, "markdown": markdown},
        "defaultConfiguration": {"level": _LEVEL[severity]},
        "properties": {
            "security-severity": severity.score,
            "tags": ["security", meta.pillar, *meta.compliance],
            "precision": "high",
        },
    }


def _result(f: Finding, index: dict[str, int]) -> dict[str, Any]:
    out: dict[str, Any] = {
        "ruleId": f.rule_id,
        "ruleIndex": index[f.rule_id],
        "level": _LEVEL[f.severity],
        "message": {"text": f"{f.resource}: {f.message}"},
        "partialFingerprints": {"ringfence/v1": f.fingerprint},
        "baselineState": "unchanged" if f.baseline else "new",
        "properties": {
            "status": f.status.value,
            "resource": f.resource,
            "severity": f.severity.value,
            "security-severity": f.severity.score,
        },
    }
    if f.location.path:
        region: dict[str, Any] = {"startLine": f.location.line} if f.location.line else {}
        physical: dict[str, Any] = {"artifactLocation": {"uri": f.location.path, "uriBaseId": "%SRCROOT%"}}
        if region:
            physical["region"] = region
        out["locations"] = [
            {"physicalLocation": physical, "logicalLocations": [{"fullyQualifiedName": f.resource}]}
        ]
    if f.suppressed is not None:
        out["suppressions"] = [
            {"kind": "inSource", "justification": f"{f.suppressed.by}: {f.suppressed.reason}"}
        ]
    return out


def report(result: ScanResult) -> dict[str, Any]:
    severities = {f.rule_id: f.meta.severity for f in result.findings}
    checks = sorted(result.checks, key=lambda c: c.rule_id)
    index = {c.rule_id: i for i, c in enumerate(checks)}
    for f in result.findings:  # findings from outside the catalogue (intents)
        if f.rule_id not in index:
            index[f.rule_id] = len(index)
    rules = [_rule(c, severities.get(c.rule_id, c.meta.severity)) for c in checks]
    extra = {f.rule_id: f for f in result.findings if f.rule_id not in {c.rule_id for c in checks}}
    for rule_id in sorted(extra, key=lambda r: index[r]):
        f = extra[rule_id]
        rules.append(_rule(Check(f.meta, kinds=()), f.meta.severity))
    notifications = [
        {
            "level": "error",
            "message": {"text": e.message},
            "locations": [
                {
                    "physicalLocation": {
                        "artifactLocation": {"uri": e.path},
                        **({"region": {"startLine": e.line}} if e.line else {}),
                    }
                }
            ],
        }
        for e in result.errors
    ]
    run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": "ringfence",
                "version": __version__,
                "semanticVersion": __version__,
                "informationUri": "https://github.com/ringfence/ringfence",
                "rules": rules,
            }
        },
        "results": [_result(f, index) for f in result.findings],
        "columnKind": "utf16CodeUnits",
        "originalUriBaseIds": {"%SRCROOT%": {"description": {"text": "the scanned path"}}},
        "invocations": [{"executionSuccessful": True, "toolExecutionNotifications": notifications}],
    }
    return {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [run],
    }


def render(result: ScanResult) -> str:
    return json.dumps(redacted_tree(report(result)), indent=2, ensure_ascii=False) + "\n"
