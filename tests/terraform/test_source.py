"""The Terraform source on real Terraform through tfparse."""

from __future__ import annotations

import json
from pathlib import Path

from ringfence.model import Ref, Unknown
from ringfence.model.relations import NETWORK_ACL, ROUTE_TABLE
from ringfence.sources import LoadOptions, load_estate

MODULE = """
variable "vpc_id" {}
variable "n" {}
resource "aws_s3_bucket" "b" { bucket = "bucket-${var.n}" }
resource "aws_security_group" "sg" {
  name   = "sg-${var.n}"
  vpc_id = var.vpc_id
}
output "sg_id" { value = aws_security_group.sg.id }
output "bucket" { value = aws_s3_bucket.b.bucket }
"""


def _many_modules(calls: int) -> str:
    blocks = [
        'provider "aws" { region = "eu-west-1" }',
        'resource "aws_vpc" "main" { cidr_block = "10.0.0.0/16" }',
    ]
    for i in range(calls):
        blocks.append(
            f'module "m{i:03d}" {{\n  source = "./modules/m"\n  vpc_id = aws_vpc.main.id\n  n = {i}\n}}'
        )
    # The root reads one module's output: that module must be evaluated with the root's resources.
    blocks.append(
        'resource "aws_instance" "uses_module" {\n  vpc_security_group_ids = [module.m117.sg_id]\n}'
    )
    return "\n".join(blocks) + "\n"


def test_more_than_100_module_calls_lose_no_resource(write_tree) -> None:  # type: ignore[no-untyped-def]
    root = write_tree({"main.tf": _many_modules(130), "modules/m/main.tf": MODULE})
    estate = load_estate([str(root)])
    buckets = estate.of_kind("aws_s3_bucket")
    assert len(buckets) == 130
    assert {b.get("bucket") for b in buckets} == {f"bucket-{i}" for i in range(130)}
    groups = estate.of_kind("aws_security_group")
    assert len(groups) == 130
    # Module inputs survive batching: every group is in the root's VPC.
    assert all(estate.target(g, "vpc_id") == estate.get("aws_vpc.main") for g in groups)
    user = estate.get("aws_instance.uses_module")
    assert user is not None
    assert [g.address for g in estate.targets(user, "vpc_security_group_ids")] == [
        "module.m117.aws_security_group.sg"
    ]
    assert len(estate.of_kind("aws_vpc")) == 1


def test_a_file_that_does_not_parse_is_an_error_and_the_rest_is_scanned(write_tree) -> None:  # type: ignore[no-untyped-def]
    root = write_tree(
        {
            "good.tf": 'resource "aws_vpc" "ok" {\n  cidr_block = "10.0.0.0/16"\n}\n',
            "bad.tf": 'resource "aws_vpc" "broken" {\n  cidr_block = \n}\n',
        }
    )
    estate = load_estate([str(root)])
    assert [r.address for r in estate.resources] == ["aws_vpc.ok"]
    assert len(estate.errors) == 1
    error = estate.errors[0]
    assert error.path == "bad.tf"
    assert error.line == 2  # `cidr_block =` has no value
    assert "syntax error" in error.message


def test_every_root_is_found_and_prefixed(write_tree) -> None:  # type: ignore[no-untyped-def]
    vpc_module = 'variable "cidr" {}\nresource "aws_vpc" "this" { cidr_block = var.cidr }\n'
    root = write_tree(
        {
            "modules/vpc/main.tf": vpc_module,
            "envs/prod/main.tf": 'module "net" {\n  source = "../../modules/vpc"\n  cidr = "10.1.0.0/16"\n}\n',
            "envs/dev/main.tf": 'module "net" {\n  source = "../../modules/vpc"\n  cidr = "10.2.0.0/16"\n}\n',
        }
    )
    estate = load_estate([str(root)])
    addresses = {r.address: r.get("cidr_block") for r in estate.resources}
    assert addresses == {
        "envs/dev:module.net.aws_vpc.this": "10.2.0.0/16",
        "envs/prod:module.net.aws_vpc.this": "10.1.0.0/16",
    }
    assert {r.provenance.path for r in estate.resources} == {"modules/vpc/main.tf"}


def test_var_files_and_unknown_values(write_tree, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    root = write_tree(
        {
            "main.tf": 'variable "cidr" {}\nvariable "unset" {}\n'
            'resource "aws_vpc" "v" {\n  cidr_block = var.cidr\n}\n'
            'resource "aws_kms_key" "k" {\n  enable_key_rotation = var.unset\n}\n',
        }
    )
    var_file = tmp_path.parent / f"{tmp_path.name}-prod.tfvars"
    var_file.write_text('cidr = "10.9.0.0/16"\n', encoding="utf-8")
    estate = load_estate([str(root)], LoadOptions(var_files=(str(var_file),)))
    assert estate.get("aws_vpc.v").get("cidr_block") == "10.9.0.0/16"  # type: ignore[union-attr]
    rotation = estate.get("aws_kms_key.k").get("enable_key_rotation")  # type: ignore[union-attr]
    assert isinstance(rotation, Unknown)
    assert "var.unset" in rotation.reason


def test_computed_references_become_relations_and_arns(write_tree) -> None:  # type: ignore[no-untyped-def]
    root = write_tree(
        {
            "main.tf": """
provider "aws" { region = "eu-central-1" }
resource "aws_vpc" "main" { cidr_block = "10.0.0.0/16" }
resource "aws_subnet" "a" {
  vpc_id     = aws_vpc.main.id
  cidr_block = "10.0.1.0/24"
}
resource "aws_route_table" "rt" { vpc_id = aws_vpc.main.id }
resource "aws_route_table_association" "a" {
  subnet_id      = aws_subnet.a.id
  route_table_id = aws_route_table.rt.id
}
resource "aws_iam_role" "app" {
  name = "app"
  path = "/service/"
  assume_role_policy = jsonencode({Version = "2012-10-17", Statement = []})
}
resource "aws_s3_bucket" "data" { bucket = "data-bucket" }
data "aws_iam_policy_document" "read" {
  statement {
    actions   = ["s3:GetObject"]
    resources = ["${aws_s3_bucket.data.arn}/*"]
    principals {
      type        = "AWS"
      identifiers = [aws_iam_role.app.arn]
    }
  }
}
resource "aws_s3_bucket_policy" "data" {
  bucket = aws_s3_bucket.data.id
  policy = data.aws_iam_policy_document.read.json
}
"""
        }
    )
    estate = load_estate([str(root)], LoadOptions(account_id="111122223333"))
    assert estate.account_id == "111122223333"
    assert estate.region == "eu-central-1"
    subnet = estate.get("aws_subnet.a")
    assert subnet is not None
    assert subnet.get("vpc_id") == Ref("aws_vpc.main", "id")
    assert estate.target(subnet, ROUTE_TABLE) == estate.get("aws_route_table.rt")
    assert estate.target(subnet, NETWORK_ACL) is None  # the VPC's implicit default ACL
    role = estate.get("aws_iam_role.app")
    assert role is not None
    assert role.arn == "arn:aws:iam::111122223333:role/service/app"
    policy = json.loads(estate.get("aws_s3_bucket_policy.data").get("policy"))  # type: ignore[union-attr]
    statement = policy["Statement"][0]
    assert statement["Principal"] == {"AWS": "arn:aws:iam::111122223333:role/service/app"}
    assert statement["Resource"] == "arn:aws:s3:::data-bucket/*"
    bucket = estate.get("aws_s3_bucket.data")
    assert [r.address for r in estate.sources(bucket, "configures")] == ["aws_s3_bucket_policy.data"]  # type: ignore[arg-type]


def test_account_id_from_the_code_or_assumed(write_tree) -> None:  # type: ignore[no-untyped-def]
    root = write_tree(
        {
            "main.tf": 'resource "aws_iam_role_policy_attachment" "a" {\n  role = "x"\n'
            '  policy_arn = "arn:aws:iam::444455556666:policy/p"\n}\n'
        }
    )
    estate = load_estate([str(root)])
    assert estate.account_id == "444455556666"
    assert any("444455556666" in n for n in estate.notes)


def test_unresolved_remote_module_is_said(write_tree) -> None:  # type: ignore[no-untyped-def]
    root = write_tree(
        {
            "main.tf": 'module "vpc" {\n  source = "terraform-aws-modules/vpc/aws"\n  version = "5.0.0"\n}\n'
            'resource "aws_s3_bucket" "b" { bucket = "b" }\n'
        }
    )
    estate = load_estate([str(root)])
    assert [r.address for r in estate.resources] == ["aws_s3_bucket.b"]
    [unknown] = estate.errors
    assert (unknown.path, unknown.line, unknown.undecided) == ("main.tf", 1, True)
    assert unknown.message.startswith("module.vpc (source 'terraform-aws-modules/vpc/aws') not downloaded")


def test_plan_json(tmp_path: Path) -> None:
    plan = {
        "format_version": "1.2",
        "terraform_version": "1.9.0",
        "planned_values": {
            "root_module": {
                "resources": [
                    {
                        "address": "aws_vpc.main",
                        "mode": "managed",
                        "type": "aws_vpc",
                        "name": "main",
                        "values": {"cidr_block": "10.0.0.0/16"},
                    },
                    {
                        "address": "aws_subnet.a",
                        "mode": "managed",
                        "type": "aws_subnet",
                        "name": "a",
                        "values": {"cidr_block": "10.0.1.0/24"},
                    },
                    {
                        "address": "aws_kms_key.k",
                        "mode": "managed",
                        "type": "aws_kms_key",
                        "name": "k",
                        "values": {"enable_key_rotation": False},
                    },
                ]
            }
        },
        "resource_changes": [
            {"address": "aws_subnet.a", "change": {"after_unknown": {"vpc_id": True, "id": True}}},
        ],
        "configuration": {
            "provider_config": {"aws": {"expressions": {"region": {"constant_value": "us-west-2"}}}},
            "root_module": {
                "resources": [
                    {
                        "address": "aws_subnet.a",
                        "expressions": {"vpc_id": {"references": ["aws_vpc.main.id", "aws_vpc.main"]}},
                    }
                ]
            },
        },
    }
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(plan), encoding="utf-8")
    estate = load_estate([str(path)])
    assert estate.region == "us-west-2"
    subnet = estate.get("aws_subnet.a")
    assert subnet is not None
    assert estate.target(subnet, "vpc_id") == estate.get("aws_vpc.main")
    assert isinstance(subnet.get("id"), Unknown)
    assert estate.get("aws_kms_key.k").get("enable_key_rotation") is False  # type: ignore[union-attr]


def test_plan_nested_too_deep_is_an_input_error(tmp_path: Path) -> None:
    deep = '{"format_version": "1.2", "planned_values": ' + "[" * 50000 + "]" * 50000 + "}"
    (tmp_path / "plan.json").write_text(deep, encoding="utf-8")
    estate = load_estate([str(tmp_path)])
    [error] = estate.errors
    assert error.path.endswith("plan.json") and "nested too deep" in error.message
    # Beside Terraform files, the plan is named in a note and the Terraform is read.
    (tmp_path / "main.tf").write_text('resource "aws_kms_key" "good" {\n  description = "k"\n}\n')
    estate = load_estate([str(tmp_path)])
    assert estate.get("aws_kms_key.good") is not None
    assert any("plan.json" in note for note in estate.notes)


def test_comments_inside_heredocs_are_not_suppressions(write_tree) -> None:  # type: ignore[no-untyped-def]
    root = write_tree(
        {
            "main.tf": 'resource "aws_instance" "i" {\n  # ringfence:ignore a.b real comment\n'
            "  user_data = <<-EOT\n    #!/bin/bash\n    # ringfence:ignore c.d inside the script\n  EOT\n}\n"
        }
    )
    estate = load_estate([str(root)])
    assert estate.get("aws_instance.i").annotations == ("ringfence:ignore a.b real comment",)  # type: ignore[union-attr]


def test_remote_modules_are_read_from_dot_terraform(write_tree) -> None:  # type: ignore[no-untyped-def]
    manifest = {
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
    root = write_tree(
        {
            "main.tf": 'module "vpc" {\n  source  = "terraform-aws-modules/vpc/aws"\n  version = "5.0.0"\n'
            '  cidr    = "10.5.0.0/16"\n}\n',
            ".terraform/modules/vpc/main.tf": 'variable "cidr" {}\nresource "aws_vpc" "this" { cidr_block = var.cidr }\n',
            ".terraform/modules/modules.json": json.dumps(manifest),
        }
    )
    estate = load_estate([str(root)])
    assert [(r.address, r.get("cidr_block")) for r in estate.resources] == [
        ("module.vpc.aws_vpc.this", "10.5.0.0/16")
    ]
    assert not estate.errors


def test_caller_identity_region_and_partition_are_written_in(write_tree) -> None:  # type: ignore[no-untyped-def]
    module = """
data "aws_caller_identity" "me" {}
data "aws_region" "here" {}
resource "aws_iam_role" "r" {
  name = "r"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Action    = "sts:AssumeRole"
      Principal = { AWS = "arn:aws:iam::${data.aws_caller_identity.me.account_id}:root" }
    }]
  })
}
resource "aws_sqs_queue" "q" { name = "q-${data.aws_region.here.name}" }
"""
    root = write_tree(
        {
            "main.tf": 'provider "aws" { region = "ap-southeast-2" }\nmodule "m" { source = "./m" }\n',
            "m/main.tf": module,
        }
    )
    estate = load_estate([str(root)], LoadOptions(account_id="777788889999"))
    trust = json.loads(estate.get("module.m.aws_iam_role.r").get("assume_role_policy"))  # type: ignore[union-attr]
    assert trust["Statement"][0]["Principal"] == {"AWS": "arn:aws:iam::777788889999:root"}
    assert estate.get("module.m.aws_sqs_queue.q").get("name") == "q-ap-southeast-2"  # type: ignore[union-attr]
    assert estate.get("module.m.aws_iam_role.r").provenance.path == "m/main.tf"  # type: ignore[union-attr]


def test_redshift_parameter_group_and_snapshot_sources_are_linked(write_tree) -> None:  # type: ignore[no-untyped-def]
    root = write_tree(
        {
            "main.tf": """
resource "aws_redshift_parameter_group" "tls" {
  name   = "require-tls"
  family = "redshift-2.0"
}
resource "aws_redshift_cluster" "by_reference" {
  cluster_identifier           = "a"
  cluster_parameter_group_name = aws_redshift_parameter_group.tls.name
}
resource "aws_redshift_cluster" "by_name" {
  cluster_identifier           = "b"
  cluster_parameter_group_name = "require-tls"
}
resource "aws_ebs_volume" "data" {
  availability_zone = "eu-west-1a"
  size              = 10
}
resource "aws_ebs_snapshot" "data" { volume_id = aws_ebs_volume.data.id }
resource "aws_ebs_snapshot_copy" "data" {
  source_snapshot_id = aws_ebs_snapshot.data.id
  source_region      = "eu-west-1"
}
"""
        }
    )
    estate = load_estate([str(root)])
    group = estate.get("aws_redshift_parameter_group.tls")
    for cluster in ("aws_redshift_cluster.by_reference", "aws_redshift_cluster.by_name"):
        assert estate.target(cluster, "cluster_parameter_group_name") == group
    assert estate.target("aws_ebs_snapshot.data", "volume_id") == estate.get("aws_ebs_volume.data")
    copy_source = estate.target("aws_ebs_snapshot_copy.data", "source_snapshot_id")
    assert copy_source == estate.get("aws_ebs_snapshot.data")


def test_a_loaded_estate_survives_the_trip_from_a_worker_unchanged(write_tree) -> None:  # type: ignore[no-untyped-def]
    """Evaluation workers send their resources back pickled: references, unknowns, interpolations,
    provenance and every field of a resource come back equal."""
    import pickle

    root = write_tree(
        {
            "main.tf": """
variable "suffix" {}
resource "aws_vpc" "main" { cidr_block = "10.0.0.0/16" }
resource "aws_security_group" "sg" {
  name   = "sg-${var.suffix}"
  vpc_id = aws_vpc.main.id
  tags   = { Team = "core" }
}
""",
        }
    )
    estate = load_estate([str(root)])
    group = estate.get("aws_security_group.sg")
    assert group is not None and isinstance(group.get("vpc_id"), Ref)
    back = pickle.loads(pickle.dumps(estate.resources, protocol=pickle.HIGHEST_PROTOCOL))
    assert back == estate.resources
    assert [type(r.get("vpc_id")) for r in back] == [type(r.get("vpc_id")) for r in estate.resources]
    assert back[[r.address for r in back].index("aws_security_group.sg")].tags == group.tags
