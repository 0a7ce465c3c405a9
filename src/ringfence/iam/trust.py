"""Trust policies: what a role's trust policy admits without scoping it, and how a service principal trusted
without ``aws:SourceArn``/``aws:SourceAccount`` is judged (the confused deputy). An analysis: it says what
is trusted and how much it matters; the check ``iam.trust-policy-scoped`` turns it into a verdict."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from ringfence.iam.policy import Policy, Statement

Level = Literal["high", "medium", "low"]


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


@dataclass(frozen=True, slots=True)
class TrustProblem:
    """One thing a trust policy admits without scoping it."""

    statement: Statement
    what: str  # what is trusted (goes into the fingerprint)
    why: str = ""  # why it matters, for a classified service
    level: Level | None = None  # None: the check's default severity


def _condition_keys(s: Statement) -> set[str]:
    return {c.key.lower() for c in s.conditions}


def trust_problems(policy: Policy, account_id: str) -> list[TrustProblem]:
    """What ``policy`` (a role's trust policy) admits unscoped: everyone, a foreign account, a service
    principal without ``aws:SourceArn``/``aws:SourceAccount`` (judged by :data:`SERVICE_TRUST`; one not
    listed there keeps the default severity and is named "not classified"), every identity of an OIDC
    provider, or a principal AWS rejects. In statement order."""
    problems: list[TrustProblem] = []
    for s in policy.statements:
        if s.effect != "Allow":
            continue
        keys = _condition_keys(s)
        if s.not_principal:
            problems.append(TrustProblem(s, "trusts every principal but those listed (NotPrincipal)"))
            continue
        for p in s.principals or ():
            if not p.value.strip():
                # AWS refuses the document (MalformedPolicyDocument): nothing is trusted as written
                problems.append(TrustProblem(s, f"names an empty {p.kind} principal, which AWS rejects"))
            elif p.kind == "*" or (p.kind == "AWS" and p.value == "*"):
                if not keys & _RESTRICTING_KEYS:
                    problems.append(TrustProblem(s, "trusts any principal (*)"))
            elif p.kind == "AWS":
                account = (
                    p.value
                    if p.value.isdigit()
                    else (p.value.split(":")[4] if p.value.count(":") >= 5 else "")
                )
                if account and account not in (account_id, "aws"):
                    problems.append(TrustProblem(s, f"trusts foreign account {account}"))
            elif p.kind == "Service" and p.value not in SELF_ASSUMING_SERVICES and not keys & _DEPUTY_KEYS:
                known = SERVICE_TRUST.get(p.value)
                why = known.reason if known else "service not classified, judged at the check's severity"
                what = f"trusts {p.value} without aws:SourceArn or aws:SourceAccount"
                problems.append(TrustProblem(s, what, why, known.level if known else None))
            elif p.kind == "Federated" and _OIDC_PROVIDER in p.value:
                # The audience names the client, the subject names who: without a condition on
                # <provider>:sub every identity the provider issues tokens to (any repository of
                # GitHub, any service account of the cluster) may assume the role.
                # https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_create_for-idp_oidc.html
                provider = p.value.split(_OIDC_PROVIDER, 1)[1].lower()
                if f"{provider}:sub" not in keys:
                    problems.append(
                        TrustProblem(s, f"trusts every identity of {provider} (no {provider}:sub condition)")
                    )
    return problems


def rank(level: Level) -> int:
    """0 for the most severe."""
    return _LEVEL_RANK[level]
