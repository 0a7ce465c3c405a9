"""Workloads: RDS, load balancers (ELBv2 and classic), Lambda, SQS, SNS, EKS.

A queue or topic policy names several queues or topics: one model policy per queue or topic, the first at
the logical id, the others after it (``QueuePolicy[2]``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from ringfence.model import Ref, Unknown
from ringfence.sources.cloudformation.types import TAGS, Block, Convert, Part, Target, Type, fill

_DATABASE: Mapping[str, Target] = {
    "Engine": "engine",
    "EngineVersion": "engine_version",
    "StorageEncrypted": "storage_encrypted",
    "KmsKeyId": "kms_key_id",
    "VPCSecurityGroups": "vpc_security_group_ids",
    "VpcSecurityGroupIds": "vpc_security_group_ids",
    "DBSubnetGroupName": "db_subnet_group_name",
    "MasterUsername": "username",
    "MasterUserPassword": "password",
    "ManageMasterUserPassword": "manage_master_user_password",
    "BackupRetentionPeriod": "backup_retention_period",
    "DeletionProtection": "deletion_protection",
    "EnableIAMDatabaseAuthentication": "iam_database_authentication_enabled",
    "EnableCloudwatchLogsExports": "enabled_cloudwatch_logs_exports",
    "CopyTagsToSnapshot": "copy_tags_to_snapshot",
    "Port": "port",
    "Tags": TAGS,
}


def _listener_action(value: Any) -> Any:
    if not isinstance(value, list):
        return value
    actions = []
    for action in value:
        if not isinstance(action, Mapping):
            continue
        out = fill({"Type": "type", "TargetGroupArn": "target_group_arn", "Order": "order"}, action)
        redirect = action.get("RedirectConfig")
        if isinstance(redirect, Mapping):
            out["redirect"] = [
                fill(
                    {"Protocol": "protocol", "Port": "port", "StatusCode": "status_code", "Host": "host"},
                    redirect,
                )
            ]
        forward = action.get("ForwardConfig")
        if isinstance(forward, Mapping) and isinstance(forward.get("TargetGroups"), list):
            out["forward"] = [
                {
                    "target_group": [
                        {"arn": g.get("TargetGroupArn")}
                        for g in forward["TargetGroups"]
                        if isinstance(g, Mapping)
                    ]
                }
            ]
        actions.append(out)
    return actions


def _load_balancer_attributes(value: Any) -> Mapping[str, Any]:
    """``LoadBalancerAttributes`` ``[{Key, Value}]`` as the provider's attributes."""
    if not isinstance(value, list):
        return {}
    settings = {str(a.get("Key")): a.get("Value") for a in value if isinstance(a, Mapping)}
    out: dict[str, Any] = {}
    if "routing.http.drop_invalid_header_fields.enabled" in settings:
        out["drop_invalid_header_fields"] = settings["routing.http.drop_invalid_header_fields.enabled"]
    if "deletion_protection.enabled" in settings:
        out["enable_deletion_protection"] = settings["deletion_protection.enabled"]
    if "access_logs.s3.enabled" in settings:
        out["access_logs"] = [
            {"enabled": settings["access_logs.s3.enabled"], "bucket": settings.get("access_logs.s3.bucket")}
        ]
    return out


def _targets(
    properties: Mapping[str, Any], attributes: Mapping[str, Any], own: Callable[[str], Ref]
) -> Iterable[Part]:
    targets = properties.get("Targets")
    if not isinstance(targets, list):
        return
    for index, target in enumerate(targets):
        if isinstance(target, Mapping):
            yield Part(
                f".Targets[{index}]",
                "aws_lb_target_group_attachment",
                {"target_group_arn": own("arn"), "target_id": target.get("Id"), "port": target.get("Port")},
            )


def _per_holder(prop: str, kind: str, key: str, document: str) -> Callable[..., Iterable[Part]]:
    def parts(
        properties: Mapping[str, Any], attributes: Mapping[str, Any], own: Callable[[str], Ref]
    ) -> Iterable[Part]:
        holders = properties.get(prop)
        listed = holders if isinstance(holders, list) else [holders]
        for index, holder in enumerate(listed):
            yield Part(
                "" if index == 0 else f"[{index + 1}]",
                kind,
                {key: holder, "policy": properties.get(document)},
            )

    return parts


def _classic_listeners(value: Any) -> Mapping[str, Any]:
    if not isinstance(value, list):
        return {"listener": value}
    fields: Mapping[str, Target] = {
        "InstancePort": "instance_port",
        "InstanceProtocol": "instance_protocol",
        "LoadBalancerPort": "lb_port",
        "Protocol": "lb_protocol",
        "SSLCertificateId": "ssl_certificate_id",
    }
    return {"listener": [fill(fields, item) for item in value]}


def _eks_logging(value: Any) -> Mapping[str, Any]:
    if isinstance(value, Unknown):
        return {"enabled_cluster_log_types": value}
    cluster = value.get("ClusterLogging") if isinstance(value, Mapping) else None
    types = cluster.get("EnabledTypes") if isinstance(cluster, Mapping) else None
    if not isinstance(types, list):
        return {}
    return {"enabled_cluster_log_types": [t.get("Type") for t in types if isinstance(t, Mapping)]}


TYPES: Mapping[str, Type] = {
    "AWS::RDS::DBInstance": Type(
        "aws_db_instance",
        {
            "DBInstanceIdentifier": "identifier",
            "DBInstanceClass": "instance_class",
            "AllocatedStorage": "allocated_storage",
            "PubliclyAccessible": "publicly_accessible",
            "MultiAZ": "multi_az",
            "AutoMinorVersionUpgrade": "auto_minor_version_upgrade",
            "DBClusterIdentifier": "cluster_identifier",
            "DBParameterGroupName": "parameter_group_name",
            "MonitoringInterval": "monitoring_interval",
            "EnablePerformanceInsights": "performance_insights_enabled",
            **_DATABASE,
        },
        ref="identifier",
        atts={"Endpoint.Address": "address", "Endpoint.Port": "port"},
        name="identifier",
        defaults={"storage_encrypted": False},
    ),
    "AWS::RDS::DBCluster": Type(
        "aws_rds_cluster",
        {"DBClusterIdentifier": "cluster_identifier", **_DATABASE},
        ref="cluster_identifier",
        atts={"Endpoint.Address": "endpoint"},
        name="cluster_identifier",
        defaults={"storage_encrypted": False},
    ),
    "AWS::RDS::DBSubnetGroup": Type(
        "aws_db_subnet_group",
        {"DBSubnetGroupName": "name", "SubnetIds": "subnet_ids", "Tags": TAGS},
        ref="name",
        name="name",
    ),
    "AWS::ElasticLoadBalancingV2::LoadBalancer": Type(
        "aws_lb",
        {
            "Name": "name",
            "Scheme": Convert(lambda v: {"internal": v == "internal" if isinstance(v, str) else v}),
            "Type": "load_balancer_type",
            "Subnets": "subnets",
            "SecurityGroups": "security_groups",
            "SubnetMappings": Block(
                "subnet_mapping", {"SubnetId": "subnet_id", "AllocationId": "allocation_id"}
            ),
            "LoadBalancerAttributes": Convert(_load_balancer_attributes),
            "Tags": TAGS,
        },
        ref="arn",
        atts={"DNSName": "dns_name", "LoadBalancerFullName": "arn_suffix", "LoadBalancerName": "name"},
        name="name",
        defaults={"internal": False, "load_balancer_type": "application"},
    ),
    "AWS::ElasticLoadBalancingV2::Listener": Type(
        "aws_lb_listener",
        {
            "LoadBalancerArn": "load_balancer_arn",
            "Port": "port",
            "Protocol": "protocol",
            "SslPolicy": "ssl_policy",
            "Certificates": Convert(
                lambda v: (
                    {"certificate_arn": v[0].get("CertificateArn")}
                    if isinstance(v, list) and v and isinstance(v[0], Mapping)
                    else {}
                )
            ),
            "DefaultActions": Convert(lambda v: {"default_action": _listener_action(v)}),
        },
        ref="arn",
        atts={"ListenerArn": "arn"},
    ),
    "AWS::ElasticLoadBalancingV2::ListenerRule": Type(
        "aws_lb_listener_rule",
        {
            "ListenerArn": "listener_arn",
            "Priority": "priority",
            "Actions": Convert(lambda v: {"action": _listener_action(v)}),
        },
        ref="arn",
    ),
    "AWS::ElasticLoadBalancingV2::TargetGroup": Type(
        "aws_lb_target_group",
        {
            "Name": "name",
            "Port": "port",
            "Protocol": "protocol",
            "VpcId": "vpc_id",
            "TargetType": "target_type",
            "Tags": TAGS,
        },
        ref="arn",
        atts={"TargetGroupName": "name", "TargetGroupFullName": "arn_suffix"},
        name="name",
        parts=_targets,
    ),
    "AWS::ElasticLoadBalancing::LoadBalancer": Type(
        "aws_elb",
        {
            "LoadBalancerName": "name",
            "Scheme": Convert(lambda v: {"internal": v == "internal" if isinstance(v, str) else v}),
            "Subnets": "subnets",
            "SecurityGroups": "security_groups",
            "Instances": "instances",
            "Listeners": Convert(_classic_listeners),
            "AccessLoggingPolicy": Block(
                "access_logs",
                {"Enabled": "enabled", "S3BucketName": "bucket", "S3BucketPrefix": "bucket_prefix"},
            ),
            "Tags": TAGS,
        },
        ref="name",
        atts={"DNSName": "dns_name"},
        name="name",
        defaults={"internal": False},
    ),
    "AWS::Lambda::Function": Type(
        "aws_lambda_function",
        {
            "FunctionName": "function_name",
            "Role": "role",
            "Runtime": "runtime",
            "Handler": "handler",
            "KmsKeyArn": "kms_key_arn",
            "Environment": Block("environment", {"Variables": "variables"}),
            "VpcConfig": Block(
                "vpc_config", {"SubnetIds": "subnet_ids", "SecurityGroupIds": "security_group_ids"}
            ),
            "TracingConfig": Block("tracing_config", {"Mode": "mode"}),
            "DeadLetterConfig": Block("dead_letter_config", {"TargetArn": "target_arn"}),
            "ReservedConcurrentExecutions": "reserved_concurrent_executions",
            "Tags": TAGS,
        },
        ref="function_name",
        name="function_name",
    ),
    "AWS::Lambda::Permission": Type(
        "aws_lambda_permission",
        {
            "FunctionName": "function_name",
            "Action": "action",
            "Principal": "principal",
            "SourceArn": "source_arn",
            "SourceAccount": "source_account",
            "PrincipalOrgID": "principal_org_id",
            "FunctionUrlAuthType": "function_url_auth_type",
        },
    ),
    "AWS::Lambda::Url": Type(
        "aws_lambda_function_url", {"TargetFunctionArn": "function_name", "AuthType": "authorization_type"}
    ),
    "AWS::SQS::Queue": Type(
        "aws_sqs_queue",
        {
            "QueueName": "name",
            "KmsMasterKeyId": "kms_master_key_id",
            "SqsManagedSseEnabled": "sqs_managed_sse_enabled",
            "FifoQueue": "fifo_queue",
            "MessageRetentionPeriod": "message_retention_seconds",
            "Tags": TAGS,
        },
        ref="url",
        atts={"QueueName": "name", "QueueUrl": "url"},
        name="name",
    ),
    "AWS::SQS::QueuePolicy": Type(
        "aws_sqs_queue_policy",
        {},
        parts=_per_holder("Queues", "aws_sqs_queue_policy", "queue_url", "PolicyDocument"),
        itself=False,
    ),
    "AWS::SNS::Topic": Type(
        "aws_sns_topic",
        {"TopicName": "name", "KmsMasterKeyId": "kms_master_key_id", "FifoTopic": "fifo_topic", "Tags": TAGS},
        ref="arn",
        atts={"TopicArn": "arn", "TopicName": "name"},
        name="name",
    ),
    "AWS::SNS::TopicPolicy": Type(
        "aws_sns_topic_policy",
        {},
        parts=_per_holder("Topics", "aws_sns_topic_policy", "arn", "PolicyDocument"),
        itself=False,
    ),
    "AWS::SNS::Subscription": Type(
        "aws_sns_topic_subscription",
        {"TopicArn": "topic_arn", "Protocol": "protocol", "Endpoint": "endpoint"},
    ),
    "AWS::EKS::Cluster": Type(
        "aws_eks_cluster",
        {
            "Name": "name",
            "RoleArn": "role_arn",
            "Version": "version",
            "ResourcesVpcConfig": Block(
                "vpc_config",
                {
                    "SubnetIds": "subnet_ids",
                    "SecurityGroupIds": "security_group_ids",
                    "EndpointPublicAccess": "endpoint_public_access",
                    "EndpointPrivateAccess": "endpoint_private_access",
                    "PublicAccessCidrs": "public_access_cidrs",
                },
            ),
            "EncryptionConfig": Block(
                "encryption_config",
                {"Provider": Block("provider", {"KeyArn": "key_arn"}), "Resources": "resources"},
            ),
            "Logging": Convert(_eks_logging),
            "Tags": TAGS,
        },
        ref="name",
        atts={"Endpoint": "endpoint", "OpenIdConnectIssuerUrl": "identity.oidc.issuer"},
        name="name",
    ),
    "AWS::EKS::PodIdentityAssociation": Type(
        "aws_eks_pod_identity_association",
        {
            "ClusterName": "cluster_name",
            "Namespace": "namespace",
            "ServiceAccount": "service_account",
            "RoleArn": "role_arn",
        },
    ),
}
