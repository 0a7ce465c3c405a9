"""Real repository layouts: modules called from above the scanned folder are read where they lead."""

from __future__ import annotations

from pathlib import Path

from ringfence.sources import load_estate


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def test_an_environment_calling_shared_modules_two_levels_up_loads_them(tmp_path: Path) -> None:
    _write(
        tmp_path / "modules/net/main.tf",
        'variable "cidr" {}\nresource "aws_vpc" "this" { cidr_block = var.cidr }\n'
        'module "sg" {\n  source = "../sg"\n  vpc_id = aws_vpc.this.id\n}\n',
    )
    _write(
        tmp_path / "modules/sg/main.tf",
        'variable "vpc_id" {}\nresource "aws_security_group" "ssh" {\n  vpc_id = var.vpc_id\n}\n',
    )
    _write(
        tmp_path / "envs/prod/main.tf",
        'provider "aws" { region = "eu-west-1" }\n'
        'module "net" {\n  source = "../../modules/net"\n  cidr   = "10.0.0.0/16"\n}\n',
    )
    estate = load_estate([str(tmp_path / "envs/prod")])
    got = {r.address: r.provenance.path for r in estate.resources}
    assert got == {
        "module.net.aws_vpc.this": "../../modules/net/main.tf",
        "module.net.module.sg.aws_security_group.ssh": "../../modules/sg/main.tf",
    }
    assert not estate.errors


def test_an_example_calling_its_module_at_the_repository_top_loads_it(tmp_path: Path) -> None:
    _write(tmp_path / "main.tf", 'resource "aws_s3_bucket" "this" { bucket = "b" }\n')
    _write(tmp_path / "examples/complete/main.tf", 'module "bucket" {\n  source = "../../"\n}\n')
    estate = load_estate([str(tmp_path / "examples/complete")])
    assert [r.address for r in estate.resources] == ["module.bucket.aws_s3_bucket.this"]
    assert estate.resources[0].provenance.path == "../../main.tf"
