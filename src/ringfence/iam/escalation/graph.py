"""The escalation graph: a node per principal of the estate, and per permission set a principal can give
itself; an edge per documented path (and ``sts:AssumeRole``), each decided by the IAM evaluator on the
request that the step really makes.

A node is an :class:`Actor`: a principal (role or user) holding its own policies, plus what earlier steps
gave it (a policy it wrote or attached, the policies of a group it joined). Its requests are decided with its
permissions boundary, the organisation's SCPs and RCPs, and, for ``sts:AssumeRole``, the role's trust policy.
The request context holds what the estate fixes about the principal, the keys the action itself sets
(``iam:PassedToService``, ``iam:PolicyARN``, ``aws:RequestedRegion``) and the user's ``--context`` values;
``aws:MultiFactorAuthPresent`` is absent after a step that signs in with access keys. A step whose decision
depends on a value nobody fixes is an ``unknown`` edge naming the keys that decide it.

Kubernetes service accounts would be principals too (an IRSA or Pod Identity role is assumed by whoever runs
as the account): :func:`principal_nodes` is where such nodes would be added once the model relates them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import networkx as nx

from ringfence.iam import managed
from ringfence.iam.admin import decide as decide_admin
from ringfence.iam.admin import permission_set
from ringfence.iam.conditions import RequestContext
from ringfence.iam.engine import Engine
from ringfence.iam.escalation.paths import (
    ARN_FORMAT,
    CHOSEN,
    EXISTING,
    RUNS_AS,
    EscalationPath,
    catalogue,
    kind_of,
    service_of,
)
from ringfence.iam.estate_policies import acting_role, group_policies, groups_of
from ringfence.iam.evaluator import CompiledPolicySet, Decision, PolicySet, Request
from ringfence.iam.policy import Policy, Statement
from ringfence.iam.principals import match_entry, parse_principal
from ringfence.model import Resource
from ringfence.model.relations import SERVICE_ACCOUNT

ADMIN_POLICY_ARN = "arn:aws:iam::aws:policy/AdministratorAccess"
_ANY_POLICY = Policy(
    "an administrator policy",
    (Statement(effect="Allow", actions=("*",), resources=("*",)),),
    policy_type="identity",
)
_MFA = "aws:multifactorauthpresent"
_OPEN = RequestContext({}, complete=False)
# Attacker-chosen resources are tried under at most this many names taken from the policies.
_MAX_CHOSEN = 8


@dataclass(frozen=True)
class Actor:
    """A node: ``principal`` with the policies earlier steps gave it."""

    principal: Resource
    extra: tuple[Policy, ...] = ()
    groups: tuple[str, ...] = ()  # groups it joined on the way
    label: str = ""  # what it was given ("" for the principal as it is)
    keys: bool = False  # signed in with access keys: aws:MultiFactorAuthPresent is absent

    @property
    def key(self) -> str:
        return f"{self.principal.address} + {self.label}" if self.label else self.principal.address

    def given(self, policy: Policy, label: str, *, group: str = "", keys: bool | None = None) -> Actor:
        if label in self.label.split(", ") or any(p.name == policy.name for p in self.extra):
            return self  # it holds that already: the same node (cycles end here)
        labels = f"{self.label}, {label}" if self.label else label
        return Actor(
            self.principal,
            (*self.extra, policy) if policy.statements else self.extra,
            (*self.groups, group) if group else self.groups,
            labels,
            self.keys if keys is None else keys,
        )


@dataclass(frozen=True)
class Ask:
    """One request a step makes."""

    action: str
    resource: str
    context: tuple[tuple[str, str], ...] = ()
    trust: Resource | None = None  # the role whose trust policy must admit the request


@dataclass(frozen=True)
class Way:
    """One edge kind between two nodes: the path followed and how it was decided."""

    path_id: str
    action: str
    via: str
    resource: str
    status: str  # "allowed" or "unknown"
    decided_by: tuple[str, ...] = ()
    asks: tuple[Ask, ...] = field(default=(), compare=False)


@dataclass
class Graph:
    graph: Any  # networkx.DiGraph: node key -> {"actor": Actor}; edge -> {"ways": [Way...]}
    actors: dict[str, Actor]


def principal_nodes(engine: Engine) -> list[Actor]:
    """Every principal of the estate as it is (roles and users; groups are means, reached by joining)."""
    return [Actor(p) for p in engine.principals()]


class Decider:
    """Requests of actors decided by the evaluator, with compiled policy sets cached per actor."""

    def __init__(self, engine: Engine, context: Mapping[str, str | Sequence[str]] | None = None) -> None:
        self.engine = engine
        self.estate = engine.estate
        self.context = {k.lower(): v for k, v in (context or {}).items()}
        self._compiled: dict[tuple[str, str], CompiledPolicySet] = {}
        self._may: dict[tuple[str, str], bool] = {}
        self._admin: dict[str, bool | None] = {}
        self._free: dict[tuple[str, str], bool] = {}
        self._trusts: dict[str, tuple[CompiledPolicySet, CompiledPolicySet]] = {}
        self._decided: dict[tuple[str, bool, str, tuple[tuple[str, str], ...]], Decision] = {}
        self._contexts: dict[
            tuple[str, bool, str], tuple[dict[str, str | tuple[str, ...]], frozenset[str], tuple[str, ...]]
        ] = {}
        maybe = engine.undecided_organization_policies
        self._maybe = CompiledPolicySet(maybe, engine.options) if maybe is not None else None

    # -- policy sets ------------------------------------------------------------------------------------------
    def _set(self, actor: Actor, resource_policy: Policy | None = None) -> CompiledPolicySet:
        key = (actor.key, resource_policy.name if resource_policy is not None else "")
        found = self._compiled.get(key)
        if found is None:
            pp = self.engine.policies_of(actor.principal)
            found = CompiledPolicySet(
                PolicySet(
                    identity=(*pp.identity, *actor.extra),
                    boundary=pp.boundary,
                    resource=resource_policy,
                    scps=self.engine.scps,
                    rcps=self.engine.rcps,
                    management_account=self.engine.management_account,
                    resource_in_management_account=self.engine.management_account,
                ),
                self.engine.options,
            )
            if len(self._compiled) > 50_000:
                self._compiled.clear()
            self._compiled[key] = found
        return found

    def _identity_only(self, actor: Actor) -> CompiledPolicySet:
        """The actor's identity side alone, asked as if no resource policy had to allow."""
        key = (actor.key, "\x00identity")
        found = self._compiled.get(key)
        if found is None:
            base = self._set(actor).policies
            found = CompiledPolicySet(replace(base, resource_policy_required=False), self.engine.options)
            self._compiled[key] = found
        return found

    def may(self, actor: Actor, action: str) -> bool:
        """Could any Allow of the actor's identity policies match ``action`` at all (a cheap filter)?"""
        key = (actor.key, action)
        got = self._may.get(key)
        if got is None:
            a = action.lower()
            compiled = self._set(actor)
            plan = compiled._plan(a)
            got = any(not cs.deny for cs in plan.identity) and all(
                any(not cs.deny for cs in g) for g in plan.boundary
            )
            self._may[key] = got
        return got

    def reads(self, actor: Actor, action: str, key: str) -> bool:
        """Does a statement of the actor's policies that names ``action`` have a condition on ``key``?"""
        plan = self._set(actor)._plan(action.lower())
        groups = (plan.identity, *plan.boundary, *plan.scp)
        return any(c.key.lower() == key for g in groups for cs in g for c in cs.statement.conditions)

    def context_for(self, actor: Actor, ask: Ask, holder: Resource | None = None) -> RequestContext:
        cache_key = (actor.key, actor.keys, holder.address if holder is not None else "")
        got = self._contexts.get(cache_key)
        if got is None:
            base = self.engine.context_for(actor.principal, "*", holder, {})
            values: dict[str, str | tuple[str, ...]] = dict(base.values)
            values.setdefault("aws:requestedregion", self.estate.region)
            for k, v in self.context.items():
                values[k] = v if isinstance(v, str) else tuple(v)
            missing = set(base.absent)
            if actor.keys and _MFA not in self.context:
                values.pop(_MFA, None)
                missing.add(_MFA)
            got = (values, frozenset(missing), base.absent_prefixes)
            self._contexts[cache_key] = got
        values, absent, prefixes = got
        account = _account_of(ask.resource) or (
            self.estate.account_of(holder) if holder is not None else None
        )
        extra: dict[str, str | tuple[str, ...]] = dict(ask.context)
        if account and "aws:resourceaccount" not in self.context:
            extra["aws:resourceaccount"] = account
        merged = {**values, **extra} if extra else values
        return RequestContext(merged, complete=False, absent=absent, absent_prefixes=prefixes)

    def decide(self, actor: Actor, ask: Ask, *, explain: bool = False) -> Decision:
        if ask.trust is not None and not explain:
            return self._assume(actor, ask, ask.trust)
        if explain:
            return self._decide(actor, ask, explain=explain)
        # Where no statement for the action names a resource (or reads a key of it), the decision is the
        # same for every resource: decided once per actor, action and action-set keys.
        free = self._free.get((actor.key, ask.action))
        if free is None:
            plan = self._set(actor)._plan(ask.action.lower())
            groups = (plan.identity, *plan.boundary, *plan.scp, plan.rcp)
            free = all(
                cs.resource is None and not any("resource" in c.key.lower() for c in cs.statement.conditions)
                for g in groups
                for cs in g
            )
            self._free[(actor.key, ask.action)] = free
        if not free:
            return self._decide(actor, ask)
        key = (actor.key, actor.keys, ask.action, ask.context)
        got = self._decided.get(key)
        if got is None:
            got = self._decide(actor, ask)
            self._decided[key] = got
        return got

    def _decide(
        self, actor: Actor, ask: Ask, *, explain: bool = False, free_of_resource_policy: bool = False
    ) -> Decision:
        trust: Policy | None = None
        holder: Resource | None = ask.trust
        if ask.trust is not None:
            rp = self.engine.resource_policy_of(ask.trust)
            if not isinstance(rp, Policy):
                return Decision("implicit_deny", None if isinstance(rp, str) else False, unknown=(str(rp),))
            trust = rp
        compiled = self._identity_only(actor) if free_of_resource_policy else self._set(actor, trust)
        request = Request(
            principal=self.engine.principal_arn(actor.principal),
            action=ask.action,
            resource=ask.resource,
            resource_account=self.estate.account_of(holder) if holder is not None else self.estate.account_id,
            context=self.context_for(actor, ask, holder),
        )
        d = compiled.decide(request, explain=explain)
        if (
            d.allowed is True
            and self._maybe is not None
            and self._maybe.decide(request, explain=False).decision == "explicit_deny"
        ):
            why = "an SCP or RCP attached to an OU the estate does not place would deny it"
            return Decision(d.decision, None, d.statements, (*d.unknown, why), d.reasons, d.condition_keys)
        unreadable = self.engine.policies_of(actor.principal).unreadable
        if unreadable and d.decision != "explicit_deny":
            return Decision(
                d.decision, None, d.statements, (*d.unknown, *unreadable), d.reasons, d.condition_keys
            )
        return d

    def _assume(self, actor: Actor, ask: Ask, role: Resource) -> Decision:
        """``sts:AssumeRole`` in the same account, the identity side and the trust decided apart (so the
        actor's policies are compiled once, not once per role): a trust naming the principal itself is
        enough alone, one naming the account needs the identity side's allow; a deny anywhere refuses.
        https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic-cross-account.html
        """
        rp = self.engine.resource_policy_of(role)
        if not isinstance(rp, Policy):
            return Decision("implicit_deny", None if isinstance(rp, str) else False, unknown=(str(rp),))
        identity = self._decide(
            actor, Ask(ask.action, ask.resource, ask.context), free_of_resource_policy=True
        )
        if identity.decision == "explicit_deny":
            return identity
        alone, admits = self._trust_sets(role, rp)
        request = Request(
            principal=self.engine.principal_arn(actor.principal),
            action=ask.action,
            resource=ask.resource,
            resource_account=self.estate.account_of(role),
            context=self.context_for(actor, ask, role),
        )
        direct = alone.decide(request, explain=False)
        through = admits.decide(request, explain=False)
        if direct.decision == "explicit_deny" or through.decision == "explicit_deny":
            return direct if direct.decision == "explicit_deny" else through
        allowed = _or(direct.allowed, _and(through.allowed, identity.allowed))
        keys = tuple(
            dict.fromkeys((*identity.condition_keys, *direct.condition_keys, *through.condition_keys))
        )
        unknown = tuple(dict.fromkeys((*identity.unknown, *direct.unknown, *through.unknown)))
        return Decision(
            "allow" if allowed else "implicit_deny",
            allowed,
            unknown=unknown if allowed is None else (),
            condition_keys=keys,
        )

    def _trust_sets(self, role: Resource, trust: Policy) -> tuple[CompiledPolicySet, CompiledPolicySet]:
        """The trust on its own (what it grants with no identity policy) and with an identity side that
        allows everything (what it admits at all)."""
        got = self._trusts.get(role.address)
        if got is None:
            options = self.engine.options
            alone = CompiledPolicySet(PolicySet(resource=trust), options)
            admits = CompiledPolicySet(PolicySet(identity=(_ANY_POLICY,), resource=trust), options)
            got = (alone, admits)
            self._trusts[role.address] = got
        return got

    def could(self, actor: Actor, ask: Ask) -> bool:
        """Does an Allow of the actor's identity policies name this action and this resource (a cheap
        filter before the decision; conditions and variables are left to it)?"""
        plan = self._set(actor)._plan(ask.action.lower())
        for cs in plan.identity:
            if cs.deny:
                continue
            if cs.resource is None or cs.resource(ask.resource, _OPEN) is not False:
                return True
        return False

    def all_of(self, actor: Actor, asks: Sequence[Ask]) -> tuple[bool | None, tuple[str, ...]]:
        """Every ask allowed (True), one refused (False), else None with the condition keys that decide."""
        keys: list[str] = []
        result: bool | None = True
        if not all(ask.trust is not None or self.could(actor, ask) for ask in asks):
            return False, ()
        for ask in asks:
            d = self.decide(actor, ask)
            if d.allowed is False:
                return False, ()
            if d.allowed is None:
                result = None
                keys.extend(d.condition_keys or d.unknown)
        return result, tuple(dict.fromkeys(keys))

    def chosen(self, actor: Actor, action: str, template: str) -> list[str]:
        """Resources the attacker may name for an action that creates something: ``template`` and a name
        matching each pattern of the actor's Allow statements for the action."""
        out = [template]
        plan = self._set(actor)._plan(action.lower())
        for cs in plan.identity:
            s = cs.statement
            if cs.deny or s.not_resource or not s.resources:
                continue
            for pattern in s.resources:
                if "${" in pattern or not pattern.startswith("arn:"):
                    continue
                concrete = pattern.replace("*", "x").replace("?", "x")
                if concrete not in out:
                    out.append(concrete)
                if len(out) >= _MAX_CHOSEN:
                    return out
        return out

    # -- targets ----------------------------------------------------------------------------------------------
    def admin(self, actor: Actor) -> bool | None:
        """Admin-equivalent (see :mod:`ringfence.iam.admin`), with its boundary, against the SCP/RCP ceiling."""
        got = self._admin.get(actor.key, False)
        if actor.key in self._admin:
            return got
        pp = self.engine.policies_of(actor.principal)
        engine = self.engine
        identity = (*pp.identity, *actor.extra)
        allows = [s for p in identity for s in p.statements if s.effect == "Allow"]
        if not pp.unreadable and not any(
            s.not_action or any(a.startswith("*") for a in s.actions) for s in allows
        ):
            # Every Allow names its services: a service none names is refused (see ringfence.iam.admin).
            self._admin[actor.key] = False
            return False
        everything = any(
            s.actions == ("*",) and s.resources == ("*",) and not s.conditions and not s.not_action
            for s in allows
        )
        denies = any(s.effect == "Deny" for p in identity for s in p.statements)
        unlimited = not (pp.boundary or pp.unreadable or engine.scps or engine.rcps)
        if everything and not denies and unlimited and engine.undecided_organization_policies is None:
            self._admin[actor.key] = True
            return True
        ctx = self.context_for(actor, Ask("*", "*"))
        verdict = decide_admin(
            permission_set(
                PolicySet(
                    identity=(*pp.identity, *actor.extra),
                    boundary=pp.boundary,
                    scps=engine.scps,
                    rcps=engine.rcps,
                    management_account=engine.management_account,
                    resource_in_management_account=engine.management_account,
                ),
                engine.principal_arn(actor.principal),
                engine.estate.account_of(actor.principal),
                ctx,
                engine.options,
                maybe=engine.undecided_organization_policies,
                unreadable=bool(pp.unreadable),
                ceiling=True,
            )
        )
        self._admin[actor.key] = verdict.admin
        return verdict.admin


class Builder:
    """Edges out of each actor, for every documented path."""

    def __init__(self, decider: Decider, worth: Callable[[Actor], bool] | None = None) -> None:
        self.d = decider
        self._worth_fn = worth
        self._worth: dict[str, bool] = {}
        self.engine = decider.engine
        self.estate = decider.estate
        self.users = sorted(self.estate.of_kind("aws_iam_user"), key=lambda r: r.address)
        self.roles = sorted(self.estate.of_kind("aws_iam_role"), key=lambda r: r.address)
        self.groups = sorted(self.estate.of_kind("aws_iam_group"), key=lambda r: r.address)
        self._trusted: dict[tuple[str, str], bool | None] = {}
        self._index: dict[str, Resource] | None = None
        self._direct: dict[str, list[Resource]] | None = None
        self._anyone: list[Resource] = []
        self._runs_as: list[tuple[Resource, Resource]] | None = None
        self._admin_policy = managed.get(ADMIN_POLICY_ARN)
        self._customer = sorted(self.estate.of_kind("aws_iam_policy"), key=lambda r: r.address)

    def arn(self, r: Resource) -> str:
        if r.arn:
            return r.arn
        fmt = ARN_FORMAT.get(r.kind)
        partition, account, region = (
            self.estate.partition,
            self.estate.account_of(r),
            self.estate.region_of(r),
        )
        if fmt is not None:
            name = next((r.get(k) for k in fmt[1] if isinstance(r.get(k), str)), r.name)
            return f"arn:{partition}:" + fmt[0].format(region=region, account=account, name=name)
        if r.kind.startswith("aws_iam_"):
            return self.engine.principal_arn(r)
        return f"arn:{partition}:{r.kind.removeprefix('aws_')}:{region}:{account}:{r.name}"

    # -- edges ------------------------------------------------------------------------------------------------
    def moves(self, actor: Actor) -> bool:
        """Could the actor take any documented step at all (its Allow statements name every action of one)?"""
        return any(
            all(self.d.may(actor, a) for a in path.required if a != "sts:AssumeRole") for path in catalogue()
        )

    def worth(self, target: Actor) -> bool:
        """Is an edge to ``target`` worth deciding: it is a target, or it can move on (or was given a policy,
        which may make it either)?"""
        if target.label:
            return True
        got = self._worth.get(target.key)
        if got is None:
            got = self.moves(target) or (self._worth_fn(target) if self._worth_fn is not None else True)
            self._worth[target.key] = got
        return got

    def edges(self, actor: Actor) -> Iterator[tuple[Actor, Way]]:
        for path in catalogue():
            if not all(self.d.may(actor, a) for a in path.required if a != "sts:AssumeRole"):
                continue
            kind = kind_of(path)
            for target, via, resource, asks in self._candidates(actor, path, kind):
                if not self.worth(target):
                    continue
                ok, keys = self.d.all_of(actor, asks)
                if ok is False:
                    continue
                way = Way(
                    path.id,
                    " + ".join(path.required),
                    via,
                    resource,
                    "allowed" if ok else "unknown",
                    keys,
                    tuple(asks),
                )
                yield target, way

    def _candidates(
        self, actor: Actor, path: EscalationPath, kind: str
    ) -> Iterator[tuple[Actor, str, str, list[Ask]]]:
        me = actor.principal
        req = path.required
        if kind == "self":
            yield from self._self(actor, path)
        elif kind == "join" and me.kind == "aws_iam_user" and not actor.groups:
            # One group joined per path: a second join only adds to what the first one gave, and every
            # subset of groups as a node would not end.
            mine = {g.address for g in groups_of(self.estate, me)}
            for group in self.pool(actor, req[0], self.groups):
                if group.address in mine:
                    continue
                policies, unreadable = group_policies(self.estate, group)
                if not policies and not unreadable:
                    continue  # joining gives nothing
                merged = Policy(
                    group.address,
                    tuple(s for p in policies for s in p.statements),
                    policy_type="identity",
                )
                if unreadable:
                    continue  # what the group gives is not known: no node is built on it
                arn = self.arn(group)
                yield (
                    actor.given(merged, f"member of {group.address}", group=group.address),
                    group.address,
                    arn,
                    [Ask(a, arn) for a in req],
                )
        elif kind in ("user", "user+policy"):
            for user in self.pool(actor, req[-1], self.users):
                if user.address == me.address:
                    continue
                arn = self.arn(user)
                keys = any(a == "iam:CreateAccessKey" for a in req)
                if kind == "user":
                    yield Actor(user, keys=keys), user.address, arn, [Ask(a, arn) for a in req]
                    continue
                for policy, label, ctx in self._grants(actor, req, arn):
                    target = Actor(user, keys=True).given(policy, label)
                    asks = [Ask(a, arn, ctx if a.startswith("iam:Attach") else ()) for a in req]
                    yield target, user.address, arn, asks
        elif kind == "assume":
            for role in self.assumable(actor):
                if role.address != me.address and self._trusts(role, actor):
                    arn = self.arn(role)
                    yield Actor(role), role.address, arn, [Ask("sts:AssumeRole", arn, trust=role)]
        elif kind == "trust":
            for role in self.pool(actor, req[0], self.roles):
                if role.address != me.address:
                    arn = self.arn(role)
                    yield Actor(role), role.address, arn, [Ask(a, arn) for a in req]
        elif kind == "role+policy":
            yield from self._role_policy(actor, path)
        elif kind == "pass":
            yield from self._pass(actor, path)
        elif kind == "existing":
            yield from self._existing(actor, path)

    def _grants(
        self, actor: Actor, req: Sequence[str], arn: str
    ) -> Iterator[tuple[Policy, str, tuple[tuple[str, str], ...]]]:
        """What a step gives: any policy it writes (Put*Policy, CreatePolicyVersion), or the managed policy
        it attaches: AdministratorAccess, else (when ``iam:PolicyARN`` or the resource rules that out) each
        customer managed policy of the estate."""
        attach = next((a for a in req if a.startswith("iam:Attach")), None)
        if attach is None:
            yield _ANY_POLICY, _ANY_POLICY.name, ()
            return
        admin_ctx = (("iam:policyarn", ADMIN_POLICY_ARN),)
        if self._admin_policy is not None:
            # AdministratorAccess allows what a policy it writes would: one end state, one node.
            yield _ANY_POLICY, _ANY_POLICY.name, admin_ctx
            if self.d.decide(actor, Ask(attach, arn, admin_ctx)).allowed is not False:
                return
        if not self.d.reads(actor, attach, "iam:policyarn"):
            return  # refused whatever the policy: no other policy to try
        from ringfence.iam.estate_policies import policy_of

        for r in self._customer:
            ctx = (("iam:policyarn", self.arn(r)),)
            if self.d.decide(actor, Ask(attach, arn, ctx)).allowed is False:
                continue
            got = policy_of(r, "policy", name=r.address, policy_type="identity", root=self.estate.root_path)
            if isinstance(got, Policy):
                yield got, r.address, ctx

    def _self(self, actor: Actor, path: EscalationPath) -> Iterator[tuple[Actor, str, str, list[Ask]]]:
        me = actor.principal
        action = path.required[0]
        if action == "iam:CreatePolicyVersion":
            for held in self._customer_policies_of(actor):
                arn = self.arn(held)
                yield (
                    actor.given(_ANY_POLICY, f"new version of {held.address}"),
                    held.address,
                    arn,
                    [Ask(action, arn)],
                )
            return
        if action in ("iam:PutGroupPolicy", "iam:AttachGroupPolicy"):
            if me.kind != "aws_iam_user":
                return
            groups = {g.address: g for g in groups_of(self.estate, me)}
            for address in actor.groups:
                g = self.estate.get(address)
                if g is not None:
                    groups[address] = g
            for address in sorted(groups):
                arn = self.arn(groups[address])
                for policy, label, ctx in self._grants(actor, path.required, arn):
                    yield (
                        actor.given(policy, f"{label} on {address}"),
                        f"{address} (own group)",
                        arn,
                        [Ask(action, arn, ctx)],
                    )
            return
        wanted = "aws_iam_user" if "User" in action else "aws_iam_role"
        if me.kind != wanted:
            return
        arn = self.arn(me)
        for policy, label, ctx in self._grants(actor, path.required, arn):
            yield actor.given(policy, label), f"{me.address} (itself)", arn, [Ask(action, arn, ctx)]

    def _role_policy(self, actor: Actor, path: EscalationPath) -> Iterator[tuple[Actor, str, str, list[Ask]]]:
        req = path.required
        modify = req[0]
        roles = (
            self.assumable(actor)
            if "sts:AssumeRole" in req
            else self.pool(actor, "iam:UpdateAssumeRolePolicy", self.roles)
        )
        for role in roles:
            if role.address == actor.principal.address:
                continue
            arn = self.arn(role)
            become = (
                Ask("sts:AssumeRole", arn, trust=role)
                if "sts:AssumeRole" in req
                else Ask("iam:UpdateAssumeRolePolicy", arn)
            )
            if become.trust is not None and not self._trusts(role, actor):
                continue
            if modify == "iam:CreatePolicyVersion":
                for held in self._customer_policies_of(Actor(role)):
                    parn = self.arn(held)
                    target = Actor(role).given(_ANY_POLICY, f"new version of {held.address}")
                    yield target, f"{role.address} via {held.address}", arn, [Ask(modify, parn), become]
                continue
            for policy, label, ctx in self._grants(actor, req, arn):
                yield Actor(role).given(policy, label), role.address, arn, [Ask(modify, arn, ctx), become]

    def _pass(self, actor: Actor, path: EscalationPath) -> Iterator[tuple[Actor, str, str, list[Ask]]]:
        service = service_of(path)
        others = [a for a in path.required if a != "iam:PassRole"]
        region, account = self.estate.region, self.estate.account_id
        for role in self.pool(actor, "iam:PassRole", self.roles):
            if role.address == actor.principal.address or not self._trusts_service(role, service):
                continue
            arn = self.arn(role)
            asks = [Ask("iam:PassRole", arn, (("iam:passedtoservice", service),))]
            for action in others:
                svc = action.split(":", 1)[0]
                template = f"arn:{self.estate.partition}:{svc}:{region}:{account}:*"
                names = self.d.chosen(actor, action, template)
                best = next(
                    (n for n in names if self.d.decide(actor, Ask(action, n)).allowed is True),
                    next(
                        (n for n in names if self.d.decide(actor, Ask(action, n)).allowed is None), names[0]
                    ),
                )
                asks.append(Ask(action, best))
            yield Actor(role), role.address, arn, asks

    def _existing(self, actor: Actor, path: EscalationPath) -> Iterator[tuple[Actor, str, str, list[Ask]]]:
        for resource, role in self._resources_with_roles():
            if resource.kind not in EXISTING[path.id] or role.address == actor.principal.address:
                continue
            arn = self.arn(resource)
            asks = []
            for action in path.required:
                if action in CHOSEN:
                    names = self.d.chosen(actor, action, "*")
                    best = next((n for n in names if self.d.decide(actor, Ask(action, n)).allowed), names[0])
                    asks.append(Ask(action, best))
                else:
                    asks.append(Ask(action, arn))
            yield Actor(role), f"{resource.address} (runs as {role.address})", arn, asks

    # -- candidate targets ------------------------------------------------------------------------------------
    def pool(self, actor: Actor, action: str, pool: Sequence[Resource]) -> Sequence[Resource]:
        """The members of ``pool`` an Allow of the actor's identity policies may name for ``action``: looked up
        by ARN when every such statement names literal ARNs, else all of them (the decision filters)."""
        plan = self.d._set(actor)._plan(action.lower())
        literal: set[str] = set()
        for cs in plan.identity:
            if cs.deny:
                continue
            st = cs.statement
            if cs.resource is None or st.not_resource or st.resources is None:
                return pool
            for r in st.resources:
                if any(ch in r for ch in "*?$"):
                    return pool
                literal.add(r)
        if self._index is None:
            self._index = {self.arn(r): r for r in (*self.users, *self.roles, *self.groups)}
        found = {self._index[a].address: self._index[a] for a in literal if a in self._index}
        return [r for r in pool if r.address in found]

    def assumable(self, actor: Actor) -> list[Resource]:
        """Roles the actor may assume as far as the cheap filters tell: those its identity policies may name
        for sts:AssumeRole, and those whose trust names it (or everyone) directly."""
        if self._direct is None:
            direct: dict[str, list[Resource]] = {}
            anyone: list[Resource] = []
            for role in self.roles:
                trust = self.engine.resource_policy_of(role)
                if not isinstance(trust, Policy):
                    if isinstance(trust, str):
                        anyone.append(role)
                    continue
                for st in trust.statements:
                    if st.effect != "Allow" or st.principals is None:
                        continue
                    if st.not_principal:
                        anyone.append(role)
                        continue
                    for e in st.principals:
                        if e.kind == "*" or (e.kind == "AWS" and e.value == "*"):
                            anyone.append(role)
                        elif e.kind == "AWS":
                            direct.setdefault(e.value, []).append(role)
            self._direct, self._anyone = direct, anyone
        arn = self.engine.principal_arn(actor.principal)
        out = {r.address: r for r in self.pool(actor, "sts:AssumeRole", self.roles)}
        for r in (*self._direct.get(arn, ()), *self._anyone):
            out[r.address] = r
        return [out[k] for k in sorted(out)]

    # -- the estate's facts -----------------------------------------------------------------------------------
    def _customer_policies_of(self, actor: Actor) -> list[Resource]:
        """The customer managed policies the actor holds (directly or through its groups)."""
        found: dict[str, Resource] = {}
        for p in self.engine.policies_of(actor.principal).identity:
            r = self.estate.get(p.name)
            if r is not None and r.kind == "aws_iam_policy":
                found[r.address] = r
        return [found[k] for k in sorted(found)]

    def _trusts(self, role: Resource, actor: Actor) -> bool:
        """Could the role's trust admit the actor (a cheap filter; the evaluator decides)? A trust that names
        only the account admits it only where its identity policies allow sts:AssumeRole on the role."""
        key = (role.address, actor.principal.address)
        got = self._trusted.get(key)
        if got is None:
            trust = self.engine.resource_policy_of(role)
            got = isinstance(trust, str)  # unreadable: asked, and the evaluator says unknown
            if isinstance(trust, Policy):
                who = parse_principal(self.engine.principal_arn(actor.principal))
                kinds = {
                    "star" if s.not_principal else match_entry(e, who)
                    for s in trust.statements
                    if s.effect == "Allow" and s.principals is not None
                    for e in (s.principals if not s.not_principal else s.principals[:1])
                } - {None}
                got = bool(kinds)
                if kinds == {"account"}:
                    got = None  # decided per actor below
            self._trusted[key] = got
        if got is None:
            return self.d.could(actor, Ask("sts:AssumeRole", self.arn(role)))
        return bool(got)

    def _trusts_service(self, role: Resource, service: str) -> bool:
        key = (role.address, service)
        got = self._trusted.get(key)
        if got is None:
            trust = self.engine.resource_policy_of(role)
            got = False
            if isinstance(trust, Policy):
                decision = CompiledPolicySet(PolicySet(resource=trust)).decide(
                    Request(
                        service, "sts:AssumeRole", self.arn(role), None, RequestContext({}, complete=False)
                    ),
                    explain=False,
                )
                got = decision.allowed is not False
            self._trusted[key] = got
        return got

    def _resources_with_roles(self) -> list[tuple[Resource, Resource]]:
        """Every resource that runs as a role, matched by its kind and its relation to the role."""
        if self._runs_as is None:
            found: list[tuple[Resource, Resource]] = []
            for kind in sorted(RUNS_AS):
                for r in sorted(self.estate.of_kind(kind), key=lambda x: x.address):
                    role = self._role_of(r)
                    if role is not None:
                        found.append((r, role))
            self._runs_as = found
        return self._runs_as

    def _role_of(self, r: Resource) -> Resource | None:
        for attr in RUNS_AS.get(r.kind, ()):
            for target in self.estate.targets(r, attr):
                if target.kind == "aws_iam_role":
                    return target
                if target.kind == "aws_iam_instance_profile":
                    found = self.estate.target(target, "role")
                    if found is not None:
                        return found
                    name = target.get("role")
                    hit = next(
                        (x for x in self.roles if isinstance(name, str) and name == x.get("name")), None
                    )
                    if hit is not None:
                        return hit
            value = r.get(attr)
            names = [value] if isinstance(value, str) else []
            if isinstance(value, dict):
                names = [v for v in value.values() if isinstance(v, str)]
            for name in names:
                for role in self.roles:
                    if name in (role.arn, role.get("name"), self.arn(role)):
                        return role
                for profile in self.estate.of_kind("aws_iam_instance_profile"):
                    if name in (profile.arn, profile.get("name")):
                        found = self.estate.target(profile, "role")
                        if found is not None:
                            return found
        return None


def _and(a: bool | None, b: bool | None) -> bool | None:
    if a is False or b is False:
        return False
    return None if a is None or b is None else True


def _or(a: bool | None, b: bool | None) -> bool | None:
    if a is True or b is True:
        return True
    return None if a is None or b is None else False


def _account_of(arn: str) -> str | None:
    parts = arn.split(":", 5)
    return parts[4] if len(parts) == 6 and parts[4].isdigit() else None


def build(
    engine: Engine,
    context: Mapping[str, str | Sequence[str]] | None = None,
    *,
    stop: Callable[[Decider, Actor], bool] | None = None,
    goal: Callable[[Decider, Actor], bool | None] | None = None,
    enough: int = 6,
) -> tuple[Graph, Decider]:
    """The graph of every node reachable from the estate's principals, breadth first; no edge leaves a
    node for which ``stop`` holds (a target: nothing beyond it is asked). An edge to a principal that is not
    a ``goal`` and can take no documented step leads nowhere and is not decided."""
    decider = Decider(engine, context)
    builder = Builder(decider, (lambda a: goal(decider, a) is not False) if goal is not None else None)
    g = nx.DiGraph()
    actors: dict[str, Actor] = {}
    frontier = principal_nodes(engine)
    for a in frontier:
        actors[a.key] = a
        g.add_node(a.key)
    seen = set(actors)
    for actor in frontier:
        # A Kubernetes service account's pods hold its role's credentials: every path of the role is theirs.
        role = (
            acting_role(engine.estate, actor.principal) if actor.principal.kind == SERVICE_ACCOUNT else None
        )
        if role is not None and role.address in actors:
            way = Way(
                "workload-identity",
                "sts:AssumeRoleWithWebIdentity",
                role.address,
                role.arn or role.address,
                "allowed",
            )
            g.add_edge(actor.key, role.address, ways=[way])
    while frontier:
        following: list[Actor] = []
        for actor in frontier:
            if stop is not None and stop(decider, actor):
                continue
            direct = 0
            for target, way in builder.edges(actor):
                if goal is not None and way.status == "allowed" and goal(decider, target) is True:
                    direct += 1
                    if direct > enough:
                        # Its shortest path is one step, and enough others are known: more edges out of
                        # it would only give longer paths to whoever passes through it.
                        break
                if target.key not in actors:
                    actors[target.key] = target
                    g.add_node(target.key)
                if target.key not in seen:
                    seen.add(target.key)
                    following.append(target)
                if g.has_edge(actor.key, target.key):
                    g[actor.key][target.key]["ways"].append(way)
                else:
                    g.add_edge(actor.key, target.key, ways=[way])
        frontier = sorted(following, key=lambda a: a.key)
    for _, _, data in g.edges(data=True):
        data["ways"].sort(key=lambda w: (w.status != "allowed", w.path_id, w.via))
    return Graph(g, actors), decider
