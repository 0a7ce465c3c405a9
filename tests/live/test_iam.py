"""The IAM collector against a moto server: what it reads, and the checks that run on it."""

from __future__ import annotations

from ringfence.sources.aws import load_live
from tests.live.conftest import REGIONS, client, policy


def _seed_iam() -> None:
    iam = client("iam")
    trust_any = policy(
        {
            "Effect": "Allow",
            "Principal": {"AWS": "arn:aws:iam::123456789012:root"},
            "Action": "sts:AssumeRole",
        }
    )
    iam.create_role(RoleName="fail_account_trust", AssumeRolePolicyDocument=trust_any)
    trust_mfa = policy(
        {
            "Effect": "Allow",
            "Principal": {"AWS": "arn:aws:iam::123456789012:root"},
            "Action": "sts:AssumeRole",
            "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}},
        }
    )
    iam.create_role(RoleName="pass_account_trust", AssumeRolePolicyDocument=trust_mfa)
    passes = iam.create_policy(
        PolicyName="pass-any-role",
        PolicyDocument=policy({"Effect": "Allow", "Action": "iam:PassRole", "Resource": "*"}),
    )
    iam.attach_role_policy(RoleName="pass_account_trust", PolicyArn=passes["Policy"]["Arn"])
    iam.put_role_policy(
        RoleName="fail_account_trust",
        PolicyName="inline-read",
        PolicyDocument=policy({"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}),
    )
    iam.create_group(GroupName="people")
    iam.create_user(UserName="alice")
    iam.add_user_to_group(GroupName="people", UserName="alice")
    iam.create_login_profile(UserName="alice", Password="correct-Horse-battery-1")
    iam.create_access_key(UserName="alice")
    iam.update_account_password_policy(MinimumPasswordLength=8, PasswordReusePrevention=24)


def test_iam_resources_are_the_terraform_kinds(aws: str) -> None:
    _seed_iam()
    estate = load_live("aws://", regions=REGIONS)
    kinds = {r.kind for r in estate.resources}
    assert {
        "aws_iam_role",
        "aws_iam_role_policy",
        "aws_iam_role_policy_attachment",
        "aws_iam_policy",
        "aws_iam_user",
        "aws_iam_group",
        "aws_iam_user_group_membership",
        "aws_iam_user_login_profile",
        "aws_iam_access_key",
        "aws_iam_account_password_policy",
        "aws_account",
    } <= kinds
    role = estate.get("arn:aws:iam::123456789012:role/fail_account_trust")
    assert role is not None and role.provenance.source == "aws"
    assert role.provenance.path == "iam:GetAccountAuthorizationDetails"
    policy_resource = estate.get("arn:aws:iam::123456789012:policy/pass-any-role")
    assert policy_resource is not None and policy_resource.get("name") == "pass-any-role"
    # The IAM collector is global: read once, not once per region.
    assert sum(1 for r in estate.resources if r.kind == "aws_iam_user") == 1
    assert estate.account_id == "123456789012"


def test_iam_checks_decide_on_the_live_account(aws: str) -> None:
    from tests.live.conftest import findings

    _seed_iam()
    estate = load_live("aws://", regions=REGIONS)
    got = findings(
        estate,
        "iam.account-trust-requires-mfa",
        "iam.pass-role-scoped",
        "iam.password-policy-min-length-14",
        "iam.password-policy-prevents-reuse",
        "iam.console-user-mfa-enforced",
        "identity.long-lived-access-key",
        "secrets.hardcoded-secret",
    )
    key = next(r for r in estate.resources if r.kind == "aws_iam_access_key")
    assert got == {
        ("iam.account-trust-requires-mfa", "fail", "arn:aws:iam::123456789012:role/fail_account_trust"),
        ("iam.pass-role-scoped", "fail", "arn:aws:iam::123456789012:policy/pass-any-role"),
        (
            "iam.password-policy-min-length-14",
            "fail",
            "aws_iam_account_password_policy:123456789012:password-policy",
        ),
        ("iam.console-user-mfa-enforced", "fail", "aws_iam_user_login_profile:123456789012:alice"),
        ("identity.long-lived-access-key", "fail", key.address),
    }
