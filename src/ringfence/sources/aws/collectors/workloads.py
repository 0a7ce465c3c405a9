"""Workloads and their edges in one region: ELBv2 load balancers and listeners, RDS instances, Lambda
functions (configuration, resource policy, function URL), SQS queues, SNS topics, Secrets Manager secrets
(metadata and resource policy only: never a value), WAFv2 web ACLs, CloudWatch Logs groups and metric
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


def load_balancers(reader: Reader) -> Iterable[Resource]:
    for lb in _items(reader.pages("elbv2", "describe_load_balancers", "LoadBalancers")):
        arn = str(lb["LoadBalancerArn"])
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
            },
            call="elasticloadbalancing:DescribeLoadBalancers",
            arn=arn,
        )
        for listener in _items(reader.pages("elbv2", "describe_listeners", "Listeners", LoadBalancerArn=arn)):
            larn = str(listener["ListenerArn"])
            actions = []
            for action in listener.get("DefaultActions") or []:
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
                    "default_action": actions,
                },
                call="elasticloadbalancing:DescribeListeners",
                arn=larn,
            )


def databases(reader: Reader) -> Iterable[Resource]:
    for db in _items(reader.pages("rds", "describe_db_instances", "DBInstances")):
        arn = str(db["DBInstanceArn"])
        group = db.get("DBSubnetGroup") or {}
        yield reader.resource(
            "aws_db_instance",
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
    ("elasticloadbalancing:DescribeLoadBalancers", "elasticloadbalancing:DescribeListeners"),
    "regional",
    load_balancers,
)
RDS = Collector("rds", ("rds:DescribeDBInstances",), "regional", databases)
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
WAF = Collector("wafv2", ("wafv2:ListWebACLs",), "regional", web_acls)
LOGS = Collector(
    "logs",
    ("logs:DescribeLogGroups", "logs:DescribeMetricFilters", "cloudwatch:DescribeAlarms"),
    "regional",
    logs,
)
