"""The conditions of custom YAML rules, and their three-valued evaluation over a resource.

A condition says what holds for a compliant resource: true is a pass, false a failure, and a value that
cannot be known (computed after apply, a variable without a value, a reference to something outside the
estate) makes the condition unknown, never true. `and`, `or` and `not` follow Kleene's logic: `and` is
false when one part is false even if another is unknown, `or` true when one part is true.

Attribute paths name nested blocks and map keys with dots (`versioning.enabled`, `tags.Owner`), list
items with `[N]` or `[*]`, and keys that hold dots with `["..."]` (`tags["kubernetes.io/role"]`). A nested
block written once or several times is the same to a path (Terraform gives a map or a list of maps). When
a path reaches several values (`ingress[*].cidr_blocks`), the comparison holds when it holds for one of
them: `not` turns it into "none of them".
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ringfence.model import Estate, Ref, Resource, Unknown

# A step of an attribute path: a key, an index, or "*" for every item.
Step = str | int

_STEP = re.compile(r'\s*(?:([A-Za-z_][\w-]*)|\[\s*\*\s*\]|\[\s*(\d+)\s*\]|\[\s*"([^"]*)"\s*\])')

COMPARISONS = ("equals", "exists", "in", "regex", "gt", "ge", "lt", "le")


class ConditionError(ValueError):
    """A condition that is not well formed (the loader adds the file and line)."""


def parse_path(text: str) -> tuple[Step, ...]:
    """`ingress[*].cidr_blocks` -> ("ingress", "*", "cidr_blocks")."""
    steps: list[Step] = []
    at = 0
    while at < len(text):
        if steps and text[at] == ".":
            at += 1
        elif steps and text[at] != "[":
            raise ConditionError(f"attribute path {text!r}: expected '.' or '[' at position {at + 1}")
        found = _STEP.match(text, at)
        if found is None or found.end() == at:
            raise ConditionError(f"attribute path {text!r}: cannot read it from position {at + 1}")
        name, index, quoted = found.groups()
        if name is not None:
            steps.append(name)
        elif index is not None:
            steps.append(int(index))
        elif quoted is not None:
            steps.append(quoted)
        else:
            steps.append("*")
        at = found.end()
    if not steps:
        raise ConditionError("attribute path is empty")
    return tuple(steps)


@dataclass(frozen=True, slots=True)
class Verdict:
    holds: bool | None  # None: unknown
    reason: str  # why it does not hold, or why it cannot be decided


@dataclass(frozen=True, slots=True)
class Comparison:
    path: str
    steps: tuple[Step, ...]
    operator: str  # one of COMPARISONS
    operand: Any  # a compiled pattern for regex


@dataclass(frozen=True, slots=True)
class AllOf:
    parts: tuple[Condition, ...]


@dataclass(frozen=True, slots=True)
class AnyOf:
    parts: tuple[Condition, ...]


@dataclass(frozen=True, slots=True)
class Negation:
    part: Condition


@dataclass(frozen=True, slots=True)
class Connection:
    """``connected_to``: a relation either way with a resource of ``kinds``; ``protected_by``: a
    resource of ``kinds`` refers to this one (an association, an attachment, a configuration block)."""

    relation: str  # "connected_to" or "protected_by"
    kinds: tuple[str, ...]


Condition = Comparison | AllOf | AnyOf | Negation | Connection


def evaluate(condition: Condition, resource: Resource, estate: Estate) -> Verdict:
    if isinstance(condition, Comparison):
        return _compare(condition, resource)
    if isinstance(condition, AllOf):
        verdicts = [evaluate(p, resource, estate) for p in condition.parts]
        failed = [v for v in verdicts if v.holds is False]
        if failed:
            return failed[0]
        open_ = [v for v in verdicts if v.holds is None]
        return open_[0] if open_ else Verdict(True, "")
    if isinstance(condition, AnyOf):
        verdicts = [evaluate(p, resource, estate) for p in condition.parts]
        if any(v.holds is True for v in verdicts):
            return Verdict(True, "")
        open_ = [v for v in verdicts if v.holds is None]
        if open_:
            return open_[0]
        return Verdict(False, "; ".join(v.reason for v in verdicts))
    if isinstance(condition, Negation):
        inner = evaluate(condition.part, resource, estate)
        if inner.holds is None:
            return inner
        if inner.holds:
            return Verdict(False, f"it must not be that {describe(condition.part)}")
        return Verdict(True, "")
    return _connection(condition, resource, estate)


def describe(condition: Condition) -> str:
    """The condition in words, for messages (operands come from the rule file, never from the input)."""
    if isinstance(condition, Comparison):
        if condition.operator == "exists":
            return f"{condition.path} is {'set' if condition.operand else 'not set'}"
        operand = condition.operand.pattern if condition.operator == "regex" else condition.operand
        word = {"equals": "equals", "in": "is one of", "regex": "matches", "gt": ">", "ge": ">=", "lt": "<"}
        return f"{condition.path} {word.get(condition.operator, '<=')} {operand!r}"
    if isinstance(condition, AllOf):
        return "(" + " and ".join(describe(p) for p in condition.parts) + ")"
    if isinstance(condition, AnyOf):
        return "(" + " or ".join(describe(p) for p in condition.parts) + ")"
    if isinstance(condition, Negation):
        return f"not {describe(condition.part)}"
    kinds = " or ".join(condition.kinds)
    return f"connected to a {kinds}" if condition.relation == "connected_to" else f"protected by a {kinds}"


# -- attribute comparisons ------------------------------------------------------------------------------


class _Open:
    """A value a path cannot see into: unknown, or a reference to another resource's attribute."""

    def __init__(self, why: str) -> None:
        self.why = why


def _why(value: Unknown | Ref) -> str:
    if isinstance(value, Unknown):
        return value.reason
    return f"it is {value.address}'s {value.attribute or 'attribute'}, known after apply"


def values_at(attributes: Mapping[str, Any], steps: Sequence[Step]) -> list[Any]:
    """Every value at ``steps`` (a `_Open` for each place the path cannot see into)."""
    current: list[Any] = [attributes]
    for step in steps:
        following: list[Any] = []
        for value in current:
            following += _step(value, step)
        current = following
    return [_Open(_why(v)) if isinstance(v, Unknown | Ref) else v for v in current]


def _step(value: Any, step: Step) -> list[Any]:
    if isinstance(value, _Open):
        return [value]
    if isinstance(value, Unknown | Ref):
        return [_Open(_why(value))]
    if step == "*":
        if isinstance(value, list | tuple):
            return list(value)
        return [value] if isinstance(value, Mapping) else []
    if isinstance(step, int):
        if isinstance(value, list | tuple):
            return [value[step]] if step < len(value) else []
        return [value] if isinstance(value, Mapping) and step == 0 else []
    if isinstance(value, Mapping):
        return [value[step]] if step in value else []
    if isinstance(value, list | tuple):  # a nested block written several times
        return [v for item in value for v in _step(item, step)]
    return []


def _compare(condition: Comparison, resource: Resource) -> Verdict:
    found = [v for v in values_at(resource.attributes, condition.steps) if v is not None]
    if condition.operator == "exists":
        opened = [v for v in found if isinstance(v, _Open)]
        present = [v for v in found if not isinstance(v, _Open)]
        if present:
            return _verdict(bool(condition.operand), condition)
        if opened:
            return Verdict(None, f"{condition.path} cannot be known: {opened[0].why}")
        return _verdict(not condition.operand, condition)
    results = [_test(condition, v) for v in found]
    if any(r is True for r in results):
        return Verdict(True, "")
    for value, result in zip(found, results, strict=True):
        if result is None:
            why = value.why if isinstance(value, _Open) else "part of it is known only after apply"
            return Verdict(None, f"{condition.path} cannot be known: {why}")
    if not found:
        return Verdict(False, f"{condition.path} is not set (expected: {describe(condition)})")
    return Verdict(False, f"expected: {describe(condition)}")


def _verdict(holds: bool, condition: Comparison) -> Verdict:
    return Verdict(True, "") if holds else Verdict(False, f"expected: {describe(condition)}")


def _test(condition: Comparison, value: Any) -> bool | None:
    """Whether ``value`` satisfies the comparison; None when it cannot be known. A list satisfies it when
    one of its items does (unless the operand of `equals` is itself a list)."""
    if isinstance(value, _Open | Unknown | Ref):
        return None
    if isinstance(value, list | tuple) and not (
        condition.operator == "equals" and isinstance(condition.operand, list)
    ):
        return _any(_test(condition, item) for item in value)
    op, operand = condition.operator, condition.operand
    if op == "equals":
        return _equal(value, operand)
    if op == "in":
        return _any(_equal(value, item) for item in operand)
    if op == "regex":
        text = _text(value)
        return text is not None and operand.search(text) is not None
    number, operand = _number(value), float(operand)
    if number is None:
        return False
    if op == "gt":
        return number > operand
    if op == "ge":
        return number >= operand
    if op == "lt":
        return number < operand
    return number <= operand


def _any(results: Iterable[bool | None]) -> bool | None:
    seen_open = False
    for r in results:
        if r is True:
            return True
        seen_open = seen_open or r is None
    return None if seen_open else False


def _equal(value: Any, operand: Any) -> bool | None:
    if isinstance(value, Mapping | list | tuple) or isinstance(operand, Mapping | list):
        if not _known(value):
            return None
        return bool(value == operand)
    if isinstance(operand, bool):
        return _text(value) == ("true" if operand else "false")
    if isinstance(operand, int | float):
        number = _number(value)
        return number is not None and number == operand
    return _text(value) == str(operand)


def _known(value: Any) -> bool:
    if isinstance(value, Unknown | Ref | _Open):
        return False
    if isinstance(value, Mapping):
        return all(_known(v) for v in value.values())
    if isinstance(value, list | tuple):
        return all(_known(v) for v in value)
    return True


def _text(value: Any) -> str | None:
    """A scalar as Terraform writes it (`true`, `30`, `"x"`); None for maps and lists."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float | str):
        return str(value)
    return None


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            number = float(value)
        except ValueError:
            return None
        return number if math.isfinite(number) else None
    return None


# -- connections ----------------------------------------------------------------------------------------


def _connection(condition: Connection, resource: Resource, estate: Estate) -> Verdict:
    kinds = set(condition.kinds)
    related = list(estate.incoming(resource))
    if condition.relation == "connected_to":
        related += list(estate.outgoing(resource))
    if any(other.kind in kinds for _, other in related):
        return Verdict(True, "")
    # Nothing relates them, but a reference that is not resolved could be the missing one.
    candidates = [r for r in estate.resources if r.kind in kinds]
    if condition.relation == "connected_to":
        candidates.append(resource)
    for candidate in candidates:
        if candidate.unevaluated is not None:
            why: str | None = f"not evaluated: {candidate.unevaluated}"
        else:
            why = _open_reference(candidate.attributes, estate)
        if why is not None:
            return Verdict(None, f"{describe(condition)} cannot be decided: {candidate.address}: {why}")
    if condition.relation == "connected_to":
        return Verdict(False, f"nothing of type {' or '.join(condition.kinds)} is connected to it")
    return Verdict(False, f"no {' or '.join(condition.kinds)} refers to it")


def _open_reference(value: Any, estate: Estate) -> str | None:
    """Why a value could be a reference the estate cannot resolve: an unknown value, or a reference to
    something that is not in the estate (a module output, a data source)."""
    if isinstance(value, Unknown):
        return value.reason
    if isinstance(value, Ref):
        return None if value.address in estate.by_address else f"refers to {value.address}, not in the estate"
    if isinstance(value, Mapping):
        for v in value.values():
            found = _open_reference(v, estate)
            if found is not None:
                return found
    elif isinstance(value, list | tuple):
        for v in value:
            found = _open_reference(v, estate)
            if found is not None:
                return found
    return None
