"""Redshift audit logging through a separate aws_redshift_logging, linked by reference or by the cluster's
literal identifier."""

from __future__ import annotations

from pathlib import Path

from ringfence.checks.service_logging import REDSHIFT_AUDIT_LOGGING
from ringfence.engine.runner import run_checks
from ringfence.model.findings import Status
from ringfence.sources import load_estate

LITERAL = """
provider "aws" { region = "eu-west-1" }
resource "aws_redshift_cluster" "named" {
  cluster_identifier = "warehouse"
  node_type          = "ra3.xlplus"
}
resource "aws_redshift_logging" "named" {
  cluster_identifier   = "warehouse"
  log_destination_type = "cloudwatch"
}
resource "aws_redshift_cluster" "other" {
  cluster_identifier = "other"
  node_type          = "ra3.xlplus"
}
"""


def test_a_logging_resource_naming_the_cluster_literally_is_linked(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(LITERAL, encoding="utf-8")
    estate = load_estate([str(tmp_path)])
    cluster = estate.get("aws_redshift_cluster.named")
    assert cluster is not None
    linked = estate.sources(cluster, "cluster_identifier", of_kind="aws_redshift_logging")
    assert [r.address for r in linked] == ["aws_redshift_logging.named"]
    result = run_checks(estate, checks=[REDSHIFT_AUDIT_LOGGING])
    assert {f.resource: f.status for f in result.findings} == {"aws_redshift_cluster.other": Status.FAIL}
