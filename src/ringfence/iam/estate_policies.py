"""From the estate model to policies: who holds which policy, and which resource policy guards what.

Kinds and attributes are the Terraform AWS provider's (the model's vocabulary). Relations are the ones the
linker derives from attributes (``aws_iam_role_policy.x --role--> aws_iam_role.r``); literal names and ARNs
are matched too, so an estate whose links are missing still gives the right policies.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from ringfence.iam import managed
from ringfence.iam.policy import Policy, PolicyType, parse_policy
from ringfence.iam.sourcelines import locate
from ringfence.model import Estate, Ref, Resource, Unknown, as_list
from ringfence.model.relations import SERVICE_ACCOUNT, WORKLOAD_IDENTITY

PRINCIPAL_KINDS = ("aws_iam_role", "aws_iam_user")
# A Kubernetes service account is a principal when it acts as an IAM role (workload identity).

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
    for r in estate.having(kind, relation, [n for n in names if n]):
        if r.address not in seen:
            yield r


@dataclass(frozen=True, slots=True)
class Attachment:
    """A policy that applies to a role, user or group, as the estate writes it: the one reading of which
    policies a principal has, shared by the IAM engine and the checks (each reads the documents its way).

    ``via`` says how: ``inline_policy`` (a block of the principal, ``block``), ``policy`` (an inline policy
    resource, ``source``), ``policy_arn`` (an attachment) or ``managed_policy_arns`` (an entry of the
    principal's list); for the last two ``arn`` is the value written and ``target`` the ``aws_iam_policy``
    it names when the estate has it."""

    via: Literal["inline_policy", "policy", "policy_arn", "managed_policy_arns"]
    source: Resource  # the block it is written in (the principal itself for inline_policy and managed ARNs)
    block: Mapping[str, Any] | None = None
    arn: object = None
    target: Resource | None = None


def _policy_resource(estate: Estate, arn: object, links: Iterable[Resource] = ()) -> Resource | None:
    """The ``aws_iam_policy`` an ARN names: by reference, else by its literal ARN (never an AWS managed one)."""
    for target in links:
        if target.kind == "aws_iam_policy":
            return target
    if isinstance(arn, Ref):
        named = estate.get(arn.address)
        return named if named is not None and named.kind == "aws_iam_policy" else None
    if isinstance(arn, str) and not managed.is_aws_managed_arn(arn):
        return next((p for p in estate.of_kind("aws_iam_policy") if p.arn == arn), None)
    return None


def attachments(estate: Estate, holder: Resource) -> Iterator[Attachment]:
    """The policies of a role, user or group itself (a user's groups are :func:`groups_of`): inline blocks,
    inline policy resources, attachments (one-to-one and ``aws_iam_policy_attachment``) and
    ``managed_policy_arns``, matched by reference or by the holder's literal name."""
    rel = holder.kind.removeprefix("aws_iam_")  # "role" | "user" | "group"
    name = holder.get("name") if isinstance(holder.get("name"), str) else ""
    for block in as_list(holder.get("inline_policy")):
        if isinstance(block, dict) and block.get("policy") is not None:
            yield Attachment("inline_policy", holder, block=block)
    for r in _related(estate, holder, f"aws_iam_{rel}_policy", rel, name):
        yield Attachment("policy", r)
    attached = list(_related(estate, holder, f"aws_iam_{rel}_policy_attachment", rel, name))
    for r in estate.of_kind("aws_iam_policy_attachment"):
        linked = {t.address for t in estate.targets(r, f"{rel}s")}
        if holder.address in linked or (name and name in as_list(r.get(f"{rel}s"))):
            attached.append(r)
    for r in attached:
        arn = r.get("policy_arn")
        yield Attachment(
            "policy_arn", r, arn=arn, target=_policy_resource(estate, arn, estate.targets(r, "policy_arn"))
        )
    for arn in as_list(holder.get("managed_policy_arns")):
        yield Attachment("managed_policy_arns", holder, arn=arn, target=_policy_resource(estate, arn))


def _attached_policy(estate: Estate, holder: Resource, a: Attachment) -> Policy | str | None:
    """The parsed policy of an attachment; the reason when it cannot be read; None when there is none."""
    root = estate.root_path
    if a.via == "inline_policy":
        assert a.block is not None
        if not a.block.get("policy"):
            return None
        fake = Resource(holder.address, holder.kind, dict(a.block), holder.provenance, holder.arn)
        name = f"{holder.address}.inline_policy[{a.block.get('name', '')}]"
        return policy_of(fake, "policy", name=name, policy_type="identity", root=root)
    if a.via == "policy":
        return policy_of(a.source, "policy", name=a.source.address, policy_type="identity", root=root)
    if a.target is not None:
        return policy_of(a.target, "policy", name=a.target.address, policy_type="identity", root=root)
    arn = a.arn
    if isinstance(arn, str):
        if managed.is_aws_managed_arn(arn):
            found = managed.get(arn)
            return found if found is not None else f"{arn}: not in the managed-policy snapshot"
        return f"{arn}: customer managed policy not in the estate"
    if a.via == "policy_arn" and isinstance(arn, Unknown | Ref):
        return f"{a.source.address}: policy_arn is not known ({arn})"
    if a.via == "managed_policy_arns" and isinstance(arn, Unknown):
        return f"{holder.address}.managed_policy_arns: not known before apply"
    return None


def _holder_policies(estate: Estate, holder: Resource) -> Iterator[Policy | str]:
    """Inline, attached and managed policies of a role, user or group, parsed."""
    for a in attachments(estate, holder):
        got = _attached_policy(estate, holder, a)
        if got is not None:
            yield got


def groups_of(estate: Estate, user: Resource) -> tuple[Resource, ...]:
    """The groups a user is a member of (by reference or by name), in address order."""
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
    return tuple(found[k] for k in sorted(found))


# -- the documents, as JSON objects (for checks that read statements themselves) -----------------------------
@dataclass(frozen=True, slots=True)
class AttachedPolicy:
    """A policy document applying to a principal, and the block that attaches or holds it."""

    name: str
    document: dict[str, Any] | Unknown
    source: Resource  # where it is written (inline policy, attachment or the policy resource)
    managed_arn: str | None = None


def parse_document(text: Any) -> dict[str, Any] | Unknown:
    """A policy text as a JSON object; Unknown (with the reason) when it is not one."""
    if isinstance(text, Unknown):
        return text
    if isinstance(text, dict):
        return text
    if not isinstance(text, str):
        return Unknown(f"the policy is not a JSON document: {type(text).__name__}")
    try:
        parsed = json.loads(text)
    except (ValueError, RecursionError) as exc:
        return Unknown(f"the policy is not valid JSON: {exc}")
    return parsed if isinstance(parsed, dict) else Unknown("the policy JSON is not an object")


def statements(document: Mapping[str, Any]) -> list[dict[str, Any]]:
    return [s for s in as_list(document.get("Statement")) if isinstance(s, dict)]


def documents_of(
    estate: Estate, principal: Resource, *, with_groups: bool = True
) -> Iterator[AttachedPolicy]:
    """The identity policy documents of a role, user or group (and, for a user, of its groups), read from
    :func:`attachments`: AWS managed policies from the shipped snapshot."""
    for a in attachments(estate, principal):
        if a.via == "inline_policy":
            assert a.block is not None
            yield AttachedPolicy(
                str(a.block.get("name", "inline")), parse_document(a.block.get("policy")), principal
            )
        elif a.via == "policy":
            block = a.source
            yield AttachedPolicy(
                str(block.get("name", block.address)), parse_document(block.get("policy")), block
            )
        elif a.target is not None:
            yield AttachedPolicy(
                str(a.target.get("name", a.target.address)),
                parse_document(a.target.get("policy")),
                a.source,
                managed_arn=a.target.arn,
            )
        elif isinstance(a.arn, str) and managed.is_aws_managed_arn(a.arn):
            name = a.arn.rsplit("/", 1)[-1]
            published = managed.document(a.arn)
            document: dict[str, Any] | Unknown = (
                published
                if published is not None
                else Unknown(
                    f"AWS managed policy {name} is not in the shipped snapshot ({managed.info().snapshot_date})"
                )
            )
            yield AttachedPolicy(name, document, a.source, managed_arn=a.arn)
        else:
            yield AttachedPolicy(str(a.arn), Unknown(f"policy {a.arn} is not in the estate"), a.source)
    if with_groups and principal.kind == "aws_iam_user":
        for group in groups_of(estate, principal):
            yield from documents_of(estate, group, with_groups=False)


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
                    holder = Resource(
                        r.address,
                        r.kind,
                        block,
                        r.provenance,
                        r.arn,
                        account_id=r.account_id,
                        region=r.region,
                    )
                    got = policy_of(
                        holder,
                        "policy",
                        name=f"{r.address}.inline_policy",
                        policy_type="identity",
                        root=estate.root_path,
                    )
                    if got is not None:
                        yield r, got


def acting_role(estate: Estate, principal: Resource) -> Resource | None:
    """The IAM role a Kubernetes service account's pods act as (IRSA or EKS Pod Identity), None for any
    other principal or a service account linked to no role of the estate."""
    if principal.kind != SERVICE_ACCOUNT:
        return None
    roles = estate.targets(principal, WORKLOAD_IDENTITY)
    return roles[0] if roles else None


def principal_policies(estate: Estate, principal: Resource) -> PrincipalPolicies:
    if principal.kind == SERVICE_ACCOUNT:
        # Its pods act with the role's credentials: the role's policies are the service account's.
        role = acting_role(estate, principal)
        if role is None:
            why = f"{principal.address}: linked to no IAM role of the estate (no IRSA annotation or pod identity association naming one)"
            return PrincipalPolicies((), (), (why,))
        return principal_policies(estate, role)
    identity: list[Policy] = []
    unreadable: list[str] = []

    def add(items: Iterator[Policy | str]) -> None:
        for item in items:
            (unreadable if isinstance(item, str) else identity).append(item)  # type: ignore[arg-type]

    add(_holder_policies(estate, principal))
    if principal.kind == "aws_iam_user":
        for group in groups_of(estate, principal):
            add(_holder_policies(estate, group))
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
    for item in _holder_policies(estate, group):
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
                    "Principal": {"AWS": f"arn:{estate.partition}:iam::{estate.account_of(holder)}:root"},
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
# The AWS managed policies Organizations attaches to every root, OU and account by default.
_AWS_MANAGED = {"SERVICE_CONTROL_POLICY": "p-FullAWSAccess", "RESOURCE_CONTROL_POLICY": "p-RCPFullAWSAccess"}
_ROOT = "root"


@dataclass(frozen=True)
class OrganizationPolicies:
    levels: tuple[tuple[Policy, ...], ...]  # root first, then each OU on the account's path, then the account
    unplaced: tuple[Policy, ...]  # attached to an OU or account the estate does not place
    notes: tuple[str, ...]
    # Policies that apply (or may apply) to the account and whose text is not known: what they would deny
    # is not known, so nothing they cover is allowed for sure.
    unreadable: tuple[str, ...] = ()
    # The account is the organisation's management account: SCPs and RCPs do not apply to it.
    management: bool = False


def _org_node(estate: Estate, holder: Resource, attribute: str) -> str | None:
    """Where ``holder.attribute`` points in the organisation: ``root``, an OU (its address, or its id when
    the estate does not hold it), an account id, or None when it is not known."""
    for t in estate.targets(holder, attribute):
        if t.kind == "aws_organizations_organization":
            return _ROOT
        if t.kind == "aws_organizations_organizational_unit":
            return t.address
        if t.kind == "aws_organizations_account":
            ident = t.get("id")
            return ident if isinstance(ident, str) else t.address
    value = holder.get(attribute)
    if not isinstance(value, str) or not value:
        return None
    if value.startswith("r-"):
        return _ROOT
    if value.startswith("ou-"):
        for ou in estate.having("aws_organizations_organizational_unit", "id", [value]):
            return ou.address
    return value


def _org_path(estate: Estate, account: str) -> tuple[str, ...] | None:
    """The OUs between the organisation root and ``account`` (root side first), or None when the estate does
    not place the account in the organisation's tree."""
    placed = [
        a
        for a in estate.of_kind("aws_organizations_account")
        if a.get("id") == account or a.get("account_id") == account
    ]
    if len(placed) != 1:
        return None
    path: list[str] = []
    node = _org_node(estate, placed[0], "parent_id")
    while node != _ROOT:
        ou = estate.get(node) if node is not None else None
        if ou is None or ou.kind != "aws_organizations_organizational_unit" or ou.address in path:
            return None
        path.insert(0, ou.address)
        node = _org_node(estate, ou, "parent_id")
    return tuple(path)


def organization_policies(
    estate: Estate, policy_type: str, account_id: str | None = None
) -> OrganizationPolicies:
    """SCPs (``SERVICE_CONTROL_POLICY``) or RCPs (``RESOURCE_CONTROL_POLICY``) that apply to ``account_id``
    (the estate's account by default), as levels (organisation root, each OU on the account's path, the
    account), with notes on what could not be placed.

    AWS attaches ``FullAWSAccess`` (``RCPFullAWSAccess``) to every level by default. When the estate holds
    that AWS managed policy (a live organisation read in full) its attachments are taken as read; otherwise
    it is assumed present at each level that has a policy in the estate. A policy attached to an OU applies
    when the estate places the account in the tree (``aws_organizations_account.parent_id`` up to the root)
    and the OU is on its path; when the account is not placed, it is returned as ``unplaced`` (with a note),
    and the engine leaves undecided what it would deny. A policy whose text is not known and that applies or
    may apply is ``unreadable``. SCPs do not apply to the organisation's management account, nor RCPs to
    its resources."""
    account = account_id or estate.account_id
    path = _org_path(estate, account)
    places = (_ROOT, *(path or ()), account)
    levels: dict[str, list[Policy]] = {}
    unplaced: list[Policy] = []
    notes: list[str] = []
    unreadable: list[str] = []
    kind: PolicyType = "scp" if policy_type == "SERVICE_CONTROL_POLICY" else "rcp"
    managed = _AWS_MANAGED.get(policy_type, "")
    complete = any(
        p.get("id") == managed and (p.get("type") or "SERVICE_CONTROL_POLICY") == policy_type
        for p in estate.of_kind("aws_organizations_policy")
    )
    for att in estate.of_kind("aws_organizations_policy_attachment"):
        holders = [t for t in estate.targets(att, "policy_id") if t.kind == "aws_organizations_policy"]
        for holder in holders:
            if (holder.get("type") or "SERVICE_CONTROL_POLICY") != policy_type:
                continue
            node = _org_node(estate, att, "target_id")
            if node in (_ROOT, account):
                place: str | None = node
            elif node is not None and path is not None and node in path:
                place = node
            elif path is not None and node is not None:
                continue  # another OU or account of a tree the estate knows: it does not apply here
            else:
                place = None
            got = policy_of(holder, "content", name=holder.address, policy_type=kind, root=estate.root_path)
            if not isinstance(got, Policy):
                reason = got or f"{holder.address}: no content"
                notes.append(reason)
                unreadable.append(reason)
                continue
            if place is not None:
                levels.setdefault(place, []).append(got)
            else:
                unplaced.append(got)
                notes.append(
                    f"{att.address}: {holder.address} is attached to an OU or account the estate does not place"
                )
    full = parse_policy(_FULL_ACCESS, name="FullAWSAccess", policy_type=kind)
    assumed = () if complete else (full,)
    found = tuple((*assumed, *levels[p]) for p in places if p in levels)
    if complete:
        # Every level holds its own attachments; one with none (not even the AWS managed policy) denies all.
        found = tuple(tuple(levels.get(p, ())) for p in places) if path is not None else found
    management = any(
        org.get("master_account_id") == account for org in estate.of_kind("aws_organizations_organization")
    )
    return OrganizationPolicies(found, tuple(unplaced), tuple(notes), tuple(unreadable), management)
