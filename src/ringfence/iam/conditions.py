"""Condition operators, compiled once per condition into a function of the request context.

Semantics (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html
and .../reference_policies_condition-single-vs-multi-valued-context-keys.html):
- several keys under one operator, and several operators in a block, must all match (AND); several values
  for one key match if any does (OR); a negated operator (``StringNotEquals``...) is the negation of its
  positive form, so it matches when *no* value matches;
- a key missing from the request: the positive operators do not match, the negated ones do; ``...IfExists``
  matches; ``Null`` tests exactly that;
- ``ForAllValues:`` matches when every request value matches (and when the key is missing or empty);
  ``ForAnyValue:`` when at least one does (never when the key is missing or empty);
- keys are case-insensitive, values case-sensitive except for ``...IgnoreCase`` and ``Bool``.

Every compiled condition returns ``True``, ``False`` or ``None`` (unknown): the latter when the request
context does not say whether a key is present (see :class:`RequestContext`).
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Final

from ringfence.iam import patterns
from ringfence.iam.policy import Condition


class _UnknownType:
    __slots__ = ()

    def __repr__(self) -> str:
        return "UNKNOWN"


UNKNOWN: Final = _UnknownType()

ContextValue = str | tuple[str, ...]


class RequestContext:
    """The request's context keys (lower-cased). When ``complete`` is false a key that is not given has an
    unknown value instead of being absent; ``absent`` lists keys known to be absent even then, and
    ``absent_prefixes`` families of keys known in full (the principal's tags when the estate lists them)."""

    __slots__ = ("absent", "absent_prefixes", "complete", "values")

    def __init__(
        self,
        values: Mapping[str, str | Sequence[str]] | None = None,
        *,
        complete: bool = True,
        absent: Iterable[str] = (),
        absent_prefixes: Iterable[str] = (),
    ) -> None:
        self.values: dict[str, ContextValue] = {}
        for key, value in (values or {}).items():
            self.values[key.lower()] = value if isinstance(value, str) else tuple(value)
        self.complete = complete
        self.absent = frozenset(k.lower() for k in absent)
        self.absent_prefixes = tuple(p.lower() for p in absent_prefixes)

    def get(self, key: str) -> ContextValue | _UnknownType | None:
        """``key`` must be lower-case."""
        value = self.values.get(key)
        if (
            value is None
            and not self.complete
            and key not in self.absent
            and not (self.absent_prefixes and key.startswith(self.absent_prefixes))
        ):
            return UNKNOWN
        return value


Compiled = Callable[[RequestContext], "bool | None"]

NEGATED: Final = frozenset(
    {
        "stringnotequals",
        "stringnotequalsignorecase",
        "stringnotlike",
        "numericnotequals",
        "datenotequals",
        "arnnotequals",
        "arnnotlike",
        "notipaddress",
    }
)
_POSITIVE_OF: Final = {
    "stringnotequals": "stringequals",
    "stringnotequalsignorecase": "stringequalsignorecase",
    "stringnotlike": "stringlike",
    "numericnotequals": "numericequals",
    "datenotequals": "dateequals",
    "arnnotequals": "arnequals",
    "arnnotlike": "arnlike",
    "notipaddress": "ipaddress",
}
BASE_OPERATORS: Final = frozenset(
    {
        "stringequals",
        "stringequalsignorecase",
        "stringlike",
        "numericequals",
        "numericlessthan",
        "numericlessthanequals",
        "numericgreaterthan",
        "numericgreaterthanequals",
        "dateequals",
        "datelessthan",
        "datelessthanequals",
        "dategreaterthan",
        "dategreaterthanequals",
        "bool",
        "binaryequals",
        "ipaddress",
        "arnequals",
        "arnlike",
        "null",
        *NEGATED,
    }
)


class OperatorError(ValueError):
    pass


def split_operator(operator: str) -> tuple[str | None, str, bool]:
    """``ForAnyValue:StringLikeIfExists`` -> ``("foranyvalue", "stringlike", True)``; raises on unknown."""
    low = operator.lower()
    set_op: str | None = None
    if ":" in low:
        prefix, low = low.split(":", 1)
        if prefix not in ("forallvalues", "foranyvalue"):
            raise OperatorError(f"unknown set operator {operator.split(':', 1)[0]!r}")
        set_op = prefix
    if_exists = False
    if low.endswith("ifexists") and low != "ifexists":
        low = low[: -len("ifexists")]
        if_exists = True
    if low not in BASE_OPERATORS:
        raise OperatorError(f"unknown condition operator {operator!r}")
    if low == "null" and (if_exists or set_op):
        raise OperatorError(f"{operator!r}: Null takes no IfExists or set operator")
    return set_op, low, if_exists


def family(base: str) -> str:
    base = _POSITIVE_OF.get(base, base)
    for prefix in ("string", "numeric", "date", "arn"):
        if base.startswith(prefix):
            return prefix
    if base == "ipaddress":
        return "ip"
    return base  # bool, binaryequals, null


# -- value parsing -------------------------------------------------------------------------------------------
# "an integer or decimal value" (condition operators page): no exponent notation.
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")


def parse_number(value: str) -> float | None:
    return float(value) if _NUMBER.match(value.strip()) else None


_DATE_FORMATS = (
    "%Y-%m-%dT%H:%M:%S%z",
    "%Y-%m-%dT%H:%M:%S.%f%z",
    "%Y-%m-%dT%H:%M%z",
    "%Y-%m-%d",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%dT%H:%M:%S.%f",
    "%Y-%m-%dT%H:%M",
)


def parse_date(value: str) -> float | None:
    """Epoch seconds from an ISO 8601 date or an epoch number (both accepted by AWS)."""
    text = value.strip()
    if _NUMBER.match(text):
        return float(text)
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    for fmt in _DATE_FORMATS:
        try:
            parsed = datetime.strptime(text, fmt)
        except ValueError:
            continue
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=UTC)
        return parsed.timestamp()
    return None


def parse_network(value: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network | None:
    try:
        return ipaddress.ip_network(value.strip(), strict=False)
    except ValueError:
        return None


def _decode_binary(value: str) -> bytes | None:
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        return None


# -- per-family "does one request value match any policy value" ------------------------------------------
Matcher = Callable[[str], bool]


def _string_matcher(base: str, values: Sequence[str]) -> Matcher:
    if base == "stringequals":
        allowed = frozenset(values)
        return allowed.__contains__
    if base == "stringequalsignorecase":
        folded = frozenset(v.casefold() for v in values)
        return lambda s: s.casefold() in folded
    # stringlike
    if not values:
        return lambda s: False
    rx = patterns.compiled("|".join(f"(?:{_glob(v)})" for v in values))
    return lambda s: rx.fullmatch(s) is not None


def _glob(value: str) -> str:
    return patterns.glob_regex(patterns.plain_tokens(patterns.tokenize(value, variables=False)))


def _numeric_matcher(base: str, values: Sequence[str]) -> Matcher:
    numbers = [n for n in (parse_number(v) for v in values) if n is not None]
    return _ordered(base.removeprefix("numeric"), numbers, parse_number)


def _date_matcher(base: str, values: Sequence[str]) -> Matcher:
    dates = [d for d in (parse_date(v) for v in values) if d is not None]
    return _ordered(base.removeprefix("date"), dates, parse_date)


def _ordered(op: str, bounds: list[float], parse: Callable[[str], float | None]) -> Matcher:
    compare: Callable[[float, float], bool] = {
        "equals": lambda a, b: a == b,
        "lessthan": lambda a, b: a < b,
        "lessthanequals": lambda a, b: a <= b,
        "greaterthan": lambda a, b: a > b,
        "greaterthanequals": lambda a, b: a >= b,
    }[op]

    def match(s: str) -> bool:
        got = parse(s)
        return got is not None and any(compare(got, b) for b in bounds)

    return match


def _bool_matcher(values: Sequence[str]) -> Matcher:
    wanted = frozenset(v.lower() for v in values if v.lower() in ("true", "false"))
    return lambda s: s.lower() in wanted


def _binary_matcher(values: Sequence[str]) -> Matcher:
    decoded = {d for d in (_decode_binary(v) for v in values) if d is not None}

    def match(s: str) -> bool:
        got = _decode_binary(s)
        return got is not None and got in decoded

    return match


def _ip_matcher(values: Sequence[str]) -> Matcher:
    networks = [n for n in (parse_network(v) for v in values) if n is not None]

    def match(s: str) -> bool:
        try:
            address = ipaddress.ip_address(s.strip().split("/", 1)[0])
        except ValueError:
            net = parse_network(s)
            return net is not None and any(
                net.version == n.version and net.subnet_of(n)  # type: ignore[arg-type]
                for n in networks
            )
        return any(address in n for n in networks)

    return match


def _arn_matcher(values: Sequence[str]) -> Matcher:
    if not values:
        return lambda s: False
    if "*" in values:
        return lambda s: True
    rx = patterns.compiled("|".join(f"(?:{_arn(v)})" for v in values))
    return lambda s: rx.fullmatch(s) is not None


def _arn(value: str) -> str:
    return patterns.arn_regex(patterns.plain_tokens(patterns.tokenize(value, variables=False)))


def value_matcher(base: str, values: Sequence[str]) -> Matcher:
    """Positive matcher of ``base`` (negated operators are mapped to their positive form)."""
    positive = _POSITIVE_OF.get(base, base)
    fam = family(positive)
    if fam == "string":
        return _string_matcher(positive, values)
    if fam == "numeric":
        return _numeric_matcher(positive, values)
    if fam == "date":
        return _date_matcher(positive, values)
    if fam == "bool":
        return _bool_matcher(values)
    if fam == "binaryequals":
        return _binary_matcher(values)
    if fam == "ip":
        return _ip_matcher(values)
    if fam == "arn":
        return _arn_matcher(values)
    raise OperatorError(base)


# -- compiling one condition --------------------------------------------------------------------------------
def compile_condition(
    condition: Condition, *, variables: bool = True, escapes_everywhere: bool = True
) -> Compiled:
    """Compile one ``operator / key / values`` triple. Unknown operators never match (AWS rejects them)."""
    try:
        set_op, base, if_exists = split_operator(condition.operator)
    except OperatorError:
        return _never
    key = condition.key.lower()
    if base == "null":
        want_absent = [v.lower() == "true" for v in condition.values if v.lower() in ("true", "false")]

        def null(ctx: RequestContext) -> bool | None:
            got = ctx.get(key)
            if got is UNKNOWN:
                return None
            # A key given with an empty set of values is present: Null tests presence, not content.
            absent = got is None
            return any(w == absent for w in want_absent)

        return null

    negated = base in NEGATED
    fam = family(base)
    # Numbers and dates that cannot be read make the comparison fail, whether the operator is negated or not.
    valid: Callable[[str], bool] | None = None
    unreadable_policy_value = False
    if fam in ("numeric", "date"):
        parse = parse_number if fam == "numeric" else parse_date
        unreadable_policy_value = any(parse(v) is None for v in condition.values)
        valid = lambda s: parse(s) is not None  # noqa: E731
    values = condition.values
    verbatim: frozenset[str] = frozenset()
    if not escapes_everywhere and _POSITIVE_OF.get(base, base) not in ("stringlike", "arnlike", "arnequals"):
        # The other reading: ${*}, ${?} and ${$} escape wildcards only, and stay verbatim elsewhere.
        verbatim = frozenset(v for v in values if v in ("${*}", "${?}", "${$}"))
    substitutable = (
        variables
        and fam in ("string", "arn")
        and any(patterns.has_variables(v) and v not in verbatim for v in values)
    )
    if substitutable:
        tokens: list[tuple[tuple[str, patterns.Token], ...]] = [
            (("lit", v),) if v in verbatim else patterns.tokenize(v) for v in values
        ]
        positive = _POSITIVE_OF.get(base, base)

        def matcher_for(ctx: RequestContext) -> Matcher | None:
            resolved: list[str] = []
            for toks in tokens:
                try:
                    parts = patterns.resolve(toks, ctx.get, UNKNOWN)
                except patterns.Unresolved:
                    # A variable with no value (and no default) leaves this value undecided: a positive
                    # operator can still match on the others; a negated one cannot be satisfied.
                    if negated:
                        return _NO_MATCH
                    continue
                except patterns.UnknownValue:
                    return None
                resolved.append(_render(parts, positive))
            return _cached_matcher(positive, tuple(resolved))

    else:
        fixed = value_matcher(base, condition.values)

        def matcher_for(ctx: RequestContext) -> Matcher | None:
            return fixed

    def evaluate(ctx: RequestContext) -> bool | None:
        got = ctx.get(key)
        if got is UNKNOWN:
            return None
        if got is None or got == ():
            if set_op == "forallvalues":
                return True
            if set_op == "foranyvalue":
                return False
            return True if if_exists else negated
        if unreadable_policy_value and negated:
            # A value that cannot be read is "not equal" to nothing: negated comparisons fail.
            return False
        match = matcher_for(ctx)
        if match is None:
            return None
        if match is _NO_MATCH:
            return False
        if isinstance(got, str):
            if set_op is None:
                if valid is not None and not valid(got):
                    return False
                return match(got) != negated
            got = (got,)
        assert isinstance(got, tuple)
        if valid is not None:
            if set_op is None and not all(valid(v) for v in got):
                return False

            def one(v: str) -> bool:
                return valid(v) and match(v) != negated

        else:

            def one(v: str) -> bool:
                return match(v) != negated

        if set_op == "forallvalues":
            return all(one(v) for v in got)
        if set_op == "foranyvalue":
            return any(one(v) for v in got)
        hit = any(match(v) for v in got)
        return hit != negated

    return evaluate


def _render(parts: tuple[tuple[str, str], ...], positive: str) -> str:
    """Turn resolved tokens back into a policy value whose wildcards are the policy's own.

    A substituted value is literal: its ``*`` and ``?`` must not act as wildcards, so for ``Like``
    operators they are kept as tokens and matched by :func:`_cached_matcher` via a private marker."""
    if positive in ("stringlike", "arnlike", "arnequals"):
        return "\x00".join(f"{k}\x01{t}" for k, t in parts)
    return "".join(t for _, t in parts)


_MATCHERS: dict[tuple[str, tuple[str, ...]], Matcher] = {}


def _cached_matcher(positive: str, values: tuple[str, ...]) -> Matcher:
    hit = _MATCHERS.get((positive, values))
    if hit is not None:
        return hit
    if positive in ("stringlike", "arnlike", "arnequals"):
        regexes = []
        for value in values:
            toks = tuple((k, t) for k, t in (part.split("\x01", 1) for part in value.split("\x00") if part))
            regexes.append(
                patterns.glob_regex(toks) if positive == "stringlike" else patterns.arn_regex(toks)
            )
        if not regexes:
            matcher: Matcher = _never_str
        else:
            rx = patterns.compiled("|".join(f"(?:{r})" for r in regexes))
            matcher = lambda s: rx.fullmatch(s) is not None  # noqa: E731
    else:
        matcher = value_matcher(positive, values)
    if len(_MATCHERS) > 50000:
        _MATCHERS.clear()
    _MATCHERS[(positive, values)] = matcher
    return matcher


def _no_match(_: str) -> bool:
    return False


_NO_MATCH: Final[Matcher] = _no_match


def _never(ctx: RequestContext) -> bool | None:
    return False


def _never_str(_: str) -> bool:
    return False
