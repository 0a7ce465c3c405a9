"""The detective controls of one region: CloudTrail trails (status and selectors), GuardDuty detectors and
their features, Security Hub and its standards, AWS Config recorders, their status and delivery channels."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from ringfence.model import Ref, Resource, Unknown
from ringfence.sources.aws.collectors.base import Collector, Reader


def _selectors(got: Mapping[str, Any] | Unknown | None) -> tuple[Any, Any]:
    if isinstance(got, Unknown):
        return got, got
    basic = [
        {
            "read_write_type": s.get("ReadWriteType", "All"),
            "include_management_events": s.get("IncludeManagementEvents", True),
            "data_resource": [
                {"type": d.get("Type"), "values": d.get("Values", [])} for d in s.get("DataResources") or []
            ],
        }
        for s in (got or {}).get("EventSelectors") or []
    ]
    advanced = [
        {
            "name": s.get("Name"),
            "field_selector": [
                {
                    "field": f.get("Field"),
                    **{
                        key: f[api]
                        for key, api in (
                            ("equals", "Equals"),
                            ("not_equals", "NotEquals"),
                            ("starts_with", "StartsWith"),
                            ("not_starts_with", "NotStartsWith"),
                            ("ends_with", "EndsWith"),
                            ("not_ends_with", "NotEndsWith"),
                        )
                        if api in f
                    },
                }
                for f in s.get("FieldSelectors") or []
            ],
        }
        for s in (got or {}).get("AdvancedEventSelectors") or []
    ]
    return basic, advanced


def trails(reader: Reader) -> Iterable[Resource]:
    found = reader.pages("cloudtrail", "describe_trails", "trailList", includeShadowTrails=False)
    for trail in found if isinstance(found, list) else []:
        arn = str(trail["TrailARN"])
        status = reader.call("cloudtrail", "get_trail_status", Name=arn)
        logging: Any = status if isinstance(status, Unknown) else bool((status or {}).get("IsLogging"))
        basic, advanced = _selectors(reader.call("cloudtrail", "get_event_selectors", TrailName=arn))
        yield reader.resource(
            "aws_cloudtrail",
            arn,
            {
                "name": trail.get("Name"),
                "arn": arn,
                "home_region": trail.get("HomeRegion"),
                "s3_bucket_name": trail.get("S3BucketName"),
                "s3_key_prefix": trail.get("S3KeyPrefix"),
                "is_multi_region_trail": bool(trail.get("IsMultiRegionTrail")),
                "include_global_service_events": bool(trail.get("IncludeGlobalServiceEvents")),
                "is_organization_trail": bool(trail.get("IsOrganizationTrail")),
                "enable_log_file_validation": bool(trail.get("LogFileValidationEnabled")),
                "kms_key_id": trail.get("KmsKeyId"),
                "cloud_watch_logs_group_arn": trail.get("CloudWatchLogsLogGroupArn"),
                "cloud_watch_logs_role_arn": trail.get("CloudWatchLogsRoleArn"),
                "sns_topic_name": trail.get("SnsTopicName"),
                "enable_logging": logging,
                "event_selector": basic,
                "advanced_event_selector": advanced,
            },
            call="cloudtrail:DescribeTrails",
            arn=arn,
        )


def guardduty(reader: Reader) -> Iterable[Resource]:
    found = reader.pages("guardduty", "list_detectors", "DetectorIds")
    for ident in found if isinstance(found, list) else []:
        detector = reader.call("guardduty", "get_detector", DetectorId=ident)
        if detector is None:
            continue
        arn = reader.arn("guardduty", f"detector/{ident}")
        enabled: Any = detector if isinstance(detector, Unknown) else detector.get("Status") == "ENABLED"
        yield reader.resource(
            "aws_guardduty_detector",
            arn,
            {
                "id": ident,
                "arn": arn,
                "enable": enabled,
                "finding_publishing_frequency": None
                if isinstance(detector, Unknown)
                else detector.get("FindingPublishingFrequency"),
            },
            call="guardduty:GetDetector",
            arn=arn,
        )
        for feature in [] if isinstance(detector, Unknown) else detector.get("Features") or []:
            yield reader.resource(
                "aws_guardduty_detector_feature",
                f"aws_guardduty_detector_feature:{reader.account_id}:{reader.region}:{ident}:{feature.get('Name')}",
                {"detector_id": Ref(arn, "id"), "name": feature.get("Name"), "status": feature.get("Status")},
                call="guardduty:GetDetector",
            )


def securityhub(reader: Reader) -> Iterable[Resource]:
    hub = reader.call("securityhub", "describe_hub")
    if hub is None:
        return  # not enabled in this account and region
    arn = str(hub.get("HubArn")) if not isinstance(hub, Unknown) else reader.arn("securityhub", "hub/default")
    standards = reader.pages("securityhub", "get_enabled_standards", "StandardsSubscriptions")
    defaults: Any = standards if isinstance(standards, Unknown) else bool(standards)
    yield reader.resource(
        "aws_securityhub_account",
        arn,
        {
            "arn": arn,
            "enable_default_standards": hub if isinstance(hub, Unknown) else defaults,
            "auto_enable_controls": None if isinstance(hub, Unknown) else hub.get("AutoEnableControls"),
        },
        call="securityhub:DescribeHub",
        arn=arn,
    )
    for subscription in standards if isinstance(standards, list) else []:
        sub_arn = str(subscription.get("StandardsSubscriptionArn"))
        yield reader.resource(
            "aws_securityhub_standards_subscription",
            sub_arn,
            {
                "standards_arn": subscription.get("StandardsArn"),
                "status": subscription.get("StandardsStatus"),
            },
            call="securityhub:GetEnabledStandards",
            arn=sub_arn,
        )


def config(reader: Reader) -> Iterable[Resource]:
    recorders = reader.call("config", "describe_configuration_recorders")
    if not isinstance(recorders, Mapping):
        return
    statuses = reader.call("config", "describe_configuration_recorder_status")
    running: dict[str, Any] = {}
    if isinstance(statuses, Unknown):
        running = {str(r.get("name")): statuses for r in recorders.get("ConfigurationRecorders") or []}
    else:
        for status in (statuses or {}).get("ConfigurationRecordersStatus") or []:
            running[str(status.get("name"))] = bool(status.get("recording"))
    for recorder in recorders.get("ConfigurationRecorders") or []:
        name = str(recorder.get("name"))
        address = f"aws_config_configuration_recorder:{reader.account_id}:{reader.region}:{name}"
        group = recorder.get("recordingGroup") or {}
        yield reader.resource(
            "aws_config_configuration_recorder",
            address,
            {
                "name": name,
                "role_arn": recorder.get("roleARN"),
                "recording_group": [
                    {
                        "all_supported": bool(group.get("allSupported", True)),
                        "include_global_resource_types": bool(group.get("includeGlobalResourceTypes", False)),
                        "resource_types": list(group.get("resourceTypes") or []),
                    }
                ],
            },
            call="config:DescribeConfigurationRecorders",
        )
        if name in running:
            yield reader.resource(
                "aws_config_configuration_recorder_status",
                f"aws_config_configuration_recorder_status:{reader.account_id}:{reader.region}:{name}",
                {"name": Ref(address, "name"), "is_enabled": running[name]},
                call="config:DescribeConfigurationRecorderStatus",
            )
    channels = reader.call("config", "describe_delivery_channels")
    for channel in [] if not isinstance(channels, Mapping) else channels.get("DeliveryChannels") or []:
        name = str(channel.get("name"))
        yield reader.resource(
            "aws_config_delivery_channel",
            f"aws_config_delivery_channel:{reader.account_id}:{reader.region}:{name}",
            {
                "name": name,
                "s3_bucket_name": channel.get("s3BucketName"),
                "sns_topic_arn": channel.get("snsTopicARN"),
            },
            call="config:DescribeDeliveryChannels",
        )


CLOUDTRAIL = Collector(
    name="cloudtrail",
    calls=("cloudtrail:DescribeTrails", "cloudtrail:GetTrailStatus", "cloudtrail:GetEventSelectors"),
    scope="regional",
    read=trails,
)
GUARDDUTY = Collector(
    name="guardduty",
    calls=("guardduty:ListDetectors", "guardduty:GetDetector"),
    scope="regional",
    read=guardduty,
)
SECURITYHUB = Collector(
    name="securityhub",
    calls=("securityhub:DescribeHub", "securityhub:GetEnabledStandards"),
    scope="regional",
    read=securityhub,
)
CONFIG = Collector(
    name="config",
    calls=(
        "config:DescribeConfigurationRecorders",
        "config:DescribeConfigurationRecorderStatus",
        "config:DescribeDeliveryChannels",
    ),
    scope="regional",
    read=config,
)
