"""Workloads and their edges in one region: ELBv2 load balancers (with their attributes), listeners, rules,
target groups and registered targets, RDS instances, Aurora clusters and their members, instance and cluster
snapshots (encryption, who may restore them), Lambda
functions (configuration, resource policy, function URL), SQS queues, SNS topics, Secrets Manager secrets
(metadata and resource policy only: never a value), WAFv2 web ACLs and what they protect, CloudWatch Logs groups and metric
filters, CloudWatch alarms.

A Lambda function's environment variables are configuration and are collected like Terraform holds them:
the secret detector checks them, and no report or snapshot prints their values.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from ringfence.model import Ref, Resource, Unknown
from ringfence.sources.aws.collectors.base import Collector, Reader, tags_of


def _items(found: list[Any] | Unknown) -> list[Mapping[str, Any]]:
    return [i for i in found if isinstance(i, dict)] if isinstance(found, list) else []


# describe_load_balancer_attributes keys -> the provider's aws_lb arguments.
_LB_ATTRIBUTES = {
    "deletion_protection.enabled": "enable_deletion_protection",
    "routing.http.drop_invalid_header_fields.enabled": "drop_invalid_header_fields",
    "routing.http.desync_mitigation_mode": "desync_mitigation_mode",
    "idle_timeout.timeout_seconds": "idle_timeout",
    "routing.http2.enabled": "enable_http2",
    "load_balancing.cross_zone.enabled": "enable_cross_zone_load_balancing",
}


def _setting(value: Any) -> Any:
    """An ELBv2 attribute value (always text) in the provider's type."""
    if value in ("true", "false"):
        return value == "true"
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return value


def _lb_attributes(reader: Reader, arn: str) -> dict[str, Any]:
    got = reader.call("elbv2", "describe_load_balancer_attributes", LoadBalancerArn=arn)
    if isinstance(got, Unknown):
        return {**dict.fromkeys(_LB_ATTRIBUTES.values(), got), "access_logs": got}
    found = {str(a.get("Key")): a.get("Value") for a in (got or {}).get("Attributes") or []}
    out: dict[str, Any] = {name: _setting(found[key]) for key, name in _LB_ATTRIBUTES.items() if key in found}
    if "access_logs.s3.enabled" in found:
        out["access_logs"] = [
            {
                "enabled": found.get("access_logs.s3.enabled") == "true",
                "bucket": found.get("access_logs.s3.bucket") or None,
                "prefix": found.get("access_logs.s3.prefix") or None,
            }
        ]
    return out


def _actions(items: Iterable[Mapping[str, Any]] | None) -> list[dict[str, Any]]:
    """A listener's or rule's actions in the provider's ``default_action`` / ``action`` shape."""
    actions = []
    for action in items or []:
        redirect = action.get("RedirectConfig") or {}
        actions.append(
            {
                "type": action.get("Type"),
                "target_group_arn": action.get("TargetGroupArn"),
                "redirect": [
                    {
                        "protocol": redirect.get("Protocol"),
                        "port": redirect.get("Port"),
                        "status_code": redirect.get("StatusCode"),
                    }
                ]
                if redirect
                else [],
            }
        )
    return actions


def load_balancers(reader: Reader) -> Iterable[Resource]:
    for lb in _items(reader.pages("elbv2", "describe_load_balancers", "LoadBalancers")):
        arn = str(lb["LoadBalancerArn"])
        settings = _lb_attributes(reader, arn)
        yield reader.resource(
            "aws_lb",
            arn,
            {
                "name": lb.get("LoadBalancerName"),
                "arn": arn,
                "internal": lb.get("Scheme") == "internal",
                "load_balancer_type": lb.get("Type", "application"),
                "ip_address_type": lb.get("IpAddressType"),
                "subnets": [
                    z.get("SubnetId") for z in lb.get("AvailabilityZones") or [] if z.get("SubnetId")
                ],
                "security_groups": list(lb.get("SecurityGroups") or []),
                "dns_name": lb.get("DNSName"),
                "vpc_id": lb.get("VpcId"),
                **settings,
            },
            call="elasticloadbalancing:DescribeLoadBalancers",
            arn=arn,
        )
        for listener in _items(reader.pages("elbv2", "describe_listeners", "Listeners", LoadBalancerArn=arn)):
            larn = str(listener["ListenerArn"])
            yield reader.resource(
                "aws_lb_listener",
                larn,
                {
                    "arn": larn,
                    "load_balancer_arn": arn,
                    "port": listener.get("Port"),
                    "protocol": listener.get("Protocol"),
                    "ssl_policy": listener.get("SslPolicy"),
                    "certificate_arn": next(
                        (c.get("CertificateArn") for c in listener.get("Certificates") or []), None
                    ),
                    "default_action": _actions(listener.get("DefaultActions")),
                },
                call="elasticloadbalancing:DescribeListeners",
                arn=larn,
            )
            for rule in _items(reader.pages("elbv2", "describe_rules", "Rules", ListenerArn=larn)):
                if rule.get("IsDefault"):
                    continue  # the listener's default action, read above
                rarn = str(rule["RuleArn"])
                yield reader.resource(
                    "aws_lb_listener_rule",
                    rarn,
                    {
                        "arn": rarn,
                        "listener_arn": larn,
                        "priority": _setting(rule.get("Priority")),
                        "action": _actions(rule.get("Actions")),
                        "condition": [
                            {"field": c.get("Field"), "values": list(c.get("Values") or [])}
                            for c in rule.get("Conditions") or []
                        ],
                    },
                    call="elasticloadbalancing:DescribeRules",
                    arn=rarn,
                )
    yield from target_groups(reader)


def target_groups(reader: Reader) -> Iterable[Resource]:
    """Target groups and their registered targets (aws_lb_target_group_attachment, one per target)."""
    for tg in _items(reader.pages("elbv2", "describe_target_groups", "TargetGroups")):
        arn = str(tg["TargetGroupArn"])
        yield reader.resource(
            "aws_lb_target_group",
            arn,
            {
                "name": tg.get("TargetGroupName"),
                "arn": arn,
                "port": tg.get("Port"),
                "protocol": tg.get("Protocol"),
                "target_type": tg.get("TargetType", "instance"),
                "vpc_id": tg.get("VpcId"),
                "load_balancer_arns": list(tg.get("LoadBalancerArns") or []),
                "health_check": [
                    {
                        "enabled": bool(tg.get("HealthCheckEnabled", True)),
                        "protocol": tg.get("HealthCheckProtocol"),
                        "port": tg.get("HealthCheckPort"),
                        "path": tg.get("HealthCheckPath"),
                    }
                ],
            },
            call="elasticloadbalancing:DescribeTargetGroups",
            arn=arn,
        )
        health = reader.call("elbv2", "describe_target_health", TargetGroupArn=arn)
        if isinstance(health, Unknown):
            # Which targets it sends to is not known.
            yield reader.resource(
                "aws_lb_target_group_attachment",
                f"aws_lb_target_group_attachment:{reader.account_id}:{reader.region}:{tg.get('TargetGroupName')}:unknown",
                {"target_group_arn": arn, "target_id": health},
                call="elasticloadbalancing:DescribeTargetHealth",
            )
            continue
        for found in (health or {}).get("TargetHealthDescriptions") or []:
            target = found.get("Target") or {}
            ident = str(target.get("Id"))
            yield reader.resource(
                "aws_lb_target_group_attachment",
                f"aws_lb_target_group_attachment:{reader.account_id}:{reader.region}:{tg.get('TargetGroupName')}:{ident}:{target.get('Port')}",
                {"target_group_arn": arn, "target_id": ident, "port": target.get("Port")},
                call="elasticloadbalancing:DescribeTargetHealth",
            )


def databases(reader: Reader) -> Iterable[Resource]:
    for db in _items(reader.pages("rds", "describe_db_instances", "DBInstances")):
        arn = str(db["DBInstanceArn"])
        group = db.get("DBSubnetGroup") or {}
        # A member of an Aurora cluster is what Terraform declares as aws_rds_cluster_instance.
        kind = "aws_rds_cluster_instance" if db.get("DBClusterIdentifier") else "aws_db_instance"
        yield reader.resource(
            kind,
            arn,
            {
                "identifier": db.get("DBInstanceIdentifier"),
                "arn": arn,
                "engine": db.get("Engine"),
                "engine_version": db.get("EngineVersion"),
                "instance_class": db.get("DBInstanceClass"),
                "publicly_accessible": bool(db.get("PubliclyAccessible")),
                "storage_encrypted": bool(db.get("StorageEncrypted")),
                "kms_key_id": db.get("KmsKeyId"),
                "multi_az": bool(db.get("MultiAZ")),
                "backup_retention_period": db.get("BackupRetentionPeriod"),
                "deletion_protection": bool(db.get("DeletionProtection")),
                "iam_database_authentication_enabled": bool(db.get("IAMDatabaseAuthenticationEnabled")),
                "auto_minor_version_upgrade": bool(db.get("AutoMinorVersionUpgrade")),
                "cluster_identifier": db.get("DBClusterIdentifier"),
                "db_subnet_group_name": group.get("DBSubnetGroupName"),
                "vpc_security_group_ids": [
                    g.get("VpcSecurityGroupId") for g in db.get("VpcSecurityGroups") or []
                ],
                "enabled_cloudwatch_logs_exports": list(db.get("EnabledCloudwatchLogsExports") or []),
                "port": (db.get("Endpoint") or {}).get("Port"),
                "parameter_group_name": next(
                    (p.get("DBParameterGroupName") for p in db.get("DBParameterGroups") or []), None
                ),
            },
            call="rds:DescribeDBInstances",
            arn=arn,
            tags=tags_of(db.get("TagList")),
        )
    yield from clusters(reader)
    yield from db_snapshots(reader)


def clusters(reader: Reader) -> Iterable[Resource]:
    for cluster in _items(reader.pages("rds", "describe_db_clusters", "DBClusters")):
        arn = str(cluster["DBClusterArn"])
        yield reader.resource(
            "aws_rds_cluster",
            arn,
            {
                "cluster_identifier": cluster.get("DBClusterIdentifier"),
                "arn": arn,
                "engine": cluster.get("Engine"),
                "engine_version": cluster.get("EngineVersion"),
                "engine_mode": cluster.get("EngineMode", "provisioned"),
                "storage_encrypted": bool(cluster.get("StorageEncrypted")),
                "kms_key_id": cluster.get("KmsKeyId"),
                "deletion_protection": bool(cluster.get("DeletionProtection")),
                "iam_database_authentication_enabled": bool(cluster.get("IAMDatabaseAuthenticationEnabled")),
                "backup_retention_period": cluster.get("BackupRetentionPeriod"),
                "enabled_cloudwatch_logs_exports": list(cluster.get("EnabledCloudwatchLogsExports") or []),
                "db_subnet_group_name": cluster.get("DBSubnetGroup"),
                "vpc_security_group_ids": [
                    g.get("VpcSecurityGroupId") for g in cluster.get("VpcSecurityGroups") or []
                ],
                "port": cluster.get("Port"),
                "cluster_members": [
                    m.get("DBInstanceIdentifier") for m in cluster.get("DBClusterMembers") or []
                ],
            },
            call="rds:DescribeDBClusters",
            arn=arn,
            tags=tags_of(cluster.get("TagList")),
        )


def _shared(reader: Reader, method: str, key: str, **params: Any) -> Any:
    """Who may restore a manual snapshot (its ``restore`` attribute): account ids, ``all`` for everyone."""
    got = reader.call("rds", method, **params)
    if isinstance(got, Unknown):
        return got
    result = (got or {}).get(key) or {}
    return sorted(
        str(v)
        for a in result.get("DBSnapshotAttributes") or result.get("DBClusterSnapshotAttributes") or []
        if a.get("AttributeName") == "restore"
        for v in a.get("AttributeValues") or []
    )


# (kind, list call, list key, describe-attributes call, its result key, id field, id parameter, the
# provider's attribute names for: id, arn, source, encryption)
_SNAPSHOTS = (
    (
        "aws_db_snapshot",
        ("describe_db_snapshots", "DBSnapshots", "rds:DescribeDBSnapshots"),
        ("describe_db_snapshot_attributes", "DBSnapshotAttributesResult"),
        ("DBSnapshotIdentifier", "DBSnapshotArn", "DBInstanceIdentifier", "Encrypted"),
        ("db_snapshot_identifier", "db_snapshot_arn", "db_instance_identifier", "encrypted"),
    ),
    (
        "aws_db_cluster_snapshot",
        ("describe_db_cluster_snapshots", "DBClusterSnapshots", "rds:DescribeDBClusterSnapshots"),
        ("describe_db_cluster_snapshot_attributes", "DBClusterSnapshotAttributesResult"),
        ("DBClusterSnapshotIdentifier", "DBClusterSnapshotArn", "DBClusterIdentifier", "StorageEncrypted"),
        (
            "db_cluster_snapshot_identifier",
            "db_cluster_snapshot_arn",
            "db_cluster_identifier",
            "storage_encrypted",
        ),
    ),
)


def db_snapshots(reader: Reader) -> Iterable[Resource]:
    """Snapshots of instances and of clusters: encryption, and for manual ones who may restore them."""
    for kind, (lister, key, call), (describer, result), api, names in _SNAPSHOTS:
        for snap in _items(reader.pages("rds", lister, key)):
            arn = str(snap[api[1]])
            ident = str(snap.get(api[0]))
            manual = snap.get("SnapshotType", "manual") == "manual"
            shared = _shared(reader, describer, result, **{api[0]: ident}) if manual else []
            yield reader.resource(
                kind,
                arn,
                {
                    names[0]: ident,
                    names[1]: arn,
                    names[2]: snap.get(api[2]),
                    names[3]: bool(snap.get(api[3])),
                    "kms_key_id": snap.get("KmsKeyId"),
                    "snapshot_type": snap.get("SnapshotType"),
                    "shared_accounts": shared,
                },
                call=call,
                arn=arn,
                tags=tags_of(snap.get("TagList")),
            )


def _permissions(reader: Reader, function: str, name: str, policy: Any) -> Iterable[Resource]:
    """The statements of a function's resource policy, as the provider's aws_lambda_permission."""
    try:
        statements = json.loads(policy).get("Statement", []) if isinstance(policy, str) else []
    except ValueError:
        statements = []
    for statement in statements:
        principal = statement.get("Principal")
        if isinstance(principal, dict):
            principal = principal.get("Service") or principal.get("AWS")
        condition = statement.get("Condition") or {}
        source_arn = (condition.get("ArnLike") or {}).get("AWS:SourceArn") or (
            condition.get("ArnEquals") or {}
        ).get("AWS:SourceArn")
        equals = condition.get("StringEquals") or {}
        yield reader.resource(
            "aws_lambda_permission",
            f"aws_lambda_permission:{reader.account_id}:{reader.region}:{name}:{statement.get('Sid')}",
            {
                "function_name": Ref(function, "function_name"),
                "statement_id": statement.get("Sid"),
                "action": statement.get("Action"),
                "principal": principal,
                "source_arn": source_arn,
                "source_account": equals.get("AWS:SourceAccount"),
                "principal_org_id": equals.get("aws:PrincipalOrgID"),
                "function_url_auth_type": equals.get("lambda:FunctionUrlAuthType"),
            },
            call="lambda:GetPolicy",
        )


def functions(reader: Reader) -> Iterable[Resource]:
    for fn in _items(reader.pages("lambda", "list_functions", "Functions")):
        arn = str(fn["FunctionArn"])
        name = str(fn["FunctionName"])
        vpc = fn.get("VpcConfig") or {}
        variables = (fn.get("Environment") or {}).get("Variables")
        yield reader.resource(
            "aws_lambda_function",
            arn,
            {
                "function_name": name,
                "arn": arn,
                "role": fn.get("Role"),
                "runtime": fn.get("Runtime"),
                "handler": fn.get("Handler"),
                "package_type": fn.get("PackageType", "Zip"),
                "environment": [{"variables": dict(variables)}] if variables else [],
                "kms_key_arn": fn.get("KMSKeyArn"),
                "vpc_config": [
                    {
                        "subnet_ids": list(vpc.get("SubnetIds") or []),
                        "security_group_ids": list(vpc.get("SecurityGroupIds") or []),
                    }
                ]
                if vpc.get("VpcId")
                else [],
                "tracing_config": [{"mode": (fn.get("TracingConfig") or {}).get("Mode", "PassThrough")}],
                "dead_letter_config": [{"target_arn": (fn.get("DeadLetterConfig") or {}).get("TargetArn")}]
                if fn.get("DeadLetterConfig")
                else [],
            },
            call="lambda:ListFunctions",
            arn=arn,
        )
        policy = reader.call("lambda", "get_policy", FunctionName=name)
        if isinstance(policy, Unknown):
            yield reader.resource(
                "aws_lambda_permission",
                f"aws_lambda_permission:{reader.account_id}:{reader.region}:{name}:unknown",
                {"function_name": Ref(arn, "function_name"), "principal": policy, "action": policy},
                call="lambda:GetPolicy",
            )
        elif policy is not None:
            yield from _permissions(reader, arn, name, policy.get("Policy"))
        url = reader.call("lambda", "get_function_url_config", FunctionName=name)
        if url is not None:
            yield reader.resource(
                "aws_lambda_function_url",
                f"aws_lambda_function_url:{reader.account_id}:{reader.region}:{name}",
                {
                    "function_name": Ref(arn, "function_name"),
                    "authorization_type": url if isinstance(url, Unknown) else url.get("AuthType"),
                    "function_url": None if isinstance(url, Unknown) else url.get("FunctionUrl"),
                },
                call="lambda:GetFunctionUrlConfig",
            )


def queues(reader: Reader) -> Iterable[Resource]:
    found = reader.pages("sqs", "list_queues", "QueueUrls")
    for url in found if isinstance(found, list) else []:
        if not isinstance(url, str):
            continue
        got = reader.call("sqs", "get_queue_attributes", QueueUrl=url, AttributeNames=["All"])
        attributes: Mapping[str, Any] = {} if not isinstance(got, Mapping) else got.get("Attributes") or {}
        unknown = got if isinstance(got, Unknown) else None
        name = url.rstrip("/").rsplit("/", 1)[-1]
        arn = str(attributes.get("QueueArn") or reader.arn("sqs", name))
        yield reader.resource(
            "aws_sqs_queue",
            arn,
            {
                "name": name,
                "arn": arn,
                "url": url,
                "policy": unknown or attributes.get("Policy"),
                "kms_master_key_id": unknown or attributes.get("KmsMasterKeyId"),
                "sqs_managed_sse_enabled": unknown or attributes.get("SqsManagedSseEnabled") == "true",
                "fifo_queue": name.endswith(".fifo"),
            },
            call="sqs:GetQueueAttributes",
            arn=arn,
        )


def topics(reader: Reader) -> Iterable[Resource]:
    for topic in _items(reader.pages("sns", "list_topics", "Topics")):
        arn = str(topic["TopicArn"])
        got = reader.call("sns", "get_topic_attributes", TopicArn=arn)
        attributes: Mapping[str, Any] = {} if not isinstance(got, Mapping) else got.get("Attributes") or {}
        unknown = got if isinstance(got, Unknown) else None
        yield reader.resource(
            "aws_sns_topic",
            arn,
            {
                "name": arn.rsplit(":", 1)[-1],
                "arn": arn,
                "policy": unknown or attributes.get("Policy"),
                "kms_master_key_id": unknown or attributes.get("KmsMasterKeyId"),
            },
            call="sns:GetTopicAttributes",
            arn=arn,
        )


def secrets(reader: Reader) -> Iterable[Resource]:
    for secret in _items(reader.pages("secretsmanager", "list_secrets", "SecretList")):
        arn = str(secret["ARN"])
        policy = reader.call("secretsmanager", "get_resource_policy", SecretId=arn)
        yield reader.resource(
            "aws_secretsmanager_secret",
            arn,
            {
                "name": secret.get("Name"),
                "arn": arn,
                "kms_key_id": secret.get("KmsKeyId"),
                "rotation_enabled": bool(secret.get("RotationEnabled")),
                "rotation_rules": [
                    {
                        "automatically_after_days": (secret.get("RotationRules") or {}).get(
                            "AutomaticallyAfterDays"
                        )
                    }
                ]
                if secret.get("RotationRules")
                else [],
                "policy": policy if isinstance(policy, Unknown) else (policy or {}).get("ResourcePolicy"),
            },
            call="secretsmanager:ListSecrets",
            arn=arn,
            tags=tags_of(secret.get("Tags")),
        )


def web_acls(reader: Reader) -> Iterable[Resource]:
    scopes = ["REGIONAL", "CLOUDFRONT"] if reader.region == "us-east-1" else ["REGIONAL"]
    for scope in scopes:
        for acl in _items(reader.pages("wafv2", "list_web_acls", "WebACLs", Scope=scope)):
            arn = str(acl["ARN"])
            yield reader.resource(
                "aws_wafv2_web_acl",
                arn,
                {"name": acl.get("Name"), "arn": arn, "id": acl.get("Id"), "scope": scope},
                call="wafv2:ListWebACLs",
                arn=arn,
            )
            if scope == "REGIONAL":
                yield from _associations(reader, arn, str(acl.get("Name")))


# What a regional web ACL can protect that the checks ask about.
_PROTECTED = ("APPLICATION_LOAD_BALANCER", "API_GATEWAY")


def _associations(reader: Reader, acl: str, name: str) -> Iterable[Resource]:
    """aws_wafv2_web_acl_association, one per resource the web ACL protects; when the listing cannot be
    read, one whose resource is unknown, so the checks that look for an association say unknown."""
    for resource_type in _PROTECTED:
        found = reader.call("wafv2", "list_resources_for_web_acl", WebACLArn=acl, ResourceType=resource_type)
        arns: list[Any] = (
            [found] if isinstance(found, Unknown) else list((found or {}).get("ResourceArns") or [])
        )
        for protected in arns:
            suffix = "unknown" if isinstance(protected, Unknown) else protected
            yield reader.resource(
                "aws_wafv2_web_acl_association",
                f"aws_wafv2_web_acl_association:{reader.account_id}:{reader.region}:{name}:{resource_type}:{suffix}",
                {"web_acl_arn": acl, "resource_arn": protected},
                call="wafv2:ListResourcesForWebACL",
            )


def logs(reader: Reader) -> Iterable[Resource]:
    for group in _items(reader.pages("logs", "describe_log_groups", "logGroups")):
        name = str(group["logGroupName"])
        arn = str(group.get("arn", "")).removesuffix(":*") or reader.arn("logs", f"log-group:{name}")
        yield reader.resource(
            "aws_cloudwatch_log_group",
            arn,
            {
                "name": name,
                "arn": arn,
                "retention_in_days": group.get("retentionInDays", 0),
                "kms_key_id": group.get("kmsKeyId"),
            },
            call="logs:DescribeLogGroups",
            arn=arn,
        )
    for found in _items(reader.pages("logs", "describe_metric_filters", "metricFilters")):
        name = str(found.get("filterName"))
        yield reader.resource(
            "aws_cloudwatch_log_metric_filter",
            f"aws_cloudwatch_log_metric_filter:{reader.account_id}:{reader.region}:{found.get('logGroupName')}:{name}",
            {
                "name": name,
                "pattern": found.get("filterPattern"),
                "log_group_name": found.get("logGroupName"),
                "metric_transformation": [
                    {
                        "name": m.get("metricName"),
                        "namespace": m.get("metricNamespace"),
                        "value": m.get("metricValue"),
                    }
                    for m in found.get("metricTransformations") or []
                ],
            },
            call="logs:DescribeMetricFilters",
        )
    for alarm in _items(reader.pages("cloudwatch", "describe_alarms", "MetricAlarms")):
        arn = str(alarm["AlarmArn"])
        yield reader.resource(
            "aws_cloudwatch_metric_alarm",
            arn,
            {
                "alarm_name": alarm.get("AlarmName"),
                "arn": arn,
                "metric_name": alarm.get("MetricName"),
                "namespace": alarm.get("Namespace"),
                "alarm_actions": list(alarm.get("AlarmActions") or []),
                "actions_enabled": bool(alarm.get("ActionsEnabled", True)),
            },
            call="cloudwatch:DescribeAlarms",
            arn=arn,
        )


ELBV2 = Collector(
    "elbv2",
    (
        "elasticloadbalancing:DescribeLoadBalancers",
        "elasticloadbalancing:DescribeLoadBalancerAttributes",
        "elasticloadbalancing:DescribeListeners",
        "elasticloadbalancing:DescribeRules",
        "elasticloadbalancing:DescribeTargetGroups",
        "elasticloadbalancing:DescribeTargetHealth",
    ),
    "regional",
    load_balancers,
)
RDS = Collector(
    "rds",
    (
        "rds:DescribeDBInstances",
        "rds:DescribeDBClusters",
        "rds:DescribeDBSnapshots",
        "rds:DescribeDBSnapshotAttributes",
        "rds:DescribeDBClusterSnapshots",
        "rds:DescribeDBClusterSnapshotAttributes",
    ),
    "regional",
    databases,
)
LAMBDA = Collector(
    "lambda",
    ("lambda:ListFunctions", "lambda:GetPolicy", "lambda:GetFunctionUrlConfig"),
    "regional",
    functions,
)
SQS = Collector("sqs", ("sqs:ListQueues", "sqs:GetQueueAttributes"), "regional", queues)
SNS = Collector("sns", ("sns:ListTopics", "sns:GetTopicAttributes"), "regional", topics)
SECRETS = Collector(
    "secretsmanager", ("secretsmanager:ListSecrets", "secretsmanager:GetResourcePolicy"), "regional", secrets
)
WAF = Collector("wafv2", ("wafv2:ListWebACLs", "wafv2:ListResourcesForWebACL"), "regional", web_acls)
LOGS = Collector(
    "logs",
    ("logs:DescribeLogGroups", "logs:DescribeMetricFilters", "cloudwatch:DescribeAlarms"),
    "regional",
    logs,
)
