"""Who outside the owning account a resource policy lets in: anyone, any AWS account, or named accounts.

The question is answered by the evaluator (:mod:`ringfence.iam.evaluator`), never by reading the policy for
patterns: the analysis builds concrete requests from the policy's own literal values (its actions, its
resources, the accounts it names, its condition values) and asks whether they are allowed, denies
included. Three kinds of caller are tried:

- an anonymous caller (no credentials at all);
- a principal of a *foreign* account, one whose id appears nowhere in the policy or the estate: a policy
  that lets it in lets in every AWS account;
- a principal of each account (or organisation) the policy names, for cross-account access.

Each caller picks the request context it can pick. What "public" means follows Amazon S3's definition of a
public bucket policy (S3 User Guide, "Blocking public access to your Amazon S3 storage", section "The
meaning of public"; the same list is in the SDKs' ``PublicAccessBlockConfiguration``), which IAM Access
Analyzer applies to every resource type it covers: a grant is *not* public when it is limited to fixed
values (no wildcard, no policy variable) of a principal, of ``aws:SourceIp`` CIDRs, ``aws:SourceArn``,
``aws:SourceVpc``, ``aws:SourceVpce``, ``aws:SourceOwner``, ``aws:SourceAccount``, ``aws:userid`` outside
``AROLEID:*``, ``s3:x-amz-server-side-encryption-aws-kms-key-id`` and the organisation keys. So:

- keys that pin the caller (:data:`IDENTIFYING_KEYS`, :data:`ACCOUNT_KEYS`, :data:`ADDRESS_KEYS`) get values
  the caller really has: absent, a fresh value matching no literal, or a literal value only where its
  wildcards let the caller own a match (``arn:aws:sns:*:*:topic`` can be a topic in the caller's account);
- ``aws:SourceIp``: the caller's address is outside every CIDR the policy lists, except ``0.0.0.0/0`` and
  ``::/0``, which hold every address (a wildcard value restricts nothing);
- ``kms:ViaService``: a fixed service restricts the key to requests that service makes for its callers;
  read here as pinning, as Access Analyzer does with ``kms:CallerAccount`` beside it (alone it is weaker:
  any principal of any account can call through the service);
- every other key (``aws:SecureTransport``, ``aws:UserAgent``, ``aws:Referer``, ``aws:PrincipalTag/*``,
  service keys such as ``s3:x-amz-acl``) is the caller's to choose: each literal value, its negation and
  absence are tried;
- resource-side keys (``aws:ResourceAccount``, ``aws:ResourceTag/*``) take the resource's values when known,
  and are unknown otherwise.

The search is over the policy's own values, so a request it does not find may still exist (a later solver
completes it); what it finds is a real request AWS would allow. A policy of which any part could not be
read is never judged: the answer is ``unknown`` with the reason.
"""

from __future__ import annotations

import contextlib
import ipaddress
import itertools
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

from ringfence.iam import patterns
from ringfence.iam.conditions import OperatorError, RequestContext, family, split_operator
from ringfence.iam.estate_policies import _related, policy_of
from ringfence.iam.evaluator import CompiledPolicySet, PolicySet, Request, StatementRef
from ringfence.iam.policy import Condition, Policy, PolicyType, Statement, parse_policy
from ringfence.model import Estate, Resource

Verdict = Literal["public", "cross-account", "not", "unknown"]

# Keys whose fixed values name the caller or where the request comes from (S3's "meaning of public").
IDENTIFYING_KEYS = frozenset(
    {
        "aws:principalorgid",
        "aws:principalorgpaths",
        "aws:principalarn",
        "aws:sourcearn",
        "aws:sourceorgid",
        "aws:sourceorgpaths",
        "aws:sourcevpc",
        "aws:sourcevpce",
        "aws:userid",
        "kms:viaservice",
        "s3:dataaccesspointarn",
        "s3:x-amz-server-side-encryption-aws-kms-key-id",
    }
)
# Keys holding the caller's (or its resource's) account id: the caller cannot choose another one.
ACCOUNT_KEYS = frozenset(
    {
        "aws:principalaccount",
        "aws:sourceaccount",
        "aws:sourceowner",
        "kms:calleraccount",
        "s3:dataaccesspointaccount",
    }
)
ADDRESS_KEYS = frozenset({"aws:sourceip", "aws:vpcsourceip"})
# Keys that are true only for requests made from inside the owner's network: EFS counts
# elasticfilesystem:AccessedViaMountTarget as fixed (EFS User Guide, "Blocking public access", "The
# meaning of public"); an outsider's request has it false or absent.
NETWORK_FLAGS = frozenset({"elasticfilesystem:accessedviamounttarget"})
# Keys set from the principal itself: present for every authenticated caller, absent for an anonymous one.
_PRINCIPAL_KEYS = frozenset(
    {"aws:principalarn", "aws:principalaccount", "aws:userid", "kms:calleraccount", "aws:principaltype"}
)
# Keys that describe the resource, not the caller.
_RESOURCE_KEYS = ("aws:resourceaccount", "aws:resourcetag/", "aws:resourceorgid", "aws:resourceorgpaths")

_PROBE = "ringfence-probe"
_ADDRESSES = ("203.0.113.7", "198.51.100.7", "192.0.2.7", "100.64.0.7", "2001:db8::7", "fd00::7")
# Request contexts tried per caller; past it the answer is undecided when nothing is found.
_MAX_CONTEXTS = 256
# Work per policy, in statements looked at (each request looks at every statement of the policy): a policy
# of thousands of statements and actions is undecided past it, in about a second, instead of hanging a scan.
_MAX_WORK = 200_000


class _Budget:
    """How much more work the analysis of one policy may do."""

    __slots__ = ("cost", "left")

    def __init__(self, limit: int, cost: int) -> None:
        self.left = limit
        self.cost = max(cost, 1)

    def spend(self) -> None:
        self.left -= self.cost
        if self.left < 0:
            raise _OutOfBudget


class _OutOfBudget(Exception):
    pass


_ALLOW_ALL = parse_policy(
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]},
    name="(the caller's own identity policy: allows everything)",
)
_ACCOUNT = re.compile(r"^\d{12}$")


@dataclass(frozen=True, slots=True)
class Grant:
    """A statement that lets an outsider in, with what it lets them do."""

    policy: str
    index: int
    sid: str | None
    path: str | None  # the file the policy is written in, when known
    line: int | None  # the statement's line in that file (the policy's own line when not located)
    public: bool
    principals: tuple[str, ...]  # "*" for anyone, account ids, "organisation o-..."
    actions: tuple[str, ...]  # the statement's action patterns that were allowed (as written)
    # The statement's conditions as written: operator -> key -> values (PRODUCT.md's access grants).
    conditions: Mapping[str, Mapping[str, tuple[str, ...]]] = field(default_factory=dict)

    @property
    def location(self) -> str | None:
        """``path:line`` of the statement, when known."""
        if self.path is None:
            return None
        return f"{self.path}:{self.line}" if self.line else self.path


@dataclass(frozen=True, slots=True)
class Access:
    """The answer for one resource policy: ``public``, ``cross-account`` (with the accounts), ``not`` or
    ``unknown`` (with the reason)."""

    verdict: Verdict
    grants: tuple[Grant, ...] = ()
    reason: str = ""
    undecided: tuple[str, ...] = field(default=())  # why some request could not be decided

    @property
    def public(self) -> bool | None:
        return None if self.verdict == "unknown" else self.verdict == "public"

    @property
    def external(self) -> bool | None:
        """Whether some principal outside the owner's account is let in (publicly or by name)."""
        return None if self.verdict == "unknown" else self.verdict in ("public", "cross-account")

    @property
    def accounts(self) -> tuple[str, ...]:
        """Accounts and organisations granted by name (not the owner), sorted."""
        found = {p for g in self.grants if not g.public for p in g.principals}
        return tuple(sorted(found))

    def decisive(self) -> Grant | None:
        """The grant that decides the verdict: the first public one, else the first cross-account one."""
        public = [g for g in self.grants if g.public]
        ordered = public or list(self.grants)
        return ordered[0] if ordered else None


@dataclass(frozen=True, slots=True)
class _Caller:
    arn: str  # request principal ("anonymous" for an anonymous caller)
    account: str | None  # None: anonymous
    public: bool  # a request it makes that is allowed makes the resource public
    label: str  # who it stands for, in grants
    pinned: Mapping[str, str] = field(default_factory=dict)  # key -> value this caller has (an org id)


def analyse(
    policy: Policy | str | None,
    *,
    owner: str,
    resource_arn: str | None = None,
    partition: str = "aws",
    avoid: Iterable[str] = (),
    resource_tags: Mapping[str, str] | None = None,
) -> Access:
    """Whether ``policy`` (a resource policy of ``resource_arn``, owned by account ``owner``) lets anyone,
    any AWS account or a named other account in. ``policy`` may be the reason it could not be read (a
    string): the answer is then ``unknown``. ``avoid``: account ids of the estate (the foreign caller's id
    is none of them)."""
    if policy is None:
        return Access("not", reason="no resource policy")
    if isinstance(policy, str):
        return Access("unknown", reason=policy)
    if policy.problems:
        return Access(
            "unknown", reason=f"{policy.name} could not be read in full ({policy.problems[0].message})"
        )
    if not policy.statements:
        # AWS refuses a policy without statements; Terraform renders none from a dynamic block over a value
        # not known before apply, so what will be deployed is not what was read.
        return Access("unknown", reason=f"{policy.name} has no statement (none is known before apply)")
    allows = [s for s in policy.statements if s.effect == "Allow"]
    if not allows:
        return Access("not", reason="no statement allows anything")
    named = _named_accounts(policy, owner)
    taken = {owner, *avoid, *named, *_accounts_in(policy)}
    foreign = _fresh_account(taken)
    callers: list[_Caller] = []
    if any(_names_everyone(s) for s in allows):
        callers += [
            _Caller("anonymous", None, True, "*"),
            _Caller(f"arn:{partition}:iam::{foreign}:role/{_PROBE}", foreign, True, "*"),
        ]
    for account, arns in sorted(named.items()):
        for arn in arns or (f"arn:{partition}:iam::{account}:role/{_PROBE}",):
            callers.append(_Caller(arn, account, False, account))
    for org in _organisations(policy):
        other = _fresh_account(taken | {foreign})
        arn = f"arn:{partition}:iam::{other}:role/{_PROBE}"
        callers.append(_Caller(arn, other, False, f"organisation {org}", {"aws:principalorgid": org}))
    if not callers:
        return Access("not", reason="no statement names anyone outside the account")
    compiled = CompiledPolicySet(PolicySet(identity=(_ALLOW_ALL,), resource=policy))
    actions = _actions(policy, resource_arn)
    resources = _resources(policy, resource_arn)
    found: dict[int, tuple[set[str], set[str], bool]] = {}  # statement index -> principals, actions, public
    undecided: list[str] = []
    public_undecided = False
    budget = _Budget(_MAX_WORK, len(policy.statements) + 1)
    exhausted = False
    for caller in callers:
        hits, unknown = _ask(
            compiled, policy, caller, actions, resources, owner, partition, resource_tags, budget
        )
        for index, action in hits:
            principals, granted, public = found.setdefault(index, (set(), set(), False))
            principals.add(caller.label)
            granted.add(action)
            found[index] = (principals, granted, public or caller.public)
        if unknown and not hits:
            undecided.extend(unknown)
            public_undecided = public_undecided or caller.public
        if budget.left < 0:
            exhausted = True
            break
    by_index = {s.index: s for s in policy.statements}
    grants = tuple(
        _grant(policy, by_index[i], principals, granted, public)
        for i, (principals, granted, public) in sorted(found.items())
    )
    why = tuple(dict.fromkeys(undecided))
    if any(g.public for g in grants):
        return Access("public", grants, undecided=why)
    if exhausted:
        reason = f"{policy.name} is too large to analyse (more than {_MAX_WORK} statement evaluations)"
        return Access("unknown", grants, reason, why)
    if public_undecided:
        reason = f"whether {policy.name} lets anyone in depends on {why[0]}"
        return Access("unknown", grants, reason, why)
    if grants:
        return Access("cross-account", grants, undecided=why)
    if why:
        return Access(
            "unknown", grants, f"whether {policy.name} lets another account in depends on {why[0]}", why
        )
    return Access("not")


def attached_policies(
    estate: Estate,
    holder: Resource,
    *,
    attribute: str | None,
    separate: Sequence[tuple[str, str, str]] = (),
    names: Sequence[str] = (),
    policy_type: PolicyType = "resource",
) -> list[tuple[Resource, Policy | str]]:
    """The resource policies guarding ``holder``: its own ``attribute`` and every separate policy resource
    ``(kind, relation to the holder, policy attribute)`` that points at it by that relation or by the value
    of one of the holder's ``names`` attributes (``"arn"``: its ARN). Each comes with the block it is written in; a
    policy that could not be read is the reason (a string)."""
    found: list[tuple[Resource, Policy | str]] = []
    if attribute is not None:
        got = policy_of(
            holder,
            attribute,
            name=f"{holder.address}.{attribute}",
            policy_type=policy_type,
            root=estate.root_path,
        )
        if got is not None:
            found.append((holder, got))
    # "arn" stands for the holder's ARN; a relation the linker already resolves needs no names.
    literals = [
        v for v in (holder.arn if n == "arn" else holder.get(n) for n in names) if isinstance(v, str) and v
    ]
    for kind, relation, text in separate:
        for block in _related(estate, holder, kind, relation, *literals):
            got = policy_of(block, text, name=block.address, policy_type=policy_type, root=estate.root_path)
            found.append((block, got if got is not None else f"{block.address}: the policy is empty"))
    return found


def lambda_permissions(estate: Estate, function: Resource) -> list[Resource]:
    """The ``aws_lambda_permission`` resources of a function (by reference, name or ARN)."""
    name = function.get("function_name")
    literals = [v for v in (name, function.arn) if isinstance(v, str) and v]
    return list(_related(estate, function, "aws_lambda_permission", "function_name", *literals))


# -- the requests ---------------------------------------------------------------------------------------------
def _ask(
    compiled: CompiledPolicySet,
    policy: Policy,
    caller: _Caller,
    actions: Sequence[tuple[str, str]],
    resources: Sequence[str],
    owner: str,
    partition: str,
    resource_tags: Mapping[str, str] | None,
    budget: _Budget,
) -> tuple[list[tuple[int, str]], list[str]]:
    """The (statement index, action pattern) pairs a request of ``caller`` is allowed by, and why some
    requests could not be decided. When the budget runs out, what was found so far stands."""
    open_context, space = _contexts(policy, caller, owner, partition, resource_tags)
    hits: list[tuple[int, str]] = []
    unknown: dict[str, None] = {}
    contexts: list[RequestContext] = []
    capped = False

    def allowed(action: str, resource: str) -> bool:
        nonlocal contexts, capped
        budget.spend()
        if (
            compiled.decide(Request(caller.arn, action, resource, owner, open_context), explain=False).allowed
            is False
        ):
            return False  # refused whatever the caller picks
        if not contexts:
            contexts = list(itertools.islice(space, _MAX_CONTEXTS + 1))
            capped = len(contexts) > _MAX_CONTEXTS
        for ctx in contexts[:_MAX_CONTEXTS]:
            budget.spend()
            request = Request(caller.arn, action, resource, owner, ctx)
            decision = compiled.decide(request, explain=False)
            if decision.allowed is True:
                explained = compiled.decide(request, explain=True)
                hits.extend(
                    (ref.index, p)
                    for ref in _grants_of(explained.statements, policy)
                    for p in _patterns(policy, ref, action)
                )
                return True
            if decision.allowed is None:
                for why in decision.unknown or ("a condition whose value is not known",):
                    unknown[why] = None
        return False

    with contextlib.suppress(_OutOfBudget):
        for action, _pattern in actions:
            for resource in resources:
                if allowed(action, resource):
                    break
    if capped and not hits:
        unknown[f"more than {_MAX_CONTEXTS} combinations of its condition values"] = None
    return hits, list(unknown)


def _grants_of(refs: Iterable[StatementRef], policy: Policy) -> Iterator[StatementRef]:
    return (
        r
        for r in refs
        if r.policy == policy.name and r.effect == "Allow" and r.policy_type == policy.policy_type
    )


def _patterns(policy: Policy, ref: StatementRef, action: str) -> list[str]:
    statement = next(s for s in policy.statements if s.index == ref.index)
    if statement.not_action:
        return ["NotAction " + ",".join(statement.actions)]
    return [a for a in statement.actions if patterns.glob_matcher(a.lower())(action.lower())] or list(
        statement.actions
    )


def _actions(policy: Policy, resource_arn: str | None) -> list[tuple[str, str]]:
    """A concrete action for every action pattern of the Allow statements: ``(action, pattern)``."""
    out: dict[str, str] = {}
    services = {a.split(":", 1)[0] for s in policy.statements for a in s.actions if ":" in a}
    if resource_arn and resource_arn.count(":") >= 5:
        services.add(resource_arn.split(":")[2])
    for s in policy.statements:
        if s.effect != "Allow":
            continue
        if s.not_action:
            for service in sorted(services) or ["ringfence"]:
                out.setdefault(f"{service}:RingfenceProbe", "NotAction")
            continue
        for a in s.actions:
            out.setdefault(_fill(a, "RingfenceProbe"), a)
    return sorted(out.items())


def _resources(policy: Policy, resource_arn: str | None) -> list[str]:
    """The resource itself and what of it the Allow statements name (an S3 bucket's objects)."""
    found: dict[str, None] = {}
    if resource_arn:
        found[resource_arn] = None
    for s in policy.statements:
        if s.effect != "Allow" or s.resources is None or s.not_resource:
            continue
        for r in s.resources:
            if r == "*":
                continue
            concrete = _fill(r, _PROBE)
            if resource_arn is None or concrete.startswith((resource_arn + "/", resource_arn + ":")):
                found[concrete] = None
    if not found:
        found["*"] = None
    return list(found)


# -- the request contexts a caller can make ---------------------------------------------------------------------
def _contexts(
    policy: Policy, caller: _Caller, owner: str, partition: str, resource_tags: Mapping[str, str] | None
) -> tuple[RequestContext, Iterator[RequestContext]]:
    """A context in which every condition key the caller picks is unknown (a request denied there is denied
    whatever the caller picks: the evaluation is three-valued), and the contexts the caller can make."""
    conditions: dict[str, list[Condition]] = {}
    for s in policy.statements:
        for c in s.conditions:
            conditions.setdefault(c.key.lower(), []).append(c)
    fixed: dict[str, str | tuple[str, ...]] = {"aws:resourceaccount": owner}
    if caller.account is not None:
        fixed.update(
            {
                "aws:principalarn": caller.arn,
                "aws:principalaccount": caller.account,
                "kms:calleraccount": caller.account,
                "aws:principaltype": "AssumedRole",
            }
        )
    if resource_tags is not None:
        fixed.update({f"aws:resourcetag/{k}".lower(): v for k, v in resource_tags.items()})
    choices: list[tuple[str, list[str | None]]] = [
        (key, _options(key, conditions[key], caller, partition))
        for key in sorted(conditions)
        if not key.startswith(_RESOURCE_KEYS)  # the resource's own value, or unknown
    ]
    # An anonymous caller has no principal keys; the resource's tags, when listed, are all it has.
    always_absent = set() if caller.account is not None else set(_PRINCIPAL_KEYS)
    absent_prefixes = ["aws:resourcetag/"] if resource_tags is not None else []
    chosen = {key for key, _ in choices}
    open_context = RequestContext(
        {k: v for k, v in fixed.items() if k not in chosen},
        complete=False,
        absent=always_absent - chosen,
        absent_prefixes=absent_prefixes,
    )
    return open_context, _picked(choices, fixed, always_absent, absent_prefixes)


def _picked(
    choices: Sequence[tuple[str, list[str | None]]],
    fixed: Mapping[str, str | tuple[str, ...]],
    always_absent: set[str],
    absent_prefixes: Sequence[str],
) -> Iterator[RequestContext]:
    for picked in itertools.product(*(options for _, options in choices)):
        values = dict(fixed)
        absent = set(always_absent)
        for (key, _), value in zip(choices, picked, strict=True):
            if value is None:
                values.pop(key, None)
                absent.add(key)
            else:
                values[key] = value
                absent.discard(key)
        yield RequestContext(values, complete=False, absent=absent, absent_prefixes=absent_prefixes)


def _options(key: str, conditions: Sequence[Condition], caller: _Caller, partition: str) -> list[str | None]:
    """The values ``caller`` can give ``key`` (None: the key is absent)."""
    literals = [v for c in conditions for v in c.values]
    if key in caller.pinned:
        return [caller.pinned[key]]
    if key in ACCOUNT_KEYS:
        if caller.account is None:
            return [None]
        own: list[str | None] = [caller.account]
        return own if key in _PRINCIPAL_KEYS else [*own, None]
    if key in ADDRESS_KEYS:
        return _addresses(literals)
    if key in NETWORK_FLAGS:
        return [None, "false"]
    if key in IDENTIFYING_KEYS:
        if key == "aws:principalarn" and caller.account is not None:
            base: list[str | None] = [caller.arn]
        elif key == "aws:userid" and caller.account is not None:
            base = [f"AROARINGFENCEPROBE:{_PROBE}"]
        else:
            base = [None, _fresh(key, caller, partition)]
        # A role's unique id cannot be had by another caller, whatever follows it (S3: "aws:userid outside
        # the pattern AROLEID:*" is fixed).
        owned = [_owned(v, caller) for v in literals if key != "aws:userid" or v.startswith(("*", "?"))]
        return list(dict.fromkeys([*base, *(v for v in owned if v is not None)]))
    return _chosen(conditions)


def _chosen(conditions: Sequence[Condition]) -> list[str | None]:
    """Values the caller picks freely: absent, each literal (wildcards filled), and values matching none."""
    out: list[str | None] = [None]
    for c in conditions:
        try:
            _, base, _ = split_operator(c.operator)
        except OperatorError:
            continue
        fam = family(base)
        if fam == "bool":
            out += ["true", "false"]
        elif fam == "numeric":
            for v in c.values:
                try:
                    n = float(v)
                except ValueError:
                    continue
                out += [v, _number(n + 1), _number(n - 1)]
        elif fam == "date":
            out += [*c.values, "1970-01-02T00:00:00Z", "2999-01-01T00:00:00Z"]
        elif fam == "ip":
            out += _addresses(c.values)
        else:
            out += [_fill(v, _PROBE) for v in c.values]
            out.append(_PROBE)
    return list(dict.fromkeys(out))


def _number(n: float) -> str:
    return str(int(n)) if n.is_integer() else repr(n)


def _addresses(cidrs: Sequence[str]) -> list[str | None]:
    """An IPv4 and an IPv6 address outside every listed network but ``0.0.0.0/0`` and ``::/0``."""
    networks = []
    for value in cidrs:
        try:
            net = ipaddress.ip_network(value.strip(), strict=False)
        except ValueError:
            continue
        if net.prefixlen > 0:
            networks.append(net)
    out: list[str | None] = []
    for version in (4, 6):
        for text in _ADDRESSES:
            address = ipaddress.ip_address(text)
            if address.version == version and not any(address in n for n in networks if n.version == version):
                out.append(text)
                break
    return out or [_ADDRESSES[0]]


def _fresh(key: str, caller: _Caller, partition: str) -> str:
    """A value of ``key`` that the caller has and that no policy literal names."""
    account = caller.account or "000000000000"
    return {
        "aws:principalorgid": "o-ringfenceprobe",
        "aws:sourceorgid": "o-ringfenceprobe",
        "aws:principalorgpaths": "o-ringfenceprobe/r-probe/",
        "aws:sourceorgpaths": "o-ringfenceprobe/r-probe/",
        "aws:sourcevpc": "vpc-0ringfenceprobe",
        "aws:sourcevpce": "vpce-0ringfenceprobe",
        "aws:sourcearn": f"arn:{partition}:sns:us-east-1:{account}:{_PROBE}",
        "s3:dataaccesspointarn": f"arn:{partition}:s3:us-east-1:{account}:accesspoint/{_PROBE}",
        "kms:viaservice": f"{_PROBE}.us-east-1.amazonaws.com",
    }.get(key, _PROBE)


def _owned(value: str, caller: _Caller) -> str | None:
    """``value`` as the caller could make it true with something it owns, or None when it cannot: a
    wildcard lets it pick, a fixed value names someone else's resource (an ARN in another account, an id)."""
    if not any(ch in value for ch in "*?"):
        return None
    parts = value.split(":", 5)
    if len(parts) == 6 and parts[0] == "arn" and parts[4]:
        if caller.account is None:
            return None
        if any(ch in parts[4] for ch in "*?"):
            parts[4] = caller.account
        elif parts[4] != caller.account:
            return None
        return _fill(":".join(parts), _PROBE)
    return _fill(value, _PROBE)


def _fill(pattern: str, filler: str) -> str:
    """A value the glob ``pattern`` matches: each ``*`` becomes ``filler``, each ``?`` one letter."""
    return pattern.replace("*", filler).replace("?", "x")


# -- what the policy names ------------------------------------------------------------------------------------
def _names_everyone(statement: Statement) -> bool:
    """Whether the statement's principal can match a caller it does not name: ``*``, ``{"AWS": "*"}``,
    NotPrincipal, or no Principal element at all (the others name accounts, principals or services)."""
    if statement.principals is None or statement.not_principal:
        return True
    return any(p.kind == "*" or (p.kind == "AWS" and p.value == "*") for p in statement.principals)


def _account_of(value: str) -> str | None:
    if _ACCOUNT.match(value):
        return value
    parts = value.split(":", 5)
    if len(parts) == 6 and parts[0] == "arn" and _ACCOUNT.match(parts[4]):
        return parts[4]
    return None


def _named_accounts(policy: Policy, owner: str) -> dict[str, tuple[str, ...]]:
    """Accounts other than the owner that Allow statements name: account -> principal ARNs it names
    (empty: the account as a whole, by principal or by a condition on an account key)."""
    out: dict[str, set[str]] = {}
    for s in policy.statements:
        if s.effect != "Allow":
            continue
        for p in s.principals or ():
            if p.kind != "AWS" or s.not_principal:
                continue
            account = _account_of(p.value)
            if account is None or account == owner:
                continue
            entries = out.setdefault(account, set())
            if not _ACCOUNT.match(p.value) and not p.value.endswith(":root"):
                entries.add(p.value)
        for c in s.conditions:
            if c.key.lower() in ACCOUNT_KEYS or c.key.lower() in ("aws:principalarn", "aws:sourcearn"):
                for v in c.values:
                    account = _account_of(v)
                    if account is not None and account != owner:
                        out.setdefault(account, set())
    return {k: tuple(sorted(v)) for k, v in out.items()}


def _organisations(policy: Policy) -> list[str]:
    found = {
        v
        for s in policy.statements
        if s.effect == "Allow"
        for c in s.conditions
        if c.key.lower() == "aws:principalorgid"
        for v in c.values
        if not any(ch in v for ch in "*?")
    }
    return sorted(found)


def _accounts_in(policy: Policy) -> set[str]:
    found: set[str] = set()
    for s in policy.statements:
        for p in s.principals or ():
            account = _account_of(p.value)
            if account:
                found.add(account)
        for c in s.conditions:
            found |= {a for a in (_account_of(v) for v in c.values) if a}
        for r in s.resources or ():
            account = _account_of(r)
            if account:
                found.add(account)
    return found


def _fresh_account(taken: set[str]) -> str:
    for n in itertools.count(0):
        candidate = f"{210987654321 + n * 1111:012d}"
        if candidate not in taken:
            return candidate
    raise AssertionError("unreachable")


def _grant(
    policy: Policy, statement: Statement, principals: set[str], actions: set[str], public: bool
) -> Grant:
    return Grant(
        policy=policy.name,
        index=statement.index,
        sid=statement.sid,
        path=policy.path,
        line=_line(policy, statement),
        public=public,
        principals=("*",) if public else tuple(sorted(principals)),
        actions=tuple(sorted(actions)),
        conditions=_conditions_of(statement),
    )


def _conditions_of(statement: Statement) -> dict[str, dict[str, tuple[str, ...]]]:
    out: dict[str, dict[str, tuple[str, ...]]] = {}
    for c in statement.conditions:
        out.setdefault(c.operator, {})[c.key] = c.values
    return out


def _line(policy: Policy, statement: Statement) -> int | None:
    """The statement's line in the policy's file (as :meth:`Policy.location` counts it)."""
    if policy.path is None:
        return None
    base = policy.line or 1
    return base + statement.line - 1 if statement.line is not None else policy.line
