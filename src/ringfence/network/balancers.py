"""Load balancers in front of targets: listener -> target group -> instance, function or group."""

from __future__ import annotations

from dataclasses import dataclass

from ringfence.model import Resource
from ringfence.network.intervals import IntervalSet
from ringfence.network.region import TCP, UDP, Region
from ringfence.network.topology import Network
from ringfence.network.values import blocks, text, to_int

_ATTACHMENTS = ("aws_lb_target_group_attachment", "aws_alb_target_group_attachment")


@dataclass(frozen=True, slots=True)
class Feed:
    """``balancer`` forwards what it receives on ``listeners`` to ``target`` on ``port``."""

    balancer: str
    listeners: Region
    target_group: str | None
    target: str
    port: int | None  # None: the port is not known


def _listener_region(listener: Resource) -> Region:
    port = to_int(listener.get("port"))
    proto = (text(listener.get("protocol")) or "").upper()
    protocols = IntervalSet.of(UDP) if proto == "UDP" else IntervalSet.of(TCP)
    if proto == "TCP_UDP":
        protocols = IntervalSet.of(TCP) | IntervalSet.of(UDP)
    return Region.box(protocols, IntervalSet.of(port) if port is not None else IntervalSet.of(0, 65535))


def feeds(net: Network) -> tuple[Feed, ...]:
    key = ("feeds",)
    if key in net.memo:
        found: tuple[Feed, ...] = net.memo[key]
        return found
    estate = net.estate
    out: list[Feed] = []
    for lb in estate.of_kind("aws_lb", "aws_alb"):
        for listener in estate.sources(lb, "load_balancer_arn"):
            groups = list(estate.targets(listener, "default_action.target_group_arn"))
            groups += estate.targets(listener, "default_action.forward.target_group.arn")
            for rule in estate.sources(listener, "listener_arn"):
                groups += estate.targets(rule, "action.target_group_arn")
                groups += estate.targets(rule, "action.forward.target_group.arn")
            region = _listener_region(listener)
            for tg in {g.address: g for g in groups}.values():
                tg_port = to_int(tg.get("port"))
                for kind in _ATTACHMENTS:
                    for att in estate.sources(tg, "target_group_arn", of_kind=kind):
                        for target in estate.targets(att, "target_id"):
                            port = to_int(att.get("port")) or tg_port
                            out.append(Feed(lb.address, region, tg.address, target.address, port))
                for asg in estate.sources(tg, "target_group_arns", of_kind="aws_autoscaling_group"):
                    out.append(Feed(lb.address, region, tg.address, asg.address, tg_port))
                for att in estate.sources(tg, "lb_target_group_arn", of_kind="aws_autoscaling_attachment"):
                    for asg in estate.targets(att, "autoscaling_group_name"):
                        out.append(Feed(lb.address, region, tg.address, asg.address, tg_port))
    for elb in estate.of_kind("aws_elb"):
        for b in blocks(elb.get("listener")):
            lb_port, instance_port = to_int(b.get("lb_port")), to_int(b.get("instance_port"))
            region = Region.box(
                IntervalSet.of(TCP), IntervalSet.of(lb_port) if lb_port else IntervalSet.of(0, 65535)
            )
            for instance in estate.targets(elb, "instances"):
                out.append(Feed(elb.address, region, None, instance.address, instance_port))
    result = tuple(out)
    net.memo[key] = result
    return result


def feeds_to(net: Network, target: str) -> list[Feed]:
    return [f for f in feeds(net) if f.target == target]
