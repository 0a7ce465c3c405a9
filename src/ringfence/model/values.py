"""Attribute values the model can hold besides plain JSON: unknowns and references.

An attribute whose value only exists after apply (a computed id, an ARN Terraform has not built yet) is
never silently dropped or guessed: it is an :class:`Unknown` with the reason, or a :class:`Ref` when the
value is "whatever that other resource's attribute turns out to be".
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, fields
from typing import Any, TypeGuard, TypeVar

_T = TypeVar("_T")


def pickled_by_fields(cls: type[_T]) -> type[_T]:
    """Pickle a slotted dataclass as its class called with its field values, in order: about half
    the time of the default (a state dict per instance), which counts for the tens of thousands of
    resources an evaluation worker sends back."""
    names = tuple(f.name for f in fields(cls))  # type: ignore[arg-type]

    def __reduce__(self: _T) -> tuple[type[_T], tuple[Any, ...]]:
        return cls, tuple(getattr(self, name) for name in names)

    cls.__reduce__ = __reduce__  # type: ignore[assignment,method-assign]
    return cls


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class Unknown:
    """A value that cannot be known from the input (computed after apply, unresolved variable...)."""

    reason: str

    def __str__(self) -> str:
        return f"<unknown: {self.reason}>"


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class Ref:
    """A reference to an attribute of another resource in the same estate.

    ``attribute`` is ``None`` when the source cannot tell which attribute was referenced (tfparse replaces
    ``aws_vpc.main.id`` and ``aws_vpc.main.arn`` alike by the block's id).
    """

    address: str
    attribute: str | None = None

    def __str__(self) -> str:
        return f"${{{self.address}{'.' + self.attribute if self.attribute else ''}}}"


@dataclass(frozen=True, slots=True)
class Redacted:
    """A secret a snapshot does not keep: what the secret detector found in the value, and the fingerprint
    of each credential (``((what, fingerprint), ...)``), so the same findings come out of the snapshot."""

    found: tuple[tuple[str, str], ...]

    def __str__(self) -> str:
        return "[redacted " + ", ".join(fp for _, fp in self.found) + "]"


def is_unknown(value: object) -> TypeGuard[Unknown]:
    return isinstance(value, Unknown)


def is_known(value: object) -> bool:
    """True when ``value`` holds nothing unknown anywhere inside it (Refs count as unknown values)."""
    if isinstance(value, Unknown | Ref):
        return False
    if isinstance(value, Mapping):
        return all(is_known(v) for v in value.values())
    if isinstance(value, list | tuple):
        return all(is_known(v) for v in value)
    return True


def iter_refs(value: object) -> Iterator[Ref]:
    """Every :class:`Ref` inside a (nested) attribute value."""
    if isinstance(value, Ref):
        yield value
    elif isinstance(value, Mapping):
        for v in value.values():
            yield from iter_refs(v)
    elif isinstance(value, list | tuple):
        for v in value:
            yield from iter_refs(v)


def as_list(value: Any) -> list[Any]:
    """Terraform nested blocks come back as a dict when written once and a list when repeated."""
    if value is None:
        return []
    if isinstance(value, list | tuple):
        return list(value)
    return [value]


def as_bool(value: Any) -> bool | Unknown | None:
    """Terraform accepts ``true``, ``"true"`` and ``1`` for booleans; keep unknowns as they are."""
    if isinstance(value, Unknown):
        return value
    if isinstance(value, Ref):
        return Unknown(f"depends on {value}")
    if value is None:
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return bool(value)
    if isinstance(value, str):
        lowered = value.strip().lower()
        if lowered in {"true", "1", "yes"}:
            return True
        if lowered in {"false", "0", "no", ""}:
            return False
    return Unknown(f"not a boolean: {value!r}")
