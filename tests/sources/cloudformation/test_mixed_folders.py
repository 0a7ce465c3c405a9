"""A folder mixing Terraform, CloudFormation templates and other YAML is one estate: each file read by the
source that claims it, what no source reads skipped with a note, never an error."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from ringfence.cli.app import app
from ringfence.sources import load_estate

TERRAFORM = """
resource "aws_s3_bucket" "site" {
  bucket = "mixed-site"
}
"""

NETWORK = """
AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Vpc:
    Type: AWS::EC2::VPC
    Properties: {CidrBlock: 10.0.0.0/16}
  Bastion:
    Type: AWS::EC2::Instance
    Properties: {ImageId: ami-1, SubnetId: !Ref Subnet}
  Subnet:
    Type: AWS::EC2::Subnet
    Properties: {VpcId: !Ref Vpc, CidrBlock: 10.0.1.0/24}
"""

# JSON, recognised by its Resources alone (no AWSTemplateFormatVersion).
QUEUE = json.dumps({"Resources": {"Jobs": {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": "jobs"}}}})


def test_terraform_templates_and_other_yaml_in_one_folder(write_tree) -> None:  # type: ignore[no-untyped-def]
    folder = write_tree(
        {
            "main.tf": TERRAFORM,
            "stacks/net.yaml": NETWORK,
            "stacks/queue.json": QUEUE,
            "ci/settings.yml": "jobs:\n  build: {runs-on: ubuntu}\n",
            "data/values.json": '{"a": 1}',
        }
    )
    estate = load_estate([str(folder)])
    assert {r.address for r in estate.resources} == {
        "aws_s3_bucket.site",
        "stacks/net.yaml:Vpc",
        "stacks/net.yaml:Bastion",
        "stacks/net.yaml:Subnet",
        "stacks/queue.json:Jobs",
    }
    assert estate.errors == ()
    skipped = "skipped: not CloudFormation, Kubernetes or a Terraform plan"
    assert f"ci/settings.yml: {skipped}" in estate.notes
    assert f"data/values.json: {skipped}" in estate.notes
    bastion = estate.get("stacks/net.yaml:Bastion")
    assert (
        bastion is not None and bastion.provenance.path == "stacks/net.yaml" and bastion.provenance.line == 7
    )
    assert ("stacks/net.yaml:Subnet", "vpc_id", "stacks/net.yaml:Vpc") in {
        (r.source, r.kind, r.target) for r in estate.relations
    }


def test_one_template_keeps_bare_logical_ids(write_tree) -> None:  # type: ignore[no-untyped-def]
    folder = write_tree({"net.yaml": NETWORK})
    estate = load_estate([str(folder)])
    assert {r.address for r in estate.resources} == {"Vpc", "Bastion", "Subnet"}
    file_scan = load_estate([str(folder / "net.yaml")])
    assert {r.address for r in file_scan.resources} == {"Vpc", "Bastion", "Subnet"}


def test_a_folder_of_nothing_readable_names_every_kind(write_tree) -> None:  # type: ignore[no-untyped-def]
    folder = write_tree({"settings.yml": "a: 1\n"})
    done = CliRunner().invoke(app, ["scan", str(folder)])
    assert done.exit_code == 2
    assert "no CloudFormation template" in done.output and "no Kubernetes manifest" in done.output
