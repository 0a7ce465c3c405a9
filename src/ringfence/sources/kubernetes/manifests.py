"""Kubernetes manifests as objects: documents read with the shared bounded reader, `List` kinds expanded,
each object checked for what the API server requires before it is a resource of the estate."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ringfence.model import InputError
from ringfence.sources.yamldoc import Map, YamlError, line_of, read_file

__all__ = ["CLUSTER_SCOPED", "Manifest", "is_manifest_head", "read_manifests"]

# Kinds that live outside every namespace (`kubectl api-resources --namespaced=false` on a current
# cluster): their address is `Kind/name`. A custom resource is namespaced unless its kind is listed here.
CLUSTER_SCOPED = frozenset(
    {
        "APIService",
        "CSIDriver",
        "CSINode",
        "CertificateSigningRequest",
        "ClusterRole",
        "ClusterRoleBinding",
        "ComponentStatus",
        "CustomResourceDefinition",
        "FlowSchema",
        "IngressClass",
        "MutatingWebhookConfiguration",
        "Namespace",
        "Node",
        "PersistentVolume",
        "PodSecurityPolicy",
        "PriorityClass",
        "PriorityLevelConfiguration",
        "RuntimeClass",
        "SelfSubjectAccessReview",
        "SelfSubjectRulesReview",
        "StorageClass",
        "SubjectAccessReview",
        "TokenReview",
        "ValidatingAdmissionPolicy",
        "ValidatingAdmissionPolicyBinding",
        "ValidatingWebhookConfiguration",
        "VolumeAttachment",
        "VolumeSnapshotClass",
    }
)

# A manifest's first bytes: `apiVersion` and `kind` as keys of a mapping (YAML or JSON), at any indent (a
# List's items are indented).
_API_VERSION = re.compile(rb"""(?m)^[\s\-{,]*["']?apiVersion["']?\s*:""")
_KIND = re.compile(rb"""(?m)^[\s\-{,]*["']?kind["']?\s*:|["']kind["']\s*:""")
_METADATA = re.compile(rb"""(?m)^[\s\-{,]*["']?metadata["']?\s*:|["']metadata["']\s*:""")
_MAX_LIST_DEPTH = 8  # a List of Lists is legal; deeper nesting is not something a tool renders


def _is_template(file: Path) -> bool:
    try:
        with file.open("rb") as handle:
            return b"{{" in handle.read(1024 * 1024)
    except OSError:
        return False


def is_manifest_head(head: bytes) -> bool:
    """Do a file's first bytes look like a Kubernetes manifest: a key ``apiVersion``, or ``kind`` with
    ``metadata`` (a manifest that lost its apiVersion is an error to report, not a file to skip)?"""
    if _API_VERSION.search(head):
        return True
    return bool(_KIND.search(head)) and bool(_METADATA.search(head))


@dataclass(frozen=True, slots=True)
class Manifest:
    """One object of a file: its kind, namespace (None when cluster-scoped), name, value and lines."""

    kind: str
    api_version: str
    namespace: str | None
    name: str
    value: Map
    line: int
    end_line: int | None

    @property
    def address(self) -> str:
        return f"{self.kind}/{self.namespace}/{self.name}" if self.namespace else f"{self.kind}/{self.name}"


def read_manifests(file: Path, shown: str) -> tuple[tuple[Manifest, ...], tuple[InputError, ...]]:
    """The objects of ``file`` and an error for each that cannot be read (``shown`` is its path in them).
    A file that cannot be read at all (hostile input, invalid UTF-8) is one error at its line."""
    try:
        documents = read_file(file, as_json=file.suffix.lower() == ".json")
    except YamlError as exc:
        if _is_template(file):
            why = "a Helm or Go template (holds {{ }}), not a manifest: scan the output of `helm template`"
            return (), (InputError(shown, exc.line, f"not read: {why} ({exc.message})", undecided=True),)
        return (), (InputError(shown, exc.line, f"not read: {exc.message}"),)
    except OSError as exc:
        return (), (InputError(shown, None, f"cannot read: {exc.strerror}"),)
    manifests: list[Manifest] = []
    errors: list[InputError] = []
    starts = [d.line for d in documents]
    for index, document in enumerate(documents):
        if document.value is None:
            continue  # an empty document: a Helm template that rendered nothing
        end = starts[index + 1] - 1 if index + 1 < len(starts) else None
        for got in _objects(document.value, document.line, end, 0, None):
            if isinstance(got, Manifest):
                manifests.append(got)
            else:
                errors.append(InputError(shown, got[0], got[1]))
    return tuple(manifests), tuple(errors)


def _objects(
    value: Any, line: int, end: int | None, depth: int, implied: tuple[str, str] | None
) -> Iterator[Manifest | tuple[int | None, str]]:
    """The objects in one document (several for a List), or (line, message) for what is not one."""
    if not isinstance(value, Map):
        yield line, "not a Kubernetes object: a manifest is a mapping with apiVersion and kind"
        return
    kind = value.get("kind")
    api_version = value.get("apiVersion")
    if kind is None and implied is not None:
        kind = implied[0]
    if api_version is None and implied is not None:
        api_version = implied[1]
    if not isinstance(kind, str) or not kind:
        yield value.line, "not a Kubernetes object: no kind"
        return
    if not isinstance(api_version, str) or not api_version:
        yield line_of(value, "kind"), f"{kind}: no apiVersion"
        return
    if kind == "List" or (kind.endswith("List") and "items" in value and "metadata" not in value):
        yield from _items(value, kind, api_version, depth)
        return
    metadata = value.get("metadata")
    if not isinstance(metadata, Map):
        yield line_of(value, "kind"), f"{kind}: no metadata (metadata.name is required)"
        return
    name = metadata.get("name")
    if not isinstance(name, str) or not name:
        why = " (generateName leaves the name to the API server)" if "generateName" in metadata else ""
        yield line_of(value, "metadata"), f"{kind}: no metadata.name{why}"
        return
    namespace = metadata.get("namespace")
    if kind in CLUSTER_SCOPED:
        namespace = None
    elif namespace is None:
        namespace = "default"
    elif not isinstance(namespace, str) or not namespace:
        yield line_of(metadata, "namespace"), f"{kind}/{name}: metadata.namespace is not a name"
        return
    if "/" in name or (namespace is not None and "/" in namespace):
        yield line_of(metadata, "name"), f"{kind}: {name!r} is not a valid object name (no '/' allowed)"
        return
    manifest = Manifest(kind, api_version, namespace, name, value, value.line, end)
    refused = _refused(manifest)
    if refused is not None:
        yield refused
    yield manifest


_RBAC_GROUP = "rbac.authorization.k8s.io"


def _refused(manifest: Manifest) -> tuple[int | None, str] | None:
    """What the API server refuses in an object it would otherwise read: a binding's roleRef must name
    the RBAC API group (the object stays in the estate; the RBAC analysis gives it no grant)."""
    kind, value, address = manifest.kind, manifest.value, manifest.address
    if kind not in ("RoleBinding", "ClusterRoleBinding"):
        return None
    ref = value.get("roleRef")
    if not isinstance(ref, Map):
        return line_of(value, "kind"), f"{address}: no roleRef: the API server refuses it, it grants nothing"
    if ref.get("apiGroup") != _RBAC_GROUP:
        what = "lacks apiGroup" if "apiGroup" not in ref else f"has apiGroup {ref.get('apiGroup')!r}"
        return (
            line_of(ref, "apiGroup") if "apiGroup" in ref else line_of(value, "roleRef"),
            f"{address}: roleRef {what} (it must be {_RBAC_GROUP}): the API server refuses the binding, "
            "it grants nothing",
        )
    return None


def _items(
    value: Map, kind: str, api_version: str, depth: int
) -> Iterator[Manifest | tuple[int | None, str]]:
    if depth >= _MAX_LIST_DEPTH:
        yield value.line, f"{kind}: Lists nested deeper than {_MAX_LIST_DEPTH}: not read"
        return
    items = value.get("items")
    if items is None:
        return
    if not isinstance(items, list):
        yield line_of(value, "items"), f"{kind}: items is not a list"
        return
    # A typed list (PodList) may leave out its items' kind: it is the list's without "List".
    implied = (kind[: -len("List")], api_version) if kind != "List" else None
    for i, item in enumerate(items):
        yield from _objects(item, line_of(items, i) or value.line, None, depth + 1, implied)
