"""Classified data under a customer-managed KMS key.

A ``data-classification`` (or ``DataClassification``) tag of ``confidential`` or ``restricted`` raises the
bar from "encrypted" to "encrypted under a key the account controls": with an AWS owned or AWS managed key,
anyone the service lets read the data can decrypt it, and the key policy cannot be narrowed, audited or
revoked. Resources without such a tag are not judged here (S3, DynamoDB, Secrets Manager, CloudWatch Logs,
SageMaker and Backup encrypt with a service key whatever the configuration).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from ringfence.checks.at_rest import is_customer_key, needs_customer_key
from ringfence.checks.base import Check, Meta, Result, Severity, failed, passed, unknown
from ringfence.checks.context import Context
from ringfence.model import Resource, Unknown, as_bool, as_list
from ringfence.model.linker import walk

# kind -> the attribute (dots walk into nested blocks) that names the KMS key of the data at rest.
KEY_ATTRIBUTE: dict[str, str] = {
    "aws_secretsmanager_secret": "kms_key_id",
    "aws_cloudwatch_log_group": "kms_key_id",
    "aws_sagemaker_notebook_instance": "kms_key_id",
    "aws_backup_vault": "kms_key_arn",
    "aws_db_instance": "kms_key_id",
    "aws_rds_cluster": "kms_key_id",
    "aws_efs_file_system": "kms_key_id",
    "aws_ebs_volume": "kms_key_id",
    "aws_sns_topic": "kms_master_key_id",
    "aws_sqs_queue": "kms_master_key_id",
    "aws_kinesis_stream": "kms_key_id",
    "aws_redshift_cluster": "kms_key_id",
    "aws_elasticache_replication_group": "kms_key_id",
    "aws_neptune_cluster": "kms_key_arn",
    "aws_docdb_cluster": "kms_key_id",
    "aws_opensearch_domain": "encrypt_at_rest.kms_key_id",
    "aws_elasticsearch_domain": "encrypt_at_rest.kms_key_id",
    "aws_cloudtrail": "kms_key_id",
    "aws_dynamodb_table": "server_side_encryption.kms_key_arn",
    # encryption_type "KMS" without kms_key uses the AWS managed key aws/ecr; the default is AES256.
    "aws_ecr_repository": "encryption_configuration.kms_key",
    # Environment variables: without kms_key_arn Lambda encrypts them with the AWS managed key aws/lambda.
    "aws_lambda_function": "kms_key_arn",
}

_SSE_CONFIGURATION = "aws_s3_bucket_server_side_encryption_configuration"


def _first(resource: Resource, path: str) -> Any:
    values = list(walk(dict(resource.attributes), path))
    return values[0] if values else None


def _bucket_defaults(bucket: Resource, ctx: Context) -> Iterator[tuple[Resource, dict[str, Any]]]:
    """(deciding resource, apply_server_side_encryption_by_default block) for every rule that applies."""
    sources: list[tuple[Resource, Any]] = [
        (config, config.attributes) for config in ctx.configuration(bucket, _SSE_CONFIGURATION)
    ]
    for inline in as_list(bucket.get("server_side_encryption_configuration")):
        sources.append((bucket, inline))
    for resource, attributes in sources:
        for rule in as_list(attributes.get("rule") if isinstance(attributes, dict) else None):
            if isinstance(rule, dict):
                for default in as_list(rule.get("apply_server_side_encryption_by_default")):
                    if isinstance(default, dict):
                        yield resource, default


def _bucket_key(bucket: Resource, ctx: Context) -> tuple[Any, Resource | None, str]:
    """(key reference or None, deciding resource, what the default is when no key is named)."""
    for resource, default in _bucket_defaults(bucket, ctx):
        algorithm = default.get("sse_algorithm")
        if isinstance(algorithm, Unknown):
            return algorithm, resource, ""
        if isinstance(algorithm, str) and algorithm.startswith("aws:kms"):
            key = default.get("kms_master_key_id")
            return key, resource, "the AWS managed key aws/s3"
        return None, resource, f"SSE-S3 ({algorithm or 'AES256'})"
    return None, None, "SSE-S3, which S3 applies to every new object since January 2023"


def _dynamodb_key(table: Resource) -> tuple[Any, str]:
    blocks = [b for b in as_list(table.get("server_side_encryption")) if isinstance(b, dict)]
    enabled = as_bool(blocks[0].get("enabled", False)) if blocks else False
    if isinstance(enabled, Unknown):
        return enabled, ""
    if not enabled:
        return None, "an AWS owned key (server_side_encryption is not enabled)"
    return blocks[0].get("kms_key_arn"), "the AWS managed key aws/dynamodb"


def _classified_key(resource: Resource, ctx: Context) -> Iterable[Result]:
    required = needs_customer_key(resource)
    if isinstance(required, Unknown):
        yield unknown(resource, f"whether the data is classified is not known: {required.reason}")
        return
    if not required:
        yield passed(resource, "not tagged as confidential or restricted data")
        return
    location: Resource | None = None
    if resource.kind == "aws_s3_bucket":
        key, location, otherwise = _bucket_key(resource, ctx)
        attribute = "kms_master_key_id"
    elif resource.kind == "aws_dynamodb_table":
        key, otherwise = _dynamodb_key(resource)
        attribute = "server_side_encryption.kms_key_arn"
    else:
        attribute = KEY_ATTRIBUTE[resource.kind]
        key, otherwise = _first(resource, attribute), "a key AWS manages for the service"
    verdict = is_customer_key(key)
    if isinstance(verdict, Unknown):
        yield unknown(resource, f"{attribute} is not known: {verdict.reason}", location=location)
    elif verdict is None:
        yield failed(
            resource,
            f"classified data encrypted with {otherwise}, not a customer-managed KMS key ({attribute} not set)",
            location=location,
        )
    elif verdict:
        yield passed(resource, location=location)
    else:
        yield failed(
            resource,
            f"classified data encrypted with the AWS managed key {key}, not a customer-managed key",
            location=location,
        )


CLASSIFIED_DATA_CUSTOMER_KEY = Check(
    Meta(
        rule_id="kms.classified-data-uses-customer-key",
        title="Data tagged confidential or restricted is encrypted with a customer-managed KMS key",
        pillar="encryption",
        severity=Severity.MEDIUM,
        rationale="An AWS owned or AWS managed key lets every principal the service admits decrypt the data, "
        "and its key policy cannot be changed: the key adds no control of its own. A customer-managed key "
        "puts a second, auditable policy in front of classified data and can be disabled to cut access.",
        remediation="Set the resource's KMS key attribute to a customer-managed key (kms_key_id, kms_key_arn, "
        "kms_master_key_id; server_side_encryption.kms_key_arn for DynamoDB; an "
        'aws_s3_bucket_server_side_encryption_configuration with sse_algorithm = "aws:kms" and '
        "kms_master_key_id for S3).",
        terraform=(
            'resource "aws_s3_bucket_server_side_encryption_configuration" "records" {\n'
            "  bucket = aws_s3_bucket.records.id\n  rule {\n"
            "    apply_server_side_encryption_by_default {\n"
            '      sse_algorithm     = "aws:kms"\n'
            "      kms_master_key_id = aws_kms_key.records.arn\n    }\n  }\n}"
        ),
    ),
    kinds=("aws_s3_bucket", *sorted(KEY_ATTRIBUTE)),
    per_resource=_classified_key,
)

CHECKS = (CLASSIFIED_DATA_CUSTOMER_KEY,)
