"""Nested stacks on disk, SAM templates, CDK output and suppressions in Metadata, read through the
CloudFormation source from tests/fixtures/cloudformation."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from ringfence.cli.app import app
from ringfence.sources import LoadOptions, load_estate

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "cloudformation"


def test_a_nested_stack_on_disk_is_read_with_its_parameters_and_outputs() -> None:
    estate = load_estate([str(FIXTURES / "nested")])
    addresses = {r.address for r in estate.resources}
    # The child template is read through its parent only, its resources as Parent/Child.
    assert {"Network", "Network/Vpc", "Network/Public", "Bastion", "Remote"} <= addresses
    assert not any(a.startswith("stacks/") for a in addresses)
    vpc = estate.get("Network/Vpc")
    assert vpc is not None and vpc.get("cidr_block") == "10.1.0.0/16"
    assert vpc.provenance.path == "stacks/network.yaml" and vpc.provenance.line == 6
    subnet = estate.get("Network/Public")
    assert subnet is not None and subnet.get("cidr_block") == "10.1.0.0/24"
    relations = {(r.source, r.kind, r.target) for r in estate.relations}
    assert ("Bastion", "subnet_id", "Network/Public") in relations
    assert ("Network/Public", "vpc_id", "Network/Vpc") in relations
    assert any(
        "nested stack Remote: its template https://example.com/remote.yaml is not on disk" in n
        for n in estate.notes
    )


def test_a_sam_template_gets_its_implicit_role_and_policy_templates() -> None:
    estate = load_estate([str(FIXTURES / "sam")], LoadOptions(account_id="111122223333"))
    role = estate.get("template.yaml:ResizeRole")
    assert role is not None and role.kind == "aws_iam_role"
    assert role.provenance.line == 8  # the line of the SAM function it comes from
    assert "arn:aws:iam::aws:policy/AdministratorAccess" in role.get("managed_policy_arns")
    (inline,) = role.get("inline_policy")
    assert "arn:aws:s3:::sam-uploads" in inline["policy"]
    function = estate.get("template.yaml:Resize")
    assert (
        function is not None
        and function.get("role") == "arn:aws:iam::111122223333:role/<template.yaml:ResizeRole>"
    )
    # A template SAM refuses is an error of its own file; the other is read.
    assert [(e.path, "SAM:" in e.message) for e in estate.errors] == [("broken.yaml", True)]


def test_cdk_output_is_read_with_its_stack_names_and_without_assets() -> None:
    estate = load_estate([str(FIXTURES / "cdk")])
    assert [r.address for r in estate.resources] == ["AppBucket"]
    bucket = estate.get("AppBucket")
    assert bucket is not None and bucket.get("bucket") == "cdk-app-prod-app"
    assert bucket.provenance.path == "cdk.out/AppStack.template.json"


def test_metadata_suppresses_as_ignore_comments_do() -> None:
    done = CliRunner().invoke(
        app, ["scan", str(FIXTURES / "suppressions"), "--format", "json", "--fail-on", "none"]
    )
    assert done.exit_code == 0, done.output
    rotation = {
        f["resource"]: f.get("suppressed")
        for f in json.loads(done.stdout)["findings"]
        if f["rule_id"] == "kms.key-rotation-enabled"
    }
    assert rotation == {
        "OwnIgnore": {"by": "ringfence:ignore", "reason": "rotated by the HSM"},
        "CheckovSkip": {"by": "checkov:skip=CKV_AWS_7", "reason": "short-lived key"},
        "CfnNagOwnId": {"by": "cfn_nag:kms.key-rotation-enabled", "reason": "imported material"},
        "CfnNagForeignId": None,
        "NotSuppressed": None,
    }


def test_a_recorder_with_a_delivery_channel_is_started() -> None:
    # CloudFormation starts the recorder once a delivery channel exists (Terraform says it with a status).
    estate = load_estate([str(FIXTURES / "config")])
    status = estate.get("Recorder.Status")
    assert status is not None and status.kind == "aws_config_configuration_recorder_status"
    assert status.get("name") == "default" and status.get("is_enabled") is True
    assert ("Recorder.Status", "name", "Recorder") in {(r.source, r.kind, r.target) for r in estate.relations}
