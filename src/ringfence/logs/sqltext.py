"""SQL literals built from values we do not control (paths chosen by users, rule text): every one goes
through here, so a quote in a folder name is data, not a syntax error that loses a batch."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path


def quote(value: str | Path) -> str:
    """A SQL string literal holding `value`."""
    return "'" + str(value).replace("'", "''") + "'"


def quote_list(values: Iterable[str | Path]) -> str:
    """A SQL list literal of string literals."""
    return "[" + ", ".join(quote(v) for v in values) + "]"


def quote_ident(name: str) -> str:
    """A SQL identifier naming `name`."""
    return '"' + name.replace('"', '""') + '"'
