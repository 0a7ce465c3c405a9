"""The account's detective services, configured to see everything: AWS Config recording every resource type
and running, Security Hub with standards subscribed."""

from __future__ import annotations

from collections.abc import Iterable

from ringfence.checks.base import Check, Meta, Result, Severity, failed, passed, unknown
from ringfence.checks.context import Context
from ringfence.checks.estate_controls import missing
from ringfence.model import Resource, Unknown, as_bool, as_list


def _records_all(recorder: Resource, ctx: Context) -> Iterable[Result]:
    """No recording_group: every supported regional type, but not the global IAM types."""
    groups = [g for g in as_list(recorder.get("recording_group")) if isinstance(g, dict)]
    group = groups[0] if groups else {}
    every = as_bool(group.get("all_supported", True))
    global_types = as_bool(group.get("include_global_resource_types", False))
    if isinstance(every, Unknown):
        yield unknown(recorder, f"recording_group.all_supported is not known: {every.reason}")
    elif not every:
        yield failed(
            recorder,
            "the recorder records a chosen list of resource types (all_supported = false): changes to the "
            "others leave no history",
            detail="types",
        )
    elif isinstance(global_types, Unknown):
        yield unknown(
            recorder, f"recording_group.include_global_resource_types is not known: {global_types.reason}"
        )
    elif not global_types:
        yield failed(
            recorder,
            "IAM users, groups, roles and policies are not recorded (include_global_resource_types is not "
            "true)",
            detail="global",
        )
    else:
        yield passed(recorder)


RECORDS_ALL = Check(
    Meta(
        rule_id="config.recorder-records-all-resources",
        title="AWS Config recorders record every resource type, IAM included",
        pillar="monitoring",
        severity=Severity.MEDIUM,
        rationale="The configuration history is only as complete as the recorder's list: a resource type "
        "left out (by default, IAM users, roles and policies) changes without a trace.",
        remediation="Set recording_group { all_supported = true, include_global_resource_types = true } (the "
        "global types in one region of the account is enough).",
        terraform='resource "aws_config_configuration_recorder" "main" {\n'
        "  role_arn = aws_iam_role.config.arn\n  recording_group {\n    all_supported                 = true\n"
        "    include_global_resource_types = true\n  }\n}",
        peers=("config_recorder_all_regions_enabled",),
    ),
    kinds=("aws_config_configuration_recorder",),
    per_resource=_records_all,
)


def _running(recorder: Resource, ctx: Context) -> Iterable[Result]:
    """Terraform creates a recorder stopped: it records once a status resource starts it, and it can only
    start with a delivery channel in the region."""
    statuses = ctx.estate.sources(recorder, "name", of_kind="aws_config_configuration_recorder_status")
    if not statuses:
        if ctx.estate_scope == "account":
            yield failed(
                recorder,
                "no aws_config_configuration_recorder_status starts the recorder: it exists and records "
                "nothing",
                detail="status",
            )
        else:
            yield missing_status(recorder, ctx)
        return
    enabled = [as_bool(s.get("is_enabled")) for s in statuses]
    if any(e is True for e in enabled):
        if not ctx.estate.of_kind("aws_config_delivery_channel") and ctx.estate_scope == "account":
            yield failed(
                recorder, "no aws_config_delivery_channel: the recorder cannot deliver", detail="channel"
            )
        else:
            yield passed(recorder)
    elif any(isinstance(e, Unknown) for e in enabled):
        yield unknown(recorder, "whether the recorder is started (is_enabled) is not known")
    else:
        yield failed(recorder, "the recorder is stopped (is_enabled = false)", detail="stopped")


def missing_status(recorder: Resource, ctx: Context) -> Result:
    result = missing(
        ctx, "status resource that starts the recorder", "aws_config_configuration_recorder_status"
    )
    return Result(result.status, result.message, recorder, severity=result.severity)


RECORDER_RUNNING = Check(
    Meta(
        rule_id="config.recorder-enabled",
        title="AWS Config recorders are started",
        pillar="monitoring",
        severity=Severity.MEDIUM,
        rationale="A configuration recorder created by Terraform is stopped until a recorder status "
        "resource starts it; a stopped recorder keeps no history and feeds no Config rule.",
        remediation="Add an aws_config_configuration_recorder_status with name = the recorder's name and "
        "is_enabled = true (and an aws_config_delivery_channel it can deliver to).",
        terraform='resource "aws_config_configuration_recorder_status" "main" {\n'
        "  name       = aws_config_configuration_recorder.main.name\n  is_enabled = true\n"
        "  depends_on = [aws_config_delivery_channel.main]\n}",
        peers=("config_recorder_all_regions_enabled",),
    ),
    kinds=("aws_config_configuration_recorder",),
    per_resource=_running,
)


def _standards(hub: Resource, ctx: Context) -> Iterable[Result]:
    """enable_default_standards (default true) subscribes the standards Security Hub enables by default."""
    defaults = as_bool(hub.get("enable_default_standards", True))
    if ctx.estate.of_kind("aws_securityhub_standards_subscription") or defaults is True:
        yield passed(hub)
    elif isinstance(defaults, Unknown):
        yield unknown(hub, f"enable_default_standards is not known: {defaults.reason}")
    else:
        yield failed(
            hub,
            "no standard is subscribed (enable_default_standards = false and no "
            "aws_securityhub_standards_subscription): Security Hub runs no control",
        )


STANDARDS = Check(
    Meta(
        rule_id="securityhub.standards-subscribed",
        title="Security Hub has security standards subscribed",
        pillar="monitoring",
        severity=Severity.MEDIUM,
        rationale="Security Hub checks the account only against the standards it is subscribed to; with "
        "none, it aggregates other services' findings and evaluates no control of its own.",
        remediation="Keep enable_default_standards = true on aws_securityhub_account, or add an "
        "aws_securityhub_standards_subscription for each standard (standards_arn).",
        terraform='resource "aws_securityhub_standards_subscription" "fsbp" {\n'
        '  standards_arn = "arn:aws:securityhub:eu-west-1::standards/aws-foundational-security-best-practices/'
        'v/1.0.0"\n  depends_on    = [aws_securityhub_account.main]\n}',
    ),
    kinds=("aws_securityhub_account",),
    per_resource=_standards,
)


# datasources block path -> the protection plan it switches (the deprecated form of the detector's features).
_DATASOURCES = {
    ("s3_logs", "enable"): "S3_DATA_EVENTS",
    ("kubernetes", "audit_logs", "enable"): "EKS_AUDIT_LOGS",
    (
        "malware_protection",
        "scan_ec2_instance_with_findings",
        "ebs_volumes",
        "enable",
    ): "EBS_MALWARE_PROTECTION",
}


def _walk(value: object, path: tuple[str, ...]) -> object:
    for key in path:
        blocks = [b for b in as_list(value) if isinstance(b, dict)]
        if not blocks:
            return None
        value = blocks[0].get(key)
    return value


def _protection_plans(detector: Resource, ctx: Context) -> Iterable[Result]:
    """A new detector turns every optional protection plan on (Runtime Monitoring aside): the finding is
    about plans the configuration switches off."""
    settings: dict[str, object] = {}
    for path, plan in _DATASOURCES.items():
        value = _walk(detector.get("datasources"), path)
        if value is not None:
            settings[plan] = as_bool(value)
    for feature in ctx.estate.sources(detector, "detector_id", of_kind="aws_guardduty_detector_feature"):
        name, status = feature.get("name"), feature.get("status")
        if isinstance(name, Unknown) or isinstance(status, Unknown):
            settings[f"{feature.address}"] = Unknown("the feature's name or status is not known")
        else:
            settings[str(name)] = status == "ENABLED"
    off = sorted(plan for plan, on in settings.items() if on is False and plan != "RUNTIME_MONITORING")
    undecided = sorted(plan for plan, on in settings.items() if isinstance(on, Unknown))
    if off:
        yield failed(detector, f"protection plans switched off: {', '.join(off)}", detail=",".join(off))
    elif undecided:
        yield unknown(detector, f"whether these protection plans are on is not known: {', '.join(undecided)}")
    else:
        yield passed(detector)


PROTECTION_PLANS = Check(
    Meta(
        rule_id="guardduty.protection-plans-enabled",
        title="GuardDuty detectors keep their protection plans on",
        pillar="monitoring",
        severity=Severity.MEDIUM,
        rationale="Each protection plan is a source GuardDuty reads: S3 data events for bucket exfiltration, "
        "EKS audit logs for cluster takeover, malware scans of EBS volumes, RDS and Lambda activity. A plan "
        "switched off is a class of attack nobody reports.",
        remediation='Remove the aws_guardduty_detector_feature resources with status = "DISABLED" (or set '
        'status = "ENABLED"), and the datasources settings with enable = false.',
        terraform='resource "aws_guardduty_detector_feature" "s3" {\n'
        '  detector_id = aws_guardduty_detector.main.id\n  name        = "S3_DATA_EVENTS"\n'
        '  status      = "ENABLED"\n}',
    ),
    kinds=("aws_guardduty_detector",),
    per_resource=_protection_plans,
)

CHECKS = (RECORDS_ALL, RECORDER_RUNNING, STANDARDS, PROTECTION_PLANS)
