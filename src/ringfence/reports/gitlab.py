"""`scan --format gitlab-sast`: GitLab's security report format (SAST, schema 15.0.x), for
`artifacts: reports: sast:` in a GitLab pipeline, so findings appear in merge requests and the
vulnerability report.

Each finding that is not suppressed and not in the baseline is a vulnerability: its rule id is the primary
identifier (the peers' ids that correspond follow), its location the file and line from the repository's
root. A finding that could not be decided says so in its name and description. Times are deterministic
(same input, same bytes): the newest modification time of the scanned files, as in the other formats.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from ringfence import __version__
from ringfence.engine.findings import Finding
from ringfence.engine.runner import ScanResult
from ringfence.model.findings import Severity, Status
from ringfence.reports.observed import observed_at
from ringfence.shown import redacted_tree

SCHEMA_VERSION = "15.0.6"
_SEVERITY = {
    Severity.CRITICAL: "Critical",
    Severity.HIGH: "High",
    Severity.MEDIUM: "Medium",
    Severity.LOW: "Low",
    Severity.INFO: "Info",
}
_NAMESPACE = uuid.UUID("5b0c6a52-8d7e-4c3b-9a0e-2f1d6c7b8a90")
_TOOL = {"id": "ringfence", "name": "ringfence", "vendor": {"name": "ringfence"}, "version": __version__}


def _vulnerability(f: Finding) -> dict[str, Any]:
    undecided = f.status is Status.UNKNOWN
    name = f"{f.meta.title} (could not be decided)" if undecided else f.meta.title
    description = f"{f.resource}: {f.message}"
    if undecided:
        description += " (the value that decides it is not known before apply; --fail-on-unknown fails it)"
    location: dict[str, Any] = {"file": f.location.path or "."}
    if f.location.line:
        location["start_line"] = f.location.line
        location["end_line"] = f.location.line
    identifiers = [{"type": "ringfence_rule", "name": f.rule_id, "value": f.rule_id}]
    identifiers += [{"type": "peer_rule", "name": p, "value": p} for p in f.meta.peers if p]
    return {
        "id": str(uuid.uuid5(_NAMESPACE, f.fingerprint)),
        "name": name[:255],
        "description": description[:1_000_000],
        "severity": _SEVERITY[f.severity],
        "solution": f.meta.remediation[:7_000],
        "location": location,
        "identifiers": identifiers,
    }


def render(result: ScanResult) -> str:
    when = observed_at(result).rstrip("Z")
    vulnerabilities = [_vulnerability(f) for f in result.findings if f.suppressed is None and not f.baseline]
    report = {
        "version": SCHEMA_VERSION,
        "scan": {
            "analyzer": _TOOL,
            "scanner": _TOOL,
            "type": "sast",
            "start_time": when,
            "end_time": when,
            "status": "success",
        },
        "vulnerabilities": vulnerabilities,
    }
    return json.dumps(redacted_tree(report), indent=2, ensure_ascii=False) + "\n"
