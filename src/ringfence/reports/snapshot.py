"""``scan --snapshot FILE``: the collected estate as JSON, every secret replaced by what the secret detector
found in it and its fingerprint, so ``ringfence scan FILE`` gives the same findings offline and the file
holds no credential."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from ringfence.model import Estate, Redacted, Ref, Resource, Unknown

SCHEMA = "ringfence.snapshot/1"


def _redacted(value: str, path: str, key: str) -> Redacted | None:
    """What the detector finds in ``value`` (at ``path``; ``key`` when it is a mapping's value: the name
    says whether it is a secret), as the snapshot keeps it."""
    from ringfence.checks.secrets import _find
    from ringfence.shown import fingerprint

    hits = _find({key: value}, path.rpartition(".")[0]) if key else _find(value, path)
    found = tuple(
        dict.fromkeys((what, fingerprint(secret)) for _, what, secret in hits if isinstance(secret, str))
    )
    return Redacted(found) if found else None


def encode(value: Any, path: str = "", key: str = "") -> Any:
    """A model value as JSON: unknowns, references and redacted secrets as tagged objects."""
    if isinstance(value, Unknown):
        return {"$unknown": value.reason}
    if isinstance(value, Ref):
        return {"$ref": value.address, "attribute": value.attribute}
    if isinstance(value, Redacted):
        return {"$secret": [list(pair) for pair in value.found]}
    if isinstance(value, str):
        hidden = _redacted(value, path, key)
        return encode(hidden) if hidden is not None else value
    if isinstance(value, Mapping):
        return {str(k): encode(v, f"{path}.{k}" if path else str(k), str(k)) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [encode(v, f"{path}[{i}]") for i, v in enumerate(value)]
    return value


def _resource(r: Resource) -> dict[str, Any]:
    p = r.provenance
    return {
        "address": r.address,
        "kind": r.kind,
        "arn": r.arn,
        "account_id": r.account_id,
        "region": r.region,
        "tags": encode(dict(r.tags)),
        "provenance": {
            "source": p.source,
            "path": p.path,
            "account_id": p.account_id,
            "region": p.region,
            "arn": p.arn,
        },
        "attributes": {k: encode(v, k, k) for k, v in r.attributes.items()},
    }


def render(estate: Estate) -> str:
    payload = {
        "schema": SCHEMA,
        "collected_at": estate.collected_at,
        "account_id": estate.account_id,
        "accounts": list(estate.accounts),
        "partition": estate.partition,
        "region": estate.region,
        "organization_id": estate.organization_id,
        "notes": list(estate.notes),
        "errors": [
            {"path": e.path, "line": e.line, "message": e.message, "undecided": e.undecided}
            for e in estate.errors
        ],
        "resources": [_resource(r) for r in estate.resources],
    }
    return json.dumps(payload, indent=1, sort_keys=False) + "\n"
