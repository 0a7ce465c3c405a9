"""network.private-subnet-gateway-endpoints asks for the DynamoDB endpoint only in estates with tables:
S3 serves every workload, DynamoDB only those that use it."""

from __future__ import annotations

from pathlib import Path

from ringfence.engine.pipeline import ScanOptions, scan
from tests.conftest import ROOT

FIXTURE = ROOT / "tests" / "fixtures" / "network.private-subnet-gateway-endpoints" / "main.tf"


def _messages(folder: Path) -> dict[str, str]:
    outcome = scan([str(folder)], ScanOptions(fail_on="none", cache=False))
    return {
        f.resource: f.message
        for f in outcome.result.findings
        if f.rule_id == "network.private-subnet-gateway-endpoints"
    }


def test_dynamodb_is_asked_for_only_where_the_estate_has_tables(tmp_path: Path) -> None:
    with_table = tmp_path / "with"
    without = tmp_path / "without"
    with_table.mkdir()
    without.mkdir()
    text = FIXTURE.read_text(encoding="utf-8")
    (with_table / "main.tf").write_text(text, encoding="utf-8")
    (without / "main.tf").write_text(text.split("# The estate has a DynamoDB table", 1)[0], encoding="utf-8")
    found = _messages(with_table)
    assert "dynamodb" in found["aws_subnet.fail_nat_with_s3_endpoint_only"]
    assert "dynamodb" in found["aws_subnet.fail_nat_without_endpoints"]
    bare = _messages(without)
    assert "aws_subnet.fail_nat_with_s3_endpoint_only" not in bare  # its S3 endpoint is all it needs
    assert bare["aws_subnet.fail_nat_without_endpoints"].startswith("s3 traffic leaves")
