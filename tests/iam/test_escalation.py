"""Escalation paths on a fixture whose principals are named fail_* (has a path to admin) or pass_* (none)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from ringfence.iam.engine import Engine
from ringfence.iam.escalation import find_escalations
from ringfence.model import Estate

FIXTURE = str(Path(__file__).parent / "fixtures" / "escalation")


@cache
def estate() -> Estate:
    from ringfence.sources import LoadOptions, load_estate

    return load_estate([FIXTURE], LoadOptions(account_id="123456789012"))


@cache
def findings() -> dict[str, tuple[str, str]]:
    return {f.principal: (f.steps[0].path_id, f.steps[0].via) for f in find_escalations(Engine(estate()))}


def test_exact_set_of_escalating_principals() -> None:
    expected = {
        r.address for r in estate().of_kind("aws_iam_user", "aws_iam_role") if r.name.startswith("fail_")
    }
    assert set(findings()) == expected


def test_each_path_and_what_it_goes_through() -> None:
    got = findings()
    assert got["aws_iam_user.fail_keymaker"] == ("iam-002", "aws_iam_user.admin_user")  # CreateAccessKey
    assert got["aws_iam_user.fail_joiner"][1] == "aws_iam_group.admins"  # AddUserToGroup
    assert got["aws_iam_user.fail_assumer"][1] == "aws_iam_role.admin_role"  # trusted by ARN, same account
    assert got["aws_iam_user.fail_updater"][1] == "aws_iam_role.admin_role"  # UpdateAssumeRolePolicy
    assert got["aws_iam_user.fail_coder"][1].startswith("aws_lambda_function.job")  # existing PassRole
    assert got["aws_iam_role.fail_versioner"][1].startswith("aws_iam_policy.versioned")  # CreatePolicyVersion


def test_administrators_and_harmless_principals_do_not_appear() -> None:
    got = findings()
    for name in (
        "aws_iam_user.admin_user",
        "aws_iam_role.admin_role",
        "aws_iam_user.pass_reader",
        "aws_iam_user.pass_keys_for_self",
    ):
        assert name not in got
