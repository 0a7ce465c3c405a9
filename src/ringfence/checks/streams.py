"""Kinesis Data Streams and Firehose: records encrypted at rest."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from ringfence.checks.base import Check, Meta, Result, Severity, Status, failed, flag, passed, unknown
from ringfence.checks.context import Context
from ringfence.model import Resource, Unknown, as_list


def _stream(stream: Resource, ctx: Context) -> Iterable[Result]:
    kind = stream.get("encryption_type", "NONE")
    if isinstance(kind, Unknown):
        yield unknown(stream, f"encryption_type is not known: {kind.reason}")
    elif str(kind).upper() == "KMS":
        yield passed(stream)
    else:
        yield failed(stream, "records are stored unencrypted (encryption_type is NONE, the default)")


KINESIS_ENCRYPTED = Check(
    Meta(
        rule_id="kinesis.stream-encrypted",
        title="Kinesis data streams encrypt records at rest with KMS",
        pillar="encryption",
        severity=Severity.MEDIUM,
        rationale="encryption_type defaults to NONE: records sit in the stream unencrypted for the whole "
        "retention period (24 hours to 365 days).",
        remediation='Set encryption_type = "KMS" and kms_key_id (alias/aws/kinesis or a customer-managed key).',
        terraform='resource "aws_kinesis_stream" "events" {\n  encryption_type = "KMS"\n  kms_key_id      = aws_kms_key.events.arn\n}',
        peers=("CKV_AWS_43", "AVD-AWS-0064"),
    ),
    kinds=("aws_kinesis_stream",),
    per_resource=_stream,
)


def _firehose(delivery: Resource, ctx: Context) -> Iterable[Result]:
    if as_list(delivery.get("kinesis_source_configuration")):
        # Firehose does not encrypt what it reads from a Kinesis stream: the stream's encryption applies.
        source = ctx.estate.target(delivery, "kinesis_source_configuration.kinesis_stream_arn")
        if source is None:
            yield unknown(delivery, "records come from a Kinesis stream that is not in the estate")
            return
        for result in _stream(source, ctx):
            message = {
                Status.PASS: "its source stream is encrypted",
                Status.FAIL: f"its source stream {source.address} is not encrypted",
            }.get(result.status, result.message)
            yield replace(result, resource=delivery, message=message, location=source)
        return
    blocks = [b for b in as_list(delivery.get("server_side_encryption")) if isinstance(b, dict)]
    yield flag(
        delivery,
        "enabled",
        default=False,
        block=blocks[0] if blocks else {},
        fail="records buffered by the delivery stream are not encrypted (server_side_encryption is off)",
    )


FIREHOSE_ENCRYPTED = Check(
    Meta(
        rule_id="firehose.delivery-stream-encrypted",
        title="Firehose delivery streams encrypt records at rest",
        pillar="encryption",
        severity=Severity.MEDIUM,
        rationale="Without server-side encryption (off by default) Firehose buffers records unencrypted before "
        "delivery; a stream fed by Kinesis is as encrypted as its source stream.",
        remediation="Add server_side_encryption { enabled = true } (key_type CUSTOMER_MANAGED_CMK with key_arn "
        'for a customer-managed key), or set encryption_type = "KMS" on the source Kinesis stream.',
        terraform=(
            'resource "aws_kinesis_firehose_delivery_stream" "logs" {\n  server_side_encryption {\n'
            '    enabled  = true\n    key_type = "CUSTOMER_MANAGED_CMK"\n    key_arn  = aws_kms_key.logs.arn\n  }\n}'
        ),
        peers=("CKV_AWS_240",),
    ),
    kinds=("aws_kinesis_firehose_delivery_stream",),
    per_resource=_firehose,
)

CHECKS = (KINESIS_ENCRYPTED, FIREHOSE_ENCRYPTED)
