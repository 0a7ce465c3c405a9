"""Attributes set by ``try()``, ``coalesce()`` or ``lookup()`` over a value tfparse could not resolve.

tfparse evaluates ``try(data.aws_iam_policy.x.policy, "")`` to the fallback (or to null, or ``{}``) when the
first argument is a data source read at plan time, a module output it could not compute or a variable
without a value: the fallback is then what the code says when the value is missing, not the value that
will be deployed. Such an attribute is unknown, naming the expression. The source text is read to see the
call, as tfparse only gives its result.

The same holds for a module input set to such a value (``policy = data.aws_iam_policy.x.policy`` in the
module call): inside the module tfparse reads it as null, so ``compact([var.attach ? var.policy : ""])``
silently loses it. An attribute of that module whose expression names the input is unknown.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Collection, Iterator, Mapping
from typing import Any

from ringfence.model import Ref, Unknown

_CALLS = ("try", "coalesce", "coalescelist", "lookup")
_CALL = re.compile(r"\b(?:try|coalesce|coalescelist|lookup)\s*\(")
_REFERENCE = re.compile(
    r"(?<![\w.])(data\.[A-Za-z_][\w-]*\.[A-Za-z_][\w-]*(?:\[[^\]]*\])?(?:\.[A-Za-z_][\w-]*)?"
    r"|module\.[A-Za-z_][\w-]*(?:\[[^\]]*\])?\.[A-Za-z_][\w-]*|var\.[A-Za-z_][\w-]*)"
)
_NO_VALUE = object()


def unresolved_inputs(call: Mapping[str, Any]) -> dict[str, str]:
    """The inputs of a module call (tfparse's block) set to a value tfparse could not read (a data
    source attribute, a computed attribute): input name -> the expression."""
    found: dict[str, str] = {}
    for name, value in call.items():
        if name != "__tfmeta":
            for expression in _unresolved(value):
                found.setdefault(name, expression)
    return found


def _unresolved(value: Any) -> Iterator[str]:
    if isinstance(value, Mapping):
        if "__attribute__" in value:
            yield str(value["__attribute__"])
            return
        for v in value.values():
            yield from _unresolved(v)
    elif isinstance(value, list):
        for v in value:
            yield from _unresolved(v)


def input_unknown(
    key: str, text: str, inputs: Mapping[str, tuple[str, Ref | Unknown]]
) -> Ref | Unknown | None:
    """What the attribute ``key`` stands for when its expression in the block's ``text`` names one of the
    module's unread ``inputs`` (input name -> the expression the module call sets it to, and what that
    resolves to in the caller): the reference when the expression is the input itself, else unknown;
    None when it names none of them."""
    expression = _expression_of(key, text)
    if expression is None:
        return None
    for name, (source, resolved) in inputs.items():
        if expression.strip() == f"var.{name}" and isinstance(resolved, Ref):
            return resolved
        if re.search(rf"\bvar\.{re.escape(name)}\b", expression):
            return Unknown(
                f"{key} uses var.{name}, set to {source} in the module call: not known before apply"
            )
    return None


def _expression_of(key: str, text: str) -> str | None:
    """The text of ``key = ...`` in a block (up to the end of the line outside brackets)."""
    match = re.search(rf"^\s*{re.escape(key)}\s*=\s*", text, re.MULTILINE)
    if match is None:
        return None
    depth, i, in_string = 0, match.end(), False
    while i < len(text):
        c = text[i]
        if in_string:
            if c == "\\":
                i += 2
                continue
            if c == '"':
                in_string = False
        elif c == '"':
            in_string = True
        elif c in "([{":
            depth += 1
        elif c in ")]}":
            depth -= 1
        elif c == "\n" and depth <= 0:
            break
        i += 1
    return text[match.end() : i]


def may_fall_back(text: str) -> bool:
    """Cheap test: does the block's text call one of the functions at all?"""
    return bool(_CALL.search(text))


def fallback_unknown(
    key: str,
    raw: Any,
    text: str,
    unset_variables: Collection[str],
    resolve_data: Callable[[str], Ref | Unknown],
) -> Ref | Unknown | None:
    """What the attribute ``key`` (tfparse's value ``raw``) stands for when its expression falls back over
    an unresolved value: a Ref when the first argument names a data source of the estate, an Unknown when
    it names something not known; None when the value tfparse gave holds."""
    call = _call_of(key, text)
    if call is None:
        return None
    name, arguments = call
    if len(arguments) < 2:
        return None
    first = arguments[0]
    references = _REFERENCE.findall(first)
    if not references:
        return None
    empty = raw is None or raw in ({}, [])
    fallback = _literal(arguments[-1])
    fell_back = empty or (fallback is not _NO_VALUE and raw == fallback) or fallback is _NO_VALUE
    if not fell_back:
        return None
    expression = f"{name}({', '.join(a.strip() for a in arguments)})"
    unresolved: list[str] = []
    for reference in references:
        if reference.startswith("var."):
            if empty and reference[4:] in unset_variables:
                unresolved.append(reference)
        else:
            unresolved.append(reference)
    if not unresolved:
        return None
    if name == "try" and len(references) == 1 and first.strip() == references[0]:
        resolved = resolve_data(references[0]) if references[0].startswith("data.") else None
        if isinstance(resolved, Ref):
            return resolved
    return Unknown(f"{key} = {_short(expression)}: {unresolved[0]} is not known before apply")


def _short(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= 120 else flat[:117] + "..."


def _literal(text: str) -> Any:
    """The value of a literal argument (string, number, bool, null, empty list or object), or _NO_VALUE."""
    stripped = text.strip()
    if stripped in ("[]", "{}"):
        return [] if stripped == "[]" else {}
    if stripped == "null":
        return None
    if "${" in stripped or "%{" in stripped:
        return _NO_VALUE
    try:
        return json.loads(stripped)
    except ValueError:
        return _NO_VALUE


def _call_of(key: str, text: str) -> tuple[str, list[str]] | None:
    """``(function, argument texts)`` when ``key = fn(...)`` in ``text`` calls one of the functions."""
    match = re.search(rf"^\s*{re.escape(key)}\s*=\s*([A-Za-z_]\w*)\s*\(", text, re.MULTILINE)
    if match is None or match.group(1) not in _CALLS:
        return None
    arguments = _arguments(text, match.end())
    return (match.group(1), arguments) if arguments is not None else None


def _arguments(text: str, start: int) -> list[str] | None:
    """The top-level arguments of the call whose opening parenthesis ends at ``start``."""
    arguments: list[str] = []
    depth = 0
    current = start
    i = start
    in_string = False
    while i < len(text):
        c = text[i]
        if in_string:
            if c == "\\":
                i += 2
                continue
            if c == '"':
                in_string = False
        elif c == '"':
            in_string = True
        elif c in "([{":
            depth += 1
        elif c in ")]}":
            if depth == 0:
                arguments.append(text[current:i])
                return [a for a in arguments if a.strip()]
            depth -= 1
        elif c == "," and depth == 0:
            arguments.append(text[current:i])
            current = i + 1
        i += 1
    return None
