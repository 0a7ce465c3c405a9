"""Least-privilege checks of the IAM engine (:mod:`ringfence.iam.checks`) in the catalogue."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from ringfence.checks.base import Check, Meta, Result, Severity, Status
from ringfence.checks.context import Context
from ringfence.model import Estate


def _at(location: str | None) -> tuple[str, int | None] | None:
    if not location:
        return None
    path, _, line = location.rpartition(":")
    if path and line.isdigit():
        return path, int(line)
    return location, None


def _wrap(meta: Meta, name: str) -> Check:
    def run(ctx: Context) -> Iterable[Result]:
        from ringfence.iam import checks

        function: Callable[[Estate], list[checks.CheckResult]] = getattr(checks, name)
        for item in function(ctx.estate):
            resource = ctx.estate.get(item.resource)
            if resource is None:
                continue
            status = {"pass": Status.PASS, "fail": Status.FAIL}.get(item.status, Status.UNKNOWN)
            severity = Severity(item.severity) if item.severity and status is Status.FAIL else None
            yield Result(
                status, item.message, resource, detail=item.detail, at=_at(item.location), severity=severity
            )

    return Check(meta, kinds=(), per_estate=run)


SENSITIVE_WILDCARDS = _wrap(
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
        compliance=("FSBP:IAM.21",),
        peers=("CKV_AWS_289", "CKV_AWS_290", "CKV_AWS_355"),
    ),
    "sensitive_wildcards",
)

ALLOW_NOT_ACTION = _wrap(
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
        compliance=(),
        peers=(),
    ),
    "allow_not_action",
)

INLINE_POLICIES = _wrap(
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
        compliance=("FSBP:IAM.18",),
        peers=(),
    ),
    "inline_policies",
)

TRUST_SCOPED = _wrap(
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
        compliance=("FSBP:IAM.1",),
        peers=("CKV_AWS_60", "CKV_AWS_61"),
    ),
    "trust_policies",
)

CHECKS = (SENSITIVE_WILDCARDS, ALLOW_NOT_ACTION, INLINE_POLICIES, TRUST_SCOPED)
