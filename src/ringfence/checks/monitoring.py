"""CloudTrail: every region, validated log files."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from ringfence.checks.base import Check, Meta, Result, Severity, failed, passed, unknown
from ringfence.checks.context import Context
from ringfence.model import Resource, Unknown, as_bool


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
        value = as_bool(trail.get(attribute, default))
        if isinstance(value, Unknown):
            yield unknown(trail, f"{attribute} is not known: {value.reason}")
        elif value:
            yield passed(trail)
        else:
            yield failed(trail, bad)

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
        compliance=("CIS-AWS-5.0:3.1", "FSBP:CloudTrail.1"),
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
        compliance=("CIS-AWS-5.0:3.2", "FSBP:CloudTrail.4"),
        peers=("CKV_AWS_36", "AVD-AWS-0016"),
    ),
    kinds=("aws_cloudtrail",),
    per_resource=_flag("enable_log_file_validation", False, "log file validation is off"),
)


def _trail_kms(trail: Resource, ctx: Context) -> Iterable[Result]:
    key = trail.get("kms_key_id")
    if isinstance(key, Unknown):
        yield unknown(trail, f"kms_key_id is not known: {key.reason}")
    elif key:
        yield passed(trail)
    else:
        yield failed(trail, "log files are encrypted only with S3-managed keys, not a KMS key")


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
        compliance=("CIS-AWS-5.0:3.5", "FSBP:CloudTrail.2"),
        peers=("CKV_AWS_35", "AVD-AWS-0015", "AWS-CLOUDTRAIL-ENCRYPTION-CUSTOMER-KEY"),
    ),
    kinds=("aws_cloudtrail",),
    per_resource=_trail_kms,
)

CHECKS = (MULTI_REGION, LOG_FILE_VALIDATION, TRAIL_KMS)
