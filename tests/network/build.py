"""Build estates in tests without the Terraform source: resources with Refs, linked like a real source."""

from __future__ import annotations

from typing import Any

from ringfence.model import Estate, Provenance, Ref, Resource
from ringfence.model.linker import link


def ref(address: str, attribute: str | None = "id") -> Ref:
    return Ref(address, attribute)


class Builder:
    def __init__(self) -> None:
        self.resources: list[Resource] = []

    def add(self, address: str, tags: dict[str, str] | None = None, **attributes: Any) -> str:
        kind = address.split(".", maxsplit=1)[0]
        self.resources.append(
            Resource(
                address=address,
                kind=kind,
                attributes=attributes,
                provenance=Provenance("terraform", "main.tf", len(self.resources) + 1),
                tags=tags or {},
            )
        )
        return address

    def estate(self) -> Estate:
        resources = tuple(self.resources)
        return Estate(resources=resources, relations=link(resources))


def world(port: int = 22) -> dict[str, Any]:
    return {"protocol": "tcp", "from_port": port, "to_port": port, "cidr_blocks": ["0.0.0.0/0"]}


ALL_OUT = {"protocol": "-1", "from_port": 0, "to_port": 0, "cidr_blocks": ["0.0.0.0/0"]}


def base_vpc(b: Builder, *, igw: bool = True) -> None:
    b.add("aws_vpc.main", cidr_block="10.0.0.0/16")
    if igw:
        b.add("aws_internet_gateway.igw", vpc_id=ref("aws_vpc.main"))


def public_subnet(b: Builder, name: str, cidr: str, *, map_public: bool = True) -> str:
    """A subnet with its own route table sending 0.0.0.0/0 to the internet gateway."""
    subnet = b.add(
        f"aws_subnet.{name}", vpc_id=ref("aws_vpc.main"), cidr_block=cidr, map_public_ip_on_launch=map_public
    )
    rtb = b.add(
        f"aws_route_table.{name}",
        vpc_id=ref("aws_vpc.main"),
        route=[{"cidr_block": "0.0.0.0/0", "gateway_id": ref("aws_internet_gateway.igw")}],
    )
    b.add(f"aws_route_table_association.{name}", subnet_id=ref(subnet), route_table_id=ref(rtb))
    return subnet
