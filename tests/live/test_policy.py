"""The read-only policy ringfence asks for, proven with ringfence's own IAM engine and action catalogue."""

from __future__ import annotations

import json

from ringfence.iam import catalogue
from ringfence.model import Estate, Provenance, Resource
from ringfence.sources.aws.policy import caller_policy, scanned_account_actions, scanned_account_policy

FORBIDDEN = (
    "s3:GetObject",
    "s3:GetObjectVersion",
    "dynamodb:GetItem",
    "dynamodb:BatchGetItem",
    "dynamodb:Query",
    "dynamodb:Scan",
    "secretsmanager:GetSecretValue",
    "ssm:GetParameter",
    "ssm:GetParameters",
    "ssm:GetParametersByPath",
    "kms:Decrypt",
    "lambda:GetFunction",
)


def _engine() -> tuple[object, Resource]:
    from ringfence.iam import Engine

    role = Resource(
        address="aws_iam_role.ringfence",
        kind="aws_iam_role",
        attributes={
            "name": "ringfence",
            "assume_role_policy": json.dumps({"Version": "2012-10-17", "Statement": []}),
            "inline_policy": [{"name": "read-only", "policy": json.dumps(scanned_account_policy())}],
        },
        provenance=Provenance("terraform", path="policy.tf", line=1),
        arn="arn:aws:iam::123456789012:role/ringfence",
    )
    return Engine(Estate(resources=(role,))), role


def test_every_declared_call_is_a_read_or_list_action_of_the_catalogue() -> None:
    for action in scanned_account_actions():
        levels = catalogue.access_levels(action)
        assert levels, f"{action} is not an IAM action"
        assert set(levels) <= {"Read", "List"}, f"{action} is {levels}"


def test_the_policy_grants_no_write_permissions_or_tagging_action() -> None:
    engine, role = _engine()
    granted, tested = [], 0
    for info in catalogue.all_actions():
        action = f"{info.service}:{info.name}"
        if set(catalogue.access_levels(action)) & {"Write", "Permissions management", "Tagging"}:
            tested += 1
            if engine.can(role, action, "*", explain=False).allowed is not False:  # type: ignore[attr-defined]
                granted.append(action)
    assert tested > 5000 and granted == []


def test_the_policy_grants_no_data_or_secret_reads() -> None:
    engine, role = _engine()
    for action in FORBIDDEN:
        assert engine.can(role, action, "*", explain=False).allowed is False, action  # type: ignore[attr-defined]
    # What it must grant, or the scan could not read the account.
    for action in ("iam:GetAccountAuthorizationDetails", "s3:GetBucketPolicy", "ec2:DescribeSecurityGroups"):
        assert engine.can(role, action, "*", explain=False).allowed is True, action  # type: ignore[attr-defined]


def test_the_caller_policy_names_the_roles_and_organizations_listing() -> None:
    assert caller_policy() is None
    policy = caller_policy(["arn:aws:iam::111111111111:role/audit"], org_role="audit")
    assert policy is not None
    actions = {a for s in policy["Statement"] for a in s["Action"]}
    assert actions == {"sts:AssumeRole", "organizations:ListAccounts"}
    resources = policy["Statement"][0]["Resource"]
    assert resources == ["arn:aws:iam::111111111111:role/audit", "arn:aws:iam::*:role/audit"]


def test_ringfence_policy_prints_them() -> None:
    from typer.testing import CliRunner

    from ringfence.cli.app import app

    result = CliRunner().invoke(app, ["policy", "--format", "json", "--org", "audit"])
    assert result.exit_code == 0
    printed = json.loads(result.stdout)
    assert printed["scanned_account"] == scanned_account_policy()
    assert printed["caller"] == caller_policy(org_role="audit")
    text = CliRunner().invoke(app, ["policy"])
    assert text.exit_code == 0 and "iam:GetAccountAuthorizationDetails" in text.stdout
