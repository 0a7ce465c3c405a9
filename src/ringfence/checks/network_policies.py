"""Kubernetes NetworkPolicy coverage: every namespace that runs workloads denies ingress by default, and every
workload's pods are selected by some policy (:mod:`ringfence.kubernetes.policies`)."""

from __future__ import annotations

from collections.abc import Iterable

from ringfence.checks.base import Check, Meta, Result, Severity, failed, passed
from ringfence.checks.context import Context
from ringfence.kubernetes.policies import NetworkPolicies
from ringfence.kubernetes.workloads import WORKLOAD_KINDS
from ringfence.model import K8S, Resource

_POLICY_SNIPPET = (
    'resource "kubernetes_network_policy_v1" "default_deny" {\n  metadata {\n    name      = "default-deny-ingress"\n'
    '    namespace = "shop"\n  }\n  spec {\n    pod_selector {}\n    policy_types = ["Ingress"]\n  }\n}'
)


def _default_deny(ctx: Context) -> Iterable[Result]:
    policies: NetworkPolicies = ctx.network_policies
    for namespace, workloads in sorted(policies.namespaces_with_workloads().items()):
        holder: Resource = ctx.estate.get(f"Namespace/{namespace}") or workloads[0]
        deny = [p for p in policies.policies if p.namespace == namespace and p.denies_all_ingress]
        if deny:
            yield passed(holder, f"{deny[0].resource.address} denies ingress by default", detail=namespace)
        else:
            yield failed(
                holder,
                f"namespace {namespace} runs {len(workloads)} workload(s) and has no default-deny ingress "
                "NetworkPolicy (podSelector {} with policyTypes [Ingress] and no rule): a pod no policy "
                "selects accepts traffic from every pod of the cluster",
                detail=namespace,
            )


NAMESPACE_DEFAULT_DENY = Check(
    Meta(
        rule_id="k8s.namespace-default-deny-ingress",
        title="Kubernetes namespaces with workloads deny ingress by default",
        pillar="network",
        severity=Severity.MEDIUM,
        rationale="Pods accept every connection until a NetworkPolicy selects them: without a default deny, a "
        "new workload (or one whose labels drift from its policy's selector) is open to every pod of the "
        "cluster, so one compromised pod reaches it.",
        remediation="Add a NetworkPolicy with podSelector: {} and policyTypes: [Ingress] and no ingress rule to "
        "each namespace, then allow the flows each workload needs.",
        terraform=_POLICY_SNIPPET,
        references=(
            "https://kubernetes.io/docs/concepts/services-networking/network-policies/#default-deny-all-ingress-traffic",
        ),
    ),
    kinds=(),
    per_estate=_default_deny,
)


def _selected(workload: Resource, ctx: Context) -> Iterable[Result]:
    if workload.kind == K8S + "PodTemplate":
        yield passed(workload)
        return
    policies: NetworkPolicies = ctx.network_policies
    isolating = policies.selecting(workload, "ingress")
    if isolating:
        yield passed(workload, f"ingress is limited by {', '.join(p.resource.address for p in isolating)}")
    else:
        yield failed(
            workload,
            "no NetworkPolicy selects its pods for ingress: they are reachable from every pod of the cluster",
        )


POD_SELECTED = Check(
    Meta(
        rule_id="k8s.pod-selected-by-network-policy",
        title="Kubernetes workloads' pods are selected by an ingress NetworkPolicy",
        pillar="network",
        severity=Severity.MEDIUM,
        rationale="A pod no NetworkPolicy selects for ingress takes connections from every pod of every "
        "namespace: the flat network lets an attacker in any pod reach it.",
        remediation="Select the pods with a NetworkPolicy (a namespace default deny selects them all) and allow "
        "only the sources and ports they serve.",
        terraform=_POLICY_SNIPPET,
    ),
    kinds=WORKLOAD_KINDS,
    per_resource=_selected,
)

CHECKS = (NAMESPACE_DEFAULT_DENY, POD_SELECTED)
