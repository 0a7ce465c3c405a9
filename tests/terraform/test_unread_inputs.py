"""Nothing read is never a pass: a folder without infrastructure, a root without resources, a remote
module `terraform init` has not downloaded; each Terraform root's own intents; where mirrored files lead."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from ringfence.sources import load_estate
from tests.conftest import ROOT

VPC_MANIFEST = {
    "Modules": [
        {"Key": "", "Source": "", "Dir": "."},
        {
            "Key": "vpc",
            "Source": "registry.terraform.io/terraform-aws-modules/vpc/aws",
            "Version": "5.0.0",
            "Dir": ".terraform/modules/vpc",
        },
    ]
}
SUBNETS_ENTRY = {
    "Key": "vpc.subnets",
    "Source": "registry.terraform.io/hashicorp/subnets/cidr",
    "Version": "1.0.0",
    "Dir": ".terraform/modules/vpc.subnets",
}
VPC_MODULE = (
    'variable "cidr" {}\nresource "aws_vpc" "this" { cidr_block = var.cidr }\n'
    'module "subnets" {\n  source = "hashicorp/subnets/cidr"\n  base = var.cidr\n}\n'
)
SUBNETS_MODULE = 'variable "base" {}\nresource "aws_subnet" "a" { cidr_block = cidrsubnet(var.base, 8, 1) }\n'
ROOT_CALLING_VPC = (
    'module "vpc" {\n  source  = "terraform-aws-modules/vpc/aws"\n  cidr    = "10.5.0.0/16"\n}\n'
)


def _write(base: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        (base / rel).parent.mkdir(parents=True, exist_ok=True)
        (base / rel).write_text(text, encoding="utf-8")
    return base


def _scan(path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ringfence", "scan", str(path), *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )


def test_a_folder_without_infrastructure_files_is_an_input_error(tmp_path: Path) -> None:
    _write(
        tmp_path,
        {
            "package.json": '{"name": "shop", "version": "1.0.0"}',
            "tsconfig.json": '{"compilerOptions": {"strict": true}}',
            "src/index.ts": "export {}\n",
            ".terraform/modules/x/main.tf": 'resource "aws_s3_bucket" "b" {}\n',  # not the user's code
        },
    )
    done = _scan(tmp_path, "--format", "json")
    assert done.returncode == 2
    assert done.stdout == ""
    assert f"{tmp_path}: nothing to scan: no Terraform files (*.tf, *.tf.json)" in done.stderr
    assert "Terraform plan JSON" in done.stderr


def test_a_plan_file_in_a_folder_is_read(tmp_path: Path) -> None:
    plan = {
        "format_version": "1.2",
        "planned_values": {
            "root_module": {
                "resources": [
                    {
                        "address": "aws_vpc.main",
                        "mode": "managed",
                        "type": "aws_vpc",
                        "name": "main",
                        "values": {},
                    }
                ]
            }
        },
    }
    _write(tmp_path, {"package.json": "{}", "plans/prod.json": json.dumps(plan)})
    estate = load_estate([str(tmp_path)])
    assert [r.address for r in estate.resources] == ["aws_vpc.main"]


def test_a_root_of_variables_only_is_unknown_not_a_pass(tmp_path: Path) -> None:
    _write(
        tmp_path,
        {
            "variables.tf": 'variable "region" { default = "eu-west-1" }\n',
            "outputs.tf": 'output "region" { value = var.region }\n',
        },
    )
    done = _scan(tmp_path, "--format", "json")
    assert done.returncode == 0, done.stderr
    assert f"ringfence: warning: {tmp_path}: no resources were read: nothing was checked" in done.stderr
    report = json.loads(done.stdout)
    assert report["summary"]["resources"] == 0
    [entry] = report["errors"]
    assert entry["path"] == "." and entry["status"] == "unknown"
    assert entry["message"].startswith("no resources: the Terraform root's 2 files declare none")
    assert _scan(tmp_path, "--fail-on-unknown").returncode == 1


def test_an_empty_root_among_others_is_named(tmp_path: Path) -> None:
    _write(
        tmp_path,
        {
            "envs/prod/main.tf": 'resource "aws_s3_bucket" "b" { bucket = "b" }\n',
            "envs/dev/variables.tf": 'variable "x" {}\n',
        },
    )
    estate = load_estate([str(tmp_path)])
    assert [r.address for r in estate.resources] == ["envs/prod:aws_s3_bucket.b"]
    assert [(e.path, e.undecided) for e in estate.errors] == [("envs/dev", True)]


def test_remote_modules_not_downloaded_are_unknown_at_their_call(tmp_path: Path) -> None:
    _write(
        tmp_path,
        {
            "main.tf": 'resource "aws_s3_bucket" "b" { bucket = "b" }\n'
            'module "eks" {\n  source = "git::https://example.com/eks.git?ref=v1"\n}\n'
            'module "net" {\n  source = "./modules/net"\n}\n',
            "modules/net/main.tf": 'resource "aws_vpc" "v" { cidr_block = "10.0.0.0/16" }\n\n'
            'module "vpc" {\n  source = "https://example.com/vpc.zip"\n}\n',
        },
    )
    estate = load_estate([str(tmp_path)])
    assert sorted(r.address for r in estate.resources) == ["aws_s3_bucket.b", "module.net.aws_vpc.v"]
    assert [(e.path, e.line, e.undecided) for e in estate.errors] == [
        ("main.tf", 2, True),
        ("modules/net/main.tf", 3, True),
    ]
    assert estate.errors[0].message == (
        "module.eks (source 'git::https://example.com/eks.git?ref=v1') not downloaded: "
        "run `terraform init`; what it would create is unknown"
    )
    assert estate.errors[1].message.startswith("module.net.module.vpc (source 'https://example.com/vpc.zip')")
    done = _scan(tmp_path, "--fail-on", "none", "--fail-on-unknown")
    assert done.returncode == 0  # --fail-on none: nothing fails
    done = _scan(tmp_path, "--fail-on", "critical", "--fail-on-unknown")
    assert done.returncode == 1
    assert "unknown main.tf:2: module.eks" in done.stdout


def test_downloaded_registry_modules_nested_keys_included_are_evaluated(tmp_path: Path) -> None:
    manifest = {"Modules": [*VPC_MANIFEST["Modules"], SUBNETS_ENTRY]}
    _write(
        tmp_path,
        {
            "main.tf": ROOT_CALLING_VPC,
            ".terraform/modules/modules.json": json.dumps(manifest),
            ".terraform/modules/vpc/main.tf": VPC_MODULE,
            ".terraform/modules/vpc.subnets/main.tf": SUBNETS_MODULE,
        },
    )
    estate = load_estate([str(tmp_path)])
    assert sorted((r.address, r.get("cidr_block")) for r in estate.resources) == [
        ("module.vpc.aws_vpc.this", "10.5.0.0/16"),
        ("module.vpc.module.subnets.aws_subnet.a", "10.5.1.0/24"),
    ]
    assert estate.errors == ()


def test_a_nested_registry_module_missing_from_the_manifest_is_unknown(tmp_path: Path) -> None:
    _write(
        tmp_path,
        {
            "main.tf": ROOT_CALLING_VPC,
            ".terraform/modules/modules.json": json.dumps(VPC_MANIFEST),
            ".terraform/modules/vpc/main.tf": VPC_MODULE,
        },
    )
    estate = load_estate([str(tmp_path)])
    assert [r.address for r in estate.resources] == ["module.vpc.aws_vpc.this"]
    [unknown] = estate.errors
    assert (unknown.path, unknown.line, unknown.undecided) == (".terraform/modules/vpc/main.tf", 3, True)
    assert unknown.message.startswith(
        "module.vpc.module.subnets (source 'hashicorp/subnets/cidr') not downloaded"
    )


NETWORK = """
resource "aws_vpc" "main" { cidr_block = "CIDR.0.0/16" }
resource "aws_internet_gateway" "main" { vpc_id = aws_vpc.main.id }
resource "aws_subnet" "public" {
  vpc_id     = aws_vpc.main.id
  cidr_block = "CIDR.1.0/24"
}
resource "aws_route_table" "public" {
  vpc_id = aws_vpc.main.id
  route {
    cidr_block = "0.0.0.0/0"
    gateway_id = aws_internet_gateway.main.id
  }
}
resource "aws_route_table_association" "public" {
  subnet_id      = aws_subnet.public.id
  route_table_id = aws_route_table.public.id
}
resource "aws_security_group" "cache" {
  vpc_id = aws_vpc.main.id
  ingress {
    from_port   = 6379
    to_port     = 6379
    protocol    = "tcp"
    cidr_blocks = ["SOURCE"]
  }
}
resource "aws_instance" "cache" {
  ami                         = "ami-0c1c30571d2dae5c9"
  instance_type               = "t3.micro"
  subnet_id                   = aws_subnet.public.id
  associate_public_ip_address = true
  vpc_security_group_ids      = [aws_security_group.cache.id]
  tags                        = { tier = "cache" }
}
"""
CACHE_PRIVATE = (
    "intents:\n  - name: cache-private\n    from: internet\n    to: {tag: {tier: cache}}\n"
    "    port: 6379\n    must: not-reach\n"
)


def test_a_nested_roots_intents_apply_to_that_root_only(tmp_path: Path) -> None:
    _write(
        tmp_path,
        {
            # eu holds its intent; us is open to the world but declares no intent: eu's tag selector must
            # not reach across into it.
            "regions/eu/main.tf": NETWORK.replace("CIDR", "10.1").replace("SOURCE", "10.1.0.0/16"),
            "regions/eu/ringfence.yaml": CACHE_PRIVATE,
            "regions/us/main.tf": NETWORK.replace("CIDR", "10.2").replace("SOURCE", "0.0.0.0/0"),
            "regions/ap/main.tf": NETWORK.replace("CIDR", "10.3").replace("SOURCE", "0.0.0.0/0"),
            "regions/ap/ringfence.yaml": CACHE_PRIVATE.replace("{tag: {tier: cache}}", "aws_instance.cache"),
            "regions/ringfence.yaml": CACHE_PRIVATE,  # beside no root
        },
    )
    report = json.loads(_scan(tmp_path, "--format", "json").stdout)
    intents = [
        (f["resource"], f["status"], f["location"]["path"])
        for f in report["findings"]
        if f["rule_id"] == "intent.cache-private"
    ]
    assert intents == [("regions/ap:aws_instance.cache", "fail", "regions/ap/ringfence.yaml")]
    assert report["errors"] == [
        {
            "path": "regions/ringfence.yaml",
            "line": None,
            "message": "intents: not beside the .tf files of a Terraform root that was scanned: not verified "
            "(move it to its root's folder, or pass --intents)",
            "status": "unknown",
        }
    ]


def test_mirrored_paths_are_mapped_by_the_mirror_not_by_folder_names(tmp_path: Path) -> None:
    from ringfence.sources.terraform.evaluation import Task, _RealPaths
    from ringfence.sources.terraform.mirror import Mirror

    user = tmp_path / "user"
    copy = tmp_path / "copy"  # no telling prefix anywhere
    for folder in (
        user / "live/envs/prod",
        user / "modules/net",
        copy / "live/envs/prod",
        copy / "modules/net",
    ):
        folder.mkdir(parents=True)
    mirror = Mirror(copy / "live/envs/prod", copy, ((copy / "modules/net", user / "modules/net"),))
    task = Task(user / "live/envs/prod", user / "live/envs/prod", (), mirror=mirror)
    real = _RealPaths(tmp_path / "load", task)
    assert real(tmp_path / "load/main.tf") == user / "live/envs/prod/main.tf"
    assert real(copy / "modules/net/main.tf") == user / "modules/net/main.tf"
    assert real(user / "live/envs/prod/.terraform/modules/x/main.tf") == (
        user / "live/envs/prod/.terraform/modules/x/main.tf"
    )


def test_a_tf_json_file_given_alone_is_scanned_as_terraform(tmp_path: Path) -> None:
    _write(tmp_path, {"main.tf.json": '{"resource": {"aws_s3_bucket": {"b": {"bucket": "b"}}}}'})
    estate = load_estate([str(tmp_path / "main.tf.json")])
    assert [r.address for r in estate.resources] == ["aws_s3_bucket.b"]
    assert estate.errors == ()


def test_variable_files_terraform_would_read_but_cannot_are_errors(tmp_path: Path) -> None:
    import os

    (tmp_path / "main.tf").write_text(
        'variable "name" {\n  default = "from-default"\n}\nresource "aws_s3_bucket" "b" {\n  bucket = var.name\n}\n',
        encoding="utf-8",
    )
    (tmp_path / "terraform.tfvars").symlink_to(tmp_path / "nowhere")
    os.mkfifo(tmp_path / "extra.auto.tfvars")
    (tmp_path / "notes.tfvars").symlink_to(tmp_path / "nowhere")  # not read by Terraform unless named
    estate = load_estate([str(tmp_path)])
    assert sorted(e.path for e in estate.errors) == ["extra.auto.tfvars", "terraform.tfvars"]
    assert [r.address for r in estate.resources if r.kind == "aws_s3_bucket"] == ["aws_s3_bucket.b"]


def test_the_text_summary_counts_an_undecided_input_apart_from_errors(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(
        ROOT_CALLING_VPC + 'resource "aws_s3_bucket" "logs" {\n  bucket = "logs"\n}\n', encoding="utf-8"
    )
    done = _scan(tmp_path, "--no-cache", "--fail-on", "none")
    assert "1 unknown input" in done.stdout
    assert "input error" not in done.stdout
    (tmp_path / "broken.tf").write_text('resource "aws_s3_bucket" "x" {\n', encoding="utf-8")
    done = _scan(tmp_path, "--no-cache", "--fail-on", "none")
    assert "1 input error," in done.stdout and "1 unknown input" in done.stdout


def test_a_folder_named_like_a_terraform_file_and_a_folder_link_loop_are_errors(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text('resource "aws_s3_bucket" "b" {\n  bucket = "b"\n}\n', encoding="utf-8")
    (tmp_path / "network.tf").mkdir()
    (tmp_path / "up").symlink_to(tmp_path)
    estate = load_estate([str(tmp_path)])
    assert sorted((e.path, e.message.split(":")[0]) for e in estate.errors) == [
        ("network.tf", "cannot read file"),
        ("up", "not read"),
    ]
    assert [r.address for r in estate.resources if r.kind == "aws_s3_bucket"] == ["aws_s3_bucket.b"]
