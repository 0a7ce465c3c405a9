"""Credentials written into the code. A secret is never printed: findings show a short one-way hash."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from ringfence.checks.base import Check, Meta, Result, Severity, Status, passed
from ringfence.checks.context import Context
from ringfence.model import K8S, Redacted, Resource
from ringfence.shown import AWS_SECRET_SHAPE, CREDENTIAL_SHAPES, fingerprint

# Attribute names (and environment variable names) whose literal value is a credential.
_SECRET_NAME = re.compile(
    r"(?:^|[_\-.])(?:password|passwd|pwd|secret|secret_?key|token|api_?key|private_?key|credentials?|secret_string)(?:$|[_\-.])",
    re.IGNORECASE,
)
# Names that contain a secret word but hold no secret (matched word by word, never inside a word).
_NOT_SECRET_NAME = re.compile(
    r"(?:^|[_\-.])(?:arn|id|kms|length|policy|rotation|version|enabled|reset|required|manage|type|name|ttl|"
    r"expiry|expiration|count|path|format|min|max|url|uri|endpoint|file|header|wo|hash|creation|idempotency)"
    r"(?:$|[_\-.])",
    re.IGNORECASE,
)
# In free text (user data, scripts): NAME=value or NAME: value.
_ASSIGNMENT = re.compile(
    r"""(?i)\b([A-Z0-9_]*(?:PASSWORD|PASSWD|SECRET|TOKEN|API_?KEY)[A-Z0-9_]*)\s*[=:]\s*["']?([^\s"'$`;]{8,})"""
)
_PLACEHOLDER = re.compile(
    r"^(?:\*+|x+|<[^>]*>|\{\{.*\}\}|changeme_later|example|dummy|none|null|true|false)$", re.I
)
# Values that point at a secret instead of holding one: parameter paths, ARNs, secret-store references.
_REFERENCE_VALUE = re.compile(
    r"^(?:/[\w./-]*|arn:|ssm:|secretsmanager:|\{\{resolve:|https?://|s3://)", re.IGNORECASE
)
_KUBERNETES_SECRET = K8S + "Secret"
_TEXT_ATTRIBUTES = frozenset({"user_data", "user_data_base64", "command", "inline", "script"})


def _find(value: Any, path: str) -> Iterator[tuple[str, str, str | Redacted]]:
    """(attribute path, what it is, the secret) for every credential in ``value``; a value a snapshot
    redacted gives what the detector found in it when the snapshot was written."""
    if isinstance(value, Redacted):
        for what, _ in value.found:
            yield path, what, value
    elif isinstance(value, Mapping):
        for key, inner in value.items():
            yield from _find(inner, f"{path}.{key}" if path else str(key))
            if isinstance(inner, str) and named_secret(str(key), inner):
                yield f"{path}.{key}" if path else str(key), f"literal {key}", inner
    elif isinstance(value, list):
        for i, inner in enumerate(value):
            yield from _find(inner, f"{path}[{i}]")
    elif isinstance(value, str) and len(value) >= 8:
        leaf = path.rsplit(".", 1)[-1]
        if leaf in ("user_data_base64", "user_data") or (leaf == "value" and _looks_base64(value)):
            decoded = _decode_base64(value)
            if decoded is not None:
                yield from _find(decoded, path)
        for what, pattern in CREDENTIAL_SHAPES:
            for match in pattern.finditer(value):
                yield path, what, match.group(0)
        if leaf in _TEXT_ATTRIBUTES or "\n" in value:
            for match in _ASSIGNMENT.finditer(value):
                if not _PLACEHOLDER.match(match.group(2)) and not _REFERENCE_VALUE.match(match.group(2)):
                    yield path, f"{match.group(1)} assignment", match.group(2)
        if "secret" in path.lower() and AWS_SECRET_SHAPE.search(value):
            found = AWS_SECRET_SHAPE.search(value)
            if found:
                yield path, "AWS secret access key", found.group(0)


_BASE64 = re.compile(r"^[A-Za-z0-9+/=\s]{16,}$")


def _looks_base64(value: str) -> bool:
    return bool(_BASE64.match(value)) and len(value.strip()) % 4 == 0


def _decode_base64(value: str) -> str | None:
    """User data and launch templates carry base64: read what it says (only printable text)."""
    import base64
    import binascii

    if not _looks_base64(value):
        return None
    try:
        text = base64.b64decode(value, validate=False).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    return text if text.isprintable() or "\n" in text else None


def secret_name(name: str) -> bool:
    """Does an attribute, variable or parameter name say that its value is a credential?"""
    return bool(_SECRET_NAME.search(name)) and not _NOT_SECRET_NAME.search(name)


def looks_like_credential(value: str) -> bool:
    """Has the value the shape of a credential (an AWS key, a private key, a token of a known kind)?"""
    return any(pattern.search(value) for _, pattern in CREDENTIAL_SHAPES)


def named_secret(key: str, value: str) -> bool:
    """A name that says credential, with a literal value that is neither a placeholder nor a reference."""
    if not secret_name(key):
        return False
    return not (len(value) < 6 or _PLACEHOLDER.match(value) or value.startswith(("arn:", "${", "{{")))


# Credentials of the AWS provider and the S3 backend, by argument: a secret key (with the key id next to it)
# is a working credential on its own.
_CONFIGURATION_KEYS: Mapping[str, Mapping[str, Severity]] = {
    "provider.aws": {"access_key": Severity.HIGH, "secret_key": Severity.CRITICAL, "token": Severity.HIGH},
    "backend.s3": {"access_key": Severity.HIGH, "secret_key": Severity.CRITICAL},
}
_CONFIGURATION = ("provider.", "backend.")
# What tfparse leaves for a reference to another block: its id, not a value.
_BLOCK_ID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


class _Origins:
    """Where the values of each root's variables are written (defaults, variable files), to name the
    place a secret that reached a block through a variable was written."""

    def __init__(self, settings: Iterable[Resource]) -> None:
        self._by_root: dict[str, list[Resource]] = {}
        for setting in settings:
            if setting.kind in ("variable", "tfvars"):
                self._by_root.setdefault(setting.root, []).append(setting)

    def of(self, root: str, secret: str) -> tuple[str, int, str] | None:
        """(file, line, variable) of the value holding ``secret``: the last one Terraform reads wins."""
        for origin in reversed(self._by_root.get(root, [])):
            for line, name, text in origin.get("lines", ()):
                if secret in text and origin.provenance.path is not None:
                    return origin.provenance.path, line, name
        return None


def _hardcoded(ctx: Context) -> Iterable[Result]:
    origins = _Origins(ctx.estate.settings)
    for resource in ctx.estate.resources:
        if resource.kind == _KUBERNETES_SECRET:
            continue  # every value of it is a secret: k8s.no-literal-secrets-in-manifests reports them
        yield from _in_resource(resource, origins)
    for block in ctx.estate.settings:
        if block.kind.startswith(_CONFIGURATION):
            yield from _in_configuration(block, origins)


def _in_resource(resource: Resource, origins: _Origins) -> Iterable[Result]:
    seen: set[tuple[str, str]] = set()
    if resource.kind == "aws_ssm_parameter" and resource.get("type") == "SecureString":
        value = resource.get("value")
        if isinstance(value, str) and value and not _PLACEHOLDER.match(value):
            seen.add(("value", fingerprint(value)))
            yield _secret(
                resource, "SecureString parameter value written in the code", "value", value, origins
            )
    for path, what, secret in _find(resource.attributes, ""):
        key = (path, _fingerprint(secret, what))
        if key in seen:
            continue
        seen.add(key)
        yield _secret(resource, f"hard-coded {what} in {path}", path, secret, origins)
    if not seen:
        yield passed(resource)


def _in_configuration(block: Resource, origins: _Origins) -> Iterable[Result]:
    """Provider and backend blocks: their credential arguments, then anything credential-shaped. A backend
    block cannot use variables: what it holds is written in it."""
    if block.kind.startswith("backend."):
        origins = _Origins(())
    seen: set[str] = set()
    for argument, severity in _CONFIGURATION_KEYS.get(block.kind, {}).items():
        value = block.get(argument)
        if isinstance(value, str) and _literal(value):
            seen.add(argument)
            yield _secret(
                block, f"hard-coded {argument} in {block.address}", argument, value, origins, severity
            )
    for path, what, secret in _find(block.attributes, ""):
        if path not in seen and not (isinstance(secret, str) and _BLOCK_ID.match(secret)):
            seen.add(path)
            yield _secret(block, f"hard-coded {what} in {path} of {block.address}", path, secret, origins)


def _literal(value: str) -> bool:
    return len(value) >= 6 and not (
        _PLACEHOLDER.match(value) or _BLOCK_ID.match(value) or value.startswith(("${", "{{"))
    )


def _fingerprint(secret: str | Redacted, what: str) -> str:
    """The fingerprint shown for a secret; for a redacted one, the one recorded for ``what``."""
    if isinstance(secret, str):
        return fingerprint(secret)
    return next((fp for kind, fp in secret.found if kind in what), secret.found[0][1])


def _secret(
    where: Resource,
    message: str,
    path: str,
    secret: str | Redacted,
    origins: _Origins,
    severity: Severity | None = None,
) -> Result:
    """A finding on ``where`` for ``secret`` (at attribute ``path``), located where the value is written: the default or
    variable file line it came from through a variable, else the block itself."""
    shown = _fingerprint(secret, message)
    origin = origins.of(where.root, secret) if isinstance(secret, str) else None
    written = ""
    if origin is not None:
        written = f", written in {origin[0]}:{origin[1]}" + (f" (var.{origin[2]})" if origin[2] else "")
    return Result(
        Status.FAIL,
        f"{message}{written} ({shown})",
        where,
        detail=f"{path}:{shown}",
        severity=severity,
        at=(origin[0], origin[1]) if origin is not None else None,
    )


HARDCODED_SECRET = Check(
    Meta(
        rule_id="secrets.hardcoded-secret",
        title="No credentials are written in the code",
        pillar="secrets",
        severity=Severity.HIGH,
        rationale="Secrets in code end up in every clone, CI log, state file and fork; they are found by "
        "scrapers within minutes of a push.",
        remediation="Move the value to Secrets Manager or SSM Parameter Store (or let RDS manage it with "
        "manage_master_user_password) and rotate the exposed credential.",
        terraform='resource "aws_db_instance" "db" {\n  manage_master_user_password = true\n}',
        peers=("CKV_AWS_41", "CKV_AWS_45", "CKV_AWS_46", "CKV_SECRET_2", "CKV_SECRET_6", "AVD-AWS-0029"),
    ),
    kinds=(),
    per_estate=_hardcoded,
)

CHECKS = (HARDCODED_SECRET,)
