"""AWS managed policies, available offline from the snapshot shipped in the package.

The snapshot (``data/managed-policies.json.gz``) holds the latest version of every AWS managed policy; its
``source`` and ``snapshot_date`` say where and when it was taken. ``ringfence data refresh`` rebuilds it
from a live account (:mod:`ringfence.iam.refresh`). Loaded lazily, once.
"""

from __future__ import annotations

import gzip
import json
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from ringfence.iam.policy import Policy, parse_policy

SNAPSHOT = "managed-policies.json.gz"


@dataclass(frozen=True, slots=True)
class SnapshotInfo:
    source: str
    snapshot_date: str
    count: int


@cache
def _snapshot() -> dict[str, Any]:
    raw = resources.files("ringfence.iam").joinpath("data").joinpath(SNAPSHOT).read_bytes()
    data: dict[str, Any] = json.loads(gzip.decompress(raw))
    return data


def info() -> SnapshotInfo:
    data = _snapshot()
    return SnapshotInfo(data["source"], data["snapshot_date"], len(data["policies"]))


@cache
def _by_arn() -> dict[str, str]:
    return {p["arn"]: name for name, p in _snapshot()["policies"].items()}


def names() -> list[str]:
    return sorted(_snapshot()["policies"])


def is_aws_managed_arn(arn: str) -> bool:
    parts = arn.split(":", 5)
    return len(parts) == 6 and parts[2] == "iam" and parts[4] == "aws" and parts[5].startswith("policy/")


@cache
def get(name_or_arn: str) -> Policy | None:
    """The managed policy by name (``ReadOnlyAccess``) or ARN (any partition), or None."""
    data = _snapshot()["policies"]
    name = name_or_arn
    if name_or_arn.startswith("arn:"):
        parts = name_or_arn.split(":", 5)
        normal = f"arn:aws:iam::aws:{parts[5]}" if len(parts) == 6 else name_or_arn
        found = _by_arn().get(normal)
        if found is None:
            return None
        name = found
    item = data.get(name)
    if item is None:
        return None
    return parse_policy(item["document"], name=f"aws-managed:{name}", policy_type="identity")


def document(name_or_arn: str) -> dict[str, Any] | None:
    """The managed policy's JSON document as AWS publishes it, or None when the snapshot lacks it."""
    data = _snapshot()["policies"]
    name = name_or_arn
    if name_or_arn.startswith("arn:"):
        parts = name_or_arn.split(":", 5)
        found = _by_arn().get(f"arn:aws:iam::aws:{parts[5]}" if len(parts) == 6 else name_or_arn)
        if found is None:
            return None
        name = found
    item = data.get(name)
    return item["document"] if isinstance(item, dict) and isinstance(item.get("document"), dict) else None


def build_snapshot(policies: dict[str, dict[str, Any]], *, source: str, snapshot_date: str) -> bytes:
    """Serialise ``{name: {"arn", "version", "updated", "document"}}`` the way the package ships it."""
    out = {"source": source, "snapshot_date": snapshot_date, "policies": dict(sorted(policies.items()))}
    body = json.dumps(out, sort_keys=True, separators=(",", ":")).encode()
    return gzip.compress(body, mtime=0)
