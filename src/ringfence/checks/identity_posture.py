"""Account-wide identity hygiene: no policy granting every action on every resource, console users without
access keys, and Cognito user pools that ask for MFA and block risky sign-ins."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ringfence.checks.base import Check, Meta, Result, Severity, failed, not_known, passed, unknown
from ringfence.checks.compute import first_block
from ringfence.checks.context import Context
from ringfence.iam.estate_policies import documents_of, statements
from ringfence.model import Resource, Unknown, as_list


# -- "*" on "*" --------------------------------------------------------------------------------------------------
def _full_admin(document: dict[str, Any]) -> str | None:
    """The statement that allows Action "*" on Resource "*", as written, or None."""
    for i, s in enumerate(statements(document)):
        if s.get("Effect") != "Allow" or "NotAction" in s or "NotResource" in s:
            continue
        actions = [str(a) for a in as_list(s.get("Action"))]
        resources = [str(r) for r in as_list(s.get("Resource"))]
        if any(a in ("*", "*:*") for a in actions) and "*" in resources:
            sid = f"statement {s['Sid']!r}" if s.get("Sid") else f"statement {i + 1}"
            return sid + (" (under conditions)" if s.get("Condition") else "")
    return None


def _no_full_admin(principal: Resource, ctx: Context) -> Iterable[Result]:
    found = False
    undecided: list[str] = []
    for policy in documents_of(ctx.estate, principal, with_groups=False):
        if isinstance(policy.document, Unknown):
            undecided.append(f"{policy.name}: {policy.document.reason}")
            continue
        where = _full_admin(policy.document)
        if where is not None:
            found = True
            yield failed(
                principal,
                f"policy {policy.name} allows every action on every resource ({where})",
                location=policy.source,
                detail=policy.name,
            )
    if found:
        return
    if undecided:
        yield unknown(principal, "whether a policy allows *:* is not known: " + "; ".join(undecided))
    else:
        yield passed(principal)


NO_FULL_ADMIN = Check(
    Meta(
        rule_id="iam.no-full-admin-policy-attached",
        title='No policy allowing Action "*" on Resource "*" is attached to a user, group or role',
        pillar="identity",
        severity=Severity.HIGH,
        rationale='A statement allowing "*" on "*" (AdministratorAccess, or a policy written the same way) '
        "gives whoever holds it the whole account, including the right to grant themselves anything else "
        "and to erase the trail. Least privilege starts with policies that name their actions; the few "
        "break-glass administrators are better served by a role assumed with MFA than by a standing grant.",
        remediation='Replace the policy with one that lists the actions and resources needed; remove "*" '
        "actions from aws_iam_policy documents and detach arn:aws:iam::aws:policy/AdministratorAccess from "
        "aws_iam_role_policy_attachment, aws_iam_user_policy_attachment and aws_iam_group_policy_attachment.",
        terraform=(
            'resource "aws_iam_policy" "deploy" {\n  policy = jsonencode({\n    Version = "2012-10-17"\n'
            "    Statement = [{\n"
            '      Effect   = "Allow"\n      Action   = ["ecs:UpdateService", "ecs:DescribeServices"]\n'
            '      Resource = "arn:aws:ecs:eu-west-1:123456789012:service/prod/*"\n'
            "    }]\n  })\n}"
        ),
        peers=(
            "CKV_AWS_62",
            "iam_aws_attached_policy_no_administrative_privileges",
            "iam_customer_attached_policy_no_administrative_privileges",
            "iam_inline_policy_no_administrative_privileges",
        ),
    ),
    kinds=("aws_iam_role", "aws_iam_user", "aws_iam_group"),
    per_resource=_no_full_admin,
)


# -- console users and access keys -------------------------------------------------------------------------------
def _console_user_keys(user: Resource, ctx: Context) -> Iterable[Result]:
    profiles = ctx.estate.sources(user, "user", of_kind="aws_iam_user_login_profile")
    if not profiles:
        yield passed(user, "the user has no console password")
        return
    keys = ctx.estate.sources(user, "user", of_kind="aws_iam_access_key")
    undecided: list[str] = []
    for key in keys:
        status = key.get("status", "Active")
        if isinstance(status, Unknown):
            undecided.append(f"{key.address}.status: {status.reason}")
        elif status != "Inactive":
            yield failed(
                user,
                f"the user signs in to the console ({profiles[0].address}) and also has the access key "
                f"{key.address}: one identity, two kinds of credential to steal",
                location=key,
                detail=key.address,
            )
            return
    if undecided:
        yield unknown(user, "whether the user's access key is active is not known: " + "; ".join(undecided))
    else:
        yield passed(user)


CONSOLE_USER_NO_KEYS = Check(
    Meta(
        rule_id="iam.console-user-has-no-access-keys",
        title="IAM users who sign in to the console have no active access keys",
        pillar="identity",
        severity=Severity.MEDIUM,
        rationale="A person with a console password works interactively and has no need for a standing "
        "access key; keys created with the user are usually never used, never rotated, and work without "
        "the MFA the console asks for.",
        remediation="Remove the aws_iam_access_key of users that have an aws_iam_user_login_profile (or set "
        'status = "Inactive"); give automation its own role instead.',
        terraform=(
            'resource "aws_iam_user_login_profile" "alice" {\n  user = aws_iam_user.alice.name\n}\n'
            "# and no aws_iam_access_key for aws_iam_user.alice"
        ),
        peers=("iam_user_no_setup_initial_access_key",),
    ),
    kinds=("aws_iam_user",),
    per_resource=_console_user_keys,
)


# -- Cognito -----------------------------------------------------------------------------------------------------
def _user_pool_mfa(pool: Resource, ctx: Context) -> Iterable[Result]:
    value = pool.get("mfa_configuration", "OFF")
    if isinstance(value, Unknown):
        yield not_known(pool, "mfa_configuration", value)
    elif not isinstance(value, str):
        yield unknown(pool, f"mfa_configuration is not a literal value: {value!r}")
    elif value.upper() == "ON":
        yield passed(pool)
    elif value.upper() == "OPTIONAL":
        yield failed(
            pool,
            'mfa_configuration = "OPTIONAL": users who never set up a second factor sign in '
            "with a password alone",
        )
    else:
        shown = "is not set (OFF by default)" if pool.get("mfa_configuration") is None else f"= {value!r}"
        yield failed(pool, f"mfa_configuration {shown}: a stolen or guessed password is enough to sign in")


COGNITO_MFA = Check(
    Meta(
        rule_id="cognito.user-pool-mfa-required",
        title="Cognito user pools require multi-factor authentication",
        pillar="identity",
        severity=Severity.MEDIUM,
        rationale="A user pool signs users in to the application; without a required second factor, "
        "credential stuffing and phishing take over accounts with a password alone. MFA is OFF unless "
        "configured, and OPTIONAL leaves it to each user.",
        remediation='Set mfa_configuration = "ON" on the aws_cognito_user_pool with '
        "software_token_mfa_configuration { enabled = true } (or sms_configuration).",
        terraform=(
            'resource "aws_cognito_user_pool" "users" {\n  name              = "users"\n'
            '  mfa_configuration = "ON"\n  software_token_mfa_configuration {\n    enabled = true\n  }\n}'
        ),
        peers=("cognito_user_pool_mfa_enabled",),
    ),
    kinds=("aws_cognito_user_pool",),
    per_resource=_user_pool_mfa,
)


def _advanced_security(pool: Resource, ctx: Context) -> Iterable[Result]:
    add_ons = first_block(pool, "user_pool_add_ons")
    if isinstance(add_ons, Unknown):
        yield not_known(pool, "user_pool_add_ons", add_ons)
        return
    mode = (add_ons or {}).get("advanced_security_mode", "OFF")
    if isinstance(mode, Unknown):
        yield not_known(pool, "user_pool_add_ons.advanced_security_mode", mode)
    elif isinstance(mode, str) and mode.upper() == "ENFORCED":
        yield passed(pool)
    else:
        yield failed(
            pool,
            f"advanced_security_mode is {mode}: sign-ins with leaked credentials or from risky places are "
            "not blocked"
            + (" (AUDIT only records them)" if isinstance(mode, str) and mode.upper() == "AUDIT" else ""),
        )


COGNITO_ADVANCED_SECURITY = Check(
    Meta(
        rule_id="cognito.user-pool-threat-protection-enforced",
        title="Cognito user pools enforce threat protection (advanced security)",
        pillar="identity",
        severity=Severity.LOW,
        rationale="Threat protection checks each sign-in against known leaked credentials and risk signals "
        "and asks for MFA or blocks the attempt; in AUDIT mode it only records, and it is OFF by default.",
        remediation='Set user_pool_add_ons { advanced_security_mode = "ENFORCED" } on the '
        "aws_cognito_user_pool (it needs the Plus feature plan).",
        terraform=(
            'resource "aws_cognito_user_pool" "users" {\n  name = "users"\n  user_pool_add_ons {\n'
            '    advanced_security_mode = "ENFORCED"\n  }\n}'
        ),
        peers=("cognito_user_pool_advanced_security_enabled",),
    ),
    kinds=("aws_cognito_user_pool",),
    per_resource=_advanced_security,
)

CHECKS = (NO_FULL_ADMIN, CONSOLE_USER_NO_KEYS, COGNITO_MFA, COGNITO_ADVANCED_SECURITY)
