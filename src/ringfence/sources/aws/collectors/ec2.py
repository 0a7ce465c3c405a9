"""EC2 and VPC networking in one region: VPCs, subnets, route tables and their associations, network ACLs,
security groups, instances (with metadata options and their volumes' encryption), network interfaces,
internet and NAT gateways, endpoints, peering, flow logs, EBS volumes and snapshots, EBS encryption by
default.

Shapes follow the provider: a VPC's main route table, default network ACL and default security group are
the ``aws_default_*`` kinds; the ``local`` route and the implicit deny-all entry (rule 32767) of every
network ACL are not written, as Terraform does not write them (the network engine adds them).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from ringfence.model import Ref, Resource, Unknown
from ringfence.sources.aws.collectors.base import Collector, Reader, iso, tags_of

_IMPLICIT_DENY = 32767


def _items(found: list[Any] | Unknown) -> list[Mapping[str, Any]]:
    return [i for i in found if isinstance(i, dict)] if isinstance(found, list) else []


def read(reader: Reader) -> Iterable[Resource]:
    vpcs = _items(reader.pages("ec2", "describe_vpcs", "Vpcs"))
    vpc_address = {str(v["VpcId"]): reader.arn("ec2", f"vpc/{v['VpcId']}") for v in vpcs}
    tables = _items(reader.pages("ec2", "describe_route_tables", "RouteTables"))
    acls = _items(reader.pages("ec2", "describe_network_acls", "NetworkAcls"))
    groups = _items(reader.pages("ec2", "describe_security_groups", "SecurityGroups"))
    main_table = {
        str(t.get("VpcId")): str(t["RouteTableId"])
        for t in tables
        if any(a.get("Main") for a in t.get("Associations") or [])
    }
    default_acl = {str(a.get("VpcId")): str(a["NetworkAclId"]) for a in acls if a.get("IsDefault")}
    default_group = {
        str(g.get("VpcId")): str(g["GroupId"]) for g in groups if g.get("GroupName") == "default"
    }
    for vpc in vpcs:
        ident = str(vpc["VpcId"])
        yield reader.resource(
            "aws_vpc",
            vpc_address[ident],
            {
                "id": ident,
                "arn": vpc_address[ident],
                "cidr_block": vpc.get("CidrBlock"),
                "ipv6_cidr_block": next(
                    (a.get("Ipv6CidrBlock") for a in vpc.get("Ipv6CidrBlockAssociationSet") or []), None
                ),
                "is_default": bool(vpc.get("IsDefault")),
                "main_route_table_id": main_table.get(ident),
                "default_network_acl_id": default_acl.get(ident),
                "default_security_group_id": default_group.get(ident),
                "owner_id": vpc.get("OwnerId"),
            },
            call="ec2:DescribeVpcs",
            arn=vpc_address[ident],
            tags=tags_of(vpc.get("Tags")),
        )
    for subnet in _items(reader.pages("ec2", "describe_subnets", "Subnets")):
        ident = str(subnet["SubnetId"])
        arn = str(subnet.get("SubnetArn") or reader.arn("ec2", f"subnet/{ident}"))
        yield reader.resource(
            "aws_subnet",
            arn,
            {
                "id": ident,
                "arn": arn,
                "vpc_id": subnet.get("VpcId"),
                "cidr_block": subnet.get("CidrBlock"),
                "availability_zone": subnet.get("AvailabilityZone"),
                "map_public_ip_on_launch": bool(subnet.get("MapPublicIpOnLaunch")),
            },
            call="ec2:DescribeSubnets",
            arn=arn,
            tags=tags_of(subnet.get("Tags")),
        )
    yield from _route_tables(reader, tables, vpc_address)
    yield from _network_acls(reader, acls, vpc_address)
    yield from _security_groups(reader, groups, vpc_address)
    yield from _gateways(reader)
    yield from _instances_and_volumes(reader)
    yield from _flow_logs(reader)
    yield from _ebs_default(reader)


def _route_tables(
    reader: Reader, tables: list[Mapping[str, Any]], vpcs: Mapping[str, str]
) -> Iterable[Resource]:
    targets = (
        ("GatewayId", "gateway_id"),
        ("NatGatewayId", "nat_gateway_id"),
        ("TransitGatewayId", "transit_gateway_id"),
        ("VpcPeeringConnectionId", "vpc_peering_connection_id"),
        ("NetworkInterfaceId", "network_interface_id"),
        ("EgressOnlyInternetGatewayId", "egress_only_gateway_id"),
        ("InstanceId", "instance_id"),
    )
    for table in tables:
        ident = str(table["RouteTableId"])
        arn = reader.arn("ec2", f"route-table/{ident}")
        vpc = str(table.get("VpcId"))
        routes = []
        for route in table.get("Routes") or []:
            if route.get("GatewayId") == "local":
                continue
            block: dict[str, Any] = {
                "cidr_block": route.get("DestinationCidrBlock"),
                "ipv6_cidr_block": route.get("DestinationIpv6CidrBlock"),
                "destination_prefix_list_id": route.get("DestinationPrefixListId"),
            }
            for api, name in targets:
                block[name] = route.get(api)
            if str(route.get("GatewayId") or "").startswith("vpce-"):
                block["vpc_endpoint_id"], block["gateway_id"] = route["GatewayId"], None
            block["blackhole"] = route.get("State") == "blackhole"
            routes.append(block)
        main = any(a.get("Main") for a in table.get("Associations") or [])
        attributes: dict[str, Any] = {
            "id": ident,
            "arn": arn,
            "route": routes,
            "owner_id": table.get("OwnerId"),
        }
        if main and vpc in vpcs:
            kind = "aws_default_route_table"
            attributes["default_route_table_id"] = Ref(vpcs[vpc], "default_route_table_id")
            attributes["vpc_id"] = vpc
        else:
            kind = "aws_route_table"
            attributes["vpc_id"] = vpc
        yield reader.resource(
            kind, arn, attributes, call="ec2:DescribeRouteTables", arn=arn, tags=tags_of(table.get("Tags"))
        )
        for association in table.get("Associations") or []:
            if association.get("Main"):
                continue
            target = association.get("SubnetId") or association.get("GatewayId")
            if not target:
                continue
            key = "subnet_id" if association.get("SubnetId") else "gateway_id"
            yield reader.resource(
                "aws_route_table_association",
                f"aws_route_table_association:{reader.account_id}:{reader.region}:"
                f"{association.get('RouteTableAssociationId')}",
                {"id": association.get("RouteTableAssociationId"), key: target, "route_table_id": ident},
                call="ec2:DescribeRouteTables",
            )


def _network_acls(
    reader: Reader, acls: list[Mapping[str, Any]], vpcs: Mapping[str, str]
) -> Iterable[Resource]:
    for acl in acls:
        ident = str(acl["NetworkAclId"])
        arn = reader.arn("ec2", f"network-acl/{ident}")
        blocks: dict[str, list[dict[str, Any]]] = {"ingress": [], "egress": []}
        for entry in acl.get("Entries") or []:
            if entry.get("RuleNumber") == _IMPLICIT_DENY:
                continue
            ports = entry.get("PortRange") or {}
            icmp = entry.get("IcmpTypeCode") or {}
            blocks["egress" if entry.get("Egress") else "ingress"].append(
                {
                    "rule_no": entry.get("RuleNumber"),
                    "action": entry.get("RuleAction"),
                    "protocol": entry.get("Protocol"),
                    "from_port": ports.get("From", 0),
                    "to_port": ports.get("To", 0),
                    "cidr_block": entry.get("CidrBlock"),
                    "ipv6_cidr_block": entry.get("Ipv6CidrBlock"),
                    "icmp_type": icmp.get("Type"),
                    "icmp_code": icmp.get("Code"),
                }
            )
        for entries in blocks.values():
            entries.sort(key=lambda e: int(e.get("rule_no") or 0))
        subnets = sorted(str(a["SubnetId"]) for a in acl.get("Associations") or [] if a.get("SubnetId"))
        vpc = str(acl.get("VpcId"))
        attributes: dict[str, Any] = {"id": ident, "arn": arn, **blocks, "subnet_ids": subnets}
        if acl.get("IsDefault") and vpc in vpcs:
            kind = "aws_default_network_acl"
            attributes["default_network_acl_id"] = Ref(vpcs[vpc], "default_network_acl_id")
        else:
            kind = "aws_network_acl"
        attributes["vpc_id"] = vpc
        yield reader.resource(
            kind, arn, attributes, call="ec2:DescribeNetworkAcls", arn=arn, tags=tags_of(acl.get("Tags"))
        )


def _permission(group: str, permission: Mapping[str, Any]) -> dict[str, Any]:
    protocol = str(permission.get("IpProtocol", "-1"))
    others = [
        str(p["GroupId"])
        for p in permission.get("UserIdGroupPairs") or []
        if p.get("GroupId") and p.get("GroupId") != group
    ]
    return {
        "protocol": protocol,
        "from_port": permission.get("FromPort", 0) if protocol != "-1" else 0,
        "to_port": permission.get("ToPort", 0) if protocol != "-1" else 0,
        "cidr_blocks": [str(r["CidrIp"]) for r in permission.get("IpRanges") or []],
        "ipv6_cidr_blocks": [str(r["CidrIpv6"]) for r in permission.get("Ipv6Ranges") or []],
        "prefix_list_ids": [str(r["PrefixListId"]) for r in permission.get("PrefixListIds") or []],
        "security_groups": others,
        "self": any(p.get("GroupId") == group for p in permission.get("UserIdGroupPairs") or []),
    }


def _security_groups(
    reader: Reader, groups: list[Mapping[str, Any]], vpcs: Mapping[str, str]
) -> Iterable[Resource]:
    for group in groups:
        ident = str(group["GroupId"])
        arn = reader.arn("ec2", f"security-group/{ident}")
        kind = "aws_default_security_group" if group.get("GroupName") == "default" else "aws_security_group"
        yield reader.resource(
            kind,
            arn,
            {
                "id": ident,
                "arn": arn,
                "name": group.get("GroupName"),
                "description": group.get("Description"),
                "vpc_id": group.get("VpcId"),
                "owner_id": group.get("OwnerId"),
                "ingress": [_permission(ident, p) for p in group.get("IpPermissions") or []],
                "egress": [_permission(ident, p) for p in group.get("IpPermissionsEgress") or []],
            },
            call="ec2:DescribeSecurityGroups",
            arn=arn,
            tags=tags_of(group.get("Tags")),
        )


def _gateways(reader: Reader) -> Iterable[Resource]:
    for igw in _items(reader.pages("ec2", "describe_internet_gateways", "InternetGateways")):
        ident = str(igw["InternetGatewayId"])
        arn = reader.arn("ec2", f"internet-gateway/{ident}")
        attached = [a.get("VpcId") for a in igw.get("Attachments") or [] if a.get("VpcId")]
        yield reader.resource(
            "aws_internet_gateway",
            arn,
            {"id": ident, "arn": arn, "vpc_id": attached[0] if attached else None},
            call="ec2:DescribeInternetGateways",
            arn=arn,
            tags=tags_of(igw.get("Tags")),
        )
    for nat in _items(reader.pages("ec2", "describe_nat_gateways", "NatGateways")):
        if nat.get("State") in ("deleted", "deleting", "failed"):
            continue
        ident = str(nat["NatGatewayId"])
        arn = reader.arn("ec2", f"natgateway/{ident}")
        addresses = nat.get("NatGatewayAddresses") or [{}]
        yield reader.resource(
            "aws_nat_gateway",
            arn,
            {
                "id": ident,
                "subnet_id": nat.get("SubnetId"),
                "vpc_id": nat.get("VpcId"),
                "connectivity_type": nat.get("ConnectivityType", "public"),
                "allocation_id": addresses[0].get("AllocationId"),
                "public_ip": addresses[0].get("PublicIp"),
            },
            call="ec2:DescribeNatGateways",
            arn=arn,
            tags=tags_of(nat.get("Tags")),
        )
    for endpoint in _items(reader.pages("ec2", "describe_vpc_endpoints", "VpcEndpoints")):
        ident = str(endpoint["VpcEndpointId"])
        arn = reader.arn("ec2", f"vpc-endpoint/{ident}")
        yield reader.resource(
            "aws_vpc_endpoint",
            arn,
            {
                "id": ident,
                "arn": arn,
                "vpc_id": endpoint.get("VpcId"),
                "service_name": endpoint.get("ServiceName"),
                "vpc_endpoint_type": endpoint.get("VpcEndpointType"),
                "subnet_ids": list(endpoint.get("SubnetIds") or []),
                "route_table_ids": list(endpoint.get("RouteTableIds") or []),
                "security_group_ids": [g.get("GroupId") for g in endpoint.get("Groups") or []],
                "policy": endpoint.get("PolicyDocument"),
                "private_dns_enabled": bool(endpoint.get("PrivateDnsEnabled")),
            },
            call="ec2:DescribeVpcEndpoints",
            arn=arn,
            tags=tags_of(endpoint.get("Tags")),
        )
    for peering in _items(reader.pages("ec2", "describe_vpc_peering_connections", "VpcPeeringConnections")):
        if (peering.get("Status") or {}).get("Code") in ("deleted", "rejected", "failed", "expired"):
            continue
        ident = str(peering["VpcPeeringConnectionId"])
        arn = reader.arn("ec2", f"vpc-peering-connection/{ident}")
        requester = peering.get("RequesterVpcInfo") or {}
        accepter = peering.get("AccepterVpcInfo") or {}
        yield reader.resource(
            "aws_vpc_peering_connection",
            arn,
            {
                "id": ident,
                "vpc_id": requester.get("VpcId"),
                "peer_vpc_id": accepter.get("VpcId"),
                "peer_owner_id": accepter.get("OwnerId"),
                "peer_region": accepter.get("Region"),
                "accept_status": (peering.get("Status") or {}).get("Code"),
            },
            call="ec2:DescribeVpcPeeringConnections",
            arn=arn,
            tags=tags_of(peering.get("Tags")),
        )


def _instances_and_volumes(reader: Reader) -> Iterable[Resource]:
    volumes = _items(reader.pages("ec2", "describe_volumes", "Volumes"))
    by_id = {str(v["VolumeId"]): v for v in volumes}
    reservations = _items(reader.pages("ec2", "describe_instances", "Reservations"))
    instances = {}
    for reservation in reservations:
        for instance in reservation.get("Instances") or []:
            if (instance.get("State") or {}).get("Name") in ("terminated", "shutting-down"):
                continue
            instances[str(instance["InstanceId"])] = instance
    for ident, instance in instances.items():
        arn = reader.arn("ec2", f"instance/{ident}")
        devices = instance.get("BlockDeviceMappings") or []
        root_name = instance.get("RootDeviceName")

        def disk(mapping: Mapping[str, Any]) -> dict[str, Any]:
            volume = by_id.get(str((mapping.get("Ebs") or {}).get("VolumeId")), {})
            encrypted: Any = (
                volume.get("Encrypted")
                if volume
                else Unknown(
                    f"volume {(mapping.get('Ebs') or {}).get('VolumeId')} was not read (ec2:DescribeVolumes)"
                )
            )
            return {
                "device_name": mapping.get("DeviceName"),
                "volume_id": (mapping.get("Ebs") or {}).get("VolumeId"),
                "encrypted": encrypted,
                "kms_key_id": volume.get("KmsKeyId"),
            }

        root = [disk(m) for m in devices if m.get("DeviceName") == root_name]
        others = [disk(m) for m in devices if m.get("DeviceName") != root_name]
        options = instance.get("MetadataOptions") or {}
        profile = (instance.get("IamInstanceProfile") or {}).get("Arn")
        yield reader.resource(
            "aws_instance",
            arn,
            {
                "id": ident,
                "arn": arn,
                "ami": instance.get("ImageId"),
                "instance_type": instance.get("InstanceType"),
                "subnet_id": instance.get("SubnetId"),
                "vpc_security_group_ids": [g.get("GroupId") for g in instance.get("SecurityGroups") or []],
                "associate_public_ip_address": bool(instance.get("PublicIpAddress")),
                "public_ip": instance.get("PublicIpAddress"),
                "private_ip": instance.get("PrivateIpAddress"),
                "iam_instance_profile": profile.rsplit("/", 1)[-1] if isinstance(profile, str) else None,
                "metadata_options": [
                    {
                        "http_endpoint": options.get("HttpEndpoint", "enabled"),
                        "http_tokens": options.get("HttpTokens", "optional"),
                        "http_put_response_hop_limit": options.get("HttpPutResponseHopLimit", 1),
                    }
                ],
                "root_block_device": root,
                "ebs_block_device": others,
                "monitoring": (instance.get("Monitoring") or {}).get("State") == "enabled",
                "instance_state": (instance.get("State") or {}).get("Name"),
            },
            call="ec2:DescribeInstances",
            arn=arn,
            tags=tags_of(instance.get("Tags")),
        )
    for volume in volumes:
        ident = str(volume["VolumeId"])
        arn = reader.arn("ec2", f"volume/{ident}")
        yield reader.resource(
            "aws_ebs_volume",
            arn,
            {
                "id": ident,
                "arn": arn,
                "availability_zone": volume.get("AvailabilityZone"),
                "encrypted": bool(volume.get("Encrypted")),
                "kms_key_id": volume.get("KmsKeyId"),
                "size": volume.get("Size"),
                "type": volume.get("VolumeType"),
                "snapshot_id": volume.get("SnapshotId") or None,
            },
            call="ec2:DescribeVolumes",
            arn=arn,
            tags=tags_of(volume.get("Tags")),
        )
    for snapshot in _items(reader.pages("ec2", "describe_snapshots", "Snapshots", OwnerIds=["self"])):
        ident = str(snapshot["SnapshotId"])
        arn = f"arn:{reader.partition}:ec2:{reader.region}::snapshot/{ident}"
        yield reader.resource(
            "aws_ebs_snapshot",
            arn,
            {
                "id": ident,
                "arn": arn,
                "volume_id": snapshot.get("VolumeId"),
                "encrypted": bool(snapshot.get("Encrypted")),
                "kms_key_id": snapshot.get("KmsKeyId"),
                "owner_id": snapshot.get("OwnerId"),
                "start_time": iso(snapshot.get("StartTime")),
            },
            call="ec2:DescribeSnapshots",
            arn=arn,
            tags=tags_of(snapshot.get("Tags")),
        )
    for eni in _items(reader.pages("ec2", "describe_network_interfaces", "NetworkInterfaces")):
        attached = (eni.get("Attachment") or {}).get("InstanceId")
        if attached in instances or eni.get("RequesterManaged"):
            continue  # an instance's own interface is the instance; a service's is its service's
        ident = str(eni["NetworkInterfaceId"])
        arn = reader.arn("ec2", f"network-interface/{ident}")
        yield reader.resource(
            "aws_network_interface",
            arn,
            {
                "id": ident,
                "subnet_id": eni.get("SubnetId"),
                "security_groups": [g.get("GroupId") for g in eni.get("Groups") or []],
                "private_ip": eni.get("PrivateIpAddress"),
                "interface_type": eni.get("InterfaceType"),
                "public_ip": (eni.get("Association") or {}).get("PublicIp"),
            },
            call="ec2:DescribeNetworkInterfaces",
            arn=arn,
            tags=tags_of(eni.get("TagSet")),
        )


def _flow_logs(reader: Reader) -> Iterable[Resource]:
    for log in _items(reader.pages("ec2", "describe_flow_logs", "FlowLogs")):
        ident = str(log["FlowLogId"])
        arn = reader.arn("ec2", f"vpc-flow-log/{ident}")
        target = str(log.get("ResourceId", ""))
        key = {"vpc": "vpc_id", "subnet": "subnet_id", "eni": "eni_id"}.get(target.split("-", 1)[0], "vpc_id")
        yield reader.resource(
            "aws_flow_log",
            arn,
            {
                "id": ident,
                key: target,
                "traffic_type": log.get("TrafficType"),
                "log_destination_type": log.get("LogDestinationType", "cloud-watch-logs"),
                "log_destination": log.get("LogDestination"),
                "log_group_name": log.get("LogGroupName"),
                "iam_role_arn": log.get("DeliverLogsPermissionArn"),
            },
            call="ec2:DescribeFlowLogs",
            arn=arn,
            tags=tags_of(log.get("Tags")),
        )


def _ebs_default(reader: Reader) -> Iterable[Resource]:
    got = reader.call("ec2", "get_ebs_encryption_by_default")
    if got is None:
        return
    enabled = got if isinstance(got, Unknown) else bool(got.get("EbsEncryptionByDefault"))
    yield reader.resource(
        "aws_ebs_encryption_by_default",
        f"aws_ebs_encryption_by_default:{reader.account_id}:{reader.region}",
        {"enabled": enabled},
        call="ec2:GetEbsEncryptionByDefault",
    )


COLLECTOR = Collector(
    name="ec2",
    calls=(
        "ec2:DescribeVpcs",
        "ec2:DescribeSubnets",
        "ec2:DescribeRouteTables",
        "ec2:DescribeNetworkAcls",
        "ec2:DescribeSecurityGroups",
        "ec2:DescribeInternetGateways",
        "ec2:DescribeNatGateways",
        "ec2:DescribeVpcEndpoints",
        "ec2:DescribeVpcPeeringConnections",
        "ec2:DescribeInstances",
        "ec2:DescribeVolumes",
        "ec2:DescribeSnapshots",
        "ec2:DescribeNetworkInterfaces",
        "ec2:DescribeFlowLogs",
        "ec2:GetEbsEncryptionByDefault",
    ),
    scope="regional",
    read=read,
)
