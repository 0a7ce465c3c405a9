"""Kubernetes RBAC: cluster-admin and all-users bindings, wildcard rules, who can read secrets, exec into or
create pods, bind/escalate/impersonate, and the escalation paths between subjects (:mod:`ringfence.kubernetes.rbac`).

https://kubernetes.io/docs/concepts/security/rbac-good-practices/
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from ringfence.checks.base import Check, Meta, Result, Severity, failed, passed, unknown
from ringfence.checks.context import Context
from ringfence.kubernetes.rbac import RBAC_GROUP, READ, Rbac, Rule, Subject, binding_problem
from ringfence.kubernetes.workloads import position
from ringfence.model import K8S, Resource

_ROLES = (K8S + "Role", K8S + "ClusterRole")
_BINDINGS = (K8S + "RoleBinding", K8S + "ClusterRoleBinding")
_MASTERS = Subject("Group", "system:masters")
_ALL_USERS = frozenset(
    {
        Subject("Group", "system:authenticated"),
        Subject("Group", "system:unauthenticated"),
        Subject("User", "system:anonymous"),
    }
)


def _default(resource: Resource) -> bool:
    """The cluster's own bootstrap objects (``system:*``), as a dump of a live cluster holds them."""
    return resource.name.startswith("system:")


def _role_ref(binding: Resource) -> tuple[str, str]:
    ref = binding.get("roleRef")
    return (str(ref.get("kind")), str(ref.get("name"))) if isinstance(ref, dict) else ("", "")


def _binding_snippet(role: str, subject: str) -> str:
    return (
        'resource "kubernetes_role_binding_v1" "app" {\n  metadata {\n    name      = "app"\n    namespace = "shop"\n  }\n'
        f'  role_ref {{\n    api_group = "rbac.authorization.k8s.io"\n    kind      = "Role"\n    name      = "{role}"\n  }}\n'
        f'  subject {{\n    kind      = "ServiceAccount"\n    name      = "{subject}"\n    namespace = "shop"\n  }}\n}}'
    )


_ROLE_SNIPPET = (
    'resource "kubernetes_role_v1" "reader" {\n  metadata {\n    name      = "config-reader"\n    namespace = "shop"\n  }\n'
    '  rule {\n    api_groups     = [""]\n    resources      = ["configmaps"]\n    resource_names = ["app-settings"]\n'
    '    verbs          = ["get"]\n  }\n}'
)


def _cluster_admin(binding: Resource, ctx: Context) -> Iterable[Result]:
    problem = binding_problem(binding)
    if problem is not None:
        yield passed(binding, "the API server refuses this binding: it grants nothing")
        return
    subjects = Rbac.subjects_of(binding)
    kind, name = _role_ref(binding)
    masters = _MASTERS in subjects
    if (
        binding.kind == K8S + "ClusterRoleBinding"
        and binding.name == "cluster-admin"
        and set(subjects) <= {_MASTERS}
    ):
        yield passed(binding, "the cluster's bootstrap binding of cluster-admin to system:masters")
        return
    shown = ", ".join(str(s) for s in subjects) or "no subject"
    if kind == "ClusterRole" and name == "cluster-admin":
        yield failed(
            binding,
            f"binds cluster-admin (every verb on every resource) to {shown}",
            at=position(binding, binding.get("roleRef"), "name"),
        )
    elif masters:
        yield failed(binding, "binds a role to group system:masters, whose members bypass RBAC altogether")
    else:
        yield passed(binding)


NO_CLUSTER_ADMIN_BINDING = Check(
    Meta(
        rule_id="k8s.rbac-no-cluster-admin-binding",
        title="Kubernetes bindings grant neither cluster-admin nor system:masters",
        pillar="identity",
        severity=Severity.CRITICAL,
        rationale="cluster-admin is every verb on every resource: a subject holding it reads every secret and runs "
        "privileged pods on every node. Members of system:masters skip authorization entirely; no binding or "
        "webhook can restrict them.",
        remediation="Bind a role with the verbs and resources the subject needs, in its namespace (RoleBinding).",
        terraform=_binding_snippet("deployer", "deployer"),
    ),
    kinds=_BINDINGS,
    per_resource=_cluster_admin,
)


def _all_users(binding: Resource, ctx: Context) -> Iterable[Result]:
    if binding_problem(binding) is not None:
        yield passed(binding, "the API server refuses this binding: it grants nothing")
        return
    if _default(binding):
        yield passed(binding, "a bootstrap binding of the cluster")
        return
    every = sorted(str(s) for s in Rbac.subjects_of(binding) if s in _ALL_USERS)
    if every:
        _, role = _role_ref(binding)
        yield failed(
            binding, f"binds {role} to {', '.join(every)}: everyone who reaches the API server holds it"
        )
    else:
        yield passed(binding)


NO_ALL_USERS_BINDING = Check(
    Meta(
        rule_id="k8s.rbac-no-binding-to-all-users",
        title="Kubernetes bindings name no anonymous or all-users subject",
        pillar="identity",
        severity=Severity.CRITICAL,
        rationale="system:authenticated holds every identity the cluster accepts (on EKS, any IAM principal "
        "mapped to it), system:unauthenticated and system:anonymous every request without one: a role bound "
        "to them is granted to the world that reaches the API server.",
        remediation="Bind the role to the users, groups or service accounts that need it.",
        terraform=_binding_snippet("reader", "reporting"),
    ),
    kinds=_BINDINGS,
    per_resource=_all_users,
)


def _per_rule(
    judge: Callable[[Rule], str | None], *, exempt: Callable[[Resource], bool] = _default
) -> Callable[[Resource, Context], Iterable[Result]]:
    """A check of each rule of a Role or ClusterRole: a failure per rule ``judge`` objects to, naming who is
    bound to the role."""

    def check(role: Resource, ctx: Context) -> Iterable[Result]:
        if exempt(role):
            yield passed(role, "a default role of the cluster")
            return
        rbac: Rbac = ctx.rbac
        found = False
        rules = role.get("rules")
        for index, rule in enumerate(rbac.rules_of(role)):
            problem = judge(rule)
            if problem is None:
                continue
            found = True
            bound = sorted({str(s) for s, _ in rbac.bound(role)})
            who = f"; bound to {', '.join(bound)}" if bound else "; bound to no subject in the manifests"
            yield failed(
                role,
                f"{problem} ({rule.describe()}){who}",
                detail=f"rule {index}: {rule.describe()}",
                at=position(role, rules, index) if isinstance(rules, list) and index < len(rules) else None,
            )
        if not found:
            yield passed(role)

    return check


def _wildcard(rule: Rule) -> str | None:
    wild = rule.wildcard
    return f"a wildcard in {' and '.join(wild)}" if wild else None


def _cluster_admin_role(role: Resource) -> bool:
    return _default(role) or (
        role.kind == K8S + "ClusterRole" and role.name in ("cluster-admin", "admin", "edit")
    )


NO_WILDCARDS = Check(
    Meta(
        rule_id="k8s.rbac-no-wildcard-rules",
        title="Kubernetes roles name their verbs and resources without wildcards",
        pillar="identity",
        severity=Severity.HIGH,
        rationale="A wildcard verb grants escalate, bind and impersonate as well as delete; a wildcard resource "
        "grants secrets and every resource type added to the cluster later (CRDs included).",
        remediation="List the verbs and resources the subject needs.",
        terraform=_ROLE_SNIPPET,
        peers=("CKV_K8S_49",),
    ),
    kinds=_ROLES,
    per_resource=_per_rule(_wildcard, exempt=_cluster_admin_role),
)


def _secrets(rule: Rule) -> str | None:
    if rule.wildcard or rule.names:
        return None  # a wildcard is k8s.rbac-no-wildcard-rules'; named secrets are a deliberate grant
    verbs = [v for v in READ if rule.allows(v, "", "secrets")]
    return f"can {'/'.join(verbs)} every secret" if verbs else None


SECRETS_READ = Check(
    Meta(
        rule_id="k8s.rbac-secrets-read-restricted",
        title="Kubernetes roles read only the secrets they name",
        pillar="identity",
        severity=Severity.HIGH,
        rationale="get, list or watch on secrets returns their values: every service account token, registry "
        "credential and password of the namespace (of the cluster, for a ClusterRole bound cluster-wide). "
        "list and watch return them all at once.",
        remediation="Name the secrets the subject needs in resourceNames with verb get, or mount them instead.",
        terraform=_ROLE_SNIPPET,
    ),
    kinds=_ROLES,
    per_resource=_per_rule(_secrets, exempt=_cluster_admin_role),
)

_POD_ACCESS = (("create", "pods"), ("create", "pods/exec"), ("get", "pods/exec"), ("create", "pods/attach"))


def _pods(rule: Rule) -> str | None:
    if rule.wildcard:
        return None
    granted = [f"{verb} {resource}" for verb, resource in _POD_ACCESS if rule.allows(verb, "", resource)]
    return f"can {', '.join(granted)}" if granted else None


POD_EXEC = Check(
    Meta(
        rule_id="k8s.rbac-pod-create-and-exec-restricted",
        title="Kubernetes roles grant neither pod creation nor exec into pods",
        pillar="identity",
        severity=Severity.MEDIUM,
        rationale="Creating a pod runs code as any service account of the namespace and mounts any of its "
        "secrets; exec and attach run commands in a running pod with its identity and files.",
        remediation="Leave pod creation to controllers (deploy through a pipeline) and exec to break-glass "
        "roles bound for the incident.",
        terraform=_ROLE_SNIPPET,
    ),
    kinds=_ROLES,
    per_resource=_per_rule(_pods, exempt=_cluster_admin_role),
)

_ESCALATING = (
    ("bind", RBAC_GROUP, "roles"),
    ("bind", RBAC_GROUP, "clusterroles"),
    ("escalate", RBAC_GROUP, "roles"),
    ("escalate", RBAC_GROUP, "clusterroles"),
    ("impersonate", "", "users"),
    ("impersonate", "", "groups"),
    ("impersonate", "", "serviceaccounts"),
)


def _escalating(rule: Rule) -> str | None:
    if rule.wildcard:
        return None
    granted = sorted(
        {f"{verb} {resource}" for verb, group, resource in _ESCALATING if rule.allows(verb, group, resource)}
    )
    return f"can {', '.join(granted)}" if granted else None


NO_ESCALATING_VERBS = Check(
    Meta(
        rule_id="k8s.rbac-no-bind-escalate-impersonate",
        title="Kubernetes roles grant no bind, escalate or impersonate",
        pillar="identity",
        severity=Severity.HIGH,
        rationale="bind and escalate let a subject grant itself any role, past the API server's check that one "
        "cannot grant what one does not hold; impersonate lets it act as another user, group or service account.",
        remediation="Remove the verbs; where a controller needs bind, limit it with resourceNames to the roles it "
        "may bind.",
        terraform=_ROLE_SNIPPET,
    ),
    kinds=_ROLES,
    per_resource=_per_rule(_escalating, exempt=_cluster_admin_role),
)


def _escalations(ctx: Context) -> Iterable[Result]:
    from ringfence.kubernetes.identity import workload_roles

    rbac: Rbac = ctx.rbac
    found = rbac.escalations(workload_roles(ctx.estate))
    for escalation in found:
        subject = escalation.subject
        at_risk = ctx.estate.get(str(subject)) if subject.kind == "ServiceAccount" else None
        yield failed(
            at_risk or escalation.first,
            f"{subject} can gain {', '.join(escalation.powers)} of {escalation.reaches}: {escalation.path()}",
            detail=f"{subject}->{escalation.reaches}",
            location=escalation.first,
        )
    for text in dict.fromkeys(rbac.undecided):
        address = text.split(":", 1)[0]
        binding = ctx.estate.get(address)
        if binding is not None:
            yield unknown(binding, text)


NO_ESCALATION_PATHS = Check(
    Meta(
        rule_id="k8s.rbac-no-escalation-paths",
        title="No Kubernetes subject can reach rights beyond its own through pods, bindings or impersonation",
        pillar="identity",
        severity=Severity.HIGH,
        rationale="Who can create a pod or workload in a namespace can run it as any service account there and "
        "take that account's rights (its RBAC, its IAM role); bind/escalate reach any role; impersonate reaches "
        "the impersonated. A narrow role is then as wide as everything one or more such steps reach.",
        remediation="Keep powerful service accounts in namespaces where no one else creates workloads, and drop "
        "the create/patch, bind, escalate or impersonate grant on the path.",
        terraform=_binding_snippet("deployer", "deployer"),
    ),
    kinds=(),
    per_estate=_escalations,
)

CHECKS = (
    NO_CLUSTER_ADMIN_BINDING,
    NO_ALL_USERS_BINDING,
    NO_WILDCARDS,
    SECRETS_READ,
    POD_EXEC,
    NO_ESCALATING_VERBS,
    NO_ESCALATION_PATHS,
)
