"""What only a live account shows: how the root user and IAM users' credentials are used.

The kinds are those the live source fills (``aws_account`` for the account and its root user, from
iam:GetAccountSummary and the credential report; ``aws_iam_user`` and ``aws_iam_access_key`` with the
credential report's and iam:GetAccessKeyLastUsed's fields). A Terraform estate has none of these fields:
the checks say nothing about it. Every age is measured from the collection time recorded in the estate,
so a snapshot analysed later gives the same answers.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from ringfence.checks.base import Check, Meta, Result, Severity, failed, passed, unknown
from ringfence.checks.context import Context
from ringfence.model import Resource, Unknown

_DAYS = 90


def _when(value: Any) -> datetime | Unknown | None:
    if value is None or isinstance(value, Unknown):
        return value
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return Unknown(f"not a date: {value!r}")


def collected_at(resource: Resource, ctx: Context) -> datetime | Unknown:
    """When the account of ``resource`` was read (its ``aws_account``'s collection time)."""
    account = resource.provenance.account_id
    for found in ctx.estate.of_kind("aws_account"):
        if found.get("account_id") == account:
            when = _when(found.get("collected_at"))
            if isinstance(when, datetime):
                return when
    return Unknown(f"the collection time of account {account} is not recorded")


def _flag(attribute: str, bad: bool, message: str) -> Any:
    def check(account: Resource, ctx: Context) -> Iterable[Result]:
        if attribute not in account.attributes:
            return
        value = account.get(attribute)
        if isinstance(value, Unknown):
            yield unknown(account, f"{attribute} is not known: {value.reason}")
        elif bool(value) is bad:
            yield failed(account, message)
        else:
            yield passed(account)

    return check


ROOT_ACCESS_KEYS = Check(
    Meta(
        rule_id="live.root-has-no-access-keys",
        title="The root user has no access keys",
        pillar="identity",
        severity=Severity.CRITICAL,
        rationale="A root access key can do everything in the account, cannot be limited by any IAM policy "
        "and never expires; once leaked, it is the account.",
        remediation="Sign in as root, delete its access keys (Security credentials), and use IAM roles instead.",
        terraform=(
            'resource "aws_config_config_rule" "root_keys" {\n  name = "iam-root-access-key-check"\n'
            '  source {\n    owner             = "AWS"\n    source_identifier = "IAM_ROOT_ACCESS_KEY_CHECK"\n'
            "  }\n}"
        ),
        peers=("iam_no_root_access_key",),
    ),
    kinds=("aws_account",),
    per_resource=_flag(
        "root_access_keys_present", True, "the root user has an access key (iam:GetAccountSummary)"
    ),
)

ROOT_MFA = Check(
    Meta(
        rule_id="live.root-mfa-enabled",
        title="The root user signs in with MFA",
        pillar="identity",
        severity=Severity.CRITICAL,
        rationale="The root user's password alone opens every resource and setting of the account, billing "
        "and account closure included; MFA is what stands between a phished password and the account.",
        remediation="Sign in as root and assign an MFA device (a hardware key or passkey for preference).",
        terraform=(
            'resource "aws_config_config_rule" "root_mfa" {\n  name = "root-account-mfa-enabled"\n'
            '  source {\n    owner             = "AWS"\n    source_identifier = "ROOT_ACCOUNT_MFA_ENABLED"\n'
            "  }\n}"
        ),
        peers=("iam_root_mfa_enabled",),
    ),
    kinds=("aws_account",),
    per_resource=_flag("root_mfa_enabled", False, "the root user has no MFA device (iam:GetAccountSummary)"),
)


def _root_used(account: Resource, ctx: Context) -> Iterable[Result]:
    if "root_last_used" not in account.attributes:
        return
    used = _when(account.get("root_last_used"))
    now = collected_at(account, ctx)
    if isinstance(used, Unknown):
        yield unknown(account, f"when the root user was last used is not known: {used.reason}")
    elif used is None:
        yield passed(account, "the credential report records no use of the root user")
    elif isinstance(now, Unknown):
        yield unknown(account, now.reason)
    elif now - used <= timedelta(days=_DAYS):
        days = (now - used).days
        yield failed(
            account,
            f"the root user was used {days} day(s) before the scan ({used.date().isoformat()}): root is for "
            "the few tasks only root can do",
        )
    else:
        yield passed(account)


ROOT_NOT_USED = Check(
    Meta(
        rule_id="live.root-not-used-recently",
        title="The root user was not used in the last 90 days",
        pillar="identity",
        severity=Severity.HIGH,
        rationale="Root used for daily work means the most powerful credential of the account is typed, "
        "stored and exposed often; AWS asks that it be used only for the tasks that require it.",
        remediation="Give people IAM Identity Center or IAM roles for their work and lock the root "
        "credentials away; alarm on root sign-ins.",
        terraform=(
            'resource "aws_cloudwatch_log_metric_filter" "root_use" {\n  name           = "root-use"\n'
            '  log_group_name = "cloudtrail"\n'
            '  pattern        = "{ $.userIdentity.type = \\"Root\\" && $.userIdentity.invokedBy NOT EXISTS }"\n'
            '  metric_transformation {\n    name      = "RootUse"\n    namespace = "Security"\n'
            '    value     = "1"\n  }\n}'
        ),
        peers=("iam_avoid_root_usage",),
    ),
    kinds=("aws_account",),
    per_resource=_root_used,
)


def _user_mfa(user: Resource, ctx: Context) -> Iterable[Result]:
    if "password_enabled" not in user.attributes:
        return  # not read from a live account
    password, mfa = user.get("password_enabled"), user.get("mfa_active")
    if isinstance(password, Unknown):
        yield unknown(user, f"whether the user has a console password is not known: {password.reason}")
    elif not password:
        return
    elif isinstance(mfa, Unknown):
        yield unknown(user, f"whether the user has MFA is not known: {mfa.reason}")
    elif mfa:
        yield passed(user)
    else:
        yield failed(
            user, f"{user.get('name')} signs in to the console with a password and has no MFA device"
        )


CONSOLE_USER_MFA = Check(
    Meta(
        rule_id="live.console-user-has-mfa",
        title="IAM users with a console password have an MFA device",
        pillar="identity",
        severity=Severity.HIGH,
        rationale="A console password alone falls to phishing, reuse and spraying; the credential report "
        "shows which users sign in with nothing else.",
        remediation="Assign each such user an MFA device, or remove their console password and move them "
        "to IAM Identity Center.",
        terraform=(
            'resource "aws_config_config_rule" "console_mfa" {\n  name = "mfa-enabled-for-iam-console-access"\n'
            '  source {\n    owner             = "AWS"\n'
            '    source_identifier = "MFA_ENABLED_FOR_IAM_CONSOLE_ACCESS"\n  }\n}'
        ),
        peers=("iam_user_mfa_enabled_console_access",),
    ),
    kinds=("aws_iam_user",),
    per_resource=_user_mfa,
)


def _key_age(key: Resource, ctx: Context) -> Iterable[Result]:
    if "create_date" not in key.attributes or key.get("status") != "Active":
        return
    created, now = _when(key.get("create_date")), collected_at(key, ctx)
    if isinstance(created, Unknown) or created is None:
        yield unknown(key, "when the key was created is not known")
    elif isinstance(now, Unknown):
        yield unknown(key, now.reason)
    elif now - created > timedelta(days=_DAYS):
        yield failed(
            key, f"the active key is {(now - created).days} days old: rotate it (or replace it by a role)"
        )
    else:
        yield passed(key)


ACCESS_KEY_ROTATED = Check(
    Meta(
        rule_id="live.access-key-rotated",
        title="Active access keys are younger than 90 days",
        pillar="identity",
        severity=Severity.MEDIUM,
        rationale="An access key never expires; the longer it lives, the more places it has been copied "
        "to and the longer a leaked copy keeps working.",
        remediation="Create a new key, move its users to it, deactivate and delete the old one; better, "
        "replace the key by a role.",
        terraform=(
            'resource "aws_config_config_rule" "keys_rotated" {\n  name = "access-keys-rotated"\n'
            '  source {\n    owner             = "AWS"\n    source_identifier = "ACCESS_KEYS_ROTATED"\n  }\n'
            '  input_parameters = jsonencode({ maxAccessKeyAge = "90" })\n}'
        ),
        peers=("iam_rotate_access_key_90_days",),
    ),
    kinds=("aws_iam_access_key",),
    per_resource=_key_age,
)


def _key_used(key: Resource, ctx: Context) -> Iterable[Result]:
    if "last_used_date" not in key.attributes or key.get("status") != "Active":
        return
    used, created, now = (
        _when(key.get("last_used_date")),
        _when(key.get("create_date")),
        collected_at(key, ctx),
    )
    if isinstance(used, Unknown):
        yield unknown(key, f"when the key was last used is not known: {used.reason}")
    elif isinstance(now, Unknown):
        yield unknown(key, now.reason)
    elif used is None:
        if isinstance(created, datetime) and now - created > timedelta(days=_DAYS):
            yield failed(
                key, f"the active key was never used in the {(now - created).days} days since it was created"
            )
        elif isinstance(created, datetime):
            yield passed(key, "the key is new and not used yet")
        else:
            yield unknown(key, "the key was never used and when it was created is not known")
    elif now - used > timedelta(days=_DAYS):
        yield failed(key, f"the active key was last used {(now - used).days} days before the scan")
    else:
        yield passed(key)


ACCESS_KEY_USED = Check(
    Meta(
        rule_id="live.access-key-used",
        title="Active access keys were used in the last 90 days",
        pillar="identity",
        severity=Severity.MEDIUM,
        rationale="An active key nobody uses is pure risk: it grants the user's permissions to whoever "
        "finds it, and no one would notice it missing.",
        remediation="Deactivate the key, then delete it once nothing complains.",
        terraform=(
            'resource "aws_config_config_rule" "unused_credentials" {\n'
            '  name = "iam-user-unused-credentials-check"\n  source {\n    owner             = "AWS"\n'
            '    source_identifier = "IAM_USER_UNUSED_CREDENTIALS_CHECK"\n  }\n'
            '  input_parameters = jsonencode({ maxCredentialUsageAge = "90" })\n}'
        ),
        peers=("iam_user_accesskey_unused",),
    ),
    kinds=("aws_iam_access_key",),
    per_resource=_key_used,
)


def _report(account: Resource, ctx: Context) -> Iterable[Result]:
    if "sign_in_report" not in account.attributes:
        return
    report = account.get("sign_in_report")
    if isinstance(report, Unknown):
        yield unknown(
            account,
            f"the IAM credential report could not be generated or read ({report.reason}): console "
            "passwords, MFA and root use are not known",
        )
    else:
        yield passed(account)


CREDENTIAL_REPORT = Check(
    Meta(
        rule_id="live.credential-report-readable",
        title="The IAM credential report can be generated and read",
        pillar="identity",
        severity=Severity.MEDIUM,
        rationale="The credential report is the one place that says which users sign in with a password, "
        "with or without MFA, and when root was last used; without it those checks cannot be decided.",
        remediation="Grant the scanning identity iam:GenerateCredentialReport and iam:GetCredentialReport "
        "(see `ringfence policy`).",
        terraform=(
            'resource "aws_iam_role_policy" "ringfence_report" {\n  role = "ringfence"\n'
            "  policy = jsonencode({\n"
            '    Version = "2012-10-17"\n    Statement = [{ Effect = "Allow", Resource = "*",\n'
            '      Action = ["iam:GenerateCredentialReport", "iam:GetCredentialReport"] }]\n  })\n}'
        ),
    ),
    kinds=("aws_account",),
    per_resource=_report,
)

CHECKS = (
    ROOT_ACCESS_KEYS,
    ROOT_MFA,
    ROOT_NOT_USED,
    CONSOLE_USER_MFA,
    ACCESS_KEY_ROTATED,
    ACCESS_KEY_USED,
    CREDENTIAL_REPORT,
)
