"""Hot and cold files: the store's CloudTrail rows split by whether the shipped catalogue can read them.

Every detection reads few of the events (about 6 % of a real account's): its relaxed WHERE clause, as
prefilter.py computes it, admits only some event names, root or denied calls, odd user agents. Ingest
evaluates the disjunction of those conditions for the shipped catalogue on every row and writes the rows it
admits to hot files (`<name>.h-<key>.parquet`), the others to cold ones (`<name>.c-<key>.parquet`), one of
each per batch. `<key>` names the tier, whose pieces (event names and conditions) the
manifest keeps.

Detections then read only the hot files, when every CloudTrail file of the store carries a tier whose
pieces include every piece of the detections' own condition: a row the detections can match satisfies
their condition, hence the tier's, hence sits in a hot file. Anything else (a store written before tiers, a
detection set whose condition asks for more, such as a user's own Sigma rules) reads every file, as before.
The split changes where rows are, never which rows are read by the full views.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache, cached_property
from pathlib import Path

# A tiered file's name ends in `.h-<key>.parquet` (hot) or `.c-<key>.parquet` (cold).
FILE_TIER = re.compile(r"\.([hc])-([0-9a-f]{16})\.parquet$")
# Ingest computes the lower-case form of a column the split condition lowers as this prefix + its name.
LOWERED = "ringfence_lc_"


@dataclass(frozen=True)
class Split:
    """The tier's condition as ingest evaluates it: `condition` reads `LOWERED + name` for each of `lowered`
    in place of LOWER(name), so that a column lowered by several tests is lowered once per row (the
    catalogue lowers user_agent four times; once is 7 % less CPU for the whole conversion)."""

    condition: str
    lowered: tuple[str, ...]


@dataclass(frozen=True)
class Tier:
    """The rows a detection set can read: those whose event name is one of `names` (a trailing % marks a
    prefix) or that meet one of `conditions` (relaxed WHERE clauses, DuckDB SQL over the store's columns)."""

    names: frozenset[str]
    conditions: frozenset[str]

    @property
    def sql(self) -> str:
        from ringfence.logs.prefilter import condition_of

        return condition_of(self.names, self.conditions)

    @property
    def key(self) -> str:
        text = json.dumps(self.as_json(), sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    @cached_property
    def split(self) -> Split:
        return lowered_once(self.sql)

    def covers(self, names: Iterable[str], conditions: Iterable[str]) -> bool:
        """Whether every row admitted by (`names`, `conditions`) is admitted by this tier."""
        return set(names) <= self.names and set(conditions) <= self.conditions

    def as_json(self) -> dict[str, list[str]]:
        return {"names": sorted(self.names), "conditions": sorted(self.conditions)}

    @staticmethod
    def from_json(data: Mapping[str, object]) -> Tier | None:
        names, conditions = data.get("names"), data.get("conditions")
        if not isinstance(names, list) or not isinstance(conditions, list):
            return None
        return Tier(frozenset(str(n) for n in names), frozenset(str(c) for c in conditions))


def lowered_once(sql: str) -> Split:
    """`sql` with each LOWER(column), or LOWER(CAST(column AS TEXT)), reading a column of that name under
    LOWERED instead; unchanged when sqlglot cannot parse it."""
    import sqlglot
    from sqlglot import exp
    from sqlglot.errors import SqlglotError

    try:
        tree = sqlglot.parse_one(sql, read="duckdb")
    except SqlglotError:
        return Split(sql, ())
    lowered: set[str] = set()

    def swap(node: exp.Expression) -> exp.Expression:
        if not isinstance(node, exp.Lower):
            return node
        arg = node.this
        while isinstance(arg, exp.Cast) and arg.to.is_type(exp.DataType.Type.TEXT, exp.DataType.Type.VARCHAR):
            arg = arg.this
        if not isinstance(arg, exp.Column) or arg.table:
            return node
        lowered.add(arg.name)
        return exp.column(LOWERED + arg.name, quoted=True)

    return Split(tree.transform(swap).sql(dialect="duckdb"), tuple(sorted(lowered)))


def shipped_split() -> Tier | None:
    """`shipped()` with its split condition worked out (ingest asks for it in a thread of its own)."""
    tier = shipped()
    if tier is not None:
        _ = tier.split
    return tier


@cache
def shipped() -> Tier | None:
    """The tier of the shipped catalogue (its own detections and the bundled Sigma rules), or None when it
    cannot be planned (then nothing is split, and detections read every file). Kept between runs (memo.py)."""
    from ringfence.logs import memo

    return memo.remembered("tier", "", _plan_shipped)


def _plan_shipped() -> Tier | None:
    from ringfence.logs.prefilter import plan
    from ringfence.logs.runner import all_detections

    try:
        detections, _ = all_detections()
        top = [g for g in plan(detections).groups if g.within is None]
    except Exception:  # noqa: BLE001 - an optimisation only: without it the store is simply not split
        return None
    if len(top) != 1:
        return None
    return Tier(top[0].names, top[0].conditions)


def hot_files(
    files: Iterable[Path], tiers: Mapping[str, Tier], names: Iterable[str], conditions: Iterable[str]
) -> list[Path] | None:
    """The hot files among `files` when they hold every row that (`names`, `conditions`) admits, else None:
    every file must carry a known tier that covers them."""
    wanted_names, wanted_conditions = set(names), set(conditions)
    hot: list[Path] = []
    checked: set[str] = set()
    for f in files:
        m = FILE_TIER.search(f.name)
        if m is None:
            return None
        key = m.group(2)
        if key not in checked:
            tier = tiers.get(key)
            if tier is None or not tier.covers(wanted_names, wanted_conditions):
                return None
            checked.add(key)
        if m.group(1) == "h":
            hot.append(f)
    return hot
