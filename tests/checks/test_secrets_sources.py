"""Values from variable files, and secrets wherever Terraform lets them be written: through the real
Terraform source (tfparse on files these tests write) and the real checks."""

from __future__ import annotations

from pathlib import Path

from ringfence.checks.catalogue import by_id
from ringfence.engine.runner import run_checks
from ringfence.sources import LoadOptions, load_estate

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
    estate = load_estate([str(folder)], LoadOptions(var_files=tuple(str(v) for v in var_files)))
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


SECRET = by_id()["secrets.hardcoded-secret"]
PASSWORD = "Pr0d-Db-Passw0rd-2026"
CLUSTER_PASSWORD = "Cluster-Master-Passw0rd"
KEY_ID = "AKIAIOSFODNN7EXAMPLE"
SECRET_KEY = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"

DATABASES = """
variable "db_password" {
  type      = string
  sensitive = true
}

variable "cluster_password" {
  type      = string
  sensitive = true
  default   = "CLUSTER_PASSWORD"
}

variable "never_set" {
  type      = string
  sensitive = true
}

resource "aws_db_instance" "orders" {
  engine         = "postgres"
  instance_class = "db.t3.micro"
  password       = var.db_password
}

resource "aws_rds_cluster" "events" {
  engine          = "aurora-postgresql"
  master_password = var.cluster_password
}

resource "aws_db_instance" "reports" {
  engine         = "postgres"
  instance_class = "db.t3.micro"
  password       = var.never_set
}
""".replace("CLUSTER_PASSWORD", CLUSTER_PASSWORD)


def _secrets(folder: Path, *var_files: Path) -> dict[str, list[tuple[str, int | None, str, str]]]:
    estate = load_estate([str(folder)], LoadOptions(var_files=tuple(str(v) for v in var_files)))
    found: dict[str, list[tuple[str, int | None, str, str]]] = {}
    for f in run_checks(estate, checks=[SECRET]).findings:
        found.setdefault(f.resource, []).append(
            (f.location.path or "", f.location.line, f.severity.value, f.message)
        )
    return found


def test_a_secret_from_terraform_tfvars_is_found_where_it_is_written(write_tree) -> None:  # type: ignore[no-untyped-def]
    folder = write_tree(
        {"main.tf": DATABASES, "terraform.tfvars": f'region      = "eu-west-1"\ndb_password = "{PASSWORD}"\n'}
    )
    found = _secrets(folder)
    [(path, line, severity, message)] = found["aws_db_instance.orders"]
    assert (path, line, severity) == ("terraform.tfvars", 2, "high")
    assert "password" in message and "var.db_password" in message and "sha256:" in message
    assert PASSWORD not in message


def test_a_secret_in_a_variable_default_is_found_at_the_default(write_tree) -> None:  # type: ignore[no-untyped-def]
    folder = write_tree({"main.tf": DATABASES})
    found = _secrets(folder)
    [(path, line, _, message)] = found["aws_rds_cluster.events"]
    assert (path, line) == (
        "main.tf",
        DATABASES.splitlines().index(f'  default   = "{CLUSTER_PASSWORD}"') + 1,
    )
    assert "master_password" in message and CLUSTER_PASSWORD not in message
    # A sensitive variable nobody gives a value to holds no secret: nothing to report.
    assert "aws_db_instance.reports" not in found
    assert "aws_db_instance.orders" not in found


def test_the_variable_file_terraform_reads_last_is_named(write_tree) -> None:  # type: ignore[no-untyped-def]
    folder = write_tree(
        {
            "main.tf": DATABASES,
            "terraform.tfvars": 'db_password = "an-older-passw0rd"\n',
            "ci/prod.tfvars.json": '{\n  "db_password": "' + PASSWORD + '"\n}\n',
        }
    )
    [(path, line, _, _)] = _secrets(folder, folder / "ci" / "prod.tfvars.json")["aws_db_instance.orders"]
    assert (path, line) == ("ci/prod.tfvars.json", 2)


def test_a_secret_in_a_module_variable_default_is_found_in_the_module(write_tree) -> None:  # type: ignore[no-untyped-def]
    folder = write_tree(
        {
            "main.tf": 'module "db" {\n  source = "./modules/db"\n}\n',
            "modules/db/main.tf": DATABASES,
        }
    )
    found = _secrets(folder)
    [(path, line, _, _)] = found["module.db.aws_rds_cluster.events"]
    assert path == "modules/db/main.tf" and line == 10


PROVIDERS = f"""
terraform {{
  backend "s3" {{
    bucket     = "state"
    key        = "prod.tfstate"
    region     = "eu-west-1"
    access_key = "{KEY_ID}"
    secret_key = "{SECRET_KEY}"
  }}
}}

variable "session_token" {{
  type = string
}}

provider "aws" {{
  region     = "eu-west-1"
  access_key = "{KEY_ID}"
  secret_key = "{SECRET_KEY}"
  token      = var.session_token
}}

provider "aws" {{
  alias   = "audit"
  region  = "us-east-1"
  profile = "audit"
}}

resource "aws_s3_bucket" "logs" {{
  bucket = "logs"
}}
"""


def test_literal_keys_in_provider_and_backend_blocks(write_tree) -> None:  # type: ignore[no-untyped-def]
    token = "IQoJb3JpZ2luX2VjEXAMPLESESSIONTOKEN"
    folder = write_tree({"main.tf": PROVIDERS, "terraform.tfvars": f'session_token = "{token}"\n'})
    found = _secrets(folder)
    assert sorted(found) == [
        "provider.aws",
        "terraform.backend.s3",
    ]  # not the aliased provider with a profile
    provider = {
        m.split(" in ", 1)[0].removeprefix("hard-coded "): (p, n, s) for p, n, s, m in found["provider.aws"]
    }
    assert provider == {
        "access_key": ("main.tf", 16, "high"),
        "secret_key": ("main.tf", 16, "critical"),
        "token": ("terraform.tfvars", 1, "high"),  # supplied through a variable: where it is written
    }
    backend = {
        m.split(" in ", 1)[0].removeprefix("hard-coded "): (p, n, s)
        for p, n, s, m in found["terraform.backend.s3"]
    }
    assert backend == {"access_key": ("main.tf", 3, "high"), "secret_key": ("main.tf", 3, "critical")}
    messages = " ".join(m for items in found.values() for *_, m in items)
    assert KEY_ID not in messages and SECRET_KEY not in messages and token not in messages
    assert messages.count("sha256:") == 5


def test_provider_findings_are_printed_with_fingerprints(write_tree) -> None:  # type: ignore[no-untyped-def]
    import json
    import subprocess
    import sys

    folder = write_tree({"main.tf": PROVIDERS})
    done = subprocess.run(
        [sys.executable, "-m", "ringfence", "scan", str(folder), "--format", "json"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 1, done.stderr
    assert KEY_ID not in done.stdout and SECRET_KEY not in done.stdout
    report = json.loads(done.stdout)
    assert {(f["resource"], f["severity"]) for f in report["findings"] if f["pillar"] == "secrets"} == {
        ("provider.aws", "critical"),
        ("provider.aws", "high"),
        ("terraform.backend.s3", "critical"),
        ("terraform.backend.s3", "high"),
    }
    assert report["summary"]["resources"] == 1  # configuration blocks are not resources


def test_an_ignore_comment_on_the_provider_block_suppresses(write_tree) -> None:  # type: ignore[no-untyped-def]
    text = PROVIDERS.replace(
        'provider "aws" {\n  region     = "eu-west-1"',
        '# ringfence:ignore secrets.hardcoded-secret test account\nprovider "aws" {\n  region     = "eu-west-1"',
    )
    estate = load_estate([str(write_tree({"main.tf": text}))])
    findings = [f for f in run_checks(estate, checks=[SECRET]).findings if f.resource == "provider.aws"]
    assert findings and all(f.suppressed is not None for f in findings)
