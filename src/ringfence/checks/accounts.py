"""Account-wide IAM settings: the password policy for IAM users."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from ringfence.checks.base import Check, Meta, Result, Severity, failed, passed, unknown
from ringfence.checks.context import Context
from ringfence.model import Ref, Resource, Unknown


def _number(value: Any) -> int | Unknown | None:
    if isinstance(value, Unknown):
        return value
    if isinstance(value, Ref):
        return Unknown(f"depends on {value}")
    if value is None or isinstance(value, bool):
        return None
    try:
        return int(str(value).strip())
    except ValueError:
        return Unknown(f"not a number: {value!r}")


def _at_least(attribute: str, minimum: int, what: str) -> Callable[[Resource, Context], Iterable[Result]]:
    def check(policy: Resource, ctx: Context) -> Iterable[Result]:
        value = _number(policy.get(attribute))
        if isinstance(value, Unknown):
            yield unknown(policy, f"{attribute} is not known: {value.reason}")
        elif value is None:
            yield failed(policy, f"{attribute} is not set: {what}", detail="unset")
        elif value < minimum:
            yield failed(policy, f"{attribute} = {value}, below {minimum}: {what}", detail=str(value))
        else:
            yield passed(policy)

    return check


PASSWORD_LENGTH = Check(
    Meta(
        rule_id="iam.password-policy-min-length-14",
        title="The IAM account password policy requires passwords of at least 14 characters",
        pillar="identity",
        severity=Severity.MEDIUM,
        rationale="Console passwords of IAM users are guessed and sprayed; length is what makes that "
        "expensive, and a policy that sets no minimum accepts short ones.",
        remediation="Set minimum_password_length = 14 (or more) on aws_iam_account_password_policy.",
        terraform='resource "aws_iam_account_password_policy" "strict" {\n  minimum_password_length = 14\n}',
        peers=("CKV_AWS_10", "AVD-AWS-0063"),
    ),
    kinds=("aws_iam_account_password_policy",),
    per_resource=_at_least(
        "minimum_password_length", 14, "IAM users may choose passwords shorter than 14 characters"
    ),
)

PASSWORD_REUSE = Check(
    Meta(
        rule_id="iam.password-policy-prevents-reuse",
        title="The IAM account password policy forbids reusing any of the last 24 passwords",
        pillar="identity",
        severity=Severity.MEDIUM,
        rationale="A password that was exposed once keeps working if its owner can set it again after a "
        "forced change; without password_reuse_prevention nothing stops that.",
        remediation="Set password_reuse_prevention = 24 on aws_iam_account_password_policy.",
        terraform='resource "aws_iam_account_password_policy" "strict" {\n  password_reuse_prevention = 24\n}',
        peers=("CKV_AWS_13", "AVD-AWS-0056"),
    ),
    kinds=("aws_iam_account_password_policy",),
    per_resource=_at_least(
        "password_reuse_prevention", 24, "IAM users may set one of their last 24 passwords again"
    ),
)

CHECKS = (PASSWORD_LENGTH, PASSWORD_REUSE)
