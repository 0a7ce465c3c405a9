"""Rebuild the AWS managed-policy snapshot from a live account.

One call family, ``iam:GetAccountAuthorizationDetails`` with ``Filter=["AWSManagedPolicy"]`` (read-only),
paginated; the default version of each policy is kept. boto3 is reached through one seam (``client``), so
tests pass a stub or point it at a local moto server.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from ringfence.iam.managed import SNAPSHOT, build_snapshot


class RefreshError(RuntimeError):
    pass


def _iam_client(profile: str | None) -> Any:
    import boto3

    return boto3.Session(profile_name=profile).client("iam")


def _document(raw: Any) -> Any:
    # boto3 decodes policy documents; the raw API returns them URL-encoded.
    if isinstance(raw, str):
        return json.loads(unquote(raw))
    return raw


def fetch_managed_policies(client: Any) -> dict[str, dict[str, Any]]:
    """``{name: {"arn", "version", "updated", "document"}}`` for every AWS managed policy the account sees."""
    out: dict[str, dict[str, Any]] = {}
    paginator = client.get_paginator("get_account_authorization_details")
    for page in paginator.paginate(Filter=["AWSManagedPolicy"]):
        for item in page.get("Policies", []):
            name = item.get("PolicyName")
            arn = item.get("Arn", "")
            if not name or ":iam::aws:policy/" not in arn:
                continue
            default = item.get("DefaultVersionId")
            versions = item.get("PolicyVersionList", [])
            chosen = next(
                (v for v in versions if v.get("IsDefaultVersion") or v.get("VersionId") == default), None
            )
            if chosen is None:
                continue
            updated = item.get("UpdateDate")
            out[name] = {
                "arn": arn,
                "version": chosen.get("VersionId", default),
                "updated": updated.strftime("%Y-%m-%d")
                if hasattr(updated, "strftime")
                else str(updated or "")[:10],
                "document": _document(chosen.get("Document")),
            }
    return out


def refresh_snapshot(
    *,
    output: str | None = None,
    profile: str | None = None,
    client: Any = None,
    today: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> tuple[str, int]:
    """Fetch, then write the snapshot (to ``output`` or into the package). Returns ``(path, count)``."""
    iam = client if client is not None else _iam_client(profile)
    policies = fetch_managed_policies(iam)
    if not policies:
        raise RefreshError("the account returned no AWS managed policies; the snapshot was left unchanged")
    date = today().strftime("%Y-%m-%d")
    data = build_snapshot(
        policies,
        source=f"iam:GetAccountAuthorizationDetails Filter=AWSManagedPolicy on {date}",
        snapshot_date=date,
    )
    path = (
        Path(output)
        if output
        else Path(str(resources.files("ringfence.iam").joinpath("data").joinpath(SNAPSHOT)))
    )
    path.write_bytes(data)
    return str(path), len(policies)
