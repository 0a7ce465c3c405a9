"""Policy comparison, decided over the whole request space with z3: does NEW allow anything OLD does not,
and does a policy grant any of some actions (on some resources) at all.

Both questions are one satisfiability query over the symbolic request of :mod:`ringfence.iam.smt`:

- ``compare(old, new)``: is there a request (principal, action, resource, condition keys present or
  absent and their values) that NEW's permission set allows and OLD's does not? A permission set is the
  identity policies of one subject (any Allow applies, no Deny of any of them applies), capped by its
  permissions boundary when it has one, or one resource policy (with its principals);
- ``not_granted(policies, actions, resources)``: is there a request for one of ``actions`` (patterns
  allowed: ``s3:Delete*``) on one of ``resources`` (or any resource) that the set allows?

Three answers each: a concrete example request when the answer is "more access" / "granted" (found by the
solver and confirmed by the evaluator, else the answer is ``unknown``); "no new access" / "not granted"
only when the solver proves that no request exists; ``unknown`` when some policy could not be read in
full, when the encoding cannot express a part exactly, or when the solver gives up within its time
(``RINGFENCE_COMPARE_TIMEOUT_MS`` per query). Unknown is never "no new access".
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from ringfence.iam.access import _ACCOUNT, _ALLOW_ALL
from ringfence.iam.evaluator import CompiledPolicySet, PolicySet
from ringfence.iam.policy import Policy, Statement, parse_policy
from ringfence.iam.principals import parse_principal
from ringfence.limits import env_limit

if TYPE_CHECKING:
    from ringfence.iam.smt import Caller, Encoding, Example

Verdict = Literal["more-access", "no-new-access", "granted", "not-granted", "unknown"]

_TIMEOUT_MS = 10_000.0
# The account a resource is taken to be in when confirming an example against a resource policy: named
# nowhere, so the caller is always outside it and the resource policy alone decides.
_RESOURCE_ACCOUNT = "000000000000"


@dataclass(frozen=True)
class PermissionSet:
    """What is compared: the identity policies of one subject and its boundary, or one resource policy
    (``resource`` true: its principals decide who). ``unreadable``: why some part is not known."""

    name: str
    policies: tuple[Policy, ...] = ()
    boundary: tuple[Policy, ...] = ()
    resource: bool = False
    unreadable: tuple[str, ...] = ()

    def problems(self) -> list[str]:
        out = list(self.unreadable)
        for p in (*self.policies, *self.boundary):
            if p.problems:
                out.append(f"{p.name} could not be read in full ({p.problems[0].message})")
        return out


@dataclass(frozen=True)
class Opening:
    """A statement that allows the example."""

    policy: str
    sid: str | None
    index: int
    path: str | None
    line: int | None

    def as_json(self) -> dict[str, object]:
        out: dict[str, object] = {"policy": self.policy, "sid": self.sid, "index": self.index}
        if self.path:
            out["path"] = self.path
        if self.line is not None:
            out["line"] = self.line
        return out


@dataclass(frozen=True)
class Answer:
    verdict: Verdict
    example: Example | None = None
    statements: tuple[Opening, ...] = ()
    reason: str = ""

    def as_json(self) -> dict[str, object]:
        out: dict[str, object] = {"result": self.verdict}
        if self.example is not None:
            out["example"] = self.example.as_json()
        if self.statements:
            out["statements"] = [s.as_json() for s in self.statements]
        if self.reason:
            out["reason"] = self.reason
        return out


def compare(old: PermissionSet, new: PermissionSet, *, timeout_ms: float | None = None) -> Answer:
    """Whether ``new`` allows a request that ``old`` does not."""
    problems = old.problems() + new.problems()
    if problems:
        return Answer("unknown", reason=problems[0])
    if not _allows_anything(new):
        return Answer("no-new-access", reason=f"{new.name} allows nothing")
    from ringfence.iam import smt

    try:
        query = _Query((old, new), timeout_ms)
        found = query.solve(query.allowed(new), query.denied_by(old))
    except smt.Unsupported as exc:
        return Answer("unknown", reason=f"not decided: {exc}")
    if isinstance(found, str):
        return Answer("unknown", reason=found)
    if found is None:
        return Answer("no-new-access")
    if not (query.confirms(new, found) is True and query.confirms(old, found) is False):
        return Answer("unknown", reason="the example the solver found is not confirmed by the evaluator")
    return Answer("more-access", found, query.openings(new, found))


def not_granted(
    subject: PermissionSet,
    actions: Sequence[str],
    resources: Sequence[str] = (),
    *,
    timeout_ms: float | None = None,
) -> Answer:
    """Whether ``subject`` grants none of ``actions`` (on ``resources``, or on any resource)."""
    problems = subject.problems()
    if problems:
        return Answer("unknown", reason=problems[0])
    if not _allows_anything(subject):
        return Answer("not-granted", reason=f"{subject.name} allows nothing")
    from ringfence.iam import patterns, smt

    try:
        query = _Query((subject,), timeout_ms, extra_actions=actions)
        import z3

        enc = query.enc
        matchers = [patterns.glob_matcher(a.lower()) for a in actions]
        hits = [i for i, a in enumerate(enc.actions) if any(m(a) for m in matchers)]
        if not hits:
            return Answer("not-granted", reason="no action of the catalogue matches the actions asked")
        wanted = [z3.Or(*(enc.action == i for i in hits))]
        if resources:
            wanted.append(z3.Or(*(z3.InRe(enc.resource, smt.arn_re(r)) for r in resources)))
        found = query.solve(query.allowed(subject), *wanted)
    except smt.Unsupported as exc:
        return Answer("unknown", reason=f"not decided: {exc}")
    if isinstance(found, str):
        return Answer("unknown", reason=found)
    if found is None:
        return Answer("not-granted")
    if query.confirms(subject, found) is not True:
        return Answer("unknown", reason="the example the solver found is not confirmed by the evaluator")
    return Answer("granted", found, query.openings(subject, found))


def _allows_anything(subject: PermissionSet) -> bool:
    return any(s.effect == "Allow" for p in subject.policies for s in p.statements)


class _Query:
    """One encoding of every policy of the sets compared, and the queries over it."""

    def __init__(
        self, sets: Sequence[PermissionSet], timeout_ms: float | None, extra_actions: Iterable[str] = ()
    ) -> None:
        import z3

        from ringfence.iam import smt

        self.smt = smt
        self.timeout_ms = (
            env_limit("RINGFENCE_COMPARE_TIMEOUT_MS", _TIMEOUT_MS) if timeout_ms is None else timeout_ms
        )
        policies = [p for s in sets for p in (*s.policies, *s.boundary)]
        self.policies = policies
        taken = _accounts_in(policies)
        callers = _callers(policies, taken)
        asked = tuple(extra_actions)
        # The actions asked about split the classes of actions as a policy's patterns do.
        probe = [_asking(asked)] if asked else []
        self.enc: Encoding = smt.Encoding(
            policies,
            actions=smt.action_classes([*policies, *probe], extra=[a for a in asked if "*" not in a]),
            callers=callers,
            accounts=smt.account_candidates(policies, taken),
        )
        from ringfence.iam.access import principal_keys

        enc = self.enc
        # What a request carries in the keys set from its principal follows from who the principal is.
        self.consistent = [
            z3.Implies(enc.who == i, z3.And(*principal_keys(enc, i, public=False)))
            for i in range(len(callers))
        ]

    def allowed(self, subject: PermissionSet) -> Any:
        import z3

        enc = self.enc
        allow = [enc.applies(p, s) for p in subject.policies for s in p.statements if s.effect == "Allow"]
        deny = [enc.denied(p) for p in (*subject.policies, *subject.boundary)]
        parts = [z3.Or(*allow) if allow else z3.BoolVal(False), z3.Not(z3.Or(*deny)) if deny else True]
        parts.extend(enc.allows(b) for b in subject.boundary)
        return z3.And(*parts)

    def denied_by(self, subject: PermissionSet) -> Any:
        import z3

        return z3.Not(self.allowed(subject))

    def solve(self, *constraints: Any) -> Example | str | None:
        """The example of a request that meets ``constraints``; None when there is none; the reason when
        the solver gave up."""
        import z3

        solver = self.enc.solver(int(self.timeout_ms))
        solver.add(*self.consistent, *constraints)
        result = solver.check()
        if result == z3.unsat:
            return None
        if result != z3.sat:
            return f"the solver gave no answer within {int(self.timeout_ms)} ms ({solver.reason_unknown()})"
        return self.enc.example(solver.model())

    def confirms(self, subject: PermissionSet, example: Example) -> bool | None:
        """The evaluator's own decision of ``example`` under ``subject`` alone."""
        if subject.resource:
            policy = subject.policies[0] if subject.policies else None
            sets = PolicySet(identity=(_ALLOW_ALL,), resource=policy)
            account: str | None = _RESOURCE_ACCOUNT
        else:
            sets = PolicySet(identity=subject.policies, boundary=subject.boundary)
            account = None
        if not subject.policies:
            return False
        return CompiledPolicySet(sets).decide(example.request(account), explain=False).allowed

    def openings(self, subject: PermissionSet, example: Example) -> tuple[Opening, ...]:
        """The Allow statements of ``subject`` that apply to ``example``."""
        out = []
        for policy in subject.policies:
            for statement in policy.statements:
                if statement.effect != "Allow":
                    continue
                one = PolicySet(identity=(_only(policy, statement),), boundary=())
                if subject.resource:
                    one = PolicySet(identity=(_ALLOW_ALL,), resource=_only(policy, statement))
                account = _RESOURCE_ACCOUNT if subject.resource else None
                if CompiledPolicySet(one).decide(example.request(account), explain=False).allowed:
                    line = statement.line if statement.line is not None else policy.line
                    out.append(Opening(policy.name, statement.sid, statement.index, policy.path, line))
        return tuple(out)


def _asking(actions: Sequence[str]) -> Policy:
    """A policy that names the actions asked about (it is never part of a permission set)."""
    return parse_policy(
        {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": list(actions), "Resource": "*"}],
        },
        name="(the actions asked about)",
    )


def _only(policy: Policy, statement: Statement) -> Policy:
    from dataclasses import replace

    return replace(policy, statements=(statement,), problems=())


def _accounts_in(policies: Sequence[Policy]) -> set[str]:
    from ringfence.iam.access import _accounts_in as named_in

    return {a for p in policies for a in named_in(p)}


def _callers(policies: Sequence[Policy], accounts: set[str]) -> list[Caller]:
    """The shapes of request principal that the policies' Principal elements can tell apart: anonymous, an
    unnamed role and user, and for every account the policies name its root, a role and a user of it, and
    every principal they spell out. Identity policies (no Principal element anywhere) have one caller."""
    from ringfence.iam import smt

    spelled = sorted(
        {
            pr.value
            for p in policies
            for s in p.statements
            for pr in s.principals or ()
            if pr.value != "*" and not _ACCOUNT.match(pr.value) and "*" not in pr.value
        }
    )
    if not any(s.principals is not None for p in policies for s in p.statements):
        return [smt.Caller("holder", "role")]
    out = [smt.Caller("*", "anonymous"), smt.Caller("*", "role"), smt.Caller("*", "user")]
    for account in sorted(accounts):
        out.append(smt.Caller(account, "arn", arn=f"arn:aws:iam::{account}:root"))
        out.append(smt.Caller(account, "role", account=account))
        out.append(smt.Caller(account, "user", account=account))
    for value in spelled:
        who = parse_principal(value)
        if who.kind == "root":
            continue
        out.append(smt.Caller(value, "arn", arn=value))
    return out


# -- estates --------------------------------------------------------------------------------------------------
_PRINCIPAL_KINDS = ("aws_iam_user", "aws_iam_role", "aws_iam_group")


def subjects(estate: Any) -> dict[str, PermissionSet]:
    """Every permission set of an estate by address: each user's, role's and group's identity policies
    with its boundary, and each resource policy (a role's trust policy as ``ADDRESS (trust)``)."""
    from ringfence.iam.estate_policies import (
        RESOURCE_POLICY_HOLDERS,
        group_policies,
        principal_policies,
        resource_policy,
    )

    out: dict[str, PermissionSet] = {}
    for kind in _PRINCIPAL_KINDS:
        for r in estate.of_kind(kind):
            if kind == "aws_iam_group":
                policies, unreadable = group_policies(estate, r)
                out[r.address] = PermissionSet(r.address, policies, (), False, unreadable)
            else:
                got = principal_policies(estate, r)
                out[r.address] = PermissionSet(r.address, got.identity, got.boundary, False, got.unreadable)
    for kind in sorted(RESOURCE_POLICY_HOLDERS):
        for r in estate.of_kind(kind):
            policy = resource_policy(estate, r)
            if policy is None:
                continue
            name = f"{r.address} (trust)" if kind == "aws_iam_role" else r.address
            if isinstance(policy, str):
                out[name] = PermissionSet(name, (), (), True, (policy,))
            else:
                out[name] = PermissionSet(name, (policy,), (), True)
    return out


def policy_file(name: str, text: str) -> PermissionSet:
    """A policy document read from a file: a resource policy when a statement names a principal."""
    policy = parse_policy(text, name=name, path=name)
    resource = any(s.principals is not None for s in policy.statements)
    if resource:
        policy = parse_policy(text, name=name, path=name, policy_type="resource")
    return PermissionSet(name, (policy,), (), resource)
