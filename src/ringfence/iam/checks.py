"""Least-privilege checks over the estate, as pure functions returning results (no I/O, no logging).

Each function takes an :class:`~ringfence.model.Estate` (and, where the evaluator decides, an
:class:`~ringfence.iam.engine.Engine`; one is built when not given) and returns one
:class:`CheckResult` per resource examined: ``pass``, ``fail`` or ``unknown`` with the reason. The check
framework wraps them into findings; ``CHECKS`` lists them with their ids.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Literal

from ringfence.iam import catalogue
from ringfence.iam.engine import Engine
from ringfence.iam.estate_policies import PRINCIPAL_KINDS, policy_of
from ringfence.iam.policy import Policy, Statement
from ringfence.model import Estate, Resource, as_list

Status = Literal["pass", "fail", "unknown"]


@dataclass(frozen=True, slots=True)
class CheckResult:
    check_id: str
    resource: str  # the address at risk
    status: Status
    message: str
    location: str | None = None  # "path:line" of the block (or statement) that decides
    detail: str = ""  # the decisive detail, for fingerprints (a statement, a pattern)


# Services where a wildcard granting write or permissions management is a path to control of the account
# or its data.
SENSITIVE_SERVICES = frozenset(
    {
        "iam",
        "sts",
        "organizations",
        "kms",
        "secretsmanager",
        "ssm",
        "s3",
        "lambda",
        "ec2",
        "cloudtrail",
        "logs",
        "guardduty",
        "config",
        "securityhub",
        "account",
        "sso",
        "identitystore",
    }
)
# Services that assume their own roles for a resource they run (an instance, a function, a task): the trust
# policy cannot be scoped with aws:SourceArn/aws:SourceAccount for them, so they are not a confused deputy.
SELF_ASSUMING_SERVICES = frozenset(
    {
        "ec2.amazonaws.com",
        "lambda.amazonaws.com",
        "ecs-tasks.amazonaws.com",
        "edgelambda.amazonaws.com",
        "eks.amazonaws.com",
        "eks-fargate-pods.amazonaws.com",
        "pods.eks.amazonaws.com",
        "batch.amazonaws.com",
    }
)
_DEPUTY_KEYS = frozenset({"aws:sourcearn", "aws:sourceaccount", "aws:sourceorgid", "aws:sourceorgpaths"})
_RESTRICTING_KEYS = frozenset(
    {
        "aws:principalorgid",
        "aws:principalorgpaths",
        "aws:principalaccount",
        "aws:principalarn",
        "sts:externalid",
        "aws:sourceaccount",
        "aws:sourcearn",
        "aws:sourceorgid",
        "aws:sourcevpce",
        "aws:sourceip",
    }
)

_OIDC_PROVIDER = ":oidc-provider/"

_INLINE_KINDS = ("aws_iam_role_policy", "aws_iam_user_policy", "aws_iam_group_policy")


def _where(r: Resource, policy: Policy | None = None, statement: Statement | None = None) -> str | None:
    if policy is not None and statement is not None:
        loc = policy.location(statement)
        if loc:
            return loc
    return r.provenance.describe() if r.provenance.path else None


def _unreadable(policy: Policy) -> str | None:
    """Why no ``pass`` can be given on what was read of ``policy``; None when all of it was read.

    A statement that could not be read may grant anything. Terraform leaves ``"Statement": null`` where a
    value inside ``jsonencode(...)`` is not known before apply (``Action = var.actions``). IAM requires the
    Statement element and rejects malformed documents, so the text read is not what will be deployed:
    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_statement.html
    """
    if not policy.problems:
        return None
    return f"{policy.name} could not be read in full ({policy.problems[0].message})"


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


# -- admin-equivalent ---------------------------------------------------------------------------------------
def admin_equivalent_principals(estate: Estate, engine: Engine | None = None) -> list[CheckResult]:
    """``iam.no-admin-equivalent-principal``: no role or user may be allowed every action on every
    resource, decided by the evaluator over all its policies (not by spotting ``*:*``)."""
    from ringfence.iam.analysis import admin_equivalent

    engine = engine or Engine(estate)
    out = []
    for r in engine.principals():
        got = admin_equivalent(engine, r)
        if got is True:
            status: Status = "fail"
            msg = f"{r.address} is allowed every action on every resource"
        elif got is None:
            status, msg = (
                "unknown",
                f"{r.address} may be administrator: it depends on condition values not fixed",
            )
        else:
            status, msg = "pass", f"{r.address} is not administrator-equivalent"
        out.append(CheckResult("iam.no-admin-equivalent-principal", r.address, status, msg, _where(r)))
    return out


# -- wildcards on sensitive services ---------------------------------------------------------------------
def _wildcard_grants(statement: Statement) -> list[tuple[str, str]]:
    """(pattern, access level) pairs where a wildcard action grants Write/Permissions management on a
    sensitive service."""
    out: list[tuple[str, str]] = []
    for pattern in statement.actions:
        if "*" not in pattern and "?" not in pattern:
            continue
        for action in catalogue.expand(pattern):
            service = action.split(":", 1)[0].lower()
            levels = catalogue.access_levels(action)
            if service in SENSITIVE_SERVICES and {"Write", "Permissions management"} & set(levels):
                out.append((pattern, ", ".join(levels)))
                break
    return out


def sensitive_wildcards(estate: Estate) -> list[CheckResult]:
    """``iam.no-wildcard-write-on-sensitive-service``: an Allow must not use a wildcard action that grants
    write or permissions management on a sensitive service (iam, kms, s3, secretsmanager...)."""
    out = []
    for holder, policy in identity_policies(estate):
        if isinstance(policy, str):
            out.append(
                CheckResult(
                    "iam.no-wildcard-write-on-sensitive-service",
                    holder.address,
                    "unknown",
                    policy,
                    _where(holder),
                )
            )
            continue
        bad = []
        for s in policy.statements:
            if s.effect != "Allow" or s.not_action:
                continue
            for pattern, level in _wildcard_grants(s):
                bad.append((s, pattern, level))
        if bad:
            s, pattern, level = bad[0]
            msg = f"{policy.name} allows {pattern!r} ({level} on a sensitive service)"
            out.append(
                CheckResult(
                    "iam.no-wildcard-write-on-sensitive-service",
                    holder.address,
                    "fail",
                    msg,
                    _where(holder, policy, s),
                    pattern,
                )
            )
        elif unreadable := _unreadable(policy):
            out.append(
                CheckResult(
                    "iam.no-wildcard-write-on-sensitive-service",
                    holder.address,
                    "unknown",
                    unreadable,
                    _where(holder),
                )
            )
        else:
            out.append(
                CheckResult(
                    "iam.no-wildcard-write-on-sensitive-service",
                    holder.address,
                    "pass",
                    f"{policy.name} grants no wildcard write on sensitive services",
                    _where(holder),
                )
            )
    return out


def allow_not_action(estate: Estate) -> list[CheckResult]:
    """``iam.no-allow-with-notaction``: ``Allow`` with ``NotAction`` grants everything not listed."""
    out = []
    for holder, policy in identity_policies(estate):
        if isinstance(policy, str):
            out.append(
                CheckResult("iam.no-allow-with-notaction", holder.address, "unknown", policy, _where(holder))
            )
            continue
        hits = [s for s in policy.statements if s.effect == "Allow" and s.not_action]
        if hits:
            s = hits[0]
            msg = f"{policy.name} allows every action except {', '.join(s.actions)}"
            out.append(
                CheckResult(
                    "iam.no-allow-with-notaction",
                    holder.address,
                    "fail",
                    msg,
                    _where(holder, policy, s),
                    ",".join(s.actions),
                )
            )
        elif unreadable := _unreadable(policy):
            out.append(
                CheckResult(
                    "iam.no-allow-with-notaction", holder.address, "unknown", unreadable, _where(holder)
                )
            )
        else:
            out.append(
                CheckResult(
                    "iam.no-allow-with-notaction",
                    holder.address,
                    "pass",
                    f"{policy.name} has no Allow with NotAction",
                    _where(holder),
                )
            )
    return out


# -- where policies are attached --------------------------------------------------------------------------
def policies_on_users(estate: Estate) -> list[CheckResult]:
    """``iam.policies-attached-to-groups-not-users``: users get permissions through groups."""
    out = []
    for user in estate.of_kind("aws_iam_user"):
        direct = [
            r
            for kind, rel in (("aws_iam_user_policy", "user"), ("aws_iam_user_policy_attachment", "user"))
            for r in estate.sources(user, rel, of_kind=kind)
        ]
        name = user.get("name")
        direct += [
            r
            for kind in ("aws_iam_user_policy", "aws_iam_user_policy_attachment")
            for r in estate.of_kind(kind)
            if isinstance(name, str) and r.get("user") == name and r not in direct
        ]
        direct += [
            r
            for r in estate.of_kind("aws_iam_policy_attachment")
            if user in estate.targets(r, "users")
            or (isinstance(name, str) and name in as_list(r.get("users")))
        ]
        if as_list(user.get("inline_policy")):
            direct.append(user)
        if direct:
            first = direct[0]
            out.append(
                CheckResult(
                    "iam.policies-attached-to-groups-not-users",
                    user.address,
                    "fail",
                    f"{user.address} has policies attached directly ({', '.join(sorted({d.address for d in direct}))})",
                    _where(first),
                    first.address,
                )
            )
        else:
            out.append(
                CheckResult(
                    "iam.policies-attached-to-groups-not-users",
                    user.address,
                    "pass",
                    f"{user.address} has no policy attached directly",
                    _where(user),
                )
            )
    return out


def inline_policies(estate: Estate) -> list[CheckResult]:
    """``iam.no-inline-policies``: managed policies (reviewable, versioned, reusable) over inline ones."""
    out = []
    for kind in _INLINE_KINDS:
        for r in estate.of_kind(kind):
            out.append(
                CheckResult(
                    "iam.no-inline-policies",
                    r.address,
                    "fail",
                    f"{r.address} is an inline policy",
                    _where(r),
                    r.address,
                )
            )
    for kind in ("aws_iam_role", "aws_iam_user", "aws_iam_group"):
        for r in estate.of_kind(kind):
            blocks = [b for b in as_list(r.get("inline_policy")) if isinstance(b, dict) and b.get("policy")]
            if blocks:
                out.append(
                    CheckResult(
                        "iam.no-inline-policies",
                        r.address,
                        "fail",
                        f"{r.address} has {len(blocks)} inline_policy block(s)",
                        _where(r),
                        "inline_policy",
                    )
                )
    return out


# -- trust policies -------------------------------------------------------------------------------------
def _condition_keys(s: Statement) -> set[str]:
    return {c.key.lower() for c in s.conditions}


def trust_policies(estate: Estate) -> list[CheckResult]:
    """``iam.trust-policy-scoped``: a role's trust policy must not trust everyone, a foreign account, or a
    service principal without ``aws:SourceArn``/``aws:SourceAccount`` (the confused deputy)."""
    out = []
    for role in estate.of_kind("aws_iam_role"):
        got = policy_of(
            role,
            "assume_role_policy",
            name=f"{role.address}.assume_role_policy",
            policy_type="trust",
            root=estate.root_path,
        )
        if got is None:
            continue
        if isinstance(got, str):
            out.append(CheckResult("iam.trust-policy-scoped", role.address, "unknown", got, _where(role)))
            continue
        problems: list[tuple[Statement, str]] = []
        for s in got.statements:
            if s.effect != "Allow":
                continue
            keys = _condition_keys(s)
            if s.not_principal:
                problems.append((s, "trusts every principal but those listed (NotPrincipal)"))
                continue
            for p in s.principals or ():
                if not p.value.strip():
                    # AWS refuses the document (MalformedPolicyDocument): nothing is trusted as written
                    problems.append((s, f"names an empty {p.kind} principal, which AWS rejects"))
                elif p.kind == "*" or (p.kind == "AWS" and p.value == "*"):
                    if not keys & _RESTRICTING_KEYS:
                        problems.append((s, "trusts any principal (*)"))
                elif p.kind == "AWS":
                    account = (
                        p.value
                        if p.value.isdigit()
                        else (p.value.split(":")[4] if p.value.count(":") >= 5 else "")
                    )
                    if account and account not in (estate.account_id, "aws"):
                        problems.append((s, f"trusts foreign account {account}"))
                elif (
                    p.kind == "Service" and p.value not in SELF_ASSUMING_SERVICES and not keys & _DEPUTY_KEYS
                ):
                    problems.append((s, f"trusts {p.value} without aws:SourceArn or aws:SourceAccount"))
                elif p.kind == "Federated" and _OIDC_PROVIDER in p.value:
                    # The audience names the client, the subject names who: without a condition on
                    # <provider>:sub every identity the provider issues tokens to (any repository of
                    # GitHub, any service account of the cluster) may assume the role.
                    # https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_create_for-idp_oidc.html
                    provider = p.value.split(_OIDC_PROVIDER, 1)[1].lower()
                    if f"{provider}:sub" not in keys:
                        problems.append(
                            (s, f"trusts every identity of {provider} (no {provider}:sub condition)")
                        )
        if problems:
            s = problems[0][0]
            every = "; ".join(dict.fromkeys(w for _, w in problems))
            out.append(
                CheckResult(
                    "iam.trust-policy-scoped",
                    role.address,
                    "fail",
                    f"{role.address} {every}",
                    _where(role, got, s),
                    every,
                )
            )
        elif unreadable := _unreadable(got):
            out.append(
                CheckResult("iam.trust-policy-scoped", role.address, "unknown", unreadable, _where(role))
            )
        else:
            out.append(
                CheckResult(
                    "iam.trust-policy-scoped",
                    role.address,
                    "pass",
                    f"{role.address} trusts only scoped principals",
                    _where(role),
                )
            )
    return out


CheckFn = Callable[[Estate], list[CheckResult]]

# The catalogue of this area, explicitly listed (id -> function).
CHECKS: tuple[tuple[str, CheckFn], ...] = (
    ("iam.no-admin-equivalent-principal", admin_equivalent_principals),
    ("iam.no-wildcard-write-on-sensitive-service", sensitive_wildcards),
    ("iam.no-allow-with-notaction", allow_not_action),
    ("iam.policies-attached-to-groups-not-users", policies_on_users),
    ("iam.no-inline-policies", inline_policies),
    ("iam.trust-policy-scoped", trust_policies),
)

__all__ = [
    "CHECKS",
    "PRINCIPAL_KINDS",
    "CheckResult",
    "admin_equivalent_principals",
    "allow_not_action",
    "inline_policies",
    "policies_on_users",
    "sensitive_wildcards",
    "trust_policies",
]
