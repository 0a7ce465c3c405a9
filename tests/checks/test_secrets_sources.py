"""Values from variable files, and secrets wherever Terraform lets them be written: through the real
Terraform source (tfparse on files these tests write) and the real checks."""

from __future__ import annotations

from pathlib import Path

from ringfence.checks.catalogue import by_id
from ringfence.engine.runner import run_checks
from ringfence.sources import load_estate

BUCKET = """
variable "acl" {
  type    = string
  default = "private"
}

resource "aws_s3_bucket" "site" {
  bucket = "site"
}

resource "aws_s3_bucket_acl" "site" {
  bucket = aws_s3_bucket.site.id
  acl    = var.acl
}
"""


def _acl(folder: Path, *var_files: Path) -> object:
    estate = load_estate([str(folder)], var_files=[str(v) for v in var_files])
    return estate.by_address["aws_s3_bucket_acl.site"].get("acl")


def test_terraform_tfvars_is_loaded_without_being_named(write_tree) -> None:  # type: ignore[no-untyped-def]
    folder = write_tree({"main.tf": BUCKET, "terraform.tfvars": 'acl = "public-read"\n'})
    assert _acl(folder) == "public-read"


def test_variable_files_load_in_terraform_order(write_tree) -> None:  # type: ignore[no-untyped-def]
    """terraform.tfvars, terraform.tfvars.json, *.auto.tfvars(.json) by name, then --var-file: last wins."""
    files = {"main.tf": BUCKET, "terraform.tfvars": 'acl = "from-tfvars"\n'}
    folder = write_tree(files)
    assert _acl(folder) == "from-tfvars"
    (folder / "terraform.tfvars.json").write_text('{"acl": "from-json"}\n', encoding="utf-8")
    assert _acl(folder) == "from-json"
    (folder / "b.auto.tfvars").write_text('acl = "from-b-auto"\n', encoding="utf-8")
    (folder / "a.auto.tfvars.json").write_text('{"acl": "from-a-auto"}\n', encoding="utf-8")
    assert _acl(folder) == "from-b-auto"
    explicit = folder / "ci" / "override.tfvars"
    explicit.parent.mkdir()
    explicit.write_text('acl = "from-var-file"\n', encoding="utf-8")
    assert _acl(folder, explicit) == "from-var-file"
    # A tfvars file that is not auto-loaded by name is not read.
    (folder / "prod.tfvars").write_text('acl = "from-prod"\n', encoding="utf-8")
    assert _acl(folder) == "from-b-auto"


def test_each_root_reads_its_own_tfvars(write_tree) -> None:  # type: ignore[no-untyped-def]
    folder = write_tree(
        {
            "envs/dev/main.tf": BUCKET,
            "envs/prod/main.tf": BUCKET,
            "envs/prod/terraform.tfvars": 'acl = "public-read"\n',
        }
    )
    estate = load_estate([str(folder)])
    assert estate.by_address["envs/dev:aws_s3_bucket_acl.site"].get("acl") == "private"
    assert estate.by_address["envs/prod:aws_s3_bucket_acl.site"].get("acl") == "public-read"


def test_a_check_judges_the_value_from_terraform_tfvars(write_tree) -> None:  # type: ignore[no-untyped-def]
    db = """
variable "public" {
  type    = bool
  default = false
}

resource "aws_db_instance" "orders" {
  engine              = "postgres"
  instance_class      = "db.t3.micro"
  publicly_accessible = var.public
}
"""
    check = by_id()["rds.not-publicly-accessible"]
    private = write_tree({"private/main.tf": db})
    assert not run_checks(load_estate([str(private / "private")]), checks=[check]).findings
    public = write_tree({"public/main.tf": db, "public/terraform.tfvars": "public = true\n"})
    findings = run_checks(load_estate([str(public / "public")]), checks=[check]).findings
    assert [(f.rule_id, f.resource) for f in findings] == [
        ("rds.not-publicly-accessible", "aws_db_instance.orders")
    ]
