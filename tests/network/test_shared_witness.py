"""Resources placed alike share one reachability witness; each finding still names its own resource."""

from __future__ import annotations

from pathlib import Path

from ringfence.network import admin_port_exposures
from ringfence.sources import load_estate

ESTATE = """
provider "aws" { region = "eu-west-1" }
resource "aws_vpc" "v" { cidr_block = "10.0.0.0/16" }
resource "aws_internet_gateway" "igw" { vpc_id = aws_vpc.v.id }
resource "aws_subnet" "s" {
  vpc_id                  = aws_vpc.v.id
  cidr_block              = "10.0.1.0/24"
  map_public_ip_on_launch = true
}
resource "aws_route_table" "rt" {
  vpc_id = aws_vpc.v.id
  route {
    cidr_block = "0.0.0.0/0"
    gateway_id = aws_internet_gateway.igw.id
  }
}
resource "aws_route_table_association" "a" {
  subnet_id      = aws_subnet.s.id
  route_table_id = aws_route_table.rt.id
}
resource "aws_security_group" "ssh" {
  vpc_id = aws_vpc.v.id
  ingress {
    from_port   = 22
    to_port     = 22
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }
}
resource "aws_instance" "a" {
  subnet_id              = aws_subnet.s.id
  vpc_security_group_ids = [aws_security_group.ssh.id]
}
resource "aws_instance" "ab" {
  subnet_id              = aws_subnet.s.id
  vpc_security_group_ids = [aws_security_group.ssh.id]
}
"""


def test_each_exposure_names_its_own_resource(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(ESTATE, encoding="utf-8")
    found = {f.resource: f for f in admin_port_exposures(load_estate([str(tmp_path)]))}
    assert set(found) == {"aws_instance.a", "aws_instance.ab"}
    for address, exposure in found.items():
        assert exposure.status == "exposed"
        targets = {s.resource for s in exposure.path if s.resource.startswith("aws_instance.")}
        assert targets == {address}, exposure.path
