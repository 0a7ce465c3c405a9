"""Kubernetes service account tokens: pods whose service account holds strong RBAC rights do not mount its
token unless they use it (``automountServiceAccountToken``).

https://kubernetes.io/docs/tasks/configure-pod-container/configure-service-account/#opt-out-of-api-credential-automounting
"""

from __future__ import annotations

from collections.abc import Iterable

from ringfence.checks.base import Check, Meta, Result, Severity, failed, passed
from ringfence.checks.context import Context
from ringfence.kubernetes.rbac import Rbac, Subject
from ringfence.kubernetes.workloads import (
    WORKLOAD_KINDS,
    namespace_of,
    pod_spec,
    position,
    service_account_of,
)
from ringfence.model import Resource


def _token(workload: Resource, ctx: Context) -> Iterable[Result]:
    spec = pod_spec(workload)
    namespace = namespace_of(workload)
    if spec is None or namespace is None:
        yield passed(workload)
        return
    name = service_account_of(workload)
    rbac: Rbac = ctx.rbac
    powers = rbac.powers(Subject("ServiceAccount", name, namespace))
    if not powers:
        yield passed(workload)
        return
    mounted = spec.get("automountServiceAccountToken")
    holder = spec
    account = ctx.estate.get(f"ServiceAccount/{namespace}/{name}")
    if mounted is None and account is not None:
        mounted = account.get("automountServiceAccountToken")
        holder = account.attributes
    if mounted is False:
        yield passed(workload, "the service account token is not mounted")
        return
    yield failed(
        workload,
        f"its pods mount the token of ServiceAccount/{namespace}/{name}, which can {', '.join(powers)}: "
        "whoever runs code in one of them holds those rights (automountServiceAccountToken is not false)",
        at=position(workload, holder, "automountServiceAccountToken") if mounted is not None else None,
    )


POWERFUL_TOKEN_NOT_MOUNTED = Check(
    Meta(
        rule_id="k8s.powerful-service-account-token-not-mounted",
        title="Kubernetes pods mount no token of a service account with strong RBAC rights unless they opt in",
        pillar="workload",
        severity=Severity.MEDIUM,
        rationale="Every container of a pod can read its service account's token from the filesystem: a code "
        "execution or file read in any of them gives the account's rights over the API (reading secrets, "
        "full control) to the attacker.",
        remediation="Set automountServiceAccountToken: false on the service account, and true only on the pods "
        "that call the API; or give the account only the rights those pods need.",
        terraform='resource "kubernetes_service_account_v1" "web" {\n  metadata {\n    name      = "web"\n'
        '    namespace = "shop"\n  }\n  automount_service_account_token = false\n}',
    ),
    kinds=WORKLOAD_KINDS,
    per_resource=_token,
)

CHECKS = (POWERFUL_TOKEN_NOT_MOUNTED,)
