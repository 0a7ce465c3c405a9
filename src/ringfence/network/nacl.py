"""Network ACL evaluation over regions: ordered rules, first match wins, default deny.

https://docs.aws.amazon.com/vpc/latest/userguide/nacl-rules.html: rules are evaluated "starting with the
lowest numbered rule"; as soon as one matches it applies regardless of any higher-numbered rule; traffic no
rule matches is denied by the final ``*`` rule. ACLs are stateless, so a reply is evaluated by the rules of
the opposite direction on the client's ephemeral port
(https://docs.aws.amazon.com/vpc/latest/userguide/nacl-ephemeral-ports.html).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from ringfence.network.intervals import IntervalSet
from ringfence.network.region import ALL_PORTS, EMPTY, EPHEMERAL_PORTS, EVERYTHING, PORTED, Region
from ringfence.network.rules import NaclRule


@dataclass(frozen=True, slots=True)
class Decision:
    rule: NaclRule | None  # None: the default ``*`` rule
    allow: bool | None  # None: the rule's CIDR is unknown
    matched: Region  # packets this rule decides (none of the earlier rules matched them)


@dataclass
class AclEvaluation:
    address: str
    egress: bool
    allowed: Region
    maybe: Region
    decisions: tuple[Decision, ...]

    @cached_property
    def reply_allowed(self) -> tuple[Region, Region]:
        """Replies this direction lets through: (yes, maybe) over protocol x any port x peer address.

        For TCP and UDP a reply goes to the client's ephemeral port; it passes when some port in 1024-65535
        is allowed (which one the client picks is not known).
        """
        return _reply(self.allowed), _reply(self.maybe)

    def deciding(self, packets: Region) -> list[Decision]:
        """The decisions that apply to some of ``packets``, in rule order."""
        return [d for d in self.decisions if d.matched & packets]


def _reply(region: Region) -> Region:
    out = EMPTY
    ported = IntervalSet.union_of((p, p) for p in PORTED)
    for plo, phi, ports in region.protocols.pieces:
        protocols = IntervalSet.of(plo, phi)
        every = IntervalSet()
        ephemeral = IntervalSet()
        for lo, hi, addresses in ports.pieces:
            every = every | addresses
            if IntervalSet.of(lo, hi).overlaps(EPHEMERAL_PORTS):
                ephemeral = ephemeral | addresses
        out = out | Region.box(protocols - ported, ALL_PORTS, every)
        out = out | Region.box(protocols & ported, ALL_PORTS, ephemeral)
    return out


def evaluate_acl(address: str, egress: bool, rules: tuple[NaclRule, ...]) -> AclEvaluation:
    remaining = EVERYTHING
    allowed = EMPTY
    maybe = EMPTY
    decisions: list[Decision] = []
    for rule in sorted(rules, key=lambda r: r.number):
        if not remaining:
            break
        if rule.unknown:
            matched = rule.span() & remaining
            maybe = maybe | matched
            decisions.append(Decision(rule, None, matched))
        else:
            matched = rule.region() & remaining
            if rule.allow:
                allowed = allowed | matched
            decisions.append(Decision(rule, rule.allow, matched))
        remaining = remaining - matched
    if remaining:
        decisions.append(Decision(None, False, remaining))
    return AclEvaluation(address, egress, allowed, maybe, tuple(decisions))
