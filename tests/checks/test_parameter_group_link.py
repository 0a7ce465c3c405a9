"""An RDS instance is linked to the DB parameter group it names, by reference or by literal name."""

from __future__ import annotations

from pathlib import Path

from ringfence.sources import load_estate

TERRAFORM = """
resource "aws_db_parameter_group" "tls" {
  name   = "app-tls"
  family = "postgres14"
}

resource "aws_db_instance" "by_reference" {
  identifier           = "one"
  engine               = "postgres"
  instance_class       = "db.t4g.micro"
  parameter_group_name = aws_db_parameter_group.tls.name
}

resource "aws_db_instance" "by_name" {
  identifier           = "two"
  engine               = "postgres"
  instance_class       = "db.t4g.micro"
  parameter_group_name = "app-tls"
}

resource "aws_db_instance" "default_group" {
  identifier     = "three"
  engine         = "postgres"
  instance_class = "db.t4g.micro"
}
"""


def test_instances_reach_their_parameter_group(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(TERRAFORM)
    estate = load_estate([str(tmp_path)])
    by_name = {r.name: r for r in estate.of_kind("aws_db_instance")}
    group = estate.of_kind("aws_db_parameter_group")[0]
    for name in ("by_reference", "by_name"):
        target = estate.target(by_name[name], "parameter_group_name")
        assert target is not None and target.address == group.address, name
    assert estate.target(by_name["default_group"], "parameter_group_name") is None
