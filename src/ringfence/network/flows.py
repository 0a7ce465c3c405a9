"""Push a set of packets through a sequence of filters (stages) and explain the outcome.

Packets are a :class:`Region` keyed by the address of the side that is "some address in a range" (the
internet, a CIDR): the *free* side. The other side is one interface whose exact address may not be known;
a stage that filters on its address passes when its rules cover the whole range the address can be in,
blocks when they cover none of it, and is *unknown* in between. Every stage also yields a *maybe* part
(rules with unresolved CIDRs or groups), carried to the end so that an unknown is never reported as a
pass or a block.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

from ringfence.network.addresses import ALL_ADDRESSES
from ringfence.network.intervals import IntervalSet
from ringfence.network.region import EMPTY, Region

Side = Literal["src", "dst"]
Point = tuple[int, int, int]  # protocol, port, peer address


@dataclass(frozen=True, slots=True)
class Step:
    resource: str
    step: str

    def to_json(self) -> dict[str, str]:
        return {"resource": self.resource, "step": self.step}


@dataclass(frozen=True, slots=True)
class Block:
    resource: str
    reason: str

    def to_json(self) -> dict[str, str]:
        return {"resource": self.resource, "reason": self.reason}


@dataclass(frozen=True, slots=True)
class End:
    """One side of a flow: the internet, a CIDR, or an interface of a resource."""

    label: str
    addresses: IntervalSet
    free: bool  # True: some address in ``addresses``; False: one fixed address somewhere in it


def _no_steps(point: Point) -> list[Step]:
    return []


def _no_blocks(packets: Region) -> list[Block]:
    return []


@dataclass
class Stage:
    peer: Side  # whose address the stage's rules match
    yes: Region
    maybe: Region = EMPTY
    reasons: tuple[str, ...] = ()
    witness: Callable[[Point], list[Step]] = _no_steps
    blocked: Callable[[Region], list[Block]] = _no_blocks


@dataclass
class Outcome:
    reachable: bool | None
    path: list[Step] = field(default_factory=list)
    blocked_by: list[Block] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)
    packets: Region = EMPTY  # what gets through for sure
    maybe: Region = EMPTY  # what may get through (unknowns on the way)


def collapse(yes: Region, maybe: Region, fixed: IntervalSet) -> tuple[Region, Region]:
    """Rules on a fixed-but-unknown address in ``fixed``: covered -> yes, partly -> maybe."""
    out_yes, out_maybe = EMPTY, EMPTY
    for protocols, ports, addresses in yes.boxes():
        if addresses.covers(fixed):
            out_yes = out_yes | Region.box(protocols, ports, ALL_ADDRESSES)
        elif addresses.overlaps(fixed):
            out_maybe = out_maybe | Region.box(protocols, ports, ALL_ADDRESSES)
    for protocols, ports, addresses in maybe.boxes():
        if addresses.overlaps(fixed):
            out_maybe = out_maybe | Region.box(protocols, ports, ALL_ADDRESSES)
    return out_yes, out_maybe - out_yes


def peer_view(packets: Region, end: End) -> Region:
    """Packets as the stage sees them: with the peer's address range when the peer is fixed."""
    if end.free:
        return packets
    out = EMPTY
    for protocols, ports, _ in packets.boxes():
        out = out | Region.box(protocols, ports, end.addresses)
    return out


def _allowed(stage: Stage, src: End, dst: End) -> tuple[Region, Region]:
    peer = src if stage.peer == "src" else dst
    if peer.free:
        return stage.yes, stage.maybe
    return collapse(stage.yes, stage.maybe, peer.addresses)


def _survives(stages: list[Stage], packets: Region, src: End, dst: End) -> bool:
    for stage in stages:
        allow_yes, allow_maybe = _allowed(stage, src, dst)
        packets = packets & (allow_yes | allow_maybe)
        if not packets:
            return False
    return True


def run(stages: list[Stage], start: Region, src: End, dst: End) -> Outcome:
    yes, maybe = start, EMPTY
    reasons: list[str] = []
    drops: list[tuple[int, Region]] = []
    for index, stage in enumerate(stages):
        peer = src if stage.peer == "src" else dst
        allow_yes, allow_maybe = _allowed(stage, src, dst)
        if allow_maybe and not peer.free and not stage.reasons:
            reasons.append(f"the address of {peer.label} is not known exactly")
        new_yes = yes & allow_yes
        new_maybe = (maybe & (allow_yes | allow_maybe)) | (yes & allow_maybe)
        if (new_maybe - maybe) and stage.reasons:
            reasons.extend(stage.reasons)
        if not new_yes and not new_maybe:
            # What stopped the last packets, and what stopped earlier ones that would have got past this
            # stage too (an IPv6 opening on an interface without an IPv6 address, say).
            blocked: list[Block] = []
            for at, dropped in drops:
                if _survives(stages[at + 1 : index + 1], dropped, src, dst):
                    dropped_peer = src if stages[at].peer == "src" else dst
                    blocked += stages[at].blocked(peer_view(dropped, dropped_peer))
            blocked += stage.blocked(peer_view(yes | maybe, peer))
            return Outcome(False, blocked_by=list(dict.fromkeys(blocked)))
        dropped = (yes | maybe) - (new_yes | new_maybe)
        if dropped:
            drops.append((index, dropped))
        yes, maybe = new_yes, new_maybe - new_yes
    if yes:
        point = yes.point()
        assert point is not None
        path: list[Step] = []
        for stage in stages:
            peer = src if stage.peer == "src" else dst
            address = point[2] if peer.free else (peer.addresses.first() or 0)
            path.extend(stage.witness((point[0], point[1], address)))
        return Outcome(True, path=path, packets=yes, maybe=maybe)
    return Outcome(None, unknown=list(dict.fromkeys(reasons)) or ["undecided"], maybe=maybe)


def regions(stages: list[Stage], start: Region, src: End, dst: End) -> tuple[Region, Region, list[str]]:
    """What surely gets through and what may, without explanations (for bulk computations)."""
    yes, maybe = start, EMPTY
    reasons: list[str] = []
    for stage in stages:
        peer = src if stage.peer == "src" else dst
        if peer.free:
            allow_yes, allow_maybe = stage.yes, stage.maybe
        else:
            allow_yes, allow_maybe = collapse(stage.yes, stage.maybe, peer.addresses)
        new_yes = yes & allow_yes
        new_maybe = (maybe & (allow_yes | allow_maybe)) | (yes & allow_maybe)
        if (new_maybe - maybe) and stage.reasons:
            reasons.extend(stage.reasons)
        yes, maybe = new_yes, new_maybe - new_yes
        if not yes and not maybe:
            break
    return yes, maybe, list(dict.fromkeys(reasons))
