"""Monitoring and protection: CloudTrail, GuardDuty, Security Hub, WAFv2, CloudWatch Logs and alarms,
AWS Config."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ringfence.sources.cloudformation.types import TAGS, Block, Convert, Type

_SELECTOR = Block(
    "event_selector",
    {
        "ReadWriteType": "read_write_type",
        "IncludeManagementEvents": "include_management_events",
        "DataResources": Block("data_resource", {"Type": "type", "Values": "values"}),
    },
)


def _default_action(value: Any) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        return {"default_action": value}
    return {"default_action": [{k.lower(): [{}] for k in value if k in ("Allow", "Block")}]}


def _web_acl_rules(value: Any) -> Mapping[str, Any]:
    if not isinstance(value, list):
        return {"rule": value}
    rules = []
    for rule in value:
        if not isinstance(rule, Mapping):
            continue
        statement = rule.get("Statement")
        managed = statement.get("ManagedRuleGroupStatement") if isinstance(statement, Mapping) else None
        block: dict[str, Any] = {"name": rule.get("Name"), "priority": rule.get("Priority")}
        if isinstance(managed, Mapping):
            block["statement"] = [
                {
                    "managed_rule_group_statement": [
                        {"name": managed.get("Name"), "vendor_name": managed.get("VendorName")}
                    ]
                }
            ]
        rules.append(block)
    return {"rule": rules}


TYPES: Mapping[str, Type] = {
    "AWS::CloudTrail::Trail": Type(
        "aws_cloudtrail",
        {
            "TrailName": "name",
            "S3BucketName": "s3_bucket_name",
            "S3KeyPrefix": "s3_key_prefix",
            "IsLogging": "enable_logging",
            "IsMultiRegionTrail": "is_multi_region_trail",
            "IsOrganizationTrail": "is_organization_trail",
            "IncludeGlobalServiceEvents": "include_global_service_events",
            "EnableLogFileValidation": "enable_log_file_validation",
            "KMSKeyId": "kms_key_id",
            "CloudWatchLogsLogGroupArn": "cloud_watch_logs_group_arn",
            "CloudWatchLogsRoleArn": "cloud_watch_logs_role_arn",
            "SnsTopicName": "sns_topic_name",
            "EventSelectors": _SELECTOR,
            "Tags": TAGS,
        },
        ref="name",
        name="name",
        # CloudFormation's defaults (AWS::CloudTrail::Trail): single region, no log file validation.
        defaults={"is_multi_region_trail": False, "enable_log_file_validation": False},
    ),
    "AWS::GuardDuty::Detector": Type(
        "aws_guardduty_detector",
        {"Enable": "enable", "FindingPublishingFrequency": "finding_publishing_frequency", "Tags": TAGS},
    ),
    "AWS::SecurityHub::Hub": Type(
        "aws_securityhub_account",
        {
            "EnableDefaultStandards": "enable_default_standards",
            "ControlFindingGenerator": "control_finding_generator",
        },
        ref="arn",
    ),
    "AWS::SecurityHub::Standard": Type(
        "aws_securityhub_standards_subscription", {"StandardsArn": "standards_arn"}
    ),
    "AWS::WAFv2::WebACL": Type(
        "aws_wafv2_web_acl",
        {
            "Name": "name",
            "Scope": "scope",
            "DefaultAction": Convert(_default_action),
            "Rules": Convert(_web_acl_rules),
            "Tags": TAGS,
        },
        ref="name",
        name="name",
    ),
    "AWS::WAFv2::WebACLAssociation": Type(
        "aws_wafv2_web_acl_association", {"ResourceArn": "resource_arn", "WebACLArn": "web_acl_arn"}
    ),
    "AWS::Logs::LogGroup": Type(
        "aws_cloudwatch_log_group",
        {
            "LogGroupName": "name",
            "KmsKeyId": "kms_key_id",
            "RetentionInDays": "retention_in_days",
            "Tags": TAGS,
        },
        ref="name",
        name="name",
    ),
    "AWS::Logs::MetricFilter": Type(
        "aws_cloudwatch_log_metric_filter",
        {
            "FilterName": "name",
            "LogGroupName": "log_group_name",
            "FilterPattern": "pattern",
            "MetricTransformations": Block(
                "metric_transformation",
                {"MetricName": "name", "MetricNamespace": "namespace", "MetricValue": "value"},
            ),
        },
        ref="name",
    ),
    "AWS::CloudWatch::Alarm": Type(
        "aws_cloudwatch_metric_alarm",
        {
            "AlarmName": "alarm_name",
            "MetricName": "metric_name",
            "Namespace": "namespace",
            "Statistic": "statistic",
            "Period": "period",
            "EvaluationPeriods": "evaluation_periods",
            "Threshold": "threshold",
            "ComparisonOperator": "comparison_operator",
            "AlarmActions": "alarm_actions",
        },
        ref="alarm_name",
    ),
    "AWS::Config::ConfigurationRecorder": Type(
        "aws_config_configuration_recorder",
        {
            "Name": "name",
            "RoleARN": "role_arn",
            "RecordingGroup": Block(
                "recording_group",
                {
                    "AllSupported": "all_supported",
                    "IncludeGlobalResourceTypes": "include_global_resource_types",
                    "ResourceTypes": "resource_types",
                },
            ),
        },
        ref="name",
        defaults={"name": "default"},  # AWS Config's name when none is given
    ),
    "AWS::Config::DeliveryChannel": Type(
        "aws_config_delivery_channel",
        {"Name": "name", "S3BucketName": "s3_bucket_name", "SnsTopicARN": "sns_topic_arn"},
    ),
}
