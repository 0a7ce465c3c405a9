"""From the estate model to policies: who holds which policy, and which resource policy guards what.

Kinds and attributes are the Terraform AWS provider's (the model's vocabulary). Relations are the ones the
linker derives from attributes (``aws_iam_role_policy.x --role--> aws_iam_role.r``); literal names and ARNs
are matched too, so an estate whose links are missing still gives the right policies.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass

from ringfence.iam import managed
from ringfence.iam.policy import Policy, PolicyType, parse_policy
from ringfence.iam.sourcelines import locate
from ringfence.model import Estate, Ref, Resource, Unknown, as_list

PRINCIPAL_KINDS = ("aws_iam_role", "aws_iam_user")

# Resource kind -> (attribute holding its policy, separate policy resources and the relation to the holder).
RESOURCE_POLICY_HOLDERS: dict[str, tuple[str | None, tuple[tuple[str, str], ...]]] = {
    "aws_s3_bucket": ("policy", (("aws_s3_bucket_policy", "bucket"),)),
    "aws_kms_key": ("policy", (("aws_kms_key_policy", "key_id"),)),
    "aws_sqs_queue": ("policy", (("aws_sqs_queue_policy", "queue_url"),)),
    "aws_sns_topic": ("policy", (("aws_sns_topic_policy", "arn"),)),
    "aws_secretsmanager_secret": ("policy", (("aws_secretsmanager_secret_policy", "secret_arn"),)),
    "aws_lambda_function": (None, ()),
    "aws_iam_role": ("assume_role_policy", ()),
    "aws_ecr_repository": (None, (("aws_ecr_repository_policy", "repository"),)),
}


@dataclass(frozen=True)
class PrincipalPolicies:
    """Everything attached to one principal, with the policies that could not be read."""

    identity: tuple[Policy, ...]
    boundary: tuple[Policy, ...]
    unreadable: tuple[str, ...]  # why some policy text is not known


def _text(value: object) -> str | dict[str, object] | None:
    if isinstance(value, str) and value.strip():
        return value
    if isinstance(value, dict):
        return value
    return None


def policy_of(
    resource: Resource, attribute: str, *, name: str, policy_type: PolicyType, root: str | None = None
) -> Policy | str | None:
    """The policy in ``resource.attribute``; a string (the reason) when it is not known; None when absent."""
    value = resource.get(attribute)
    if value is None or value == "":
        return None
    if isinstance(value, Unknown | Ref):
        return f"{name}: the policy text is not known before apply ({value})"
    text = _text(value)
    if text is None:
        return f"{name}: the policy is not a JSON document"
    source = text if isinstance(text, str) else json.dumps(text)
    policy = parse_policy(
        source,
        name=name,
        policy_type=policy_type,
        path=resource.provenance.path,
        line=resource.provenance.line,
    )
    if root is not None:
        prov = resource.provenance
        policy = locate(policy, source, root, prov.path, prov.line, prov.end_line)
    return policy


def _related(estate: Estate, holder: Resource, kind: str, relation: str, *names: str) -> Iterator[Resource]:
    """Resources of ``kind`` pointing at ``holder`` by ``relation`` (or naming it literally)."""
    seen: set[str] = set()
    for r in estate.sources(holder, relation, of_kind=kind):
        seen.add(r.address)
        yield r
    keys = {n for n in names if n}
    if not keys:
        return
    for r in estate.of_kind(kind):
        if r.address in seen:
            continue
        values = as_list(r.get(relation))
        if any(isinstance(v, str) and v in keys for v in values):
            yield r


def _policy_by_arn(estate: Estate, arn: object, attachment: Resource) -> Policy | str | None:
    targets = estate.targets(attachment, "policy_arn")
    for target in targets:
        if target.kind == "aws_iam_policy":
            return policy_of(
                target, "policy", name=target.address, policy_type="identity", root=estate.root_path
            )
    if isinstance(arn, str):
        if managed.is_aws_managed_arn(arn):
            found = managed.get(arn)
            return found if found is not None else f"{arn}: not in the managed-policy snapshot"
        for p in estate.of_kind("aws_iam_policy"):
            if p.arn == arn:
                return policy_of(p, "policy", name=p.address, policy_type="identity", root=estate.root_path)
        return f"{arn}: customer managed policy not in the estate"
    if isinstance(arn, Unknown | Ref):
        return f"{attachment.address}: policy_arn is not known ({arn})"
    return None


def _managed_arns(estate: Estate, holder: Resource, attr: str) -> Iterator[Policy | str]:
    for arn in as_list(holder.get(attr)):
        if isinstance(arn, str) and managed.is_aws_managed_arn(arn):
            found = managed.get(arn)
            yield found if found is not None else f"{arn}: not in the managed-policy snapshot"
        elif isinstance(arn, str):
            hit = next((p for p in estate.of_kind("aws_iam_policy") if p.arn == arn), None)
            if hit is not None:
                got = policy_of(
                    hit, "policy", name=hit.address, policy_type="identity", root=estate.root_path
                )
                if got is not None:
                    yield got
            else:
                yield f"{arn}: customer managed policy not in the estate"
        elif isinstance(arn, Ref):
            target = estate.get(arn.address)
            if target is not None and target.kind == "aws_iam_policy":
                got = policy_of(
                    target, "policy", name=target.address, policy_type="identity", root=estate.root_path
                )
                if got is not None:
                    yield got
        elif isinstance(arn, Unknown):
            yield f"{holder.address}.{attr}: not known before apply"


def _holder_policies(estate: Estate, holder: Resource, kind_prefix: str) -> Iterator[Policy | str]:
    """Inline, attached and managed policies of a role, user or group."""
    rel = kind_prefix  # "role" | "user" | "group"
    name = holder.get("name") if isinstance(holder.get("name"), str) else None
    for block in as_list(holder.get("inline_policy")):
        if isinstance(block, dict) and block.get("policy"):
            fake = Resource(holder.address, holder.kind, block, holder.provenance, holder.arn)
            got = policy_of(
                fake,
                "policy",
                name=f"{holder.address}.inline_policy[{block.get('name', '')}]",
                policy_type="identity",
                root=estate.root_path,
            )
            if got is not None:
                yield got
    for r in _related(estate, holder, f"aws_iam_{rel}_policy", rel, name or ""):
        got = policy_of(r, "policy", name=r.address, policy_type="identity", root=estate.root_path)
        if got is not None:
            yield got
    for r in _related(estate, holder, f"aws_iam_{rel}_policy_attachment", rel, name or ""):
        got = _policy_by_arn(estate, r.get("policy_arn"), r)
        if got is not None:
            yield got
    for r in estate.of_kind("aws_iam_policy_attachment"):
        listed = as_list(r.get(f"{rel}s"))
        linked = {t.address for t in estate.targets(r, f"{rel}s")}
        if holder.address in linked or (name and name in listed):
            got = _policy_by_arn(estate, r.get("policy_arn"), r)
            if got is not None:
                yield got
    yield from _managed_arns(estate, holder, "managed_policy_arns")


def groups_of(estate: Estate, user: Resource) -> list[Resource]:
    name = user.get("name") if isinstance(user.get("name"), str) else ""
    found: dict[str, Resource] = {}
    for m in _related(estate, user, "aws_iam_user_group_membership", "user", name):
        for g in estate.targets(m, "groups"):
            found[g.address] = g
        for gname in as_list(m.get("groups")):
            for g in estate.of_kind("aws_iam_group"):
                if g.get("name") == gname:
                    found[g.address] = g
    for m in estate.of_kind("aws_iam_group_membership"):
        users = {t.address for t in estate.targets(m, "users")} | {
            u for u in as_list(m.get("users")) if isinstance(u, str)
        }
        if user.address in users or name in users:
            for g in estate.targets(m, "group"):
                found[g.address] = g
            for g in estate.of_kind("aws_iam_group"):
                if g.get("name") == m.get("group"):
                    found[g.address] = g
    return [found[k] for k in sorted(found)]


_INLINE_KINDS = ("aws_iam_role_policy", "aws_iam_user_policy", "aws_iam_group_policy")


def identity_policies(estate: Estate) -> Iterator[tuple[Resource, Policy | str]]:
    """Every identity-based policy written in the estate, with the resource that holds it."""
    for kind in ("aws_iam_policy", *_INLINE_KINDS):
        for r in estate.of_kind(kind):
            got = policy_of(r, "policy", name=r.address, policy_type="identity", root=estate.root_path)
            if got is not None:
                yield r, got
    for kind in ("aws_iam_role", "aws_iam_user", "aws_iam_group"):
        for r in estate.of_kind(kind):
            for block in as_list(r.get("inline_policy")):
                if isinstance(block, dict) and block.get("policy"):
                    holder = Resource(r.address, r.kind, block, r.provenance, r.arn)
                    got = policy_of(
                        holder,
                        "policy",
                        name=f"{r.address}.inline_policy",
                        policy_type="identity",
                        root=estate.root_path,
                    )
                    if got is not None:
                        yield r, got


def principal_policies(estate: Estate, principal: Resource) -> PrincipalPolicies:
    identity: list[Policy] = []
    unreadable: list[str] = []

    def add(items: Iterator[Policy | str]) -> None:
        for item in items:
            (unreadable if isinstance(item, str) else identity).append(item)  # type: ignore[arg-type]

    prefix = "role" if principal.kind == "aws_iam_role" else "user"
    add(_holder_policies(estate, principal, prefix))
    if principal.kind == "aws_iam_user":
        for group in groups_of(estate, principal):
            add(_holder_policies(estate, group, "group"))
    boundary: list[Policy] = []
    b = principal.get("permissions_boundary")
    if b:
        targets = [t for t in estate.targets(principal, "permissions_boundary") if t.kind == "aws_iam_policy"]
        got: Policy | str | None
        if targets:
            got = policy_of(
                targets[0], "policy", name=targets[0].address, policy_type="boundary", root=estate.root_path
            )
        elif isinstance(b, str) and managed.is_aws_managed_arn(b):
            got = managed.get(b) or f"{b}: not in the managed-policy snapshot"
        elif isinstance(b, str):
            hit = next((p for p in estate.of_kind("aws_iam_policy") if p.arn == b), None)
            got = (
                policy_of(hit, "policy", name=hit.address, policy_type="boundary", root=estate.root_path)
                if hit
                else f"{b}: boundary not in the estate"
            )
        else:
            got = f"{principal.address}: permissions boundary not known ({b})"
        if isinstance(got, str):
            unreadable.append(got)
        elif got is not None:
            boundary.append(got)
    return PrincipalPolicies(tuple(identity), tuple(boundary), tuple(unreadable))


def group_policies(estate: Estate, group: Resource) -> tuple[tuple[Policy, ...], tuple[str, ...]]:
    """A group's policies, and why some could not be read."""
    policies: list[Policy] = []
    unreadable: list[str] = []
    for item in _holder_policies(estate, group, "group"):
        if isinstance(item, str):
            unreadable.append(item)
        else:
            policies.append(item)
    return tuple(policies), tuple(unreadable)


def resource_policy(estate: Estate, holder: Resource) -> Policy | str | None:
    """The resource-based policy guarding ``holder`` (trust policy for roles)."""
    spec = RESOURCE_POLICY_HOLDERS.get(holder.kind)
    if spec is None:
        return None
    attr, separate = spec
    kind: PolicyType = (
        "trust" if holder.kind == "aws_iam_role" else ("key" if holder.kind == "aws_kms_key" else "resource")
    )
    if holder.kind == "aws_lambda_function":
        return _lambda_permissions(estate, holder)
    if attr:
        got = policy_of(
            holder, attr, name=f"{holder.address}.{attr}", policy_type=kind, root=estate.root_path
        )
        if got is not None:
            return got
    name = holder.get("bucket") or holder.get("name") or holder.get("id")
    for policy_kind, relation in separate:
        for r in _related(
            estate, holder, policy_kind, relation, name if isinstance(name, str) else "", holder.arn or ""
        ):
            return policy_of(r, "policy", name=r.address, policy_type=kind, root=estate.root_path)
    if holder.kind == "aws_kms_key":
        # A key created without a policy gets the default key policy, which gives the account full
        # access and so lets IAM policies grant it
        # (https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html).
        default = {
            "Version": "2012-10-17",
            "Id": "key-default-1",
            "Statement": [
                {
                    "Sid": "Enable IAM User Permissions",
                    "Effect": "Allow",
                    "Principal": {"AWS": f"arn:{estate.partition}:iam::{estate.account_id}:root"},
                    "Action": "kms:*",
                    "Resource": "*",
                }
            ],
        }
        return parse_policy(default, name=f"{holder.address} (AWS default key policy)", policy_type="key")
    return None


def _lambda_permissions(estate: Estate, function: Resource) -> Policy | None:
    """``aws_lambda_permission`` resources as the function's resource policy."""
    statements: list[dict[str, object]] = []
    name = function.get("function_name")
    for perm in _related(
        estate, function, "aws_lambda_permission", "function_name", name if isinstance(name, str) else ""
    ):
        principal = perm.get("principal")
        if not isinstance(principal, str):
            continue
        if principal == "*":
            p: object = "*"
        elif principal.endswith(".amazonaws.com"):
            p = {"Service": principal}
        else:
            p = {"AWS": principal}
        stmt: dict[str, object] = {
            "Sid": perm.get("statement_id") or perm.address,
            "Effect": "Allow",
            "Principal": p,
            "Action": perm.get("action") or "lambda:InvokeFunction",
            "Resource": function.arn or "*",
        }
        cond: dict[str, dict[str, object]] = {}
        if isinstance(perm.get("source_arn"), str):
            cond.setdefault("ArnLike", {})["aws:SourceArn"] = perm.get("source_arn")
        if isinstance(perm.get("source_account"), str):
            cond.setdefault("StringEquals", {})["aws:SourceAccount"] = perm.get("source_account")
        if isinstance(perm.get("principal_org_id"), str):
            cond.setdefault("StringEquals", {})["aws:PrincipalOrgID"] = perm.get("principal_org_id")
        if cond:
            stmt["Condition"] = cond
        statements.append(stmt)
    if not statements:
        return None
    return parse_policy(
        {"Version": "2012-10-17", "Statement": statements},
        name=f"{function.address} (aws_lambda_permission)",
        policy_type="resource",
        path=function.provenance.path,
        line=function.provenance.line,
    )


def holder_for_arn(estate: Estate, arn: str) -> Resource | None:
    """The estate resource whose resource policy guards ``arn`` (the bucket of an object ARN...)."""
    for r in estate.resources:
        if r.arn == arn and r.kind in RESOURCE_POLICY_HOLDERS:
            return r
    if arn.startswith("arn:") and ":s3:::" in arn:
        bucket = arn.split(":::", 1)[1].split("/", 1)[0]
        for r in estate.of_kind("aws_s3_bucket"):
            if r.get("bucket") == bucket or (r.arn and r.arn.endswith(f":::{bucket}")):
                return r
    for r in estate.resources:
        if r.arn == arn:
            return r
    return None


_FULL_ACCESS = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}


@dataclass(frozen=True)
class OrganizationPolicies:
    levels: tuple[tuple[Policy, ...], ...]  # root first, each with FullAWSAccess
    unplaced: tuple[Policy, ...]  # attached to an OU or account the estate does not place
    notes: tuple[str, ...]


def organization_policies(estate: Estate, policy_type: str) -> OrganizationPolicies:
    """SCPs (``SERVICE_CONTROL_POLICY``) or RCPs (``RESOURCE_CONTROL_POLICY``) that apply to the estate's
    account, as levels (organisation root, then the account), with notes on what could not be placed.

    AWS attaches ``FullAWSAccess`` (``RCPFullAWSAccess``) to every level by default; it is assumed present at
    each level that has a policy in the estate. A policy attached to an organisational unit is not applied:
    the estate does not say which OU the account is in: it is returned as ``unplaced`` (with a note), and the
    engine leaves undecided what it would deny."""
    root: list[Policy] = []
    account: list[Policy] = []
    unplaced: list[Policy] = []
    notes: list[str] = []
    kind: PolicyType = "scp" if policy_type == "SERVICE_CONTROL_POLICY" else "rcp"
    for att in estate.of_kind("aws_organizations_policy_attachment"):
        holders = [t for t in estate.targets(att, "policy_id") if t.kind == "aws_organizations_policy"]
        for holder in holders:
            if (holder.get("type") or "SERVICE_CONTROL_POLICY") != policy_type:
                continue
            got = policy_of(holder, "content", name=holder.address, policy_type=kind, root=estate.root_path)
            if not isinstance(got, Policy):
                notes.append(got or f"{holder.address}: no content")
                continue
            target_id = att.get("target_id")
            targets = estate.targets(att, "target_id")
            target_kinds = {t.kind for t in targets}
            target_accounts = {
                t.get("id") or t.get("account_id") for t in targets if t.kind == "aws_organizations_account"
            }
            if "aws_organizations_organization" in target_kinds or (
                isinstance(target_id, str) and target_id.startswith("r-")
            ):
                root.append(got)
            elif target_id == estate.account_id or estate.account_id in target_accounts:
                account.append(got)
            else:
                unplaced.append(got)
                notes.append(
                    f"{att.address}: {holder.address} is attached to an OU or account the estate does not place"
                )
    full = parse_policy(_FULL_ACCESS, name="FullAWSAccess", policy_type=kind)
    levels = tuple((full, *level) for level in (root, account) if level)
    return OrganizationPolicies(levels, tuple(unplaced), tuple(notes))
