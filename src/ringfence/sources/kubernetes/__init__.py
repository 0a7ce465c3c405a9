"""Kubernetes manifests: plain YAML or JSON, several documents per file, `List` kinds, rendered Helm
(``# Source:`` comments, empty documents) and Kustomize output.

Conventions of the model for Kubernetes objects:

- kind: ``k8s:<Kind>`` (``k8s:Deployment``, ``k8s:ClusterRoleBinding``); the API group is not part of it
  (``apiVersion`` is kept in the attributes);
- address: ``Kind/namespace/name`` (namespace ``default`` when the manifest gives none), and ``Kind/name``
  for cluster-scoped kinds (:data:`~ringfence.sources.kubernetes.manifests.CLUSTER_SCOPED`);
- attributes: the object as written (every mapping and sequence knows its lines, see
  :mod:`ringfence.sources.yamldoc`); tags: ``metadata.labels``;
- provenance: the file relative to the scanned folder and the line where the object starts.

When several files are scanned, an address stays as it is unless two files hold an object of the same
address: then each of those objects is prefixed by its file's path relative to the folder and a colon
(``overlays/prod.yaml:Deployment/shop/web``), as several Terraform roots are. The same object twice in
one file is an input error at the second (``kubectl apply`` would keep only the last).

Suppressions: the annotation ``ringfence.io/ignore: "<rule id> <reason>"`` (several separated by new
lines or ``;``) and Checkov's ``checkov.io/skipN: "CKV_K8S_N=reason"`` on the object.

Every file is read through the one bounded reader (:mod:`ringfence.sources.yamldoc`): hostile input is an
error at its line and the rest of the folder is still read. An object that lacks what the API server
requires (``kind``, ``apiVersion``, ``metadata.name``) is an error with its file and line.
"""

from __future__ import annotations

import os
import re
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ringfence.model import DEFAULT_ACCOUNT_ID, K8S, Estate, InputError, Provenance, Resource
from ringfence.model.linker import link
from ringfence.sources.base import LoadOptions, account_for
from ringfence.sources.kubernetes.manifests import Manifest, is_manifest_head, read_manifests

__all__ = ["IRSA_ANNOTATION", "KIND_PREFIX", "KubernetesSource"]

KIND_PREFIX = K8S
IRSA_ANNOTATION = "eks.amazonaws.com/role-arn"
_SUFFIXES = (".yaml", ".yml", ".json")
_HEAD = 8192
_ACCOUNT_IN_ARN = re.compile(r"^arn:[\w-]+:iam::(\d{12}):role/")
_CHECKOV_SKIP = re.compile(r"^checkov\.io/skip\d*$")


class KubernetesSource:
    """Kubernetes manifests: a manifest file, or a folder whose YAML/JSON files include manifests."""

    name = "kubernetes"

    def recognises(self, target: str) -> bool:
        path = Path(target)
        if path.is_dir():
            return bool(self.claims(path))
        return path.is_file() and path.suffix.lower() in _SUFFIXES and _sniff(path)

    def claims(self, folder: Path) -> tuple[Path, ...]:
        """The files under ``folder`` that are manifests, by a look at their first bytes."""
        from ringfence.sources import walk

        return tuple(
            current / name
            for current, files in walk(folder)
            for name in files
            if name.lower().endswith(_SUFFIXES) and not name.endswith(".tf.json") and _sniff(current / name)
        )

    def load(self, target: str, options: LoadOptions) -> Estate:
        path = Path(target)
        if path.is_file():
            return self.load_files(path.parent, (path,), options, root=target)
        return self.load_files(path, self.claims(path), options)

    def load_files(
        self, folder: Path, files: Sequence[Path], options: LoadOptions, *, root: str | None = None
    ) -> Estate:
        """The objects of ``files`` (under ``folder``; provenance paths relative to it) as one estate."""
        read: list[tuple[str, Manifest]] = []
        errors: list[InputError] = []
        for file in files:
            shown = Path(os.path.relpath(file, folder)).as_posix()
            manifests, problems = read_manifests(file, shown)
            errors += problems
            seen: dict[str, int] = {}
            for m in manifests:
                if m.address in seen:
                    errors.append(
                        InputError(
                            shown, m.line, f"{m.address} is defined again (first at line {seen[m.address]})"
                        )
                    )
                    continue
                seen[m.address] = m.line
                read.append((shown, m))
        collide = {a for a, n in Counter(m.address for _, m in read).items() if n > 1}
        resources = tuple(
            _resource(m, f"{shown}:{m.address}" if m.address in collide else m.address, shown)
            for shown, m in read
        )
        observed = Counter(a for r in resources if (a := _irsa_account(r)) is not None)
        notes: tuple[str, ...] = ()
        if observed or options.account_id is not None:
            seen_account = observed.most_common(1)[0][0] if observed else None
            account, notes = account_for(options, seen_account, "the IAM role ARNs of the service accounts")
        else:
            account = DEFAULT_ACCOUNT_ID  # Kubernetes alone names no account: nothing to say about it
        if not resources and not errors:
            errors.append(
                InputError(
                    ".", None, "no Kubernetes object in the manifests: nothing was checked", undecided=True
                )
            )
        return Estate(
            resources=resources,
            relations=link(resources),
            account_id=account,
            notes=notes,
            errors=tuple(errors),
            root_path=root if root is not None else str(folder),
        )


def _sniff(file: Path) -> bool:
    try:
        with file.open("rb") as handle:
            head = handle.read(_HEAD)
    except OSError:
        return False
    return is_manifest_head(head)


def _resource(m: Manifest, address: str, shown: str) -> Resource:
    metadata = m.value.get("metadata")
    labels = metadata.get("labels") if isinstance(metadata, dict) else None
    tags = {str(k): str(v) for k, v in labels.items()} if isinstance(labels, dict) else {}
    return Resource(
        address=address,
        kind=KIND_PREFIX + m.kind,
        attributes=m.value,
        provenance=Provenance("kubernetes", shown, m.line, m.end_line),
        annotations=_suppressions(metadata),
        tags=tags,
    )


def _suppressions(metadata: Any) -> tuple[str, ...]:
    """The object's ignore annotations as the ignore comments the engine reads."""
    annotations = metadata.get("annotations") if isinstance(metadata, dict) else None
    if not isinstance(annotations, dict):
        return ()
    out: list[str] = []
    for key, value in sorted(annotations.items(), key=lambda kv: str(kv[0])):
        if not isinstance(value, str):
            continue
        if key == "ringfence.io/ignore":
            out += [f"ringfence:ignore {part.strip()}" for part in re.split(r"[;\n]", value) if part.strip()]
        elif isinstance(key, str) and _CHECKOV_SKIP.match(key):
            peer, _, reason = value.partition("=")
            out.append(f"checkov:skip={peer.strip()}" + (f":{reason.strip()}" if reason.strip() else ""))
    return tuple(out)


def _irsa_account(resource: Resource) -> str | None:
    if resource.kind != KIND_PREFIX + "ServiceAccount":
        return None
    metadata = resource.get("metadata")
    annotations = metadata.get("annotations") if isinstance(metadata, dict) else None
    arn = annotations.get(IRSA_ANNOTATION) if isinstance(annotations, dict) else None
    found = _ACCOUNT_IN_ARN.match(arn) if isinstance(arn, str) else None
    return found.group(1) if found else None
