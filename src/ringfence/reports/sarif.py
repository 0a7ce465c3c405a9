"""`scan --format sarif`: SARIF 2.1.0 for GitHub code scanning and other SARIF consumers."""

from __future__ import annotations

import json
import re
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import quote

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


# A path that is already a URI (an ARN of a live resource): kept as it is, with no base.
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")
SRCROOT = "%SRCROOT%"


def artifact_location(path: str) -> dict[str, Any]:
    """A SARIF artifactLocation for a path as the report shows it: relative to the path root (a relative
    URI reference resolved against %SRCROOT%, which code scanning takes as the repository's root), an
    absolute file URI for a file outside it, and a URI as it is. Paths are percent-encoded: a SARIF
    artifact location is a URI, not a file name."""
    if path.startswith("/"):
        return {"uri": "file://" + quote(path, safe="/")}
    if _SCHEME.match(path) and not re.match(r"^[A-Za-z]:[\\/]", path):
        return {"uri": path}
    return {"uri": quote(PurePosixPath(path).as_posix(), safe="/"), "uriBaseId": SRCROOT}


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
        physical: dict[str, Any] = {"artifactLocation": artifact_location(f.location.path)}
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
            **(
                {
                    "locations": [
                        {
                            "physicalLocation": {
                                "artifactLocation": artifact_location(e.path),
                                **({"region": {"startLine": e.line}} if e.line else {}),
                            }
                        }
                    ]
                }
                if e.path and not e.path.startswith("<")
                else {}
            ),
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
        "originalUriBaseIds": {SRCROOT: _root(result.paths.root)},
        "invocations": [{"executionSuccessful": True, "toolExecutionNotifications": notifications}],
    }
    return {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [run],
    }


def _root(root: str) -> dict[str, Any]:
    """%SRCROOT%: the folder the paths are relative to (--path-root, the git root, or the working folder), as an absolute
    file URI ending with a slash (SARIF 2.1.0, 3.14.14)."""
    described = {
        "description": {
            "text": "the folder paths are relative to (--path-root, else the git root, else the working folder)"
        }
    }
    if not root:
        return described
    return {"uri": "file://" + quote(root.rstrip("/") + "/", safe="/"), **described}


def render(result: ScanResult) -> str:
    return json.dumps(redacted_tree(report(result)), indent=2, ensure_ascii=False) + "\n"
