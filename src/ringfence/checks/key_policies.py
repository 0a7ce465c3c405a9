"""KMS key policies and grants beyond public access: who administers a key, which services may use it for
whom, and which other accounts may use it.

The key's policy is the one :func:`ringfence.iam.estate_policies.resource_policy` reads (the key's own
``policy``, an ``aws_kms_key_policy``, or AWS's default key policy when neither is written). Public access
is ``kms.key-policy-not-public``'s; these checks leave ``"*"`` principals to it. Who counts as another
account is decided by :func:`ringfence.iam.access.analyse`; the accounts a key may be shared with are the
estate's own and the ``trusted_accounts`` setting (``Context.trusted_accounts``).
"""

from __future__ import annotations

from collections.abc import Iterable

from ringfence.checks.base import Check, Meta, Result, Severity, failed, passed, unknown
from ringfence.checks.context import Context
from ringfence.checks.iam import _at
from ringfence.iam import patterns
from ringfence.iam.access import analyse
from ringfence.iam.estate_policies import resource_policy
from ringfence.iam.policy import Policy, Statement
from ringfence.model import Resource, Unknown


def _policy(key: Resource, ctx: Context) -> Policy | Result:
    """The key's policy, or the unknown result when it cannot be read in full."""
    got = resource_policy(ctx.estate, key)
    if got is None or isinstance(got, str):
        return unknown(key, got or "the key policy is not known")
    if got.problems:
        return unknown(key, f"{got.name} could not be read in full ({got.problems[0].message})")
    if not got.statements:
        return unknown(key, f"{got.name} has no statement (none is known before apply)")
    return got


def _sid(statement: Statement) -> str:
    return f"statement {statement.sid!r}" if statement.sid else f"statement {statement.index + 1}"


def _allows(statement: Statement, action: str) -> bool:
    """Does an Allow statement's Action (or NotAction) cover ``action``?"""
    matched = any(patterns.glob_matcher(a.lower())(action.lower()) for a in statement.actions)
    return matched is not statement.not_action


def _is_root(value: str, account: str) -> bool:
    if value == account:
        return True
    return value.startswith("arn:") and value.count(":") >= 5 and value.split(":", 5)[4:] == [account, "root"]


def _account_of(value: str) -> str | None:
    """The account an AWS principal (an account id or an IAM ARN) belongs to."""
    if value.isdigit() and len(value) == 12:
        return value
    parts = value.split(":", 5)
    if len(parts) == 6 and parts[0] == "arn" and parts[4].isdigit():
        return parts[4]
    return None


# -- full control ------------------------------------------------------------------------------------------------
def _full_control(key: Resource, ctx: Context) -> Iterable[Result]:
    policy = _policy(key, ctx)
    if isinstance(policy, Result):
        yield policy
        return
    account = ctx.estate.account_of(key)
    found = False
    for s in policy.statements:
        if s.effect != "Allow" or s.not_principal or not _allows(s, "kms:ProbeEveryAction"):
            continue
        others = [
            f"{p.kind} {p.value}"
            for p in s.principals or ()
            if (
                p.kind == "AWS"
                and p.value != "*"
                and not _is_root(p.value, account)
                and _account_of(p.value) in (None, account)
            )
            or p.kind == "Service"
        ]
        if others:
            found = True
            action = "every KMS action (NotAction)" if s.not_action else ", ".join(s.actions)
            yield failed(
                key,
                f"{_sid(s)} of {policy.name} grants {action} to {', '.join(others)}: besides using the key, "
                "they can change its policy, disable it or schedule its deletion",
                detail=f"{s.sid or s.index}",
                at=_at(key, policy, s),
            )
    if not found:
        yield passed(key)


KMS_FULL_CONTROL = Check(
    Meta(
        rule_id="kms.full-access-only-for-account-root",
        title="KMS key policies give full control (kms:*) only to the account root",
        pillar="identity",
        severity=Severity.HIGH,
        rationale="kms:* includes kms:PutKeyPolicy, kms:DisableKey and kms:ScheduleKeyDeletion: a role or "
        "user named with it can lock everyone else out of the key or destroy the data it protects. Granted "
        "to the account root, the key policy delegates to IAM policies instead, where least privilege is "
        "written and reviewed; key administrators get the administrative actions, users the cryptographic "
        "ones.",
        remediation='In aws_kms_key.policy (or aws_kms_key_policy.policy), keep "kms:*" for the account root '
        "only and give roles the actions they need (kms:Create*, kms:Describe*, kms:Enable*, kms:Put*... "
        "for administrators; kms:Decrypt, kms:GenerateDataKey* for users).",
        terraform=(
            'resource "aws_kms_key" "data" {\n  policy = jsonencode({\n    Version = "2012-10-17"\n'
            "    Statement = [\n"
            '      { Sid = "Root", Effect = "Allow", Action = "kms:*", Resource = "*",\n'
            '        Principal = { AWS = "arn:aws:iam::123456789012:root" } },\n'
            '      { Sid = "Use", Effect = "Allow", Resource = "*",\n'
            '        Action = ["kms:Decrypt", "kms:GenerateDataKey*"],\n'
            '        Principal = { AWS = "arn:aws:iam::123456789012:role/app" } },\n'
            "    ]\n  })\n}"
        ),
        references=("https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html",),
    ),
    kinds=("aws_kms_key",),
    per_resource=_full_control,
)


# -- service principals ------------------------------------------------------------------------------------------
# Actions that use a key to protect or reveal data.
_USE = ("kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey", "kms:ReEncryptFrom", "kms:CreateGrant")
# Condition keys that tie a service's use of the key to this account's resources or callers.
_SCOPING = frozenset(
    {
        "aws:sourcearn",
        "aws:sourceaccount",
        "aws:sourceorgid",
        "aws:sourceorgpaths",
        "kms:viaservice",
        "kms:calleraccount",
    }
)


def _scoped(statement: Statement) -> bool:
    keys = {c.key.lower() for c in statement.conditions}
    # The encryption context a service sets names the resource it encrypts for (CloudWatch Logs'
    # kms:EncryptionContext:aws:logs:arn, CloudTrail's kms:EncryptionContext:aws:cloudtrail:arn).
    return bool(keys & _SCOPING) or any(k.startswith("kms:encryptioncontext:") for k in keys)


def _service_use(key: Resource, ctx: Context) -> Iterable[Result]:
    policy = _policy(key, ctx)
    if isinstance(policy, Result):
        yield policy
        return
    found = False
    for s in policy.statements:
        if s.effect != "Allow" or s.not_principal or _scoped(s):
            continue
        services = sorted({p.value for p in s.principals or () if p.kind == "Service"})
        used = [a for a in _USE if _allows(s, a)]
        if services and used:
            found = True
            yield failed(
                key,
                f"{_sid(s)} of {policy.name} lets {', '.join(services)} use the key ({', '.join(used)}) "
                "with no aws:SourceArn, aws:SourceAccount, kms:ViaService, kms:CallerAccount or encryption "
                "context condition: the service can be made to use it for another customer's resources",
                detail=f"{s.sid or s.index}",
                at=_at(key, policy, s),
            )
    if not found:
        yield passed(key)


KMS_SERVICE_USE_SCOPED = Check(
    Meta(
        rule_id="kms.service-use-scoped-to-account",
        title="KMS key policies let services use the key only for this account's resources",
        pillar="identity",
        severity=Severity.MEDIUM,
        rationale="A service principal (cloudtrail.amazonaws.com, logs.amazonaws.com, sns.amazonaws.com...) "
        "acts for every customer of the service. Granted use of a key without a condition naming this "
        "account's resources, it can be directed by another account to encrypt or decrypt with the key: the "
        "confused deputy problem.",
        remediation="Add an aws:SourceArn or aws:SourceAccount condition (or kms:ViaService with "
        "kms:CallerAccount, or the service's kms:EncryptionContext key) to each statement of "
        "aws_kms_key.policy that names a Service principal.",
        terraform=(
            'resource "aws_kms_key" "trail" {\n  policy = jsonencode({\n    Version = "2012-10-17"\n'
            "    Statement = [{\n"
            '      Effect    = "Allow"\n      Principal = { Service = "cloudtrail.amazonaws.com" }\n'
            '      Action    = "kms:GenerateDataKey*"\n      Resource  = "*"\n'
            '      Condition = { StringEquals = { "aws:SourceArn" = '
            '"arn:aws:cloudtrail:eu-west-1:123456789012:trail/main" } }\n'
            "    }]\n  })\n}"
        ),
        references=("https://docs.aws.amazon.com/IAM/latest/UserGuide/confused-deputy.html",),
    ),
    kinds=("aws_kms_key",),
    per_resource=_service_use,
)


# -- other accounts ----------------------------------------------------------------------------------------------
def _cross_account(key: Resource, ctx: Context) -> Iterable[Result]:
    policy = _policy(key, ctx)
    if isinstance(policy, Result):
        yield policy
        return
    access = analyse(
        policy,
        owner=ctx.estate.account_of(key),
        resource_arn=key.arn,
        partition=ctx.estate.partition,
        avoid=ctx.trusted_accounts,
    )
    if access.verdict == "unknown":
        yield unknown(key, f"which accounts may use the key cannot be told: {access.reason}")
        return
    found = False
    by_index = {s.index: s for s in policy.statements}
    for grant in access.grants:
        if grant.public:
            continue  # kms.key-policy-not-public reports it
        strangers = [
            p for p in grant.principals if p not in ctx.trusted_accounts and not p.startswith("organisation ")
        ]
        if not strangers:
            continue
        found = True
        statement = by_index.get(grant.index)
        sid = f"statement {grant.sid!r}" if grant.sid else f"statement {grant.index + 1}"
        yield failed(
            key,
            f"{sid} of {grant.policy} lets account {', '.join(strangers)} {', '.join(grant.actions)}, and "
            "no trusted_accounts setting names it",
            detail=",".join(strangers),
            at=_at(key, policy, statement) if statement is not None else None,
        )
    if not found:
        yield passed(key)


KMS_CROSS_ACCOUNT = Check(
    Meta(
        rule_id="kms.key-shared-only-with-trusted-accounts",
        title="KMS key policies let only this estate's accounts and trusted accounts use the key",
        pillar="identity",
        severity=Severity.HIGH,
        rationale="A key policy naming another account lets every principal that account authorises "
        "decrypt what the key protects (and, with kms:CreateGrant, pass the right on). A partner's account "
        "is listed in trusted_accounts; any other account is a stranger or a mistake.",
        remediation="Remove the other account from aws_kms_key.policy (or aws_kms_key_policy.policy), or "
        'list it in the configuration\'s trusted_accounts = ["210987654321"] when sharing is intended.',
        terraform=(
            'resource "aws_kms_key" "shared" {\n  policy = jsonencode({\n    Version = "2012-10-17"\n'
            "    Statement = [{\n"
            '      Effect    = "Allow"\n      Principal = { AWS = "arn:aws:iam::123456789012:root" }\n'
            '      Action    = "kms:*"\n      Resource  = "*"\n'
            "    }]\n  })\n}"
        ),
    ),
    kinds=("aws_kms_key",),
    per_resource=_cross_account,
)


def _grant(grant: Resource, ctx: Context) -> Iterable[Result]:
    principal = grant.get("grantee_principal")
    if isinstance(principal, Unknown):
        yield unknown(grant, f"grantee_principal is not known: {principal.reason}")
        return
    if not isinstance(principal, str) or not principal:
        yield unknown(grant, "grantee_principal is not known")
        return
    account = _account_of(principal)
    if account is None:
        yield unknown(grant, f"the account of grantee_principal {principal} cannot be told")
    elif account in ctx.trusted_accounts:
        yield passed(grant)
    else:
        operations = grant.get("operations")
        shown = ", ".join(operations) if isinstance(operations, list | tuple) else "the granted operations"
        yield failed(
            grant,
            f"the grant lets {principal} of account {account} use the key ({shown}), and no "
            "trusted_accounts setting names the account",
            detail=account,
        )


KMS_GRANT_TRUSTED = Check(
    Meta(
        rule_id="kms.grant-only-to-trusted-accounts",
        title="KMS grants are given only to principals of this estate's accounts and trusted accounts",
        pillar="identity",
        severity=Severity.HIGH,
        rationale="A grant is a second way, beside the key policy, to let a principal use a key; it does "
        "not show in the key policy, so a grant to another account is cross-account access nobody reviews "
        "there.",
        remediation="Set aws_kms_grant.grantee_principal to a role of this account, or list the other "
        "account in the configuration's trusted_accounts when sharing is intended.",
        terraform=(
            'resource "aws_kms_grant" "app" {\n  key_id            = aws_kms_key.data.key_id\n'
            "  grantee_principal = aws_iam_role.app.arn\n"
            '  operations        = ["Decrypt", "GenerateDataKey"]\n}'
        ),
    ),
    kinds=("aws_kms_grant",),
    per_resource=_grant,
)

CHECKS = (KMS_FULL_CONTROL, KMS_SERVICE_USE_SCOPED, KMS_CROSS_ACCOUNT, KMS_GRANT_TRUSTED)
