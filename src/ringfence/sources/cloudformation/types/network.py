"""EC2 networking: VPCs, subnets, routing, gateways, network ACLs, security groups, endpoints, flow logs.

Property names: AWS CloudFormation User Guide, "Amazon EC2 resource type reference"; attribute shapes: the
Terraform AWS provider's. A security group without ``SecurityGroupEgress`` keeps the rule AWS creates
with every VPC group (all traffic out to anywhere); Terraform removes it, so the model writes it out.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ringfence.sources.cloudformation.types import TAGS, Convert, Target, Type, fill, listed

_ROUTE_TARGETS: Mapping[str, Target] = {
    "DestinationCidrBlock": "destination_cidr_block",
    "DestinationIpv6CidrBlock": "destination_ipv6_cidr_block",
    "DestinationPrefixListId": "destination_prefix_list_id",
    "GatewayId": "gateway_id",
    "NatGatewayId": "nat_gateway_id",
    "InstanceId": "instance_id",
    "NetworkInterfaceId": "network_interface_id",
    "VpcPeeringConnectionId": "vpc_peering_connection_id",
    "TransitGatewayId": "transit_gateway_id",
    "EgressOnlyInternetGatewayId": "egress_only_gateway_id",
    "VpcEndpointId": "vpc_endpoint_id",
    "CarrierGatewayId": "carrier_gateway_id",
    "LocalGatewayId": "local_gateway_id",
}

# One rule of a security group, inline or standalone (AWS::EC2::SecurityGroupIngress/Egress share it).
_SG_RULE: Mapping[str, Target] = {
    "IpProtocol": Convert(lambda v: {"protocol": str(v) if isinstance(v, int) else v}),
    "FromPort": "from_port",
    "ToPort": "to_port",
    "CidrIp": listed("cidr_blocks"),
    "CidrIpv6": listed("ipv6_cidr_blocks"),
    "SourceSecurityGroupId": listed("security_groups"),
    "DestinationSecurityGroupId": listed("security_groups"),
    "SourcePrefixListId": listed("prefix_list_ids"),
    "DestinationPrefixListId": listed("prefix_list_ids"),
    "Description": "description",
}

_ALL_OUT = {"protocol": "-1", "from_port": 0, "to_port": 0, "cidr_blocks": ["0.0.0.0/0"]}


def _rule_ports(rules: Any) -> Any:
    """Ports as Terraform writes them: 0-0 for every protocol (-1) where CloudFormation leaves them out."""
    if not isinstance(rules, list):
        return rules
    out = []
    for rule in rules:
        if isinstance(rule, dict) and str(rule.get("protocol")) == "-1":
            out.append({"from_port": 0, "to_port": 0, **rule})
        else:
            out.append(rule)
    return out


def _standalone(direction: str) -> Type:
    fields: dict[str, Target] = {
        "GroupId": "security_group_id",
        "IpProtocol": Convert(lambda v: {"protocol": str(v) if isinstance(v, int) else v, "type": direction}),
        "FromPort": "from_port",
        "ToPort": "to_port",
        "CidrIp": listed("cidr_blocks"),
        "CidrIpv6": listed("ipv6_cidr_blocks"),
        "SourceSecurityGroupId": "source_security_group_id",
        "DestinationSecurityGroupId": "source_security_group_id",
        "SourcePrefixListId": listed("prefix_list_ids"),
        "DestinationPrefixListId": listed("prefix_list_ids"),
        "Description": "description",
    }
    return Type("aws_security_group_rule", fields, defaults={"type": direction})


_NACL_ENTRY: Mapping[str, Target] = {
    "NetworkAclId": "network_acl_id",
    "RuleNumber": "rule_number",
    "Egress": "egress",
    "Protocol": Convert(lambda v: {"protocol": str(v) if isinstance(v, int) else v}),
    "RuleAction": "rule_action",
    "CidrBlock": "cidr_block",
    "Ipv6CidrBlock": "ipv6_cidr_block",
    "PortRange": Convert(
        lambda v: {"from_port": v.get("From"), "to_port": v.get("To")} if isinstance(v, Mapping) else {}
    ),
    "Icmp": Convert(
        lambda v: {"icmp_type": v.get("Type"), "icmp_code": v.get("Code")} if isinstance(v, Mapping) else {}
    ),
}


def _flow_log_resource(properties: Mapping[str, Any]) -> dict[str, Any]:
    kind = str(properties.get("ResourceType", "VPC"))
    key = {"VPC": "vpc_id", "Subnet": "subnet_id", "NetworkInterface": "eni_id"}.get(kind, "vpc_id")
    return {key: properties.get("ResourceId")}


TYPES: Mapping[str, Type] = {
    "AWS::EC2::VPC": Type(
        "aws_vpc",
        {
            "CidrBlock": "cidr_block",
            "EnableDnsSupport": "enable_dns_support",
            "EnableDnsHostnames": "enable_dns_hostnames",
            "InstanceTenancy": "instance_tenancy",
            "Tags": TAGS,
        },
        atts={
            "VpcId": "id",
            "DefaultSecurityGroup": "default_security_group_id",
            "DefaultNetworkAcl": "default_network_acl_id",
        },
    ),
    "AWS::EC2::Subnet": Type(
        "aws_subnet",
        {
            "VpcId": "vpc_id",
            "CidrBlock": "cidr_block",
            "Ipv6CidrBlock": "ipv6_cidr_block",
            "AvailabilityZone": "availability_zone",
            "MapPublicIpOnLaunch": "map_public_ip_on_launch",
            "Tags": TAGS,
        },
        atts={"SubnetId": "id"},
    ),
    "AWS::EC2::RouteTable": Type("aws_route_table", {"VpcId": "vpc_id", "Tags": TAGS}),
    "AWS::EC2::Route": Type("aws_route", {"RouteTableId": "route_table_id", **_ROUTE_TARGETS}),
    "AWS::EC2::SubnetRouteTableAssociation": Type(
        "aws_route_table_association", {"SubnetId": "subnet_id", "RouteTableId": "route_table_id"}
    ),
    "AWS::EC2::GatewayRouteTableAssociation": Type(
        "aws_route_table_association", {"GatewayId": "gateway_id", "RouteTableId": "route_table_id"}
    ),
    "AWS::EC2::InternetGateway": Type(
        "aws_internet_gateway", {"Tags": TAGS}, atts={"InternetGatewayId": "id"}
    ),
    "AWS::EC2::EgressOnlyInternetGateway": Type("aws_egress_only_internet_gateway", {"VpcId": "vpc_id"}),
    "AWS::EC2::VPCGatewayAttachment": Type(
        "aws_internet_gateway_attachment",
        {"VpcId": "vpc_id", "InternetGatewayId": "internet_gateway_id", "VpnGatewayId": "vpn_gateway_id"},
    ),
    "AWS::EC2::NatGateway": Type(
        "aws_nat_gateway",
        {
            "SubnetId": "subnet_id",
            "AllocationId": "allocation_id",
            "ConnectivityType": "connectivity_type",
            "Tags": TAGS,
        },
    ),
    "AWS::EC2::EIP": Type(
        "aws_eip",
        {"Domain": "domain", "InstanceId": "instance", "Tags": TAGS},
        ref="public_ip",
        atts={"AllocationId": "id", "PublicIp": "public_ip"},
    ),
    "AWS::EC2::EIPAssociation": Type(
        "aws_eip_association",
        {
            "AllocationId": "allocation_id",
            "InstanceId": "instance_id",
            "NetworkInterfaceId": "network_interface_id",
        },
    ),
    "AWS::EC2::NetworkAcl": Type("aws_network_acl", {"VpcId": "vpc_id", "Tags": TAGS}),
    "AWS::EC2::NetworkAclEntry": Type("aws_network_acl_rule", _NACL_ENTRY, defaults={"egress": False}),
    "AWS::EC2::SubnetNetworkAclAssociation": Type(
        "aws_network_acl_association", {"SubnetId": "subnet_id", "NetworkAclId": "network_acl_id"}
    ),
    "AWS::EC2::SecurityGroup": Type(
        "aws_security_group",
        {
            "GroupName": "name",
            "GroupDescription": "description",
            "VpcId": "vpc_id",
            "SecurityGroupIngress": Convert(lambda v: {"ingress": _rule_ports(_blocks(_SG_RULE, v))}),
            # An empty list is no rule written: AWS keeps its allow-all rule.
            "SecurityGroupEgress": Convert(
                lambda v: {"egress": _rule_ports(_blocks(_SG_RULE, v))} if v else {}
            ),
            "Tags": TAGS,
        },
        atts={"GroupId": "id", "VpcId": "vpc_id"},
        name="name",
        defaults={"egress": [_ALL_OUT], "ingress": []},
    ),
    "AWS::EC2::SecurityGroupIngress": _standalone("ingress"),
    "AWS::EC2::SecurityGroupEgress": _standalone("egress"),
    "AWS::EC2::VPCEndpoint": Type(
        "aws_vpc_endpoint",
        {
            "VpcId": "vpc_id",
            "ServiceName": "service_name",
            "VpcEndpointType": "vpc_endpoint_type",
            "SubnetIds": "subnet_ids",
            "RouteTableIds": "route_table_ids",
            "SecurityGroupIds": "security_group_ids",
            "PolicyDocument": "policy",
            "PrivateDnsEnabled": "private_dns_enabled",
        },
        defaults={"vpc_endpoint_type": "Gateway"},
    ),
    "AWS::EC2::VPCPeeringConnection": Type(
        "aws_vpc_peering_connection",
        {
            "VpcId": "vpc_id",
            "PeerVpcId": "peer_vpc_id",
            "PeerOwnerId": "peer_owner_id",
            "PeerRegion": "peer_region",
        },
    ),
    "AWS::EC2::TransitGateway": Type("aws_ec2_transit_gateway", {"Tags": TAGS}),
    "AWS::EC2::FlowLog": Type(
        "aws_flow_log",
        {
            "TrafficType": "traffic_type",
            "LogDestinationType": "log_destination_type",
            "LogDestination": "log_destination",
            "LogGroupName": "log_group_name",
            "DeliverLogsPermissionArn": "iam_role_arn",
            "Tags": TAGS,
        },
        defaults={"log_destination_type": "cloud-watch-logs"},
        extra=_flow_log_resource,
    ),
}


def _blocks(fields: Mapping[str, Target], value: Any) -> Any:
    if not isinstance(value, list):
        return value
    return [fill(fields, item) for item in value]
