"""The CIS metric filters and alarms (CIS AWS Foundations v5.0 section 4): for each trail delivering to
CloudWatch Logs, a metric filter on its log group whose pattern covers the events of the control, and an
alarm with an action on the filter's metric. The filter is found through the model's link to the log group
(``log_group_name``), the alarm by the metric it watches (namespace and name), as CloudWatch matches them."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from ringfence.checks.base import Check, Meta, Result, Severity, failed, passed, unknown
from ringfence.checks.context import Context
from ringfence.model import Ref, Resource, Unknown, as_list, is_unknown

# CIS id -> (what is watched, tokens every covering pattern holds, event names it matches).
CONTROLS: Mapping[str, tuple[str, tuple[str, ...], tuple[str, ...]]] = {
    "4.1": (
        "unauthorized API calls",
        ("$.errorCode=*UnauthorizedOperation", "$.errorCode=AccessDenied*"),
        (),
    ),
    "4.2": ("console sign-in without MFA", ("$.additionalEventData.MFAUsed!=Yes",), ("ConsoleLogin",)),
    "4.3": ("use of the root user", ("$.userIdentity.type=Root", "$.userIdentity.invokedByNOTEXISTS"), ()),
    "4.4": (
        "IAM policy changes",
        (),
        (
            "DeleteGroupPolicy",
            "DeleteRolePolicy",
            "DeleteUserPolicy",
            "PutGroupPolicy",
            "PutRolePolicy",
            "PutUserPolicy",
            "CreatePolicy",
            "DeletePolicy",
            "CreatePolicyVersion",
            "DeletePolicyVersion",
            "AttachRolePolicy",
            "DetachRolePolicy",
            "AttachUserPolicy",
            "DetachUserPolicy",
            "AttachGroupPolicy",
            "DetachGroupPolicy",
        ),
    ),
    "4.5": (
        "CloudTrail configuration changes",
        (),
        ("CreateTrail", "UpdateTrail", "DeleteTrail", "StartLogging", "StopLogging"),
    ),
    "4.6": ("console authentication failures", ("$.errorMessage=Failedauthentication",), ("ConsoleLogin",)),
    "4.7": (
        "disabled or scheduled deletion of KMS keys",
        ("$.eventSource=kms.amazonaws.com",),
        ("DisableKey", "ScheduleKeyDeletion"),
    ),
    "4.8": (
        "S3 bucket policy changes",
        ("$.eventSource=s3.amazonaws.com",),
        (
            "PutBucketAcl",
            "PutBucketPolicy",
            "PutBucketCors",
            "PutBucketLifecycle",
            "PutBucketReplication",
            "DeleteBucketPolicy",
            "DeleteBucketCors",
            "DeleteBucketLifecycle",
            "DeleteBucketReplication",
        ),
    ),
    "4.9": (
        "AWS Config configuration changes",
        ("$.eventSource=config.amazonaws.com",),
        (
            "StopConfigurationRecorder",
            "DeleteDeliveryChannel",
            "PutDeliveryChannel",
            "PutConfigurationRecorder",
        ),
    ),
    "4.10": (
        "security group changes",
        (),
        (
            "AuthorizeSecurityGroupIngress",
            "AuthorizeSecurityGroupEgress",
            "RevokeSecurityGroupIngress",
            "RevokeSecurityGroupEgress",
            "CreateSecurityGroup",
            "DeleteSecurityGroup",
        ),
    ),
    "4.11": (
        "network ACL changes",
        (),
        (
            "CreateNetworkAcl",
            "CreateNetworkAclEntry",
            "DeleteNetworkAcl",
            "DeleteNetworkAclEntry",
            "ReplaceNetworkAclEntry",
            "ReplaceNetworkAclAssociation",
        ),
    ),
    "4.12": (
        "network gateway changes",
        (),
        (
            "CreateCustomerGateway",
            "DeleteCustomerGateway",
            "AttachInternetGateway",
            "CreateInternetGateway",
            "DeleteInternetGateway",
            "DetachInternetGateway",
        ),
    ),
    "4.13": (
        "route table changes",
        (),
        (
            "CreateRoute",
            "CreateRouteTable",
            "ReplaceRoute",
            "ReplaceRouteTableAssociation",
            "DeleteRouteTable",
            "DeleteRoute",
            "DisassociateRouteTable",
        ),
    ),
    "4.14": (
        "VPC changes",
        (),
        (
            "CreateVpc",
            "DeleteVpc",
            "ModifyVpcAttribute",
            "AcceptVpcPeeringConnection",
            "CreateVpcPeeringConnection",
            "DeleteVpcPeeringConnection",
            "RejectVpcPeeringConnection",
            "AttachClassicLinkVpc",
            "DetachClassicLinkVpc",
            "DisableVpcClassicLink",
            "EnableVpcClassicLink",
        ),
    ),
    "4.15": (
        "AWS Organizations changes",
        ("$.eventSource=organizations.amazonaws.com",),
        (
            "AcceptHandshake",
            "AttachPolicy",
            "CreateAccount",
            "CreateOrganizationalUnit",
            "CreatePolicy",
            "DeclineHandshake",
            "DeleteOrganization",
            "DeleteOrganizationalUnit",
            "DeletePolicy",
            "DetachPolicy",
            "DisablePolicyType",
            "EnablePolicyType",
            "InviteAccountToOrganization",
            "LeaveOrganization",
            "MoveAccount",
            "RemoveAccountFromOrganization",
            "UpdatePolicy",
            "UpdateOrganizationalUnit",
        ),
    ),
}

_BLANKS = re.compile(r"[\s\"']")


def covers(pattern: str, control: str) -> bool:
    """Whether a filter pattern holds every term of the control's prescribed pattern."""
    _what, tokens, events = CONTROLS[control]
    text = _BLANKS.sub("", pattern)
    if not all(t in text for t in tokens):
        return False
    return all(re.search(rf"\$\.eventName={re.escape(e)}(?![A-Za-z0-9])", text) for e in events)


def _metric(flt: Resource) -> tuple[object, object]:
    blocks = [b for b in as_list(flt.get("metric_transformation")) if isinstance(b, dict)]
    block = blocks[0] if blocks else {}
    return block.get("name"), block.get("namespace")


def _alarmed(flt: Resource, ctx: Context) -> bool | Unknown:
    """An alarm with an action watches the filter's metric."""
    name, namespace = _metric(flt)
    if is_unknown(name) or is_unknown(namespace):
        return Unknown("the filter's metric is not known")
    undecided: Unknown | None = None
    for alarm in ctx.estate.of_kind("aws_cloudwatch_metric_alarm"):
        watched, space = alarm.get("metric_name"), alarm.get("namespace")
        if isinstance(watched, Ref):
            same = watched.address == flt.address
        elif is_unknown(watched) or is_unknown(space):
            undecided = Unknown(f"the metric {alarm.address} watches is not known")
            continue
        else:
            same = watched == name
        if not same or (not isinstance(watched, Ref) and space != namespace):
            continue
        actions = alarm.get("alarm_actions")
        if is_unknown(actions):
            undecided = Unknown(f"alarm_actions of {alarm.address} is not known")
        elif as_list(actions):
            return True
    return undecided if undecided is not None else False


def _filters(trail: Resource, ctx: Context) -> Iterable[Result]:
    group_arn = trail.get("cloud_watch_logs_group_arn")
    if not group_arn:
        return  # cloudtrail.cloudwatch-logs-delivery reports a trail that delivers nowhere
    groups = ctx.estate.targets(trail, "cloud_watch_logs_group_arn")
    if not groups:
        shown = group_arn.reason if isinstance(group_arn, Unknown) else f"{group_arn} is not in this estate"
        yield unknown(trail, f"the trail's log group is not known: {shown}", detail="group")
        return
    filters = [
        f
        for g in groups
        for f in ctx.estate.sources(g, "log_group_name", of_kind="aws_cloudwatch_log_metric_filter")
    ]
    for control, (what, _tokens, _events) in CONTROLS.items():
        verdicts: list[bool | Unknown] = []
        for flt in filters:
            pattern = flt.get("pattern")
            if is_unknown(pattern):
                verdicts.append(Unknown(f"the pattern of {flt.address} is not known"))
            elif isinstance(pattern, str) and covers(pattern, control):
                verdicts.append(_alarmed(flt, ctx))
        detail = f"CIS {control}"
        if any(v is True for v in verdicts):
            yield passed(trail, detail=detail)
        elif undecided := [v for v in verdicts if isinstance(v, Unknown)]:
            yield unknown(
                trail, f"whether {what} raise an alarm is not known: {undecided[0].reason}", detail=detail
            )
        elif verdicts:
            yield failed(
                trail,
                f"the metric filter for {what} (CIS {control}) has no alarm with an action",
                detail=detail,
            )
        else:
            yield failed(
                trail,
                f"no metric filter on the trail's log group watches {what} (CIS {control})",
                detail=detail,
            )


METRIC_FILTERS = Check(
    Meta(
        rule_id="cloudwatch.cis-metric-filters-and-alarms",
        title="The trail's log group has the CIS metric filters, each with an alarm",
        pillar="monitoring",
        severity=Severity.LOW,
        rationale="A trail records the sign-in without MFA, the root login, the opened security group and the "
        "stopped trail; only a metric filter and an alarm on its log group turn them into a call to someone "
        "while it matters.",
        remediation="For each control named, add an aws_cloudwatch_log_metric_filter on the trail's log group "
        "(log_group_name) with the CIS pattern and a metric_transformation, and an aws_cloudwatch_metric_alarm "
        "on that metric_name and namespace with alarm_actions = [an SNS topic].",
        terraform='resource "aws_cloudwatch_log_metric_filter" "root_usage" {\n  name           = "root-usage"\n'
        "  log_group_name = aws_cloudwatch_log_group.trail.name\n"
        '  pattern        = "{ $.userIdentity.type = \\"Root\\" && $.userIdentity.invokedBy NOT EXISTS && '
        '$.eventType != \\"AwsServiceEvent\\" }"\n  metric_transformation {\n    name      = "RootUsage"\n'
        '    namespace = "CISBenchmark"\n    value     = "1"\n  }\n}',
    ),
    kinds=("aws_cloudtrail",),
    per_resource=_filters,
)

CHECKS = (METRIC_FILTERS,)
