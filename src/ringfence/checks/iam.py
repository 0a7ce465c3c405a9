"""Least privilege in the policies the estate writes: wildcard write on sensitive services, Allow with
NotAction, inline policies, and trust policies that admit more than they name. Each check reads the
policies through :mod:`ringfence.iam.estate_policies` and judges an analysis of :mod:`ringfence.iam`."""

from __future__ import annotations

from collections.abc import Iterable

from ringfence.checks.base import Check, EstateCheck, Meta, Result, Severity, failed, passed, unknown
from ringfence.checks.context import Context
from ringfence.iam.estate_policies import identity_policies, policy_of
from ringfence.iam.policy import Policy, Statement
from ringfence.iam.sensitive import wildcard_grants
from ringfence.iam.trust import Level, rank, trust_problems
from ringfence.model import Resource, as_list

_INLINE_KINDS = ("aws_iam_role_policy", "aws_iam_user_policy", "aws_iam_group_policy")


def _at(
    holder: Resource, policy: Policy | None = None, statement: Statement | None = None
) -> tuple[str, int | None] | None:
    """Where a result points: the statement that decides, else the holder's block."""
    if policy is not None and statement is not None and policy.path is not None:
        base = policy.line or 1
        if statement.line is not None:
            return policy.path, base + statement.line - 1
        return policy.path, base if policy.line else None
    where = holder.provenance
    return (where.path, where.line or None) if where.path else None


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


def _sensitive_wildcards(ctx: Context) -> Iterable[Result]:
    for holder, policy in identity_policies(ctx.estate):
        if isinstance(policy, str):
            yield unknown(holder, policy, at=_at(holder))
            continue
        bad = [
            (s, pattern, level)
            for s in policy.statements
            if s.effect == "Allow" and not s.not_action
            for pattern, level in wildcard_grants(s)
        ]
        if bad:
            s, pattern, level = bad[0]
            yield failed(
                holder,
                f"{policy.name} allows {pattern!r} ({level} on a sensitive service)",
                detail=pattern,
                at=_at(holder, policy, s),
            )
        elif reason := _unreadable(policy):
            yield unknown(holder, reason, at=_at(holder))
        else:
            yield passed(
                holder, f"{policy.name} grants no wildcard write on sensitive services", at=_at(holder)
            )


def _allow_not_action(ctx: Context) -> Iterable[Result]:
    for holder, policy in identity_policies(ctx.estate):
        if isinstance(policy, str):
            yield unknown(holder, policy, at=_at(holder))
            continue
        hits = [s for s in policy.statements if s.effect == "Allow" and s.not_action]
        if hits:
            s = hits[0]
            yield failed(
                holder,
                f"{policy.name} allows every action except {', '.join(s.actions)}",
                detail=",".join(s.actions),
                at=_at(holder, policy, s),
            )
        elif reason := _unreadable(policy):
            yield unknown(holder, reason, at=_at(holder))
        else:
            yield passed(holder, f"{policy.name} has no Allow with NotAction", at=_at(holder))


def _inline_policies(ctx: Context) -> Iterable[Result]:
    estate = ctx.estate
    for kind in _INLINE_KINDS:
        for r in estate.of_kind(kind):
            yield failed(r, f"{r.address} is an inline policy", detail=r.address, at=_at(r))
    for kind in ("aws_iam_role", "aws_iam_user", "aws_iam_group"):
        for r in estate.of_kind(kind):
            blocks = [b for b in as_list(r.get("inline_policy")) if isinstance(b, dict) and b.get("policy")]
            if blocks:
                yield failed(
                    r,
                    f"{r.address} has {len(blocks)} inline_policy block(s)",
                    detail="inline_policy",
                    at=_at(r),
                )


def _trust_policies(ctx: Context) -> Iterable[Result]:
    """A fail carries the highest severity of the role's problems (the check's default when none is
    classified) and points at the statement of the problem that decides it."""
    estate = ctx.estate
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
            yield unknown(role, got, at=_at(role))
            continue
        problems = trust_problems(got, estate.account_of(role))
        if problems:
            # the detail (the fingerprint) names what is trusted; the message adds why it matters
            every = "; ".join(dict.fromkeys(p.what for p in problems))
            told = "; ".join(dict.fromkeys(f"{p.what}: {p.why}" if p.why else p.what for p in problems))
            levels: list[Level] = [p.level or "high" for p in problems]
            top = min(levels, key=rank)
            classified = any(p.level is not None for p in problems)
            yield failed(
                role,
                f"{role.address} {told}",
                detail=every,
                severity=Severity(top) if classified else None,
                at=_at(role, got, problems[levels.index(top)].statement),
            )
        elif reason := _unreadable(got):
            yield unknown(role, reason, at=_at(role))
        else:
            yield passed(role, f"{role.address} trusts only scoped principals", at=_at(role))


def _estate_check(meta: Meta, run: EstateCheck) -> Check:
    return Check(meta, kinds=(), per_estate=run)


SENSITIVE_WILDCARDS = _estate_check(
    Meta(
        rule_id="iam.no-wildcard-write-on-sensitive-service",
        title="Policies grant no wildcard write or permissions management on sensitive services",
        pillar="identity",
        severity=Severity.MEDIUM,
        rationale="`iam:*`, `kms:*`, `s3:Put*` and the like grant today's and tomorrow's write and "
        "permissions-management actions of services that guard everything else; most lead to escalation.",
        remediation="List the actions the principal uses (ringfence iam unused derives them from CloudTrail).",
        terraform=(
            'resource "aws_iam_policy" "deploy" {\n  name = "deploy"\n  policy = jsonencode({\n'
            '    Version = "2012-10-17"\n    Statement = [{ Effect = "Allow", Action = ["s3:PutObject"],\n'
            '      Resource = "arn:aws:s3:::artifacts/*" }]\n  })\n}'
        ),
        peers=("CKV_AWS_289", "CKV_AWS_290", "CKV_AWS_355"),
    ),
    _sensitive_wildcards,
)

ALLOW_NOT_ACTION = _estate_check(
    Meta(
        rule_id="iam.no-allow-with-notaction",
        title="Allow statements list the actions they grant (no Allow with NotAction)",
        pillar="identity",
        severity=Severity.MEDIUM,
        rationale="Allow with NotAction grants every action of every service except the few listed, "
        "including every action AWS adds later.",
        remediation="Replace NotAction with the Action list the principal needs.",
        terraform=(
            'resource "aws_iam_policy" "ops" {\n  name = "ops"\n  policy = jsonencode({\n'
            '    Version = "2012-10-17"\n    Statement = [{ Effect = "Allow", Action = ["ec2:Describe*"],\n'
            '      Resource = "*" }]\n  })\n}'
        ),
        peers=(),
    ),
    _allow_not_action,
)

INLINE_POLICIES = _estate_check(
    Meta(
        rule_id="iam.no-inline-policies",
        title="Permissions come from managed policies, not inline policies",
        pillar="identity",
        severity=Severity.LOW,
        rationale="Inline policies are invisible in the policy list, unversioned and copied between "
        "principals; managed policies can be reviewed, versioned and reused.",
        remediation="Move the statements into an aws_iam_policy and attach it.",
        terraform=(
            'resource "aws_iam_role_policy_attachment" "app" {\n  role       = aws_iam_role.app.name\n'
            "  policy_arn = aws_iam_policy.app.arn\n}"
        ),
        peers=(),
    ),
    _inline_policies,
)

TRUST_SCOPED = _estate_check(
    Meta(
        rule_id="iam.trust-policy-scoped",
        title="Role trust policies name who may assume the role and pin services to this account",
        pillar="identity",
        severity=Severity.HIGH,
        rationale="A trust policy that admits anyone, a foreign account, or a service principal without "
        "aws:SourceArn / aws:SourceAccount lets an outsider (or another customer's resource, the confused "
        "deputy) act as the role. A service trust is graded by the service: high where the service acts for "
        "resources of any account (SNS, CloudTrail, Config, EventBridge, KMS), low or medium where it serves this "
        "account's own resources, and none for roles EC2, Lambda or ECS assume for what they run.",
        remediation="Name the accounts or roles that assume it; for service principals add an "
        "aws:SourceAccount or aws:SourceArn condition.",
        terraform=(
            'resource "aws_iam_role" "events" {\n  name = "events"\n  assume_role_policy = jsonencode({\n'
            '    Version = "2012-10-17"\n    Statement = [{ Effect = "Allow", Action = "sts:AssumeRole",\n'
            '      Principal = { Service = "events.amazonaws.com" },\n'
            '      Condition = { StringEquals = { "aws:SourceAccount" = "123456789012" } } }]\n  })\n}'
        ),
        peers=("CKV_AWS_60", "CKV_AWS_61"),
    ),
    _trust_policies,
)


def _position(location: str | None) -> tuple[str, int | None] | None:
    """``file:line`` as a position."""
    if not location:
        return None
    path, _, line = location.rpartition(":")
    return (path, int(line)) if path and line.isdigit() else (location, None)


def _escalations(ctx: Context) -> Iterable[Result]:
    from ringfence.iam.escalation import find_escalations

    found = {f.principal: f for f in find_escalations(ctx.iam)}
    for principal in ctx.iam.principals():
        f = found.get(principal.address)
        if f is None:
            yield passed(principal, "no escalation path to administrator")
            continue
        ids = " -> ".join(s.path_id for s in f.steps)
        vias = " -> ".join(s.via for s in f.steps)
        at = _position(f.opened_by.location) if f.opened_by is not None else None
        message = f"{principal.address} can reach {f.reaches} by {ids} (via {vias})"
        if f.alternatives:
            message += f"; {len(f.alternatives)} other path(s)"
        if f.status == "unknown":
            yield unknown(
                principal,
                f"{message}; undecided: it depends on {', '.join(f.decided_by)}",
                detail=ids,
                at=at or _at(principal),
            )
            continue
        severity = Severity.CRITICAL if f.reaches == "admin" else Severity.HIGH
        yield failed(principal, message, detail=ids, severity=severity, at=at or _at(principal))


PRIVILEGE_ESCALATION = _estate_check(
    Meta(
        rule_id="iam.privilege-escalation",
        title="No principal can make itself administrator through a documented escalation path",
        pillar="identity",
        severity=Severity.CRITICAL,
        rationale="A principal that may write its own policies, take over another user, pass an administrator "
        "role to a service or run code in a resource that runs as one becomes administrator in one or more "
        "steps: its own permissions understate what it can do.",
        remediation="Remove or scope the permission of the first step (the statement named), or cap the "
        "principal with a permissions boundary; `ringfence iam escalations` lists every step.",
        terraform=(
            'resource "aws_iam_user_policy" "ci" {\n  name = "ci"\n  user = aws_iam_user.ci.name\n'
            '  policy = jsonencode({\n    Version = "2012-10-17"\n    Statement = [{ Effect = "Allow",\n'
            '      Action = "iam:PassRole", Resource = aws_iam_role.app.arn,\n'
            '      Condition = { StringEquals = { "iam:PassedToService" = "lambda.amazonaws.com" } } }]\n'
            "  })\n}"
        ),
        references=("https://pathfinding.cloud",),
    ),
    _escalations,
)

CHECKS = (SENSITIVE_WILDCARDS, ALLOW_NOT_ACTION, INLINE_POLICIES, TRUST_SCOPED, PRIVILEGE_ESCALATION)
