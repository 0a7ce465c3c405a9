"""AWS Organizations: the organisation, its tree of roots, OUs and accounts, and its service control and
resource control policies with their targets, as the provider's ``aws_organizations_organization``,
``aws_organizations_organizational_unit``, ``aws_organizations_account``, ``aws_organizations_policy`` and
``aws_organizations_policy_attachment``, so the IAM engine applies them to member-account principals.

Every scanned account is asked. An account outside any organisation has none. An account that can see the
organisation but not its policies (a member account without delegated administration, or a denied call)
gets a stand-in policy of unknown text attached to itself, so what SCPs or RCPs would deny there is
unknown, never "no SCPs". Once the organisation is read in full from another account of the same scan (its
management account), :func:`settle` drops the stand-ins of the accounts that read placed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from ringfence.model import InputError, Ref, Resource, Unknown
from ringfence.sources.aws.collectors.base import Collector, Reader

TYPES = ("SERVICE_CONTROL_POLICY", "RESOURCE_CONTROL_POLICY")
_STAND_IN = "unknown"  # the last part of a stand-in policy's address


def _items(found: list[Any] | Unknown) -> list[Mapping[str, Any]]:
    return [i for i in found if isinstance(i, dict)] if isinstance(found, list) else []


def read(reader: Reader) -> Iterable[Resource]:
    got = reader.call("organizations", "describe_organization")
    if got is None:
        return  # not in an organisation: no SCPs or RCPs apply
    if isinstance(got, Unknown):
        yield from _stand_ins(reader, "unknown", TYPES, got)
        return
    org = got.get("Organization") or {}
    org_id = str(org.get("Id"))
    org_address = str(org.get("Arn") or f"aws_organizations_organization:{org_id}")
    roots = reader.pages("organizations", "list_roots", "Roots")
    enabled = {
        str(t.get("Type"))
        for root in _items(roots)
        for t in root.get("PolicyTypes") or []
        if t.get("Status") == "ENABLED"
    }
    yield reader.resource(
        "aws_organizations_organization",
        org_address,
        {
            "id": org_id,
            "arn": org.get("Arn"),
            "feature_set": org.get("FeatureSet"),
            "master_account_id": org.get("MasterAccountId"),
            "master_account_arn": org.get("MasterAccountArn"),
            "roots": [
                {
                    "id": root.get("Id"),
                    "arn": root.get("Arn"),
                    "name": root.get("Name"),
                    "policy_types": [
                        {"type": t.get("Type"), "status": t.get("Status")}
                        for t in root.get("PolicyTypes") or []
                    ],
                }
                for root in _items(roots)
            ],
            "enabled_policy_types": sorted(enabled),
        },
        call="organizations:DescribeOrganization",
        arn=org.get("Arn"),
        global_=True,
    )
    if isinstance(roots, Unknown):
        yield from _stand_ins(reader, org_id, TYPES, roots)
        return
    tree = list(_tree(reader, org_id, [str(r.get("Id")) for r in _items(roots)]))
    if any(isinstance(r, Unknown) for r in tree):
        why = next(r for r in tree if isinstance(r, Unknown))
        assert isinstance(why, Unknown)
        yield from _stand_ins(reader, org_id, [t for t in TYPES if t in enabled], why)
    yield from (r for r in tree if isinstance(r, Resource))
    whole = None if any(isinstance(r, Unknown) for r in tree) else next(iter(_items(roots)), {}).get("Id")
    for policy_type in TYPES:
        if policy_type in enabled:
            yield from _policies(reader, org_id, policy_type, whole)


def _tree(reader: Reader, org_id: str, roots: Sequence[str]) -> Iterable[Resource | Unknown]:
    """OUs and accounts under each root, breadth first; an Unknown where a listing failed."""
    parents = list(roots)
    seen: set[str] = set(parents)
    while parents:
        parent = parents.pop(0)
        units = reader.pages(
            "organizations", "list_organizational_units_for_parent", "OrganizationalUnits", ParentId=parent
        )
        if isinstance(units, Unknown):
            yield units
        for ou in _items(units):
            ident = str(ou.get("Id"))
            if ident in seen:
                continue
            seen.add(ident)
            parents.append(ident)
            yield reader.resource(
                "aws_organizations_organizational_unit",
                str(ou.get("Arn") or f"aws_organizations_organizational_unit:{org_id}:{ident}"),
                {"id": ident, "arn": ou.get("Arn"), "name": ou.get("Name"), "parent_id": parent},
                call="organizations:ListOrganizationalUnitsForParent",
                arn=ou.get("Arn"),
                global_=True,
            )
        accounts = reader.pages("organizations", "list_accounts_for_parent", "Accounts", ParentId=parent)
        if isinstance(accounts, Unknown):
            yield accounts
        for account in _items(accounts):
            ident = str(account.get("Id"))
            yield reader.resource(
                "aws_organizations_account",
                str(account.get("Arn") or f"aws_organizations_account:{org_id}:{ident}"),
                {
                    "id": ident,
                    "arn": account.get("Arn"),
                    "name": account.get("Name"),
                    "email": account.get("Email"),
                    "status": account.get("Status"),
                    "parent_id": parent,
                },
                call="organizations:ListAccountsForParent",
                arn=account.get("Arn"),
                global_=True,
            )


def _policies(reader: Reader, org_id: str, policy_type: str, root: str | None) -> Iterable[Resource]:
    listed = reader.pages("organizations", "list_policies", "Policies", Filter=policy_type)
    if isinstance(listed, Unknown):
        yield from _stand_ins(reader, org_id, [policy_type], listed, root)
        return
    if not listed:
        # AWS keeps at least one policy of an enabled type on every root, OU and account (FullAWSAccess
        # by default): a listing with none is not the organisation's (a member account's view).
        why = f"listed no {policy_type} although the type is enabled at the root"
        reader.problems.add(reader.account_id, reader.region, "organizations:ListPolicies", why)
        yield from _stand_ins(reader, org_id, [policy_type], Unknown(f"organizations:ListPolicies {why}"))
        return
    for summary in _items(listed):
        ident = str(summary.get("Id"))
        arn = str(summary.get("Arn") or f"aws_organizations_policy:{org_id}:{ident}")
        described = reader.call("organizations", "describe_policy", PolicyId=ident)
        content: Any
        if isinstance(described, Unknown):
            content = described
        else:
            content = ((described or {}).get("Policy") or {}).get("Content")
            if not isinstance(content, str):
                content = Unknown(f"organizations:DescribePolicy returned no content for {ident}")
        yield reader.resource(
            "aws_organizations_policy",
            arn,
            {
                "id": ident,
                "arn": summary.get("Arn"),
                "name": summary.get("Name"),
                "type": policy_type,
                "aws_managed": bool(summary.get("AwsManaged")),
                "content": content,
            },
            call="organizations:DescribePolicy",
            arn=summary.get("Arn"),
            global_=True,
        )
        targets = reader.pages("organizations", "list_targets_for_policy", "Targets", PolicyId=ident)
        # Where it is attached not known (an unknown target): it may apply to any account.
        places: list[tuple[str, Any]] = (
            [(_STAND_IN, targets)]
            if isinstance(targets, Unknown)
            else [(str(t.get("TargetId")), str(t.get("TargetId"))) for t in _items(targets)]
        )
        for suffix, target_id in places:
            yield reader.resource(
                "aws_organizations_policy_attachment",
                f"aws_organizations_policy_attachment:{org_id}:{ident}:{suffix}",
                {"policy_id": Ref(arn, "id"), "target_id": target_id},
                call="organizations:ListTargetsForPolicy",
                global_=True,
            )


def _stand_ins(
    reader: Reader, org_id: str, types: Iterable[str], why: Unknown, root: str | None = None
) -> Iterable[Resource]:
    """A policy of unknown text for each type that could not be read: on the organisation's root when the
    reader sees the whole tree (so it covers every account), else on the reading account."""
    for policy_type in types:
        address = f"aws_organizations_policy:{org_id}:{reader.account_id}:{policy_type}:{_STAND_IN}"
        yield reader.resource(
            "aws_organizations_policy",
            address,
            {"name": f"{policy_type} not read", "type": policy_type, "content": why},
            call="organizations:ListPolicies",
            global_=True,
        )
        yield reader.resource(
            "aws_organizations_policy_attachment",
            f"aws_organizations_policy_attachment:{org_id}:{reader.account_id}:{policy_type}:{_STAND_IN}",
            {"policy_id": Ref(address, "id"), "target_id": root or reader.account_id},
            call="organizations:ListPolicies",
            global_=True,
        )


def settle(
    resources: Sequence[Resource], errors: Sequence[InputError]
) -> tuple[tuple[Resource, ...], tuple[InputError, ...]]:
    """Drop the stand-ins (and the errors behind them) of accounts whose place another account's full read
    of the same policy type gives: the management account's view is the organisation's."""
    full: dict[
        str, set[str]
    ] = {}  # policy type -> accounts that read it in full (the AWS managed one listed)
    for r in resources:
        if r.kind == "aws_organizations_policy" and r.get("aws_managed") and r.provenance.account_id:
            full.setdefault(str(r.get("type")), set()).add(r.provenance.account_id)
    placed: dict[str, set[str]] = {}  # account -> the accounts whose read placed it
    for r in resources:
        if r.kind == "aws_organizations_account" and r.provenance.account_id:
            placed.setdefault(str(r.get("id")), set()).add(r.provenance.account_id)
    settled: set[tuple[str, str]] = set()  # (account, policy type)
    for r in resources:
        account = r.provenance.account_id
        if r.kind != "aws_organizations_policy" or not r.address.endswith(f":{_STAND_IN}") or not account:
            continue
        readers = full.get(str(r.get("type")), set()) - {account}
        if readers & placed.get(account, set()):
            settled.add((account, str(r.get("type"))))
    if not settled:
        return tuple(resources), tuple(errors)
    dropped = {
        f"aws_organizations_{part}:{org}:{account}:{policy_type}:{_STAND_IN}"
        for r in resources
        if r.kind == "aws_organizations_organization"
        for org in (str(r.get("id")), "unknown")
        for account, policy_type in settled
        for part in ("policy", "policy_attachment")
    }
    kept = tuple(r for r in resources if r.address not in dropped)
    accounts = {account for account, _ in settled}
    left = tuple(
        e
        for e in errors
        if not (
            e.message.startswith("organizations:")
            and any(e.path.startswith(f"aws://{account}/") for account in accounts)
        )
    )
    return kept, left


COLLECTOR = Collector(
    name="organizations",
    calls=(
        "organizations:DescribeOrganization",
        "organizations:ListRoots",
        "organizations:ListOrganizationalUnitsForParent",
        "organizations:ListAccountsForParent",
        "organizations:ListPolicies",
        "organizations:DescribePolicy",
        "organizations:ListTargetsForPolicy",
    ),
    scope="global",
    read=read,
)
