"""Least privilege on the identities the estate defines."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from ringfence.checks.base import Check, Meta, Result, Severity, failed, passed, unknown
from ringfence.checks.context import Context
from ringfence.checks.policies import AttachedPolicy, policies_of, statements
from ringfence.model import Resource, Unknown, as_list

_HUMAN_FEDERATION = ("saml-provider/", "cognito-identity.amazonaws.com")


def _admin_statement(document: dict[str, Any]) -> str | None:
    """Why the document grants every action on every resource, or None."""
    for s in statements(document):
        if s.get("Effect") != "Allow" or s.get("Condition"):
            continue
        resources = as_list(s.get("Resource"))
        if "*" not in resources:
            continue
        actions = [str(a) for a in as_list(s.get("Action"))]
        if any(a in ("*", "*:*") for a in actions):
            return f"statement {s.get('Sid') or ''} allows Action * on Resource *".replace("  ", " ")
        not_actions = [str(a).lower() for a in as_list(s.get("NotAction"))]
        if "NotAction" in s and not any(
            a in ("*", "iam:*", "iam:*:*") or a.startswith("iam:") for a in not_actions
        ):
            return "statement allows every action but a few (NotAction) on Resource *, IAM included"
    return None


def _is_workload(role: Resource) -> bool | Unknown:
    trust = role.get("assume_role_policy")
    if isinstance(trust, Unknown):
        return trust
    try:
        document = json.loads(trust) if isinstance(trust, str) else trust
    except ValueError:
        return Unknown("the trust policy is not valid JSON")
    if not isinstance(document, dict):
        return Unknown("the trust policy is not known")
    for s in statements(document):
        principal = s.get("Principal")
        if not isinstance(principal, dict):
            continue
        if principal.get("Service"):
            return True
        federated = [str(f) for f in as_list(principal.get("Federated"))]
        if federated and not any(h in f for f in federated for h in _HUMAN_FEDERATION):
            return True  # OIDC: CI systems, EKS service accounts (IRSA)
    return False


def _admin_on_workload(principal: Resource, ctx: Context) -> Iterable[Result]:
    if principal.kind == "aws_iam_role":
        workload = _is_workload(principal)
        if workload is False:
            yield passed(principal, "not a workload role (assumed by people)")
            return
    undecided: list[AttachedPolicy] = []
    for policy in policies_of(ctx.estate, principal):
        if isinstance(policy.document, Unknown):
            undecided.append(policy)
            continue
        why = _admin_statement(policy.document)
        if why:
            yield failed(
                principal,
                f"{policy.name} grants administrator access: {why}",
                location=policy.source,
                detail=policy.name,
            )
            return
    unknown_docs = [p for p in undecided if not (p.managed_arn and ":iam::aws:policy/" in p.managed_arn)]
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
        compliance=("CIS-AWS-5.0:1.16", "FSBP:IAM.1"),
        peers=("CKV_AWS_274", "CKV_AWS_62", "CKV_AWS_63", "CKV_AWS_355", "CKV2_AWS_40", "AVD-AWS-0057"),
    ),
    kinds=("aws_iam_role", "aws_iam_user"),
    per_resource=_admin_on_workload,
    needs=frozenset({"iam"}),
)


def _attached_to_user(block: Resource, ctx: Context) -> Iterable[Result]:
    if block.kind == "aws_iam_policy_attachment":
        users = as_list(block.get("users"))
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
        compliance=("CIS-AWS-5.0:1.15", "FSBP:IAM.2"),
        peers=("CKV_AWS_40", "AVD-AWS-0143"),
    ),
    kinds=("aws_iam_user_policy", "aws_iam_user_policy_attachment", "aws_iam_policy_attachment"),
    per_resource=_attached_to_user,
)

CHECKS = (ADMIN_ON_WORKLOAD, POLICY_ON_USER)
