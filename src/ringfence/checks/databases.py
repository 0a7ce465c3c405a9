"""ElastiCache, Redshift, Neptune and DocumentDB: data encrypted at rest; Redshift connections over TLS."""

from __future__ import annotations

from collections.abc import Iterable

from ringfence.checks.base import Check, Meta, Result, Severity, failed, flag, passed, unknown
from ringfence.checks.context import Context
from ringfence.model import Resource, Unknown, as_bool, as_list


def _replication_group(group: Resource, ctx: Context) -> Iterable[Result]:
    engine = group.get("engine", "redis")
    if isinstance(engine, Unknown):
        if group.get("at_rest_encryption_enabled") is None:
            yield unknown(group, f"the default depends on the engine, which is not known: {engine.reason}")
            return
        engine = "redis"
    # CreateReplicationGroup: AtRestEncryptionEnabled defaults to true for Valkey, false for Redis OSS.
    valkey = str(engine).lower() == "valkey"
    yield flag(
        group,
        "at_rest_encryption_enabled",
        default=valkey,
        fail="data on disk, in backups and in sync files is not encrypted (at_rest_encryption_enabled is off)",
    )


ELASTICACHE_AT_REST = Check(
    Meta(
        rule_id="elasticache.replication-group-encrypted-at-rest",
        title="ElastiCache replication groups encrypt data at rest",
        pillar="encryption",
        severity=Severity.MEDIUM,
        rationale="Without at-rest encryption, swap and sync files on the nodes and backups exported to S3 hold "
        "cached data in plain text; the setting can only be chosen when the group is created.",
        remediation="Set at_rest_encryption_enabled = true (Redis OSS groups default to false; Valkey to true).",
        terraform='resource "aws_elasticache_replication_group" "cache" {\n  at_rest_encryption_enabled = true\n  kms_key_id                 = aws_kms_key.cache.arn\n}',
        peers=("CKV_AWS_29", "AVD-AWS-0045"),
    ),
    kinds=("aws_elasticache_replication_group",),
    per_resource=_replication_group,
)


def _redshift_encrypted(cluster: Resource, ctx: Context) -> Iterable[Result]:
    # The provider's default is true from v6 (matching the AWS API, which encrypts new clusters by
    # default); provider v5 and older sent encrypted = false when the attribute was absent.
    yield flag(
        cluster,
        "encrypted",
        default=True,
        fail="the cluster and its snapshots are not encrypted (encrypted = false)",
        ok="" if cluster.get("encrypted") is not None else "encrypted by default (AWS API; provider v6+)",
    )


REDSHIFT_ENCRYPTED = Check(
    Meta(
        rule_id="redshift.cluster-encrypted",
        title="Redshift clusters encrypt data at rest",
        pillar="encryption",
        severity=Severity.HIGH,
        rationale="An unencrypted warehouse keeps its tables and every snapshot in plain text. New clusters are "
        "encrypted by default (AWS API; Terraform AWS provider v6+), so encrypted = false is a deliberate "
        "opt-out; with provider v5 or older, leaving encrypted out also meant unencrypted.",
        remediation="Set encrypted = true (with kms_key_id for a customer-managed key).",
        terraform='resource "aws_redshift_cluster" "warehouse" {\n  encrypted  = true\n  kms_key_id = aws_kms_key.warehouse.arn\n}',
        peers=("CKV_AWS_64",),
    ),
    kinds=("aws_redshift_cluster",),
    per_resource=_redshift_encrypted,
)


def _require_ssl(group: Resource) -> bool | Unknown:
    """The parameter group's require_ssl; absent, it is the engine default (false)."""
    for parameter in as_list(group.get("parameter")):
        if not isinstance(parameter, dict):
            continue
        name = parameter.get("name")
        if isinstance(name, Unknown):
            return Unknown(f"a parameter name is not known: {name.reason}")
        if name == "require_ssl":
            value = as_bool(parameter.get("value"))
            if isinstance(value, Unknown):
                return value
            return bool(value)
    return False


def _redshift_ssl(cluster: Resource, ctx: Context) -> Iterable[Result]:
    name = cluster.get("cluster_parameter_group_name")
    if isinstance(name, Unknown):
        yield unknown(cluster, f"cluster_parameter_group_name is not known: {name.reason}")
        return
    if not name:
        yield failed(cluster, "uses the default parameter group, where require_ssl is false")
        return
    group = ctx.estate.target(cluster, "cluster_parameter_group_name")
    if group is None:
        if str(name).startswith("default."):
            yield failed(cluster, f"uses the default parameter group {name}, where require_ssl is false")
        else:
            yield unknown(cluster, f"parameter group {name} is not in the estate")
        return
    required = _require_ssl(group)
    if isinstance(required, Unknown):
        yield unknown(cluster, f"require_ssl is not known: {required.reason}", location=group)
    elif required:
        yield passed(cluster, location=group)
    else:
        yield failed(
            cluster, f"parameter group {group.address} does not set require_ssl = true", location=group
        )


REDSHIFT_REQUIRE_SSL = Check(
    Meta(
        rule_id="redshift.cluster-requires-ssl",
        title="Redshift clusters accept only TLS connections (require_ssl = true)",
        pillar="encryption",
        severity=Severity.MEDIUM,
        rationale="Redshift's default parameter group accepts unencrypted client connections: credentials and "
        "query results can cross the network in plain text.",
        remediation='Attach an aws_redshift_parameter_group with parameter { name = "require_ssl", '
        'value = "true" } through cluster_parameter_group_name.',
        terraform=(
            'resource "aws_redshift_parameter_group" "tls" {\n  name   = "require-tls"\n'
            '  family = "redshift-2.0"\n  parameter {\n    name  = "require_ssl"\n    value = "true"\n  }\n}'
        ),
        peers=("CKV_AWS_105",),
    ),
    kinds=("aws_redshift_cluster",),
    per_resource=_redshift_ssl,
)


def _storage_encrypted(cluster: Resource, ctx: Context) -> Iterable[Result]:
    if cluster.get("storage_encrypted") is None and cluster.get("snapshot_identifier") is not None:
        yield unknown(
            cluster,
            "restored from a snapshot: encryption follows the snapshot unless storage_encrypted is set",
        )
        return
    yield flag(
        cluster,
        "storage_encrypted",
        default=False,
        fail="cluster storage, backups and snapshots are not encrypted (storage_encrypted is off)",
    )


NEPTUNE_ENCRYPTED = Check(
    Meta(
        rule_id="neptune.cluster-storage-encrypted",
        title="Neptune clusters encrypt storage at rest",
        pillar="encryption",
        severity=Severity.HIGH,
        rationale="storage_encrypted defaults to false; an unencrypted cluster's volume, backups and snapshots "
        "are readable by whoever obtains them, and encryption cannot be switched on later.",
        remediation="Set storage_encrypted = true (with kms_key_arn for a customer-managed key).",
        terraform='resource "aws_neptune_cluster" "graph" {\n  storage_encrypted = true\n  kms_key_arn       = aws_kms_key.graph.arn\n}',
        peers=("CKV_AWS_44", "AVD-AWS-0076"),
    ),
    kinds=("aws_neptune_cluster",),
    per_resource=_storage_encrypted,
)

DOCDB_ENCRYPTED = Check(
    Meta(
        rule_id="docdb.cluster-storage-encrypted",
        title="DocumentDB clusters encrypt storage at rest",
        pillar="encryption",
        severity=Severity.HIGH,
        rationale="storage_encrypted defaults to false; an unencrypted cluster's volume, backups and snapshots "
        "are readable by whoever obtains them, and encryption cannot be switched on later.",
        remediation="Set storage_encrypted = true (with kms_key_id for a customer-managed key).",
        terraform='resource "aws_docdb_cluster" "docs" {\n  storage_encrypted = true\n  kms_key_id        = aws_kms_key.docs.arn\n}',
        peers=("CKV_AWS_74", "AVD-AWS-0021"),
    ),
    kinds=("aws_docdb_cluster",),
    per_resource=_storage_encrypted,
)

CHECKS = (ELASTICACHE_AT_REST, REDSHIFT_ENCRYPTED, REDSHIFT_REQUIRE_SSL, NEPTUNE_ENCRYPTED, DOCDB_ENCRYPTED)
