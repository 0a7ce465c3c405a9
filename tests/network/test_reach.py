"""Reachability rules one by one, on estates built in memory."""

from __future__ import annotations

from typing import Any

import pytest

from ringfence.model import Unknown
from ringfence.network import UnresolvedName, exposure_map, reach
from tests.network.build import ALL_OUT, Builder, base_vpc, public_subnet, ref, world


def _instance(b: Builder, name: str, subnet: str, groups: list[str], **extra: Any) -> str:
    return b.add(
        f"aws_instance.{name}",
        subnet_id=ref(subnet),
        vpc_security_group_ids=[ref(g) for g in groups],
        **extra,
    )


def test_longest_prefix_wins_for_the_reply() -> None:
    """0.0.0.0/0 goes to the IGW, but a more specific route sends 198.51.100.0/24 to a NAT: clients in
    that range get no reply; everyone else does."""
    b = Builder()
    base_vpc(b)
    s = public_subnet(b, "web", "10.0.1.0/24")
    b.add("aws_nat_gateway.nat", subnet_id=ref(s))
    b.add(
        "aws_route.office",
        route_table_id=ref("aws_route_table.web"),
        destination_cidr_block="198.51.100.0/24",
        nat_gateway_id=ref("aws_nat_gateway.nat"),
    )
    b.add("aws_security_group.web", vpc_id=ref("aws_vpc.main"), ingress=[world(443)])
    _instance(b, "web", s, ["aws_security_group.web"])
    e = b.estate()
    assert reach(e, "internet", "aws_instance.web", 443).reachable is True
    blocked = reach(e, "198.51.100.7", "aws_instance.web", 443)
    assert blocked.reachable is False
    assert blocked.blocked_by[0].resource == "aws_route.office"
    assert "aws_nat_gateway.nat" in blocked.blocked_by[0].reason


def test_blackhole_route() -> None:
    b = Builder()
    base_vpc(b)
    b.add(
        "aws_subnet.web", vpc_id=ref("aws_vpc.main"), cidr_block="10.0.1.0/24", map_public_ip_on_launch=True
    )
    b.add(
        "aws_route_table.web",
        vpc_id=ref("aws_vpc.main"),
        route=[
            {"cidr_block": "0.0.0.0/0", "gateway_id": ref("aws_internet_gateway.igw"), "state": "blackhole"}
        ],
    )
    b.add(
        "aws_route_table_association.web",
        subnet_id=ref("aws_subnet.web"),
        route_table_id=ref("aws_route_table.web"),
    )
    b.add("aws_security_group.web", vpc_id=ref("aws_vpc.main"), ingress=[world(443)])
    _instance(b, "web", "aws_subnet.web", ["aws_security_group.web"])
    result = reach(b.estate(), "internet", "aws_instance.web", 443)
    assert result.reachable is False
    assert "blackhole" in result.blocked_by[0].reason


def test_ipv6_through_internet_gateway_but_not_egress_only() -> None:
    b = Builder()
    b.add("aws_vpc.main", cidr_block="10.0.0.0/16", ipv6_cidr_block="2001:db8:1::/56")
    b.add("aws_internet_gateway.igw", vpc_id=ref("aws_vpc.main"))
    b.add("aws_egress_only_internet_gateway.eigw", vpc_id=ref("aws_vpc.main"))
    for name, gateway in (
        ("v6pub", {"gateway_id": ref("aws_internet_gateway.igw")}),
        ("v6priv", {"egress_only_gateway_id": ref("aws_egress_only_internet_gateway.eigw")}),
    ):
        b.add(
            f"aws_subnet.{name}",
            vpc_id=ref("aws_vpc.main"),
            cidr_block="10.0.1.0/24" if name == "v6pub" else "10.0.2.0/24",
            ipv6_cidr_block="2001:db8:1:1::/64" if name == "v6pub" else "2001:db8:1:2::/64",
        )
        b.add(
            f"aws_route_table.{name}",
            vpc_id=ref("aws_vpc.main"),
            route=[{"ipv6_cidr_block": "::/0", **gateway}],
        )
        b.add(
            f"aws_route_table_association.{name}",
            subnet_id=ref(f"aws_subnet.{name}"),
            route_table_id=ref(f"aws_route_table.{name}"),
        )
    b.add(
        "aws_security_group.web",
        vpc_id=ref("aws_vpc.main"),
        ingress=[{"protocol": "tcp", "from_port": 443, "to_port": 443, "ipv6_cidr_blocks": ["::/0"]}],
        egress=[{"protocol": "-1", "from_port": 0, "to_port": 0, "ipv6_cidr_blocks": ["::/0"]}],
    )
    _instance(b, "pub", "aws_subnet.v6pub", ["aws_security_group.web"], ipv6_address_count=1)
    _instance(b, "priv", "aws_subnet.v6priv", ["aws_security_group.web"], ipv6_address_count=1)
    e = b.estate()
    pub = reach(e, "internet", "aws_instance.pub", 443)
    assert pub.reachable is True
    assert any("::/0 -> aws_internet_gateway.igw" in s.step for s in pub.path)
    assert reach(e, "internet", "aws_instance.priv", 443).reachable is False
    assert (
        reach(e, "aws_instance.priv", "2001:4860::8888", 443).reachable is True
    )  # egress-only works outbound
    assert reach(e, "aws_instance.priv", "8.8.8.8", 443).reachable is False  # no IPv4 egress rule or route


def _two_vpcs(b: Builder, connect: str) -> None:
    for n, cidr in (("a", "10.1.0.0/16"), ("b", "10.2.0.0/16")):
        b.add(f"aws_vpc.{n}", cidr_block=cidr)
        b.add(f"aws_subnet.{n}", vpc_id=ref(f"aws_vpc.{n}"), cidr_block=cidr.replace("0.0/16", "1.0/24"))
        b.add(
            f"aws_security_group.{n}",
            vpc_id=ref(f"aws_vpc.{n}"),
            ingress=[{"protocol": "tcp", "from_port": 5432, "to_port": 5432, "cidr_blocks": ["10.0.0.0/8"]}],
            egress=[ALL_OUT],
        )
        _instance(b, n, f"aws_subnet.{n}", [f"aws_security_group.{n}"])
    if connect == "peering":
        b.add("aws_vpc_peering_connection.ab", vpc_id=ref("aws_vpc.a"), peer_vpc_id=ref("aws_vpc.b"))
        target = {"vpc_peering_connection_id": ref("aws_vpc_peering_connection.ab")}
    else:
        b.add("aws_ec2_transit_gateway.hub")
        for n in ("a", "b"):
            b.add(
                f"aws_ec2_transit_gateway_vpc_attachment.{n}",
                transit_gateway_id=ref("aws_ec2_transit_gateway.hub"),
                vpc_id=ref(f"aws_vpc.{n}"),
                subnet_ids=[ref(f"aws_subnet.{n}")],
            )
        target = {"transit_gateway_id": ref("aws_ec2_transit_gateway.hub")}
    for n, other in (("a", "10.2.0.0/16"), ("b", "10.1.0.0/16")):
        routes = [{"cidr_block": other, **target}] if n == "a" or connect != "one-way" else []
        b.add(f"aws_route_table.{n}", vpc_id=ref(f"aws_vpc.{n}"), route=routes)
        b.add(
            f"aws_route_table_association.{n}",
            subnet_id=ref(f"aws_subnet.{n}"),
            route_table_id=ref(f"aws_route_table.{n}"),
        )


@pytest.mark.parametrize("connect", ["peering", "tgw"])
def test_between_vpcs(connect: str) -> None:
    b = Builder()
    _two_vpcs(b, connect)
    result = reach(b.estate(), "aws_instance.a", "aws_instance.b", 5432)
    assert result.reachable is True, result.to_json()
    assert any("reply: route" in s.step for s in result.path)


def test_peering_needs_a_route_back() -> None:
    b = Builder()
    _two_vpcs(b, "peering")
    b.resources = [r for r in b.resources if r.address != "aws_route_table.b"]
    b.add("aws_route_table.b", vpc_id=ref("aws_vpc.b"), route=[])
    result = reach(b.estate(), "aws_instance.a", "aws_instance.b", 5432)
    assert result.reachable is False
    assert "no route back" in result.blocked_by[0].reason


def test_same_subnet_skips_acls_and_sg_self_reference() -> None:
    b = Builder()
    base_vpc(b)
    s = public_subnet(b, "app", "10.0.1.0/24")
    b.add("aws_network_acl.closed", vpc_id=ref("aws_vpc.main"), subnet_ids=[ref(s)])  # denies everything
    b.add(
        "aws_security_group.cluster",
        vpc_id=ref("aws_vpc.main"),
        ingress=[{"protocol": "-1", "from_port": 0, "to_port": 0, "self": True}],
        egress=[ALL_OUT],
    )
    _instance(b, "one", s, ["aws_security_group.cluster"])
    _instance(b, "two", s, ["aws_security_group.cluster"])
    e = b.estate()
    assert reach(e, "one", "two", 9000).reachable is True
    blocked = reach(e, "internet", "one", 9000)
    assert blocked.reachable is False
    assert "inbound default rule *" in blocked.blocked_by[0].reason


def test_egress_rules_of_the_source_count() -> None:
    b = Builder()
    base_vpc(b)
    s = public_subnet(b, "app", "10.0.1.0/24")
    b.add("aws_security_group.src", vpc_id=ref("aws_vpc.main"))  # Terraform removes the default egress rule
    b.add(
        "aws_security_group.dst",
        vpc_id=ref("aws_vpc.main"),
        ingress=[{"protocol": "tcp", "from_port": 80, "to_port": 80, "cidr_blocks": ["10.0.0.0/16"]}],
    )
    _instance(b, "src", s, ["aws_security_group.src"])
    _instance(b, "dst", s, ["aws_security_group.dst"])
    result = reach(b.estate(), "src", "dst", 80)
    assert result.reachable is False
    assert result.blocked_by[0].reason == "no egress rule admits tcp/80 to aws_instance.dst"


def test_cloudformation_groups_keep_the_default_egress() -> None:
    from ringfence.model import Estate, Provenance, Resource
    from ringfence.model.linker import link

    b = Builder()
    base_vpc(b)
    s = public_subnet(b, "app", "10.0.1.0/24")
    b.add(
        "aws_security_group.dst",
        vpc_id=ref("aws_vpc.main"),
        ingress=[{"protocol": "tcp", "from_port": 80, "to_port": 80, "cidr_blocks": ["10.0.1.0/24"]}],
    )
    _instance(b, "dst", s, ["aws_security_group.dst"])
    _instance(b, "src", s, ["aws_security_group.src"])
    resources = (
        *b.resources,
        Resource(
            "aws_security_group.src",
            "aws_security_group",
            {"vpc_id": ref("aws_vpc.main")},
            Provenance("cloudformation", "t.yaml", 1),
        ),
    )
    e = Estate(resources=resources, relations=link(resources))
    assert reach(e, "src", "dst", 80).reachable is True


def test_unknown_private_ip_inside_a_partly_admitted_subnet_is_unknown() -> None:
    b = Builder()
    base_vpc(b)
    s = public_subnet(b, "app", "10.0.1.0/24")
    b.add("aws_subnet.db", vpc_id=ref("aws_vpc.main"), cidr_block="10.0.2.0/24")
    b.add("aws_security_group.src", vpc_id=ref("aws_vpc.main"), egress=[ALL_OUT])
    b.add(
        "aws_security_group.dst",
        vpc_id=ref("aws_vpc.main"),
        ingress=[{"protocol": "tcp", "from_port": 5432, "to_port": 5432, "cidr_blocks": ["10.0.1.0/25"]}],
    )
    _instance(b, "src", s, ["aws_security_group.src"])
    _instance(b, "dst", "aws_subnet.db", ["aws_security_group.dst"])
    _instance(b, "pinned", s, ["aws_security_group.src"], private_ip="10.0.1.10")
    e = b.estate()
    result = reach(e, "src", "dst", 5432)
    assert result.reachable is None
    assert "not known exactly" in (result.unknown or "")
    assert reach(e, "pinned", "dst", 5432).reachable is True


def test_unresolved_group_reference_is_unknown_for_resources_but_not_for_the_internet() -> None:
    b = Builder()
    base_vpc(b)
    s = public_subnet(b, "app", "10.0.1.0/24")
    b.add("aws_security_group.src", vpc_id=ref("aws_vpc.main"), egress=[ALL_OUT])
    b.add(
        "aws_security_group.dst",
        vpc_id=ref("aws_vpc.main"),
        ingress=[
            {"protocol": "tcp", "from_port": 22, "to_port": 22, "security_groups": ["sg-0123456789abcdef0"]}
        ],
    )
    _instance(b, "src", s, ["aws_security_group.src"])
    _instance(b, "dst", s, ["aws_security_group.dst"])
    e = b.estate()
    assert reach(e, "src", "dst", 22).reachable is None
    assert reach(e, "internet", "dst", 22).reachable is False


def test_unknown_public_ip_is_unknown() -> None:
    b = Builder()
    base_vpc(b)
    s = public_subnet(b, "app", "10.0.1.0/24", map_public=False)
    b.add("aws_security_group.web", vpc_id=ref("aws_vpc.main"), ingress=[world(22)])
    _instance(b, "web", s, ["aws_security_group.web"], associate_public_ip_address=Unknown("var.public"))
    result = reach(b.estate(), "internet", "web", 22)
    assert result.reachable is None
    assert "var.public" in (result.unknown or "")


def test_prefix_lists_protocol_all_and_port_ranges() -> None:
    b = Builder()
    base_vpc(b)
    s = public_subnet(b, "app", "10.0.1.0/24")
    b.add(
        "aws_ec2_managed_prefix_list.partners",
        entry=[{"cidr": "203.0.113.0/24"}, {"cidr": "198.51.100.0/24"}],
    )
    b.add(
        "aws_security_group.web",
        vpc_id=ref("aws_vpc.main"),
        ingress=[
            {
                "protocol": "tcp",
                "from_port": 8000,
                "to_port": 8100,
                "prefix_list_ids": [ref("aws_ec2_managed_prefix_list.partners")],
            },
            {"protocol": "-1", "from_port": 0, "to_port": 0, "cidr_blocks": ["192.0.2.0/24"]},
        ],
    )
    _instance(b, "web", s, ["aws_security_group.web"])
    e = b.estate()
    assert reach(e, "203.0.113.9", "web", 8050).reachable is True
    assert reach(e, "203.0.113.9", "web", 8101).reachable is False
    assert reach(e, "192.0.2.1", "web", 1, "udp").reachable is True
    assert reach(e, "192.0.2.1", "web", None, "icmp").reachable is True
    assert reach(e, "internet", "web", 8050).reachable is True  # "some address of the internet"
    emap = exposure_map(e).resources["aws_instance.web"]
    tcp = [o for o in emap.openings() if o.protocol == "tcp"]
    assert any(o.ports.describe() == "8000-8100" for o in tcp)


def test_rds_public_flag_and_subnet_group() -> None:
    b = Builder()
    base_vpc(b)
    public_subnet(b, "a", "10.0.1.0/24")
    public_subnet(b, "b", "10.0.2.0/24")
    b.add("aws_db_subnet_group.db", name="db", subnet_ids=[ref("aws_subnet.a"), ref("aws_subnet.b")])
    b.add("aws_security_group.db", vpc_id=ref("aws_vpc.main"), ingress=[world(5432)])
    for name, flag in (("open", True), ("closed", False)):
        b.add(
            f"aws_db_instance.{name}",
            db_subnet_group_name=ref("aws_db_subnet_group.db", "name"),
            vpc_security_group_ids=[ref("aws_security_group.db")],
            publicly_accessible=flag,
        )
    e = b.estate()
    assert reach(e, "internet", "aws_db_instance.open", 5432).reachable is True
    closed = reach(e, "internet", "aws_db_instance.closed", 5432)
    assert closed.reachable is False
    assert "not publicly accessible" in closed.blocked_by[0].reason


def test_lambda_and_nlb_without_groups() -> None:
    b = Builder()
    base_vpc(b)
    s = public_subnet(b, "a", "10.0.1.0/24")
    b.add("aws_security_group.fn", vpc_id=ref("aws_vpc.main"), ingress=[world(443)], egress=[ALL_OUT])
    b.add(
        "aws_lambda_function.fn",
        vpc_config={"subnet_ids": [ref(s)], "security_group_ids": [ref("aws_security_group.fn")]},
    )
    b.add("aws_lb.nlb", load_balancer_type="network", subnets=[ref(s)])
    b.add("aws_lb_listener.tcp", load_balancer_arn=ref("aws_lb.nlb", "arn"), port=6000, protocol="TCP")
    e = b.estate()
    assert reach(e, "internet", "aws_lambda_function.fn", 443).reachable is False
    assert reach(e, "aws_lambda_function.fn", "internet", 443).reachable is False  # no public IP, no NAT
    assert reach(e, "internet", "aws_lb.nlb", 6000).reachable is True
    assert reach(e, "internet", "aws_lb.nlb", 6001).blocked_by[0].reason == "no listener on tcp/6001"


def test_names() -> None:
    b = Builder()
    base_vpc(b)
    s = public_subnet(b, "app", "10.0.1.0/24")
    b.add("aws_security_group.app", vpc_id=ref("aws_vpc.main"))
    _instance(b, "app", s, ["aws_security_group.app"])
    _instance(b, "app2", s, ["aws_security_group.app"])
    e = b.estate()
    assert reach(e, "internet", "app", 22).target == "aws_instance.app"  # only one of the two is an endpoint
    with pytest.raises(UnresolvedName) as missing:
        reach(e, "internet", "nothing", 22)
    assert missing.value.candidates == []
    b.add("aws_db_instance.app")
    with pytest.raises(UnresolvedName) as ambiguous:
        reach(b.estate(), "internet", "app", 22)
    assert ambiguous.value.candidates == ["aws_db_instance.app", "aws_instance.app"]


def test_vpc_outside_the_estate_is_unknown() -> None:
    b = Builder()
    b.add("aws_subnet.web", vpc_id="vpc-0abc", cidr_block="10.0.1.0/24", map_public_ip_on_launch=True)
    b.add("aws_security_group.web", vpc_id="vpc-0abc", ingress=[world(22)])
    _instance(b, "web", "aws_subnet.web", ["aws_security_group.web"])
    result = reach(b.estate(), "internet", "web", 22)
    assert result.reachable is None
    assert "not in the estate" in (result.unknown or "")


def test_instance_without_groups_gets_the_vpc_default_group() -> None:
    b = Builder()
    base_vpc(b)
    s = public_subnet(b, "app", "10.0.1.0/24")
    b.add("aws_instance.a", subnet_id=ref(s))
    b.add("aws_instance.b", subnet_id=ref(s))
    e = b.estate()
    # AWS's default group admits its own members and nothing else
    assert reach(e, "a", "b", 8080).reachable is True
    blocked = reach(e, "internet", "a", 8080)
    assert blocked.reachable is False
    assert blocked.blocked_by[0].resource == "aws_vpc.main#default-security-group"
    b.add("aws_default_security_group.locked", vpc_id=ref("aws_vpc.main"))
    assert reach(b.estate(), "a", "b", 8080).reachable is False


def test_cidr_destinations_inside_and_outside_the_estate() -> None:
    b = Builder()
    base_vpc(b)
    s = public_subnet(b, "app", "10.0.1.0/24")
    b.add("aws_subnet.data", vpc_id=ref("aws_vpc.main"), cidr_block="10.0.9.0/24")
    b.add("aws_network_acl.data", vpc_id=ref("aws_vpc.main"), subnet_ids=[ref("aws_subnet.data")],
          ingress=[{"rule_no": 10, "action": "allow", "protocol": "tcp", "from_port": 5432, "to_port": 5432,
                    "cidr_block": "10.0.1.0/24"}],
          egress=[{"rule_no": 10, "action": "allow", "protocol": "tcp", "from_port": 1024, "to_port": 65535,
                   "cidr_block": "10.0.1.0/24"}])  # fmt: skip
    b.add("aws_security_group.app", vpc_id=ref("aws_vpc.main"), egress=[ALL_OUT])
    _instance(b, "app", s, ["aws_security_group.app"])
    e = b.estate()
    assert reach(e, "app", "10.0.9.0/28", 5432).reachable is True
    blocked = reach(e, "app", "10.0.9.7", 3306)
    assert blocked.reachable is False and blocked.blocked_by[0].resource == "aws_network_acl.data"
    assert reach(e, "app", "192.168.50.1", 443).reachable is None  # private, outside every subnet


def test_network_interface_with_an_elastic_ip() -> None:
    b = Builder()
    base_vpc(b)
    s = public_subnet(b, "app", "10.0.1.0/24", map_public=False)
    b.add("aws_security_group.web", vpc_id=ref("aws_vpc.main"), ingress=[world(443)])
    b.add("aws_network_interface.web", subnet_id=ref(s), security_groups=[ref("aws_security_group.web")])
    b.add("aws_eip.web", network_interface=ref("aws_network_interface.web"))
    result = reach(b.estate(), "internet", "aws_network_interface.web", 443)
    assert result.reachable is True
    assert any("aws_eip.web" in s.step for s in result.path)


def test_autoscaling_group_behind_a_target_group_classic_elb_and_interface_endpoint() -> None:
    b = Builder()
    base_vpc(b)
    s = public_subnet(b, "pub", "10.0.1.0/24", map_public=False)
    b.add("aws_security_group.lb", vpc_id=ref("aws_vpc.main"), ingress=[world(80)], egress=[ALL_OUT])
    b.add("aws_security_group.app", vpc_id=ref("aws_vpc.main"), egress=[ALL_OUT],
          ingress=[{"protocol": "tcp", "from_port": 8080, "to_port": 8080, "security_groups": [ref("aws_security_group.lb")]}])  # fmt: skip
    b.add("aws_launch_template.app", vpc_security_group_ids=[ref("aws_security_group.app")])
    b.add("aws_lb.alb", subnets=[ref(s)], security_groups=[ref("aws_security_group.lb")])
    b.add("aws_lb_target_group.app", port=8080, protocol="HTTP", vpc_id=ref("aws_vpc.main"))
    b.add("aws_lb_listener.http", load_balancer_arn=ref("aws_lb.alb", "arn"), port=80, protocol="HTTP",
          default_action={"type": "forward", "target_group_arn": ref("aws_lb_target_group.app", "arn")})  # fmt: skip
    b.add("aws_autoscaling_group.app", vpc_zone_identifier=[ref(s)], launch_template={"id": ref("aws_launch_template.app")},
          target_group_arns=[ref("aws_lb_target_group.app", "arn")])  # fmt: skip
    b.add("aws_instance.legacy", subnet_id=ref(s), vpc_security_group_ids=[ref("aws_security_group.app")])
    b.add("aws_elb.classic", subnets=[ref(s)], security_groups=[ref("aws_security_group.lb")],
          instances=[ref("aws_instance.legacy")],
          listener=[{"lb_port": 80, "lb_protocol": "http", "instance_port": 8080, "instance_protocol": "http"}])  # fmt: skip
    b.add("aws_security_group.vpce", vpc_id=ref("aws_vpc.main"),
          ingress=[{"protocol": "tcp", "from_port": 443, "to_port": 443, "cidr_blocks": ["10.0.0.0/16"]}])  # fmt: skip
    b.add("aws_vpc_endpoint.sqs", vpc_id=ref("aws_vpc.main"), vpc_endpoint_type="Interface",
          service_name="com.amazonaws.us-east-1.sqs", subnet_ids=[ref(s)], security_group_ids=[ref("aws_security_group.vpce")])  # fmt: skip
    e = b.estate()
    asg = reach(e, "internet", "aws_autoscaling_group.app", 8080)
    assert asg.reachable is True
    assert any(step.step == "forward to aws_lb_target_group.app port 8080" for step in asg.path)
    legacy = reach(e, "internet", "aws_instance.legacy", 8080)
    assert legacy.reachable is True
    assert any("aws_elb.classic" in step.resource for step in legacy.path)
    assert reach(e, "aws_autoscaling_group.app", "aws_vpc_endpoint.sqs", 443).reachable is True
    assert reach(e, "internet", "aws_vpc_endpoint.sqs", 443).reachable is False


def test_ingress_routing_makes_inbound_unknown() -> None:
    b = Builder()
    base_vpc(b)
    s = public_subnet(b, "web", "10.0.1.0/24")
    b.add("aws_route_table.edge", vpc_id=ref("aws_vpc.main"))
    b.add("aws_route_table_association.edge", gateway_id=ref("aws_internet_gateway.igw"),
          route_table_id=ref("aws_route_table.edge"))  # fmt: skip
    b.add("aws_security_group.web", vpc_id=ref("aws_vpc.main"), ingress=[world(443)])
    _instance(b, "web", s, ["aws_security_group.web"])
    result = reach(b.estate(), "internet", "web", 443)
    assert result.reachable is None
    assert "ingress routing" in (result.unknown or "")


def test_nat_subnet_acl_counts_for_egress() -> None:
    b = Builder()
    base_vpc(b)
    pub = public_subnet(b, "pub", "10.0.0.0/24")
    b.add("aws_nat_gateway.nat", subnet_id=ref(pub))
    b.add("aws_subnet.app", vpc_id=ref("aws_vpc.main"), cidr_block="10.0.1.0/24")
    b.add("aws_route_table.app", vpc_id=ref("aws_vpc.main"),
          route=[{"cidr_block": "0.0.0.0/0", "nat_gateway_id": ref("aws_nat_gateway.nat")}])  # fmt: skip
    b.add(
        "aws_route_table_association.app",
        subnet_id=ref("aws_subnet.app"),
        route_table_id=ref("aws_route_table.app"),
    )
    b.add("aws_security_group.app", vpc_id=ref("aws_vpc.main"), egress=[ALL_OUT])
    _instance(b, "app", "aws_subnet.app", ["aws_security_group.app"])
    assert reach(b.estate(), "app", "internet", 443).reachable is True
    # The NAT's subnet lets traffic out only to the VPC: nothing from the app subnet gets past the NAT.
    b.add("aws_network_acl.pub", vpc_id=ref("aws_vpc.main"), subnet_ids=[ref(pub)],
          ingress=[{"rule_no": 100, "action": "allow", "protocol": "-1", "from_port": 0, "to_port": 0, "cidr_block": "0.0.0.0/0"}],
          egress=[{"rule_no": 100, "action": "allow", "protocol": "-1", "from_port": 0, "to_port": 0, "cidr_block": "10.0.0.0/16"}])  # fmt: skip
    result = reach(b.estate(), "app", "internet", 443)
    assert result.reachable is False
    assert [blk.resource for blk in result.blocked_by] == ["aws_network_acl.pub"]
    assert "outbound default rule * denies tcp/443" in result.blocked_by[0].reason


def test_network_load_balancer_preserves_the_client_address() -> None:
    b = Builder()
    base_vpc(b)
    pub = public_subnet(b, "pub", "10.0.0.0/24", map_public=False)
    b.add("aws_lb.nlb", load_balancer_type="network", subnets=[ref(pub)])
    b.add("aws_lb_target_group.tg", port=8080, protocol="TCP", vpc_id=ref("aws_vpc.main"))
    b.add("aws_lb_listener.tcp", load_balancer_arn=ref("aws_lb.nlb", "arn"), port=80, protocol="TCP",
          default_action={"type": "forward", "target_group_arn": ref("aws_lb_target_group.tg", "arn")})  # fmt: skip
    b.add("aws_security_group.world", vpc_id=ref("aws_vpc.main"), ingress=[world(8080)])
    b.add("aws_security_group.vpc_only", vpc_id=ref("aws_vpc.main"),
          ingress=[{"protocol": "tcp", "from_port": 8080, "to_port": 8080, "cidr_blocks": ["10.0.0.0/16"]}])  # fmt: skip
    for name in ("world", "vpc_only"):
        _instance(b, name, pub, [f"aws_security_group.{name}"])
        b.add(f"aws_lb_target_group_attachment.{name}", target_group_arn=ref("aws_lb_target_group.tg", "arn"),
              target_id=ref(f"aws_instance.{name}"))  # fmt: skip
    e = b.estate()
    assert reach(e, "internet", "aws_instance.world", 8080).reachable is True
    blocked = reach(e, "internet", "aws_instance.vpc_only", 8080)
    assert blocked.reachable is False
    assert any(blk.resource == "aws_security_group.vpc_only" for blk in blocked.blocked_by)
    emap = exposure_map(e).resources
    assert [o.via for o in emap["aws_instance.world"].openings()] == ["aws_lb.nlb"]
    assert emap["aws_instance.vpc_only"].openings() == []


def test_transit_gateway_route_tables() -> None:
    b = Builder()
    _two_vpcs(b, "tgw")
    e = b.estate()
    assert reach(e, "aws_instance.a", "aws_instance.b", 5432).reachable is True
    # An explicit table for a's attachment with a blackhole for b's range: nothing gets through.
    b.add(
        "aws_ec2_transit_gateway_route_table.isolated", transit_gateway_id=ref("aws_ec2_transit_gateway.hub")
    )
    b.add("aws_ec2_transit_gateway_route_table_association.a",
          transit_gateway_attachment_id=ref("aws_ec2_transit_gateway_vpc_attachment.a"),
          transit_gateway_route_table_id=ref("aws_ec2_transit_gateway_route_table.isolated"))  # fmt: skip
    b.add("aws_ec2_transit_gateway_route.drop_b", destination_cidr_block="10.2.0.0/16", blackhole=True,
          transit_gateway_route_table_id=ref("aws_ec2_transit_gateway_route_table.isolated"))  # fmt: skip
    blocked = reach(b.estate(), "aws_instance.a", "aws_instance.b", 5432)
    assert blocked.reachable is False
    assert "no route to aws_instance.b" in blocked.blocked_by[0].reason
    # Propagating b's attachment into that table instead of the blackhole restores the route.
    b.resources = [r for r in b.resources if r.address != "aws_ec2_transit_gateway_route.drop_b"]
    b.add("aws_ec2_transit_gateway_route_table_propagation.b",
          transit_gateway_attachment_id=ref("aws_ec2_transit_gateway_vpc_attachment.b"),
          transit_gateway_route_table_id=ref("aws_ec2_transit_gateway_route_table.isolated"))  # fmt: skip
    assert reach(b.estate(), "aws_instance.a", "aws_instance.b", 5432).reachable is True


def test_acl_rule_with_unknown_number_or_action_is_unknown() -> None:
    for field, value in (("rule_no", Unknown("var.n")), ("action", Unknown("var.action"))):
        b = Builder()
        base_vpc(b)
        s = public_subnet(b, "web", "10.0.1.0/24")
        rules = [
            {"rule_no": 100, "action": "allow", "protocol": "-1", "from_port": 0, "to_port": 0, "cidr_block": "0.0.0.0/0"},
            {"rule_no": 50, "action": "deny", "protocol": "tcp", "from_port": 22, "to_port": 22, "cidr_block": "0.0.0.0/0", field: value},
        ]  # fmt: skip
        b.add(
            "aws_network_acl.web",
            vpc_id=ref("aws_vpc.main"),
            subnet_ids=[ref(s)],
            ingress=rules,
            egress=rules[:1],
        )
        b.add("aws_security_group.web", vpc_id=ref("aws_vpc.main"), ingress=[world(22), world(80)])
        _instance(b, "web", s, ["aws_security_group.web"])
        e = b.estate()
        assert reach(e, "internet", "web", 22).reachable is None, field
        assert reach(e, "internet", "web", 80).reachable is True, field


def test_subnets_stand_for_their_range() -> None:
    b = Builder()
    base_vpc(b)
    public_subnet(b, "app", "10.0.1.0/24")
    b.add("aws_subnet.db", vpc_id=ref("aws_vpc.main"), cidr_block="10.0.2.0/24")
    b.add("aws_security_group.db", vpc_id=ref("aws_vpc.main"),
          ingress=[{"protocol": "tcp", "from_port": 5432, "to_port": 5432, "cidr_blocks": ["10.0.1.0/24"]}])  # fmt: skip
    _instance(b, "db", "aws_subnet.db", ["aws_security_group.db"])
    e = b.estate()
    assert reach(e, "aws_subnet.app", "aws_instance.db", 5432).reachable is True
    assert reach(e, "aws_subnet.db", "aws_instance.db", 5432).reachable is False


def test_a_range_spanning_subnets_means_some_address_in_it() -> None:
    b = Builder()
    base_vpc(b)
    public_subnet(b, "app", "10.0.1.0/24")
    b.add("aws_subnet.db", vpc_id=ref("aws_vpc.main"), cidr_block="10.0.2.0/24")
    b.add("aws_security_group.db", vpc_id=ref("aws_vpc.main"),
          ingress=[{"protocol": "tcp", "from_port": 5432, "to_port": 5432, "cidr_blocks": ["10.0.1.0/24"]}])  # fmt: skip
    _instance(b, "db", "aws_subnet.db", ["aws_security_group.db"])
    e = b.estate()
    assert reach(e, "aws_vpc.main", "aws_instance.db", 5432).reachable is True  # from the app subnet
    assert reach(e, "10.0.2.0/23", "aws_instance.db", 5432).reachable is False  # 10.0.2-3.x: not admitted
    assert reach(e, "10.0.0.0/8", "aws_instance.db", 5432).reachable is True
    assert reach(e, "10.9.0.0/16", "aws_instance.db", 5432).reachable is None  # outside the estate
