"""Workload identity: the IAM roles Kubernetes service accounts act as, and which service accounts a role's
trust policy admits.

IRSA (https://docs.aws.amazon.com/eks/latest/userguide/iam-roles-for-service-accounts.html): a pod of a
service account annotated ``eks.amazonaws.com/role-arn`` gets a projected token from the cluster's OIDC
issuer and calls ``sts:AssumeRoleWithWebIdentity``; STS admits it when the role's trust policy allows the
issuer's identity provider (``Federated: arn:...:oidc-provider/<issuer>``) with ``<issuer>:sub`` =
``system:serviceaccount:<namespace>:<name>`` (and ``<issuer>:aud`` = ``sts.amazonaws.com``). A trust that does
not pin ``sub``, or pins it with a pattern, admits other service accounts of the cluster (every one, for
``system:serviceaccount:*``).

EKS Pod Identity (https://docs.aws.amazon.com/eks/latest/userguide/pod-identities.html): an association
(``aws_eks_pod_identity_association``) names the namespace and service account; the role trusts
``pods.eks.amazonaws.com``.

The decisions are the IAM engine's (:class:`ringfence.iam.evaluator.CompiledPolicySet`) over the trust
policy, with the context STS sets for each service account's token.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from ringfence.model import Estate, Resource
from ringfence.model.linker import IRSA_ANNOTATION
from ringfence.model.relations import SERVICE_ACCOUNT, WORKLOAD_IDENTITY

__all__ = ["Admission", "TrustScope", "admits", "oidc_issuers", "trust_scope", "workload_roles"]

WEB_IDENTITY = "sts:AssumeRoleWithWebIdentity"
# Names no cluster gives a service account: a probe the trust policy can only admit by not pinning it.
_PROBE_NAMESPACE = "ringfence-probe-namespace"
_PROBE_NAME = "ringfence-probe-account"


def workload_roles(estate: Estate) -> Mapping[str, str]:
    """Service account address -> the IAM role its pods act as: the role's address when the estate holds it,
    else the annotation's ARN."""
    out: dict[str, str] = {}
    for account in estate.of_kind(SERVICE_ACCOUNT):
        roles = estate.targets(account, WORKLOAD_IDENTITY)
        if roles:
            out[account.address] = roles[0].address
            continue
        arn = _annotation(account)
        if arn:
            out[account.address] = arn
    return out


def _annotation(account: Resource) -> str | None:
    metadata = account.get("metadata")
    annotations = metadata.get("annotations") if isinstance(metadata, Mapping) else None
    arn = annotations.get(IRSA_ANNOTATION) if isinstance(annotations, Mapping) else None
    return arn if isinstance(arn, str) and arn else None


def oidc_issuers(trust: object) -> tuple[tuple[str, str], ...]:
    """(identity provider ARN, issuer host/path) of each OIDC provider the trust policy allows."""
    from ringfence.iam.policy import Policy

    if not isinstance(trust, Policy):
        return ()
    found: dict[str, str] = {}
    for statement in trust.statements:
        if statement.effect != "Allow" or not statement.principals:
            continue
        for principal in statement.principals:
            if principal.kind == "Federated" and ":oidc-provider/" in principal.value:
                found[principal.value] = principal.value.split(":oidc-provider/", 1)[1]
    return tuple(sorted(found.items()))


@dataclass(frozen=True, slots=True)
class Admission:
    """Whether the trust admits a service account: True, False, or None (undecided, with why)."""

    allowed: bool | None
    why: str = ""


def admits(trust: object, role_arn: str, namespace: str, name: str, account_id: str) -> Admission:
    """Does the trust policy let a pod of ``namespace/name`` take the role through any OIDC provider it
    trusts (IRSA)?"""
    from ringfence.iam.conditions import RequestContext
    from ringfence.iam.evaluator import CompiledPolicySet, PolicySet, Request
    from ringfence.iam.policy import Policy

    if not isinstance(trust, Policy):
        return Admission(None, str(trust) if trust else "the role has no trust policy in the estate")
    compiled = CompiledPolicySet(PolicySet(resource=trust))
    undecided = ""
    for provider, issuer in oidc_issuers(trust):
        context = RequestContext(
            {
                f"{issuer}:sub": f"system:serviceaccount:{namespace}:{name}",
                f"{issuer}:aud": "sts.amazonaws.com",
                "aws:principalaccount": account_id,
            },
            complete=True,
        )
        decision = compiled.decide(
            Request(provider, WEB_IDENTITY, role_arn, resource_account=account_id, context=context),
            explain=False,
        )
        if decision.allowed:
            return Admission(True)
        if decision.allowed is None:
            undecided = "; ".join(decision.unknown) or "a condition is not known"
    return Admission(None, undecided) if undecided else Admission(False)


Breadth = Literal["one", "namespace", "cluster", "none", "unknown"]


@dataclass(frozen=True, slots=True)
class TrustScope:
    """How many service accounts a web-identity trust admits: ``cluster`` (any), ``namespace`` (any of the
    namespace of ``near``), ``one``; ``none`` when it trusts no OIDC provider."""

    breadth: Breadth
    why: str = ""


def trust_scope(trust: object, role_arn: str, account_id: str, near: tuple[str, str] | None) -> TrustScope:
    """Probe the trust with service accounts no manifest names: one in a namespace of its own, one beside
    ``near`` (a service account that uses the role)."""
    if not oidc_issuers(trust):
        return TrustScope("none")
    anywhere = admits(trust, role_arn, _PROBE_NAMESPACE, _PROBE_NAME, account_id)
    if anywhere.allowed is None:
        return TrustScope("unknown", anywhere.why)
    if anywhere.allowed:
        return TrustScope("cluster")
    if near is not None:
        beside = admits(trust, role_arn, near[0], _PROBE_NAME, account_id)
        if beside.allowed is None:
            return TrustScope("unknown", beside.why)
        if beside.allowed:
            return TrustScope("namespace")
    return TrustScope("one")
