"""Who may call an API and what a data service records: API Gateway stage access logs and method
authorization, Redshift and ActiveMQ audit logging, RDS IAM authentication and log exports."""

from __future__ import annotations

from collections.abc import Iterable

from ringfence.checks.base import Check, Meta, Result, Severity, failed, flag, not_known, passed, unknown
from ringfence.checks.compute import first_block
from ringfence.checks.context import Context
from ringfence.model import Resource, Unknown, as_bool, as_list


# -- API Gateway -------------------------------------------------------------------------------------------------
def _stage_access_logs(stage: Resource, ctx: Context) -> Iterable[Result]:
    settings = first_block(stage, "access_log_settings")
    if isinstance(settings, Unknown):
        yield not_known(stage, "access_log_settings", settings)
        return
    destination = (settings or {}).get("destination_arn")
    if isinstance(destination, Unknown):
        yield not_known(stage, "access_log_settings.destination_arn", destination)
    elif destination:
        yield passed(stage)
    else:
        yield failed(
            stage,
            "no access_log_settings: requests to the stage (caller, source address, status) are recorded "
            "nowhere",
        )


APIGATEWAY_ACCESS_LOGS = Check(
    Meta(
        rule_id="apigateway.stage-access-logging-enabled",
        title="API Gateway stages write access logs",
        pillar="monitoring",
        severity=Severity.MEDIUM,
        rationale="An API is often the front door of the data behind it; without access logs nobody can "
        "tell who called it, from where, or which requests were refused. Stages log nothing unless "
        "access_log_settings names a destination.",
        remediation="Set access_log_settings { destination_arn = <a CloudWatch log group ARN>, format = ... } "
        "on the aws_api_gateway_stage or aws_apigatewayv2_stage.",
        terraform=(
            'resource "aws_api_gateway_stage" "prod" {\n  stage_name    = "prod"\n'
            "  rest_api_id   = aws_api_gateway_rest_api.api.id\n"
            "  deployment_id = aws_api_gateway_deployment.api.id\n  access_log_settings {\n"
            "    destination_arn = aws_cloudwatch_log_group.api.arn\n"
            '    format          = jsonencode({ requestId = "$context.requestId", ip = "$context.identity.sourceIp" })\n'
            "  }\n}"
        ),
        peers=("CKV_AWS_76", "CKV_AWS_95"),
    ),
    kinds=("aws_api_gateway_stage", "aws_apigatewayv2_stage"),
    per_resource=_stage_access_logs,
)


def _method_authorization(method: Resource, ctx: Context) -> Iterable[Result]:
    authorization = method.get("authorization")
    verb = method.get("http_method")
    for name, value in (("authorization", authorization), ("http_method", verb)):
        if isinstance(value, Unknown):
            yield not_known(method, name, value)
            return
    if isinstance(verb, str) and verb.upper() == "OPTIONS":
        yield passed(method, "CORS preflight requests carry no credentials")
        return
    if not isinstance(authorization, str) or authorization.upper() != "NONE":
        yield passed(method)
        return
    key = as_bool(method.get("api_key_required", False))
    if isinstance(key, Unknown):
        yield not_known(method, "api_key_required", key)
    elif key:
        yield passed(method, "callers must present an API key")
    else:
        yield failed(
            method,
            f'authorization = "NONE" on {verb}, without api_key_required: anyone who can reach the API '
            "calls the integration behind it",
        )


APIGATEWAY_METHOD_AUTH = Check(
    Meta(
        rule_id="apigateway.method-requires-authorization",
        title="API Gateway methods authorize their callers",
        pillar="identity",
        severity=Severity.MEDIUM,
        rationale='A REST API method with authorization = "NONE" runs its integration (a Lambda function, '
        "a backend service, an AWS API with the integration's role) for any caller on the internet. "
        "OPTIONS methods answering CORS preflights are left out.",
        remediation='Set authorization to "AWS_IAM", "COGNITO_USER_POOLS" or "CUSTOM" (with authorizer_id) '
        "on the aws_api_gateway_method, or at least api_key_required = true with a usage plan.",
        terraform=(
            'resource "aws_api_gateway_method" "get_orders" {\n'
            "  rest_api_id   = aws_api_gateway_rest_api.api.id\n"
            "  resource_id   = aws_api_gateway_resource.orders.id\n"
            '  http_method   = "GET"\n  authorization = "COGNITO_USER_POOLS"\n'
            "  authorizer_id = aws_api_gateway_authorizer.users.id\n}"
        ),
        peers=("CKV_AWS_59", "AVD-AWS-0004"),
    ),
    kinds=("aws_api_gateway_method",),
    per_resource=_method_authorization,
)


# -- Redshift ----------------------------------------------------------------------------------------------------
def _redshift_audit(cluster: Resource, ctx: Context) -> Iterable[Result]:
    separate = ctx.estate.sources(cluster, "cluster_identifier", of_kind="aws_redshift_logging")
    if separate:
        yield passed(cluster, location=separate[0])
        return
    block = first_block(cluster, "logging")  # deprecated in version 5 of the provider, still read
    if isinstance(block, Unknown):
        yield not_known(cluster, "logging", block)
        return
    yield flag(
        cluster,
        "enable",
        default=False,
        block=block or {},
        fail="audit logging is off (no aws_redshift_logging): connections, user changes and queries are "
        "not recorded",
    )


REDSHIFT_AUDIT_LOGGING = Check(
    Meta(
        rule_id="redshift.audit-logging-enabled",
        title="Redshift clusters keep audit logs",
        pillar="monitoring",
        severity=Severity.MEDIUM,
        rationale="Redshift's audit logs (connections, user changes, user activity) are the only record of "
        "who connected to the warehouse and what they ran; they are off until logging is configured.",
        remediation="Add an aws_redshift_logging with cluster_identifier = the cluster and log_destination_type "
        '= "cloudwatch" (or a bucket_name).',
        terraform=(
            'resource "aws_redshift_logging" "warehouse" {\n'
            "  cluster_identifier   = aws_redshift_cluster.warehouse.id\n"
            '  log_destination_type = "cloudwatch"\n'
            '  log_exports          = ["connectionlog", "userlog", "useractivitylog"]\n}'
        ),
        peers=("CKV_AWS_71", "redshift_cluster_audit_logging"),
    ),
    kinds=("aws_redshift_cluster",),
    per_resource=_redshift_audit,
)


# -- Amazon MQ ---------------------------------------------------------------------------------------------------
def _mq_audit(broker: Resource, ctx: Context) -> Iterable[Result]:
    engine = broker.get("engine_type")
    if isinstance(engine, Unknown):
        yield not_known(broker, "engine_type", engine)
        return
    if not isinstance(engine, str) or engine.lower() != "activemq":
        yield passed(broker, f"audit logs exist for ActiveMQ brokers only, not {engine}")
        return
    logs = first_block(broker, "logs")
    if isinstance(logs, Unknown):
        yield not_known(broker, "logs", logs)
        return
    yield flag(
        broker,
        "audit",
        default=False,
        block=logs or {},
        fail="logs.audit is not true: changes made through the ActiveMQ web console or JMX are not recorded",
    )


MQ_AUDIT_LOGGING = Check(
    Meta(
        rule_id="mq.broker-audit-logging-enabled",
        title="ActiveMQ brokers send audit logs to CloudWatch Logs",
        pillar="monitoring",
        severity=Severity.LOW,
        rationale="The audit log records who changed users, queues and topics through the ActiveMQ web "
        "console or JMX; without it a tampered broker leaves no trace. It is off by default.",
        remediation="Set logs { audit = true } (and general = true) on the aws_mq_broker.",
        terraform='resource "aws_mq_broker" "orders" {\n  logs {\n    audit   = true\n    general = true\n  }\n}',
        peers=("mq_broker_logging_enabled",),
    ),
    kinds=("aws_mq_broker",),
    per_resource=_mq_audit,
)


# -- RDS ---------------------------------------------------------------------------------------------------------
# Engines that accept IAM database authentication (RDS User Guide, "IAM database authentication").
_IAM_AUTH_ENGINES = ("mysql", "mariadb", "postgres", "aurora", "aurora-mysql", "aurora-postgresql")


def _in_cluster(db: Resource) -> bool:
    return db.kind == "aws_db_instance" and db.get("cluster_identifier") is not None


def _iam_auth(db: Resource, ctx: Context) -> Iterable[Result]:
    if _in_cluster(db):
        return  # the cluster decides, and reports
    engine = db.get("engine", "aurora" if db.kind == "aws_rds_cluster" else None)
    if isinstance(engine, Unknown):
        yield not_known(db, "engine", engine)
        return
    if not isinstance(engine, str):
        yield unknown(db, "the engine is not known (restored from a snapshot or a replica)")
        return
    if engine.lower() not in _IAM_AUTH_ENGINES:
        yield passed(db, f"{engine} does not support IAM database authentication")
        return
    yield flag(
        db,
        "iam_database_authentication_enabled",
        default=False,
        fail="IAM database authentication is off: every client signs in with a long-lived database password",
    )


RDS_IAM_AUTH = Check(
    Meta(
        rule_id="rds.iam-authentication-enabled",
        title="RDS MySQL, MariaDB and PostgreSQL databases accept IAM authentication",
        pillar="identity",
        severity=Severity.LOW,
        rationale="With IAM database authentication, applications sign in with 15-minute tokens from their "
        "role instead of a password that is stored, shared and rarely rotated; access is granted and "
        "revoked in IAM. It is off by default.",
        remediation="Set iam_database_authentication_enabled = true on the aws_db_instance or aws_rds_cluster "
        "and grant rds-db:connect to the roles that connect.",
        terraform='resource "aws_db_instance" "app" {\n  iam_database_authentication_enabled = true\n}',
        peers=("CKV_AWS_161", "CKV_AWS_162", "rds_instance_iam_authentication_enabled"),
    ),
    kinds=("aws_db_instance", "aws_rds_cluster"),
    per_resource=_iam_auth,
)


def _log_exports(db: Resource, ctx: Context) -> Iterable[Result]:
    if _in_cluster(db):
        return  # the cluster's exports apply
    exports = db.get("enabled_cloudwatch_logs_exports")
    if isinstance(exports, Unknown):
        yield not_known(db, "enabled_cloudwatch_logs_exports", exports)
        return
    values = as_list(exports)
    if any(isinstance(v, Unknown) for v in values):
        yield unknown(db, "an entry of enabled_cloudwatch_logs_exports is not known before apply")
    elif values:
        yield passed(db)
    else:
        yield failed(
            db,
            "no enabled_cloudwatch_logs_exports: the database's error, audit and slow query logs stay on the "
            "instance, are rotated away within days and cannot be alerted on",
        )


RDS_LOG_EXPORTS = Check(
    Meta(
        rule_id="rds.log-exports-enabled",
        title="RDS databases publish their logs to CloudWatch Logs",
        pillar="monitoring",
        severity=Severity.LOW,
        rationale="Database logs (errors, audit, slow queries, PostgreSQL connections) show failed sign-ins "
        "and unusual queries; RDS keeps them on the instance for a few days only unless they are exported.",
        remediation='Set enabled_cloudwatch_logs_exports on the aws_db_instance or aws_rds_cluster (["audit", '
        '"error", "general", "slowquery"] for MySQL, ["postgresql"] for PostgreSQL).',
        terraform='resource "aws_db_instance" "app" {\n  enabled_cloudwatch_logs_exports = ["postgresql", "upgrade"]\n}',
        peers=("CKV_AWS_129", "rds_instance_integration_cloudwatch_logs"),
    ),
    kinds=("aws_db_instance", "aws_rds_cluster"),
    per_resource=_log_exports,
)

CHECKS = (
    APIGATEWAY_ACCESS_LOGS,
    APIGATEWAY_METHOD_AUTH,
    REDSHIFT_AUDIT_LOGGING,
    MQ_AUDIT_LOGGING,
    RDS_IAM_AUTH,
    RDS_LOG_EXPORTS,
)
