"""A ``count``/``for_each`` (or a ``dynamic`` block's ``for_each``) over a value not known before apply: the
block is kept, not evaluated, its checks say unknown and an input error names it at its line (counted by
``--fail-on-unknown``). Each has a twin where the value is known and the answer is definite. The estates
are Terraform written to tmp_path and scanned for real."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from ringfence.engine.runner import run_checks
from ringfence.model import Estate, is_unknown
from ringfence.sources import load_estate
from tests.conftest import ROOT

ADMIN = "network.admin-port-exposed"
DATABASE = "network.database-port-exposed"
OPEN_SSH = """
  ingress {
    from_port   = 22
    to_port     = 22
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }
"""
HEAD = """provider "aws" { region = "eu-west-1" }
resource "aws_vpc" "main" {
  cidr_block = "10.0.0.0/16"
  tags       = { Name = "main", Team = "web" }
}
data "aws_availability_zones" "zones" {}
"""
MODULE = """
resource "aws_subnet" "private" {
  count      = 2
  vpc_id     = "vpc-0123"
  cidr_block = "10.0.${count.index}.0/24"
}
output "ids" { value = aws_subnet.private[*].id }
output "by_name" { value = { for i, s in aws_subnet.private : "s${i}" => s.id } }
output "three" { value = 3 }
"""


def write(folder: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def group(name: str, expansion: str) -> str:
    return f'resource "aws_security_group" "{name}" {{\n  {expansion}\n  vpc_id = aws_vpc.main.id\n{OPEN_SSH}}}\n'


def statuses(estate: Estate, rule: str) -> dict[str, str]:
    return {f.resource: f.status.value for f in run_checks(estate).findings if f.rule_id == rule}


def scan_exit(folder: Path) -> int:
    done = subprocess.run(
        [sys.executable, "-m", "ringfence", "scan", str(folder), "--format", "json", "--fail-on-unknown"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert json.loads(done.stdout)["summary"], done.stderr
    return done.returncode


LATE_COUNTS = {
    "count = var.size": ("var.size, which has no value", 'variable "size" {}\n'),
    "count = length(data.aws_availability_zones.zones.names)": (
        "data.aws_availability_zones.zones.names, which is read from the provider at plan time",
        "",
    ),
    "count = length(aws_vpc.main.cidr_block_associations)": (
        "aws_vpc.main.cidr_block_associations, which is known only after apply",
        "",
    ),
    "count = length(module.net.ids)": (
        "module.net.ids, from aws_subnet.private.id, which is known only after apply",
        "",
    ),
    "count = module.net.three": ("module.net.three, which is a module output", ""),
    'count = data.aws_availability_zones.zones.id == "" ? 0 : 1': (
        "data.aws_availability_zones.zones.id, which is read from the provider at plan time",
        "",
    ),
}


@pytest.mark.parametrize("expansion", sorted(LATE_COUNTS))
def test_a_count_not_known_before_apply_keeps_its_block_unknown(tmp_path: Path, expansion: str) -> None:
    why, extra = LATE_COUNTS[expansion]
    main = HEAD + extra + 'module "net" { source = "./net" }\n' + group("web", expansion)
    folder = write(tmp_path, {"main.tf": main, "net/main.tf": MODULE})
    estate = load_estate([str(folder)])
    web = [r for r in estate.resources if r.address.startswith("aws_security_group.web")]
    assert len(web) == 1, [r.address for r in web]
    assert web[0].unevaluated is not None and web[0].unevaluated.startswith("count is not known before apply")
    assert why in web[0].unevaluated
    line = main.splitlines().index('resource "aws_security_group" "web" {') + 1
    errors = [(e.path, e.line, e.undecided) for e in estate.errors if "aws_security_group.web" in e.message]
    assert errors == [("main.tf", line, True)]
    assert set(statuses(estate, ADMIN).values()) == {"unknown"}


KNOWN_COUNTS = {
    "count = 2": ("", ""),
    "count = var.size": ('variable "size" {}\n', "size = 2\n"),
    "count = length(aws_vpc.main.tags)": ("", ""),  # set in the block: known before apply
}


@pytest.mark.parametrize("expansion", sorted(KNOWN_COUNTS))
def test_a_count_known_before_apply_is_judged(tmp_path: Path, expansion: str) -> None:
    extra, tfvars = KNOWN_COUNTS[expansion]
    files = {"main.tf": HEAD + extra + group("web", expansion)}
    if tfvars:
        files["terraform.tfvars"] = tfvars
    estate = load_estate([str(write(tmp_path, files))])
    assert estate.errors == ()
    web = sorted(r.address for r in estate.resources if r.kind == "aws_security_group")
    assert web == ["aws_security_group.web[0]", "aws_security_group.web[1]"]
    assert all(r.unevaluated is None for r in estate.resources)
    assert statuses(estate, ADMIN) == dict.fromkeys(web, "latent")


def test_a_for_each_over_a_module_output_is_a_placeholder_not_nothing(tmp_path: Path) -> None:
    main = HEAD + 'module "net" { source = "./net" }\n' + group("per_subnet", "for_each = module.net.by_name")
    folder = write(tmp_path, {"main.tf": main, "net/main.tf": MODULE})
    estate = load_estate([str(folder)])
    placeholder = next(r for r in estate.resources if r.address == "aws_security_group.per_subnet")
    assert placeholder.unevaluated is not None and "module.net.by_name" in placeholder.unevaluated
    line = main.splitlines().index('resource "aws_security_group" "per_subnet" {') + 1
    assert placeholder.provenance.path == "main.tf" and placeholder.provenance.line == line
    assert [(e.path, e.line, e.undecided) for e in estate.errors] == [("main.tf", line, True)]
    assert "aws_security_group.per_subnet: for_each over module.net.by_name" in estate.errors[0].message
    assert statuses(estate, ADMIN) == {"aws_security_group.per_subnet": "unknown"}
    assert scan_exit(folder) == 1

    # Twin: the same map as a local, known: one group per key, each judged.
    twin = (
        HEAD
        + 'locals {\n  by_name = { s0 = "a", s1 = "b" }\n}\n'
        + group("per_subnet", "for_each = local.by_name")
    )
    folder = write(tmp_path / "twin", {"main.tf": twin})
    estate = load_estate([str(folder)])
    assert estate.errors == ()
    assert statuses(estate, ADMIN) == {
        'aws_security_group.per_subnet["s0"]': "latent",
        'aws_security_group.per_subnet["s1"]': "latent",
    }


def test_a_module_call_counted_over_a_module_output_leaves_what_it_holds_unknown(tmp_path: Path) -> None:
    main = (
        HEAD
        + 'module "net" { source = "./net" }\nmodule "edge" {\n  source = "./edge"\n  count  = module.net.three\n}\n'
    )
    edge = group("edge", "") + 'resource "aws_security_group" "spare" {\n  for_each = {}\n}\n'
    folder = write(tmp_path, {"main.tf": main, "net/main.tf": MODULE, "edge/main.tf": edge})
    estate = load_estate([str(folder)])
    edges = {r.address: r.unevaluated for r in estate.resources if "edge" in r.address}
    assert len(edges) == 2 and all(why and "module.net.three" in why for why in edges.values()), edges
    line = main.splitlines().index('module "edge" {') + 1
    assert [(e.path, e.line) for e in estate.errors] == [("main.tf", line)]
    assert set(statuses(estate, ADMIN).values()) == {"unknown"}


def test_a_module_output_passed_as_an_input_is_known_only_to_a_call_evaluated_after(tmp_path: Path) -> None:
    """tfparse evaluates the calls of a module in the order of their names: a call named after the one
    whose output it reads gets the value (its count is judged), one named before gets nothing (unknown)."""
    main = (
        HEAD
        + 'module "net" { source = "./net" }\n'
        + "".join(
            f'module "{name}" {{\n  source = "./edge"\n  size   = module.net.three\n}}\n'
            for name in ("edge", "wall")
        )
    )
    edge = 'variable "size" {}\n' + group("edge", "count = var.size").replace("aws_vpc.main.id", '"vpc-0123"')
    folder = write(tmp_path, {"main.tf": main, "net/main.tf": MODULE, "edge/main.tf": edge})
    estate = load_estate([str(folder)])
    assert [(e.path, e.line) for e in estate.errors] == [("edge/main.tf", 2)]
    assert (
        "module.edge.aws_security_group.edge: count over var.size, from module.net.three"
        in estate.errors[0].message
    )
    assert statuses(estate, ADMIN) == {
        "module.edge.aws_security_group.edge[0]": "unknown",
        **{f"module.wall.aws_security_group.edge[{i}]": "latent" for i in range(3)},
    }


DYNAMIC = """
resource "aws_subnet" "public" {{
  vpc_id     = aws_vpc.main.id
  cidr_block = "10.0.1.0/24"
}}
resource "aws_internet_gateway" "gw" {{ vpc_id = aws_vpc.main.id }}
resource "aws_route_table" "public" {{
  vpc_id = aws_vpc.main.id
  route {{
    cidr_block = "0.0.0.0/0"
    gateway_id = aws_internet_gateway.gw.id
  }}
}}
resource "aws_route_table_association" "public" {{
  subnet_id      = aws_subnet.public.id
  route_table_id = aws_route_table.public.id
}}
resource "aws_instance" "app" {{
  ami                         = "ami-0123"
  instance_type               = "t3.micro"
  subnet_id                   = aws_subnet.public.id
  associate_public_ip_address = true
  vpc_security_group_ids      = [aws_security_group.app.id]
}}
resource "aws_security_group" "app" {{
  vpc_id = aws_vpc.main.id
  dynamic "ingress" {{
    for_each = {rules}
    content {{
      from_port   = ingress.value
      to_port     = ingress.value
      protocol    = "tcp"
      cidr_blocks = ["0.0.0.0/0"]
    }}
  }}
}}
"""
PORTS = 'data "aws_ssm_parameter" "ports" { name = "/app/ports" }\noutput "ports" { value = split(",", data.aws_ssm_parameter.ports.value) }\n'


@pytest.mark.parametrize(
    ("rules", "extra"),
    [
        ("var.rules", 'variable "rules" {}\n'),
        ("module.ports.ports", 'module "ports" { source = "./ports" }\n'),
        (
            'split(",", data.aws_ssm_parameter.ports.value)',
            'data "aws_ssm_parameter" "ports" { name = "/p" }\n',
        ),
    ],
)
def test_dynamic_blocks_over_an_unknown_leave_the_group_unknown(
    tmp_path: Path, rules: str, extra: str
) -> None:
    main = HEAD + extra + DYNAMIC.format(rules=rules)
    folder = write(tmp_path, {"main.tf": main, "ports/main.tf": PORTS})
    estate = load_estate([str(folder)])
    app = next(r for r in estate.resources if r.address == "aws_security_group.app")
    assert is_unknown(app.attributes["ingress"])
    for rule in (ADMIN, DATABASE):
        found = statuses(estate, rule)
        assert found and set(found.values()) == {"unknown"}, (rule, found)


@pytest.mark.parametrize(
    ("ports", "admin", "database"),
    [("[22]", "exposed", None), ("[443]", None, None), ("[5432]", None, "exposed")],
)
def test_dynamic_blocks_over_a_known_list_are_judged(
    tmp_path: Path, ports: str, admin: str | None, database: str | None
) -> None:
    main = HEAD + DYNAMIC.format(rules=ports)
    estate = load_estate([str(write(tmp_path, {"main.tf": main}))])
    assert estate.errors == ()
    for rule, expected in ((ADMIN, admin), (DATABASE, database)):
        found = set(statuses(estate, rule).values())
        assert found == ({expected} if expected else set()), (rule, found)
