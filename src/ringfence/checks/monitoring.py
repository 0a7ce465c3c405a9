"""CloudTrail: every region, validated log files, management events, delivery to CloudWatch Logs, its bucket;
CloudWatch log groups kept long enough."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from ringfence.checks.base import Check, Meta, Result, Severity, failed, flag, passed, setting, unknown
from ringfence.checks.context import Context
from ringfence.model import Resource, Unknown, as_bool, as_list, is_unknown


def _flag(attribute: str, default: bool, bad: str) -> Callable[[Resource, Context], Iterable[Result]]:
    def check(trail: Resource, ctx: Context) -> Iterable[Result]:
        logging = as_bool(trail.get("enable_logging", True))
        if logging is False:
            yield failed(
                trail,
                "the trail is not logging (enable_logging = false): it records nothing",
                detail="stopped",
            )
            return
        yield flag(trail, attribute, default=default, fail=bad)

    return check


MULTI_REGION = Check(
    Meta(
        rule_id="cloudtrail.multi-region-enabled",
        title="CloudTrail trails record every region",
        pillar="monitoring",
        severity=Severity.HIGH,
        rationale="Attackers work in the regions nobody watches; a single-region trail misses them and "
        "misses global service events recorded elsewhere.",
        remediation="Set is_multi_region_trail = true (and include_global_service_events = true).",
        terraform='resource "aws_cloudtrail" "main" {\n  is_multi_region_trail = true\n}',
        peers=("CKV_AWS_67", "AVD-AWS-0014"),
    ),
    kinds=("aws_cloudtrail",),
    per_resource=_flag("is_multi_region_trail", False, "the trail records one region only"),
)

LOG_FILE_VALIDATION = Check(
    Meta(
        rule_id="cloudtrail.log-file-validation-enabled",
        title="CloudTrail log file validation is on",
        pillar="monitoring",
        severity=Severity.MEDIUM,
        rationale="Digest files prove that log files were not changed or deleted after delivery; without "
        "them an intruder can edit the evidence.",
        remediation="Set enable_log_file_validation = true.",
        terraform='resource "aws_cloudtrail" "main" {\n  enable_log_file_validation = true\n}',
        peers=("CKV_AWS_36", "AVD-AWS-0016"),
    ),
    kinds=("aws_cloudtrail",),
    per_resource=_flag("enable_log_file_validation", False, "log file validation is off"),
)


def _trail_kms(trail: Resource, ctx: Context) -> Iterable[Result]:
    yield setting(
        trail, "kms_key_id", fail="log files are encrypted only with S3-managed keys, not a KMS key"
    )


TRAIL_KMS = Check(
    Meta(
        rule_id="cloudtrail.kms-encryption-enabled",
        title="CloudTrail log files are encrypted with a KMS key",
        pillar="monitoring",
        severity=Severity.MEDIUM,
        rationale="With a customer-managed key, reading the audit trail needs kms:Decrypt as well as "
        "s3:GetObject: one more control an intruder has to defeat, and one more CloudTrail event.",
        remediation="Set kms_key_id to a customer-managed key whose policy lets CloudTrail encrypt.",
        terraform='resource "aws_cloudtrail" "main" {\n  kms_key_id = aws_kms_key.trail.arn\n}',
        peers=("CKV_AWS_35", "AVD-AWS-0015", "AWS-CLOUDTRAIL-ENCRYPTION-CUSTOMER-KEY"),
    ),
    kinds=("aws_cloudtrail",),
    per_resource=_trail_kms,
)


def _management_events(trail: Resource, ctx: Context) -> Iterable[Result]:
    """No selector: every management event, read and write. Basic selectors record them unless
    include_management_events = false; advanced selectors only where one selects eventCategory Management."""
    basic = as_list(trail.get("event_selector"))
    advanced = as_list(trail.get("advanced_event_selector"))
    if is_unknown(trail.get("event_selector")) or is_unknown(trail.get("advanced_event_selector")):
        yield unknown(trail, "the trail's event selectors are not known")
        return
    if not basic and not advanced:
        yield passed(trail)
        return
    kinds: set[str] = set()  # "read", "write" management events some selector records
    for selector in basic:
        include = as_bool(selector.get("include_management_events", True))
        scope = selector.get("read_write_type", "All")
        if isinstance(include, Unknown) or is_unknown(scope):
            yield unknown(trail, "include_management_events or read_write_type is not known")
            return
        if include:
            kinds |= {"All": {"read", "write"}, "ReadOnly": {"read"}, "WriteOnly": {"write"}}.get(
                str(scope), set()
            )
    for selector in advanced:
        fields = {}
        for field in as_list(selector.get("field_selector")):
            name, equals = field.get("field"), field.get("equals")
            if is_unknown(name) or is_unknown(equals):
                yield unknown(trail, "an advanced event selector's field is not known")
                return
            fields[str(name)] = [str(v) for v in as_list(equals)]
        if "Management" not in fields.get("eventCategory", []):
            continue
        read_only = fields.get("readOnly")
        kinds |= (
            {"read"} if read_only == ["true"] else {"write"} if read_only == ["false"] else {"read", "write"}
        )
    if kinds == {"read", "write"}:
        yield passed(trail)
    elif kinds:
        missing = "write" if "read" in kinds else "read"
        yield failed(
            trail, f"the event selectors record {missing}-only management events not at all", detail=missing
        )
    else:
        yield failed(
            trail,
            "the event selectors exclude management events: console sign-ins, IAM and network "
            "changes are not recorded",
            detail="none",
        )


MANAGEMENT_EVENTS = Check(
    Meta(
        rule_id="cloudtrail.management-events-recorded",
        title="CloudTrail trails record read and write management events",
        pillar="monitoring",
        severity=Severity.HIGH,
        rationale="Management events are the control-plane record: who created a user, opened a security "
        "group, disabled a key. A trail whose selectors leave them out records data access and nothing of "
        "how the estate was changed.",
        remediation="Remove the event selectors that exclude them, or set include_management_events = true "
        'and read_write_type = "All" in event_selector (in advanced_event_selector: a field_selector with '
        'field = "eventCategory" and equals = ["Management"], without a readOnly field).',
        terraform='resource "aws_cloudtrail" "main" {\n  event_selector {\n    read_write_type           = "All"\n'
        "    include_management_events = true\n  }\n}",
        peers=("cloudtrail_multi_region_enabled_logging_management_events",),
    ),
    kinds=("aws_cloudtrail",),
    per_resource=_management_events,
)


def _cloudwatch_delivery(trail: Resource, ctx: Context) -> Iterable[Result]:
    group = trail.get("cloud_watch_logs_group_arn")
    if isinstance(group, Unknown):
        yield unknown(trail, f"cloud_watch_logs_group_arn is not known: {group.reason}")
    elif not group:
        yield failed(
            trail,
            "the trail does not deliver to CloudWatch Logs: no metric filter or alarm can "
            "watch its events (cloud_watch_logs_group_arn is not set)",
        )
    elif not trail.get("cloud_watch_logs_role_arn"):
        yield failed(
            trail,
            "cloud_watch_logs_role_arn is not set: CloudTrail cannot write to the log group",
            detail="role",
        )
    else:
        yield passed(trail)


CLOUDWATCH_DELIVERY = Check(
    Meta(
        rule_id="cloudtrail.cloudwatch-logs-delivery",
        title="CloudTrail trails deliver their events to CloudWatch Logs",
        pillar="monitoring",
        severity=Severity.MEDIUM,
        rationale="A trail that only writes to S3 is evidence after the fact; delivered to a log group, its "
        "events feed the metric filters and alarms that call someone while the intrusion is happening.",
        remediation='Set cloud_watch_logs_group_arn (the log group\'s arn followed by ":*") and '
        "cloud_watch_logs_role_arn (a role CloudTrail can assume with logs:CreateLogStream and "
        "logs:PutLogEvents).",
        terraform='resource "aws_cloudtrail" "main" {\n'
        '  cloud_watch_logs_group_arn = "${aws_cloudwatch_log_group.trail.arn}:*"\n'
        "  cloud_watch_logs_role_arn  = aws_iam_role.trail_to_logs.arn\n}",
        peers=("CKV2_AWS_10", "cloudtrail_cloudwatch_logging_enabled"),
    ),
    kinds=("aws_cloudtrail",),
    per_resource=_cloudwatch_delivery,
)

_YEAR = 365


def _retention(group: Resource, ctx: Context) -> Iterable[Result]:
    days = group.get("retention_in_days", 0)
    if isinstance(days, Unknown):
        yield unknown(group, f"retention_in_days is not known: {days.reason}")
        return
    try:
        value = int(days)
    except (TypeError, ValueError):
        yield unknown(group, f"retention_in_days is not a number: {days!r}")
        return
    if value == 0 or value >= _YEAR:  # 0 or absent: events never expire
        yield passed(group)
    else:
        yield failed(
            group,
            f"events are deleted after {value} days, before an investigation that starts "
            f"months later can read them (at least {_YEAR})",
            detail=str(value),
        )


LOG_RETENTION = Check(
    Meta(
        rule_id="cloudwatch.log-group-retention-at-least-a-year",
        title="CloudWatch log groups keep events for at least a year",
        pillar="monitoring",
        severity=Severity.LOW,
        rationale="Intrusions are found months after they start; logs deleted after a few weeks leave the "
        "investigation nothing to read. The finding is about retention that is too short: a group without "
        "retention_in_days keeps its events forever, which passes (and costs storage).",
        remediation="Set retention_in_days to 365 or more (or leave it unset to keep events forever).",
        terraform='resource "aws_cloudwatch_log_group" "app" {\n  name              = "app"\n'
        "  retention_in_days = 365\n}",
        peers=("CKV_AWS_338",),
    ),
    kinds=("aws_cloudwatch_log_group",),
    per_resource=_retention,
)


def _trail_bucket(
    decide: Callable[[Resource, Context], tuple[bool | Unknown, str]], what: str
) -> Callable[[Resource, Context], Iterable[Result]]:
    """A verdict on the bucket a trail delivers to, found through the model's link (``s3_bucket_name``)."""

    def check(trail: Resource, ctx: Context) -> Iterable[Result]:
        name = trail.get("s3_bucket_name")
        buckets = ctx.estate.targets(trail, "s3_bucket_name")
        if not buckets:
            shown = f"{name.reason}" if isinstance(name, Unknown) else f"{name!r} is not in this estate"
            yield unknown(trail, f"the trail's bucket is not known: {shown}")
            return
        for bucket in buckets:
            verdict, bad = decide(bucket, ctx)
            if isinstance(verdict, Unknown):
                yield unknown(
                    trail,
                    f"{what} of {bucket.address} is not known: {verdict.reason}",
                    location=bucket,
                    detail=bucket.address,
                )
            elif verdict:
                yield passed(trail, location=bucket)
            else:
                yield failed(
                    trail,
                    f"the trail's bucket {bucket.address} {bad}",
                    location=bucket,
                    detail=bucket.address,
                )

    return check


def _access_logging(bucket: Resource, ctx: Context) -> tuple[bool | Unknown, str]:
    if ctx.configuration(bucket, "aws_s3_bucket_logging"):
        return True, ""
    for block in as_list(bucket.get("logging")):
        target = block.get("target_bucket") if isinstance(block, dict) else None
        if isinstance(target, Unknown):
            return target, ""
        if target:
            return True, ""
    return False, "does not log access: nobody can tell who read or deleted the audit trail"


def _object_lock(bucket: Resource, ctx: Context) -> tuple[bool | Unknown, str]:
    if ctx.configuration(bucket, "aws_s3_bucket_object_lock_configuration"):
        return True, ""
    enabled = as_bool(bucket.get("object_lock_enabled", False))
    if isinstance(enabled, Unknown) or enabled:
        return enabled, ""
    for block in as_list(bucket.get("object_lock_configuration")):
        value = block.get("object_lock_enabled") if isinstance(block, dict) else None
        if isinstance(value, Unknown):
            return value, ""
        if value == "Enabled":
            return True, ""
    return False, "has no object lock: whoever can write to it can delete or overwrite the log files"


BUCKET_ACCESS_LOGGING = Check(
    Meta(
        rule_id="cloudtrail.bucket-access-logging-enabled",
        title="The bucket a CloudTrail trail delivers to logs access to it",
        pillar="monitoring",
        severity=Severity.MEDIUM,
        rationale="The trail records API calls, not reads of its own log files: only server access logs on "
        "its bucket show who downloaded or deleted the evidence.",
        remediation="Add an aws_s3_bucket_logging for the trail's bucket with target_bucket = a separate "
        "log bucket.",
        terraform='resource "aws_s3_bucket_logging" "trail" {\n  bucket        = aws_s3_bucket.trail.id\n'
        '  target_bucket = aws_s3_bucket.access_logs.id\n  target_prefix = "trail/"\n}',
        peers=("AVD-AWS-0163", "cloudtrail_logs_s3_bucket_access_logging_enabled"),
    ),
    kinds=("aws_cloudtrail",),
    per_resource=_trail_bucket(_access_logging, "access logging"),
)

BUCKET_OBJECT_LOCK = Check(
    Meta(
        rule_id="cloudtrail.bucket-object-lock-enabled",
        title="The bucket a CloudTrail trail delivers to has object lock",
        pillar="monitoring",
        severity=Severity.MEDIUM,
        rationale="An intruder with the right to write to the trail's bucket can delete the log files that "
        "record the intrusion; object lock keeps every version for its retention period whatever the "
        "permissions.",
        remediation="Set object_lock_enabled = true on the trail's aws_s3_bucket and add an "
        "aws_s3_bucket_object_lock_configuration with a default retention.",
        terraform='resource "aws_s3_bucket_object_lock_configuration" "trail" {\n'
        "  bucket = aws_s3_bucket.trail.id\n  rule {\n    default_retention {\n"
        '      mode = "GOVERNANCE"\n      days = 365\n    }\n  }\n}',
    ),
    kinds=("aws_cloudtrail",),
    per_resource=_trail_bucket(_object_lock, "object lock"),
)

CHECKS = (
    MULTI_REGION,
    LOG_FILE_VALIDATION,
    TRAIL_KMS,
    MANAGEMENT_EVENTS,
    CLOUDWATCH_DELIVERY,
    LOG_RETENTION,
    BUCKET_ACCESS_LOGGING,
    BUCKET_OBJECT_LOCK,
)
