"""`scan --format asff`: AWS Security Finding Format, ready for `securityhub batch-import-findings`.

Timestamps must be deterministic (same input, same bytes): they are the newest modification time of the
scanned files, which is when the estate as scanned came to be.
"""

from __future__ import annotations

import json
from typing import Any

from ringfence import __version__
from ringfence.engine.findings import Finding
from ringfence.engine.runner import ScanResult
from ringfence.model.findings import Severity, Status
from ringfence.reports.observed import observed_at
from ringfence.shown import redacted_tree

_LABEL = {
    Severity.CRITICAL: ("CRITICAL", 90),
    Severity.HIGH: ("HIGH", 70),
    Severity.MEDIUM: ("MEDIUM", 40),
    Severity.LOW: ("LOW", 1),
    Severity.INFO: ("INFORMATIONAL", 0),
}


def _finding(f: Finding, account: str, region: str, partition: str, when: str) -> dict[str, Any]:
    label, score = _LABEL[f.severity]
    return {
        "SchemaVersion": "2018-10-08",
        "Id": f"ringfence/{f.fingerprint}",
        "ProductArn": f"arn:{partition}:securityhub:{region}:{account}:product/{account}/default",
        "ProductName": "ringfence",
        "CompanyName": "ringfence",
        "GeneratorId": f.rule_id,
        "AwsAccountId": account,
        "Region": region,
        "Types": [f"Software and Configuration Checks/Industry and Regulatory Standards/{f.meta.pillar}"],
        "CreatedAt": when,
        "UpdatedAt": when,
        "Severity": {"Label": label, "Normalized": score, "Original": f.severity.value},
        "Title": f.meta.title[:256],
        "Description": f"{f.resource}: {f.message}"[:1024],
        "Remediation": {"Recommendation": {"Text": f.meta.remediation[:512]}},
        "Resources": [
            {
                "Type": "Other",
                "Id": f.resource,
                "Partition": partition,
                "Region": region,
                "Details": {
                    "Other": {
                        "location": f"{f.location.path}:{f.location.line or ''}",
                        "status": f.status.value,
                    }
                },
            }
        ],
        "Compliance": {
            "Status": "WARNING" if f.status is Status.UNKNOWN else "FAILED",
            "RelatedRequirements": list(f.meta.compliance)[:32],
        },
        "Workflow": {"Status": "SUPPRESSED" if f.suppressed else "NEW"},
        "RecordState": "ACTIVE",
        "ProductFields": {
            "ringfence/version": __version__,
            "ringfence/fingerprint": f.fingerprint,
            "ringfence/status": f.status.value,
        },
    }


def render(result: ScanResult) -> str:
    estate = result.estate
    when = observed_at(result)
    findings = [_finding(f, *estate.placement(f.resource), estate.partition, when) for f in result.findings]
    return json.dumps(redacted_tree({"Findings": findings}), indent=2, ensure_ascii=False) + "\n"
