"""`scan --format ocsf`: OCSF 1.1 Compliance Finding (class 2003) events, one per finding."""

from __future__ import annotations

import json
from typing import Any

from ringfence import __version__
from ringfence.engine.findings import Finding
from ringfence.engine.runner import ScanResult
from ringfence.model.findings import Severity, Status
from ringfence.reports.observed import observed_epoch_ms
from ringfence.shown import redacted_tree

_SEVERITY = {
    Severity.INFO: (1, "Informational"),
    Severity.LOW: (2, "Low"),
    Severity.MEDIUM: (3, "Medium"),
    Severity.HIGH: (4, "High"),
    Severity.CRITICAL: (5, "Critical"),
}
# Compliance status: 1 Pass, 2 Warning, 3 Fail (OCSF compliance.status_id).
_COMPLIANCE = {Status.UNKNOWN: (2, "Warning")}


def _event(f: Finding, account: str, region: str, when: int) -> dict[str, Any]:
    severity_id, severity = _SEVERITY[f.severity]
    status_id, status = _COMPLIANCE.get(f.status, (3, "Fail"))
    return {
        "category_uid": 2,
        "category_name": "Findings",
        "class_uid": 2003,
        "class_name": "Compliance Finding",
        "type_uid": 200301,
        "type_name": "Compliance Finding: Create",
        "activity_id": 1,
        "activity_name": "Create",
        "time": when,
        "severity_id": severity_id,
        "severity": severity,
        "status_id": 4 if f.suppressed else 1,
        "status": "Suppressed" if f.suppressed else "New",
        "message": f"{f.resource}: {f.message}",
        "metadata": {
            "version": "1.1.0",
            "product": {"name": "ringfence", "vendor_name": "ringfence", "version": __version__},
            "uid": f.fingerprint,
        },
        "finding_info": {
            "uid": f.fingerprint,
            "title": f.meta.title,
            "desc": f.meta.rationale,
            "types": [f.meta.pillar],
            "product_uid": f.rule_id,
        },
        "compliance": {
            "status_id": status_id,
            "status": status,
            "requirements": list(f.meta.compliance),
            "control": f.rule_id,
        },
        "remediation": {"desc": f.meta.remediation},
        "resources": [
            {
                "uid": f.resource,
                "type": f.resource.rsplit(":", 1)[-1].split(".")[0],
                "region": region,
                "cloud_partition": "aws",
                "account": {"uid": account},
            }
        ],
        "cloud": {"provider": "AWS", "region": region, "account": {"uid": account}},
        "unmapped": {
            "status": f.status.value,
            "location": {"path": f.location.path, "line": f.location.line},
        },
    }


def render(result: ScanResult) -> str:
    estate = result.estate
    when = observed_epoch_ms(result)
    events = [_event(f, *estate.placement(f.resource), when) for f in result.findings]
    return json.dumps(redacted_tree(events), indent=2, ensure_ascii=False) + "\n"
