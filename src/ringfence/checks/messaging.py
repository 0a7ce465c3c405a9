"""SNS and SQS: messages encrypted at rest; GuardDuty detectors switched on."""

from __future__ import annotations

from collections.abc import Iterable

from ringfence.checks.base import Check, Meta, Result, Severity, Status, flag, setting
from ringfence.checks.context import Context
from ringfence.model import Resource


def _topic(topic: Resource, ctx: Context) -> Iterable[Result]:
    yield setting(topic, "kms_master_key_id", fail="messages are stored unencrypted (no kms_master_key_id)")


SNS_ENCRYPTED = Check(
    Meta(
        rule_id="sns.topic-encrypted",
        title="SNS topics encrypt messages at rest with KMS",
        pillar="encryption",
        severity=Severity.MEDIUM,
        rationale="SNS stores messages until they are delivered; without server-side encryption they sit "
        "in plain text, often carrying the events and data other systems act on.",
        remediation="Set kms_master_key_id (alias/aws/sns, or a customer-managed key for sensitive data).",
        terraform='resource "aws_sns_topic" "events" {\n  name              = "events"\n  kms_master_key_id = aws_kms_key.events.arn\n}',
        peers=("CKV_AWS_26", "AVD-AWS-0095", "AWS-SNS-ENABLE-TOPIC-ENCRYPTION"),
    ),
    kinds=("aws_sns_topic",),
    per_resource=_topic,
)


def _queue(queue: Resource, ctx: Context) -> Iterable[Result]:
    key = setting(queue, "kms_master_key_id", fail="no KMS key")
    if key.status is not Status.FAIL:
        yield key
        return
    # New queues get SSE-SQS unless it is switched off (SQS encryption at rest documentation).
    yield flag(
        queue,
        "sqs_managed_sse_enabled",
        default=True,
        ok="encrypted with SQS-managed keys",
        fail="server-side encryption is switched off (sqs_managed_sse_enabled = false, no KMS key)",
    )


SQS_ENCRYPTED = Check(
    Meta(
        rule_id="sqs.queue-encrypted",
        title="SQS queues encrypt messages at rest",
        pillar="encryption",
        severity=Severity.MEDIUM,
        rationale="Queued messages persist for up to 14 days; switching server-side encryption off leaves "
        "them readable by anyone who reaches the storage.",
        remediation="Keep sqs_managed_sse_enabled on, or set kms_master_key_id for a customer-managed key.",
        terraform='resource "aws_sqs_queue" "jobs" {\n  name                    = "jobs"\n  sqs_managed_sse_enabled = true\n}',
        peers=("CKV_AWS_27", "AVD-AWS-0096", "AWS-SQS-ENABLE-QUEUE-ENCRYPTION"),
    ),
    kinds=("aws_sqs_queue",),
    per_resource=_queue,
)


def _detector(detector: Resource, ctx: Context) -> Iterable[Result]:
    yield flag(
        detector,
        "enable",
        default=True,
        fail="the detector exists but is suspended (enable = false): nothing is analysed",
    )


GUARDDUTY_ENABLED = Check(
    Meta(
        rule_id="guardduty.detector-enabled",
        title="GuardDuty detectors are enabled",
        pillar="monitoring",
        severity=Severity.HIGH,
        rationale="A suspended detector analyses no CloudTrail, VPC flow or DNS logs: credential theft, "
        "crypto-mining and reconnaissance go unreported.",
        remediation="Set enable = true (and enable GuardDuty in every region, through the organisation).",
        terraform='resource "aws_guardduty_detector" "main" {\n  enable = true\n}',
        peers=("CKV2_AWS_3",),
    ),
    kinds=("aws_guardduty_detector",),
    per_resource=_detector,
)

CHECKS = (SNS_ENCRYPTED, SQS_ENCRYPTED, GUARDDUTY_ENABLED)
