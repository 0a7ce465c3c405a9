"""Wildcards, ARNs and policy variables, compiled once into regular expressions.

Matching rules (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_action.html,
.../reference_policies_elements_resource.html, .../reference_policies_variables.html):
- actions are case-insensitive; ``*`` matches any run of characters and ``?`` one character;
- ARNs are case-sensitive and matched segment by segment (``partition:service:region:account:resource``):
  a wildcard in the first five segments stays inside its segment, except a ``*`` that ends the pattern,
  which can expand beyond the colon boundaries; in the resource segment wildcards match anything;
- policy variables ``${key}`` and ``${key, 'default'}`` are replaced by the request's value, literally (the
  value's own ``*`` is not a wildcard); ``${*}``, ``${?}`` and ``${$}`` stand for the literal character.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache

_VARIABLE = re.compile(r"\$\{([^}]*)\}")
_DEFAULT = re.compile(r"^\s*([^,]+?)\s*,\s*'([^']*)'\s*$")
_SPECIAL = {"*": "*", "?": "?", "$": "$"}


@dataclass(frozen=True, slots=True)
class Variable:
    """A ``${key}`` or ``${key, 'default'}`` reference (key lower-cased for look-up)."""

    key: str
    default: str | None


# A pattern is a sequence of literal text, wildcards ("*"/"?") and variables.
Token = str | Variable


def tokenize(pattern: str, *, variables: bool = True) -> tuple[tuple[str, Token], ...]:
    """Split ``pattern`` into ``("lit", text)``, ``("wild", "*"|"?")`` and ``("var", Variable)`` tokens."""
    out: list[tuple[str, Token]] = []

    def literal_and_wild(text: str) -> None:
        buf = ""
        for ch in text:
            if ch in "*?":
                if buf:
                    out.append(("lit", buf))
                    buf = ""
                out.append(("wild", ch))
            else:
                buf += ch
        if buf:
            out.append(("lit", buf))

    if not variables or "${" not in pattern:
        literal_and_wild(pattern)
        return tuple(out)
    pos = 0
    for m in _VARIABLE.finditer(pattern):
        literal_and_wild(pattern[pos : m.start()])
        body = m.group(1)
        if body in _SPECIAL:
            out.append(("lit", _SPECIAL[body]))
        else:
            dm = _DEFAULT.match(body)
            if dm:
                out.append(("var", Variable(dm.group(1).strip().lower(), dm.group(2))))
            else:
                out.append(("var", Variable(body.strip().lower(), None)))
        pos = m.end()
    literal_and_wild(pattern[pos:])
    return tuple(out)


def has_variables(pattern: str) -> bool:
    return "${" in pattern and _VARIABLE.search(pattern) is not None


# -- resolving variables -------------------------------------------------------------------------------------
class Unresolved(Exception):
    """A variable has no value in the request and no default: the pattern cannot match."""


class UnknownValue(Exception):
    """A variable's value is not known (incomplete context): the match is unknown."""


Lookup = Callable[[str], "str | tuple[str, ...] | object | None"]


def resolve(
    tokens: tuple[tuple[str, Token], ...], lookup: Lookup, unknown: object
) -> tuple[tuple[str, str], ...]:
    """Replace variables by their (literal) values. Raises :class:`Unresolved` / :class:`UnknownValue`."""
    out: list[tuple[str, str]] = []
    for kind, tok in tokens:
        if kind == "var":
            assert isinstance(tok, Variable)
            value = lookup(tok.key)
            if value is unknown:
                raise UnknownValue(tok.key)
            if isinstance(value, str):
                out.append(("lit", value))
            elif tok.default is not None:
                out.append(("lit", tok.default))
            else:
                # Missing, or multi-valued (AWS only substitutes single-valued keys).
                raise Unresolved(tok.key)
        else:
            assert isinstance(tok, str)
            out.append((kind, tok))
    return tuple(out)


def plain_tokens(tokens: tuple[tuple[str, Token], ...]) -> tuple[tuple[str, str], ...]:
    return tuple((k, t) for k, t in tokens if isinstance(t, str))


# -- regular expressions -------------------------------------------------------------------------------------
def glob_regex(tokens: tuple[tuple[str, str], ...]) -> str:
    parts = []
    for kind, tok in tokens:
        if kind == "wild":
            parts.append(".*" if tok == "*" else ".")
        else:
            parts.append(re.escape(tok))
    return "".join(parts)


def arn_regex(tokens: tuple[tuple[str, str], ...], *, trailing_star_crosses: bool = True) -> str:
    """Segment-aware ARN pattern (see the module docstring). With ``trailing_star_crosses`` a ``*`` that ends
    a segment may match beyond the colon, as the Resource element page says."""
    parts: list[str] = []
    segment = 0
    last = len(tokens) - 1
    for i, (kind, tok) in enumerate(tokens):
        if kind == "wild":
            ends_segment = i == last or (tokens[i + 1][0] == "lit" and tokens[i + 1][1].startswith(":"))
            if segment >= 5 or (tok == "*" and ends_segment and trailing_star_crosses):
                parts.append(".*" if tok == "*" else ".")
            else:
                parts.append("[^:]*" if tok == "*" else "[^:]")
            continue
        for ch in tok:
            if ch == ":" and segment < 5:
                segment += 1
            parts.append(re.escape(ch))
    return "".join(parts)


@lru_cache(maxsize=65536)
def compiled(regex: str, ignore_case: bool = False) -> re.Pattern[str]:
    return re.compile(regex, re.DOTALL | (re.IGNORECASE if ignore_case else 0))


@lru_cache(maxsize=65536)
def glob_matcher(pattern: str, *, ignore_case: bool = False) -> Callable[[str], bool]:
    """A matcher for a pattern without variables (actions, or any glob)."""
    if pattern == "*":
        return _always
    if "*" not in pattern and "?" not in pattern:
        if ignore_case:
            low = pattern.lower()
            return lambda s: s.lower() == low
        return pattern.__eq__
    rx = compiled(glob_regex(plain_tokens(tokenize(pattern, variables=False))), ignore_case)
    return lambda s: rx.fullmatch(s) is not None


def _always(_: str) -> bool:
    return True


def arn_pattern_regex(pattern: str, *, trailing_star_crosses: bool = True) -> re.Pattern[str]:
    tokens = plain_tokens(tokenize(pattern, variables=False))
    return compiled(arn_regex(tokens, trailing_star_crosses=trailing_star_crosses))


def is_arn(value: str) -> bool:
    return value.startswith("arn:") and value.count(":") >= 5


def arn_matches(pattern: str, value: str) -> bool:
    """ARN-like comparison (``ArnLike``/``ArnEquals``, resources): both must be ARNs unless ``*``."""
    if pattern == "*":
        return True
    return compiled(arn_regex(plain_tokens(tokenize(pattern, variables=False)))).fullmatch(value) is not None


def split_arn(arn: str) -> tuple[str, str, str, str, str, str] | None:
    parts = arn.split(":", 5)
    if len(parts) != 6 or parts[0] != "arn":
        return None
    return (parts[0], parts[1], parts[2], parts[3], parts[4], parts[5])


_PARTITIONS = ("aws", "aws-cn", "aws-us-gov", "aws-iso", "aws-iso-b", "aws-iso-e", "aws-iso-f", "aws-eusc")
_IAM_PRINCIPAL = ("user/", "role/", "group/")


def arn_problem(arn: str, *, principal: bool = False) -> str | None:
    """What is malformed in ``arn`` (``arn:partition:service:region:account:resource``), or None.

    With ``principal``, the ARN must name an IAM user, role or group, or an STS role session: IAM ARNs
    have no region and a 12-digit account."""
    parts = arn.split(":", 5)
    if len(parts) != 6:
        return f"{arn!r} has {len(parts)} of the 6 parts of an ARN (arn:partition:service:region:account:resource)"
    _, partition, service, region, account, resource = parts
    if partition not in _PARTITIONS:
        return f"{arn!r}: {partition!r} is not an AWS partition (aws, aws-cn, aws-us-gov...)"
    if not service:
        return f"{arn!r} names no service"
    if not resource:
        return f"{arn!r} names no resource"
    if account and not (account.isdigit() and len(account) == 12) and account != "*":
        return f"{arn!r}: the account {account!r} is not 12 digits"
    if not principal:
        return None
    if service not in ("iam", "sts"):
        return f"{arn!r} is not an IAM or STS ARN ({service!r})"
    if region:
        return f"{arn!r}: IAM ARNs have no region ({region!r})"
    if not account:
        return f"{arn!r} names no account"
    if service == "iam" and not resource.startswith(_IAM_PRINCIPAL):
        return f"{arn!r} names no user, role or group (user/NAME, role/NAME, group/NAME)"
    if service == "sts" and not resource.startswith("assumed-role/"):
        return f"{arn!r} names no role session (assumed-role/ROLE/SESSION)"
    return None


def substitute_text(text: str, values: Mapping[str, str]) -> str:
    """Replace variables in ``text`` (used for explanations and tests); unknown ones stay as written."""

    def repl(m: re.Match[str]) -> str:
        body = m.group(1)
        if body in _SPECIAL:
            return _SPECIAL[body]
        dm = _DEFAULT.match(body)
        key, default = (dm.group(1).strip(), dm.group(2)) if dm else (body.strip(), None)
        return values.get(key.lower(), default if default is not None else m.group(0))

    return _VARIABLE.sub(repl, text)
