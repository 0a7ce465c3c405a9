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
