"""Who outside the owning account a resource policy lets in: anyone, any AWS account, or named accounts.

The question is decided over the whole policy with z3 (:mod:`ringfence.iam.smt`, the encoding the policy
comparison shares): every statement, explicit denies, negated operators, ``...IfExists``, missing keys,
wildcards, IP ranges, numbers, dates and Booleans, for every request an outsider can make, not only those
built from the policy's own values. Each ``public`` or ``cross-account`` answer comes with a concrete
request that is allowed (:attr:`Access.example`), and that request is decided again by the evaluator
(:mod:`ringfence.iam.evaluator`): an answer it does not confirm is ``unknown``, never a verdict.

Who the outsiders are:

- an anonymous caller (no credentials at all);
- a role or user of an account named nowhere in the policy or the estate: a request it can make that is
  allowed is open to every AWS account, so the resource is *public*;
- a principal of an account (or organisation) the policy names, for cross-account access (*external*).

What "public" means follows Amazon S3's definition of a public bucket policy (S3 User Guide, "Blocking
public access to your Amazon S3 storage", section "The meaning of public"), which IAM Access Analyzer
applies to every resource type it covers: a grant is *not* public when it is limited to fixed values (no
wildcard, no policy variable) of a principal, of ``aws:SourceIp`` CIDRs, ``aws:SourceArn``,
``aws:SourceVpc``, ``aws:SourceVpce``, ``aws:SourceOwner``, ``aws:SourceAccount``, ``aws:userid`` outside
``AROLEID:*``, ``s3:x-amz-server-side-encryption-aws-kms-key-id`` and the organisation keys. So the
outsider's request carries:

- for keys that name the caller (:data:`PRINCIPAL_KEYS`): the caller's own values (an anonymous caller has
  none); its organisation, role id and accounts are named nowhere in the policy;
- for keys that pin where the request comes from (:data:`SOURCE_ACCOUNT_KEYS`, :data:`SOURCE_ARN_KEYS`,
  :data:`PINNING_KEYS`, :data:`ADDRESS_KEYS`): nothing, or a value the policy does not name (an ARN in an
  account it does not name, an address outside every CIDR it lists but ``0.0.0.0/0`` and ``::/0``). A
  wildcard value therefore restricts nothing: the solver picks a value it matches;
- ``kms:ViaService``: a fixed service restricts the key to requests that service makes for its callers, read
  as pinning, as Access Analyzer does with ``kms:CallerAccount`` beside it;
- ``elasticfilesystem:AccessedViaMountTarget``: false or absent (EFS counts a mount target as the owner's
  network);
- every other key (``aws:SecureTransport``, ``aws:UserAgent``, ``aws:Referer``, ``aws:PrincipalTag/*``,
  service keys such as ``s3:x-amz-acl``): any value, or none, as the caller chooses;
- resource-side keys (``aws:ResourceAccount``, ``aws:ResourceTag/*``) the resource's values when known; an
  answer that depends on values not known is ``unknown``.

A policy of which any part could not be read is never judged, and a solver that gives up within its time
(``RINGFENCE_ACCESS_TIMEOUT_MS``, per query) makes the answer ``unknown``, never "not public".
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from ringfence.iam import patterns
from ringfence.iam.estate_policies import _related, policy_of
from ringfence.iam.evaluator import CompiledPolicySet, PolicySet
from ringfence.iam.policy import Policy, PolicyType, Statement, parse_policy
from ringfence.limits import env_limit
from ringfence.model import Estate, Resource

if TYPE_CHECKING:
    from ringfence.iam.smt import Caller, Encoding, Example

Verdict = Literal["public", "cross-account", "not", "unknown"]

# Keys set from the principal itself: present for every authenticated caller, absent (or "anonymous") for an
# anonymous one.
PRINCIPAL_KEYS = frozenset(
    {
        "aws:principalarn",
        "aws:principalaccount",
        "aws:principaltype",
        "aws:userid",
        "aws:username",
        "aws:principalorgid",
        "aws:principalorgpaths",
        "aws:principalisawsservice",
        "aws:principalservicename",
        "aws:principalservicenameslist",
        "kms:calleraccount",
    }
)
# Keys holding the account of the resource or service a request comes from.
SOURCE_ACCOUNT_KEYS = frozenset({"aws:sourceaccount", "aws:sourceowner", "s3:dataaccesspointaccount"})
SOURCE_ARN_KEYS = frozenset({"aws:sourcearn", "s3:dataaccesspointarn"})
SOURCE_ORG_KEYS = frozenset({"aws:sourceorgid", "aws:sourceorgpaths"})
# Keys whose fixed values pin where the request comes from (a network, an endpoint, a service, a key).
PINNING_KEYS = frozenset(
    {"aws:sourcevpc", "aws:sourcevpce", "kms:viaservice", "s3:x-amz-server-side-encryption-aws-kms-key-id"}
)
ADDRESS_KEYS = frozenset({"aws:sourceip", "aws:vpcsourceip"})
# Keys that are true only for requests made from inside the owner's network: EFS counts
# elasticfilesystem:AccessedViaMountTarget as fixed (EFS User Guide, "Blocking public access", "The
# meaning of public"); an outsider's request has it false or absent.
NETWORK_FLAGS = frozenset({"elasticfilesystem:accessedviamounttarget"})
_ACCOUNT_VALUED = SOURCE_ACCOUNT_KEYS | {"aws:principalaccount", "kms:calleraccount"}
# Keys that describe the resource, not the caller.
_RESOURCE_KEYS = ("aws:resourceaccount", "aws:resourcetag/", "aws:resourceorgid", "aws:resourceorgpaths")

_ALLOW_ALL = parse_policy(
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]},
    name="(the caller's own identity policy: allows everything)",
)
_ACCOUNT = re.compile(r"^\d{12}$")
# Per solver query; a query that takes longer is undecided.
_TIMEOUT_MS = 2000.0
# Per policy, for listing every grant once the verdict is proven.
_GRANT_SECONDS = 2.0
# Per statement: named accounts listed one by one.
_MAX_LABELS = 8


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
    example: Example | None = None  # an allowed request this statement lets in

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
    example: Example | None = None  # an allowed request of an outsider (public first)

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


def analyse(
    policy: Policy | str | None,
    *,
    owner: str,
    resource_arn: str | None = None,
    partition: str = "aws",
    avoid: Iterable[str] = (),
    resource_tags: Mapping[str, str] | None = None,
    timeout_ms: float | None = None,
) -> Access:
    """Whether ``policy`` (a resource policy of ``resource_arn``, owned by account ``owner``) lets anyone,
    any AWS account or a named other account in. ``policy`` may be the reason it could not be read (a
    string): the answer is then ``unknown``. ``avoid``: account ids of the estate (the unnamed caller's
    account is none of them)."""
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
    if not any(s.effect == "Allow" for s in policy.statements):
        return Access("not", reason="no statement allows anything")
    from ringfence.iam import smt  # z3 is loaded only when a policy is analysed

    if timeout_ms is None:
        timeout_ms = env_limit("RINGFENCE_ACCESS_TIMEOUT_MS", _TIMEOUT_MS)
    try:
        proof = _Proof(policy, owner, resource_arn, partition, set(avoid), resource_tags, timeout_ms)
        return proof.run()
    except smt.Unsupported as exc:
        return Access("unknown", reason=f"{policy.name} is not decided: {exc}")


class _Undecided(Exception):
    """A query the solver could not answer in time, or an example the evaluator did not confirm."""


class _Proof:
    """The queries for one policy."""

    def __init__(
        self,
        policy: Policy,
        owner: str,
        resource_arn: str | None,
        partition: str,
        avoid: set[str],
        resource_tags: Mapping[str, str] | None,
        timeout_ms: float,
    ) -> None:
        from ringfence.iam import smt

        self.smt = smt
        self.policy = policy
        self.owner = owner
        self.resource_arn = resource_arn
        self.partition = partition
        self.resource_tags = resource_tags
        self.timeout_ms = timeout_ms
        self.named = _named_accounts(policy, owner)
        self.literal_accounts = {owner, *avoid, *self.named, *_accounts_in(policy)}
        callers: list[Caller] = [
            smt.Caller("*", "anonymous"),
            smt.Caller("*", "role"),
            smt.Caller("*", "user"),
        ]
        self.public_callers = (0, 1, 2)
        for account, arns in sorted(self.named.items()):
            callers.append(smt.Caller(account, "role", account=account))
            callers.append(smt.Caller(account, "user", account=account))
            callers.append(smt.Caller(account, "arn", arn=f"arn:{partition}:iam::{account}:root"))
            callers.extend(smt.Caller(account, "arn", arn=arn) for arn in arns)
        self.callers = callers
        services = _services(policy, resource_arn)
        typed = resource_arn is not None
        actions = smt.action_classes([policy], services, by_resource_type=typed)
        if not actions:
            actions = smt.action_classes([policy], by_resource_type=typed)
        self.enc: Encoding = smt.Encoding(
            [policy],
            actions=actions,
            callers=callers,
            partition=partition,
            resource_domain=self._resource_domain(),
            resource_arn=resource_arn,
            accounts=[
                *smt.account_candidates([policy], self.literal_accounts),
                *sorted(a for a in self.literal_accounts if a != owner),
            ],
        )
        self.compiled = CompiledPolicySet(PolicySet(identity=(_ALLOW_ALL,), resource=policy))
        self.allowed = self.enc.allows(policy)
        self.depends_on_resource = self._unknown_resource_keys()

    # -- the request space --------------------------------------------------------------------------------
    def _resource_domain(self) -> Any:
        import z3

        arn = self.resource_arn
        if not arn:
            return None
        exact = self.enc_resource() == z3.StringVal(arn)
        parts = arn.split(":", 5)
        if len(parts) == 6 and parts[2] == "s3" and "/" not in parts[5]:
            # a bucket's policy governs its objects too
            return z3.Or(exact, z3.PrefixOf(z3.StringVal(arn + "/"), self.enc_resource()))
        return exact

    @staticmethod
    def enc_resource() -> Any:
        import z3

        return z3.String("resource")

    def _unknown_resource_keys(self) -> list[str]:
        out = []
        for key in self.enc.keys:
            if key.startswith(("aws:resourceorgid", "aws:resourceorgpaths")) or (
                key.startswith("aws:resourcetag/") and self.resource_tags is None
            ):
                out.append(key)
        return out

    # -- who the outsiders are --------------------------------------------------------------------------------
    def _callers(self, public: bool) -> Any:
        import z3

        enc = self.enc
        picked = self.public_callers if public else tuple(range(1, len(self.callers)))
        out = [z3.Or(*(enc.who == i for i in picked))]
        for i in picked:
            out.append(z3.Implies(enc.who == i, z3.And(*self._caller_keys(i, public))))
        if not public:
            # an account the solver picks for an unnamed caller is still not the owner's
            out.append(enc.account != z3.StringVal(self.owner))
        else:
            out.extend(enc.account != z3.StringVal(a) for a in sorted(self.literal_accounts))
        out.extend(self._request_keys(public))
        return z3.And(*out)

    def _caller_keys(self, i: int, public: bool) -> list[Any]:
        return principal_keys(self.enc, i, public=public, fresh_id=self._fresh_id, fresh_org=self._fresh_org)

    def _request_keys(self, public: bool) -> list[Any]:
        """What an outsider's request carries in the keys that say where it comes from."""
        import z3

        enc = self.enc
        out: list[Any] = []
        for key, kv in enc.keys.items():
            if key in SOURCE_ACCOUNT_KEYS:
                if public:
                    cond = self._each(kv, self._fresh_account)
                else:
                    cond = self._each(kv, lambda v: v != z3.StringVal(self.owner))
                out.append(z3.Or(z3.Not(kv.present), cond))
            elif key in SOURCE_ARN_KEYS:
                accounts = self.literal_accounts if public else {self.owner}
                cond = self._each(kv, lambda v, a=accounts, k=key: self._fresh_arn(v, k, a, literal=public))
                out.append(z3.Or(z3.Not(kv.present), cond))
            elif key in SOURCE_ORG_KEYS:
                if public:
                    out.append(z3.Or(z3.Not(kv.present), self._fresh_org(kv)))
            elif key in PINNING_KEYS:
                out.append(
                    z3.Or(z3.Not(kv.present), self._each(kv, lambda v, k=key: self._fresh_value(v, k)))
                )
            elif key in ADDRESS_KEYS:
                out.append(z3.Or(z3.Not(kv.present), self._outside_ranges(kv)))
            elif key in NETWORK_FLAGS:
                if kv.family != "bool":
                    raise self.smt.Unsupported(f"{key} is compared as {kv.family}")
                out.append(z3.Or(z3.Not(kv.present), kv.slots[0].term == 0))
            elif key == "aws:resourceaccount":
                out.append(z3.And(kv.present, self._each(kv, lambda v: v == z3.StringVal(self.owner))))
            elif key.startswith("aws:resourcetag/") and self.resource_tags is not None:
                tags = {k.lower(): v for k, v in self.resource_tags.items()}
                tag = key.removeprefix("aws:resourcetag/")
                if tag in tags:
                    out.append(
                        z3.And(kv.present, self._each(kv, lambda v, t=tags[tag]: v == z3.StringVal(t)))
                    )
                else:
                    out.append(z3.Not(kv.present))
        return out

    # -- value constraints ------------------------------------------------------------------------------------
    def _str(self, kv: Any) -> Any:
        return _single_string(kv)

    def _each(self, kv: Any, fn: Any) -> Any:
        import z3

        if kv.family != "string":
            raise self.smt.Unsupported(f"{kv.key} is compared as {kv.family}")
        return z3.And(*(z3.Implies(s.member, fn(s.term)) for s in kv.slots))

    def _literals(self, key: str) -> list[str]:
        return sorted(
            {
                v
                for s in self.policy.statements
                for c in s.conditions
                if c.key.lower() == key
                for v in c.values
            }
        )

    def _fresh_value(self, value: Any, key: str) -> Any:
        import z3

        return z3.And(*(value != z3.StringVal(v) for v in self._literals(key)))

    def _fresh_account(self, value: Any) -> Any:
        import z3

        digits = z3.InRe(value, z3.Loop(z3.Range("0", "9"), 12, 12))
        return z3.And(digits, *(value != z3.StringVal(a) for a in sorted(self.literal_accounts)))

    def _fresh_arn(self, value: Any, key: str, accounts: set[str], *, literal: bool) -> Any:
        import z3

        smt = self.smt
        seg = z3.Star(smt._not_colon())
        named = (
            z3.Union(*(z3.Re(a) for a in sorted(accounts)))
            if len(accounts) > 1
            else z3.Re(next(iter(accounts)))
        )
        in_named = z3.Concat(
            z3.Re("arn:"),
            seg,
            z3.Re(":"),
            seg,
            z3.Re(":"),
            seg,
            z3.Re(":"),
            named,
            z3.Re(":"),
            z3.Star(smt._any()),
        )
        out = [z3.Not(z3.InRe(value, in_named))]
        if literal:
            out.append(self._fresh_value(value, key))
        return z3.And(*out)

    def _fresh_org(self, kv: Any) -> Any:
        """An organisation (or path in one) that the policy names nowhere."""
        import z3

        orgs = set()
        for key in ("aws:principalorgid", "aws:sourceorgid", "aws:principalorgpaths", "aws:sourceorgpaths"):
            for v in self._literals(key):
                head = v.split("/", 1)[0]
                if head and "*" not in head and "?" not in head:
                    orgs.add(head)

        def fresh(value: Any) -> Any:
            out = [self._fresh_value(value, kv.key)]
            for org in sorted(orgs):
                out.append(value != z3.StringVal(org))
                out.append(z3.Not(z3.PrefixOf(z3.StringVal(org + "/"), value)))
            return z3.And(*out)

        return self._each(kv, fresh)

    def _fresh_id(self, kv: Any, caller: Caller) -> Any:
        """A unique id of the caller (``AROA...:session`` for a role, ``AIDA...`` for a user) that the policy
        does not name (``aws:userid`` "AROLEID:*" is fixed)."""
        import z3

        value = self._str(kv)
        word = z3.Plus(z3.Union(z3.Range("A", "Z"), z3.Range("0", "9")))
        if caller.kind == "role":
            shape = z3.Concat(z3.Re("AROA"), word, z3.Re(":"), z3.Plus(z3.Range("a", "z")))
        elif caller.kind == "user":
            shape = z3.Concat(z3.Re("AIDA"), word)
        else:
            return z3.BoolVal(True)
        out = [z3.InRe(value, shape), self._fresh_value(value, kv.key)]
        for v in self._literals(kv.key):
            head = v.split(":", 1)[0]
            if ":" in v and "*" not in head and "?" not in head:
                out.append(z3.Not(z3.PrefixOf(z3.StringVal(head + ":"), value)))
        return z3.And(*out)

    def _outside_ranges(self, kv: Any) -> Any:
        import ipaddress

        import z3

        if kv.family == "string":
            return self._each(kv, lambda v: self._fresh_value(v, kv.key))
        if kv.family != "ip":
            raise self.smt.Unsupported(f"{kv.key} is compared as {kv.family}")
        networks = []
        for text in self._literals(kv.key):
            try:
                net = ipaddress.ip_network(text.strip(), strict=False)
            except ValueError:
                continue
            if net.prefixlen > 0:
                networks.append(net)
        out = []
        for s in kv.slots:
            inside = [
                z3.And(
                    s.v6 if n.version == 6 else z3.Not(s.v6),
                    (s.term & int(n.netmask)) == int(n.network_address),
                )
                for n in networks
            ]
            out.append(z3.Implies(s.member, z3.And(s.ok, z3.Not(z3.Or(*inside)) if inside else True)))
        return z3.And(*out)

    # -- queries ----------------------------------------------------------------------------------------------
    def _solve(self, *extra: Any) -> Example | None:
        """An allowed request meeting ``extra`` (confirmed by the evaluator), or None when there is none."""
        import z3

        solver = self.enc.solver(int(self.timeout_ms))
        solver.add(self.allowed, *extra)
        got = solver.check()
        if got == z3.unknown:
            raise _Undecided(
                f"the solver gave up ({solver.reason_unknown()}) within {int(self.timeout_ms)} ms"
            )
        if got == z3.unsat:
            return None
        example = self.enc.example(solver.model())
        if self.depends_on_resource:
            return example  # confirmed only once the resource's own values are known
        decision = self.compiled.decide(example.request(self.owner), explain=False)
        if decision.allowed is not True:
            raise _Undecided(
                f"the request found ({example.principal} {example.action} {example.resource}) is not "
                f"confirmed by the evaluator ({decision.decision})"
            )
        return example

    def run(self) -> Access:
        policy = self.policy
        public = self._callers(True)
        external = self._callers(False)
        undecided: list[str] = []
        try:
            first_public = self._solve(public)
            first_external = None if first_public is not None else self._solve(external)
        except _Undecided as exc:
            return Access("unknown", reason=f"whether {policy.name} lets anyone in is not decided: {exc}")
        if self.depends_on_resource and (first_public or first_external):
            keys = ", ".join(sorted(self.depends_on_resource))
            return Access(
                "unknown",
                reason=f"whether {policy.name} lets anyone in depends on the resource's {keys}, not known",
            )
        if first_public is None and first_external is None:
            return Access("not")
        deadline = time.monotonic() + _GRANT_SECONDS
        grants: list[Grant] = []
        enc = self.enc
        for statement in policy.statements:
            if statement.effect != "Allow":
                continue
            if time.monotonic() > deadline:
                undecided.append("not every statement was listed within the time allowed")
                break
            applies = enc.applies(policy, statement)
            try:
                example = self._solve(public, applies) if first_public is not None else None
                if example is not None:
                    actions = self._actions(statement, example, public, applies, deadline)
                    grants.append(_grant(policy, statement, {"*"}, actions, True, example))
                    continue
                labels, example = self._labels(statement, external, applies)
            except _Undecided as exc:
                undecided.append(str(exc))
                continue
            if example is not None:
                actions = self._actions(statement, example, external, applies, deadline)
                grants.append(_grant(policy, statement, labels, actions, False, example))
        if first_public is not None:
            return Access("public", tuple(grants), undecided=tuple(undecided), example=first_public)
        return Access("cross-account", tuple(grants), undecided=tuple(undecided), example=first_external)

    def _actions(
        self, statement: Statement, example: Example, who: Any, applies: Any, deadline: float
    ) -> set[str]:
        """The statement's action patterns that an outsider is allowed (as written)."""
        if statement.not_action:
            return {"NotAction " + ",".join(statement.actions)}
        found = {a for a in statement.actions if patterns.glob_matcher(a.lower())(example.action.lower())}
        for pattern in statement.actions:
            if pattern in found:
                continue
            if time.monotonic() > deadline:
                break
            try:
                if self._solve(who, applies, self.enc.action_matches(statement, only=[pattern])) is not None:
                    found.add(pattern)
            except _Undecided:
                continue
        return found or set(statement.actions)

    def _labels(self, statement: Statement, external: Any, applies: Any) -> tuple[set[str], Example | None]:
        """Who outside the account the statement lets in: named accounts, organisations, or ``*``."""
        import z3

        enc = self.enc
        account = _account_term(enc)
        blocked: list[Any] = []
        labels: set[str] = set()
        first: Example | None = None
        for _ in range(_MAX_LABELS):
            example = self._solve(external, applies, *blocked)
            if example is None:
                break
            first = first or example
            got = self._label(example)
            labels.add(got)
            if got.startswith("organisation "):
                org = enc.key("aws:principalorgid")
                assert org is not None
                blocked.append(z3.Not(z3.And(org.present, org.string == z3.StringVal(got.split(" ", 1)[1]))))
            elif _ACCOUNT.match(got):
                blocked.append(account != z3.StringVal(got))
            else:
                break
        return labels, first

    def _label(self, example: Example) -> str:
        who = example.principal
        parts = who.split(":", 5)
        account = parts[4] if len(parts) == 6 else ""
        if account in self.named:
            return account
        org = example.context.get("aws:principalorgid")
        if isinstance(org, str) and org in set(self._literals("aws:principalorgid")):
            return f"organisation {org}"
        for key in (*sorted(SOURCE_ACCOUNT_KEYS), "aws:principalaccount"):
            value = example.context.get(key)
            if isinstance(value, str) and value in self.named:
                return value
        source = example.context.get("aws:sourcearn")
        if isinstance(source, str):
            bits = source.split(":", 5)
            if len(bits) == 6 and bits[4] in self.named:
                return bits[4]
        return "*"


def _account_term(enc: Encoding) -> Any:
    import z3

    term: Any = z3.StringVal("")
    for i in range(len(enc.callers) - 1, -1, -1):
        acct = enc.caller_account(i)
        term = z3.If(enc.who == i, acct if acct is not None else z3.StringVal(""), term)
    return term


def principal_keys(
    enc: Encoding,
    i: int,
    *,
    public: bool,
    fresh_id: Any = None,
    fresh_org: Any = None,
) -> list[Any]:
    """What the request of caller ``i`` carries in the keys set from the principal itself: its ARN,
    account, type and user name, none of them for an anonymous caller. ``public``: the caller is an
    outsider named nowhere (its unique id and organisation are ``fresh_id``/``fresh_org``, else free)."""
    import z3

    from ringfence.iam import smt

    caller = enc.callers[i]
    arn = enc.caller_arn(i)
    account = enc.caller_account(i)
    out: list[Any] = []
    for key, kv in enc.keys.items():
        if key not in PRINCIPAL_KEYS and not key.startswith("aws:principaltag/"):
            continue
        if caller.kind == "anonymous":
            if key == "aws:principaltype":
                out.append(z3.And(kv.present, _single_string(kv) == "Anonymous"))
            elif key == "aws:userid":
                out.append(z3.And(kv.present, _single_string(kv) == "anonymous"))
            else:
                out.append(z3.Not(kv.present))
            continue
        if key.startswith("aws:principaltag/"):
            continue  # the caller tags itself as it likes
        if key == "aws:principalarn":
            out.append(
                z3.And(kv.present, _single_string(kv) == arn) if arn is not None else z3.Not(kv.present)
            )
        elif key in ("aws:principalaccount", "kms:calleraccount"):
            out.append(
                z3.And(kv.present, _single_string(kv) == account)
                if account is not None
                else z3.Not(kv.present)
            )
        elif key == "aws:principaltype":
            out.append(z3.And(kv.present, _single_string(kv) == _principal_type(caller)))
        elif key == "aws:username":
            if caller.kind == "user":
                out.append(z3.And(kv.present, _single_string(kv) == enc.names[i]))
            else:
                out.append(z3.Not(kv.present))
        elif key == "aws:userid":
            # a role's unique id names it, whoever asks: only a caller named in the policy has one it names
            fresh = public or caller.account is None
            if fresh and fresh_id is not None:
                out.append(z3.And(kv.present, fresh_id(kv, caller)))
            else:
                out.append(kv.present)
        elif key in ("aws:principalorgid", "aws:principalorgpaths"):
            if public and fresh_org is not None:
                out.append(z3.Or(z3.Not(kv.present), fresh_org(kv)))
        elif key == "aws:principalisawsservice":
            if kv.family != "bool":
                raise smt.Unsupported(f"{key} is compared as {kv.family}")
            out.append(z3.And(kv.present, kv.slots[0].term == 0))
        elif key in ("aws:principalservicename", "aws:principalservicenameslist"):
            out.append(z3.Not(kv.present))
    return out


def _single_string(kv: Any) -> Any:
    from ringfence.iam import smt

    if kv.family != "string":
        raise smt.Unsupported(f"{kv.key} is compared as {kv.family}")
    if kv.multi:
        raise smt.Unsupported(f"{kv.key} is compared as a set of values")
    return kv.string


def _principal_type(caller: Caller) -> str:
    if caller.kind == "arn":
        if caller.arn.endswith(":root"):
            return "Account"
        return "User" if ":user/" in caller.arn else "AssumedRole"
    return "User" if caller.kind == "user" else "AssumedRole"


def _services(policy: Policy, resource_arn: str | None) -> set[str]:
    """The services whose actions a request on the resource can be."""
    if policy.policy_type == "trust":
        return {"sts"}
    if resource_arn and resource_arn.count(":") >= 5:
        service = resource_arn.split(":")[2]
        if service:
            return {service}
    return {
        a.split(":", 1)[0].lower()
        for s in policy.statements
        for a in s.actions
        if ":" in a and "*" not in a.split(":", 1)[0]
    }


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


# -- what the policy names ------------------------------------------------------------------------------------
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
            if c.key.lower() in _ACCOUNT_VALUED or c.key.lower() in ("aws:principalarn", "aws:sourcearn"):
                for v in c.values:
                    account = _account_of(v)
                    if account is not None and account != owner:
                        out.setdefault(account, set())
    return {k: tuple(sorted(v)) for k, v in out.items()}


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


def _grant(
    policy: Policy,
    statement: Statement,
    principals: set[str],
    actions: set[str],
    public: bool,
    example: Example | None = None,
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
        example=example,
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
