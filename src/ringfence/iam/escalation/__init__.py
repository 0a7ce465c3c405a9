"""Privilege escalation: which principals can become administrator, another principal, or reach a resource
with an action, through the 65 documented paths (pathfinding.cloud) and ``sts:AssumeRole``, over as many
steps as it takes.

:mod:`~ringfence.iam.escalation.graph` builds the graph (each edge decided by the IAM evaluator on the
request the step makes); this module searches it. For each principal the shortest path to a target is
searched first over the edges that are allowed outright, then over those that depend on an undecided value
(``unknown``, with the condition keys that decide it); up to five other distinct paths are listed as
alternatives. Cycles are harmless: the search is breadth first.

Targets: ``admin`` (admin-equivalent as :mod:`ringfence.iam.admin` defines it, with the boundary of the end
state, measured against the SCP/RCP ceiling), a named principal, or a resource with an action.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import islice, pairwise
from typing import Any

from ringfence.iam.engine import Engine
from ringfence.iam.escalation.graph import Actor, Ask, Decider, Graph, Way, build
from ringfence.iam.escalation.paths import EscalationPath, catalogue
from ringfence.iam.estate_policies import groups_of
from ringfence.iam.evaluator import StatementRef
from ringfence.model import Resource

__all__ = [
    "EscalationPath",
    "Finding",
    "Step",
    "Target",
    "catalogue",
    "find_escalations",
]

MAX_ALTERNATIVES = 5


@dataclass(frozen=True, slots=True)
class Step:
    action: str
    via: str
    path_id: str
    status: str = "allowed"  # or "unknown"
    resource: str = ""
    decided_by: tuple[str, ...] = ()

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "action": self.action,
            "via": self.via,
            "path_id": self.path_id,
            "path": self.path_id,
            "resource": self.resource,
            "status": self.status,
        }
        if self.decided_by:
            out["decided_by"] = list(self.decided_by)
        return out


def _status(steps: Sequence[Step]) -> str:
    return "unknown" if any(s.status == "unknown" for s in steps) else "allowed"


def _decided_by(steps: Sequence[Step]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(k for s in steps for k in s.decided_by))


@dataclass(frozen=True, slots=True)
class Finding:
    principal: str
    reaches: str
    steps: tuple[Step, ...]
    alternatives: tuple[tuple[Step, ...], ...] = ()
    # The statement that allows the first step (for the scan finding's location).
    opened_by: StatementRef | None = None

    @property
    def status(self) -> str:
        return _status(self.steps)

    @property
    def decided_by(self) -> tuple[str, ...]:
        return _decided_by(self.steps)

    @property
    def path_ids(self) -> tuple[str, ...]:
        return tuple(s.path_id for s in self.steps)

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "principal": self.principal,
            "reaches": self.reaches,
            "status": self.status,
            "steps": [s.as_json() for s in self.steps],
        }
        if self.status == "unknown":
            out["decided_by"] = list(self.decided_by)
        out["alternatives"] = [
            {
                "status": _status(alt),
                **({"decided_by": list(_decided_by(alt))} if _status(alt) == "unknown" else {}),
                "steps": [s.as_json() for s in alt],
            }
            for alt in self.alternatives
        ]
        if self.opened_by is not None:
            out["opened_by"] = self.opened_by.as_json()
        return out


@dataclass(frozen=True)
class Target:
    """What a path must reach: ``admin``, the principal at ``principal``, or ``action`` on ``resource``."""

    principal: str | None = None
    resource: str | None = None
    action: str | None = None
    holder: Resource | None = None

    @property
    def name(self) -> str:
        if self.principal is not None:
            return self.principal
        if self.resource is not None:
            return f"{self.action} on {self.resource}"
        return "admin"


def _reached(decider: Decider, target: Target, actor: Actor) -> bool | None:
    if target.principal is not None:
        # A group is reached by joining it (or by taking over a member).
        return (
            actor.principal.address == target.principal
            or target.principal in actor.groups
            or (
                target.principal.startswith("aws_iam_group.")
                and actor.principal.kind == "aws_iam_user"
                and any(g.address == target.principal for g in groups_of(decider.estate, actor.principal))
            )
        )
    if target.resource is not None and target.action is not None:
        ask = Ask(target.action, target.resource, trust=None)
        return _resource_allowed(decider, actor, ask, target.holder)
    return decider.admin(actor)


def _resource_allowed(decider: Decider, actor: Actor, ask: Ask, holder: Resource | None) -> bool | None:
    if holder is not None and decider.engine.resource_policy_of(holder) is not None:
        return decider.decide(actor, Ask(ask.action, ask.resource, trust=holder)).allowed
    return decider.decide(actor, ask).allowed


def find_escalations(
    engine: Engine,
    *,
    context: Mapping[str, str | Sequence[str]] | None = None,
    target: Target | None = None,
) -> list[Finding]:
    """One finding per principal that can reach the target (admin by default) and is not there already."""
    return analyse(engine, context=context, target=target)[0]


def analyse(
    engine: Engine,
    *,
    context: Mapping[str, str | Sequence[str]] | None = None,
    target: Target | None = None,
) -> tuple[list[Finding], Graph]:
    """The findings and the graph they were searched in."""
    target = target or Target()
    memo: dict[str, bool | None] = {}

    def reached(decider: Decider, actor: Actor) -> bool | None:
        if actor.key not in memo:
            memo[actor.key] = _reached(decider, target, actor)
        return memo[actor.key]

    # For admin, nothing beyond an admin-equivalent node is asked (it is the end of every path through it).
    stop = (
        (lambda d, a: reached(d, a) is True) if target.principal is None and target.resource is None else None
    )
    graph, decider = build(engine, context, stop=stop, goal=reached)
    g = graph.graph
    goals = {k: reached(decider, a) for k, a in graph.actors.items()}
    sure = {k for k, v in goals.items() if v is True}
    maybe = {k for k, v in goals.items() if v is None}
    findings: list[Finding] = []
    sources = sorted(a.key for a in graph.actors.values() if not a.label and not a.keys)
    allowed = g.edge_subgraph(
        [(u, v) for u, v, data in g.edges(data=True) if any(w.status == "allowed" for w in data["ways"])]
    )
    can_reach_sure = _ancestors(allowed, sure)
    can_reach_any = _ancestors(g, sure | maybe)
    work = _with_sink(g, sure | maybe)
    for source in sources:
        if goals.get(source) is True:
            continue  # there already
        if goals.get(source) is None and target.principal is None and target.resource is None:
            continue  # conditionally admin already: no escalation to report, the admin checks say why
        nodes: list[str] | None = None
        if source in can_reach_sure:
            nodes = _shortest(allowed, source, sure)
        if nodes is None and source in can_reach_any:
            nodes = _shortest(g, source, sure | maybe)
        if nodes is None:
            continue
        steps = _steps(g, nodes, best=True)
        if goals.get(nodes[-1]) is None:
            # The end state itself is admin (or reaches the target) only conditionally.
            last = steps[-1]
            steps = (
                *steps[:-1],
                Step(
                    last.action,
                    last.via,
                    last.path_id,
                    "unknown",
                    last.resource,
                    (*last.decided_by, "end state"),
                ),
            )
        alternatives = _alternatives(g, work, source, steps)
        findings.append(
            Finding(
                graph.actors[source].principal.address,
                target.name,
                steps,
                alternatives,
                _opened_by(decider, graph, g, nodes),
            )
        )
    return sorted(findings, key=lambda f: f.principal), graph


_SINK = "\x00goal"


def _with_sink(g: Any, goals: set[str]) -> Any:
    """``g`` with one node every goal leads to."""
    work = g.copy()
    work.add_node(_SINK)
    work.add_edges_from((goal, _SINK) for goal in goals if goal in g)
    return work


def _ancestors(g: Any, goals: set[str]) -> set[str]:
    """Every node with a path to a goal (one reverse search)."""
    import networkx as nx

    work = nx.DiGraph()
    work.add_edges_from(g.edges())
    work.add_nodes_from(goals)
    work.add_node(_SINK)
    work.add_edges_from((goal, _SINK) for goal in goals)
    return set(nx.ancestors(work, _SINK)) | set(goals)


def _shortest(g: Any, source: str, goals: set[str]) -> list[str] | None:
    """The shortest node path from ``source`` to a goal (breadth first, ties by node key)."""
    if source not in g:
        return None
    parents: dict[str, str | None] = {source: None}
    frontier = [source]
    while frontier:
        following: list[str] = []
        for node in frontier:
            for nxt in sorted(g.successors(node)):
                if nxt in parents:
                    continue
                parents[nxt] = node
                if nxt in goals:
                    path = [nxt]
                    while parents[path[-1]] is not None:
                        parent = parents[path[-1]]
                        assert parent is not None
                        path.append(parent)
                    return path[::-1]
                following.append(nxt)
        frontier = following
    return None


def _step(way: Way) -> Step:
    return Step(way.action, way.via, way.path_id, way.status, way.resource, way.decided_by)


def _steps(g: Any, nodes: Sequence[str], *, best: bool) -> tuple[Step, ...]:
    return tuple(_step(g[u][v]["ways"][0]) for u, v in pairwise(nodes))


def _alternatives(g: Any, work: Any, source: str, first: tuple[Step, ...]) -> tuple[tuple[Step, ...], ...]:
    """Up to five other distinct paths: other ways along the same nodes, then other node paths."""
    import networkx as nx

    found: list[tuple[Step, ...]] = []
    seen = {tuple((s.path_id, s.via) for s in first)}
    for with_sink in islice(nx.shortest_simple_paths(work, source, _SINK), 12):
        nodes = with_sink[:-1]
        options: list[list[Way]] = [g[u][v]["ways"] for u, v in pairwise(nodes)]
        for combo in _combinations(options, 6):
            steps = tuple(_step(w) for w in combo)
            key = tuple((s.path_id, s.via) for s in steps)
            if key in seen:
                continue
            seen.add(key)
            found.append(steps)
            if len(found) >= MAX_ALTERNATIVES:
                return tuple(found)
    return tuple(found)


def _combinations(options: list[list[Way]], limit: int) -> list[list[Way]]:
    out: list[list[Way]] = [[]]
    for ways in options:
        out = [[*prefix, w] for prefix in out for w in ways][:limit]
    return out


def _opened_by(decider: Decider, graph: Graph, g: Any, nodes: Sequence[str]) -> StatementRef | None:
    """The Allow statement that lets the first step's first request through."""
    if len(nodes) < 2:
        return None
    way: Way = g[nodes[0]][nodes[1]]["ways"][0]
    actor = graph.actors[nodes[0]]
    for ask in way.asks:
        d = decider.decide(actor, ask, explain=True)
        for ref in d.statements:
            if ref.effect == "Allow" and ref.policy_type == "identity":
                return ref
    return None
