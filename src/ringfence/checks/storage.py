"""S3, KMS, RDS and EFS: public access, key hygiene, encryption at rest."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from ringfence.checks.base import Check, Meta, Result, Severity, failed, flag, not_known, passed, unknown
from ringfence.checks.context import Context
from ringfence.model import Resource, Unknown, as_bool

_PAB_FLAGS = ("block_public_acls", "block_public_policy", "ignore_public_acls", "restrict_public_buckets")


def _public_access_block(bucket: Resource, ctx: Context) -> Iterable[Result]:
    """S3 combines the account's and the bucket's settings flag by flag: a flag is on when either is."""
    blocks = [
        *ctx.configuration(bucket, "aws_s3_bucket_public_access_block"),
        *ctx.estate.of_kind("aws_s3_account_public_access_block"),
    ]
    if not blocks:
        yield failed(bucket, "no public access block applies to this bucket (nor an account-level one)")
        return
    off: list[str] = []
    unknowns: list[str] = []
    for name in _PAB_FLAGS:
        values = [(block, as_bool(block.get(name, False))) for block in blocks]
        if any(v is True for _, v in values):
            continue
        undecided = [f"{b.address}.{name}: {v.reason}" for b, v in values if isinstance(v, Unknown)]
        if undecided:
            unknowns += undecided
        else:
            off.append(name)
    if off:
        yield failed(
            bucket,
            f"public access block leaves {', '.join(off)} off",
            location=blocks[0],
            detail=",".join(off),
        )
    elif unknowns:
        yield unknown(bucket, "cannot tell whether public access is blocked: " + "; ".join(unknowns))
    else:
        yield passed(bucket, location=blocks[0])


S3_PUBLIC_ACCESS_BLOCK = Check(
    Meta(
        rule_id="s3.public-access-block-enabled",
        title="S3 buckets block public access (all four settings on)",
        pillar="identity",
        severity=Severity.HIGH,
        rationale="Without a public access block, one ACL or policy change makes the bucket public.",
        remediation="Add an aws_s3_bucket_public_access_block with all four settings true (or an account-level one).",
        terraform=(
            'resource "aws_s3_bucket_public_access_block" "this" {\n'
            "  bucket                  = aws_s3_bucket.this.id\n"
            "  block_public_acls       = true\n  block_public_policy     = true\n"
            "  ignore_public_acls      = true\n  restrict_public_buckets = true\n}"
        ),
        peers=(
            "CKV2_AWS_6",
            "CKV_AWS_53",
            "CKV_AWS_54",
            "CKV_AWS_55",
            "CKV_AWS_56",
            "AVD-AWS-0086",
            "AVD-AWS-0087",
            "AVD-AWS-0091",
            "AVD-AWS-0093",
            "AVD-AWS-0094",
        ),
    ),
    kinds=("aws_s3_bucket",),
    per_resource=_public_access_block,
)


def _is_symmetric(key: Resource) -> bool | Unknown:
    spec = key.get("customer_master_key_spec", key.get("key_spec", "SYMMETRIC_DEFAULT"))
    usage = key.get("key_usage", "ENCRYPT_DECRYPT")
    if isinstance(spec, Unknown) or isinstance(usage, Unknown):
        return Unknown("key spec not known")
    return bool(spec == "SYMMETRIC_DEFAULT" and usage == "ENCRYPT_DECRYPT")


def _key_rotation(key: Resource, ctx: Context) -> Iterable[Result]:
    if key.get("custom_key_store_id") is not None:
        # AWS: automatic rotation is not supported for keys in custom key stores (EnableKeyRotation).
        yield passed(key, "keys in a custom key store cannot rotate automatically")
        return
    symmetric = _is_symmetric(key)
    if symmetric is False:
        yield passed(key, "asymmetric and HMAC keys cannot rotate automatically")
        return
    enabled = as_bool(key.get("enable_key_rotation", False))
    if isinstance(enabled, Unknown):
        yield not_known(key, "enable_key_rotation", enabled)
    elif enabled:
        yield passed(key)
    elif isinstance(symmetric, Unknown):
        yield unknown(
            key, f"rotation is off, and whether the key can rotate is not known: {symmetric.reason}"
        )
    else:
        yield failed(key, "automatic key rotation is off")


KMS_KEY_ROTATION = Check(
    Meta(
        rule_id="kms.key-rotation-enabled",
        title="Customer-managed symmetric KMS keys rotate automatically",
        pillar="encryption",
        severity=Severity.MEDIUM,
        rationale="Rotation limits how much data one key version protects and how long a leaked key is useful.",
        remediation="Set enable_key_rotation = true on symmetric keys.",
        terraform='resource "aws_kms_key" "this" {\n  enable_key_rotation = true\n}',
        peers=("CKV_AWS_7", "AVD-AWS-0065", "AWS-KMS-AUTO-ROTATE-KEYS"),
    ),
    kinds=("aws_kms_key",),
    per_resource=_key_rotation,
)


def _deletion_window(key: Resource, ctx: Context) -> Iterable[Result]:
    days = key.get("deletion_window_in_days", 30)
    if isinstance(days, Unknown):
        yield not_known(key, "deletion_window_in_days", days)
        return
    try:
        value = int(days)
    except (TypeError, ValueError):
        yield unknown(key, f"deletion_window_in_days is not a number: {days!r}")
        return
    if 7 <= value <= 30:
        yield passed(key)
    else:
        yield failed(key, f"deletion window is {value} days; AWS accepts 7 to 30", detail=str(value))


KMS_DELETION_WINDOW = Check(
    Meta(
        rule_id="kms.deletion-window-in-range",
        title="KMS keys keep a deletion window of 7 to 30 days",
        pillar="encryption",
        severity=Severity.LOW,
        rationale="The waiting period is the only chance to cancel a mistaken or malicious key deletion; "
        "a window outside 7-30 days is rejected by AWS at apply time.",
        remediation="Set deletion_window_in_days between 7 and 30 (30 gives the most time to react).",
        terraform='resource "aws_kms_key" "this" {\n  deletion_window_in_days = 30\n}',
    ),
    kinds=("aws_kms_key",),
    per_resource=_deletion_window,
)


def _rds_encrypted(db: Resource, ctx: Context, seen: frozenset[str] = frozenset()) -> Iterable[Result]:
    if db.kind == "aws_rds_cluster_instance" or (
        db.kind == "aws_db_instance" and db.get("cluster_identifier")
    ):
        cluster = ctx.estate.target(db, "cluster_identifier")
        if cluster is None:
            yield unknown(
                db,
                f"encryption is decided by cluster {db.get('cluster_identifier')}, which is not in the estate",
            )
            return
        value = as_bool(cluster.get("storage_encrypted", False))
        if isinstance(value, Unknown):
            yield unknown(db, f"the cluster's storage_encrypted is not known: {value.reason}")
        elif value:
            yield passed(db, "encrypted by its cluster")
        else:
            yield failed(db, f"its cluster {cluster.address} stores data unencrypted", location=cluster)
        return
    own = db.get("storage_encrypted")
    source = db.get("replicate_source_db")
    if source is not None and own is None:
        origin = ctx.estate.target(db, "replicate_source_db")
        if origin is None or origin.address in seen:
            yield unknown(
                db, "a read replica inherits encryption from its source database, which is not in the estate"
            )
            return
        for result in _rds_encrypted(origin, ctx, seen | {db.address}):
            verdict = {
                "pass": "its source database is encrypted",
                "fail": "its source database is unencrypted",
            }
            yield replace(
                result, resource=db, message=verdict.get(result.status.value, result.message), location=origin
            )
        return
    if own is None and db.get("snapshot_identifier") is not None:
        yield unknown(
            db, "restored from a snapshot: encryption follows the snapshot unless storage_encrypted is set"
        )
        return
    if own is None and db.kind == "aws_rds_cluster":
        # aws_rds_cluster: storage_encrypted defaults to false for provisioned clusters and to true for
        # engine_mode = "serverless" (Aurora Serverless v1 is always encrypted).
        mode = db.get("engine_mode", "provisioned")
        if isinstance(mode, Unknown):
            yield unknown(db, f"the default depends on engine_mode, which is not known: {mode.reason}")
            return
        if mode == "serverless":
            yield passed(db, "Aurora Serverless v1 clusters are always encrypted")
            return
    yield flag(db, "storage_encrypted", default=False, fail="storage is not encrypted at rest")


RDS_STORAGE_ENCRYPTED = Check(
    Meta(
        rule_id="rds.storage-encrypted",
        title="RDS databases and clusters encrypt storage at rest",
        pillar="encryption",
        severity=Severity.HIGH,
        rationale="Unencrypted storage, snapshots and replicas expose the data to anyone who obtains them; "
        "encryption cannot be switched on later without a copy.",
        remediation="Set storage_encrypted = true (with kms_key_id for a customer-managed key).",
        terraform='resource "aws_db_instance" "this" {\n  storage_encrypted = true\n  kms_key_id        = aws_kms_key.db.arn\n}',
        peers=("CKV_AWS_16", "CKV_AWS_96", "AVD-AWS-0080", "AVD-AWS-0079"),
    ),
    kinds=("aws_db_instance", "aws_rds_cluster", "aws_rds_cluster_instance"),
    per_resource=_rds_encrypted,
)


def _efs_encrypted(fs: Resource, ctx: Context) -> Iterable[Result]:
    yield flag(
        fs,
        "encrypted",
        default=False,
        fail="file data and metadata are not encrypted at rest (encrypted is off; it cannot be changed later)",
    )


EFS_ENCRYPTED = Check(
    Meta(
        rule_id="efs.file-system-encrypted",
        title="EFS file systems encrypt data at rest",
        pillar="encryption",
        severity=Severity.MEDIUM,
        rationale="encrypted defaults to false for aws_efs_file_system; an unencrypted file system cannot be "
        "encrypted in place, only copied to a new one.",
        remediation="Set encrypted = true (with kms_key_id for a customer-managed key).",
        terraform='resource "aws_efs_file_system" "shared" {\n  encrypted  = true\n  kms_key_id = aws_kms_key.shared.arn\n}',
        peers=("CKV_AWS_42", "AVD-AWS-0037"),
    ),
    kinds=("aws_efs_file_system",),
    per_resource=_efs_encrypted,
)


def _rds_public(db: Resource, ctx: Context) -> Iterable[Result]:
    yield flag(
        db,
        "publicly_accessible",
        default=False,
        want=False,
        fail="publicly_accessible = true gives the database a public DNS name and address",
    )


RDS_NOT_PUBLIC = Check(
    Meta(
        rule_id="rds.not-publicly-accessible",
        title="RDS databases are not publicly accessible",
        pillar="network",
        severity=Severity.CRITICAL,
        rationale="A publicly accessible database gets an internet-resolvable address; one security group "
        "rule away from the internet.",
        remediation="Set publicly_accessible = false and reach the database from the application tier.",
        terraform='resource "aws_db_instance" "this" {\n  publicly_accessible = false\n}',
        peers=("CKV_AWS_17", "AVD-AWS-0180", "AVD-AWS-0082"),
    ),
    kinds=("aws_db_instance", "aws_rds_cluster_instance"),
    per_resource=_rds_public,
)

CHECKS = (
    S3_PUBLIC_ACCESS_BLOCK,
    KMS_KEY_ROTATION,
    KMS_DELETION_WINDOW,
    RDS_STORAGE_ENCRYPTED,
    RDS_NOT_PUBLIC,
    EFS_ENCRYPTED,
)
