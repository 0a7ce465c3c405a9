"""NetworkPolicy: which pods a policy isolates, and whether traffic between two workloads (or from an IP)
on a port is allowed.

Semantics (https://kubernetes.io/docs/concepts/services-networking/network-policies/):

- a pod is isolated for ingress (egress) when a policy of its namespace selects it (``podSelector``, empty:
  every pod) and lists ``Ingress`` (``Egress``) in ``policyTypes``; without ``policyTypes`` a policy is of
  type Ingress, and also Egress when it has an ``egress`` section;
- traffic to an isolated pod is allowed when some ingress rule of a policy selecting it allows it; a rule
  without ``from`` allows every source, a rule without ``ports`` every port; policies add up, none denies;
- a peer is a ``podSelector`` (pods of the policy's namespace), a ``namespaceSelector`` (every pod of the
  namespaces it selects, by their labels, ``kubernetes.io/metadata.name`` included), both (pods selected
  in namespaces selected), or an ``ipBlock`` (a CIDR and its ``except`` ranges: addresses outside the
  cluster's pods);
- ``ports`` entries take a number or a container port's name (resolved on the destination pod), a
  protocol (TCP by default) and an ``endPort`` for a range;
- a connection needs the source's egress and the destination's ingress both allowed.

Labels of a namespace the manifests do not hold are not known beyond its name: a selector that asks for
more is undecided, never read as a match or a miss.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from ringfence.kubernetes.workloads import (
    WORKLOAD_KINDS,
    containers,
    namespace_of,
    pod_labels,
    pod_spec,
    selects,
)
from ringfence.model import K8S, Estate, Resource

__all__ = ["Decision", "NetworkPolicies", "Policy"]

_POLICY = K8S + "NetworkPolicy"
_NAME_LABEL = "kubernetes.io/metadata.name"


@dataclass(frozen=True, slots=True)
class Policy:
    resource: Resource
    namespace: str
    selector: Mapping[str, Any]
    ingress: tuple[Mapping[str, Any], ...] | None  # None: not of type Ingress
    egress: tuple[Mapping[str, Any], ...] | None

    @property
    def denies_all_ingress(self) -> bool:
        """A default deny: every pod of the namespace selected, of type Ingress, no rule."""
        return self.selector == {} and self.ingress == ()


def _rules(value: Any) -> tuple[Mapping[str, Any], ...]:
    return tuple(r for r in value if isinstance(r, Mapping)) if isinstance(value, list) else ()


def _policy(resource: Resource) -> Policy | None:
    spec = resource.get("spec")
    namespace = namespace_of(resource)
    if not isinstance(spec, Mapping) or namespace is None:
        return None
    selector = spec.get("podSelector")
    selector = selector if isinstance(selector, Mapping) else {}
    types = spec.get("policyTypes")
    ingress_rules = spec.get("ingress")
    egress_rules = spec.get("egress")
    if isinstance(types, list):
        is_ingress, is_egress = "Ingress" in types, "Egress" in types
    else:
        is_ingress, is_egress = True, egress_rules is not None
    return Policy(
        resource,
        namespace,
        selector,
        _rules(ingress_rules) if is_ingress else None,
        _rules(egress_rules) if is_egress else None,
    )


@dataclass(frozen=True, slots=True)
class Decision:
    """``allowed``: True, False or None (undecided, ``why``); ``rules``: the policies that allow or isolate."""

    allowed: bool | None
    why: str
    policies: tuple[str, ...] = ()
    # For a denial: (the first isolating policy, why) of each side that denies.
    blocks: tuple[tuple[str, str], ...] = ()


class NetworkPolicies:
    """The NetworkPolicies of an estate, with the namespaces' labels."""

    def __init__(self, estate: Estate) -> None:
        self.estate = estate

    @cached_property
    def policies(self) -> tuple[Policy, ...]:
        return tuple(p for r in self.estate.of_kind(_POLICY) if (p := _policy(r)) is not None)

    @cached_property
    def namespace_labels(self) -> Mapping[str, Mapping[str, str]]:
        """Labels of each namespace the manifests hold (with the label the API server sets on every one)."""
        return {r.name: {**r.tags, _NAME_LABEL: r.name} for r in self.estate.of_kind(K8S + "Namespace")}

    def workloads(self) -> tuple[Resource, ...]:
        return tuple(r for r in self.estate.of_kind(*WORKLOAD_KINDS) if r.kind != K8S + "PodTemplate")

    def namespaces_with_workloads(self) -> dict[str, list[Resource]]:
        out: dict[str, list[Resource]] = {}
        for w in self.workloads():
            namespace = namespace_of(w)
            if namespace is not None:
                out.setdefault(namespace, []).append(w)
        return out

    def selecting(self, workload: Resource, direction: str) -> tuple[Policy, ...]:
        """The policies that isolate the workload's pods for ``ingress`` or ``egress``."""
        namespace, labels = namespace_of(workload), pod_labels(workload)
        return tuple(
            p
            for p in self.policies
            if p.namespace == namespace and getattr(p, direction) is not None and selects(p.selector, labels)
        )

    # -- the question -----------------------------------------------------------------------------------------
    def allows(
        self, source: Resource | str, target: Resource | str, port: int | None, protocol: str
    ) -> Decision:
        """Is traffic from ``source`` (a workload, or an IP address outside the pods) to ``target`` (a
        workload or an IP) on ``port``/``protocol`` allowed? Both sides' policies decide."""
        egress = (
            self._side(source, target, port, protocol, "egress") if isinstance(source, Resource) else None
        )
        ingress = (
            self._side(target, source, port, protocol, "ingress") if isinstance(target, Resource) else None
        )
        sides = [d for d in (egress, ingress) if d is not None]
        if any(d.allowed is False for d in sides):
            denied = [d for d in sides if d.allowed is False]
            return Decision(
                False,
                "; ".join(d.why for d in denied),
                tuple(p for d in denied for p in d.policies),
                tuple((p, d.why) for d in denied for p in d.policies[:1]),
            )
        if any(d.allowed is None for d in sides):
            return Decision(None, "; ".join(d.why for d in sides if d.allowed is None))
        return Decision(True, "; ".join(d.why for d in sides), tuple(p for d in sides for p in d.policies))

    def _side(
        self, own: Resource, peer: Resource | str, port: int | None, protocol: str, direction: str
    ) -> Decision:
        isolating = self.selecting(own, direction)
        if not isolating:
            return Decision(True, f"no NetworkPolicy isolates {own.address} for {direction}")
        undecided: list[str] = []
        destination = own if direction == "ingress" else peer
        for policy in isolating:
            rules = policy.ingress if direction == "ingress" else policy.egress
            for index, rule in enumerate(rules or ()):
                got = self._rule(policy, rule, direction, peer, destination, port, protocol)
                if got is True:
                    return Decision(
                        True,
                        f"{policy.resource.address} {direction} rule {index + 1} allows it",
                        (policy.resource.address,),
                    )
                if got is None:
                    undecided.append(f"{policy.resource.address} {direction} rule {index + 1}")
        if undecided:
            return Decision(None, f"whether {', '.join(undecided)} allows it is not known (namespace labels)")
        names = tuple(p.resource.address for p in isolating)
        return Decision(
            False,
            f"{own.address} is isolated for {direction} by {', '.join(names)} and no rule allows it",
            names,
        )

    def _rule(
        self,
        policy: Policy,
        rule: Mapping[str, Any],
        direction: str,
        peer: Resource | str,
        destination: Resource | str,
        port: int | None,
        protocol: str,
    ) -> bool | None:
        if not _ports_match(rule.get("ports"), destination, port, protocol):
            return False
        peers = rule.get("from" if direction == "ingress" else "to")
        if peers is None or peers == []:
            return True
        result: bool | None = False
        for entry in peers if isinstance(peers, list) else []:
            got = self._peer(policy, entry, peer) if isinstance(entry, Mapping) else False
            if got is True:
                return True
            if got is None:
                result = None
        return result

    def _peer(self, policy: Policy, entry: Mapping[str, Any], peer: Resource | str) -> bool | None:
        block = entry.get("ipBlock")
        if isinstance(peer, str):
            return _in_block(block, peer) if isinstance(block, Mapping) else False
        if block is not None:
            return False  # ipBlock is for addresses outside the cluster's pods
        namespace = namespace_of(peer) or ""
        pods = entry.get("podSelector")
        spaces = entry.get("namespaceSelector")
        if spaces is None:
            in_namespace: bool | None = namespace == policy.namespace
        else:
            in_namespace = self._namespace_selected(spaces, namespace)
        if in_namespace is False:
            return False
        pod_ok = True if pods is None else selects(pods, pod_labels(peer))
        if not pod_ok:
            return False
        return in_namespace

    def _namespace_selected(self, selector: Any, namespace: str) -> bool | None:
        labels = self.namespace_labels.get(namespace)
        if labels is not None:
            return selects(selector, labels)
        known = {_NAME_LABEL: namespace}
        if selects(selector, known):
            return True
        asks = set(selector.get("matchLabels") or {}) if isinstance(selector, Mapping) else set()
        if isinstance(selector, Mapping) and isinstance(selector.get("matchExpressions"), list):
            asks |= {str(e.get("key")) for e in selector["matchExpressions"] if isinstance(e, Mapping)}
        if asks <= {_NAME_LABEL}:
            return False
        return None  # the namespace's other labels are not in the manifests


def container_ports(workload: Resource) -> Iterator[tuple[str | None, int, str]]:
    """(name, containerPort, protocol) of every container port of the workload's pods."""
    spec = pod_spec(workload) or {}
    for container in containers(spec):
        ports = container.value.get("ports")
        for item in ports if isinstance(ports, list) else []:
            if isinstance(item, Mapping) and isinstance(item.get("containerPort"), int):
                name = item.get("name")
                yield (
                    name if isinstance(name, str) else None,
                    item["containerPort"],
                    str(item.get("protocol") or "TCP").upper(),
                )


def _ports_match(ports: Any, destination: Resource | str, port: int | None, protocol: str) -> bool:
    if not ports:
        return True
    wanted = protocol.upper()
    for item in ports if isinstance(ports, list) else []:
        if not isinstance(item, Mapping):
            continue
        proto = str(item.get("protocol") or "TCP").upper()
        if wanted not in ("ALL", proto):
            continue
        value = item.get("port")
        if value is None or port is None:
            return True
        if isinstance(value, str) and not value.isdigit():
            if isinstance(destination, Resource) and any(
                n == value and p == port and pr == proto for n, p, pr in container_ports(destination)
            ):
                return True
            continue
        low = int(value)
        end = item.get("endPort")
        high = end if isinstance(end, int) else low
        if low <= port <= high:
            return True
    return False


def _in_block(block: Mapping[str, Any], address: str) -> bool:
    try:
        ip = ipaddress.ip_address(address.split("/", 1)[0])
        network = ipaddress.ip_network(str(block.get("cidr")), strict=False)
    except ValueError:
        return False
    if ip not in network:
        return False
    excepts: Iterable[Any] = block.get("except") or []
    for item in excepts if isinstance(excepts, list) else []:
        try:
            if ip in ipaddress.ip_network(str(item), strict=False):
                return False
        except ValueError:
            continue
    return True


def pod_reach(estate: Estate, source: str, target: str, port: int | None, protocol: str) -> Any:
    """The ``reach`` answer between Kubernetes workloads (addresses ``Deployment/ns/name``...), or from an IP
    to one, by their NetworkPolicies: a :class:`ringfence.network.ReachResult`, or None when neither end is
    a workload of the estate (the question is the AWS network's)."""
    from ringfence.network.flows import Block, Step
    from ringfence.network.reach import ReachResult

    kinds = set(WORKLOAD_KINDS)

    def end(name: str) -> Resource | str | None:
        found = estate.get(name)
        if found is not None and found.kind in kinds:
            return found
        try:
            ipaddress.ip_address(name)
        except ValueError:
            return None
        return name

    src, dst = end(source), end(target)
    if not (isinstance(src, Resource) or isinstance(dst, Resource)) or src is None or dst is None:
        return None
    decision = NetworkPolicies(estate).allows(src, dst, port, protocol)
    src_address = src.address if isinstance(src, Resource) else None
    dst_address = dst.address if isinstance(dst, Resource) else None

    def result(reachable: bool | None, **more: Any) -> ReachResult:
        return ReachResult(
            source,
            target,
            port,
            protocol,
            reachable,
            source_resource=src_address,
            target_resource=dst_address,
            **more,
        )

    if decision.allowed is None:
        return result(None, unknown=decision.why)
    if decision.allowed is False:
        blocked = tuple(Block(p, why) for p, why in decision.blocks) or (Block(target, decision.why),)
        return result(False, blocked_by=blocked)
    steps = [Step(source, "leave pod" if isinstance(src, Resource) else "enter the cluster")]
    steps += [Step(p, "NetworkPolicy allows") for p in decision.policies]
    if not decision.policies:
        steps.append(Step(target, "no NetworkPolicy isolates either pod"))
    steps.append(Step(target, f"reach pod on {protocol}/{port}" if port is not None else "reach pod"))
    return result(True, path=tuple(steps))
