"""One scan for the whole catalogue (DuckDB engine).

Run one by one, a hundred detections would each scan the Parquet store. Instead, every SELECT of a
detection that reads the `cloudtrail` view contributes its WHERE clause, relaxed to the conjuncts over cheap,
dictionary-friendly columns (a necessary condition: dropping a conjunct or a branch we cannot judge only
widens it). The disjunction of those relaxed conditions selects, in one scan, a small in-memory table that
holds every row any detection can read; each detection then runs on it unchanged. A detection with a scan
whose condition relaxes to TRUE (it needs every row) keeps reading the store.

This is an optimisation only: the Spark engine runs each detection on the full view, and
tests/logs/test_spark.py checks that both engines return identical detections.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

from ringfence.logs.catalogue import Detection

# Columns that are cheap to test on every row: short, repetitive, dictionary-encoded strings.
CHEAP = frozenset(
    {
        "event_name",
        "event_name_lc",
        "event_source",
        "event_source_lc",
        "event_type",
        "event_category",
        "error_code",
        "user_type",
        "invoked_by",
        "session_issuer_type",
        "read_only",
        "management_event",
        "aws_region",
        "user_agent",
        "user_arn",
    }
)
# Functions allowed in a cheap condition (anything else, regular expressions and JSON above all, is
# relaxed away).
_CHEAP_FUNCS = ("Lower", "Cast", "Coalesce", "Escape")


@dataclass(frozen=True)
class HotGroup:
    """Rows admitted by `condition`, with only `columns`, for the detections `rules`."""

    schema: str
    condition: str
    columns: tuple[str, ...]
    rules: tuple[str, ...]


@dataclass(frozen=True)
class Plan:
    groups: tuple[HotGroup, ...]
    cold: tuple[str, ...]  # rule ids that need the full view

    def schema_of(self, rule_id: str) -> str | None:
        return next((g.schema for g in self.groups if rule_id in g.rules), None)


def _is_cheap(node: object) -> bool:
    from sqlglot import exp

    assert isinstance(node, exp.Expression)
    for sub in node.walk():
        if isinstance(sub, exp.Column):
            if sub.name not in CHEAP:
                return False
        elif isinstance(sub, exp.Func) and type(sub).__name__ not in _CHEAP_FUNCS:
            if not isinstance(sub, exp.Anonymous) or sub.name.lower() not in ("lower",):
                return False
        elif isinstance(sub, exp.Subquery | exp.Select | exp.RegexpLike):
            return False
    return True


def relax(node: object) -> object | None:
    """A cheap condition implied by `node`, or None for TRUE (nothing cheap to require)."""
    from sqlglot import exp

    assert isinstance(node, exp.Expression)
    if isinstance(node, exp.Paren):
        return relax(node.this)
    if isinstance(node, exp.And):
        parts = [p for p in (relax(node.left), relax(node.right)) if p is not None]
        if not parts:
            return None
        return parts[0] if len(parts) == 1 else exp.and_(*parts)  # type: ignore[arg-type]
    if isinstance(node, exp.Or):
        left, right = relax(node.left), relax(node.right)
        if left is None or right is None:
            return None
        return exp.or_(left, right)  # type: ignore[arg-type]
    if _is_cheap(node):
        return node.copy()
    return None


_NAME_COLUMNS = ("event_name", "event_name_lc")


def names(node: object) -> frozenset[str] | None:
    """The lower-case event names `node` restricts a row to, or None when it does not restrict them."""
    from sqlglot import exp

    assert isinstance(node, exp.Expression)
    if isinstance(node, exp.Paren):
        return names(node.this)
    if isinstance(node, exp.And):
        left, right = names(node.left), names(node.right)
        if left is None:
            return right
        return left if right is None else left & right
    if isinstance(node, exp.Or):
        left, right = names(node.left), names(node.right)
        return None if left is None or right is None else left | right
    if (
        isinstance(node, exp.EQ)
        and isinstance(node.left, exp.Column)
        and node.left.name in _NAME_COLUMNS
        and isinstance(node.right, exp.Literal)
        and node.right.is_string
    ):
        return frozenset({node.right.this.lower()})
    like = node.this if isinstance(node, exp.Escape) else node
    if (
        isinstance(like, exp.Like)
        and isinstance(like.this, exp.Column)
        and like.this.name in _NAME_COLUMNS
        and isinstance(like.expression, exp.Literal)
        and like.expression.is_string
    ):
        text = str(like.expression.this).lower()
        head = text[:-1]
        if text.endswith("%") and "%" not in head and "_" not in head and "!" not in head:
            return frozenset({text})  # a prefix: the trailing % is kept as the marker
    if isinstance(node, exp.In) and isinstance(node.this, exp.Column) and node.this.name in _NAME_COLUMNS:
        values = node.expressions
        if values and all(isinstance(v, exp.Literal) and v.is_string for v in values):
            return frozenset(v.this.lower() for v in values)
    return None


def _scans(sql: str) -> list[object | None]:
    """For every SELECT reading `cloudtrail` directly: its relaxed WHERE (None = needs every row)."""
    import sqlglot
    from sqlglot import exp

    tree = sqlglot.parse_one(sql, read="duckdb")
    out: list[object | None] = []
    for sel in tree.find_all(exp.Select):
        source = sel.args.get("from_") or sel.args.get("from")
        tables = [source.this] if source is not None else []
        tables += [j.this for j in sel.args.get("joins") or []]
        if not any(isinstance(t, exp.Table) and t.name == "cloudtrail" for t in tables):
            continue
        if len(tables) > 1 or any(isinstance(e, exp.Star) for e in sel.expressions):
            out.append(None)  # a join, or SELECT *: keep it simple, read everything
            continue
        where = sel.args.get("where")
        out.append(relax(where.this) if where is not None else None)
    return out


def _columns(sql: str) -> set[str]:
    import sqlglot
    from sqlglot import exp

    from ringfence.logs.schema import CLOUDTRAIL

    known = {c.name for c in CLOUDTRAIL} | {"principal"}
    return {c.name for c in sqlglot.parse_one(sql, read="duckdb").find_all(exp.Column) if c.name in known}


def plan(detections: Sequence[Detection]) -> Plan:
    return _plan(tuple(detections))


@cache
def _plan(detections: tuple[Detection, ...]) -> Plan:
    """Two hot tables. Detections whose every scan is bound to event names share one, selected by a single
    `event_name_lc IN (...)` (a hash probe per row; the files are sorted by that column, so the rows are
    contiguous and few pages are decompressed). The others share a second one holding only the columns
    they read, since their rows are scattered over every page."""
    from sqlglot import exp

    bound_names: set[str] = set()
    bound_rules: list[str] = []
    bound_cols: set[str] = set()
    other_conditions: set[str] = set()
    other_rules: list[str] = []
    other_cols: set[str] = set()
    cold: list[str] = []
    for det in detections:
        if det.table != "cloudtrail":
            cold.append(det.rule_id)
            continue
        scans = _scans(det.sql)
        if not scans or any(s is None for s in scans):
            cold.append(det.rule_id)
            continue
        sets = [names(s) for s in scans if isinstance(s, exp.Expression)]
        if all(x is not None for x in sets):
            for x in sets:
                assert x is not None
                bound_names |= x
            bound_rules.append(det.rule_id)
            bound_cols |= _columns(det.sql)
        else:
            other_conditions |= {s.sql(dialect="duckdb") for s in scans if isinstance(s, exp.Expression)}
            other_rules.append(det.rule_id)
            other_cols |= _columns(det.sql)
    groups = []
    base = {"event_id", "event_time", "principal", "source_ip"}
    if bound_rules:
        exact = sorted(n for n in bound_names if not n.endswith("%"))
        prefixes = sorted(n for n in bound_names if n.endswith("%"))
        tests = []
        if exact:
            tests.append(
                "event_name_lc IN (" + ", ".join("'" + n.replace("'", "''") + "'" for n in exact) + ")"
            )
        tests += ["event_name_lc LIKE '" + p.replace("'", "''") + "'" for p in prefixes]
        groups.append(
            HotGroup(
                "hot_names",
                " OR ".join(tests),
                tuple(sorted(bound_cols | base)),
                tuple(bound_rules),
            )
        )
    if other_rules:
        groups.append(
            HotGroup(
                "hot_other",
                " OR ".join(f"({c})" for c in sorted(other_conditions)),
                tuple(sorted(other_cols | base)),
                tuple(other_rules),
            )
        )
    return Plan(tuple(groups), tuple(cold))
