"""``Engine.can(principal, action, resource, context) -> Decision`` over an estate.

The engine resolves names (addresses, bare names, ARNs), gathers each principal's policies once, compiles
them once per (principal, guarded resource) pair, and fills the request context with what the estate
fixes (principal ARN, account, tags, user name, resource account and tags). Every other condition key is
*unknown* unless given: a decision that depends on one is ``allowed: None`` with the key named.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from ringfence.iam.conditions import RequestContext
from ringfence.iam.estate_policies import (
    PRINCIPAL_KINDS,
    PrincipalPolicies,
    acting_role,
    holder_for_arn,
    organization_policies,
    principal_policies,
    resource_policy,
)
from ringfence.iam.evaluator import CompiledPolicySet, Decision, EvalOptions, PolicySet, Request
from ringfence.iam.policy import Policy, parse_policy
from ringfence.model import Estate, Resource
from ringfence.model.relations import SERVICE_ACCOUNT


class ResolveError(LookupError):
    """A name that does not resolve; ``candidates`` lists the possible matches when it is ambiguous."""

    def __init__(
        self, message: str, candidates: Sequence[str] = (), *, ambiguous: bool = False, name: str = ""
    ) -> None:
        super().__init__(message)
        self.candidates = tuple(candidates)
        self.ambiguous = ambiguous
        self.name = name  # the name that matched nothing ("" when ambiguous)


@dataclass(frozen=True)
class Answer:
    """A decision with the names it was asked with (for the CLI and reports)."""

    principal: str
    action: str
    resource: str
    decision: Decision
    notes: tuple[str, ...] = ()


class Engine:
    def __init__(
        self,
        estate: Estate,
        *,
        options: EvalOptions | None = None,
        scps: tuple[tuple[Policy, ...], ...] | None = None,
        rcps: tuple[tuple[Policy, ...], ...] | None = None,
        management_account: bool = False,
    ) -> None:
        """``scps``/``rcps``: the organisation path of every account (root first). By default each account's
        are read from the estate's ``aws_organizations_policy`` attachments and OUs (see
        :func:`~ringfence.iam.estate_policies.organization_policies`): SCPs by the principal's account, RCPs
        by the resource's."""
        self.estate = estate
        self.options = options or EvalOptions()
        self._given = (scps, rcps, management_account)
        self._orgs: dict[str, Organization] = {}
        home = self.organization_of(estate.account_id)
        self.notes: tuple[str, ...] = home.notes
        self.scps = home.scps
        self.rcps = home.rcps
        self.management_account = home.management
        self._principal_policies: dict[str, PrincipalPolicies] = {}
        self._resource_policies: dict[str, Policy | str | None] = {}
        self._compiled: dict[tuple[str, str | None, str], CompiledPolicySet] = {}

    def organization_of(self, account: str) -> Organization:
        """The SCPs and RCPs on ``account``'s path, read once per account."""
        found = self._orgs.get(account)
        if found is not None:
            return found
        scps, rcps, management = self._given
        notes: tuple[str, ...] = ()
        maybe_scps: tuple[Policy, ...] = ()
        maybe_rcps: tuple[Policy, ...] = ()
        unreadable_scps: tuple[str, ...] = ()
        unreadable_rcps: tuple[str, ...] = ()
        if scps is None:
            org = organization_policies(self.estate, "SERVICE_CONTROL_POLICY", account)
            scps, maybe_scps, notes = org.levels, org.unplaced, notes + org.notes
            unreadable_scps, management = org.unreadable, management or org.management
        if rcps is None:
            org = organization_policies(self.estate, "RESOURCE_CONTROL_POLICY", account)
            rcps, maybe_rcps, notes = org.levels, org.unplaced, notes + org.notes
            unreadable_rcps, management = org.unreadable, management or org.management
        # Organisation policies that may or may not apply (attached to an OU the estate does not place): a
        # request one of them would deny is undecided, not allowed. Only their denies are asked.
        maybe: CompiledPolicySet | None = None
        if maybe_scps or maybe_rcps:
            everything = parse_policy(
                {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]},
                name="FullAWSAccess",
                policy_type="scp",
            )
            maybe = CompiledPolicySet(
                PolicySet(
                    identity=(everything,),
                    scps=((everything, *maybe_scps),) if maybe_scps else (),
                    rcps=(maybe_rcps,) if maybe_rcps else (),
                ),
                self.options,
            )
        found = Organization(
            scps, rcps, management, maybe, tuple(dict.fromkeys(notes)), unreadable_scps, unreadable_rcps
        )
        self._orgs[account] = found
        return found

    @property
    def undecided_organization_policies(self) -> PolicySet | None:
        """The SCPs and RCPs attached to OUs the estate does not place (only their denies are asked)."""
        maybe = self.organization_of(self.estate.account_id).maybe
        return maybe.policies if maybe is not None else None

    # -- names ------------------------------------------------------------------------------------------------
    def principals(self) -> list[Resource]:
        """Roles and users, and the Kubernetes service accounts that act as a role of the estate."""
        accounts = [
            a for a in self.estate.of_kind(SERVICE_ACCOUNT) if acting_role(self.estate, a) is not None
        ]
        return sorted((*self.estate.of_kind(*PRINCIPAL_KINDS), *accounts), key=lambda r: r.address)

    def resolve_principal(self, name: str) -> Resource:
        """A role or user; else a group, asked about as a member holding only the group's policies."""
        try:
            return self._resolve(name, self.principals(), "principal")
        except ResolveError as exc:
            groups = sorted(self.estate.of_kind("aws_iam_group"), key=lambda r: r.address)
            if exc.ambiguous or not groups:
                raise
            try:
                return self._resolve(name, groups, "group")
            except ResolveError as missing:
                if missing.ambiguous:
                    raise
                raise ResolveError(str(exc), [*exc.candidates, *missing.candidates], name=name) from None

    def _resolve(self, name: str, candidates: Sequence[Resource], what: str) -> Resource:
        for r in candidates:
            if r.address == name or (r.arn is not None and r.arn == name):
                return r
        hits = [
            r for r in candidates if r.name == name or r.get("name") == name or r.address.endswith("." + name)
        ]
        if len(hits) == 1:
            return hits[0]
        if hits:
            raise ResolveError(f"{what} {name!r} is ambiguous", [r.address for r in hits], ambiguous=True)
        raise ResolveError(f"no {what} named {name!r}", [r.address for r in candidates], name=name)

    def resolve_resource(self, name: str) -> tuple[str, Resource | None]:
        """``(ARN, estate resource or None)`` for an ARN, ``*``, an address or a unique bare name."""
        if name == "*" or name.startswith("arn:"):
            return name, holder_for_arn(self.estate, name) if name != "*" else None
        target = self._resolve(name, [r for r in self.estate.resources if r.arn], "resource")
        assert target.arn is not None
        return target.arn, target

    # -- policies ---------------------------------------------------------------------------------------------
    def policies_of(self, principal: Resource) -> PrincipalPolicies:
        got = self._principal_policies.get(principal.address)
        if got is None:
            got = principal_policies(self.estate, principal)
            self._principal_policies[principal.address] = got
        return got

    def resource_policy_of(self, holder: Resource) -> Policy | str | None:
        if holder.address not in self._resource_policies:
            self._resource_policies[holder.address] = resource_policy(self.estate, holder)
        return self._resource_policies[holder.address]

    def compiled(
        self, principal: Resource, holder: Resource | None, resource_account: str | None = None
    ) -> CompiledPolicySet:
        """The policies of a request of ``principal`` on ``holder`` (or on a resource of
        ``resource_account`` the estate does not hold): SCPs of the principal's account, RCPs of the
        resource's."""
        mine = self.estate.account_of(principal)
        theirs = self.estate.account_of(holder) if holder is not None else resource_account or mine
        key = (principal.address, holder.address if holder else None, theirs)
        found = self._compiled.get(key)
        if found is None:
            pp = self.policies_of(principal)
            rp = self.resource_policy_of(holder) if holder is not None else None
            own, other = self.organization_of(mine), self.organization_of(theirs)
            found = CompiledPolicySet(
                PolicySet(
                    identity=pp.identity,
                    boundary=pp.boundary,
                    resource=rp if isinstance(rp, Policy) else None,
                    scps=own.scps,
                    rcps=other.rcps,
                    management_account=own.management,
                    resource_in_management_account=other.management,
                ),
                self.options,
            )
            self._compiled[key] = found
        return found

    def principal_arn(self, principal: Resource) -> str:
        role = acting_role(self.estate, principal)
        if role is not None:
            return self.principal_arn(role)  # a pod's calls are the role's session
        if principal.arn:
            return principal.arn
        kind = {"aws_iam_role": "role", "aws_iam_group": "group"}.get(principal.kind, "user")
        name = principal.get("name") if isinstance(principal.get("name"), str) else principal.name
        return f"arn:{self.estate.partition}:iam::{self.estate.account_of(principal)}:{kind}/{name}"

    def context_for(
        self,
        principal: Resource,
        resource_arn: str,
        holder: Resource | None,
        given: Mapping[str, str | Sequence[str]],
    ) -> RequestContext:
        arn = self.principal_arn(principal)
        derived: dict[str, str | tuple[str, ...]] = {
            "aws:principalarn": arn,
            "aws:principalaccount": _account_of(arn) or self.estate.account_of(principal),
            "aws:principaltype": "AssumedRole"
            if principal.kind in ("aws_iam_role", SERVICE_ACCOUNT)
            else "User",
        }
        if principal.kind == "aws_iam_user":
            derived["aws:username"] = arn.rsplit("/", 1)[-1]
        for key, value in (acting_role(self.estate, principal) or principal).tags.items():
            derived[f"aws:principaltag/{key}".lower()] = str(value)
        account = _account_of(resource_arn) or (
            self.estate.account_of(holder) if holder is not None else None
        )
        if account:
            derived["aws:resourceaccount"] = account
        if holder is not None:
            for key, value in holder.tags.items():
                derived[f"aws:resourcetag/{key}".lower()] = str(value)
        values: dict[str, str | tuple[str, ...]] = dict(derived)
        for key, given_value in given.items():
            values[key.lower()] = given_value if isinstance(given_value, str) else tuple(given_value)
        # What the estate says in full is absent when not listed: the principal's tags (and the resource's
        # when it is in the estate); a role session has no aws:username.
        absent = {"aws:username"} if principal.kind in ("aws_iam_role", SERVICE_ACCOUNT) else set()
        prefixes = ["aws:principaltag/"] if isinstance(principal.tags, Mapping) else []
        if holder is not None and isinstance(holder.tags, Mapping):
            prefixes.append("aws:resourcetag/")
        return RequestContext(values, complete=False, absent=absent, absent_prefixes=prefixes)

    # -- the question -----------------------------------------------------------------------------------------
    def can(
        self,
        principal: str | Resource,
        action: str,
        resource: str,
        context: Mapping[str, str | Sequence[str]] | None = None,
        *,
        explain: bool = True,
    ) -> Decision:
        return self.ask(principal, action, resource, context, explain=explain).decision

    def ask(
        self,
        principal: str | Resource,
        action: str,
        resource: str,
        context: Mapping[str, str | Sequence[str]] | None = None,
        *,
        explain: bool = True,
    ) -> Answer:
        who = principal if isinstance(principal, Resource) else self.resolve_principal(principal)
        arn, holder = self.resolve_resource(resource)
        resource_account = _account_of(arn) or (
            self.estate.account_of(holder) if holder is not None else self.estate.account_of(who)
        )
        compiled = self.compiled(who, holder, resource_account)
        ctx = self.context_for(who, arn, holder, context or {})
        request = Request(
            principal=self.principal_arn(who),
            action=action,
            resource=arn,
            resource_account=resource_account,
            context=ctx,
        )
        decision = compiled.decide(request, explain=explain)
        own = self.organization_of(self.estate.account_of(who))
        other = self.organization_of(resource_account)
        notes: list[str] = list(dict.fromkeys((*own.notes, *other.notes)))
        unreadable = list(self.policies_of(who).unreadable)
        rp = self.resource_policy_of(holder) if holder is not None else None
        if isinstance(rp, str):
            unreadable.append(rp)
        maybes = [own.maybe] + ([other.maybe] if other is not own else [])
        for maybe in maybes:
            if (
                maybe is not None
                and decision.allowed is True
                and maybe.decide(request, explain=False).decision == "explicit_deny"
            ):
                why = "an SCP or RCP attached to an OU the estate does not place would deny it"
                decision = replace(decision, allowed=None, unknown=(*decision.unknown, why))
        # An SCP or RCP whose text is not known can only take away: an allowed answer is not decided.
        hidden = [*(() if own.management else own.unreadable_scps)]
        hidden += [] if other.management else list(other.unreadable_rcps)
        if hidden and decision.allowed is True:
            decision = replace(decision, allowed=None, unknown=(*decision.unknown, *dict.fromkeys(hidden)))
        if who.kind == "aws_iam_group":
            notes.append(
                f"{who.address} is a group, not a principal: this is the answer for a member with only the "
                "group's policies; a member's own policies and other groups can allow more, and the member's "
                "permissions boundary or an explicit deny elsewhere can refuse it"
            )
        if holder is None and arn != "*":
            notes.append(f"{arn} is not in the estate: a resource policy it may have is not known")
        # The catalogue look-up and its spelling suggestion are for a person reading the answer: analyses ask
        # without ``explain`` and never pay for them.
        unlisted = _unlisted_action(action) if explain else None
        if unlisted is not None:
            notes.append(unlisted)
        if unreadable and decision.decision != "explicit_deny":
            # A policy we cannot read could allow or deny anything: the answer is not decided.
            decision = replace(decision, allowed=None, unknown=(*decision.unknown, *unreadable))
        return Answer(who.address, action, arn, decision, tuple(notes))


@dataclass(frozen=True)
class Organization:
    """The organisation policies on one account's path."""

    scps: tuple[tuple[Policy, ...], ...]
    rcps: tuple[tuple[Policy, ...], ...]
    management: bool
    maybe: CompiledPolicySet | None
    notes: tuple[str, ...]
    unreadable_scps: tuple[str, ...]
    unreadable_rcps: tuple[str, ...]


def _account_of(arn: str) -> str | None:
    parts = arn.split(":", 5)
    if len(parts) == 6 and parts[4].isdigit():
        return parts[4]
    return None


def _unlisted_action(action: str) -> str | None:
    """A note when `action` (no wildcard) is not in the IAM action catalogue: the policies may well match
    it, but AWS has no such call to make (a typo, or an action newer than the catalogue)."""
    import difflib

    from ringfence.iam import catalogue

    service, _, name = action.partition(":")
    if not name or any(ch in action for ch in "*?"):
        return None
    if service.lower() not in catalogue.service_keys():
        return f"{service} is not a service in the IAM action catalogue (a typo, or newer than the catalogue)"
    if catalogue.action_info(action) is not None:
        return None
    known = {a.name.lower(): a.name for a in catalogue.service_actions(service.lower()).values()}
    close = difflib.get_close_matches(name.lower(), list(known), n=1)
    hint = f"; did you mean {service}:{known[close[0]]}?" if close else ""
    return f"{action} is not an action of {service} in the IAM action catalogue (a typo, or newer than the catalogue){hint}"
