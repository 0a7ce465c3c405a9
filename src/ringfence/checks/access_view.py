"""Who can get in to each resource of the estate that has a resource-based policy or ACL: the answer of
`ringfence access`, from the same analysis and the same settings that the public-access checks judge.

For every bucket, key, queue, topic, repository, vault, identity, domain, secret, file system, function
and role (its trust policy), the resource policies guarding it are decided by
:func:`ringfence.iam.access.analyse` over the whole policy (z3), then the settings that take public access
away again (a bucket's or the account's Block Public Access, ACLs disabled) are applied as the checks
apply them. ``public`` and ``external`` are ``None`` when some part could not be decided, never false.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from ringfence.checks.context import Context
from ringfence.checks.resource_policies import (
    HOLDERS,
    Holder,
    _acl_openings,
    _acls_disabled,
)
from ringfence.iam.access import Access, Grant, analyse, lambda_permissions
from ringfence.iam.estate_policies import resource_policy
from ringfence.iam.policy import Policy
from ringfence.model import Resource, Unknown


@dataclass
class ResourceAccess:
    resource: str
    kind: str
    public: bool | None = False
    external: bool | None = False
    grants: list[dict[str, Any]] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)  # why something is not decided
    blocked_by: list[str] = field(default_factory=list)  # settings that take public access away
    example: dict[str, object] | None = None

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "resource": self.resource,
            "kind": self.kind,
            "public": self.public,
            "external": self.external,
            "grants": self.grants,
        }
        if self.example is not None:
            out["example"] = self.example
        if self.blocked_by:
            out["blocked_by"] = self.blocked_by
        if self.reasons:
            out["unknown"] = self.reasons
        return out


def estate_access(ctx: Context) -> list[ResourceAccess]:
    """Every resource with a resource-based policy or ACL, by address."""
    out: dict[str, ResourceAccess] = {}
    for holder in HOLDERS:
        for resource in ctx.estate.of_kind(*holder.kinds):
            policies = holder.policies(ctx.estate, resource)
            if not policies and resource.kind != "aws_s3_bucket":
                continue
            entry = out.setdefault(resource.address, ResourceAccess(resource.address, resource.kind))
            for _block, policy in policies:
                _add(
                    entry, _analysed(ctx, resource, policy), holder.shield and _shield(holder, resource, ctx)
                )
    for bucket in ctx.estate.of_kind("aws_s3_bucket"):
        entry = out.setdefault(bucket.address, ResourceAccess(bucket.address, bucket.kind))
        _add_acl(entry, bucket, ctx)
    for role in ctx.estate.of_kind("aws_iam_role"):
        trust = resource_policy(ctx.estate, role)
        if trust is not None:
            entry = out.setdefault(role.address, ResourceAccess(role.address, role.kind))
            _add(entry, _analysed(ctx, role, trust), None)
    for function in ctx.estate.of_kind("aws_lambda_function"):
        permissions = lambda_permissions(ctx.estate, function)
        if not permissions:
            continue
        entry = out.setdefault(function.address, ResourceAccess(function.address, function.kind))
        unread = [
            f"{p.address}.{a} is not known before apply"
            for p in permissions
            for a in ("principal", "action", "source_arn", "source_account", "principal_org_id")
            if isinstance(p.get(a), Unknown)
        ]
        if unread:
            _undecided(entry, unread[0])
            continue
        granted = resource_policy(ctx.estate, function)
        if granted is not None:
            _add(entry, _analysed(ctx, function, granted), None)
    # a bucket with neither a policy nor an ACL opening is listed only when it has a policy or ACL at all
    return [
        e
        for _, e in sorted(out.items())
        if e.kind != "aws_s3_bucket" or e.grants or e.reasons or e.blocked_by or _has_policy_or_acl(e, ctx)
    ]


def _has_policy_or_acl(entry: ResourceAccess, ctx: Context) -> bool:
    bucket = next(r for r in ctx.estate.of_kind("aws_s3_bucket") if r.address == entry.resource)
    if bucket.get("policy") or bucket.get("acl") or bucket.get("grant"):
        return True
    return bool(
        ctx.configuration(bucket, "aws_s3_bucket_policy") or ctx.configuration(bucket, "aws_s3_bucket_acl")
    )


def _analysed(ctx: Context, resource: Resource, policy: Policy | str) -> Access:
    written = resource.get("tags")
    literal = isinstance(written, dict) and all(isinstance(v, str) for v in written.values())
    return analyse(
        policy,
        owner=ctx.estate.account_of(resource),
        resource_arn=resource.arn,
        partition=ctx.estate.partition,
        resource_tags=resource.tags if written is None or literal else None,
    )


def _shield(holder: Holder, resource: Resource, ctx: Context) -> str | Unknown | None:
    assert holder.shield is not None
    return holder.shield(resource, ctx)


def _add(entry: ResourceAccess, access: Access, shield: str | Unknown | None) -> None:
    if access.verdict == "unknown":
        _undecided(entry, access.reason)
        return
    public = access.verdict == "public"
    external = access.verdict in ("public", "cross-account")
    if public and isinstance(shield, Unknown):
        _undecided(entry, f"a public grant applies unless {shield.reason}")
        public = False
    elif public and isinstance(shield, str):
        entry.blocked_by.append(shield)
        public = False
        external = any(not g.public for g in access.grants)
    for grant in access.grants:
        entry.grants.append(_grant_json(grant, blocked=bool(grant.public and shield is not None)))
    if public:
        entry.public = True
        if entry.example is None and access.example is not None:
            entry.example = access.example.as_json()
    if external:
        entry.external = True
        if entry.example is None and access.example is not None:
            entry.example = access.example.as_json()


def _undecided(entry: ResourceAccess, reason: str) -> None:
    entry.reasons.append(reason)
    if entry.public is not True:
        entry.public = None
    if entry.external is not True:
        entry.external = None


def _grant_json(grant: Grant, *, blocked: bool) -> dict[str, Any]:
    out: dict[str, Any] = {
        "principals": list(grant.principals),
        "actions": list(grant.actions),
        "conditions": {op: {k: list(v) for k, v in keys.items()} for op, keys in grant.conditions.items()},
        "policy": grant.policy,
        "sid": grant.sid,
    }
    if grant.location:
        out["location"] = grant.location
    if grant.example is not None:
        out["example"] = grant.example.as_json()
    if blocked:
        out["blocked"] = True
    return out


def _add_acl(entry: ResourceAccess, bucket: Resource, ctx: Context) -> None:
    for block in _acl_blocks(bucket, ctx):
        openings = _acl_openings(block)
        if isinstance(openings, Unknown):
            _undecided(entry, openings.reason)
            return
        if not openings:
            continue
        shield = _acls_disabled(bucket, ctx)
        for text in openings:
            grant: dict[str, Any] = {"principals": ["*"], "actions": [], "conditions": {}, "acl": text}
            grant["policy"] = block.address
            if shield is not None and not isinstance(shield, Unknown):
                grant["blocked"] = True
            entry.grants.append(grant)
        if isinstance(shield, Unknown):
            _undecided(entry, f"the ACL opens the bucket unless {shield.reason}")
        elif shield is not None:
            entry.blocked_by.append(shield)
        else:
            entry.public = True
            entry.external = True


def _acl_blocks(bucket: Resource, ctx: Context) -> Iterator[Resource]:
    yield bucket
    yield from ctx.configuration(bucket, "aws_s3_bucket_acl")


def summary(entries: Iterable[ResourceAccess]) -> dict[str, int]:
    listed = list(entries)
    return {
        "resources": len(listed),
        "public": sum(1 for e in listed if e.public is True),
        "external": sum(1 for e in listed if e.external is True),
        "unknown": sum(1 for e in listed if e.public is None or e.external is None),
    }
