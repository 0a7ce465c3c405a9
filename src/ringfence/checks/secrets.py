"""Credentials written into the code. A secret is never printed: findings show a short one-way hash."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from ringfence.checks.base import Check, Meta, Result, Severity, failed, passed
from ringfence.checks.context import Context
from ringfence.model import Resource
from ringfence.shown import AWS_SECRET_SHAPE, CREDENTIAL_SHAPES, fingerprint

# Attribute names (and environment variable names) whose literal value is a credential.
_SECRET_NAME = re.compile(
    r"(?:^|[_\-.])(?:password|passwd|pwd|secret|secret_?key|token|api_?key|private_?key|credentials?|secret_string)(?:$|[_\-.])",
    re.IGNORECASE,
)
# Names that contain a secret word but hold no secret (matched word by word, never inside a word).
_NOT_SECRET_NAME = re.compile(
    r"(?:^|[_\-.])(?:arn|id|kms|length|policy|rotation|version|enabled|reset|required|manage|type|name|ttl|"
    r"expiry|expiration|count|path|format|min|max|url|uri|endpoint|file|header|wo|hash)(?:$|[_\-.])",
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
_TEXT_ATTRIBUTES = frozenset({"user_data", "user_data_base64", "command", "inline", "script"})


def _find(value: Any, path: str) -> Iterator[tuple[str, str, str]]:
    """(attribute path, what it is, the secret) for every credential in ``value``."""
    if isinstance(value, Mapping):
        for key, inner in value.items():
            yield from _find(inner, f"{path}.{key}" if path else str(key))
            if isinstance(inner, str) and _named_secret(str(key), inner):
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


def _named_secret(key: str, value: str) -> bool:
    if not _SECRET_NAME.search(key) or _NOT_SECRET_NAME.search(key):
        return False
    return not (len(value) < 6 or _PLACEHOLDER.match(value) or value.startswith(("arn:", "${", "{{")))


def _hardcoded(resource: Resource, ctx: Context) -> Iterable[Result]:
    seen: set[tuple[str, str]] = set()
    if resource.kind == "aws_ssm_parameter" and resource.get("type") == "SecureString":
        value = resource.get("value")
        if isinstance(value, str) and value and not _PLACEHOLDER.match(value):
            seen.add(("value", fingerprint(value)))
            yield failed(
                resource,
                f"SecureString parameter value written in the code ({fingerprint(value)})",
                detail=f"value:{fingerprint(value)}",
            )
    for path, what, secret in _find(resource.attributes, ""):
        key = (path, fingerprint(secret))
        if key in seen:
            continue
        seen.add(key)
        yield failed(
            resource,
            f"hard-coded {what} in {path} ({key[1]})",
            detail=f"{path}:{key[1]}",
        )
    if not seen:
        yield passed(resource)


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
        compliance=("FSBP:CodeBuild.2",),
        peers=("CKV_AWS_41", "CKV_AWS_45", "CKV_AWS_46", "CKV_SECRET_2", "CKV_SECRET_6", "AVD-AWS-0029"),
    ),
    kinds=("*",),
    per_resource=_hardcoded,
)

CHECKS = (HARDCODED_SECRET,)
