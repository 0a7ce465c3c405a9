"""Data at rest: S3 buckets and their policies, KMS keys and aliases, DynamoDB tables, ECR repositories,
Secrets Manager secrets.

An S3 bucket's configuration properties become the provider's separate bucket resources (encryption,
versioning, logging, public access block, ownership, object lock, ACL), named after the property
(``DataBucket.VersioningConfiguration``), as the live source and Terraform since provider v4 write them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from ringfence.model import Ref
from ringfence.sources.cloudformation.types import TAGS, Block, Part, Target, Type, fill

_DEFAULT_ENCRYPTION: Mapping[str, Target] = {
    "ServerSideEncryptionByDefault": Block(
        "apply_server_side_encryption_by_default",
        {"SSEAlgorithm": "sse_algorithm", "KMSMasterKeyID": "kms_master_key_id"},
    ),
    "BucketKeyEnabled": "bucket_key_enabled",
}

_PUBLIC_ACCESS: Mapping[str, Target] = {
    "BlockPublicAcls": "block_public_acls",
    "BlockPublicPolicy": "block_public_policy",
    "IgnorePublicAcls": "ignore_public_acls",
    "RestrictPublicBuckets": "restrict_public_buckets",
}


def _canned(acl: Any) -> Any:
    """``PublicRead`` -> ``public-read``, the canned ACL as the S3 API and Terraform name it."""
    if not isinstance(acl, str):
        return acl
    return re.sub(r"(?<=[a-z])(?=[A-Z])", "-", acl).lower()


def _bucket_parts(
    properties: Mapping[str, Any], attributes: Mapping[str, Any], own: Callable[[str], Ref]
) -> Iterable[Part]:
    bucket = own("id")
    encryption = properties.get("BucketEncryption")
    if isinstance(encryption, Mapping):
        rules = encryption.get("ServerSideEncryptionConfiguration")
        yield Part(
            ".BucketEncryption",
            "aws_s3_bucket_server_side_encryption_configuration",
            {
                "bucket": bucket,
                "rule": [fill(_DEFAULT_ENCRYPTION, r) for r in rules] if isinstance(rules, list) else rules,
            },
        )
    versioning = properties.get("VersioningConfiguration")
    if isinstance(versioning, Mapping):
        yield Part(
            ".VersioningConfiguration",
            "aws_s3_bucket_versioning",
            {"bucket": bucket, "versioning_configuration": [{"status": versioning.get("Status")}]},
        )
    logging = properties.get("LoggingConfiguration")
    if isinstance(logging, Mapping):
        yield Part(
            ".LoggingConfiguration",
            "aws_s3_bucket_logging",
            {
                "bucket": bucket,
                # Without a destination, S3 writes the logs into the bucket itself.
                "target_bucket": logging.get("DestinationBucketName", bucket),
                "target_prefix": logging.get("LogFilePrefix"),
            },
        )
    public = properties.get("PublicAccessBlockConfiguration")
    if isinstance(public, Mapping):
        flags = {
            attr: public.get(prop, False) for prop, attr in _PUBLIC_ACCESS.items() if isinstance(attr, str)
        }
        yield Part(
            ".PublicAccessBlockConfiguration",
            "aws_s3_bucket_public_access_block",
            {"bucket": bucket, **flags},
        )
    ownership = properties.get("OwnershipControls")
    if isinstance(ownership, Mapping):
        rules = ownership.get("Rules")
        yield Part(
            ".OwnershipControls",
            "aws_s3_bucket_ownership_controls",
            {
                "bucket": bucket,
                "rule": [
                    {"object_ownership": r.get("ObjectOwnership")} for r in rules if isinstance(r, Mapping)
                ]
                if isinstance(rules, list)
                else rules,
            },
        )
    lock = properties.get("ObjectLockConfiguration")
    if isinstance(lock, Mapping):
        retention = (
            (lock.get("Rule") or {}).get("DefaultRetention")
            if isinstance(lock.get("Rule"), Mapping)
            else None
        )
        yield Part(
            ".ObjectLockConfiguration",
            "aws_s3_bucket_object_lock_configuration",
            {
                "bucket": bucket,
                "object_lock_enabled": lock.get("ObjectLockEnabled"),
                "rule": [
                    {
                        "default_retention": [
                            fill({"Mode": "mode", "Days": "days", "Years": "years"}, retention)
                        ]
                    }
                ]
                if isinstance(retention, Mapping)
                else [],
            },
        )
    if "AccessControl" in properties:
        yield Part(
            ".AccessControl",
            "aws_s3_bucket_acl",
            {"bucket": bucket, "acl": _canned(properties["AccessControl"])},
        )
    website = properties.get("WebsiteConfiguration")
    if isinstance(website, Mapping):
        yield Part(
            ".WebsiteConfiguration",
            "aws_s3_bucket_website_configuration",
            {"bucket": bucket, "index_document": [{"suffix": website.get("IndexDocument")}]},
        )


def _repository_policy(
    properties: Mapping[str, Any], attributes: Mapping[str, Any], own: Callable[[str], Ref]
) -> Iterable[Part]:
    if "RepositoryPolicyText" in properties:
        yield Part(
            ".RepositoryPolicyText",
            "aws_ecr_repository_policy",
            {"repository": own("name"), "policy": properties["RepositoryPolicyText"]},
        )


def _secret_value(
    properties: Mapping[str, Any], attributes: Mapping[str, Any], own: Callable[[str], Ref]
) -> Iterable[Part]:
    if "SecretString" in properties:
        yield Part(
            ".SecretString",
            "aws_secretsmanager_secret_version",
            {"secret_id": own("arn"), "secret_string": properties["SecretString"]},
        )


TYPES: Mapping[str, Type] = {
    "AWS::S3::Bucket": Type(
        "aws_s3_bucket",
        {"BucketName": "bucket", "ObjectLockEnabled": "object_lock_enabled", "Tags": TAGS},
        ref="id",
        atts={"DomainName": "bucket_domain_name", "RegionalDomainName": "bucket_regional_domain_name"},
        name="bucket",
        parts=_bucket_parts,
    ),
    "AWS::S3::BucketPolicy": Type("aws_s3_bucket_policy", {"Bucket": "bucket", "PolicyDocument": "policy"}),
    "AWS::KMS::Key": Type(
        "aws_kms_key",
        {
            "Description": "description",
            "KeyPolicy": "policy",
            "EnableKeyRotation": "enable_key_rotation",
            "PendingWindowInDays": "deletion_window_in_days",
            "KeyUsage": "key_usage",
            "KeySpec": "customer_master_key_spec",
            "Enabled": "is_enabled",
            "MultiRegion": "multi_region",
            "Tags": TAGS,
        },
        ref="key_id",
        atts={"KeyId": "key_id"},
    ),
    "AWS::KMS::Alias": Type(
        "aws_kms_alias", {"AliasName": "name", "TargetKeyId": "target_key_id"}, ref="name"
    ),
    "AWS::DynamoDB::Table": Type(
        "aws_dynamodb_table",
        {
            "TableName": "name",
            "BillingMode": "billing_mode",
            "SSESpecification": Block(
                "server_side_encryption", {"SSEEnabled": "enabled", "KMSMasterKeyId": "kms_key_arn"}
            ),
            "PointInTimeRecoverySpecification": Block(
                "point_in_time_recovery", {"PointInTimeRecoveryEnabled": "enabled"}
            ),
            "DeletionProtectionEnabled": "deletion_protection_enabled",
            "Tags": TAGS,
        },
        ref="name",
        atts={"StreamArn": "stream_arn"},
        name="name",
    ),
    "AWS::ECR::Repository": Type(
        "aws_ecr_repository",
        {
            "RepositoryName": "name",
            "ImageTagMutability": "image_tag_mutability",
            "ImageScanningConfiguration": Block(
                "image_scanning_configuration", {"ScanOnPush": "scan_on_push"}
            ),
            "EncryptionConfiguration": Block(
                "encryption_configuration", {"EncryptionType": "encryption_type", "KmsKey": "kms_key"}
            ),
            "Tags": TAGS,
        },
        ref="name",
        atts={"RepositoryUri": "repository_url"},
        name="name",
        defaults={"image_tag_mutability": "MUTABLE"},
        parts=_repository_policy,
    ),
    "AWS::SecretsManager::Secret": Type(
        "aws_secretsmanager_secret",
        {"Name": "name", "Description": "description", "KmsKeyId": "kms_key_id", "Tags": TAGS},
        ref="arn",
        atts={"Id": "arn"},
        name="name",
        parts=_secret_value,
    ),
    "AWS::SecretsManager::ResourcePolicy": Type(
        "aws_secretsmanager_secret_policy", {"SecretId": "secret_arn", "ResourcePolicy": "policy"}
    ),
    "AWS::SecretsManager::RotationSchedule": Type(
        "aws_secretsmanager_secret_rotation",
        {
            "SecretId": "secret_id",
            "RotationLambdaARN": "rotation_lambda_arn",
            "RotationRules": Block("rotation_rules", {"AutomaticallyAfterDays": "automatically_after_days"}),
        },
    ),
}
