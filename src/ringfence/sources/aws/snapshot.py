"""Snapshots of live accounts (``scan aws:// --snapshot FILE``) read back: the same estate, offline."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ringfence.model import Estate, InputError, Provenance, Redacted, Ref, Resource, Unknown
from ringfence.model.linker import link
from ringfence.sources.base import LoadOptions

SCHEMA = "ringfence.snapshot/1"


def decode(value: Any) -> Any:
    if isinstance(value, Mapping):
        if set(value) == {"$unknown"}:
            return Unknown(str(value["$unknown"]))
        if set(value) == {"$ref", "attribute"}:
            return Ref(str(value["$ref"]), value["attribute"])
        if set(value) == {"$secret"}:
            return Redacted(tuple((str(w), str(f)) for w, f in value["$secret"]))
        return {str(k): decode(v) for k, v in value.items()}
    if isinstance(value, list):
        return [decode(v) for v in value]
    return value


def _resource(item: Mapping[str, Any]) -> Resource:
    p = item.get("provenance") or {}
    return Resource(
        address=str(item["address"]),
        kind=str(item["kind"]),
        attributes={str(k): decode(v) for k, v in (item.get("attributes") or {}).items()},
        provenance=Provenance(
            source="aws",
            path=p.get("path"),
            account_id=p.get("account_id"),
            region=p.get("region"),
            arn=p.get("arn"),
        ),
        arn=item.get("arn"),
        tags={str(k): str(v) for k, v in (item.get("tags") or {}).items()},
        account_id=item.get("account_id"),
        region=item.get("region"),
    )


class SnapshotSource:
    name = "snapshot"

    def recognises(self, target: str) -> bool:
        path = Path(target)
        if not path.is_file() or path.suffix != ".json":
            return False
        try:
            with path.open("rb") as handle:
                head = handle.read(256)
        except OSError:
            return False
        return f'"schema": "{SCHEMA}"'.encode() in head

    def load(self, target: str, options: LoadOptions) -> Estate:
        try:
            data = json.loads(Path(target).read_text(encoding="utf-8"))
            resources = tuple(_resource(item) for item in data["resources"])
            errors = tuple(
                InputError(str(e["path"]), e.get("line"), str(e["message"]), bool(e.get("undecided")))
                for e in data.get("errors") or []
            )
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
            why = f"not a ringfence snapshot ({type(exc).__name__}: {exc})"[:300]
            return Estate(resources=(), errors=(InputError(target, None, why),))
        return Estate(
            resources=resources,
            relations=link(resources),
            account_id=str(data.get("account_id")),
            accounts=tuple(data.get("accounts") or ()),
            partition=str(data.get("partition", "aws")),
            region=str(data.get("region", "us-east-1")),
            organization_id=data.get("organization_id"),
            notes=(*tuple(data.get("notes") or ()), f"read from the snapshot {Path(target).name}"),
            errors=errors,
            collected_at=data.get("collected_at"),
        )
