"""The detect report in its four forms: text, json (`ringfence.detect/1`), SARIF 2.1.0 and OCSF (Detection
Finding, class 2004). Output is deterministic: sorted, and every time comes from the logs."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

from ringfence import __version__
from ringfence.logs.runner import DetectReport, Finding
from ringfence.shown import redacted_tree, shown

SCHEMA = "ringfence.detect/1"
_SARIF_LEVEL = {"critical": "error", "high": "error", "medium": "warning", "low": "note", "info": "note"}
_SECURITY_SEVERITY = {"critical": "9.5", "high": "8.0", "medium": "5.5", "low": "3.0", "info": "0.0"}
_OCSF_SEVERITY = {"info": 1, "low": 2, "medium": 3, "high": 4, "critical": 5}


def iso(t: datetime | None) -> str | None:
    """ISO 8601 in UTC, None for a time the logs do not give (a flow record whose start is '-')."""
    if t is None:
        return None
    if t.tzinfo is not None:
        t = t.astimezone(UTC).replace(tzinfo=None)
    # strftime's %Y drops leading zeros (year 1 is '1'): the year is formatted apart.
    return f"{t.year:04d}-{t:%m-%dT%H:%M:%S}Z"


def fingerprint(f: Finding) -> str:
    # A finding grouped by target is the target's in that window, whichever address is the most active.
    who = f"window {iso(f.first_seen)}" if f.sources else f.source_ip
    return hashlib.sha256(f"{f.rule_id}|{f.principal}|{who}".encode()).hexdigest()[:32]


def finding_json(f: Finding) -> dict[str, Any]:
    out: dict[str, Any] = {
        "rule_id": f.rule_id,
        "title": f.title,
        "severity": f.severity,
        "technique": f.technique,
        "principal": f.principal,
        "source_ip": f.source_ip,
        "first_seen": iso(f.first_seen),
        "last_seen": iso(f.last_seen),
        "count": f.count,
        "events": list(f.events),
        "message": f.message,
        "source": f.table,
        "fingerprint": fingerprint(f),
        "outcome": f.outcome,
    }
    if f.sources:
        out["sources"] = list(f.sources)
    if f.guardduty:
        out["guardduty"] = f.guardduty
    if f.author:
        out["author"] = f.author
    if f.references:
        out["references"] = list(f.references)
    return out


def to_json(rep: DetectReport) -> dict[str, Any]:
    counts = {s: 0 for s in ("critical", "high", "medium", "low", "info")}
    for f in rep.detections:
        counts[f.severity] += 1
    return {
        "schema": SCHEMA,
        "tool": {"name": "ringfence", "version": __version__},
        "engine": rep.engine,
        "detections": [finding_json(f) for f in rep.detections],
        "errors": [e.as_json() for e in rep.errors],
        "rule_errors": [{"path": p, "message": m} for p, m in rep.rule_problems],
        "notes": list(rep.notes),
        "summary": {
            "events": rep.events,
            "flow_records": rep.flow_records,
            "files": rep.files,
            "read_as": dict(rep.forms),
            "rules": rep.rules,
            "detections": counts,
        },
    }


def to_text(rep: DetectReport) -> str:
    lines = []
    for f in rep.detections:
        lines.append(
            f"{f.severity.upper():8} {shown(f.rule_id)}  {shown(f.principal)}  {shown(f.source_ip or '-')}  "
            f"x{f.count}  {iso(f.first_seen) or '-'}..{iso(f.last_seen) or '-'}"
        )
        lines.append(f"         {shown(f.message)}")
    for e in rep.errors:
        lines.append(f"ERROR    {shown(e.path)} ({e.unit} {e.offset}): {shown(e.message)}")
    for p, m in () if rep.bundled_rules else rep.rule_problems:
        lines.append(f"RULE     {shown(p)}: {shown(m)}")
    for note in rep.notes:
        lines.append(f"NOTE     {shown(note)}")
    if rep.forms:
        read_as = ", ".join(f"{form} ({n} file{'s' if n != 1 else ''})" for form, n in rep.forms.items())
        lines.append(f"read as {read_as}")
    lines.append(
        f"{len(rep.detections)} detections over {rep.events} CloudTrail events and {rep.flow_records} flow "
        f"records from {rep.files} files ({rep.rules} rules, engine {rep.engine}); {len(rep.errors)} errors"
        + (
            f"; {len(rep.rule_problems)} bundled Sigma rule(s) not converted (rule_errors in --format json)"
            if rep.bundled_rules and rep.rule_problems
            else ""
        )
    )
    return "\n".join(lines) + "\n"


def to_sarif(rep: DetectReport) -> dict[str, Any]:
    rules: dict[str, dict[str, Any]] = {}
    results = []
    for f in rep.detections:
        if f.rule_id not in rules:
            rule: dict[str, Any] = {
                "id": f.rule_id,
                "name": f.rule_id,
                "shortDescription": {"text": f.title},
                "defaultConfiguration": {"level": _SARIF_LEVEL[f.severity]},
                "properties": {
                    "tags": ["security", *([f.technique] if f.technique else [])],
                    "security-severity": _SECURITY_SEVERITY[f.severity],
                },
            }
            if f.references:
                rule["helpUri"] = f.references[0]
            if f.author:
                rule["properties"]["author"] = f.author
            rules[f.rule_id] = rule
        results.append(
            {
                "ruleId": f.rule_id,
                "level": _SARIF_LEVEL[f.severity],
                "message": {"text": f.message},
                "locations": [{"logicalLocations": [{"name": f.principal, "kind": "principal"}]}],
                "partialFingerprints": {"ringfence/v1": fingerprint(f)},
                "properties": {
                    "severity": f.severity,
                    "principal": f.principal,
                    "source_ip": f.source_ip,
                    "first_seen": iso(f.first_seen),
                    "last_seen": iso(f.last_seen),
                    "count": f.count,
                    "events": list(f.events),
                    **({"sources": list(f.sources)} if f.sources else {}),
                },
            }
        )
    return {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "ringfence",
                        "version": __version__,
                        "informationUri": "https://github.com/ringfence/ringfence",
                        "rules": [rules[k] for k in sorted(rules)],
                    }
                },
                "results": results,
                "invocations": [
                    {
                        "executionSuccessful": True,
                        "toolExecutionNotifications": [
                            {
                                "level": "error",
                                "message": {"text": f"{e.path} ({e.unit} {e.offset}): {e.message}"},
                            }
                            for e in rep.errors
                        ],
                    }
                ],
            }
        ],
    }


def _ms(t: datetime | None) -> int | None:
    if t is None:
        return None
    if t.tzinfo is None:
        t = t.replace(tzinfo=UTC)
    return int(t.timestamp() * 1000)


def to_ocsf(rep: DetectReport) -> list[dict[str, Any]]:
    """One OCSF 1.3 Detection Finding (class_uid 2004) per detection."""
    out = []
    for f in rep.detections:
        analytic: dict[str, Any] = {"uid": f.rule_id, "name": f.title, "type_id": 1, "type": "Rule"}
        info: dict[str, Any] = {
            "uid": fingerprint(f),
            "title": f.title,
            "desc": f.message,
            "types": [f.rule_id],
            "first_seen_time": _ms(f.first_seen),
            "last_seen_time": _ms(f.last_seen),
            "analytic": analytic,
            "related_events": [{"uid": e} for e in f.events],
        }
        if f.technique:
            info["attacks"] = [{"technique": {"uid": f.technique}, "version": "16"}]
        if f.references:
            info["src_url"] = f.references[0]
        event: dict[str, Any] = {
            "activity_id": 1,
            "activity_name": "Create",
            "category_uid": 2,
            "category_name": "Findings",
            "class_uid": 2004,
            "class_name": "Detection Finding",
            "type_uid": 200401,
            "type_name": "Detection Finding: Create",
            "severity_id": _OCSF_SEVERITY[f.severity],
            "severity": f.severity.capitalize() if f.severity != "info" else "Informational",
            "status_id": 1,
            "status": "New",
            "time": _ms(f.last_seen),
            "count": f.count,
            "message": f.message,
            "metadata": {
                "version": "1.3.0",
                "product": {"name": "ringfence", "vendor_name": "ringfence", "version": __version__},
            },
            "finding_info": info,
            "actor": {"user": {"uid": f.principal, "name": f.principal.rsplit("/", 1)[-1]}},
        }
        if f.source_ip:
            event["src_endpoint"] = {"ip": f.source_ip}
        if f.guardduty:
            event["unmapped"] = {"guardduty_finding_type": f.guardduty}
        out.append(event)
    return out


def render(rep: DetectReport, fmt: str) -> str:
    if fmt == "text":
        return to_text(rep)
    data: Any
    if fmt == "json":
        data = to_json(rep)
    elif fmt == "sarif":
        data = to_sarif(rep)
    elif fmt == "ocsf":
        data = to_ocsf(rep)
    else:
        raise ValueError(f"unknown format {fmt!r}")
    return json.dumps(redacted_tree(data), indent=2, sort_keys=False) + "\n"
