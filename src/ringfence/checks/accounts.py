"""Account-wide IAM: the password policy for IAM users, and grants that reach every role of the account."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from ringfence.checks.base import Check, Meta, Result, Severity, failed, passed, unknown
from ringfence.checks.context import Context
from ringfence.checks.iam import _at
from ringfence.model import Ref, Resource, Unknown, as_list

if TYPE_CHECKING:
    from ringfence.iam.policy import Statement


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


# Stand-ins for "any role": a pattern that matches these matches roles nobody listed.
_ANY_ROLE = ("role/ringfence-any-role-q7x", "role/service-role/ringfence-any-role-q7x")


def _passes_any_role(statement: Statement, account: str) -> bool:
    from ringfence.iam import patterns

    actions = [patterns.glob_matcher(a.lower()) for a in statement.actions]
    grants = any(m("iam:passrole") for m in actions)
    if statement.not_action:
        grants = not grants
    if not grants or statement.resources is None:
        return False
    probes = [f"arn:aws:iam::{account}:{role}" for role in _ANY_ROLE]
    matched = all(any(patterns.arn_matches(r, p) for r in statement.resources) for p in probes)
    return not matched if statement.not_resource else matched


def _pass_role(ctx: Context) -> Iterable[Result]:
    from ringfence.iam.estate_policies import identity_policies

    for holder, policy in identity_policies(ctx.estate):
        account = ctx.estate.account_of(holder)
        if isinstance(policy, str):
            yield unknown(holder, policy)
            continue
        bad = [s for s in policy.statements if s.effect == "Allow" and _passes_any_role(s, account)]
        if bad:
            statement = bad[0]
            when = " under conditions" if statement.conditions else ""
            sid = f"statement {statement.sid}" if statement.sid else "a statement"
            result = failed(
                holder,
                f"{policy.name}: {sid} allows iam:PassRole on every role{when}: whoever holds it can hand "
                "any role, administrators included, to a service it controls",
                detail=policy.name,
            )
            yield replace(result, at=_at(holder, policy, statement))
        elif policy.problems:
            yield unknown(holder, f"{policy.name} could not be read in full ({policy.problems[0].message})")
        else:
            yield passed(holder, detail=policy.name)


PASS_ROLE_SCOPED = Check(
    Meta(
        rule_id="iam.pass-role-scoped",
        title="Identity policies allow iam:PassRole only on named roles",
        pillar="identity",
        severity=Severity.HIGH,
        rationale="iam:PassRole on every role lets the holder start an EC2 instance, Lambda function or "
        "other service with any role of the account, an administrator role included, and act as it: "
        "a privilege escalation that needs no other IAM permission.",
        remediation="List the role ARNs the principal passes in the statement's Resource, and add an "
        "iam:PassedToService condition naming the service.",
        terraform=(
            'resource "aws_iam_policy" "deploy" {\n  name = "deploy"\n  policy = jsonencode({\n'
            '    Version = "2012-10-17"\n    Statement = [{ Effect = "Allow", Action = "iam:PassRole",\n'
            "      Resource = aws_iam_role.app.arn,\n"
            '      Condition = { StringEquals = { "iam:PassedToService" = "lambda.amazonaws.com" } } }]\n'
            "  })\n}"
        ),
    ),
    kinds=(),
    per_estate=_pass_role,
)


# Condition keys that narrow "anyone in the account" to people who signed in with MFA or to named principals.
_NARROWING_KEYS = frozenset(
    {"aws:multifactorauthpresent", "aws:multifactorauthage", "aws:principalarn", "aws:userid", "aws:username"}
)


def _whole_account(value: str, account: str) -> bool:
    if value == account:
        return True
    return value.startswith("arn:") and value.count(":") >= 5 and value.split(":", 5)[4:] == [account, "root"]


def _narrowed(statement: Statement) -> bool:
    keys = {c.key.lower() for c in statement.conditions}
    return bool(keys & _NARROWING_KEYS) or any(k.startswith("aws:principaltag/") for k in keys)


def _account_trust(ctx: Context) -> Iterable[Result]:
    from ringfence.iam.estate_policies import policy_of

    for role in ctx.estate.of_kind("aws_iam_role"):
        account = ctx.estate.account_of(role)
        policy = policy_of(
            role,
            "assume_role_policy",
            name=f"{role.address}.assume_role_policy",
            policy_type="trust",
            root=ctx.estate.root_path,
        )
        if policy is None:
            continue
        if isinstance(policy, str):
            yield unknown(role, policy)
            continue
        bad = [
            s
            for s in policy.statements
            if s.effect == "Allow"
            and not s.not_principal
            and any(p.kind == "AWS" and _whole_account(p.value, account) for p in s.principals or ())
            and not _narrowed(s)
        ]
        if bad:
            statement = bad[0]
            sid = f"statement {statement.sid}" if statement.sid else "a statement"
            result = failed(
                role,
                f"{sid} of the trust policy lets any principal of account {account} whose own policies allow "
                "sts:AssumeRole assume the role, with no MFA or principal condition",
                detail=account,
            )
            yield replace(result, at=_at(role, policy, statement))
        elif policy.problems:
            yield unknown(role, f"{policy.name} could not be read in full ({policy.problems[0].message})")
        else:
            yield passed(role)


ACCOUNT_TRUST_NARROWED = Check(
    Meta(
        rule_id="iam.account-trust-requires-mfa",
        title="Roles that trust their whole account require MFA or name the principals who may assume them",
        pillar="identity",
        severity=Severity.MEDIUM,
        rationale="A trust policy naming the account (its root ARN or id) delegates the decision to every "
        "identity policy in the account: any user or workload granted sts:AssumeRole on * can take the role, "
        "with or without MFA.",
        remediation="Name the roles or users that assume it in Principal, or add a Bool "
        "aws:MultiFactorAuthPresent = true (or aws:PrincipalArn) condition to the trust statement.",
        terraform=(
            'resource "aws_iam_role" "admin" {\n  name = "admin"\n  assume_role_policy = jsonencode({\n'
            '    Version = "2012-10-17"\n    Statement = [{ Effect = "Allow", Action = "sts:AssumeRole",\n'
            '      Principal = { AWS = "arn:aws:iam::123456789012:root" },\n'
            '      Condition = { Bool = { "aws:MultiFactorAuthPresent" = "true" } } }]\n  })\n}'
        ),
    ),
    kinds=(),
    per_estate=_account_trust,
)


def _denies_without_mfa(document: dict[str, Any]) -> bool:
    """A Deny (on all or NotAction actions) that applies when the request was not signed in with MFA."""
    from ringfence.iam.estate_policies import statements

    for statement in statements(document):
        if statement.get("Effect") != "Deny" or not ("NotAction" in statement or "Action" in statement):
            continue
        condition = statement.get("Condition")
        if not isinstance(condition, dict):
            continue
        for operator, tests in condition.items():
            if not isinstance(tests, dict):
                continue
            op = str(operator).lower()
            for key, value in tests.items():
                if str(key).lower() != "aws:multifactorauthpresent":
                    continue
                values = [str(v).lower() for v in as_list(value)]
                if op in ("bool", "boolifexists") and values == ["false"]:
                    return True
                if op == "null" and values == ["true"]:
                    return True
    return False


def _login_mfa(profile: Resource, ctx: Context) -> Iterable[Result]:
    from ringfence.iam.estate_policies import documents_of

    user = ctx.estate.target(profile, "user")
    if user is None:
        yield unknown(profile, "the user of this login profile is not in the estate")
        return
    undecided: list[str] = []
    for attached in documents_of(ctx.estate, user):
        if isinstance(attached.document, Unknown):
            undecided.append(f"{attached.name}: {attached.document.reason}")
        elif _denies_without_mfa(attached.document):
            yield passed(profile, f"{attached.name} denies requests made without MFA", location=user)
            return
    if undecided:
        yield unknown(profile, "a policy of the user is not known: " + "; ".join(undecided), location=user)
    else:
        yield failed(
            profile,
            f"{user.name} signs in to the console with a password and no policy of the user or its groups "
            "denies requests made without MFA",
            location=user,
        )


LOGIN_REQUIRES_MFA = Check(
    Meta(
        rule_id="iam.console-user-mfa-enforced",
        title="IAM users with a console password are denied everything until they sign in with MFA",
        pillar="identity",
        severity=Severity.MEDIUM,
        rationale="A console password alone falls to phishing, reuse and spraying; IAM cannot require MFA at "
        "sign-in, only deny requests made without it, so a user with a login profile and no such Deny works "
        "with the password alone.",
        remediation="Attach (directly or through a group) a policy with a Deny on NotAction "
        "iam:*MFADevice/sts:GetSessionToken when BoolIfExists aws:MultiFactorAuthPresent = false.",
        terraform=(
            'resource "aws_iam_group_policy" "require_mfa" {\n  group = aws_iam_group.people.name\n'
            '  policy = jsonencode({\n    Version = "2012-10-17"\n'
            '    Statement = [{ Effect = "Deny", NotAction = ["iam:CreateVirtualMFADevice", '
            '"iam:EnableMFADevice", "iam:ListMFADevices", "sts:GetSessionToken"],\n'
            '      Resource = "*",\n'
            '      Condition = { BoolIfExists = { "aws:MultiFactorAuthPresent" = "false" } } }]\n  })\n}'
        ),
    ),
    kinds=("aws_iam_user_login_profile",),
    per_resource=_login_mfa,
)


CHECKS = (
    PASSWORD_LENGTH,
    PASSWORD_REUSE,
    PASS_ROLE_SCOPED,
    ACCOUNT_TRUST_NARROWED,
    LOGIN_REQUIRES_MFA,
)
