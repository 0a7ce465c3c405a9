""" "Did you mean": the names of the estate closest to one the user typed, for error messages."""

from __future__ import annotations

import difflib
from collections.abc import Iterable

_INSTANCES = 20  # instances of a count/for_each resource listed at most


def suggestions(name: str, known: Iterable[str], limit: int = 3) -> list[str]:
    """The instances of ``name`` when it names a ``count``/``for_each`` resource without its index
    (``aws_instance.app`` -> ``aws_instance.app[0]``...), else the ``limit`` names of ``known`` closest to
    it (by whole address, or by the part after the type for a bare name), closest first."""
    names = sorted(set(known))
    instances = [k for k in names if k.startswith(name + "[")]
    if instances:
        return instances[:_INSTANCES]
    close = difflib.get_close_matches(name, names, n=limit, cutoff=0.8)
    if not close and "." not in name:
        by_bare: dict[str, str] = {}
        for k in names:
            by_bare.setdefault(k.rsplit(".", 1)[-1], k)
        close = [by_bare[b] for b in difflib.get_close_matches(name, list(by_bare), n=limit, cutoff=0.6)]
    return close


def did_you_mean(name: str, known: Iterable[str]) -> str:
    """``"; did you mean X?"`` (or the instances to name), or "" when nothing is close."""
    found = suggestions(name, known)
    if not found:
        return ""
    if found[0].startswith(name + "["):
        more = "..." if len(found) == _INSTANCES else ""
        return f"; it has instances, name one: {', '.join(found)}{more}"
    return f"; did you mean {' or '.join(found)}?"
