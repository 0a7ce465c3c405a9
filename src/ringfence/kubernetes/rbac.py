"""Kubernetes RBAC: who (user, group, service account) may do what, where, and through which binding;
and the escalation graph over it.

Semantics (https://kubernetes.io/docs/reference/access-authn-authz/rbac/):

- a Role's rules apply in its namespace; a ClusterRole's apply cluster-wide through a ClusterRoleBinding and
  in one namespace through a RoleBinding;
- a rule allows a request when its verbs, apiGroups and resources (``pods/exec`` for a subresource, ``*``,
  ``*/scale``) match, and its resourceNames (when given) name the object;
- an aggregated ClusterRole (``aggregationRule.clusterRoleSelectors``) holds the rules of every ClusterRole
  whose labels match a selector;
- a binding whose ``roleRef`` lacks ``apiGroup`` is refused by the API server: it grants nothing (the
  source reports it as an input error);
- service accounts are in the groups ``system:serviceaccounts`` and ``system:serviceaccounts:<ns>``; every
  authenticated subject is in ``system:authenticated``; ``system:masters`` bypasses RBAC altogether.

The escalation graph (https://kubernetes.io/docs/concepts/security/rbac-good-practices/): a subject that can
create pods or workloads in a namespace can run them as any service account of that namespace, so it gets
their rights; ``bind``/``escalate`` on roles gets any role; ``impersonate`` gets the impersonated subject.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from ringfence.kubernetes.workloads import namespace_of, selects
from ringfence.model import K8S, Estate, Resource

__all__ = [
    "RBAC_GROUP",
    "WORKLOAD_RESOURCES",
    "Escalation",
    "Grant",
    "Rbac",
    "Rule",
    "Subject",
    "binding_problem",
]

RBAC_GROUP = "rbac.authorization.k8s.io"
_ROLE, _CLUSTER_ROLE = K8S + "Role", K8S + "ClusterRole"
_BINDING, _CLUSTER_BINDING = K8S + "RoleBinding", K8S + "ClusterRoleBinding"

READ = ("get", "list", "watch")
# Resources whose create (or patch/update of the template) runs a pod of the writer's choosing, by API group.
WORKLOAD_RESOURCES: tuple[tuple[str, str], ...] = (
    ("", "pods"),
    ("apps", "deployments"),
    ("apps", "daemonsets"),
    ("apps", "statefulsets"),
    ("apps", "replicasets"),
    ("batch", "jobs"),
    ("batch", "cronjobs"),
    ("", "replicationcontrollers"),
)
WRITE = ("create", "patch", "update")


@dataclass(frozen=True, slots=True)
class Subject:
    """``User/alice``, ``Group/system:masters``, ``ServiceAccount/shop/web`` (the service account's address)."""

    kind: str
    name: str
    namespace: str | None = None

    def __str__(self) -> str:
        return f"{self.kind}/{self.namespace}/{self.name}" if self.namespace else f"{self.kind}/{self.name}"

    @property
    def groups(self) -> tuple[Subject, ...]:
        """The groups the API server puts this subject in."""
        if self.kind == "Group":
            return ()
        if self.kind == "User" and self.name == "system:anonymous":
            return (Subject("Group", "system:unauthenticated"),)
        out = [Subject("Group", "system:authenticated")]
        if self.kind == "ServiceAccount":
            out += [
                Subject("Group", "system:serviceaccounts"),
                Subject("Group", f"system:serviceaccounts:{self.namespace}"),
            ]
        return tuple(out)


@dataclass(frozen=True, slots=True)
class Rule:
    verbs: tuple[str, ...]
    groups: tuple[str, ...]
    resources: tuple[str, ...]
    names: tuple[str, ...] = ()
    urls: tuple[str, ...] = ()
    line: int | None = None

    def allows(self, verb: str, group: str, resource: str) -> bool:
        if not (verb in self.verbs or "*" in self.verbs):
            return False
        if not (group in self.groups or "*" in self.groups):
            return False
        if resource in self.resources or "*" in self.resources:
            return True
        _, slash, sub = resource.partition("/")
        return bool(slash) and f"*/{sub}" in self.resources

    @property
    def wildcard(self) -> tuple[str, ...]:
        """What of the rule is a wildcard: ``verbs``, ``resources``."""
        return tuple(
            what for what, values in (("verbs", self.verbs), ("resources", self.resources)) if "*" in values
        )

    def describe(self) -> str:
        groups = ",".join(g or '""' for g in self.groups)
        names = f" named {','.join(self.names)}" if self.names else ""
        return f"{','.join(self.verbs)} on {groups}/{','.join(self.resources)}{names}"


# The default ClusterRoles of every cluster (kube-apiserver's bootstrap policy), for bindings that name them
# without the estate holding them. Reduced to what the analyses ask: secrets, pods, workloads, RBAC.
def _builtin() -> Mapping[str, tuple[Rule, ...]]:
    everything = (Rule(("*",), ("*",), ("*",)), Rule(("*",), (), (), urls=("*",)))
    workloads = tuple(
        Rule(("create", "delete", "deletecollection", "patch", "update", *READ), (g,), (r,))
        for g, r in WORKLOAD_RESOURCES
    )
    edit = (
        *workloads,
        Rule(
            ("create", "delete", "deletecollection", "patch", "update", *READ),
            ("",),
            ("secrets", "configmaps"),
        ),
        Rule(("create",), ("",), ("pods/exec", "pods/attach", "pods/portforward")),
        Rule(("impersonate",), ("",), ("serviceaccounts",)),
    )
    admin = (
        *edit,
        Rule(("create", "delete", "patch", "update", *READ), (RBAC_GROUP,), ("roles", "rolebindings")),
    )
    view = tuple(Rule(READ, (g,), (r,)) for g, r in WORKLOAD_RESOURCES)
    return {"cluster-admin": everything, "admin": admin, "edit": edit, "view": view}


BUILTIN_CLUSTER_ROLES = _builtin()


@dataclass(frozen=True, slots=True)
class Grant:
    """``subject`` holds ``rule`` in ``namespace`` (None: cluster-wide) through ``binding`` to ``role``."""

    subject: Subject
    namespace: str | None
    rule: Rule
    role: str  # the role's address, or ClusterRole/<name> for a default role the estate does not hold
    binding: Resource

    def where(self) -> str:
        return f"in namespace {self.namespace}" if self.namespace else "cluster-wide"

    def via(self) -> str:
        return f"{self.role} via {self.binding.address}"


def binding_problem(binding: Resource) -> tuple[str, Any, str] | None:
    """Why the API server refuses a binding's roleRef: (message, the mapping holding it, key), or None."""
    ref = binding.get("roleRef")
    if not isinstance(ref, Mapping):
        return f"{binding.address}: no roleRef", binding.attributes, "kind"
    if ref.get("apiGroup") != RBAC_GROUP:
        shown = "lacks apiGroup" if "apiGroup" not in ref else f"has apiGroup {ref.get('apiGroup')!r}"
        return (
            f"{binding.address}: roleRef {shown} (must be {RBAC_GROUP}): the API server refuses the binding, "
            "it grants nothing",
            ref if "apiGroup" in ref else binding.attributes,
            "apiGroup" if "apiGroup" in ref else "roleRef",
        )
    kind, name = ref.get("kind"), ref.get("name")
    if kind not in ("Role", "ClusterRole") or not isinstance(name, str) or not name:
        return f"{binding.address}: roleRef names no Role or ClusterRole", ref, "kind"
    if binding.kind == _CLUSTER_BINDING and kind == "Role":
        return f"{binding.address}: a ClusterRoleBinding cannot refer to a Role", ref, "kind"
    return None


def _strings(value: Any) -> tuple[str, ...]:
    return tuple(str(v) for v in value) if isinstance(value, list) else ()


def _rules(role: Resource) -> tuple[Rule, ...]:
    rules = role.get("rules")
    out: list[Rule] = []
    lines = getattr(rules, "item_lines", None)
    for index, item in enumerate(rules if isinstance(rules, list) else []):
        if not isinstance(item, Mapping):
            continue
        out.append(
            Rule(
                tuple(v.lower() if v != "*" else v for v in _strings(item.get("verbs"))),
                _strings(item.get("apiGroups")),
                _strings(item.get("resources")),
                _strings(item.get("resourceNames")),
                _strings(item.get("nonResourceURLs")),
                lines[index] if isinstance(lines, list) and index < len(lines) else None,
            )
        )
    return tuple(out)


def _labels_match(selector: Any, labels: Mapping[str, str]) -> bool:
    """An aggregation selector selects a ClusterRole; an empty one selects none (it would take every role)."""
    return isinstance(selector, Mapping) and bool(selector) and selects(selector, labels)


@dataclass(frozen=True, slots=True)
class Escalation:
    """``subject`` reaches the rights of ``reaches`` through ``steps`` (each: from, to, how)."""

    subject: Subject
    reaches: str
    powers: tuple[str, ...]
    steps: tuple[tuple[str, str, str], ...]
    first: Resource  # the binding of the first step

    def path(self) -> str:
        return " -> ".join([self.steps[0][0], *(f"[{how}] {to}" for _, to, how in self.steps)])


@dataclass
class Rbac:
    """The RBAC of an estate: every grant, by subject."""

    estate: Estate
    undecided: list[str] = field(default_factory=list)

    @cached_property
    def roles(self) -> Mapping[tuple[str | None, str], Resource]:
        """(namespace or None for ClusterRoles, name) -> the role."""
        out: dict[tuple[str | None, str], Resource] = {}
        for r in self.estate.of_kind(_ROLE):
            out[(namespace_of(r), r.name)] = r
        for r in self.estate.of_kind(_CLUSTER_ROLE):
            out[(None, r.name)] = r
        return out

    def rules_of(self, role: Resource) -> tuple[Rule, ...]:
        return self._rules.get(role.address, ())

    @cached_property
    def _rules(self) -> Mapping[str, tuple[Rule, ...]]:
        out = {r.address: _rules(r) for r in self.roles.values()}
        clusters = self.estate.of_kind(_CLUSTER_ROLE)
        for role in clusters:
            aggregation = role.get("aggregationRule")
            selectors = aggregation.get("clusterRoleSelectors") if isinstance(aggregation, Mapping) else None
            if not isinstance(selectors, list):
                continue
            members = [
                c for c in clusters if c is not role and any(_labels_match(s, c.tags) for s in selectors)
            ]
            out[role.address] = (*out[role.address], *(rule for c in members for rule in _rules(c)))
        return out

    @cached_property
    def grants(self) -> tuple[Grant, ...]:
        out: list[Grant] = []
        for binding in self.estate.of_kind(_BINDING, _CLUSTER_BINDING):
            if binding_problem(binding) is not None:
                continue  # refused by the API server: grants nothing
            ref = binding.get("roleRef")
            assert isinstance(ref, Mapping)
            namespace = namespace_of(binding) if binding.kind == _BINDING else None
            key = (namespace if ref.get("kind") == "Role" else None, str(ref.get("name")))
            role = self.roles.get(key)
            if role is not None:
                rules, role_address = self.rules_of(role), role.address
            elif key[0] is None and key[1] in BUILTIN_CLUSTER_ROLES:
                rules, role_address = BUILTIN_CLUSTER_ROLES[key[1]], f"ClusterRole/{key[1]}"
            else:
                self.undecided.append(
                    f"{binding.address}: {ref.get('kind')} {key[1]} is not in the manifests: what it grants is not known"
                )
                continue
            for subject in self.subjects_of(binding):
                out += [Grant(subject, namespace, rule, role_address, binding) for rule in rules]
        return tuple(out)

    @staticmethod
    def subjects_of(binding: Resource) -> tuple[Subject, ...]:
        subjects = binding.get("subjects")
        out: list[Subject] = []
        for item in subjects if isinstance(subjects, list) else []:
            if not isinstance(item, Mapping) or not isinstance(item.get("name"), str):
                continue
            kind = str(item.get("kind"))
            if kind == "ServiceAccount":
                ns = item.get("namespace")
                out.append(
                    Subject(
                        kind,
                        item["name"],
                        ns if isinstance(ns, str) and ns else namespace_of(binding) or "default",
                    )
                )
            elif kind in ("User", "Group"):
                out.append(Subject(kind, item["name"]))
        return tuple(out)

    @cached_property
    def _by_subject(self) -> Mapping[Subject, tuple[Grant, ...]]:
        index: dict[Subject, list[Grant]] = defaultdict(list)
        for grant in self.grants:
            index[grant.subject].append(grant)
        return {k: tuple(v) for k, v in index.items()}

    def bound(self, role: Resource) -> tuple[tuple[Subject, Resource], ...]:
        """The subjects bound to ``role``, with the binding."""
        pairs = {(g.subject, g.binding.address): g.binding for g in self.grants if g.role == role.address}
        return tuple((s, b) for (s, _), b in sorted(pairs.items(), key=lambda kv: (str(kv[0][0]), kv[0][1])))

    def grants_of(self, subject: Subject) -> tuple[Grant, ...]:
        """The subject's grants, its groups' included."""
        own = self._by_subject.get(subject, ())
        return own + tuple(g for group in subject.groups for g in self._by_subject.get(group, ()))

    def allowing(
        self, subject: Subject, verbs: Sequence[str], group: str, resource: str, namespace: str | None = None
    ) -> tuple[Grant, ...]:
        """The grants that let ``subject`` do one of ``verbs`` on ``resource`` (in ``namespace``; None: in
        every namespace, so only cluster-wide grants count)."""
        return tuple(
            g
            for g in self.grants_of(subject)
            if (g.namespace is None or g.namespace == namespace)
            and any(g.rule.allows(v, group, resource) for v in verbs)
        )

    def subjects(self) -> tuple[Subject, ...]:
        """Every subject a binding names, and every service account of the estate."""
        found = {g.subject for g in self.grants}
        found |= {
            Subject("ServiceAccount", r.name, namespace_of(r))
            for r in self.estate.of_kind(K8S + "ServiceAccount")
        }
        return tuple(sorted(found, key=str))

    def service_accounts_in(self, namespace: str | None) -> tuple[Subject, ...]:
        """The service accounts of ``namespace`` (every namespace for None), ``default`` included."""
        found = {
            Subject("ServiceAccount", r.name, namespace_of(r))
            for r in self.estate.of_kind(K8S + "ServiceAccount")
            if namespace is None or namespace_of(r) == namespace
        }
        namespaces = {namespace} if namespace else {s.namespace for s in found} | self.namespaces()
        found |= {Subject("ServiceAccount", "default", ns) for ns in namespaces if ns}
        return tuple(sorted(found, key=str))

    def namespaces(self) -> set[str]:
        out = {r.name for r in self.estate.of_kind(K8S + "Namespace")}
        for r in self.estate.resources:
            if r.kind.startswith(K8S) and (ns := namespace_of(r)):
                out.add(ns)
        return out

    # -- powers and the escalation graph ----------------------------------------------------------------------
    def powers(self, subject: Subject, workload_identity: Mapping[str, str] | None = None) -> tuple[str, ...]:
        """What makes a subject worth reaching: full control, reading secrets, an IAM role."""
        out: list[str] = []
        if subject == Subject("Group", "system:masters"):
            out.append("cluster-admin (system:masters bypasses RBAC)")
        for grant in self.grants_of(subject):
            rule = grant.rule
            if rule.allows("*", "*", "*") and not rule.names:
                out.append(f"every verb on every resource {grant.where()}")
            elif any(rule.allows(v, "", "secrets") for v in READ) and not rule.names:
                out.append(f"read secrets {grant.where()}")
        if workload_identity and str(subject) in workload_identity:
            out.append(f"IAM role {workload_identity[str(subject)]}")
        return tuple(dict.fromkeys(out))

    def edges(self, subject: Subject) -> Iterator[tuple[Subject | str, str, Resource]]:
        """(what ``subject`` can become, how, the binding that lets it)."""
        grants = self.grants_of(subject)
        for grant in grants:
            rule = grant.rule
            for group, resource in WORKLOAD_RESOURCES:
                if any(rule.allows(v, group, resource) for v in ("create",)) or (
                    resource != "pods" and any(rule.allows(v, group, resource) for v in ("patch", "update"))
                ):
                    for account in self.service_accounts_in(grant.namespace):
                        if account != subject:
                            verb = "create" if rule.allows("create", group, resource) else "patch"
                            yield account, f"{verb} {resource} {grant.where()} ({grant.via()})", grant.binding
                    break
            if any(
                rule.allows(v, RBAC_GROUP, r) for v in ("bind", "escalate") for r in ("roles", "clusterroles")
            ):
                yield (
                    "ClusterRole/cluster-admin",
                    f"bind/escalate roles {grant.where()} ({grant.via()})",
                    grant.binding,
                )
            for kind, resource in (
                ("User", "users"),
                ("Group", "groups"),
                ("ServiceAccount", "serviceaccounts"),
            ):
                if not rule.allows("impersonate", "", resource):
                    continue
                targets: Iterable[Subject]
                if kind == "ServiceAccount":
                    targets = [
                        s
                        for s in self.service_accounts_in(grant.namespace)
                        if not rule.names or s.name in rule.names
                    ]
                else:
                    targets = [
                        s
                        for s in self.subjects()
                        if s.kind == kind and (not rule.names or s.name in rule.names)
                    ]
                    if not rule.names and kind == "Group":
                        targets = [*targets, Subject("Group", "system:masters")]
                for target in targets:
                    if target != subject:
                        yield target, f"impersonate {resource} {grant.where()} ({grant.via()})", grant.binding

    def escalations(self, workload_identity: Mapping[str, str] | None = None) -> tuple[Escalation, ...]:
        """For each subject, every subject (or role) it can reach in one or more steps whose powers it does not
        hold itself, with the shortest path."""
        import networkx as nx

        graph = nx.DiGraph()
        how: dict[tuple[str, str], tuple[str, Resource]] = {}
        queue = list(self.subjects())
        seen: set[Subject] = set()
        while queue:
            subject = queue.pop()
            if subject in seen:
                continue
            seen.add(subject)
            graph.add_node(str(subject))
            for target, text, binding in self.edges(subject):
                name = str(target)
                if (str(subject), name) not in how:
                    how[(str(subject), name)] = (text, binding)
                    graph.add_edge(str(subject), name)
                if isinstance(target, Subject) and target not in seen:
                    queue.append(target)
        powers = {str(s): self.powers(s, workload_identity) for s in seen}
        for node in graph.nodes:
            if node.startswith("(any role"):
                powers[node] = (f"cluster-admin's rights {node.removeprefix('(any role ').rstrip(')')}",)
        out: list[Escalation] = []
        for subject in sorted(seen, key=str):
            start = str(subject)
            own = set(powers.get(start, ()))
            if any(p.startswith(("cluster-admin", "every verb on every resource cluster-wide")) for p in own):
                continue
            paths = nx.single_source_shortest_path(graph, start)
            for target in sorted(paths):
                gained = tuple(p for p in powers.get(target, ()) if p not in own)
                if target == start or not gained:
                    continue
                nodes = paths[target]
                steps = tuple((a, b, how[(a, b)][0]) for a, b in itertools.pairwise(nodes))
                out.append(Escalation(subject, target, gained, steps, how[(nodes[0], nodes[1])][1]))
        return tuple(out)
