"""S3: buckets (in the scanned regions) with their policy, ACL, public access block, default encryption,
versioning, logging, ownership controls and object lock, as the provider's split resources; and the
account-level public access block (S3 Control)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from ringfence.model import Resource, Unknown
from ringfence.sources.aws.collectors.base import Collector, Reader, tags_of

_FLAGS = {
    "block_public_acls": "BlockPublicAcls",
    "block_public_policy": "BlockPublicPolicy",
    "ignore_public_acls": "IgnorePublicAcls",
    "restrict_public_buckets": "RestrictPublicBuckets",
}


def _region_of(location: Mapping[str, Any] | Unknown | None) -> str | Unknown:
    if isinstance(location, Unknown):
        return location
    constraint = (location or {}).get("LocationConstraint")
    # GetBucketLocation answers null for us-east-1 and "EU" for the oldest eu-west-1 buckets.
    return {None: "us-east-1", "": "us-east-1", "EU": "eu-west-1"}.get(constraint, str(constraint))


def read(reader: Reader) -> Iterable[Resource]:
    yield from _account_block(reader)
    buckets = reader.pages("s3", "list_buckets", "Buckets")
    if isinstance(buckets, Unknown):
        return
    for bucket in buckets:
        name = str(bucket["Name"])
        region = _region_of(reader.call("s3", "get_bucket_location", Bucket=name))
        if isinstance(region, Unknown):
            region = reader.region  # where it is is not known: read it from here
        elif region not in reader.regions:
            continue
        yield from _bucket(reader.in_region(region), name)


def _account_block(reader: Reader) -> Iterable[Resource]:
    got = reader.call("s3control", "get_public_access_block", AccountId=reader.account_id)
    if got is None:
        return
    config = got if isinstance(got, Unknown) else got.get("PublicAccessBlockConfiguration") or {}
    yield reader.resource(
        "aws_s3_account_public_access_block",
        f"aws_s3_account_public_access_block:{reader.account_id}",
        {
            "account_id": reader.account_id,
            **{k: config if isinstance(config, Unknown) else bool(config.get(v)) for k, v in _FLAGS.items()},
        },
        call="s3:GetAccountPublicAccessBlock",
        global_=True,
    )


def _part(reader: Reader, kind: str, bucket: str, attributes: Mapping[str, Any], call: str) -> Resource:
    return reader.resource(kind, f"{kind}:{bucket}", {"bucket": bucket, **attributes}, call=call)


def _bucket(reader: Reader, name: str) -> Iterable[Resource]:
    arn = f"arn:{reader.partition}:s3:::{name}"
    attributes: dict[str, Any] = {"bucket": name, "arn": arn, "region": reader.region}
    lock = reader.call("s3", "get_object_lock_configuration", Bucket=name)
    if isinstance(lock, Unknown):
        attributes["object_lock_enabled"] = lock
    else:
        enabled = ((lock or {}).get("ObjectLockConfiguration") or {}).get("ObjectLockEnabled")
        attributes["object_lock_enabled"] = enabled == "Enabled"
    logging = reader.call("s3", "get_bucket_logging", Bucket=name)
    if isinstance(logging, Unknown):
        attributes["logging"] = [{"target_bucket": logging}]
    elif logging is not None and logging.get("LoggingEnabled"):
        enabled = logging["LoggingEnabled"]
        yield _part(
            reader,
            "aws_s3_bucket_logging",
            name,
            {"target_bucket": enabled.get("TargetBucket"), "target_prefix": enabled.get("TargetPrefix")},
            "s3:GetBucketLogging",
        )
    tags = reader.call("s3", "get_bucket_tagging", Bucket=name)
    found_tags = tags_of(None if isinstance(tags, Unknown) else (tags or {}).get("TagSet"))
    yield reader.resource(
        "aws_s3_bucket",
        arn,
        {**attributes, "tags": found_tags},
        call="s3:ListAllMyBuckets",
        arn=arn,
        tags=found_tags,
    )
    yield from _policy(reader, name)
    yield from _acl(reader, name)
    yield from _public_access_block(reader, name)
    yield from _encryption(reader, name)
    yield from _versioning(reader, name)
    yield from _ownership(reader, name)


def _policy(reader: Reader, name: str) -> Iterable[Resource]:
    got = reader.call("s3", "get_bucket_policy", Bucket=name)
    if got is None:
        return
    policy = got if isinstance(got, Unknown) else got.get("Policy")
    yield _part(reader, "aws_s3_bucket_policy", name, {"policy": policy}, "s3:GetBucketPolicy")


def _acl(reader: Reader, name: str) -> Iterable[Resource]:
    got = reader.call("s3", "get_bucket_acl", Bucket=name)
    if got is None:
        return
    policy: Any
    if isinstance(got, Unknown):
        policy = got
    else:
        grants = []
        for grant in got.get("Grants", []):
            grantee = grant.get("Grantee") or {}
            grants.append(
                {
                    "grantee": [
                        {
                            "type": grantee.get("Type"),
                            "uri": grantee.get("URI"),
                            "id": grantee.get("ID"),
                            "email_address": grantee.get("EmailAddress"),
                        }
                    ],
                    "permission": grant.get("Permission"),
                }
            )
        owner = got.get("Owner") or {}
        policy = [{"grant": grants, "owner": [{"id": owner.get("ID")}]}]
    yield _part(reader, "aws_s3_bucket_acl", name, {"access_control_policy": policy}, "s3:GetBucketAcl")


def _public_access_block(reader: Reader, name: str) -> Iterable[Resource]:
    got = reader.call("s3", "get_public_access_block", Bucket=name)
    if got is None:
        return
    config = got if isinstance(got, Unknown) else got.get("PublicAccessBlockConfiguration") or {}
    flags = {k: config if isinstance(config, Unknown) else bool(config.get(v)) for k, v in _FLAGS.items()}
    yield _part(reader, "aws_s3_bucket_public_access_block", name, flags, "s3:GetBucketPublicAccessBlock")


def _encryption(reader: Reader, name: str) -> Iterable[Resource]:
    got = reader.call("s3", "get_bucket_encryption", Bucket=name)
    if got is None:
        return
    rule: Any
    if isinstance(got, Unknown):
        rule = got
    else:
        rule = [
            {
                "apply_server_side_encryption_by_default": [
                    {
                        "sse_algorithm": (r.get("ApplyServerSideEncryptionByDefault") or {}).get(
                            "SSEAlgorithm"
                        ),
                        "kms_master_key_id": (r.get("ApplyServerSideEncryptionByDefault") or {}).get(
                            "KMSMasterKeyID"
                        ),
                    }
                ],
                "bucket_key_enabled": bool(r.get("BucketKeyEnabled", False)),
            }
            for r in (got.get("ServerSideEncryptionConfiguration") or {}).get("Rules", [])
        ]
    yield _part(
        reader,
        "aws_s3_bucket_server_side_encryption_configuration",
        name,
        {"rule": rule},
        "s3:GetEncryptionConfiguration",
    )


def _versioning(reader: Reader, name: str) -> Iterable[Resource]:
    got = reader.call("s3", "get_bucket_versioning", Bucket=name)
    if got is None:
        return
    config: Any
    if isinstance(got, Unknown):
        config = got
    else:
        # A bucket that was never versioned has no Status: the provider writes "Disabled".
        config = [{"status": got.get("Status", "Disabled"), "mfa_delete": got.get("MFADelete", "Disabled")}]
    yield _part(
        reader,
        "aws_s3_bucket_versioning",
        name,
        {"versioning_configuration": config},
        "s3:GetBucketVersioning",
    )


def _ownership(reader: Reader, name: str) -> Iterable[Resource]:
    got = reader.call("s3", "get_bucket_ownership_controls", Bucket=name)
    if got is None:
        return
    rule: Any
    if isinstance(got, Unknown):
        rule = got
    else:
        rules = (got.get("OwnershipControls") or {}).get("Rules", [])
        rule = [{"object_ownership": r.get("ObjectOwnership")} for r in rules]
    yield _part(
        reader, "aws_s3_bucket_ownership_controls", name, {"rule": rule}, "s3:GetBucketOwnershipControls"
    )


COLLECTOR = Collector(
    name="s3",
    calls=(
        "s3:ListAllMyBuckets",
        "s3:GetBucketLocation",
        "s3:GetBucketPolicy",
        "s3:GetBucketAcl",
        "s3:GetBucketPublicAccessBlock",
        "s3:GetAccountPublicAccessBlock",
        "s3:GetEncryptionConfiguration",
        "s3:GetBucketVersioning",
        "s3:GetBucketLogging",
        "s3:GetBucketOwnershipControls",
        "s3:GetBucketObjectLockConfiguration",
        "s3:GetBucketTagging",
    ),
    scope="global",
    read=read,
)
