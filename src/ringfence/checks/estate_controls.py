"""Controls an estate must contain at all: a trail, a GuardDuty detector, Security Hub, an AWS Config
recorder, an IAM account password policy, IAM Access Analyzer, a support role.

Each check runs once over the estate and speaks only when the control is missing. Whether a missing control
is a failure depends on what the estate is (``Context.estate_scope``): an account's whole configuration
(``estate_scope = "account"``, and always for a live scan) fails at the check's severity; part of one (the
default, ``"partial"``: a module repository, one stack) is ``unknown`` at ``info`` severity, "not in this
estate", because the control may well be managed elsewhere. ``--fail-on`` takes no ``info`` threshold, so
these unknowns never trip ``--fail-on-unknown``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from ringfence.checks.base import Check, Meta, Result, Severity, Status
from ringfence.checks.context import Context
from ringfence.iam import managed
from ringfence.iam.estate_policies import attachments
from ringfence.model import K8S, Provenance, Resource


def account(ctx: Context, account_id: str | None = None) -> Resource:
    """An account the estate configures (the first scanned unless told), as the resource an estate-level
    finding is about."""
    estate = ctx.estate
    account_id = account_id or estate.account_id
    source = estate.resources[0].provenance.source if estate.resources else "terraform"
    return Resource(
        address=account_id,
        kind="aws_account",
        attributes={},
        provenance=Provenance(source, path=".", account_id=account_id, region=estate.region),
    )


def missing(ctx: Context, what: str, kinds: str, account_id: str | None = None) -> Result:
    """The verdict on an estate that does not contain a control: fail for an account, unknown otherwise."""
    if ctx.estate_scope == "account":
        return Result(
            Status.FAIL, f"the account has no {what} (no {kinds} in the estate)", account(ctx, account_id)
        )
    return Result(
        Status.UNKNOWN,
        f'not in this estate: no {what} ({kinds}); set estate_scope = "account" when the estate is the '
        "account's whole configuration",
        account(ctx, account_id),
        severity=Severity.INFO,
    )


def configures_aws(ctx: Context) -> bool:
    """Does the estate configure an AWS account at all? Kubernetes manifests alone do not: nothing is said
    of the controls an account lacks."""
    resources = ctx.estate.resources
    return not resources or any(not r.kind.startswith(K8S) for r in resources)


def _contains(what: str, *kinds: str) -> Callable[[Context], Iterable[Result]]:
    def check(ctx: Context) -> Iterable[Result]:
        estate = ctx.estate
        if not configures_aws(ctx):
            return
        for account_id in estate.accounts:  # each account of the estate must contain the control
            found = [r for r in estate.of_kind(*kinds) if estate.account_of(r) == account_id]
            if any(r.unevaluated is None for r in found):
                continue
            if found:  # only blocks whose expansion is not known: whether any exists is not known
                names = ", ".join(sorted(r.address for r in found))
                yield Result(
                    Status.UNKNOWN,
                    f"whether the estate has a {what} is not known: {names}",
                    account(ctx, account_id),
                )
                continue
            yield missing(ctx, what, " or ".join(kinds), account_id)

    return check


NO_TRAIL = Check(
    Meta(
        rule_id="monitoring.no-trail-in-estate",
        title="The account has a CloudTrail trail",
        pillar="monitoring",
        severity=Severity.HIGH,
        rationale="Without a trail, API activity is kept only as 90 days of management events in the "
        "console's event history: no data events, no archive, nothing to alert on or to investigate from.",
        remediation="Add an aws_cloudtrail with is_multi_region_trail = true delivering to a dedicated bucket "
        "(or an organisation trail with is_organization_trail = true in the management account).",
        terraform='resource "aws_cloudtrail" "main" {\n  name                       = "main"\n'
        "  s3_bucket_name             = aws_s3_bucket.trail.id\n  is_multi_region_trail      = true\n"
        "  enable_log_file_validation = true\n}",
        peers=("cloudtrail_multi_region_enabled",),
    ),
    kinds=(),
    per_estate=_contains("CloudTrail trail", "aws_cloudtrail"),
)

NO_GUARDDUTY = Check(
    Meta(
        rule_id="monitoring.no-guardduty-in-estate",
        title="The account has a GuardDuty detector",
        pillar="monitoring",
        severity=Severity.HIGH,
        rationale="GuardDuty is the control that reads CloudTrail, VPC flow and DNS logs for credential "
        "theft, crypto-mining and reconnaissance; without a detector nothing reports them.",
        remediation="Add an aws_guardduty_detector with enable = true in every region (or enable it for the "
        "organisation with aws_guardduty_organization_configuration).",
        terraform='resource "aws_guardduty_detector" "main" {\n  enable = true\n}',
        peers=("guardduty_is_enabled",),
    ),
    kinds=(),
    per_estate=_contains("GuardDuty detector", "aws_guardduty_detector"),
)

NO_SECURITY_HUB = Check(
    Meta(
        rule_id="monitoring.no-securityhub-in-estate",
        title="The account has Security Hub enabled",
        pillar="monitoring",
        severity=Severity.MEDIUM,
        rationale="Security Hub gathers the findings of GuardDuty, Inspector, Macie, Config and Access "
        "Analyzer in one place and checks the account against the security standards; without it each "
        "finding stays in its own console.",
        remediation="Add an aws_securityhub_account (and subscribe standards with "
        "aws_securityhub_standards_subscription).",
        terraform='resource "aws_securityhub_account" "main" {}',
        peers=("securityhub_enabled",),
    ),
    kinds=(),
    per_estate=_contains("Security Hub account", "aws_securityhub_account"),
)

NO_CONFIG_RECORDER = Check(
    Meta(
        rule_id="monitoring.no-config-recorder-in-estate",
        title="The account has an AWS Config recorder",
        pillar="monitoring",
        severity=Severity.MEDIUM,
        rationale="AWS Config keeps the history of every resource's configuration: what a security group "
        "allowed last Tuesday, who changed it. Without a recorder, that history does not exist.",
        remediation="Add an aws_config_configuration_recorder (recording_group.all_supported = true), an "
        "aws_config_delivery_channel and an aws_config_configuration_recorder_status with is_enabled = true.",
        terraform='resource "aws_config_configuration_recorder" "main" {\n'
        "  role_arn = aws_iam_role.config.arn\n  recording_group {\n    all_supported                 = true\n"
        "    include_global_resource_types = true\n  }\n}",
        peers=("config_recorder_all_regions_enabled",),
    ),
    kinds=(),
    per_estate=_contains("AWS Config recorder", "aws_config_configuration_recorder"),
)


NO_PASSWORD_POLICY = Check(
    Meta(
        rule_id="iam.no-password-policy-in-estate",
        title="The account sets an IAM password policy",
        pillar="identity",
        severity=Severity.MEDIUM,
        rationale="Without an account password policy IAM applies its own default, which neither asks for "
        "14 characters nor prevents reuse; the length and reuse checks have nothing to read.",
        remediation="Add an aws_iam_account_password_policy with minimum_password_length = 14 and "
        "password_reuse_prevention = 24.",
        terraform=(
            'resource "aws_iam_account_password_policy" "strict" {\n  minimum_password_length   = 14\n'
            "  password_reuse_prevention = 24\n}"
        ),
    ),
    kinds=(),
    per_estate=_contains("IAM password policy", "aws_iam_account_password_policy"),
)

NO_ACCESS_ANALYZER = Check(
    Meta(
        rule_id="iam.no-access-analyzer-in-estate",
        title="The account has an IAM Access Analyzer",
        pillar="identity",
        severity=Severity.MEDIUM,
        rationale="An external access analyzer reports every bucket, key, role, queue, function and secret "
        "that another account or the public can reach, as policies change; without one, a grant to a "
        "stranger is found only by whoever happens to read the policy. Analyzers are regional.",
        remediation='Add an aws_accessanalyzer_analyzer with type = "ACCOUNT" (or "ORGANIZATION" in the '
        "management or delegated administrator account) in every region in use.",
        terraform=(
            'resource "aws_accessanalyzer_analyzer" "account" {\n  analyzer_name = "account"\n'
            '  type          = "ACCOUNT"\n}'
        ),
        peers=("accessanalyzer_enabled",),
    ),
    kinds=(),
    per_estate=_contains("IAM Access Analyzer", "aws_accessanalyzer_analyzer"),
)

_SUPPORT_POLICY = "AWSSupportAccess"


def _support_role(ctx: Context) -> Iterable[Result]:
    if not configures_aws(ctx):
        return
    for account_id in ctx.estate.accounts:
        yield from _support_role_of(ctx, account_id)


def _support_role_of(ctx: Context, account_id: str) -> Iterable[Result]:
    undecided: list[str] = []
    roles = (r for r in ctx.estate.of_kind("aws_iam_role") if ctx.estate.account_of(r) == account_id)
    for role in roles:
        for attached in attachments(ctx.estate, role):
            arn = attached.arn
            if (
                isinstance(arn, str)
                and managed.is_aws_managed_arn(arn)
                and arn.endswith(f"/{_SUPPORT_POLICY}")
            ):
                if role.unevaluated is None and attached.source.unevaluated is None:
                    return
                undecided.append(f"{attached.source.address} may not be created")
            elif arn is not None and not isinstance(arn, str):
                undecided.append(f"{attached.source.address} attaches a policy not known before apply")
    if undecided:
        yield Result(
            Status.UNKNOWN,
            f"whether a role has {_SUPPORT_POLICY} is not known: " + "; ".join(sorted(set(undecided))),
            account(ctx, account_id),
        )
        return
    yield missing(
        ctx,
        f"support role (a role with {_SUPPORT_POLICY} attached)",
        f"aws_iam_role with {_SUPPORT_POLICY}",
        account_id,
    )


NO_SUPPORT_ROLE = Check(
    Meta(
        rule_id="iam.no-support-role-in-estate",
        title="The account has a role for managing AWS Support cases",
        pillar="identity",
        severity=Severity.LOW,
        rationale="During an incident someone has to open and follow cases with AWS Support. A role with "
        "the AWSSupportAccess managed policy, assumed by the people on call, gives exactly that, instead "
        "of sending them to the root user or to an administrator role.",
        remediation="Add an aws_iam_role assumable by the incident responders and an "
        "aws_iam_role_policy_attachment of arn:aws:iam::aws:policy/AWSSupportAccess.",
        terraform=(
            'resource "aws_iam_role_policy_attachment" "support" {\n  role       = aws_iam_role.support.name\n'
            '  policy_arn = "arn:aws:iam::aws:policy/AWSSupportAccess"\n}'
        ),
        peers=("iam_support_role_created",),
    ),
    kinds=(),
    per_estate=_support_role,
)

CHECKS = (
    NO_TRAIL,
    NO_GUARDDUTY,
    NO_SECURITY_HUB,
    NO_CONFIG_RECORDER,
    NO_PASSWORD_POLICY,
    NO_ACCESS_ANALYZER,
    NO_SUPPORT_ROLE,
)
