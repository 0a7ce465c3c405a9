"""The same estate written in Terraform and in CloudFormation gives the same findings and the same
reachability and escalation answers: a three-tier network with an exposed and a latent SSH path, IAM with
a PassRole escalation, KMS/S3/RDS encryption on and off, a trail, GuardDuty and flow logs on one VPC and
not on the other (tests/fixtures/cloudformation/twins)."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ringfence.cli.app import app

TWINS = Path(__file__).resolve().parents[2] / "fixtures" / "cloudformation" / "twins"
TERRAFORM, CLOUDFORMATION = TWINS / "terraform", TWINS / "cloudformation"
SETTINGS = ("--account-id", "111122223333")
# The CloudFormation template does not say its region; the Terraform provider block does.
REGION = ("--parameter", "AWS::Region=eu-west-1")

# How the resources are named in each language: CloudFormation logical id -> Terraform address. A part a
# CloudFormation resource stands for (a user's inline policy) maps to the provider's own resource.
NAMES = {
    "Vpc": "aws_vpc.main",
    "Sandbox": "aws_vpc.sandbox",
    "AppSubnet": "aws_subnet.app",
    "DbSubnet": "aws_subnet.db",
    "PublicSubnet": "aws_subnet.public",
    "Bastion": "aws_instance.bastion",
    "App": "aws_instance.app",
    "AdminRole": "aws_iam_role.admin",
    "AppRole": "aws_iam_role.app",
    "FlowRole": "aws_iam_role.flow",
    "AppPolicy": "aws_iam_role_policy.app",
    "CiUser": "aws_iam_user.ci",
    "CiUser.Policies[deploy]": "aws_iam_user_policy.ci",
    "DataBucket": "aws_s3_bucket.data",
    "LogsBucket": "aws_s3_bucket.logs",
    "DataKey": "aws_kms_key.data",
    "LogsKey": "aws_kms_key.logs",
    "Orders": "aws_db_instance.orders",
    "Legacy": "aws_db_instance.legacy",
    "Trail": "aws_cloudtrail.main",
    "Detector": "aws_guardduty_detector.main",
    "111122223333": "111122223333",  # findings about the whole account
}


def invoke(*args: str) -> tuple[int, str]:
    done = CliRunner().invoke(app, list(args))
    return done.exit_code, done.stdout


def scan(folder: Path, *extra: str) -> dict[str, object]:
    code, out = invoke("scan", str(folder), "--format", "json", "--fail-on", "none", *SETTINGS, *extra)
    assert code == 0, out
    report = json.loads(out)
    assert isinstance(report, dict)
    return report


@pytest.fixture(scope="module")
def reports() -> tuple[dict[str, object], dict[str, object]]:
    return scan(TERRAFORM), scan(CLOUDFORMATION, *REGION)


def findings(report: dict[str, object]) -> list[dict[str, str]]:
    found = report["findings"]
    assert isinstance(found, list)
    return found


def test_the_twins_give_the_same_rule_and_status_multiset(reports: tuple[dict[str, object], ...]) -> None:
    terraform, cloudformation = reports
    assert not terraform["errors"] and not cloudformation["errors"]
    tf = Counter((f["rule_id"], f["status"]) for f in findings(terraform))
    cfn = Counter((f["rule_id"], f["status"]) for f in findings(cloudformation))
    assert cfn == tf
    # The estate holds what the twins are for: an exposed and a latent path, failures of every pillar.
    statuses = {(f["rule_id"], f["status"]) for f in findings(terraform)}
    assert ("network.admin-port-exposed", "exposed") in statuses
    assert ("network.admin-port-exposed", "latent") in statuses
    assert {"rds.storage-encrypted", "kms.key-rotation-enabled", "network.vpc-flow-logs-enabled"} <= {
        rule for rule, _ in statuses
    }


def test_the_twins_fail_the_same_rules_on_the_same_resources(reports: tuple[dict[str, object], ...]) -> None:
    terraform, cloudformation = reports
    tf = Counter((f["rule_id"], f["status"], f["resource"]) for f in findings(terraform))
    cfn = Counter((f["rule_id"], f["status"], NAMES[f["resource"]]) for f in findings(cloudformation))
    assert cfn == tf


@pytest.mark.parametrize(
    ("source", "target", "port", "reachable"),
    [
        ("internet", "Bastion", "22", True),
        ("internet", "App", "22", False),  # the latent path: the app subnet routes through NAT only
        ("App", "Orders", "5432", True),
        ("Bastion", "Orders", "5432", False),  # the database group admits the app group only
    ],
)
def test_the_twins_give_the_same_reach_answers(source: str, target: str, port: str, reachable: bool) -> None:
    def answer(folder: Path, src: str, dst: str, *extra: str) -> object:
        code, out = invoke(
            "reach", str(folder), "--from", src, "--to", dst, "--port", port, "--format", "json", *extra
        )
        assert code == 0, out
        return json.loads(out)["reachable"]

    tf_source = NAMES.get(source, source)
    assert answer(TERRAFORM, tf_source, NAMES[target]) is reachable
    assert answer(CLOUDFORMATION, source, target, *REGION) is reachable


def test_the_twins_give_the_same_escalation() -> None:
    def paths(folder: Path, *extra: str) -> list[tuple[str, str, tuple[tuple[str, str], ...]]]:
        code, out = invoke("iam", "escalations", str(folder), "--format", "json", *SETTINGS, *extra)
        assert code == 0, out
        return [
            (p["principal"], p["reaches"], tuple((s["action"], s["via"]) for s in p["steps"]))
            for p in json.loads(out)["paths"]
        ]

    tf = paths(TERRAFORM)
    cfn = [
        (NAMES[who], reaches, tuple((a, NAMES[via]) for a, via in steps))
        for who, reaches, steps in paths(CLOUDFORMATION, *REGION)
    ]
    assert cfn == tf
    assert ("aws_iam_user.ci", "admin", (("iam:PassRole + ec2:RunInstances", "aws_iam_role.admin"),)) in tf
