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
class Plan:
    hot_filter: str | None  # SQL condition over `cloudtrail`, or None when no detection can use it
    hot: tuple[str, ...]  # rule ids that run on the hot table
    cold: tuple[str, ...]  # rule ids that need the full view


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
        if len(tables) > 1:
            out.append(None)  # a join with another source: keep it simple, read everything
            continue
        where = sel.args.get("where")
        out.append(relax(where.this) if where is not None else None)
    return out


def plan(detections: Sequence[Detection]) -> Plan:
    conditions: list[str] = []
    hot: list[str] = []
    cold: list[str] = []
    for det in detections:
        if det.table != "cloudtrail":
            cold.append(det.rule_id)
            continue
        scans = _scans(det.sql)
        if not scans or any(s is None for s in scans):
            cold.append(det.rule_id)
            continue
        hot.append(det.rule_id)
        conditions += [s.sql(dialect="duckdb") for s in scans]  # type: ignore[union-attr]
    unique = sorted(set(conditions))
    return Plan(" OR ".join(f"({c})" for c in unique) if unique else None, tuple(hot), tuple(cold))
