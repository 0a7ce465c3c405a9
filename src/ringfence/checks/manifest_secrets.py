"""Secrets written into Kubernetes manifests: a `Secret` object's literal `data`/`stringData`, and container
environment values whose name says credential. Shown only as a short one-way fingerprint.

Credential-shaped values anywhere in a manifest (an AWS key in a ConfigMap) are the generic detector's
(:mod:`ringfence.checks.secrets`), which reads every resource; this check adds what only the Kubernetes
shapes say: every value of a Secret is secret, and ``env: [{name: DB_PASSWORD, value: ...}]`` names it.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterable, Mapping

from ringfence.checks.base import Check, Meta, Result, Severity, failed, passed
from ringfence.checks.context import Context
from ringfence.checks.secrets import looks_like_credential, named_secret
from ringfence.kubernetes.workloads import WORKLOAD_KINDS, containers, pod_spec, position
from ringfence.model import K8S, Resource
from ringfence.shown import fingerprint

_SECRET = K8S + "Secret"


def _decoded(value: str) -> str:
    """A Secret's `data` value is base64: its fingerprint is of the secret itself, as for `stringData`."""
    try:
        return base64.b64decode(value, validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return value


def _in_secret(resource: Resource) -> Iterable[Result]:
    found = False
    for field in ("data", "stringData"):
        values = resource.get(field)
        if not isinstance(values, Mapping):
            continue
        for key in sorted(values, key=str):
            value = values[key]
            if not isinstance(value, str) or not value.strip():
                continue
            secret = _decoded(value) if field == "data" else value
            shown = fingerprint(secret)
            found = True
            yield failed(
                resource,
                f"Secret {field}.{key} is written in the manifest ({shown})",
                detail=f"{field}.{key}:{shown}",
                at=position(resource, values, key),
            )
    if not found:
        yield passed(resource)


def _in_environment(resource: Resource) -> Iterable[Result]:
    spec = pod_spec(resource)
    found = False
    for container in containers(spec or {}):
        env = container.value.get("env")
        for index, item in enumerate(env if isinstance(env, list) else []):
            if not isinstance(item, Mapping):
                continue
            name, value = item.get("name"), item.get("value")
            if not isinstance(name, str) or not isinstance(value, str):
                continue
            # Credential-shaped values are reported by secrets.hardcoded-secret already.
            if named_secret(name, value) and not looks_like_credential(value):
                shown = fingerprint(value)
                found = True
                yield failed(
                    resource,
                    f"{container.describe()}: environment variable {name} holds a literal secret ({shown}); "
                    "take it from a Secret (valueFrom.secretKeyRef)",
                    detail=f"{container.name}.{name}:{shown}",
                    at=position(resource, env, index),
                )
    if not found:
        yield passed(resource)


def _literal_secrets(resource: Resource, ctx: Context) -> Iterable[Result]:
    if resource.kind == _SECRET:
        yield from _in_secret(resource)
    else:
        yield from _in_environment(resource)


NO_LITERAL_SECRETS = Check(
    Meta(
        rule_id="k8s.no-literal-secrets-in-manifests",
        title="Kubernetes manifests hold no literal secret values",
        pillar="secrets",
        severity=Severity.HIGH,
        rationale="A Secret's data is only base64: a manifest holding it, or an environment value holding a "
        "password, puts the credential in every clone of the repository, every CI log and every rendered "
        "chart.",
        remediation="Keep the values out of the repository: an External Secrets or Secrets Store CSI provider "
        "reading AWS Secrets Manager, or Sealed Secrets; take environment values from secretKeyRef.",
        terraform='resource "kubernetes_secret_v1" "db" {\n  metadata {\n    name      = "db"\n'
        '    namespace = "shop"\n  }\n  data = {\n    password = data.aws_secretsmanager_secret_version.db.secret_string\n'
        "  }\n}",
        peers=("CKV_K8S_35",),
    ),
    kinds=(*WORKLOAD_KINDS, _SECRET),
    per_resource=_literal_secrets,
)

CHECKS = (NO_LITERAL_SECRETS,)
