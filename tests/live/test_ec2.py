"""The EC2/VPC collector against a moto server: a public network with an open security group in one region,
a locked-down one in another."""

from __future__ import annotations

from typing import Any

from ringfence.sources.aws import load_live
from tests.live.conftest import REGIONS, client, findings


def _network(ec2: Any, cidr: str) -> tuple[str, str]:
    vpc = ec2.create_vpc(CidrBlock=cidr)["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock=cidr.replace("/16", "/24"))["Subnet"]["SubnetId"]
    return vpc, subnet


def _seed_ec2() -> dict[str, str]:
    east = client("ec2", "us-east-1")
    vpc, subnet = _network(east, "10.10.0.0/16")
    east.modify_subnet_attribute(SubnetId=subnet, MapPublicIpOnLaunch={"Value": True})
    igw = east.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    east.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
    table = east.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
    east.create_route(RouteTableId=table, DestinationCidrBlock="0.0.0.0/0", GatewayId=igw)
    east.associate_route_table(RouteTableId=table, SubnetId=subnet)
    open_ssh = east.create_security_group(GroupName="fail-open-ssh", Description="ssh", VpcId=vpc)["GroupId"]
    east.authorize_security_group_ingress(
        GroupId=open_ssh,
        IpPermissions=[
            {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}
        ],
    )
    image = east.describe_images()["Images"][0]["ImageId"]
    exposed = east.run_instances(
        ImageId=image,
        MinCount=1,
        MaxCount=1,
        SubnetId=subnet,
        SecurityGroupIds=[open_ssh],
        MetadataOptions={"HttpTokens": "optional", "HttpEndpoint": "enabled"},
    )["Instances"][0]["InstanceId"]
    plain = east.create_volume(AvailabilityZone="us-east-1a", Size=8, Encrypted=False)["VolumeId"]

    west = client("ec2", "eu-west-1")
    wvpc, wsubnet = _network(west, "10.20.0.0/16")
    closed = west.create_security_group(GroupName="pass-internal", Description="int", VpcId=wvpc)["GroupId"]
    west.authorize_security_group_ingress(
        GroupId=closed,
        IpPermissions=[
            {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "IpRanges": [{"CidrIp": "10.0.0.0/8"}]}
        ],
    )
    wimage = west.describe_images()["Images"][0]["ImageId"]
    private = west.run_instances(
        ImageId=wimage,
        MinCount=1,
        MaxCount=1,
        SubnetId=wsubnet,
        SecurityGroupIds=[closed],
        MetadataOptions={"HttpTokens": "required", "HttpEndpoint": "enabled"},
    )["Instances"][0]["InstanceId"]
    sealed = west.create_volume(AvailabilityZone="eu-west-1a", Size=8, Encrypted=True)["VolumeId"]
    acl = west.create_network_acl(VpcId=wvpc)["NetworkAcl"]["NetworkAclId"]
    west.create_network_acl_entry(
        NetworkAclId=acl,
        RuleNumber=100,
        Protocol="6",
        RuleAction="allow",
        Egress=False,
        CidrBlock="10.0.0.0/8",
        PortRange={"From": 443, "To": 443},
    )
    return {
        "exposed": exposed,
        "private": private,
        "open_ssh": open_ssh,
        "closed": closed,
        "acl": acl,
        "plain": plain,
        "sealed": sealed,
    }


def test_network_resources_link_like_terraform(aws: str) -> None:
    ids = _seed_ec2()
    estate = load_live("aws://", regions=REGIONS)
    instance = estate.get(f"arn:aws:ec2:us-east-1:123456789012:instance/{ids['exposed']}")
    assert instance is not None and instance.provenance.region == "us-east-1"
    subnet = estate.target(instance, "subnet_id")
    assert subnet is not None and subnet.kind == "aws_subnet"
    route_table = estate.target(subnet, "route_table")
    assert route_table is not None and route_table.kind == "aws_route_table"
    groups = estate.targets(instance, "vpc_security_group_ids")
    assert [g.get("name") for g in groups] == ["fail-open-ssh"]
    acl = estate.get(f"arn:aws:ec2:eu-west-1:123456789012:network-acl/{ids['acl']}")
    assert acl is not None and [e["rule_no"] for e in acl.get("ingress")] == [100]  # no implicit deny entry


def test_ec2_findings(aws: str) -> None:
    ids = _seed_ec2()
    estate = load_live("aws://", regions=REGIONS)
    east, west = "arn:aws:ec2:us-east-1:123456789012", "arn:aws:ec2:eu-west-1:123456789012"
    exposed, private = f"{east}:instance/{ids['exposed']}", f"{west}:instance/{ids['private']}"
    seeded = {
        exposed,
        private,
        f"{east}:volume/{ids['plain']}",
        f"{west}:volume/{ids['sealed']}",
        f"{west}:network-acl/{ids['acl']}",
        f"{east}:security-group/{ids['open_ssh']}",
        f"{west}:security-group/{ids['closed']}",
    }
    rules = (
        "ec2.imdsv2-required",
        "network.admin-port-exposed",
        "network.acl-admin-ports-restricted",
        "ebs.volume-encrypted",
    )
    got = {f for f in findings(estate, *rules) if f[2] in seeded}
    assert got == {
        # Public IP, a route to the internet gateway, SSH open to the world: reachable.
        ("network.admin-port-exposed", "exposed", exposed),
        ("ec2.imdsv2-required", "fail", exposed),
        ("ebs.volume-encrypted", "fail", f"{east}:volume/{ids['plain']}"),
        # The root volumes moto gives both instances are not encrypted.
        ("ebs.volume-encrypted", "fail", exposed),
        ("ebs.volume-encrypted", "fail", private),
    }
