"""Checks from outside the built-in catalogue: plug-ins and custom YAML rules.

A plug-in is an installed package that names its checks in the entry point group ``ringfence.checks``
(in its ``pyproject.toml``: ``[project.entry-points."ringfence.checks"]`` and ``mine = "pkg.checks:CHECKS"``).
The object an entry point names is a `Check` or a tuple or list of them, built like the built-in ones. A
plug-in that cannot be imported, names something else, or gives a check an id already taken is an input
error naming the entry point; the other checks still run.
"""

from __future__ import annotations

import typing
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from ringfence.checks.base import Check, Meta, Pillar
from ringfence.checks.catalogue import CATALOGUE
from ringfence.model import InputError
from ringfence.model.findings import Severity

GROUP = "ringfence.checks"
PILLARS: tuple[str, ...] = typing.get_args(Pillar)


@dataclass(frozen=True, slots=True)
class CustomChecks:
    checks: tuple[Check, ...] = ()
    errors: tuple[InputError, ...] = ()


def load_custom_checks(
    rule_folders: Sequence[Path] = (), builtin: Sequence[Check] = CATALOGUE
) -> CustomChecks:
    """The plug-ins' checks and the YAML rules of ``rule_folders``, with an error for each that cannot be
    used."""
    from ringfence.checks.custom_rules import load_rules

    plugins = plugin_checks(taken=(c.rule_id for c in builtin))
    taken = [*(c.rule_id for c in builtin), *(c.rule_id for c in plugins.checks)]
    rules, errors = load_rules(rule_folders, taken)
    return CustomChecks((*plugins.checks, *rules), (*plugins.errors, *errors))


def plugin_checks(taken: Iterable[str] = ()) -> CustomChecks:
    """The checks of every installed ``ringfence.checks`` entry point, in entry point name order."""
    from importlib.metadata import entry_points

    seen = set(taken)
    checks: list[Check] = []
    errors: list[InputError] = []
    for point in sorted(entry_points(group=GROUP), key=lambda p: (p.name, p.value)):
        where = f"entry point {GROUP}:{point.name} ({point.value})"
        try:
            loaded = point.load()
        except Exception as exc:  # noqa: BLE001 -- a broken plug-in must not stop the built-in checks
            errors.append(_error(where, f"cannot be loaded: {type(exc).__name__}: {exc}"))
            continue
        items = list(loaded) if isinstance(loaded, list | tuple) else [loaded]
        for item in items:
            problem = _problem(item)
            if problem is not None:
                errors.append(_error(where, problem))
            elif item.rule_id in seen:
                errors.append(
                    _error(
                        where, f"check {item.rule_id}: the id is already taken by another check: not loaded"
                    )
                )
            else:
                seen.add(item.rule_id)
                checks.append(item)
    return CustomChecks(tuple(checks), tuple(errors))


def _error(where: str, message: str) -> InputError:
    return InputError(f"<{where}>", None, f"plug-in: {message}")


def _problem(item: object) -> str | None:
    """Why ``item`` is not a check the engine can run, or None."""
    if not isinstance(item, Check):
        return f"names a {type(item).__name__}, not a ringfence Check (or a tuple of them)"
    meta = item.meta
    if not isinstance(meta, Meta) or not isinstance(meta.rule_id, str) or not meta.rule_id.strip():
        return "a check without a rule id"
    if not isinstance(meta.severity, Severity):
        return f"check {meta.rule_id}: severity must be a Severity, not {meta.severity!r}"
    if meta.pillar not in PILLARS:
        return f"check {meta.rule_id}: pillar {meta.pillar!r} is not one of {', '.join(PILLARS)}"
    if item.per_resource is None and item.per_estate is None:
        return f"check {meta.rule_id}: neither per_resource nor per_estate is set"
    if not isinstance(item.kinds, tuple) or not all(isinstance(k, str) for k in item.kinds):
        return f"check {meta.rule_id}: kinds must be a tuple of resource types"
    return None
