"""IAM: roles, users, groups, inline and managed policies, instance profiles, access keys.

``AWS::IAM::Policy`` is an inline policy of every role, user and group it names: one model inline policy
(``aws_iam_role_policy``...) per holder, the first at the logical id, the others after it
(``AppPolicy[2]``). ``AWS::IAM::ManagedPolicy`` is a managed policy with its attachments.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from ringfence.model import Ref, Unknown
from ringfence.sources.cloudformation.types import Block, Convert, Part, Type

_INLINE = Block("inline_policy", {"PolicyName": "name", "PolicyDocument": "policy"})

_HOLDERS = (
    ("Roles", "aws_iam_role_policy", "role"),
    ("Users", "aws_iam_user_policy", "user"),
    ("Groups", "aws_iam_group_policy", "group"),
)


def _listed(value: Any) -> list[Any]:
    if isinstance(value, list):
        return value
    return [] if value is None else [value]


def _inline_policies(
    properties: Mapping[str, Any], attributes: Mapping[str, Any], own: Callable[[str], Ref]
) -> Iterable[Part]:
    index = 0
    for prop, kind, key in _HOLDERS:
        for holder in _listed(properties.get(prop)):
            suffix = "" if index == 0 else f"[{index + 1}]"
            index += 1
            yield Part(
                suffix,
                kind,
                {
                    key: holder,
                    "name": properties.get("PolicyName"),
                    "policy": properties.get("PolicyDocument"),
                },
            )
    if index == 0:
        # Attached to nothing the template names: kept, so what it grants is still checked.
        yield Part(
            "",
            "aws_iam_role_policy",
            {"name": properties.get("PolicyName"), "policy": properties.get("PolicyDocument")},
        )


def _attachments(
    properties: Mapping[str, Any], attributes: Mapping[str, Any], own: Callable[[str], Ref]
) -> Iterable[Part]:
    holders = {
        key: _listed(properties.get(prop))
        for prop, key in (("Roles", "roles"), ("Users", "users"), ("Groups", "groups"))
    }
    if any(holders.values()):
        yield Part(
            ".Attachment",
            "aws_iam_policy_attachment",
            {**holders, "policy_arn": own("arn"), "name": own("name")},
        )


def _holder_policies(kind: str, key: str) -> Callable[..., Iterable[Part]]:
    """A user's or group's inline ``Policies`` and ``ManagedPolicyArns`` as the provider's separate
    resources (its ``aws_iam_user`` and ``aws_iam_group`` hold neither), named after the property:
    ``CiUser.Policies[deploy]``, ``CiUser.ManagedPolicyArns[0]``."""

    def parts(
        properties: Mapping[str, Any], attributes: Mapping[str, Any], own: Callable[[str], Ref]
    ) -> Iterable[Part]:
        for index, policy in enumerate(_listed(properties.get("Policies"))):
            if isinstance(policy, Mapping):
                name = policy.get("PolicyName")
                shown = name if isinstance(name, str) else str(index)
                yield Part(
                    f".Policies[{shown}]",
                    f"{kind}_policy",
                    {key: own("name"), "name": name, "policy": policy.get("PolicyDocument")},
                )
        for index, arn in enumerate(_listed(properties.get("ManagedPolicyArns"))):
            yield Part(
                f".ManagedPolicyArns[{index}]",
                f"{kind}_policy_attachment",
                {key: own("name"), "policy_arn": arn},
            )

    return parts


_user_policies = _holder_policies("aws_iam_user", "user")
_group_policies = _holder_policies("aws_iam_group", "group")


def _user_parts(
    properties: Mapping[str, Any], attributes: Mapping[str, Any], own: Callable[[str], Ref]
) -> Iterable[Part]:
    yield from _user_policies(properties, attributes, own)
    groups = properties.get("Groups")
    if groups:
        yield Part(".Groups", "aws_iam_user_group_membership", {"user": own("name"), "groups": groups})
    profile = properties.get("LoginProfile")
    if isinstance(profile, Mapping | Unknown):
        reset = profile.get("PasswordResetRequired") if isinstance(profile, Mapping) else profile
        yield Part(
            ".LoginProfile",
            "aws_iam_user_login_profile",
            {"user": own("name"), "password_reset_required": reset},
        )


TYPES: Mapping[str, Type] = {
    "AWS::IAM::Role": Type(
        "aws_iam_role",
        {
            "RoleName": "name",
            "Path": "path",
            "AssumeRolePolicyDocument": "assume_role_policy",
            "Policies": _INLINE,
            "ManagedPolicyArns": "managed_policy_arns",
            "PermissionsBoundary": "permissions_boundary",
            "MaxSessionDuration": "max_session_duration",
            "Description": "description",
        },
        ref="name",
        atts={"RoleId": "unique_id"},
        name="name",
    ),
    "AWS::IAM::User": Type(
        "aws_iam_user",
        {
            "UserName": "name",
            "Path": "path",
            "PermissionsBoundary": "permissions_boundary",
        },
        ref="name",
        name="name",
        parts=_user_parts,
    ),
    "AWS::IAM::Group": Type(
        "aws_iam_group",
        {
            "GroupName": "name",
            "Path": "path",
        },
        ref="name",
        name="name",
        parts=_group_policies,
    ),
    "AWS::IAM::Policy": Type("aws_iam_role_policy", {}, ref="id", parts=_inline_policies, itself=False),
    "AWS::IAM::RolePolicy": Type(
        "aws_iam_role_policy", {"RoleName": "role", "PolicyName": "name", "PolicyDocument": "policy"}
    ),
    "AWS::IAM::UserPolicy": Type(
        "aws_iam_user_policy", {"UserName": "user", "PolicyName": "name", "PolicyDocument": "policy"}
    ),
    "AWS::IAM::GroupPolicy": Type(
        "aws_iam_group_policy", {"GroupName": "group", "PolicyName": "name", "PolicyDocument": "policy"}
    ),
    "AWS::IAM::ManagedPolicy": Type(
        "aws_iam_policy",
        {
            "ManagedPolicyName": "name",
            "Path": "path",
            "PolicyDocument": "policy",
            "Description": "description",
        },
        ref="arn",
        atts={"PolicyArn": "arn"},
        name="name",
        parts=_attachments,
    ),
    "AWS::IAM::UserToGroupAddition": Type(
        "aws_iam_group_membership", {"GroupName": "group", "Users": "users"}
    ),
    "AWS::IAM::InstanceProfile": Type(
        "aws_iam_instance_profile",
        {
            "InstanceProfileName": "name",
            "Path": "path",
            "Roles": Convert(lambda v: {"role": v[0] if isinstance(v, list) and v else v}),
        },
        ref="name",
        name="name",
    ),
    "AWS::IAM::AccessKey": Type("aws_iam_access_key", {"UserName": "user", "Status": "status"}),
}
