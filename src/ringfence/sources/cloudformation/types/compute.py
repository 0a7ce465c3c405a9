"""EC2 compute: instances, launch templates, EBS volumes.

A block device mapping names its device; the AMI decides which device is the root one, so the common
root device names (``/dev/xvda``, ``/dev/sda1``) are read as the root volume and the others as extra
volumes. The primary network interface (device index 0) gives an instance its subnet, groups and public
address when they are written there.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ringfence.model import Unknown
from ringfence.sources.cloudformation.types import TAGS, Block, Convert, Target, Type, fill

_ROOT_DEVICES = frozenset({"/dev/xvda", "/dev/sda1", "/dev/sda", "/dev/nvme0n1"})

_METADATA: Mapping[str, Target] = {
    "HttpEndpoint": "http_endpoint",
    "HttpTokens": "http_tokens",
    "HttpPutResponseHopLimit": "http_put_response_hop_limit",
    "InstanceMetadataTags": "instance_metadata_tags",
}

_EBS: Mapping[str, Target] = {
    "Encrypted": "encrypted",
    "KmsKeyId": "kms_key_id",
    "VolumeSize": "volume_size",
    "VolumeType": "volume_type",
    "SnapshotId": "snapshot_id",
    "DeleteOnTermination": "delete_on_termination",
}


def _devices(value: Any) -> Mapping[str, Any]:
    if isinstance(value, Unknown) or not isinstance(value, list):
        return {"ebs_block_device": value}
    root: list[dict[str, Any]] = []
    others: list[dict[str, Any]] = []
    for mapping in value:
        if not isinstance(mapping, Mapping):
            continue
        device = {"device_name": mapping.get("DeviceName"), **fill(_EBS, mapping.get("Ebs") or {})}
        (root if mapping.get("DeviceName") in _ROOT_DEVICES else others).append(device)
    out: dict[str, Any] = {}
    if root:
        out["root_block_device"] = root
    if others:
        out["ebs_block_device"] = others
    return out


def _primary_interface(value: Any) -> Mapping[str, Any]:
    if not isinstance(value, list):
        return {}
    for interface in value:
        if isinstance(interface, Mapping) and str(interface.get("DeviceIndex", "0")) == "0":
            out: dict[str, Any] = {}
            if "SubnetId" in interface:
                out["subnet_id"] = interface["SubnetId"]
            if "GroupSet" in interface:
                out["vpc_security_group_ids"] = interface["GroupSet"]
            if "AssociatePublicIpAddress" in interface:
                out["associate_public_ip_address"] = interface["AssociatePublicIpAddress"]
            return out
    return {}


_LAUNCH_DATA: Mapping[str, Target] = {
    "ImageId": "image_id",
    "InstanceType": "instance_type",
    "UserData": "user_data",
    "SecurityGroupIds": "vpc_security_group_ids",
    "SecurityGroups": "security_groups",
    "MetadataOptions": Block("metadata_options", _METADATA),
    "IamInstanceProfile": Block("iam_instance_profile", {"Name": "name", "Arn": "arn"}),
    "NetworkInterfaces": Block(
        "network_interfaces",
        {
            "AssociatePublicIpAddress": "associate_public_ip_address",
            "Groups": "security_groups",
            "SubnetId": "subnet_id",
            "DeviceIndex": "device_index",
        },
    ),
    "BlockDeviceMappings": Block(
        "block_device_mappings", {"DeviceName": "device_name", "Ebs": Block("ebs", _EBS)}
    ),
    "Monitoring": Block("monitoring", {"Enabled": "enabled"}),
}

TYPES: Mapping[str, Type] = {
    "AWS::EC2::Instance": Type(
        "aws_instance",
        {
            "ImageId": "ami",
            "InstanceType": "instance_type",
            "SubnetId": "subnet_id",
            "SecurityGroupIds": "vpc_security_group_ids",
            "SecurityGroups": "security_groups",
            "IamInstanceProfile": "iam_instance_profile",
            "UserData": "user_data",
            "KeyName": "key_name",
            "Monitoring": "monitoring",
            "EbsOptimized": "ebs_optimized",
            "MetadataOptions": Block("metadata_options", _METADATA),
            "BlockDeviceMappings": Convert(_devices),
            "NetworkInterfaces": Convert(_primary_interface),
            "LaunchTemplate": Block(
                "launch_template",
                {"LaunchTemplateId": "id", "LaunchTemplateName": "name", "Version": "version"},
            ),
            "Tags": TAGS,
        },
        atts={"InstanceId": "id", "PublicIp": "public_ip", "PrivateIp": "private_ip"},
    ),
    "AWS::EC2::LaunchTemplate": Type(
        "aws_launch_template",
        {
            "LaunchTemplateName": "name",
            "LaunchTemplateData": Convert(lambda v: fill(_LAUNCH_DATA, v)),
        },
        atts={"LaunchTemplateId": "id", "LatestVersionNumber": "latest_version"},
        name="name",
    ),
    "AWS::EC2::Volume": Type(
        "aws_ebs_volume",
        {
            "AvailabilityZone": "availability_zone",
            "Encrypted": "encrypted",
            "KmsKeyId": "kms_key_id",
            "Size": "size",
            "VolumeType": "type",
            "SnapshotId": "snapshot_id",
            "Tags": TAGS,
        },
        atts={"VolumeId": "id"},
    ),
    "AWS::EC2::VolumeAttachment": Type(
        "aws_volume_attachment",
        {"VolumeId": "volume_id", "InstanceId": "instance_id", "Device": "device_name"},
    ),
    "AWS::AutoScaling::AutoScalingGroup": Type(
        "aws_autoscaling_group",
        {
            "AutoScalingGroupName": "name",
            "VPCZoneIdentifier": "vpc_zone_identifier",
            "MinSize": "min_size",
            "MaxSize": "max_size",
            "TargetGroupARNs": "target_group_arns",
            "LaunchTemplate": Block(
                "launch_template",
                {"LaunchTemplateId": "id", "LaunchTemplateName": "name", "Version": "version"},
            ),
        },
        ref="name",
    ),
}
