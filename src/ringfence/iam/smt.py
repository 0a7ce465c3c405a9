"""Policies as z3 formulas over one symbolic request: the encoding that the public-access proof
(:mod:`ringfence.iam.access`) and policy comparison (:mod:`ringfence.iam.compare`) share.

A request is a principal (one of a finite list of :class:`Caller` shapes, some with a name or account the
solver picks), an action (one representative of each class of actions that the policies' action patterns
cannot tell apart), a resource (a string) and, for every condition key the policies name, whether it is
present and its value or values. Each statement becomes a formula that holds exactly when the statement
applies to the request, mirroring :mod:`ringfence.iam.conditions` and :mod:`ringfence.iam.evaluator`
operator by operator:

- string, ARN, numeric, date, Boolean, binary and IP operators, their negations, ``...IfExists``, ``Null``,
  ``ForAllValues:``/``ForAnyValue:`` over a key's set of values, missing keys;
- wildcards as regular expressions (ARN wildcards stay inside their segment, as the evaluator reads the
  Resource element page), case-insensitive comparison, policy variables (``${aws:username}``) as the value
  of the key they name, with defaults, unresolved variables as AWS treats them;
- ``Principal``/``NotPrincipal`` decided per caller shape, ``Action``/``NotAction`` per action class,
  ``Resource``/``NotResource`` over the resource string.

A key is multi-valued when a condition applies a set operator to it or AWS documents it so
(:data:`MULTI_VALUED`); otherwise a request holds one value of it, as AWS sends. What the encoding cannot
express exactly (a key compared both as a number and as a string, a ``?`` next to a policy variable) raises
:class:`Unsupported`, and the caller answers ``unknown``: nothing is approximated silently.

z3 is imported here, so import this module only where it is used (``import ringfence.iam`` stays light).
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Literal, cast

import z3

from ringfence.iam import patterns
from ringfence.iam.catalogue import (
    action_info,
    all_actions,
    arn_template_regex,
    resource_types,
    service_actions,
    service_keys,
)
from ringfence.iam.conditions import (
    NEGATED,
    OperatorError,
    RequestContext,
    family,
    parse_date,
    parse_network,
    parse_number,
    split_operator,
)
from ringfence.iam.evaluator import Request
from ringfence.iam.policy import VERSION_2008, Policy, Statement
from ringfence.iam.principals import match_entry, parse_principal

# Keys AWS documents as multi-valued (IAM User Guide, "Single-valued vs. multivalued context keys", and
# the global condition context keys page).
MULTI_VALUED = frozenset(
    {
        "aws:tagkeys",
        "aws:principalorgpaths",
        "aws:sourceorgpaths",
        "aws:resourceorgpaths",
        "aws:calledvia",
        "aws:principalservicenameslist",
    }
)

_POSITIVE = {
    "stringnotequals": "stringequals",
    "stringnotequalsignorecase": "stringequalsignorecase",
    "stringnotlike": "stringlike",
    "numericnotequals": "numericequals",
    "datenotequals": "dateequals",
    "arnnotequals": "arnequals",
    "arnnotlike": "arnlike",
    "notipaddress": "ipaddress",
}
Family = Literal["string", "numeric", "date", "bool", "ip"]
_FAMILY_OF = {"string": "string", "arn": "string", "binaryequals": "string", "numeric": "numeric"}
_FAMILY_OF |= {"date": "date", "bool": "bool", "ip": "ip"}


class Unsupported(Exception):
    """The policies use something the encoding cannot express exactly (the reason is the message)."""


# -- regular expressions --------------------------------------------------------------------------------------
def _any() -> z3.ReRef:
    return z3.AllChar(z3.ReSort(z3.StringSort()))


def _not_colon() -> z3.ReRef:
    return z3.Union(z3.Range("\u0000", "9"), z3.Range(";", "\U0002ffff"))


def _seq(parts: list[z3.ReRef]) -> z3.ReRef:
    if not parts:
        return z3.Re("")
    return parts[0] if len(parts) == 1 else z3.Concat(*parts)


def glob_re(pattern: str, *, ignore_case: bool = False) -> z3.ReRef:
    """``*`` any run, ``?`` one character, the rest literal (``StringLike``, actions)."""
    parts: list[z3.ReRef] = []
    for kind, tok in patterns.plain_tokens(patterns.tokenize(pattern, variables=False)):
        if kind == "wild":
            parts.append(z3.Star(_any()) if tok == "*" else _any())
        else:
            parts.append(_caseless(tok) if ignore_case else z3.Re(tok))
    return _seq(parts)


def _caseless(text: str) -> z3.ReRef:
    parts: list[z3.ReRef] = []
    for ch in text:
        low, up = ch.lower(), ch.upper()
        parts.append(z3.Union(z3.Re(low), z3.Re(up)) if low != up and len(low) == len(up) == 1 else z3.Re(ch))
    return _seq(parts)


def arn_re(pattern: str) -> z3.ReRef:
    """The evaluator's ARN reading (:func:`patterns.arn_regex`): wildcards stay inside their segment in the
    first five, except a ``*`` that ends one, which may run past the colon."""
    tokens = patterns.plain_tokens(patterns.tokenize(pattern, variables=False))
    parts: list[z3.ReRef] = []
    segment = 0
    last = len(tokens) - 1
    for i, (kind, tok) in enumerate(tokens):
        if kind == "wild":
            ends = i == last or (tokens[i + 1][0] == "lit" and tokens[i + 1][1].startswith(":"))
            if segment >= 5 or (tok == "*" and ends):
                parts.append(z3.Star(_any()) if tok == "*" else _any())
            else:
                parts.append(z3.Star(_not_colon()) if tok == "*" else _not_colon())
            continue
        for piece in re.split(r"(:)", tok):
            if piece == ":" and segment < 5:
                segment += 1
            if piece:
                parts.append(z3.Re(piece))
    return _seq(parts)


# -- the request --------------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Caller:
    """One shape of request principal.

    ``anonymous``: no credentials. ``arn``: a fixed principal (``arn``). ``role``/``user``: an IAM role or
    user of ``account`` whose name the solver picks (``account`` None: an account the solver picks, named
    nowhere in the policies' principals)."""

    label: str
    kind: Literal["anonymous", "arn", "role", "user"]
    arn: str = ""
    account: str | None = None


@dataclass(frozen=True, slots=True)
class Example:
    """A concrete request: what the solver found, in the evaluator's terms."""

    principal: str
    action: str
    resource: str
    context: Mapping[str, str | tuple[str, ...]] = field(default_factory=dict)
    absent: tuple[str, ...] = ()  # condition keys the request does not carry

    def request(self, resource_account: str | None) -> Request:
        return Request(
            self.principal,
            self.action,
            self.resource,
            resource_account,
            RequestContext(dict(self.context), complete=True),
        )

    def as_json(self) -> dict[str, object]:
        return {
            "principal": self.principal,
            "action": self.action,
            "resource": self.resource,
            "context": {k: list(v) if isinstance(v, tuple) else v for k, v in sorted(self.context.items())},
        }


@dataclass(slots=True)
class _Slot:
    member: z3.BoolRef  # the value is in the request's set (always true for a single-valued key)
    term: z3.ExprRef  # String, Real, Int (bool: 0 false, 1 true, 2 neither) or BitVec(128) for ip
    ok: z3.BoolRef  # the text is a number / date / address (true for strings)
    v6: z3.BoolRef | None = None  # ip: an IPv6 address


@dataclass(slots=True)
class KeyVars:
    key: str
    family: Family
    multi: bool
    present: z3.BoolRef
    slots: list[_Slot]
    decimals: int = 0

    def nonempty(self) -> z3.BoolRef:
        return z3.Or(*(s.member for s in self.slots)) if self.multi else z3.BoolVal(True)

    @property
    def string(self) -> z3.SeqRef:
        """The value of a single-valued string key."""
        assert self.family == "string" and not self.multi
        term = self.slots[0].term
        assert isinstance(term, z3.SeqRef)
        return term


def _variables_in(statement: Statement) -> Iterable[str]:
    texts = [v for c in statement.conditions for v in c.values] + list(statement.resources or ())
    for text in texts:
        if "${" in text:
            for kind, tok in patterns.tokenize(text):
                if kind == "var" and isinstance(tok, patterns.Variable):
                    yield tok.key


def action_classes(
    policies: Sequence[Policy],
    services: Iterable[str] | None = None,
    extra: Iterable[str] = (),
    *,
    by_resource_type: bool = False,
) -> list[str]:
    """One action (lower case) per class of actions that no action pattern of ``policies`` tells apart,
    among the catalogue's actions (of ``services`` when given) and the actions the policies spell out."""
    pats = sorted({a.lower() for p in policies for s in p.statements for a in s.actions if a != "*"})
    literal = {
        a.lower() for p in policies for s in p.statements for a in s.actions if "*" not in a and "?" not in a
    } | {a.lower() for a in extra}
    if services is not None:
        wanted = {s.lower() for s in services}
        candidates = {
            f"{a.service}:{a.name}".lower() for s in sorted(wanted) for a in service_actions(s).values()
        }
        candidates |= {a for a in literal if a.split(":", 1)[0] in wanted}
    else:
        touched: set[str] = set()
        broad = False
        for p in pats:
            service = p.split(":", 1)[0] if ":" in p else "*"
            if "*" in service or "?" in service:
                broad = True
                break
            touched.add(service)
        if broad:
            candidates = {a.qualified.lower() for a in all_actions()}
        else:
            candidates = {
                f"{a.service}:{a.name}".lower() for s in sorted(touched) for a in service_actions(s).values()
            }
            # every other service's actions look alike to these patterns: one stands for them all
            other = next(
                (s for s in sorted(service_keys()) if s not in touched and service_actions(s)),
                None,
            )
            if other is not None:
                candidates.add(f"{other}:{sorted(service_actions(other))[0]}")
        candidates |= literal
    matchers = [patterns.glob_matcher(p) for p in pats]
    classes: dict[tuple[object, ...], str] = {}
    for action in sorted(candidates):
        # With ``by_resource_type``, actions the patterns cannot tell apart are one class only if they take
        # the same resources: a request is for a resource of its action's type (s3:GetObject an object,
        # s3:GetBucketAcl a bucket), which the encoding then holds (Encoding.resource_fits_action).
        kinds = resource_templates(action) if by_resource_type else None
        signature = (*(m(action) for m in matchers), kinds)
        classes.setdefault(signature, action)
    return sorted(classes.values())


def resource_templates(action: str) -> tuple[str, ...] | None:
    """The ARN templates of the resource types ``action`` takes (empty: only ``*``); None for an action
    the catalogue does not know (its resource is not constrained)."""
    info = action_info(action)
    if info is None:
        return None
    if not any(info.resource_types):
        return ()
    types = resource_types(info.service)
    found = {types[n.lower()][0] for n in info.resource_types if n and types.get(n.lower(), ("", ()))[0]}
    return tuple(sorted(found)) if found else None


def _printable() -> z3.ReRef:
    return z3.Range(" ", "\U0002ffff")


def _name_char() -> z3.ReRef:
    """A character of a name segment of an ARN: not a separator (``:`` or ``/``), not a control character."""
    return z3.Union(z3.Range(" ", "."), z3.Range("0", "9"), z3.Range(";", "\U0002ffff"))


def template_re(template: str) -> z3.ReRef:
    """An ARN template of the catalogue as the ARNs it stands for: each ``${Name}`` a non-empty segment
    without separators; an object key, a relative or resource id, or a path, any text without control
    characters."""
    parts: list[z3.ReRef] = []
    pos = 0
    for m in re.finditer(r"\$\{[^}]*\}", template):
        if template[pos : m.start()]:
            parts.append(z3.Re(template[pos : m.start()]))
        wide = m.group(0) in ("${ObjectName}", "${RelativeId}", "${ResourceId}") or "Path" in m.group(0)
        parts.append(z3.Plus(_printable() if wide else _name_char()))
        pos = m.end()
    if template[pos:]:
        parts.append(z3.Re(template[pos:]))
    return _seq(parts)


class Encoding:
    """The formulas of some policies over one symbolic request."""

    def __init__(
        self,
        policies: Sequence[Policy],
        *,
        actions: Sequence[str],
        callers: Sequence[Caller],
        partition: str = "aws",
        resource_domain: z3.BoolRef | None = None,
        accounts: Sequence[str] = (),
        resource_arn: str | None = None,
    ) -> None:
        if not actions:
            raise Unsupported("no action is in question")
        self.policies = tuple(policies)
        self.actions = tuple(actions)
        self.callers = tuple(callers)
        self.partition = partition
        self.resource_arn = resource_arn  # the one resource (and what is under it) requests are for
        self.action = z3.Int("action")
        self.who = z3.Int("who")
        self.resource = z3.String("resource")
        self.account = z3.String("caller_account")
        self.names = [z3.String(f"caller_name_{i}") for i in range(len(self.callers))]
        self.keys: dict[str, KeyVars] = {}
        self._regex: dict[tuple[str, str], z3.ReRef] = {}
        self._extra_domain: list[z3.BoolRef] = []
        self._declare_keys()
        self.domain: list[z3.BoolRef] = [
            self.action >= 0,
            self.action < len(self.actions),
            self.who >= 0,
            self.who < len(self.callers),
        ]
        if resource_domain is not None:
            self.domain.append(resource_domain)
        self.domain.append(self.typed_resources())
        self._caller_domain(accounts)

    # -- declarations ---------------------------------------------------------------------------------------
    def _declare_keys(self) -> None:
        families: dict[str, set[str]] = {}
        multi: set[str] = set()
        decimals: dict[str, int] = {}
        for policy in self.policies:
            for statement in policy.statements:
                for c in statement.conditions:
                    key = c.key.lower()
                    families.setdefault(key, set())
                    try:
                        set_op, base, _ = split_operator(c.operator)
                    except OperatorError:
                        continue
                    if set_op is not None:
                        multi.add(key)
                    if base != "null":
                        families[key].add(_FAMILY_OF[family(base)])
                    for v in c.values:
                        if "." in v:
                            decimals[key] = max(decimals.get(key, 0), len(v.rsplit(".", 1)[1]))
                if policy.version != VERSION_2008:
                    for key in _variables_in(statement):
                        families.setdefault(key, set()).add("string")
        for key in sorted(families):
            found = families[key]
            if len(found) > 1:
                raise Unsupported(f"{key} is compared as {' and as '.join(sorted(found))}")
            fam = cast(Family, next(iter(found)) if found else "string")
            is_multi = key in multi or key in MULTI_VALUED
            count = 1
            if is_multi:
                anyvalue = sum(
                    1
                    for p in self.policies
                    for s in p.statements
                    for c in s.conditions
                    if c.key.lower() == key and c.operator.lower().startswith("foranyvalue")
                )
                count = min(4, anyvalue + 2)
            slots = [self._slot(key, i, fam, is_multi) for i in range(count)]
            self.keys[key] = KeyVars(
                key, fam, is_multi, z3.Bool(f"has|{key}"), slots, decimals.get(key, 0) + 1
            )
        for kv in self.keys.values():
            if kv.family in ("numeric", "date"):
                scale = 10**kv.decimals
                for s in kv.slots:
                    scaled = s.term * scale
                    self._extra_domain.append(z3.ToReal(z3.ToInt(scaled)) == scaled)
            if kv.family == "bool":
                for s in kv.slots:
                    self._extra_domain.append(z3.And(s.term >= 0, s.term <= 2))
            if kv.family == "ip":
                for s in kv.slots:
                    assert s.v6 is not None
                    self._extra_domain.append(z3.Implies(z3.Not(s.v6), z3.ULT(s.term, 1 << 32)))

    def _slot(self, key: str, i: int, fam: Family, is_multi: bool) -> _Slot:
        name = f"{key}|{i}"
        member = z3.Bool(f"in|{name}") if is_multi else z3.BoolVal(True)
        if fam == "string":
            return _Slot(member, z3.String(name), z3.BoolVal(True))
        if fam in ("numeric", "date"):
            return _Slot(member, z3.Real(name), z3.Bool(f"ok|{name}"))
        if fam == "bool":
            return _Slot(member, z3.Int(name), z3.BoolVal(True))
        return _Slot(member, z3.BitVec(name, 128), z3.Bool(f"ok|{name}"), z3.Bool(f"v6|{name}"))

    def _caller_domain(self, accounts: Sequence[str]) -> None:
        self.domain.extend(self._extra_domain)
        named = {c.account for c in self.callers if c.kind in ("role", "user", "arn") and c.account}
        named |= _principal_accounts(self.policies)
        if any(c.account is None and c.kind in ("role", "user") for c in self.callers):
            # The unnamed caller's account is one of the candidates (see :func:`account_candidates`): a
            # choice among equalities costs the solver nothing, a 12-digit string constraint a lot.
            picks = [a for a in dict.fromkeys(accounts) if a not in named]
            if not picks:
                raise Unsupported("no account is left for a caller named nowhere")
            self.domain.append(z3.Or(*(self.account == z3.StringVal(a) for a in picks)))
        name_re = z3.Concat(
            z3.Range("a", "z"),
            z3.Star(
                z3.Union(z3.Range("a", "z"), z3.Range("A", "Z"), z3.Range("0", "9"), z3.Re("-"), z3.Re("_"))
            ),
        )
        for i, c in enumerate(self.callers):
            if c.kind in ("role", "user"):
                self.domain.append(z3.InRe(self.names[i], name_re))
                # names the policies spell out belong to the fixed callers
                for taken in sorted(_principal_names(self.policies, c.kind)):
                    self.domain.append(self.names[i] != z3.StringVal(taken))

    def key(self, key: str) -> KeyVars | None:
        return self.keys.get(key.lower())

    def resource_fits_action(self) -> z3.BoolRef:
        """The request's resource is one its action takes: an ARN of one of the action's resource types,
        or ``*`` for an action that takes no resource (an action the catalogue does not know: any).

        With the resource known (``resource_arn``: a resource policy's own resource, and for a bucket its
        objects), which action takes it is decided here, once per action class, and the solver only
        chooses among them."""
        out = []
        for i, action in enumerate(self.actions):
            templates = resource_templates(action)
            if templates is None:
                continue
            if self.resource_arn is not None:
                out.append(z3.Implies(self.action == i, self._fits_known(templates)))
                continue
            if not templates:
                out.append(z3.Implies(self.action == i, self.resource == z3.StringVal("*")))
                continue
            fits = [
                z3.InRe(self.resource, template_re(t.replace("${Partition}", self.partition)))
                for t in templates
            ]
            out.append(z3.Implies(self.action == i, z3.Or(*fits)))
        return z3.And(*out) if out else z3.BoolVal(True)

    def typed_resources(self) -> z3.BoolRef:
        """:meth:`resource_fits_action` where it is cheap to hold: the resource is known (a resource
        policy's own). A free resource string stays free (any ARN the policies' patterns admit)."""
        return self.resource_fits_action() if self.resource_arn is not None else z3.BoolVal(True)

    def _fits_known(self, templates: tuple[str, ...]) -> z3.BoolRef:
        """The resource is ``resource_arn`` itself, or something under it (``arn/...``), as far as one of
        ``templates`` takes it."""
        arn = self.resource_arn or ""
        regexes = [arn_template_regex(t.replace("${Partition}", self.partition)) for t in templates]
        options = []
        if any(r.fullmatch(arn) for r in regexes):
            options.append(self.resource == z3.StringVal(arn))
        if any(r.fullmatch(arn + "/x") for r in regexes):
            below = z3.StringVal(arn + "/")
            options.append(z3.And(z3.PrefixOf(below, self.resource), z3.Length(self.resource) > len(arn) + 1))
        return z3.Or(*options) if options else z3.BoolVal(False)

    # -- terms of the caller ----------------------------------------------------------------------------
    def caller_arn(self, i: int) -> z3.SeqRef | None:
        c = self.callers[i]
        if c.kind == "anonymous":
            return None
        if c.kind == "arn":
            return z3.StringVal(c.arn)
        account = z3.StringVal(c.account) if c.account else self.account
        return z3.Concat(
            z3.StringVal(f"arn:{self.partition}:iam::"), account, z3.StringVal(f":{c.kind}/"), self.names[i]
        )

    def caller_account(self, i: int) -> z3.SeqRef | None:
        c = self.callers[i]
        if c.kind == "anonymous":
            return None
        if c.kind == "arn":
            who = parse_principal(c.arn)
            return z3.StringVal(who.account) if who.account else None
        return z3.StringVal(c.account) if c.account else self.account

    # -- statements -----------------------------------------------------------------------------------------
    def allows(self, policy: Policy) -> z3.BoolRef:
        """The policy's own meaning: some Allow statement applies and no Deny does."""
        allow = [self.applies(policy, s) for s in policy.statements if s.effect == "Allow"]
        deny = [self.applies(policy, s) for s in policy.statements if s.effect == "Deny"]
        return z3.And(z3.Or(*allow) if allow else z3.BoolVal(False), z3.Not(z3.Or(*deny)) if deny else True)

    def denied(self, policy: Policy) -> z3.BoolRef:
        deny = [self.applies(policy, s) for s in policy.statements if s.effect == "Deny"]
        return z3.Or(*deny) if deny else z3.BoolVal(False)

    def applies(self, policy: Policy, statement: Statement) -> z3.BoolRef:
        variables = policy.version != VERSION_2008
        parts = [self.action_matches(statement), self._principal(statement)]
        parts.append(self._resource(statement, variables))
        parts.extend(self.condition(c.operator, c.key, c.values, variables) for c in statement.conditions)
        return z3.And(*parts)

    def action_matches(self, statement: Statement, only: Sequence[str] | None = None) -> z3.BoolRef:
        matchers = [
            patterns.glob_matcher(a.lower()) for a in (only if only is not None else statement.actions)
        ]
        hits = [i for i, a in enumerate(self.actions) if any(m(a) for m in matchers)]
        if statement.not_action and only is None:
            hits = [i for i in range(len(self.actions)) if i not in set(hits)]
        return z3.Or(*(self.action == i for i in hits)) if hits else z3.BoolVal(False)

    def _principal(self, statement: Statement) -> z3.BoolRef:
        entries = statement.principals
        if entries is None:
            return z3.BoolVal(True)
        hits = []
        for i, c in enumerate(self.callers):
            who = parse_principal(self._stand_in(c))
            matched = any(match_entry(e, who) is not None for e in entries)
            if matched != statement.not_principal:
                hits.append(i)
        return z3.Or(*(self.who == i for i in hits)) if hits else z3.BoolVal(False)

    def _stand_in(self, c: Caller) -> str:
        """A concrete principal with the caller's shape: its picked name and account are named nowhere."""
        if c.kind == "anonymous":
            return "anonymous"
        if c.kind == "arn":
            return c.arn
        account = c.account or "000000000000"
        return f"arn:{self.partition}:iam::{account}:{c.kind}/\x00ringfence"

    def _resource(self, statement: Statement, variables: bool) -> z3.BoolRef:
        resources = statement.resources
        if resources is None:
            return z3.BoolVal(True)
        negate = statement.not_resource
        if "*" in resources:
            return z3.BoolVal(not negate)
        fixed = [r for r in resources if not (variables and patterns.has_variables(r))]
        dynamic = [r for r in resources if variables and patterns.has_variables(r)]
        fixed_hit = (
            z3.Or(*(z3.InRe(self.resource, self._re("arn", r)) for r in fixed))
            if fixed
            else z3.BoolVal(False)
        )
        if not dynamic:
            return z3.Not(fixed_hit) if negate else fixed_hit
        resolved_hits = []
        invalid = []
        for r in dynamic:
            ok, term = self._resolve(r)
            resolved_hits.append(z3.And(ok, self._match_variable_pattern(self.resource, term, arn=True)))
            same_kind = _same_kind(r)
            invalid.append(z3.And(z3.Not(ok), z3.InRe(self.resource, self._re("arn", same_kind))))
        return z3.If(
            fixed_hit,
            z3.BoolVal(not negate),
            z3.If(z3.Or(*resolved_hits), z3.BoolVal(not negate), z3.If(z3.Or(*invalid), False, negate)),
        )

    def _re(self, kind: str, pattern: str) -> z3.ReRef:
        got = self._regex.get((kind, pattern))
        if got is None:
            if kind == "arn":
                got = arn_re(pattern)
            elif kind == "glob":
                got = glob_re(pattern)
            else:
                got = _caseless(pattern)
            self._regex[(kind, pattern)] = got
        return got

    # -- conditions -------------------------------------------------------------------------------------
    def condition(self, operator: str, key_name: str, values: Sequence[str], variables: bool) -> z3.BoolRef:
        try:
            set_op, base, if_exists = split_operator(operator)
        except OperatorError:
            return z3.BoolVal(False)
        kv = self.keys[key_name.lower()]
        if base == "null":
            wants = [v.lower() == "true" for v in values if v.lower() in ("true", "false")]
            return (
                z3.Or(*(z3.Not(kv.present) if w else kv.present for w in wants))
                if wants
                else z3.BoolVal(False)
            )
        negated = base in NEGATED
        positive = _POSITIVE.get(base, base)
        fam = family(positive)
        if set_op == "forallvalues":
            absent: z3.BoolRef = z3.BoolVal(True)
        elif set_op == "foranyvalue":
            absent = z3.BoolVal(False)
        else:
            absent = z3.BoolVal(True if if_exists else negated)
        unreadable = False
        if fam in ("numeric", "date"):
            parse = parse_number if fam == "numeric" else parse_date
            unreadable = any(parse(v) is None for v in values)
        # policy variables: per value, whether it resolves and the match when it does
        substitutable = (
            variables and fam in ("string", "arn") and any(patterns.has_variables(v) for v in values)
        )
        all_resolved: z3.BoolRef = z3.BoolVal(True)

        def match(slot: _Slot) -> z3.BoolRef:
            if not substitutable:
                return self._match(positive, fam, values, slot)
            hits = []
            for v in values:
                if not patterns.has_variables(v):
                    hits.append(self._match(positive, fam, (v,), slot))
                    continue
                ok, term = self._resolve(v)
                hits.append(z3.And(ok, self._variable_match(positive, slot, term)))
            return z3.Or(*hits) if hits else z3.BoolVal(False)

        if substitutable:
            oks = [self._resolve(v)[0] for v in values if patterns.has_variables(v)]
            all_resolved = z3.And(*oks)
        numeric = fam in ("numeric", "date")

        def one(slot: _Slot) -> z3.BoolRef:
            m = match(slot)
            got = z3.Not(m) if negated else m
            return z3.And(slot.ok, got) if numeric else got

        if kv.multi:
            slots = kv.slots
            if set_op == "forallvalues":
                body = z3.And(*(z3.Implies(s.member, one(s)) for s in slots))
            elif set_op == "foranyvalue":
                body = z3.Or(*(z3.And(s.member, one(s)) for s in slots))
            else:
                hit = z3.Or(*(z3.And(s.member, match(s)) for s in slots))
                body = z3.Not(hit) if negated else hit
                if numeric:
                    body = z3.And(z3.And(*(z3.Implies(s.member, s.ok) for s in slots)), body)
            present = z3.And(kv.present, kv.nonempty())
        else:
            slot = kv.slots[0]
            if set_op is None:
                m = match(slot)
                body = z3.Not(m) if negated else m
                if numeric:
                    body = z3.And(slot.ok, body)
            else:
                body = one(slot)
            present = kv.present
        if unreadable and negated:
            body = z3.BoolVal(False)
        if substitutable and negated:
            body = z3.And(all_resolved, body)
        return z3.If(present, body, absent)

    def _match(self, positive: str, fam: str, values: Sequence[str], slot: _Slot) -> z3.BoolRef:
        term = slot.term
        if fam == "string":
            assert isinstance(term, z3.SeqRef)
            if positive == "stringequals":
                return z3.Or(*(term == z3.StringVal(v) for v in values)) if values else z3.BoolVal(False)
            if positive == "stringequalsignorecase":
                return (
                    z3.Or(*(z3.InRe(term, self._re("case", v)) for v in values))
                    if values
                    else z3.BoolVal(False)
                )
            return (
                z3.Or(*(z3.InRe(term, self._re("glob", v)) for v in values)) if values else z3.BoolVal(False)
            )
        if fam == "arn":
            assert isinstance(term, z3.SeqRef)
            if "*" in values:
                return z3.BoolVal(True)
            return (
                z3.Or(*(z3.InRe(term, self._re("arn", v)) for v in values)) if values else z3.BoolVal(False)
            )
        if fam == "binaryequals":
            assert isinstance(term, z3.SeqRef)
            decoded = [v for v in values if _decode(v) is not None]
            return z3.Or(*(term == z3.StringVal(v) for v in decoded)) if decoded else z3.BoolVal(False)
        if fam in ("numeric", "date"):
            parse = parse_number if fam == "numeric" else parse_date
            bounds = [b for b in (parse(v) for v in values) if b is not None]
            op = positive.removeprefix(fam)
            out = []
            for b in bounds:
                q = z3.RealVal(str(Fraction(b)))
                out.append(
                    {
                        "equals": term == q,
                        "lessthan": term < q,
                        "lessthanequals": term <= q,
                        "greaterthan": term > q,
                        "greaterthanequals": term >= q,
                    }[op]
                )
            return z3.And(slot.ok, z3.Or(*out)) if out else z3.BoolVal(False)
        if fam == "bool":
            wanted = {v.lower() for v in values if v.lower() in ("true", "false")}
            return (
                z3.Or(*(term == (1 if w == "true" else 0) for w in sorted(wanted)))
                if wanted
                else z3.BoolVal(False)
            )
        if fam == "ip":
            assert slot.v6 is not None
            nets = []
            for v in values:
                net = parse_network(v)
                if net is None:
                    continue
                mask = int(net.netmask)
                base = int(net.network_address)
                if net.version == 4:
                    nets.append(z3.And(z3.Not(slot.v6), (term & mask) == base))
                else:
                    nets.append(z3.And(slot.v6, (term & mask) == base))
            return z3.And(slot.ok, z3.Or(*nets)) if nets else z3.BoolVal(False)
        raise Unsupported(f"operator {positive}")

    # -- policy variables -------------------------------------------------------------------------------
    def _resolve(self, text: str) -> tuple[z3.BoolRef, list[tuple[str, z3.SeqRef | str]]]:
        """Whether every variable of ``text`` resolves, and its parts: ``("lit", s)``, ``("wild", "*")``,
        ``("var", term)``."""
        oks: list[z3.BoolRef] = []
        parts: list[tuple[str, z3.SeqRef | str]] = []
        for kind, tok in patterns.tokenize(text):
            if kind == "var":
                assert isinstance(tok, patterns.Variable)
                kv = self.keys[tok.key]
                if kv.multi or kv.family != "string":
                    # AWS substitutes only single-valued keys
                    if tok.default is None:
                        oks.append(z3.BoolVal(False))
                        parts.append(("lit", ""))
                    else:
                        parts.append(("lit", tok.default))
                    continue
                if tok.default is None:
                    oks.append(kv.present)
                    parts.append(("var", kv.string))
                else:
                    parts.append(("var", z3.If(kv.present, kv.string, z3.StringVal(tok.default))))
            else:
                assert isinstance(tok, str)
                parts.append((kind, tok))
        return (z3.And(*oks) if oks else z3.BoolVal(True)), parts

    def _variable_match(
        self, positive: str, slot: _Slot, parts: list[tuple[str, z3.SeqRef | str]]
    ) -> z3.BoolRef:
        term = slot.term
        assert isinstance(term, z3.SeqRef)
        if positive == "stringequals":
            return term == _concat([p for _, p in parts])
        if positive in ("stringlike", "arnlike", "arnequals"):
            return self._match_variable_pattern(term, parts, arn=positive != "stringlike")
        raise Unsupported(f"a policy variable under {positive}")

    def _match_variable_pattern(
        self, value: z3.SeqRef, parts: list[tuple[str, z3.SeqRef | str]], *, arn: bool
    ) -> z3.BoolRef:
        """Glob match of ``value`` against literal text, variables and ``*`` (leftmost matching is exact for
        ``*`` alone); an ARN ``*`` inside one of the first five segments does not cross a colon."""
        if any(k == "wild" and p == "?" for k, p in parts):
            raise Unsupported("a ? wildcard next to a policy variable")
        segments: list[list[z3.SeqRef | str]] = [[]]
        stars_bounded: list[bool] = []
        colons = 0
        for i, (kind, piece) in enumerate(parts):
            if kind == "wild":
                nxt = parts[i + 1] if i + 1 < len(parts) else None
                ends = nxt is None or (nxt[0] == "lit" and isinstance(nxt[1], str) and nxt[1].startswith(":"))
                stars_bounded.append(arn and colons < 5 and not ends)
                segments.append([])
                continue
            if kind == "lit" and isinstance(piece, str):
                colons += piece.count(":")
            elif arn and colons < 5:
                raise Unsupported("a policy variable in the first five segments of an ARN pattern")
            segments[-1].append(piece)
        terms = [_concat(s) for s in segments]
        if len(terms) == 1:
            return value == terms[0]
        first, last = terms[0], terms[-1]
        out = [z3.PrefixOf(first, value), z3.SuffixOf(last, value)]
        end = z3.Length(value) - z3.Length(last)
        out.append(z3.Length(first) <= end)
        pos: z3.ArithRef = z3.Length(first)
        for k, middle in enumerate(terms[1:-1]):
            idx = z3.IndexOf(value, middle, pos)
            out.append(idx >= pos)
            out.append(idx + z3.Length(middle) <= end)
            if stars_bounded[k]:
                out.append(z3.Not(z3.Contains(z3.SubString(value, pos, idx - pos), ":")))
            pos = idx + z3.Length(middle)
        if stars_bounded[-1]:
            out.append(z3.Not(z3.Contains(z3.SubString(value, pos, end - pos), ":")))
        return z3.And(*out)

    # -- solving ----------------------------------------------------------------------------------------
    def solver(self, timeout_ms: int) -> z3.Solver:
        # The simple solver skips the combined solver's start-up (tactic selection) that costs more than the
        # queries themselves.
        s = z3.SimpleSolver()
        s.set("timeout", max(1, int(timeout_ms)))
        s.add(*self.domain)
        return s

    def example(self, model: z3.ModelRef) -> Example:
        """The concrete request of a model."""
        action = self.actions[_int(model, self.action)]
        who = _int(model, self.who)
        arn_term = self.caller_arn(who)
        principal = "anonymous" if arn_term is None else _text(model, arn_term)
        resource = _text(model, self.resource)
        context: dict[str, str | tuple[str, ...]] = {}
        absent: list[str] = []
        for key, kv in sorted(self.keys.items()):
            if not z3.is_true(model.eval(kv.present, model_completion=True)):
                absent.append(key)
                continue
            values = [
                self._render(model, kv, s)
                for s in kv.slots
                if z3.is_true(model.eval(s.member, model_completion=True))
            ]
            if kv.multi:
                context[key] = tuple(dict.fromkeys(values))
            else:
                context[key] = values[0]
        return Example(principal, _catalogue_spelling(action), resource, context, tuple(absent))

    def _render(self, model: z3.ModelRef, kv: KeyVars, slot: _Slot) -> str:
        if kv.family == "string":
            return _text(model, slot.term)
        if kv.family == "bool":
            return ("false", "true", "maybe")[_int(model, slot.term)]
        ok = z3.is_true(model.eval(slot.ok, model_completion=True))
        if kv.family in ("numeric", "date"):
            if not ok:
                return "not-a-number"
            value = model.eval(slot.term, model_completion=True)
            fraction = Fraction(value.as_fraction())
            return _decimal(fraction)
        if not ok:
            return "not-an-address"
        assert slot.v6 is not None
        number = model.eval(slot.term, model_completion=True).as_long()
        if z3.is_true(model.eval(slot.v6, model_completion=True)):
            return str(ipaddress.IPv6Address(number))
        return str(ipaddress.IPv4Address(number & 0xFFFFFFFF))


_FRESH_BASE = 210987654321


def account_candidates(policies: Sequence[Policy], taken: Iterable[str]) -> list[str]:
    """Accounts an unnamed caller may have: one that no policy names, and for each account pattern the
    policies hold (``1*``, an ARN whose account segment has a wildcard) one that matches it and is named
    nowhere; a wildcard account value restricts nothing, whatever its digits."""
    used = set(taken)
    out: list[str] = []
    for n in range(10_000):
        candidate = f"{_FRESH_BASE + n * 1111:012d}"
        if candidate not in used:
            out.append(candidate)
            break
    values = [v for p in policies for s in p.statements for c in s.conditions for v in c.values]
    values += [r for p in policies for s in p.statements for r in s.resources or ()]
    for value in values:
        bits = value.split(":", 5)
        text = bits[4] if len(bits) == 6 and bits[0] == "arn" else value
        if not re.fullmatch(r"[0-9*?]+", text) or not any(ch in text for ch in "*?"):
            continue
        for digit in "0123456789":
            filled = text.replace("?", digit)
            star = filled.find("*")
            if star >= 0:
                fixed = len(filled.replace("*", ""))
                filled = filled[:star] + digit * max(0, 12 - fixed) + filled[star + 1 :]
                filled = filled.replace("*", "")
            if len(filled) == 12 and filled not in used:
                out.append(filled)
                break
    return sorted(dict.fromkeys(out))


def _concat(parts: Sequence[z3.SeqRef | str]) -> z3.SeqRef:
    terms = [z3.StringVal(p) if isinstance(p, str) else p for p in parts]
    if not terms:
        return z3.StringVal("")
    return terms[0] if len(terms) == 1 else z3.Concat(*terms)


def _same_kind(pattern: str) -> str:
    parts = patterns.substitute_text(pattern, {}).split(":", 5)
    head = [p if "${" not in p else "*" for p in parts[:5]]
    return ":".join(head) + (":*" if len(parts) == 6 else "")


def _int(model: z3.ModelRef, term: z3.ExprRef) -> int:
    return int(model.eval(term, model_completion=True).as_long())


def _text(model: z3.ModelRef, term: z3.ExprRef) -> str:
    value = model.eval(term, model_completion=True)
    return str(value.as_string())


def _decimal(value: Fraction) -> str:
    if value.denominator == 1:
        return str(value.numerator)
    digits = 0
    while (value * 10**digits).denominator != 1 and digits < 12:
        digits += 1
    scaled = value * 10**digits
    sign = "-" if scaled < 0 else ""
    text = str(abs(scaled.numerator // scaled.denominator)).rjust(digits + 1, "0")
    return f"{sign}{text[:-digits]}.{text[-digits:]}"


def _decode(value: str) -> bytes | None:
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        return None


def _catalogue_spelling(action: str) -> str:
    service, _, name = action.partition(":")
    info = service_actions(service).get(name)
    return f"{info.service}:{info.name}" if info else action


_ACCOUNT = re.compile(r"^\d{12}$")


def _principal_accounts(policies: Iterable[Policy]) -> set[str]:
    out: set[str] = set()
    for p in policies:
        for s in p.statements:
            for e in s.principals or ():
                if e.kind != "AWS":
                    continue
                if _ACCOUNT.match(e.value):
                    out.add(e.value)
                parts = e.value.split(":", 5)
                if len(parts) == 6 and _ACCOUNT.match(parts[4]):
                    out.add(parts[4])
    return out


def _principal_names(policies: Iterable[Policy], kind: str) -> set[str]:
    out: set[str] = set()
    for p in policies:
        for s in p.statements:
            for e in s.principals or ():
                parts = e.value.split(":", 5)
                if len(parts) == 6 and parts[5].startswith(f"{kind}/"):
                    out.add(parts[5].rsplit("/", 1)[-1])
    return out
