"""Keeping data recoverable and its secrets protected: secret rotation, SecureString parameters, CodeBuild
credentials kept out of plaintext variables, DynamoDB point-in-time recovery, S3 versioning and server access
logs."""

from __future__ import annotations

from collections.abc import Iterable

from ringfence.checks.base import Check, Meta, Result, Severity, failed, flag, not_known, passed, unknown
from ringfence.checks.compute import first_block
from ringfence.checks.context import Context
from ringfence.checks.monitoring import _access_logging
from ringfence.checks.secrets import looks_like_credential, secret_name
from ringfence.model import Resource, Unknown, as_list
from ringfence.shown import fingerprint


# -- Secrets Manager ---------------------------------------------------------------------------------------------
def _rotation(secret: Resource, ctx: Context) -> Iterable[Result]:
    rotations = ctx.estate.sources(secret, "secret_id", of_kind="aws_secretsmanager_secret_rotation")
    if any(r.unevaluated is None for r in rotations):
        yield passed(secret, location=rotations[0])
        return
    if rotations:  # only blocks whose count or for_each is not known
        yield unknown(
            secret, f"whether {rotations[0].address} is created is not known", location=rotations[0]
        )
        return
    # Provider versions before 5 wrote the schedule on the secret itself (rotation_rules).
    rules = first_block(secret, "rotation_rules")
    undecided = [
        r
        for r in ctx.estate.of_kind("aws_secretsmanager_secret_rotation")
        if isinstance(r.get("secret_id"), Unknown) and not ctx.estate.targets(r, "secret_id")
    ]
    if isinstance(rules, Unknown):
        yield not_known(secret, "rotation_rules", rules)
    elif rules is not None:
        yield passed(secret)
    elif undecided:
        yield unknown(
            secret,
            f"no rotation names this secret, but the secret_id of {undecided[0].address} is not known",
            location=undecided[0],
        )
    else:
        yield failed(secret, "no aws_secretsmanager_secret_rotation rotates this secret: it is never rotated")


SECRET_ROTATION = Check(
    Meta(
        rule_id="secretsmanager.secret-rotation-enabled",
        title="Secrets Manager secrets rotate automatically",
        pillar="secrets",
        severity=Severity.MEDIUM,
        rationale="A secret that never changes stays valid for as long as anyone who ever read it keeps "
        "a copy: a leaked database password is a standing way in. Secrets Manager rotates a secret only "
        "when a rotation schedule is configured.",
        remediation="Add an aws_secretsmanager_secret_rotation with secret_id = the secret and "
        "rotation_rules.automatically_after_days (or schedule_expression); for RDS, "
        "manage_master_user_password = true rotates it for you.",
        terraform=(
            'resource "aws_secretsmanager_secret_rotation" "db" {\n'
            "  secret_id           = aws_secretsmanager_secret.db.id\n"
            "  rotation_lambda_arn = aws_lambda_function.rotate.arn\n"
            "  rotation_rules {\n    automatically_after_days = 30\n  }\n}"
        ),
        peers=("CKV2_AWS_57", "secretsmanager_automatic_rotation_enabled"),
    ),
    kinds=("aws_secretsmanager_secret",),
    per_resource=_rotation,
)


# -- SSM Parameter Store -----------------------------------------------------------------------------------------
def _secure_string(parameter: Resource, ctx: Context) -> Iterable[Result]:
    kind = parameter.get("type")
    if isinstance(kind, Unknown):
        yield not_known(parameter, "type", kind)
        return
    if kind == "SecureString":
        yield passed(parameter)
        return
    name = parameter.get("name")
    value = parameter.get("value", parameter.get("insecure_value"))
    named = isinstance(name, str) and secret_name(name.rstrip("/").rsplit("/", 1)[-1])
    shaped = isinstance(value, str) and looks_like_credential(value)
    if named or shaped:
        why = f"its name {name!r} says it holds a secret" if named else "its value has a credential's shape"
        shown = f" ({fingerprint(value)})" if shaped and isinstance(value, str) else ""
        yield failed(
            parameter,
            f"the parameter is stored as {kind} and {why}{shown}: anyone who can read parameters, and every "
            "CloudTrail and console view, sees it in clear text",
        )
    elif isinstance(name, Unknown):
        yield unknown(
            parameter, f"whether the {kind} parameter holds a secret is not known: name {name.reason}"
        )
    else:
        yield passed(parameter, "the name and value of the parameter do not look like a secret")


SSM_SECURE_STRING = Check(
    Meta(
        rule_id="ssm.secret-parameter-is-securestring",
        title="SSM parameters that hold secrets are SecureString parameters",
        pillar="secrets",
        severity=Severity.HIGH,
        rationale="A String or StringList parameter is stored and returned in clear text: ssm:GetParameter "
        "needs no KMS permission to read it and the console shows it. SecureString encrypts the value with "
        "KMS, so reading it also takes kms:Decrypt on the key.",
        remediation='Set type = "SecureString" (with key_id for a customer-managed key) on aws_ssm_parameter '
        "resources holding passwords, tokens or keys, and take the value from a generator or a variable "
        "marked sensitive, not from the code.",
        terraform=(
            'resource "aws_ssm_parameter" "db_password" {\n  name   = "/app/db/password"\n'
            '  type   = "SecureString"\n  key_id = aws_kms_key.app.arn\n'
            "  value  = random_password.db.result\n}"
        ),
    ),
    kinds=("aws_ssm_parameter",),
    per_resource=_secure_string,
)


# -- DynamoDB ----------------------------------------------------------------------------------------------------
def _point_in_time_recovery(table: Resource, ctx: Context) -> Iterable[Result]:
    block = first_block(table, "point_in_time_recovery")
    if isinstance(block, Unknown):
        yield not_known(table, "point_in_time_recovery", block)
        return
    yield flag(
        table,
        "enabled",
        default=False,
        block=block or {},
        fail="point-in-time recovery is off (point_in_time_recovery.enabled is not true): a bad write or "
        "delete cannot be undone",
    )


DYNAMODB_PITR = Check(
    Meta(
        rule_id="dynamodb.point-in-time-recovery-enabled",
        title="DynamoDB tables have point-in-time recovery",
        pillar="encryption",
        severity=Severity.MEDIUM,
        rationale="Point-in-time recovery keeps continuous backups for 35 days, so a table overwritten or "
        "emptied by a bug, a mistake or an intruder can be restored to any second before it happened. It is "
        "off unless enabled.",
        remediation="Add point_in_time_recovery { enabled = true } to the aws_dynamodb_table.",
        terraform=(
            'resource "aws_dynamodb_table" "orders" {\n  name     = "orders"\n  hash_key = "id"\n'
            "  point_in_time_recovery {\n    enabled = true\n  }\n}"
        ),
        peers=("CKV_AWS_28", "AVD-AWS-0024", "dynamodb_tables_pitr_enabled"),
    ),
    kinds=("aws_dynamodb_table",),
    per_resource=_point_in_time_recovery,
)


def _table_deletion_protection(table: Resource, ctx: Context) -> Iterable[Result]:
    yield flag(
        table,
        "deletion_protection_enabled",
        default=False,
        fail="deletion_protection_enabled is not true: one DeleteTable call (or a terraform destroy) removes "
        "the table and its data",
    )


DYNAMODB_DELETION_PROTECTION = Check(
    Meta(
        rule_id="dynamodb.deletion-protection-enabled",
        title="DynamoDB tables are protected against deletion",
        pillar="encryption",
        severity=Severity.LOW,
        rationale="Deletion protection makes DeleteTable fail until it is switched off, so a mistaken "
        "destroy, a bad automation run or an intruder with dynamodb:DeleteTable cannot erase the table in "
        "one call. It is off by default.",
        remediation="Set deletion_protection_enabled = true on the aws_dynamodb_table.",
        terraform='resource "aws_dynamodb_table" "orders" {\n  deletion_protection_enabled = true\n}',
        peers=("dynamodb_table_deletion_protection_enabled",),
    ),
    kinds=("aws_dynamodb_table",),
    per_resource=_table_deletion_protection,
)


def _database_deletion_protection(db: Resource, ctx: Context) -> Iterable[Result]:
    if db.kind == "aws_db_instance" and db.get("cluster_identifier") is not None:
        return  # a cluster member: the cluster's setting protects the data
    yield flag(
        db,
        "deletion_protection",
        default=False,
        fail="deletion_protection is not true: the database can be deleted in one call",
    )


RDS_DELETION_PROTECTION = Check(
    Meta(
        rule_id="rds.deletion-protection-enabled",
        title="RDS databases and clusters are protected against deletion",
        pillar="encryption",
        severity=Severity.LOW,
        rationale="With deletion protection RDS refuses to delete the database until the setting is turned "
        "off: a mistaken destroy or a compromised automation role cannot remove it (and, with "
        "skip_final_snapshot, every backup) in one step. It is off by default.",
        remediation="Set deletion_protection = true on the aws_db_instance or aws_rds_cluster.",
        terraform='resource "aws_db_instance" "app" {\n  deletion_protection = true\n}',
        peers=(
            "CKV_AWS_293",
            "CKV_AWS_139",
            "rds_instance_deletion_protection",
            "rds_cluster_deletion_protection",
        ),
    ),
    kinds=("aws_db_instance", "aws_rds_cluster"),
    per_resource=_database_deletion_protection,
)


# -- S3 ----------------------------------------------------------------------------------------------------------
def _versioning(bucket: Resource, ctx: Context) -> Iterable[Result]:
    for config in ctx.configuration(bucket, "aws_s3_bucket_versioning"):
        block = first_block(config, "versioning_configuration")
        status = block.get("status") if isinstance(block, dict) else block
        if isinstance(status, Unknown):
            yield unknown(bucket, f"versioning status is not known: {status.reason}", location=config)
        elif status == "Enabled":
            yield passed(bucket, location=config)
        else:
            yield failed(bucket, f"versioning is {status or 'not enabled'}", location=config)
        return
    inline = first_block(bucket, "versioning")
    if isinstance(inline, Unknown):
        yield not_known(bucket, "versioning", inline)
        return
    yield flag(
        bucket,
        "enabled",
        default=False,
        block=inline or {},
        fail="versioning is not enabled (no aws_s3_bucket_versioning): an overwritten or deleted object "
        "is gone",
    )


S3_VERSIONING = Check(
    Meta(
        rule_id="s3.bucket-versioning-enabled",
        title="S3 buckets keep object versions",
        pillar="encryption",
        severity=Severity.LOW,
        rationale="Without versioning an object overwritten or deleted, by mistake or by ransomware with "
        "write access, cannot be recovered; versioning is also what replication and object lock build on. "
        "Buckets are created unversioned.",
        remediation='Add an aws_s3_bucket_versioning with versioning_configuration { status = "Enabled" } '
        "(and a lifecycle rule expiring noncurrent versions to bound the cost).",
        terraform=(
            'resource "aws_s3_bucket_versioning" "data" {\n  bucket = aws_s3_bucket.data.id\n'
            '  versioning_configuration {\n    status = "Enabled"\n  }\n}'
        ),
        peers=("CKV_AWS_21", "AVD-AWS-0090", "s3_bucket_object_versioning"),
    ),
    kinds=("aws_s3_bucket",),
    per_resource=_versioning,
)


def _server_access_logs(bucket: Resource, ctx: Context) -> Iterable[Result]:
    if any(t.kind == "aws_cloudtrail" for t in ctx.estate.sources(bucket, "s3_bucket_name")):
        return  # cloudtrail.bucket-access-logging-enabled reports a trail's bucket
    if ctx.estate.sources(bucket, "target_bucket", of_kind="aws_s3_bucket_logging"):
        yield passed(bucket, "the bucket receives other buckets' access logs")
        return
    verdict, _ = _access_logging(bucket, ctx)
    if isinstance(verdict, Unknown):
        yield not_known(bucket, "logging.target_bucket", verdict)
    elif verdict:
        yield passed(bucket)
    else:
        yield failed(
            bucket,
            "server access logging is off (no aws_s3_bucket_logging): reads and deletes of objects are "
            "recorded nowhere unless CloudTrail data events are on",
        )


S3_ACCESS_LOGGING = Check(
    Meta(
        rule_id="s3.bucket-access-logging-enabled",
        title="S3 buckets log requests to them (server access logging)",
        pillar="monitoring",
        severity=Severity.LOW,
        rationale="CloudTrail records object reads and writes only when data events are configured; server "
        "access logs record every request to the bucket, which an investigation of a leak needs. A bucket "
        "that receives access logs is not asked to log itself.",
        remediation="Add an aws_s3_bucket_logging with bucket = the bucket and target_bucket = a separate "
        "log bucket.",
        terraform=(
            'resource "aws_s3_bucket_logging" "data" {\n  bucket        = aws_s3_bucket.data.id\n'
            '  target_bucket = aws_s3_bucket.access_logs.id\n  target_prefix = "data/"\n}'
        ),
        peers=("CKV_AWS_18", "AVD-AWS-0089", "s3_bucket_server_access_logging_enabled"),
    ),
    kinds=("aws_s3_bucket",),
    per_resource=_server_access_logs,
)

# -- CodeBuild ---------------------------------------------------------------------------------------------------
# Variables the AWS SDKs and CLI read as credentials (FSBP CodeBuild.2 names these two).
_AWS_CREDENTIAL_VARIABLES = frozenset({"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"})


def _build_environment(project: Resource, ctx: Context) -> Iterable[Result]:
    environment = first_block(project, "environment")
    if isinstance(environment, Unknown):
        yield not_known(project, "environment", environment)
        return
    variables = (environment or {}).get("environment_variable")
    if isinstance(variables, Unknown):
        yield not_known(project, "environment.environment_variable", variables)
        return
    found: list[str] = []
    undecided: list[str] = []
    for variable in as_list(variables):
        if not isinstance(variable, dict):
            continue
        name, value, kind = variable.get("name"), variable.get("value"), variable.get("type", "PLAINTEXT")
        if isinstance(kind, Unknown) or not isinstance(name, str):
            undecided.append(
                f"{name if isinstance(name, str) else 'a variable'}: its name or type is not known"
            )
            continue
        if kind != "PLAINTEXT":
            continue  # PARAMETER_STORE and SECRETS_MANAGER values are names of secrets, not secrets
        if isinstance(value, str) and looks_like_credential(value):
            found.append(f"{name} holds a credential ({fingerprint(value)})")
        elif name.upper() in _AWS_CREDENTIAL_VARIABLES or (value is not None and secret_name(name)):
            found.append(name)
    if found:
        yield failed(
            project,
            f"credentials in plaintext build environment variables: {'; '.join(found)}",
            detail=",".join(found),
        )
    elif undecided:
        yield unknown(project, "; ".join(undecided))
    else:
        yield passed(project)


CODEBUILD_NO_PLAINTEXT_CREDENTIALS = Check(
    Meta(
        rule_id="codebuild.no-plaintext-credentials-in-environment",
        title="CodeBuild projects take credentials from Secrets Manager or Parameter Store, not plaintext "
        "variables",
        pillar="secrets",
        severity=Severity.HIGH,
        rationale="A PLAINTEXT environment variable (the default type) is stored in the project as written "
        "and shown to anyone allowed codebuild:BatchGetProjects, and printed by any build step that dumps "
        "its environment. Variables of type SECRETS_MANAGER or PARAMETER_STORE hold only the secret's name.",
        remediation='Set type = "SECRETS_MANAGER" (value = the secret\'s name or ARN, with a :json-key suffix) '
        'or type = "PARAMETER_STORE" on environment_variable blocks holding passwords, tokens or keys, and '
        "give the build role, not an access key, the AWS permissions it needs.",
        terraform=(
            'resource "aws_codebuild_project" "app" {\n  environment {\n'
            '    compute_type = "BUILD_GENERAL1_SMALL"\n    image        = "aws/codebuild/standard:7.0"\n'
            '    type         = "LINUX_CONTAINER"\n    environment_variable {\n'
            '      name  = "NPM_TOKEN"\n      type  = "SECRETS_MANAGER"\n      value = "ci/npm:token"\n'
            "    }\n  }\n}"
        ),
        peers=("codebuild_project_no_secrets_in_variables",),
    ),
    kinds=("aws_codebuild_project",),
    per_resource=_build_environment,
)

CHECKS = (
    SECRET_ROTATION,
    SSM_SECURE_STRING,
    DYNAMODB_PITR,
    DYNAMODB_DELETION_PROTECTION,
    RDS_DELETION_PROTECTION,
    S3_VERSIONING,
    S3_ACCESS_LOGGING,
    CODEBUILD_NO_PLAINTEXT_CREDENTIALS,
)
