"""Workload identity: an IAM role that Kubernetes pods take through the cluster's OIDC provider (IRSA)
admits only the service accounts meant to use it (:mod:`ringfence.kubernetes.identity`)."""

from __future__ import annotations

from collections.abc import Iterable

from ringfence.checks.base import Check, Meta, Result, Severity, failed, passed, unknown
from ringfence.checks.context import Context
from ringfence.kubernetes.identity import trust_scope
from ringfence.kubernetes.workloads import namespace_of
from ringfence.model import Resource
from ringfence.model.relations import WORKLOAD_IDENTITY


def _irsa_trust(role: Resource, ctx: Context) -> Iterable[Result]:
    engine = ctx.iam
    trust = engine.resource_policy_of(role)
    users = ctx.estate.sources(role, WORKLOAD_IDENTITY)
    near = None
    for account in users:
        namespace = namespace_of(account)
        if namespace is not None:
            near = (namespace, account.name)
            break
    arn = engine.principal_arn(role)
    scope = trust_scope(trust, arn, ctx.estate.account_of(role), near)
    named = f" (used by {', '.join(a.address for a in users)})" if users else ""
    if scope.breadth == "unknown":
        yield unknown(role, f"whether the trust policy pins the service account is not known: {scope.why}")
    elif scope.breadth == "cluster":
        yield failed(
            role,
            "the trust policy admits every service account of the cluster through its OIDC provider: no "
            f"<issuer>:sub condition pins system:serviceaccount:<namespace>:<name>{named}",
            detail="cluster",
        )
    elif scope.breadth == "namespace" and near is not None:
        yield failed(
            role,
            f"the trust policy admits every service account of namespace {near[0]}, not only the one that "
            f"uses it{named}",
            detail="namespace",
            severity=Severity.MEDIUM,
        )
    else:
        yield passed(role)


IRSA_TRUST_SCOPED = Check(
    Meta(
        rule_id="iam.irsa-trust-pins-service-account",
        title="IAM roles for Kubernetes service accounts trust one service account",
        pillar="identity",
        severity=Severity.HIGH,
        rationale="A role trusting the cluster's OIDC provider without a sub condition (or with "
        "system:serviceaccount:*) can be taken by any pod of the cluster: whoever can create a pod, in any "
        "namespace, gets the role's AWS rights.",
        remediation="Add StringEquals on <issuer>:sub = system:serviceaccount:<namespace>:<name> and on "
        "<issuer>:aud = sts.amazonaws.com.",
        terraform='resource "aws_iam_role" "app" {\n  name = "app"\n  assume_role_policy = jsonencode({\n'
        '    Version = "2012-10-17"\n    Statement = [{\n      Effect    = "Allow"\n'
        "      Principal = { Federated = aws_iam_openid_connect_provider.cluster.arn }\n"
        '      Action    = "sts:AssumeRoleWithWebIdentity"\n      Condition = {\n        StringEquals = {\n'
        '          "${local.issuer}:sub" = "system:serviceaccount:production:app"\n'
        '          "${local.issuer}:aud" = "sts.amazonaws.com"\n        }\n      }\n    }]\n  })\n}',
        references=("https://docs.aws.amazon.com/eks/latest/userguide/associate-service-account-role.html",),
    ),
    kinds=("aws_iam_role",),
    per_resource=_irsa_trust,
)

CHECKS = (IRSA_TRUST_SCOPED,)
