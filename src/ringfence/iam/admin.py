"""Administrator-equivalence, decided by reasoning over the statements of a permission set.

**Definition.** A permission set (identity policies, the permissions boundary, the SCPs on the path to
the principal's account, the RCPs) is *admin-equivalent* for a principal when every request in its own
account is allowed unconditionally, where a request is

- an action ``service:name``: any service prefix, listed in the IAM action catalogue or not, and any name
  (AWS adds services and actions: "every action" includes the ones not yet catalogued), and
- a resource ``*`` or any ARN,

and "allowed" is the evaluator's decision without a resource-based policy: an Allow statement matches
(``Action``/``NotAction``, ``Resource``/``NotResource``, ``*`` and ``?`` in service prefixes, action names and
ARNs), no Deny in any of the policies matches, the boundary allows it and every SCP level allows it. A Deny
subtracts what it names, so a Deny of anything at all (``s3:DeleteBucket`` on one bucket) makes the set less
than admin. For example:

- ``Allow *:* on *`` (or ``Allow *`` on ``*``) is admin-equivalent;
- ``Allow NotAction [iam:*]`` on ``*`` is not (``iam:CreateUser`` is refused), nor is ``Allow NotAction
  [aws-portal:*]`` (billing is refused; the workload check calls that one administrator in all but name
  on its own, because it includes IAM);
- ``Allow NotAction [s3:*]`` plus ``Allow s3:*``, both on ``*``, is;
- ``Allow <service>:*`` for every catalogued service is not (a service newer than the catalogue is refused);
- ``Allow *`` on ``arn:*`` is not (actions that only take ``*`` as their resource are refused).

Three answers: ``True``; ``False`` with a request that is refused; ``None``, *conditional*: nothing is
refused outright, but some request is allowed only under a condition (or through a policy variable) whose
value the estate does not fix (``aws:SecureTransport``, ``aws:RequestedRegion``), or a policy could not be
read, or an SCP attached to an OU the estate does not place could deny it. Conditions on what the estate
fixes about the principal (its ARN, account, tags, user name) are decided.

**Against the ceiling.** With ``ceiling`` (the escalation analysis asks so), the SCPs and RCPs are the
ceiling of what anyone in the account can hold: the set is admin-equivalent when it allows every request
those organisation policies allow at all. A request an SCP denies is outside the question, so an SCP that
denies ``organizations:LeaveOrganization`` to everyone leaves ``Allow *`` admin-equivalent, and an identity
deny of an action the SCPs allow still makes the set less than admin.

Outside the question: resource-based policies (the question is what the identity side grants), the rule that
role trust and KMS key policies must allow explicitly, and requests to other accounts.

**How.** The evaluator's decision on a request depends on which statements match its action and which match
its resource (and on the action's service for RCPs), never on the strings otherwise. Each statement's action
and resource patterns are automata over characters (ARN patterns segment by segment, as the evaluator
compiles them). Exploring, breadth first and all at once, every string the automata can tell apart (each
character a pattern names, and one character none names) gives one representative action for each
combination of "which statements match" that some action has, and the same for resources: deciding every
representative pair decides every request. Cheap candidates (an unnamed service, each named service with an
unnamed action) are decided first: a refused one answers ``False`` without the exploration. The answer is
memoised on a canonical form of the permission set (statements without names, ids or lines, in a fixed
order), so an estate asks once per distinct set.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from functools import lru_cache

from ringfence.iam import patterns
from ringfence.iam.conditions import UNKNOWN, RequestContext
from ringfence.iam.evaluator import (
    CompiledPolicySet,
    Decision,
    EvalOptions,
    PolicySet,
    Request,
    _same_kind_pattern,
)
from ringfence.iam.policy import VERSION_2008, VERSION_2012, Policy, PolicyType, Statement

_EVERYTHING = Policy(
    "ringfence-ceiling",
    (Statement(effect="Allow", actions=("*",), resources=("*",)),),
    VERSION_2012,
    "identity",
)

# Beyond this many distinct states the exploration stops and the answer is undecided (None), not a pass.
MAX_STATES = 200_000


@dataclass(frozen=True)
class AdminVerdict:
    """``admin``: True, False or None (conditional); ``request``: an (action, resource) pair that is refused
    (False) or allowed only conditionally (None)."""

    admin: bool | None
    request: tuple[str, str] | None = None
    reason: str = ""


@dataclass(frozen=True)
class PermissionSet:
    """What decides a principal's requests on the identity side, in canonical form (hashable)."""

    policies: PolicySet
    principal: str
    account: str
    context: tuple[tuple[str, str | tuple[str, ...]], ...] | None  # None: no condition or variable reads it
    absent: frozenset[str] = frozenset()
    absent_prefixes: tuple[str, ...] = ()
    maybe: PolicySet | None = None  # organisation policies that may apply: only their denies are asked
    unreadable: bool = False
    options: EvalOptions = field(default_factory=EvalOptions)
    ceiling: bool = False  # measured against what the SCPs and RCPs allow at all (see the module docstring)


def permission_set(
    policies: PolicySet,
    principal: str,
    account: str,
    context: RequestContext,
    options: EvalOptions,
    *,
    maybe: PolicySet | None = None,
    unreadable: bool = False,
    ceiling: bool = False,
) -> PermissionSet:
    """The canonical form: statements stripped of what does not decide (names, sids, lines), sorted."""
    canonical = PolicySet(
        identity=_merged(policies.identity, "identity"),
        boundary=tuple(sorted((_one(p, "boundary") for p in policies.boundary), key=repr)),
        scps=tuple(_merged(level, "scp") for level in policies.scps),
        rcps=(_merged(tuple(p for level in policies.rcps for p in level), "rcp"),) if policies.rcps else (),
        management_account=policies.management_account,
        resource_in_management_account=policies.resource_in_management_account,
        resource_policy_required=False,
    )
    canonical_maybe = None
    if maybe is not None:
        canonical_maybe = PolicySet(
            identity=_merged(maybe.identity, "identity"),
            scps=tuple(_merged(level, "scp") for level in maybe.scps),
            rcps=(_merged(tuple(p for level in maybe.rcps for p in level), "rcp"),) if maybe.rcps else (),
            resource_policy_required=False,
        )
    reads_context = any(
        s.conditions or _has_variables(p, s)
        for p in _all_policies(canonical, canonical_maybe)
        for s in p.statements
    )
    if reads_context:
        values = tuple(sorted(context.values.items()))
        return PermissionSet(
            canonical,
            principal,
            account,
            values,
            context.absent,
            context.absent_prefixes,
            canonical_maybe,
            unreadable,
            options,
            ceiling,
        )
    # Nothing reads the context: the principal matters only through its account and SCP exemption.
    who = _stand_in(principal)
    return PermissionSet(
        canonical,
        who,
        account,
        None,
        maybe=canonical_maybe,
        unreadable=unreadable,
        options=options,
        ceiling=ceiling,
    )


def decide(permissions: PermissionSet) -> AdminVerdict:
    """Is the permission set admin-equivalent (see the module docstring)? Memoised per canonical form."""
    return _decide(permissions)


# -- canonical form ---------------------------------------------------------------------------------------------
@lru_cache(maxsize=8192)
def _statement(s: Statement) -> Statement:
    return Statement(
        effect=s.effect,
        actions=tuple(sorted({a.lower() for a in s.actions})),
        not_action=s.not_action,
        resources=None if s.resources is None else tuple(sorted(set(s.resources))),
        not_resource=s.not_resource,
        conditions=tuple(sorted(s.conditions, key=lambda c: (c.operator, c.key, c.values))),
    )


def _policy(statements: Iterable[Statement], kind: PolicyType, version: str | None) -> Policy:
    unique = sorted(set(statements), key=repr)
    return Policy(kind, tuple(replace(s, index=i) for i, s in enumerate(unique)), version, kind)


def _one(policy: Policy, kind: PolicyType) -> Policy:
    """A policy that must allow on its own (a boundary)."""
    return _policy((_statement(s) for s in policy.statements), kind, policy.version)


def _merged(policies: Iterable[Policy], kind: PolicyType) -> tuple[Policy, ...]:
    """Policies whose statements pool (any allow is enough): one policy per version of the language."""
    by_version: dict[bool, list[Statement]] = {}
    for p in policies:
        by_version.setdefault(p.version == VERSION_2008, []).extend(_statement(s) for s in p.statements)
    return tuple(
        _policy(by_version[old], kind, VERSION_2008 if old else VERSION_2012)
        for old in (False, True)
        if old in by_version
    )


def _all_policies(policies: PolicySet, maybe: PolicySet | None) -> Iterator[Policy]:
    for ps in (policies, maybe):
        if ps is None:
            continue
        yield from ps.identity
        yield from ps.boundary
        for level in (*ps.scps, *ps.rcps):
            yield from level


def _has_variables(policy: Policy, statement: Statement) -> bool:
    return (
        policy.version != VERSION_2008
        and statement.resources is not None
        and any(patterns.has_variables(r) for r in statement.resources)
    )


def _stand_in(principal: str) -> str:
    """A principal ARN that the evaluator treats as ``principal`` when no condition or variable reads it."""
    from ringfence.iam.principals import parse_principal

    who = parse_principal(principal)
    if who.service_linked or who.kind in ("service", "anonymous") or who.account is None:
        return principal
    return f"arn:{who.partition}:iam::{who.account}:user/ringfence-admin-question"


# -- the decision -----------------------------------------------------------------------------------------------
@lru_cache(maxsize=4096)
def _decide(permissions: PermissionSet) -> AdminVerdict:
    compiled = CompiledPolicySet(permissions.policies, permissions.options)
    maybe = CompiledPolicySet(permissions.maybe, permissions.options) if permissions.maybe else None
    context = RequestContext(
        dict(permissions.context or ()),
        complete=False,
        absent=permissions.absent,
        absent_prefixes=permissions.absent_prefixes,
    )

    limit: CompiledPolicySet | None = None
    ps = permissions.policies
    if permissions.ceiling and (ps.scps or ps.rcps):
        # What the organisation allows at all: its policies over an identity policy that allows everything.
        limit = CompiledPolicySet(
            replace(ps, identity=(_EVERYTHING,), boundary=(), session=()), permissions.options
        )

    def ask(action: str, resource: str) -> bool | None:
        request = Request(permissions.principal, action, resource, permissions.account, context)
        if limit is not None and limit.decide(request, explain=False).allowed is False:
            return True  # above the ceiling: nobody in the account holds it
        d: Decision = compiled.decide(request, explain=False)
        if d.decision == "explicit_deny":
            return False
        if permissions.unreadable:
            return None
        if (
            d.allowed is True
            and maybe is not None
            and maybe.decide(request, explain=False).decision == "explicit_deny"
        ):
            return None
        return d.allowed

    statements = _statements(permissions)
    fresh = _fresh(frozenset().union(*(_action_characters(s) for _, s, _ in statements)))
    # Candidates first, each service with an unnamed action: those a NotAction allow or a Deny names (where
    # refusals come from), a service no statement names, then the services the allows name.
    bad = frozenset().union(
        *(_named_services(s) for _, s, _ in statements if (s.effect == "Allow") == s.not_action)
    )
    named = frozenset().union(*(_named_services(s) for _, s, _ in statements)) - bad
    candidates = [f"{service}:{fresh}" for service in (*sorted(bad), fresh, *sorted(named))]
    first_undecided: tuple[str, str] | None = None
    for action in candidates:
        got = ask(action, "*")
        if got is False:
            return AdminVerdict(False, (action, "*"), f"{action} on * is refused")
        if got is None and first_undecided is None:
            first_undecided = (action, "*")
    try:
        actions = _representatives(_action_automata(statements, permissions), _ACTION_SHAPE, ignore_case=True)
        resources = _representatives(_resource_automata(statements, context), _RESOURCE_SHAPE)
    except _TooComplex:
        return AdminVerdict(None, first_undecided, "the policies are too complex to decide")
    for action in actions:
        for resource in resources:
            got = ask(action, resource)
            if got is False:
                return AdminVerdict(False, (action, resource), f"{action} on {resource} is refused")
            if got is None and first_undecided is None:
                first_undecided = (action, resource)
    if first_undecided is not None:
        action, resource = first_undecided
        return AdminVerdict(None, first_undecided, f"{action} on {resource} is allowed only under conditions")
    return AdminVerdict(True)


def _statements(permissions: PermissionSet) -> list[tuple[Policy, Statement, bool]]:
    """Every statement with its policy and whether ``*`` in its ARNs may cross segments (not in RCPs)."""
    ps = permissions.policies
    crosses_rcp = permissions.options.trailing_star_crosses_segments
    out: list[tuple[Policy, Statement, bool]] = []
    for policy_set in (ps, permissions.maybe):
        if policy_set is None:
            continue
        groups = [
            (policy_set.identity, True),
            (policy_set.boundary, True),
            (tuple(p for level in policy_set.scps for p in level), True),
            (tuple(p for level in policy_set.rcps for p in level), crosses_rcp),
        ]
        for policies, crosses in groups:
            out.extend((p, s, crosses) for p in policies for s in p.statements)
    return out


@lru_cache(maxsize=8192)
def _named_services(statement: Statement) -> frozenset[str]:
    """The service prefixes the statement's actions spell out (no wildcard)."""
    out = set()
    for action in statement.actions:
        service, colon, _ = action.partition(":")
        if colon and service and "*" not in service and "?" not in service:
            out.add(service.lower())
    return frozenset(out)


@lru_cache(maxsize=8192)
def _action_characters(statement: Statement) -> frozenset[str]:
    return frozenset("".join(statement.actions).lower())


def _fresh(used: frozenset[str]) -> str:
    """A letter that no pattern names (so it stands for every such letter)."""
    for ch in "zqxjkvwybfghmpudctlnorisea":
        if ch not in used:
            return ch
    for code in range(0x4E00, 0x9FFF):
        if chr(code) not in used:
            return chr(code)
    raise _TooComplex  # pragma: no cover - a policy naming 20,000 characters


# -- automata -----------------------------------------------------------------------------------------------
# A pattern is a tuple of tokens: ("c", ch) a character, ("?", "") / ("*", "") any one / any run, ("!", "") /
# ("~", "") any one / any run of characters other than ":" (ARN segments before the resource).
Token = tuple[str, str]
_STARS = frozenset({"*", "~"})


class _TooComplex(Exception):
    pass


@dataclass(frozen=True)
class _Automaton:
    """Membership in one statement's action or resource set: any of ``patterns`` matches, negated for
    ``NotAction``/``NotResource``. ``good``: being matched can only help a request be allowed (an Allow's
    ``Action``, a Deny's ``NotAction``); the exploration need not follow the characters such patterns name
    (a character no pattern names is a request that is refused at least as often)."""

    patterns: tuple[tuple[Token, ...], ...]
    negate: bool
    good: bool = False


def _glob_tokens(pattern: str) -> tuple[Token, ...]:
    out: list[Token] = []
    for kind, text in patterns.plain_tokens(patterns.tokenize(pattern, variables=False)):
        if kind == "wild":
            out.append((text, ""))
        else:
            out.extend(("c", ch) for ch in text)
    return tuple(out)


_REGEX_TOKEN = re.compile(r"\[\^:\]\*|\[\^:\]|\.\*|\.|\\(.)|(.)", re.DOTALL)
_REGEX_KINDS = {"[^:]*": "~", "[^:]": "!", ".*": "*", ".": "?"}


def _arn_tokens(pattern: str, crosses: bool) -> tuple[Token, ...]:
    """The tokens of the evaluator's own regular expression for an ARN pattern (one grammar, one reading)."""
    return _regex_tokens(
        patterns.arn_regex(
            patterns.plain_tokens(patterns.tokenize(pattern, variables=False)), trailing_star_crosses=crosses
        )
    )


def _regex_tokens(regex: str) -> tuple[Token, ...]:
    out: list[Token] = []
    for m in _REGEX_TOKEN.finditer(regex):
        kind = _REGEX_KINDS.get(m.group(0))
        out.append((kind, "") if kind else ("c", m.group(1) if m.group(1) is not None else m.group(2)))
    return tuple(out)


def _action_automata(
    statements: list[tuple[Policy, Statement, bool]], permissions: PermissionSet
) -> list[_Automaton]:
    out = {
        _Automaton(
            tuple(_glob_tokens(a.lower()) for a in s.actions),
            s.not_action,
            (s.effect == "Allow") != s.not_action,
        )
        for _, s, _ in statements
    }
    ps = permissions.policies
    if ps.rcps or (permissions.maybe is not None and permissions.maybe.rcps):
        # RCPs apply only to the services that support them: the service prefix tells requests apart.
        from ringfence.iam.catalogue import rcp_services

        services = permissions.options.rcp_services or rcp_services()
        out.update(_Automaton((_glob_tokens(f"{service}:*"),), False) for service in services)
    return sorted(out, key=repr)


def _resource_automata(
    statements: list[tuple[Policy, Statement, bool]], context: RequestContext
) -> list[_Automaton]:
    out: set[_Automaton] = set()
    for policy, s, crosses in statements:
        if s.resources is None or "*" in s.resources:
            continue  # every resource matches (or, for NotResource *, none): nothing to tell apart
        variables = policy.version != VERSION_2008
        texts: list[str] = []
        good = (s.effect == "Allow") != s.not_resource
        for r in s.resources:
            if not (variables and patterns.has_variables(r)):
                texts.append(r)
                continue
            # A variable the principal fixes is its value; otherwise the evaluator answers "unknown" or
            # "invalid" by the pattern's partition, service, region and account, so those are told apart.
            texts.append(_same_kind_pattern(r))
            good = False
            try:
                resolved = patterns.resolve(patterns.tokenize(r), context.get, UNKNOWN)
            except (patterns.Unresolved, patterns.UnknownValue):
                continue
            out.add(_Automaton((_resolved_tokens(resolved, crosses),), False))
        out.add(_Automaton(tuple(_arn_tokens(t, crosses) for t in texts), s.not_resource, good))
    return sorted(out, key=repr)


def _resolved_tokens(parts: tuple[tuple[str, str], ...], crosses: bool) -> tuple[Token, ...]:
    return _regex_tokens(patterns.arn_regex(parts, trailing_star_crosses=crosses))


# What a request's action and resource look like: ``service:name`` (neither empty, no further colon), and
# ``*`` or an ARN (``arn:`` and at least five colons).
_ACTION_SHAPE: tuple[tuple[Token, ...], ...] = ((("!", ""), ("~", ""), ("c", ":"), ("!", ""), ("~", "")),)
_RESOURCE_SHAPE: tuple[tuple[Token, ...], ...] = (
    (("c", "*"),),
    (
        *(("c", ch) for ch in "arn:"),
        *((("~", ""), ("c", ":")) * 4),
        ("*", ""),
    ),
)


def _representatives(
    automata: list[_Automaton], shape: tuple[tuple[Token, ...], ...], *, ignore_case: bool = False
) -> list[str]:
    """Strings of ``shape`` such that every string of that shape is matched by the same automata as one of
    them, or by fewer good and more other ones (breadth first, sorted)."""
    tokens: list[tuple[Token, ...]] = list(shape)
    follow = [True] * len(shape)
    owners: list[list[int]] = []
    for automaton in automata:
        ids = []
        for p in automaton.patterns:
            ids.append(len(tokens))
            tokens.append(p)
            follow.append(not automaton.good)
        owners.append(ids)
    n_shape = len(shape)
    fresh = _fresh(frozenset(ch.lower() for p in tokens for kind, ch in p if kind == "c"))
    if ignore_case:
        tokens = [tuple((k, c.lower()) for k, c in p) for p in tokens]

    def close(states: Iterable[tuple[int, int]]) -> frozenset[tuple[int, int]]:
        out: set[tuple[int, int]] = set()
        stack = list(states)
        while stack:
            pid, pos = stack.pop()
            if (pid, pos) in out:
                continue
            out.add((pid, pos))
            toks = tokens[pid]
            if pos < len(toks) and toks[pos][0] in _STARS:
                stack.append((pid, pos + 1))
        return frozenset(out)

    def step(state: frozenset[tuple[int, int]], ch: str) -> frozenset[tuple[int, int]]:
        nxt: list[tuple[int, int]] = []
        for pid, pos in state:
            toks = tokens[pid]
            if pos >= len(toks):
                continue
            kind, lit = toks[pos]
            if kind == "c":
                if lit == ch:
                    nxt.append((pid, pos + 1))
            elif ch == ":" and kind in ("!", "~"):
                continue
            elif kind in _STARS:
                nxt.append((pid, pos))
            else:
                nxt.append((pid, pos + 1))
        return close(nxt)

    start = close((pid, 0) for pid in range(len(tokens)))
    seen: set[frozenset[tuple[int, int]]] = {start}
    frontier: list[tuple[frozenset[tuple[int, int]], str]] = [(start, "")]
    found: dict[tuple[bool, ...], str] = {}
    while frontier:
        following: list[tuple[frozenset[tuple[int, int]], str]] = []
        for state, text in frontier:
            accepted = {pid for pid, pos in state if pos == len(tokens[pid])}
            if any(pid < n_shape for pid in accepted):
                vector = tuple(
                    any(pid in accepted for pid in ids) != automata[i].negate for i, ids in enumerate(owners)
                )
                found.setdefault(vector, text)
            # Characters a live pattern names, ":" and one character no pattern names stand for every other.
            chars = {":", fresh}
            for pid, pos in state:
                if follow[pid] and pos < len(tokens[pid]) and tokens[pid][pos][0] == "c":
                    chars.add(tokens[pid][pos][1])
            for ch in sorted(chars):
                nxt = step(state, ch)
                if nxt and nxt not in seen:
                    seen.add(nxt)
                    if len(seen) > MAX_STATES:
                        raise _TooComplex
                    following.append((nxt, text + ch))
        frontier = following
    return sorted(found.values())
