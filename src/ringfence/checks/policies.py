"""The policies that apply to an IAM principal in the estate, as parsed documents."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from ringfence.model import Estate, Resource, Unknown, as_list


@dataclass(frozen=True, slots=True)
class AttachedPolicy:
    """A policy document applying to a principal, and the block that attaches or holds it."""

    name: str
    document: dict[str, Any] | Unknown
    source: Resource  # where it is written (inline policy, attachment or the policy resource)
    managed_arn: str | None = None


def parse_document(text: Any) -> dict[str, Any] | Unknown:
    if isinstance(text, Unknown):
        return text
    if isinstance(text, dict):
        return text
    if not isinstance(text, str):
        return Unknown(f"the policy is not a JSON document: {type(text).__name__}")
    try:
        parsed = json.loads(text)
    except (ValueError, RecursionError) as exc:
        return Unknown(f"the policy is not valid JSON: {exc}")
    return parsed if isinstance(parsed, dict) else Unknown("the policy JSON is not an object")


_INLINE = {
    "aws_iam_role": "aws_iam_role_policy",
    "aws_iam_user": "aws_iam_user_policy",
    "aws_iam_group": "aws_iam_group_policy",
}
_ATTACH = {
    "aws_iam_role": ("aws_iam_role_policy_attachment", "role"),
    "aws_iam_user": ("aws_iam_user_policy_attachment", "user"),
    "aws_iam_group": ("aws_iam_group_policy_attachment", "group"),
}
_SHARED_ATTACH = {"aws_iam_role": "roles", "aws_iam_user": "users", "aws_iam_group": "groups"}
_RELATION = {"aws_iam_role": "role", "aws_iam_user": "user", "aws_iam_group": "group"}


def policies_of(estate: Estate, principal: Resource, *, with_groups: bool = True) -> Iterator[AttachedPolicy]:
    """Identity policies of a role, user or group: inline, attached (customer and AWS managed) and, for
    users, those of their groups."""
    kind = principal.kind
    for inline in as_list(principal.get("inline_policy")):
        if isinstance(inline, dict) and inline.get("policy") is not None:
            yield AttachedPolicy(
                str(inline.get("name", "inline")), parse_document(inline.get("policy")), principal
            )
    if kind in _INLINE:
        for block in estate.sources(principal, _RELATION[kind], of_kind=_INLINE[kind]):
            yield AttachedPolicy(
                str(block.get("name", block.address)), parse_document(block.get("policy")), block
            )
    arns: list[tuple[Any, Resource, Resource | None]] = []
    if kind in _ATTACH:
        attach_kind, relation = _ATTACH[kind]
        for block in estate.sources(principal, relation, of_kind=attach_kind):
            arns.append((block.get("policy_arn"), block, estate.target(block, "policy_arn")))
        for block in estate.sources(principal, _SHARED_ATTACH[kind], of_kind="aws_iam_policy_attachment"):
            arns.append((block.get("policy_arn"), block, estate.target(block, "policy_arn")))
    for arn in as_list(principal.get("managed_policy_arns")):
        target = next((p for p in estate.targets(principal, "managed_policy_arns") if p.arn == arn), None)
        arns.append((arn, principal, target))
    for arn, block, target in arns:
        if target is not None:
            yield AttachedPolicy(
                str(target.get("name", target.address)),
                parse_document(target.get("policy")),
                block,
                managed_arn=target.arn,
            )
        elif isinstance(arn, str) and ":iam::aws:policy/" in arn:
            from ringfence.iam import managed

            name = arn.rsplit("/", 1)[-1]
            published = managed.document(arn)
            document: dict[str, Any] | Unknown = (
                published
                if published is not None
                else Unknown(
                    f"AWS managed policy {name} is not in the shipped snapshot ({managed.info().snapshot_date})"
                )
            )
            yield AttachedPolicy(name, document, block, managed_arn=arn)
        else:
            yield AttachedPolicy(str(arn), Unknown(f"policy {arn} is not in the estate"), block)
    if with_groups and kind == "aws_iam_user":
        for group in groups_of(estate, principal):
            yield from policies_of(estate, group, with_groups=False)


def groups_of(estate: Estate, user: Resource) -> tuple[Resource, ...]:
    found: dict[str, Resource] = {}
    for membership in estate.sources(user, "user", of_kind="aws_iam_user_group_membership"):
        for g in estate.targets(membership, "groups"):
            found[g.address] = g
    for membership in estate.sources(user, "users", of_kind="aws_iam_group_membership"):
        for g in estate.targets(membership, "group"):
            found[g.address] = g
    return tuple(found[a] for a in sorted(found))


def statements(document: dict[str, Any]) -> list[dict[str, Any]]:
    return [s for s in as_list(document.get("Statement")) if isinstance(s, dict)]
