"""ASFF validated against Security Hub's own API model; OCSF shaped as Compliance Findings."""

from __future__ import annotations

import json

from tests.cli.test_scan_cli import EXAMPLE, ringfence


def test_asff_is_accepted_by_the_batch_import_findings_model() -> None:
    import botocore.session
    from botocore.validate import ParamValidator

    done = ringfence("scan", str(EXAMPLE), "--format", "asff")
    findings = json.loads(done.stdout)["Findings"]
    assert findings
    model = botocore.session.get_session().get_service_model("securityhub")
    shape = model.operation_model("BatchImportFindings").input_shape
    report = ParamValidator().validate({"Findings": findings[:100]}, shape)
    assert not report.has_errors(), report.generate_report()
    suppressed = [f for f in findings if f["Workflow"]["Status"] == "SUPPRESSED"]
    assert [f["Resources"][0]["Id"] for f in suppressed] == ["aws_s3_bucket.assets"]
    assert ringfence("scan", str(EXAMPLE), "--format", "asff").stdout == done.stdout


def test_ocsf_compliance_findings() -> None:
    events = json.loads(ringfence("scan", str(EXAMPLE), "--format", "ocsf").stdout)
    assert events
    for event in events:
        assert event["class_uid"] == 2003 and event["type_uid"] == 200301
        assert 1 <= event["severity_id"] <= 5
        assert event["finding_info"]["uid"] and event["metadata"]["product"]["name"] == "ringfence"
        assert event["compliance"]["status"] in ("Fail", "Warning")


def test_html_is_one_escaped_page() -> None:
    from html.parser import HTMLParser

    page = ringfence("scan", str(EXAMPLE), "--format", "html").stdout

    class Collect(HTMLParser):
        def __init__(self) -> None:
            super().__init__()
            self.sections = 0
            self.external: list[str] = []

        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            self.sections += tag == "section"
            self.external += [v or "" for k, v in attrs if k in ("src", "href")]

    parser = Collect()
    parser.feed(page)
    assert parser.sections >= 5 and parser.external == []
    assert "Sup3rS3cretPassw0rd!" not in page
    assert "aws_instance.bastion" in page


# GitLab's documented requirements of a SAST security report (security-report-schemas, sast 15.0.x): what
# the pipeline's ingestion refuses a report for.
_GITLAB_SAST = {
    "type": "object",
    "required": ["version", "scan", "vulnerabilities"],
    "properties": {
        "version": {"type": "string", "pattern": r"^15\.0\.[0-9]+$"},
        "scan": {
            "type": "object",
            "required": ["analyzer", "scanner", "type", "start_time", "end_time", "status"],
            "properties": {
                "type": {"const": "sast"},
                "status": {"enum": ["success", "failure"]},
                "start_time": {"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$"},
                "end_time": {"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$"},
                "analyzer": {"$ref": "#/$defs/tool"},
                "scanner": {"$ref": "#/$defs/tool"},
            },
        },
        "vulnerabilities": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["id", "identifiers", "location"],
                "properties": {
                    "id": {"type": "string", "minLength": 1},
                    "name": {"type": "string", "maxLength": 255},
                    "severity": {"enum": ["Info", "Unknown", "Low", "Medium", "High", "Critical"]},
                    "location": {
                        "type": "object",
                        "required": ["file"],
                        "properties": {
                            "file": {"type": "string", "minLength": 1},
                            "start_line": {"type": "integer"},
                        },
                    },
                    "identifiers": {
                        "type": "array",
                        "minItems": 1,
                        "items": {
                            "type": "object",
                            "required": ["type", "name", "value"],
                            "properties": {
                                "type": {"type": "string", "minLength": 1},
                                "name": {"type": "string", "minLength": 1},
                                "value": {"type": "string", "minLength": 1},
                            },
                        },
                    },
                },
            },
        },
    },
    "$defs": {
        "tool": {
            "type": "object",
            "required": ["id", "name", "vendor", "version"],
            "properties": {
                "id": {"type": "string", "minLength": 1},
                "name": {"type": "string", "minLength": 1},
                "vendor": {
                    "type": "object",
                    "required": ["name"],
                    "properties": {"name": {"type": "string", "minLength": 1}},
                },
            },
        }
    },
}


def test_gitlab_sast_report_meets_gitlabs_requirements() -> None:
    import jsonschema

    done = ringfence("scan", str(EXAMPLE), "--format", "gitlab-sast", "--fail-on", "none")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    jsonschema.validate(report, _GITLAB_SAST)
    vulnerabilities = report["vulnerabilities"]
    assert vulnerabilities
    # one per finding that counts: a suppressed finding is not a vulnerability
    findings = json.loads(ringfence("scan", str(EXAMPLE), "--format", "json", "--fail-on", "none").stdout)
    counted = [f for f in findings["findings"] if not f.get("suppressed")]
    assert len(vulnerabilities) == len(counted)
    assert {v["identifiers"][0]["value"] for v in vulnerabilities} == {f["rule_id"] for f in counted}
    assert len({v["id"] for v in vulnerabilities}) == len(vulnerabilities)
    assert all(v["location"]["file"].startswith("examples/three-tier") for v in vulnerabilities)
    # the planted database password is never printed back
    assert "password" in json.dumps(findings) and "sha256:" in done.stdout
    again = ringfence("scan", str(EXAMPLE), "--format", "gitlab-sast", "--fail-on", "none").stdout
    assert again == done.stdout


def test_markdown_is_one_table_of_what_counts_and_input_cannot_break_it() -> None:
    from ringfence.reports.markdown import _cell

    done = ringfence("scan", str(EXAMPLE), "--format", "markdown", "--fail-on", "none")
    lines = done.stdout.splitlines()
    assert lines[0].startswith("### ringfence: ")
    rows = [line for line in lines if line.startswith("| ") and not line.startswith("| severity")]
    findings = json.loads(ringfence("scan", str(EXAMPLE), "--format", "json", "--fail-on", "none").stdout)
    counted = [f for f in findings["findings"] if not f.get("suppressed")]
    assert len(rows) == len(counted)
    assert "sha256:" in done.stdout  # the planted password as its fingerprint only
    assert _cell("a | b @team [x](http://e) `c`\nnext") == "a \\| b \\@team \\[x\\](http://e) \\`c\\` next"
