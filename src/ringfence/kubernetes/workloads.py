"""Pod templates: where each workload kind keeps its pod, its containers, labels and service account.

https://kubernetes.io/docs/reference/kubernetes-api/workload-resources/pod-v1/
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from ringfence.model import K8S, Resource

__all__ = [
    "CONTAINER_FIELDS",
    "WORKLOAD_KINDS",
    "Container",
    "containers",
    "line_in",
    "namespace_of",
    "pod_labels",
    "pod_metadata",
    "pod_spec",
    "position",
    "selects",
    "service_account_of",
]

# The kinds that carry a pod template (or are a pod), and the path to the pod's spec in each.
_POD_PATHS: Mapping[str, tuple[str, ...]] = {
    "Pod": ("spec",),
    "Deployment": ("spec", "template", "spec"),
    "StatefulSet": ("spec", "template", "spec"),
    "DaemonSet": ("spec", "template", "spec"),
    "ReplicaSet": ("spec", "template", "spec"),
    "ReplicationController": ("spec", "template", "spec"),
    "Job": ("spec", "template", "spec"),
    "CronJob": ("spec", "jobTemplate", "spec", "template", "spec"),
    "PodTemplate": ("template", "spec"),
}
WORKLOAD_KINDS: tuple[str, ...] = tuple(K8S + k for k in _POD_PATHS)
CONTAINER_FIELDS = ("initContainers", "containers", "ephemeralContainers")


def line_in(holder: Any, key: Any = None) -> int | None:
    """The line of ``holder[key]`` (of ``holder`` when ``key`` is None) in the manifest: the source keeps
    the line of every key and item on the mappings and lists it builds (``key_lines``/``item_lines``)."""
    if key is None:
        return getattr(holder, "line", None)
    lines = getattr(holder, "key_lines", None)
    if isinstance(lines, Mapping) and key in lines:
        return int(lines[key])
    items = getattr(holder, "item_lines", None)
    if isinstance(items, list) and isinstance(key, int) and 0 <= key < len(items):
        return int(items[key])
    return getattr(holder, "line", None)


def _kind(resource: Resource) -> str:
    return resource.kind.removeprefix(K8S)


def _at(value: Any, path: tuple[str, ...]) -> Any:
    for key in path:
        if not isinstance(value, Mapping):
            return None
        value = value.get(key)
    return value


def pod_spec(resource: Resource) -> Mapping[str, Any] | None:
    """The pod spec of a workload (None when the manifest has none, or it is not a mapping)."""
    path = _POD_PATHS.get(_kind(resource))
    spec = _at(resource.attributes, path) if path else None
    return spec if isinstance(spec, Mapping) else None


def pod_metadata(resource: Resource) -> Mapping[str, Any]:
    """The metadata the pods get: the template's (the Pod's own for a Pod)."""
    path = _POD_PATHS.get(_kind(resource))
    if not path:
        return {}
    meta = _at(resource.attributes, (*path[:-1], "metadata")) if len(path) > 1 else resource.get("metadata")
    return meta if isinstance(meta, Mapping) else {}


def pod_labels(resource: Resource) -> Mapping[str, str]:
    labels = pod_metadata(resource).get("labels")
    if not isinstance(labels, Mapping):
        return {}
    return {str(k): str(v) for k, v in labels.items() if v is not None}


def namespace_of(resource: Resource) -> str | None:
    """The namespace of an object as its address says (``Kind/namespace/name``), None when cluster-scoped
    (``Kind/name``). Names may hold ``:`` but never ``/``; a prefixed address ends the same way."""
    kind, name = _kind(resource), resource.name
    head = resource.address[: -len(name) - 1] if resource.address.endswith("/" + name) else ""
    if head == kind or head.endswith(":" + kind):
        return None
    return head.rsplit("/", 1)[-1] if "/" in head else None


def selects(selector: Any, labels: Mapping[str, str]) -> bool:
    """Does a label selector (``matchLabels``, ``matchExpressions``) select ``labels``? An empty selector
    selects everything; a selector that is not a mapping selects nothing.
    https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#label-selectors"""
    if selector is None:
        return False
    if not isinstance(selector, Mapping):
        return False
    match = selector.get("matchLabels")
    if isinstance(match, Mapping) and any(labels.get(str(k)) != str(v) for k, v in match.items()):
        return False
    expressions = selector.get("matchExpressions")
    for expression in expressions if isinstance(expressions, list) else []:
        if not isinstance(expression, Mapping):
            return False
        key, op = str(expression.get("key")), expression.get("operator")
        values = (
            [str(v) for v in expression.get("values") or []]
            if isinstance(expression.get("values"), list)
            else []
        )
        if op == "In" and labels.get(key) not in values:
            return False
        if op == "NotIn" and labels.get(key) in values:
            return False
        if op == "Exists" and key not in labels:
            return False
        if op == "DoesNotExist" and key in labels:
            return False
        if op not in ("In", "NotIn", "Exists", "DoesNotExist"):
            return False
    return True


def service_account_of(resource: Resource) -> str:
    """The service account the pods run as: ``serviceAccountName`` (or the deprecated
    ``serviceAccount``), else ``default``."""
    spec = pod_spec(resource) or {}
    for key in ("serviceAccountName", "serviceAccount"):
        name = spec.get(key)
        if isinstance(name, str) and name:
            return name
    return "default"


def position(resource: Resource, holder: Any, key: Any = None) -> tuple[str, int] | None:
    """(file, line) of ``holder[key]`` in the resource's manifest, for a finding's finer location."""
    line = line_in(holder, key) if holder is not None else None
    path = resource.provenance.path
    return (path, line) if path is not None and line is not None else None


@dataclass(frozen=True, slots=True)
class Container:
    """One container of a pod template, with the pod's security context (the container's wins)."""

    field: str  # containers, initContainers or ephemeralContainers
    index: int
    value: Mapping[str, Any]
    pod: Mapping[str, Any]

    @property
    def name(self) -> str:
        name = self.value.get("name")
        return name if isinstance(name, str) else f"{self.field}[{self.index}]"

    @property
    def security(self) -> Mapping[str, Any]:
        found = self.value.get("securityContext")
        return found if isinstance(found, Mapping) else {}

    def effective(self, key: str) -> tuple[Any, Mapping[str, Any] | None]:
        """A setting both levels may hold (runAsUser, runAsNonRoot...): the container's, else the pod's;
        with the mapping that holds it (for its line), None when neither sets it."""
        if key in self.security:
            return self.security[key], self.security
        pod = self.pod.get("securityContext")
        if isinstance(pod, Mapping) and key in pod:
            return pod[key], pod
        return None, None

    def describe(self) -> str:
        what = {"initContainers": "init container ", "ephemeralContainers": "ephemeral container "}
        return f"{what.get(self.field, 'container ')}{self.name}"


def containers(spec: Mapping[str, Any]) -> Iterator[Container]:
    """Every container of a pod spec: init, regular and ephemeral."""
    for field in CONTAINER_FIELDS:
        items = spec.get(field)
        if not isinstance(items, list):
            continue
        for index, item in enumerate(items):
            if isinstance(item, Mapping):
                yield Container(field, index, item, spec)
