"""Least privilege on the identities the estate defines."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from functools import lru_cache
from typing import Any, TypeVar

from ringfence.checks.base import Check, Meta, Result, Severity, failed, passed, unknown
from ringfence.checks.context import Context
from ringfence.iam.estate_policies import AttachedPolicy, documents_of, parse_document, statements
from ringfence.model import Resource, Unknown, as_list

_HUMAN_FEDERATION = ("saml-provider/", "cognito-identity.amazonaws.com")


def _admin_statement(document: dict[str, Any]) -> str | None:
    """Why the document grants every action on every resource, or None.

    A condition does not make a statement less than admin for a workload (``aws:SecureTransport`` is met
    by every SDK call); a ``NotAction`` allow is admin-equivalent unless it withholds all of IAM, since
    ``iam:PutRolePolicy`` or ``iam:AttachRolePolicy`` alone lets the principal grant itself the rest.
    """
    for s in statements(document):
        if s.get("Effect") != "Allow":
            continue
        resources = as_list(s.get("Resource"))
        if "*" not in resources:
            continue
        when = " under conditions" if s.get("Condition") else ""
        sid = f"statement {s['Sid']}" if s.get("Sid") else "a statement"
        actions = [str(a) for a in as_list(s.get("Action"))]
        if any(a in ("*", "*:*") for a in actions):
            return f"{sid} allows Action * on Resource *{when}"
        if "NotAction" in s:
            withheld = [str(a).lower() for a in as_list(s.get("NotAction"))]
            if not any(a in ("*", "*:*", "iam:*") for a in withheld):
                return f"{sid} allows every action but {len(withheld)} (NotAction) on Resource *, IAM included{when}"
    return None


def _trust_document(role: Resource) -> dict[str, Any] | Unknown:
    trust = role.get("assume_role_policy")
    if isinstance(trust, Unknown):
        return trust
    try:
        document = json.loads(trust) if isinstance(trust, str) else trust
    except (ValueError, RecursionError):
        return Unknown("the trust policy is not valid JSON")
    return document if isinstance(document, dict) else Unknown("the trust policy is not known")


def _is_workload(role: Resource, ctx: Context, seen: frozenset[str] = frozenset()) -> bool | Unknown:
    """Is the role assumed by machines (services, OIDC workloads, other workload roles, anyone)?"""
    document = _trust_document(role)
    if isinstance(document, Unknown):
        return document
    undecided: Unknown | None = None
    for s in statements(document):
        if s.get("Effect") != "Allow":
            continue
        principal = s.get("Principal")
        if principal == "*":
            return True
        if not isinstance(principal, dict):
            continue
        if principal.get("Service"):
            return True
        federated = [str(f) for f in as_list(principal.get("Federated"))]
        if any(not any(h in f for h in _HUMAN_FEDERATION) for f in federated):
            return True  # OIDC: CI systems, EKS service accounts (IRSA)
        for aws in as_list(principal.get("AWS")):
            if isinstance(aws, Unknown):
                undecided = aws
                continue
            if aws == "*":
                return True
            caller = next((r for r in ctx.estate.of_kind("aws_iam_role") if r.arn == aws), None)
            if caller is not None and caller.address not in seen:
                chained = _is_workload(caller, ctx, seen | {role.address})
                if chained is True:
                    return True  # role chaining from a workload role
                if isinstance(chained, Unknown):
                    undecided = chained
    return undecided if undecided is not None else False


def _boundary(principal: Resource, ctx: Context) -> dict[str, Any] | Unknown | None:
    arn = principal.get("permissions_boundary")
    if arn is None:
        return None
    target = ctx.estate.target(principal, "permissions_boundary")
    if target is not None:
        return parse_document(target.get("policy"))
    if isinstance(arn, str) and arn.endswith(":policy/AdministratorAccess"):
        return {"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
    return Unknown(f"permissions boundary {arn} is not in the estate")


# Without `*` or NotAction, allowing everything takes a service-wide wildcard for most of AWS's services.
_MANY_SERVICES = 100


def _could_be_admin(principal: Resource, ctx: Context) -> bool:
    """A cheap necessary condition for admin-equivalence, so the evaluator only sees serious candidates:
    statements on every resource whose wildcards span many services (or `*` under conditions)."""
    services: set[str] = set()
    for policy in documents_of(ctx.estate, principal):
        if isinstance(policy.document, Unknown):
            continue
        published = _published(policy, _admin_signals)
        broad, wildcards = published[0] if published else _admin_signals(policy.document)
        if broad:
            return True
        services |= wildcards
    return len(services) >= _MANY_SERVICES


def _admin_signals(document: dict[str, Any]) -> tuple[bool, frozenset[str]]:
    """Whether an Allow on every resource has `*` or NotAction, and the services it allows wholesale there."""
    services: set[str] = set()
    for s in statements(document):
        if s.get("Effect") != "Allow" or "*" not in as_list(s.get("Resource", s.get("NotResource"))):
            continue
        if "NotAction" in s:
            return True, frozenset()
        for action in as_list(s.get("Action")):
            text = str(action)
            if text in ("*", "*:*"):
                return True, frozenset()
            service, _, name = text.partition(":")
            if name.startswith("*"):
                services.add(service.lower())
    return False, frozenset(services)


_T = TypeVar("_T")


def _published(policy: AttachedPolicy, read: Callable[[dict[str, Any]], _T]) -> tuple[_T] | None:
    """``(read(document),)`` for an AWS managed policy's published document, read once per policy (the shipped
    snapshot does not change); None for any other document."""
    if policy.managed_arn is None or not isinstance(policy.document, dict):
        return None
    from ringfence.iam import managed

    if (
        managed.is_aws_managed_arn(policy.managed_arn)
        and managed.document(policy.managed_arn) is policy.document
    ):
        return (_published_cached(policy.managed_arn, read),)
    return None


@lru_cache(maxsize=1024)
def _published_cached(arn: str, read: Callable[[dict[str, Any]], Any]) -> Any:
    from ringfence.iam import managed

    document = managed.document(arn)
    assert document is not None
    return read(document)


def _admin_on_workload(principal: Resource, ctx: Context) -> Iterable[Result]:
    workload: bool | Unknown = True
    if principal.kind == "aws_iam_role":
        workload = _is_workload(principal, ctx)
        if workload is False:
            yield passed(principal, "not a workload role (assumed by people)")
            return
    undecided: list[AttachedPolicy] = []
    for policy in documents_of(ctx.estate, principal):
        if isinstance(policy.document, Unknown):
            undecided.append(policy)
            continue
        published = _published(policy, _admin_statement)
        why = published[0] if published else _admin_statement(policy.document)
        if not why:
            continue
        boundary = _boundary(principal, ctx)
        if isinstance(boundary, dict) and not _admin_statement(boundary):
            yield passed(principal, f"{policy.name} is admin, but the permissions boundary caps it")
            return
        if isinstance(boundary, Unknown):
            yield unknown(
                principal, f"{policy.name} is admin; the permissions boundary is unknown: {boundary.reason}"
            )
            return
        if isinstance(workload, Unknown):
            yield unknown(
                principal,
                f"{policy.name} grants administrator access; whether a workload assumes the role is unknown: "
                f"{workload.reason}",
                location=policy.source,
            )
            return
        yield failed(
            principal,
            f"{policy.name} grants administrator access: {why}",
            location=policy.source,
            detail=policy.name,
        )
        return
    unknown_docs = undecided
    if not unknown_docs and _could_be_admin(principal, ctx):
        # No statement grants `*` on `*`, yet the policies together may still allow everything (one
        # statement per service, conditions): the evaluator decides.
        from ringfence.iam.analysis import admin_equivalent

        verdict = admin_equivalent(ctx.iam, principal)
        if verdict is True and not isinstance(workload, Unknown):
            yield failed(
                principal,
                "its policies together allow every action on every resource (decided by evaluating them)",
                detail="admin-equivalent",
            )
            return
        if verdict is True or verdict is None:
            why = (
                "whether a workload assumes the role is unknown"
                if verdict
                else "it depends on condition values"
            )
            yield unknown(principal, f"may be administrator-equivalent: {why}")
            return
    if unknown_docs:
        reasons = "; ".join(
            f"{p.name}: {p.document.reason}" for p in unknown_docs if isinstance(p.document, Unknown)
        )
        yield unknown(principal, f"some policies could not be read: {reasons}")
    else:
        yield passed(principal)


ADMIN_ON_WORKLOAD = Check(
    Meta(
        rule_id="identity.admin-policy-on-workload",
        title="Workload identities (service roles, CI users) do not have administrator access",
        pillar="identity",
        severity=Severity.HIGH,
        rationale="A compromised instance, function or pipeline with administrator access is a compromised "
        "account. Workloads need the few actions they use.",
        remediation="Replace AdministratorAccess and `*:*` statements with the actions and resources the "
        "workload uses (ringfence iam unused generates them from CloudTrail).",
        terraform=(
            'data "aws_iam_policy_document" "app" {\n  statement {\n'
            '    actions   = ["s3:GetObject"]\n    resources = ["${aws_s3_bucket.data.arn}/*"]\n  }\n}'
        ),
        peers=("CKV_AWS_274", "CKV_AWS_62", "CKV_AWS_63", "CKV_AWS_355", "CKV2_AWS_40", "AVD-AWS-0057"),
    ),
    kinds=("aws_iam_role", "aws_iam_user"),
    per_resource=_admin_on_workload,
)


def _attached_to_user(block: Resource, ctx: Context) -> Iterable[Result]:
    if block.kind == "aws_iam_policy_attachment":
        users = as_list(block.get("users"))
        if any(isinstance(u, Unknown) for u in users) or isinstance(block.get("users"), Unknown):
            yield unknown(block, "the users the policy is attached to are not known")
            return
        if not users:
            yield passed(block)
            return
        yield failed(block, f"policy attached directly to users {', '.join(map(str, users))}")
        return
    what = "an inline policy" if block.kind == "aws_iam_user_policy" else "a managed policy"
    user = ctx.estate.target(block, "user")
    name = user.address if user else str(block.get("user"))
    yield failed(block, f"{what} is attached directly to user {name}; grant it through a group")


POLICY_ON_USER = Check(
    Meta(
        rule_id="identity.policy-attached-to-user",
        title="IAM policies are granted through groups or roles, not attached to users",
        pillar="identity",
        severity=Severity.LOW,
        rationale="Permissions attached to individual users drift and are hard to review; groups and roles "
        "keep them in one place.",
        remediation="Attach the policy to a group and add the user to it.",
        terraform=(
            'resource "aws_iam_group_policy_attachment" "devs" {\n'
            "  group      = aws_iam_group.devs.name\n  policy_arn = aws_iam_policy.devs.arn\n}"
        ),
        peers=("CKV_AWS_40", "AVD-AWS-0143"),
    ),
    kinds=("aws_iam_user_policy", "aws_iam_user_policy_attachment", "aws_iam_policy_attachment"),
    per_resource=_attached_to_user,
)


def _access_key(key: Resource, ctx: Context) -> Iterable[Result]:
    status = key.get("status", "Active")
    if isinstance(status, Unknown):
        yield unknown(key, f"the key's status is not known: {status.reason}")
        return
    if status == "Inactive":
        yield passed(key, "the key is inactive")
        return
    user = ctx.estate.target(key, "user")
    owner = user.address if user is not None else str(key.get("user"))
    yield failed(
        key,
        f"a long-lived access key is created for {owner}; its secret also lands in the Terraform state",
        location=key,
    )


LONG_LIVED_KEY = Check(
    Meta(
        rule_id="identity.long-lived-access-key",
        title="Workloads use roles (instance profiles, IRSA, OIDC federation), not long-lived access keys",
        pillar="identity",
        severity=Severity.MEDIUM,
        rationale="Access keys never expire and leak through CI logs, laptops and the Terraform state; "
        "roles hand out credentials that expire within hours.",
        remediation="Give the workload a role: an instance profile, IRSA or EKS Pod Identity, or OIDC "
        "federation for CI, and delete the key.",
        terraform=(
            'resource "aws_iam_openid_connect_provider" "github" {\n'
            '  url            = "https://token.actions.githubusercontent.com"\n'
            '  client_id_list = ["sts.amazonaws.com"]\n}'
        ),
        peers=("CKV_AWS_273",),
    ),
    kinds=("aws_iam_access_key",),
    per_resource=_access_key,
)

CHECKS = (ADMIN_ON_WORKLOAD, POLICY_ON_USER, LONG_LIVED_KEY)
