"""Network analysis at scale: the full internet exposure map and single reach queries.

    .venv/bin/python benchmarks/network_bench.py [--instances 10000] [--groups 2000] [--subnets 500]

Builds the estate directly as an Estate (fixed seed, no Terraform parsing): 5 VPCs, one network ACL per
subnet (with a deny before an allow, like real ones), half the subnets routed to an internet gateway and
half to a NAT gateway, security groups with CIDR rules and references to other groups, instances with
one to three groups, a third of them with a public IP. Prints the timings; targets: exposure map < 10 s,
one reach query < 100 ms after load.
"""

from __future__ import annotations

import argparse
import gc
import random
import statistics
import time
from typing import Any

from ringfence.model import Estate, Provenance, Ref, Resource
from ringfence.model.linker import link

SEED = 20261128
VPCS = 5


def _r(address: str, tags: dict[str, str] | None = None, **attributes: Any) -> Resource:
    return Resource(
        address,
        address.split(".", maxsplit=1)[0],
        attributes,
        Provenance("terraform", "bench.tf", 1),
        tags=tags or {},
    )


def build(instances: int, groups: int, subnets: int) -> Estate:
    rng = random.Random(SEED)
    out: list[Resource] = []
    for v in range(VPCS):
        out.append(_r(f"aws_vpc.v{v}", cidr_block=f"10.{v}.0.0/16"))
        out.append(_r(f"aws_internet_gateway.v{v}", vpc_id=Ref(f"aws_vpc.v{v}", "id")))
        out.append(
            _r(
                f"aws_route_table.public{v}",
                vpc_id=Ref(f"aws_vpc.v{v}", "id"),
                route=[{"cidr_block": "0.0.0.0/0", "gateway_id": Ref(f"aws_internet_gateway.v{v}", "id")}],
            )
        )
    per_vpc = subnets // VPCS
    for s in range(subnets):
        v, n = s % VPCS, s // VPCS
        vpc = Ref(f"aws_vpc.v{v}", "id")
        public = n % 2 == 0
        out.append(
            _r(f"aws_subnet.s{s}", vpc_id=vpc, cidr_block=f"10.{v}.{n}.0/24", map_public_ip_on_launch=public)
        )
        if public:
            rtb = f"aws_route_table.public{v}"
            if n == 0:
                out.append(_r(f"aws_nat_gateway.v{v}", subnet_id=Ref(f"aws_subnet.s{s}", "id")))
        else:
            rtb = f"aws_route_table.s{s}"
            out.append(
                _r(
                    rtb,
                    vpc_id=vpc,
                    route=[
                        {"cidr_block": "0.0.0.0/0", "nat_gateway_id": Ref(f"aws_nat_gateway.v{v}", "id")},
                        {"cidr_block": "172.16.0.0/12", "transit_gateway_id": "tgw-0123456789abcdef0"},
                    ],
                )
            )
        out.append(
            _r(
                f"aws_route_table_association.s{s}",
                subnet_id=Ref(f"aws_subnet.s{s}", "id"),
                route_table_id=Ref(rtb, "id"),
            )
        )
        ingress = [
            {
                "rule_no": 50,
                "action": "deny",
                "protocol": "tcp",
                "from_port": 3389,
                "to_port": 3389,
                "cidr_block": "0.0.0.0/0",
            },
            {
                "rule_no": 60 + rng.randrange(5),
                "action": "deny",
                "protocol": "tcp",
                "from_port": 22,
                "to_port": 22,
                "cidr_block": f"{rng.randrange(1, 223)}.0.0.0/8",
            },
            {
                "rule_no": 100,
                "action": "allow",
                "protocol": "-1",
                "from_port": 0,
                "to_port": 0,
                "cidr_block": "0.0.0.0/0",
            },
        ]
        egress = [
            {
                "rule_no": 100,
                "action": "allow",
                "protocol": "tcp",
                "from_port": 1024,
                "to_port": 65535,
                "cidr_block": "0.0.0.0/0",
            },
            {
                "rule_no": 110,
                "action": "allow",
                "protocol": "tcp",
                "from_port": 443,
                "to_port": 443,
                "cidr_block": "0.0.0.0/0",
            },
            {
                "rule_no": 120,
                "action": "allow",
                "protocol": "-1",
                "from_port": 0,
                "to_port": 0,
                "cidr_block": f"10.{v}.0.0/16",
            },
        ]
        out.append(
            _r(
                f"aws_network_acl.s{s}",
                vpc_id=vpc,
                subnet_ids=[Ref(f"aws_subnet.s{s}", "id")],
                ingress=ingress,
                egress=egress,
            )
        )
    ports = [22, 80, 443, 3306, 3389, 5432, 6379, 8080, 8443, 9000]
    for g in range(groups):
        v = g % VPCS
        rules: list[dict[str, Any]] = []
        for _ in range(rng.randrange(2, 6)):
            port = rng.choice(ports)
            kind = rng.random()
            rule: dict[str, Any] = {
                "protocol": "tcp",
                "from_port": port,
                "to_port": port + rng.choice((0, 0, 10)),
            }
            if kind < 0.3:
                rule["cidr_blocks"] = ["0.0.0.0/0"]
            elif kind < 0.6:
                rule["cidr_blocks"] = [
                    f"{rng.randrange(1, 223)}.{rng.randrange(256)}.0.0/16",
                    f"10.{v}.0.0/16",
                ]
            else:
                other = rng.randrange(groups // VPCS) * VPCS + v
                rule["security_groups"] = [Ref(f"aws_security_group.g{other}", "id")]
            rules.append(rule)
        out.append(
            _r(
                f"aws_security_group.g{g}",
                vpc_id=Ref(f"aws_vpc.v{v}", "id"),
                ingress=rules,
                egress=[{"protocol": "-1", "from_port": 0, "to_port": 0, "cidr_blocks": ["0.0.0.0/0"]}],
            )
        )
    for i in range(instances):
        s = rng.randrange(subnets)
        v = s % VPCS
        members = {rng.randrange(groups // VPCS) * VPCS + v for _ in range(rng.randrange(1, 4))}
        extra: dict[str, Any] = {}
        if rng.random() < 0.33:
            extra["associate_public_ip_address"] = True
        out.append(
            _r(
                f"aws_instance.i{i}",
                subnet_id=Ref(f"aws_subnet.s{s}", "id"),
                vpc_security_group_ids=[Ref(f"aws_security_group.g{g}", "id") for g in sorted(members)],
                tags={"tier": "db" if i % 10 == 0 else "app"},
                **extra,
            )
        )
    del per_vpc
    resources = tuple(out)
    return Estate(resources=resources, relations=link(resources))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--instances", type=int, default=10_000)
    parser.add_argument("--groups", type=int, default=2_000)
    parser.add_argument("--subnets", type=int, default=500)
    parser.add_argument("--queries", type=int, default=50)
    args = parser.parse_args()

    from ringfence.network import exposure_map, network_of, reach

    t0 = time.perf_counter()
    estate = build(args.instances, args.groups, args.subnets)
    estate.targets("aws_instance.i0", "subnet_id")  # the model's own relation indexes: part of loading
    estate.sources("aws_instance.i0", "subnet_id")
    # The loaded estate lives as long as the process: keep the collector from rescanning it on every
    # full collection (a full collection over it costs ~100 ms, which would land in whichever query runs).
    gc.collect()
    gc.freeze()
    t_build = time.perf_counter() - t0

    from ringfence.network.topology import Network

    rng = random.Random(SEED + 1)
    fresh = Network(estate)
    cold_times = []
    for _ in range(args.queries):
        a, b = rng.randrange(args.instances), rng.randrange(args.instances)
        src = "internet" if rng.random() < 0.5 else f"aws_instance.i{a}"
        t0 = time.perf_counter()
        reach(fresh, src, f"aws_instance.i{b}", rng.choice((22, 443, 5432, 8080)))
        cold_times.append(time.perf_counter() - t0)
    del fresh
    # One query on a fresh index (what `ringfence reach` pays after loading the estate).
    cold_net = network_of(estate)
    t0 = time.perf_counter()
    first = reach(cold_net, "internet", "aws_instance.i1", 22)
    t_cold = time.perf_counter() - t0

    t0 = time.perf_counter()
    emap = exposure_map(estate)
    t_map = time.perf_counter() - t0
    exposed = sum(1 for e in emap.resources.values() if e.exposed)

    times = []
    answers = {True: 0, False: 0, None: 0}
    for _ in range(args.queries):
        a, b = rng.randrange(args.instances), rng.randrange(args.instances)
        src = "internet" if rng.random() < 0.5 else f"aws_instance.i{a}"
        t0 = time.perf_counter()
        result = reach(estate, src, f"aws_instance.i{b}", rng.choice((22, 443, 5432, 8080)))
        times.append(time.perf_counter() - t0)
        answers[result.reachable] += 1

    print(
        f"estate: {len(estate.resources)} resources, {len(estate.relations)} relations "
        f"({args.instances} instances, {args.groups} security groups, {args.subnets} subnets and ACLs)"
    )
    print(f"build, link and index the estate (loading, not analysis): {t_build:.2f} s")
    print(f"first reach query on a fresh index: {t_cold * 1000:.0f} ms (reachable={first.reachable})")
    print(
        f"reach queries on a fresh index (nothing precomputed): median {statistics.median(cold_times) * 1000:.1f} ms, "
        f"max {max(cold_times) * 1000:.1f} ms over {len(cold_times)}"
    )
    print(f"full internet exposure map: {t_map:.2f} s ({exposed} of {len(emap.resources)} resources exposed)")
    print(
        f"reach queries after load: median {statistics.median(times) * 1000:.1f} ms, "
        f"max {max(times) * 1000:.1f} ms over {len(times)} ({answers})"
    )
    ok = t_map < 10 and max(times) < 0.1 and max(cold_times) < 0.1
    print("targets met" if ok else "TARGETS MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
