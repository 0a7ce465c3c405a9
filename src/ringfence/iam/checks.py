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
Level = Literal["high", "medium", "low"]


@dataclass(frozen=True, slots=True)
class CheckResult:
    check_id: str
    resource: str  # the address at risk
    status: Status
    message: str
    location: str | None = None  # "path:line" of the block (or statement) that decides
    detail: str = ""  # the decisive detail, for fingerprints (a statement, a pattern)
    severity: Level | None = None  # overrides the check's default severity (a fail only)


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


@dataclass(frozen=True, slots=True)
class ServiceTrust:
    """How a service principal trusted without ``aws:SourceArn``/``aws:SourceAccount`` is judged."""

    level: Level | None  # None: the service assumes the role for itself, the trust passes
    reason: str
    doc: str = ""  # where AWS documents it


_CONFUSED_DEPUTY = "https://docs.aws.amazon.com/IAM/latest/UserGuide/confused-deputy.html"
_SELF = "assumes the role for a resource it runs in this account (the role is passed with iam:PassRole)"
# Service principals by what a trust without a source condition exposes:
# * ``None`` (pass): the service assumes the role for a resource it runs for you (an instance, a function,
#   a task); iam:PassRole does not pass a role to another account, and AWS documents no source condition.
# * ``high``: the service acts for a resource that may belong to any account (a topic, a trail, a
#   delivery channel, a rule, a key): another customer naming this role makes the service act as it (the
#   confused deputy).
# * ``medium``/``low``: AWS recommends the condition, but the role serves a resource of this account
#   (a database's monitoring, a VPC's flow logs): defence in depth rather than an opening.
# A service not listed keeps the check's default (high) with "not classified" in the message: which of the
# three it is cannot be told from its name, and unknown is not pass.
SERVICE_TRUST: dict[str, ServiceTrust] = {
    "ec2.amazonaws.com": ServiceTrust(None, f"EC2 {_SELF}"),
    "lambda.amazonaws.com": ServiceTrust(None, f"Lambda {_SELF}"),
    "ecs-tasks.amazonaws.com": ServiceTrust(None, f"ECS {_SELF}"),
    "edgelambda.amazonaws.com": ServiceTrust(None, f"Lambda@Edge {_SELF}"),
    "eks.amazonaws.com": ServiceTrust(None, f"EKS {_SELF}"),
    "eks-fargate-pods.amazonaws.com": ServiceTrust(None, f"EKS Fargate {_SELF}"),
    "pods.eks.amazonaws.com": ServiceTrust(None, f"EKS Pod Identity {_SELF}"),
    "batch.amazonaws.com": ServiceTrust(None, f"Batch {_SELF}"),
    "sns.amazonaws.com": ServiceTrust(
        "high",
        "SNS delivers for topics of any account that names this role (confused deputy)",
        "https://docs.aws.amazon.com/sns/latest/dg/sns-access-policy-use-cases.html",
    ),
    "s3.amazonaws.com": ServiceTrust(
        "high",
        "S3 acts for buckets of any account that names this role (confused deputy)",
        _CONFUSED_DEPUTY,
    ),
    "cloudtrail.amazonaws.com": ServiceTrust(
        "high",
        "CloudTrail delivers for trails of any account that names this role (confused deputy)",
        "https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cross-service-confused-deputy-prevention.html",
    ),
    "config.amazonaws.com": ServiceTrust(
        "high",
        "Config delivers for resources of any account that names this role (confused deputy)",
        "https://docs.aws.amazon.com/config/latest/developerguide/iamrole-permissions.html",
    ),
    "events.amazonaws.com": ServiceTrust(
        "high",
        "EventBridge invokes targets for rules of any account that names this role (confused deputy)",
        _CONFUSED_DEPUTY,
    ),
    "scheduler.amazonaws.com": ServiceTrust(
        "high",
        "EventBridge Scheduler runs schedules of any account that names this role (confused deputy)",
        "https://docs.aws.amazon.com/scheduler/latest/UserGuide/cross-service-confused-deputy-prevention.html",
    ),
    "delivery.logs.amazonaws.com": ServiceTrust(
        "high",
        "CloudWatch Logs delivers for sources of any account that names this role (confused deputy)",
        _CONFUSED_DEPUTY,
    ),
    "logs.amazonaws.com": ServiceTrust(
        "high",
        "CloudWatch Logs delivers subscriptions of any account that names this role (confused deputy)",
        _CONFUSED_DEPUTY,
    ),
    "kms.amazonaws.com": ServiceTrust(
        "high",
        "KMS acts for keys of any account that names this role (confused deputy)",
        _CONFUSED_DEPUTY,
    ),
    "datasync.amazonaws.com": ServiceTrust(
        "high",
        "DataSync copies for locations of any account that names this role (confused deputy)",
        "https://docs.aws.amazon.com/datasync/latest/userguide/cross-service-confused-deputy-prevention.html",
    ),
    "monitoring.rds.amazonaws.com": ServiceTrust(
        "low",
        "RDS Enhanced Monitoring publishes metrics of this account's databases; AWS recommends the condition",
        "https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_Monitoring.OS.Enabling.html"
        "#USER_Monitoring.OS.confused-deputy",
    ),
    "vpc-flow-logs.amazonaws.com": ServiceTrust(
        "low",
        "flow logs publish this account's VPC traffic; AWS recommends the condition",
        "https://docs.aws.amazon.com/vpc/latest/userguide/flow-logs-iam-role.html",
    ),
    "ssm.amazonaws.com": ServiceTrust(
        "medium",
        "Systems Manager runs automations and commands of this account; AWS recommends the condition",
        "https://docs.aws.amazon.com/systems-manager/latest/userguide/cross-service-confused-deputy-prevention.html",
    ),
    # Services that run a resource of this account for you with the role passed to them (a job, a state
    # machine, a build, a stack): AWS recommends the condition for each; without it the opening is narrow.
    **{
        f"{prefix}.amazonaws.com": ServiceTrust(
            "low",
            f"{what} of this account with the role passed to it; AWS recommends the condition",
            _CONFUSED_DEPUTY,
        )
        for prefix, what in (
            ("states", "Step Functions runs state machines"),
            ("glue", "Glue runs jobs and crawlers"),
            ("sagemaker", "SageMaker runs notebooks, training and endpoints"),
            ("codebuild", "CodeBuild runs builds"),
            ("codepipeline", "CodePipeline runs pipelines"),
            ("cloudformation", "CloudFormation runs stacks"),
            ("apigateway", "API Gateway runs APIs"),
            ("elasticmapreduce", "EMR runs clusters"),
            ("firehose", "Firehose runs delivery streams"),
            ("backup", "AWS Backup runs backup plans"),
            ("redshift", "Redshift runs clusters"),
            ("rds", "RDS runs database integrations"),
        )
    },
}
# Services that assume their own roles for a resource they run: not a confused deputy.
SELF_ASSUMING_SERVICES = frozenset(name for name, trust in SERVICE_TRUST.items() if trust.level is None)
_LEVEL_RANK: dict[Level, int] = {"high": 0, "medium": 1, "low": 2}
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
    service principal without ``aws:SourceArn``/``aws:SourceAccount`` (the confused deputy).

    A service principal is judged by :data:`SERVICE_TRUST` (the reason goes into the message); one not
    listed there keeps the check's default severity and is named "not classified". A fail carries the
    highest severity of the role's problems."""
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
        # (statement, what is trusted, why it matters, severity: None for the check's default)
        problems: list[tuple[Statement, str, str, Level | None]] = []
        for s in got.statements:
            if s.effect != "Allow":
                continue
            keys = _condition_keys(s)
            if s.not_principal:
                problems.append((s, "trusts every principal but those listed (NotPrincipal)", "", None))
                continue
            for p in s.principals or ():
                if not p.value.strip():
                    # AWS refuses the document (MalformedPolicyDocument): nothing is trusted as written
                    problems.append((s, f"names an empty {p.kind} principal, which AWS rejects", "", None))
                elif p.kind == "*" or (p.kind == "AWS" and p.value == "*"):
                    if not keys & _RESTRICTING_KEYS:
                        problems.append((s, "trusts any principal (*)", "", None))
                elif p.kind == "AWS":
                    account = (
                        p.value
                        if p.value.isdigit()
                        else (p.value.split(":")[4] if p.value.count(":") >= 5 else "")
                    )
                    if account and account not in (estate.account_id, "aws"):
                        problems.append((s, f"trusts foreign account {account}", "", None))
                elif (
                    p.kind == "Service" and p.value not in SELF_ASSUMING_SERVICES and not keys & _DEPUTY_KEYS
                ):
                    known = SERVICE_TRUST.get(p.value)
                    why = known.reason if known else "service not classified, judged at the check's severity"
                    level = known.level if known else None
                    what = f"trusts {p.value} without aws:SourceArn or aws:SourceAccount"
                    problems.append((s, what, why, level))
                elif p.kind == "Federated" and _OIDC_PROVIDER in p.value:
                    # The audience names the client, the subject names who: without a condition on
                    # <provider>:sub every identity the provider issues tokens to (any repository of
                    # GitHub, any service account of the cluster) may assume the role.
                    # https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_create_for-idp_oidc.html
                    provider = p.value.split(_OIDC_PROVIDER, 1)[1].lower()
                    if f"{provider}:sub" not in keys:
                        problems.append(
                            (
                                s,
                                f"trusts every identity of {provider} (no {provider}:sub condition)",
                                "",
                                None,
                            )
                        )
        if problems:
            # the detail (the fingerprint) names what is trusted; the message adds why it matters
            every = "; ".join(dict.fromkeys(w for _, w, _, _ in problems))
            told = "; ".join(dict.fromkeys(f"{w}: {why}" if why else w for _, w, why, _ in problems))
            # the highest of the problems decides; None (the check's default, high) when none is classified
            classified = [level for _, _, _, level in problems if level is not None]
            levels: list[Level] = [level or "high" for _, _, _, level in problems]
            top: Level = min(levels, key=_LEVEL_RANK.__getitem__)
            highest = top if classified else None
            s = problems[levels.index(top)][0]  # the statement of the problem that decides is where it points
            out.append(
                CheckResult(
                    "iam.trust-policy-scoped",
                    role.address,
                    "fail",
                    f"{role.address} {told}",
                    _where(role, got, s),
                    every,
                    highest,
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
    "SERVICE_TRUST",
    "CheckResult",
    "ServiceTrust",
    "admin_equivalent_principals",
    "allow_not_action",
    "inline_policies",
    "policies_on_users",
    "sensitive_wildcards",
    "trust_policies",
]
