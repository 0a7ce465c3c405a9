"""IAM: users, groups, roles, customer managed policies and every attachment (one paginated
iam:GetAccountAuthorizationDetails), access keys and their last use, the password policy, the account
summary (root keys and MFA) and the credential report (console passwords, MFA, last sign-in).

AWS managed policies are not collected: the IAM engine reads them from its snapshot by ARN.
"""

from __future__ import annotations

import csv
import io
import json
import time
from collections.abc import Iterable, Mapping
from typing import Any

from ringfence.model import Ref, Resource, Unknown
from ringfence.shown import fingerprint
from ringfence.sources.aws.collectors.base import Collector, Reader, iso, tags_of

_POLL = 0.5  # seconds between credential report polls
_POLLS = 20


def _doc(value: Any) -> str:
    # boto3 decodes the URL-encoded documents; the provider holds them as JSON text.
    return value if isinstance(value, str) else json.dumps(value)


def read(reader: Reader) -> Iterable[Resource]:
    details = {
        key: reader.pages("iam", "get_account_authorization_details", key, Filter=filters)
        for key, filters in (
            ("UserDetailList", ["User"]),
            ("GroupDetailList", ["Group"]),
            ("RoleDetailList", ["Role"]),
            ("Policies", ["LocalManagedPolicy"]),
        )
    }
    report = _credential_report(reader)
    groups: dict[str, str] = {}
    for group in _known(details["GroupDetailList"]):
        address = str(group["Arn"])
        groups[str(group["GroupName"])] = address
        yield _principal(reader, "aws_iam_group", group, "GroupName")
        yield from _policies(reader, "group", address, group.get("GroupName"), group, "GroupPolicyList")
    for user in _known(details["UserDetailList"]):
        address = str(user["Arn"])
        name = str(user["UserName"])
        row = report.get(name) if isinstance(report, dict) else None
        yield _principal(reader, "aws_iam_user", user, "UserName", _report_fields(report, row))
        yield from _policies(reader, "user", address, name, user, "UserPolicyList")
        member_of = [Ref(groups[g], "name") if g in groups else g for g in user.get("GroupList") or []]
        if member_of:
            yield reader.resource(
                "aws_iam_user_group_membership",
                _address(reader, "aws_iam_user_group_membership", name),
                {"user": Ref(address, "name"), "groups": member_of},
                call="iam:GetAccountAuthorizationDetails",
                global_=True,
            )
        if isinstance(row, dict) and row.get("password_enabled") == "true":
            yield reader.resource(
                "aws_iam_user_login_profile",
                _address(reader, "aws_iam_user_login_profile", name),
                {"user": Ref(address, "name")},
                call="iam:GenerateCredentialReport",
                global_=True,
            )
        yield from _access_keys(reader, name, address)
    for role in _known(details["RoleDetailList"]):
        address = str(role["Arn"])
        name = str(role["RoleName"])
        extra = {
            "assume_role_policy": _doc(role.get("AssumeRolePolicyDocument") or {}),
            "max_session_duration": role.get("MaxSessionDuration"),
            "create_date": iso(role.get("CreateDate")),
            "last_used_date": iso((role.get("RoleLastUsed") or {}).get("LastUsedDate")),
        }
        yield _principal(reader, "aws_iam_role", role, "RoleName", extra)
        yield from _policies(reader, "role", address, name, role, "RolePolicyList")
        for profile in role.get("InstanceProfileList") or []:
            yield reader.resource(
                "aws_iam_instance_profile",
                str(profile["Arn"]),
                {
                    "name": profile.get("InstanceProfileName"),
                    "path": profile.get("Path"),
                    "role": Ref(address, "name"),
                },
                call="iam:GetAccountAuthorizationDetails",
                arn=str(profile["Arn"]),
                global_=True,
            )
    for policy in _known(details["Policies"]):
        arn = str(policy["Arn"])
        versions = policy.get("PolicyVersionList") or []
        default = next(
            (
                v
                for v in versions
                if v.get("IsDefaultVersion") or v.get("VersionId") == policy.get("DefaultVersionId")
            ),
            None,
        )
        document: Any = (
            _doc(default.get("Document"))
            if default is not None
            else Unknown(f"{arn}: the default version was not returned by iam:GetAccountAuthorizationDetails")
        )
        yield reader.resource(
            "aws_iam_policy",
            arn,
            {
                # Some implementations omit PolicyName; the ARN's last segment is the name.
                "name": policy.get("PolicyName") or arn.rsplit("/", 1)[-1],
                "path": policy.get("Path", "/"),
                "arn": arn,
                "policy": document,
                "attachment_count": policy.get("AttachmentCount"),
            },
            call="iam:GetAccountAuthorizationDetails",
            arn=arn,
            tags=tags_of(policy.get("Tags")),
            global_=True,
        )
    yield from _password_policy(reader)
    yield _account(reader, report)


def _known(items: list[Any] | Unknown) -> list[Mapping[str, Any]]:
    return [i for i in items if isinstance(i, dict)] if isinstance(items, list) else []


def _address(reader: Reader, kind: str, *parts: object) -> str:
    return f"{kind}:{reader.account_id}:" + ":".join(str(p) for p in parts)


def _principal(
    reader: Reader, kind: str, item: Mapping[str, Any], name_key: str, extra: Mapping[str, Any] | None = None
) -> Resource:
    arn = str(item["Arn"])
    boundary = (item.get("PermissionsBoundary") or {}).get("PermissionsBoundaryArn")
    attributes: dict[str, Any] = {
        "name": item.get(name_key),
        "arn": arn,
        "path": item.get("Path", "/"),
        "unique_id": item.get(name_key.replace("Name", "Id")),
    }
    if kind != "aws_iam_group":
        attributes["permissions_boundary"] = boundary
    attributes.update(extra or {})
    return reader.resource(
        kind,
        arn,
        attributes,
        call="iam:GetAccountAuthorizationDetails",
        arn=arn,
        tags=tags_of(item.get("Tags")),
        global_=True,
    )


def _policies(
    reader: Reader, rel: str, address: str, name: Any, item: Mapping[str, Any], inline_key: str
) -> Iterable[Resource]:
    """A principal's inline policies and managed attachments, as the provider's separate resources."""
    owner = Ref(address, "name")
    for inline in item.get(inline_key) or []:
        yield reader.resource(
            f"aws_iam_{rel}_policy",
            _address(reader, f"aws_iam_{rel}_policy", name, inline.get("PolicyName")),
            {
                rel: owner,
                "name": inline.get("PolicyName"),
                "policy": _doc(inline.get("PolicyDocument") or {}),
            },
            call="iam:GetAccountAuthorizationDetails",
            global_=True,
        )
    for attached in item.get("AttachedManagedPolicies") or []:
        arn = attached.get("PolicyArn")
        yield reader.resource(
            f"aws_iam_{rel}_policy_attachment",
            _address(reader, f"aws_iam_{rel}_policy_attachment", name, arn),
            {rel: owner, "policy_arn": arn},
            call="iam:GetAccountAuthorizationDetails",
            global_=True,
        )


def _access_keys(reader: Reader, user: str, address: str) -> Iterable[Resource]:
    keys = reader.pages("iam", "list_access_keys", "AccessKeyMetadata", UserName=user)
    if isinstance(keys, Unknown):
        return
    for key in keys:
        ident = str(key.get("AccessKeyId"))
        # The key id is an identifier, not a secret, but it has a credential's shape: the address holds
        # its fingerprint and the attributes do not hold it.
        used = reader.call("iam", "get_access_key_last_used", AccessKeyId=ident)
        last_used: Any
        if isinstance(used, Unknown):
            last_used = used
        else:
            last_used = iso(((used or {}).get("AccessKeyLastUsed") or {}).get("LastUsedDate"))
        yield reader.resource(
            "aws_iam_access_key",
            _address(reader, "aws_iam_access_key", user, fingerprint(ident)),
            {
                "user": Ref(address, "name"),
                "status": key.get("Status"),
                "create_date": iso(key.get("CreateDate")),
                "last_used_date": last_used,
            },
            call="iam:ListAccessKeys",
            global_=True,
        )


def _password_policy(reader: Reader) -> Iterable[Resource]:
    got = reader.call("iam", "get_account_password_policy")
    if got is None:
        return  # no password policy: the account's defaults apply (and the estate check says so)
    fields = (
        "minimum_password_length",
        "require_symbols",
        "require_numbers",
        "require_uppercase_characters",
        "require_lowercase_characters",
        "allow_users_to_change_password",
        "max_password_age",
        "password_reuse_prevention",
        "hard_expiry",
    )
    if isinstance(got, Unknown):
        attributes: dict[str, Any] = dict.fromkeys(fields, got)
    else:
        policy = got.get("PasswordPolicy") or {}
        names = {
            "minimum_password_length": "MinimumPasswordLength",
            "require_symbols": "RequireSymbols",
            "require_numbers": "RequireNumbers",
            "require_uppercase_characters": "RequireUppercaseCharacters",
            "require_lowercase_characters": "RequireLowercaseCharacters",
            "allow_users_to_change_password": "AllowUsersToChangePassword",
            "max_password_age": "MaxPasswordAge",
            "password_reuse_prevention": "PasswordReusePrevention",
            "hard_expiry": "HardExpiry",
        }
        attributes = {k: policy.get(v) for k, v in names.items()}
    yield reader.resource(
        "aws_iam_account_password_policy",
        _address(reader, "aws_iam_account_password_policy", "password-policy"),
        attributes,
        call="iam:GetAccountPasswordPolicy",
        global_=True,
    )


def _credential_report(reader: Reader) -> dict[str, dict[str, str]] | Unknown:
    """The credential report's rows by user name (``<root_account>`` for the root user)."""
    for _ in range(_POLLS):
        started = reader.call("iam", "generate_credential_report")
        if isinstance(started, Unknown):
            return started
        if started is not None and started.get("State") == "COMPLETE":
            break
        time.sleep(_POLL)
    got = reader.call("iam", "get_credential_report")
    if isinstance(got, Unknown):
        return got
    if got is None:
        return Unknown("iam:GetCredentialReport returned no report")
    content = got.get("Content", b"")
    text = content.decode("utf-8") if isinstance(content, bytes) else str(content)
    return {row.get("user", ""): row for row in csv.DictReader(io.StringIO(text))}


def _value(row: Mapping[str, str], key: str) -> Any:
    """A credential report cell: ``N/A``, ``no_information`` and ``not_supported`` mean nothing recorded."""
    value = row.get(key)
    return None if value in (None, "", "N/A", "no_information", "not_supported") else value


def _report_fields(
    report: dict[str, dict[str, str]] | Unknown, row: Mapping[str, str] | None
) -> dict[str, Any]:
    if isinstance(report, Unknown):
        return dict.fromkeys(("password_enabled", "password_last_used", "mfa_active"), report)
    if row is None:
        missing = Unknown("the user is not in the credential report")
        return dict.fromkeys(("password_enabled", "password_last_used", "mfa_active"), missing)
    return {
        "password_enabled": row.get("password_enabled") == "true",
        "password_last_used": _value(row, "password_last_used"),
        "mfa_active": row.get("mfa_active") == "true",
    }


def _account(reader: Reader, report: dict[str, dict[str, str]] | Unknown) -> Resource:
    """The account and its root user: access keys and MFA (iam:GetAccountSummary), last use (the credential
    report's ``<root_account>`` row)."""
    summary = reader.call("iam", "get_account_summary")
    keys: Any
    mfa: Any
    if isinstance(summary, Unknown):
        keys = mfa = summary
    else:
        found = (summary or {}).get("SummaryMap") or {}
        keys = (
            bool(found["AccountAccessKeysPresent"])
            if "AccountAccessKeysPresent" in found
            else Unknown("iam:GetAccountSummary did not say whether the root user has access keys")
        )
        mfa = (
            bool(found["AccountMFAEnabled"])
            if "AccountMFAEnabled" in found
            else Unknown("iam:GetAccountSummary did not say whether the root user has MFA")
        )
    used: Any
    if isinstance(report, Unknown):
        used = report
    elif "<root_account>" not in report:
        used = Unknown("the credential report has no <root_account> row")
    else:
        row = report["<root_account>"]
        dates = [
            d
            for d in (
                _value(row, "password_last_used"),
                _value(row, "access_key_1_last_used_date"),
                _value(row, "access_key_2_last_used_date"),
            )
            if d
        ]
        used = max(dates) if dates else None
    arn = f"arn:{reader.partition}:iam::{reader.account_id}:root"
    return reader.resource(
        "aws_account",
        arn,
        {
            "account_id": reader.account_id,
            # "Now" for every age a check computes: a snapshot analysed later gives the same answers.
            "collected_at": iso(reader.collected_at),
            "root_access_keys_present": keys,
            "root_mfa_enabled": mfa,
            "root_last_used": used,
            "sign_in_report": report if isinstance(report, Unknown) else "available",
        },
        call="iam:GetAccountSummary",
        arn=arn,
        global_=True,
    )


COLLECTOR = Collector(
    name="iam",
    calls=(
        "iam:GetAccountAuthorizationDetails",
        "iam:ListAccessKeys",
        "iam:GetAccessKeyLastUsed",
        "iam:GetAccountPasswordPolicy",
        "iam:GetAccountSummary",
        "iam:GenerateCredentialReport",
        "iam:GetCredentialReport",
    ),
    scope="global",
    read=read,
)
