"""One scan for the whole catalogue (DuckDB engine).

Run one by one, a hundred detections would each scan the Parquet store. Instead, every SELECT of a
detection that reads the `cloudtrail` view contributes its WHERE clause, relaxed to the conjuncts over cheap,
dictionary-friendly columns (a necessary condition: dropping a conjunct or a branch we cannot judge only
widens it). The disjunction of those relaxed conditions selects, in one scan, a small in-memory table that
holds every row any detection can read; each detection then runs on it unchanged. A detection with a scan
whose condition relaxes to TRUE (it needs every row) keeps reading the store. Ingest evaluates the same
disjunction for the shipped catalogue and writes the rows it admits to hot files (tiers.py): the scan then
reads those only.

This is an optimisation only: the Spark engine runs each detection on the full view, and
tests/logs/test_spark.py checks that both engines return identical detections.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache

from ringfence.logs.catalogue import Detection
from ringfence.logs.sqltext import quote

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
    """Rows admitted by `condition`, with only `columns`, for the detections `rules`. A group `within`
    another holds a subset of that group's rows (its condition implies the other's), so it is cut from that
    group's table rather than from the store; a table is sorted by `order`."""

    schema: str
    condition: str
    columns: tuple[str, ...]
    rules: tuple[str, ...]
    within: str | None = None
    order: tuple[str, ...] = ()
    # What `condition` is made of (see `condition_of`): the event names and the other relaxed conditions.
    names: frozenset[str] = frozenset()
    conditions: frozenset[str] = frozenset()


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


# IN lists up to this long are written as ORs of equalities (longer ones are worth DuckDB's hash join).
_SHORT_IN = 16


def render(node: object) -> str:
    """A relaxed condition as DuckDB SQL, in the cheaper of equivalent forms where DuckDB's cost differs
    (these run on every row of the store):
    - `x LIKE 'p' ESCAPE '!'` as `x LIKE 'p'` when 'p' holds no '!' (Sigma rules always escape): DuckDB runs
      a plain LIKE as a substring search, an escaped one character by character;
    - `x IN ('a', 'b')` over a few literals as `(x = 'a' OR x = 'b')`: DuckDB makes an IN list a hash join."""
    from sqlglot import exp

    assert isinstance(node, exp.Expression)

    def cheaper(sub: exp.Expression) -> exp.Expression:
        if isinstance(sub, exp.Escape) and isinstance(sub.this, exp.Like | exp.ILike):
            pattern, escape = sub.this.expression, sub.expression
            if (
                isinstance(pattern, exp.Literal)
                and pattern.is_string
                and isinstance(escape, exp.Literal)
                and escape.is_string
                and escape.this
                and escape.this not in pattern.this
            ):
                return sub.this
        if (
            isinstance(sub, exp.In)
            and isinstance(sub.this, exp.Column)
            and 0 < len(sub.expressions) <= _SHORT_IN
            and all(isinstance(v, exp.Literal) for v in sub.expressions)
            and not sub.args.get("query")
        ):
            return exp.paren(
                exp.or_(*(exp.EQ(this=sub.this.copy(), expression=v.copy()) for v in sub.expressions))
            )
        return sub

    return str(node.copy().transform(cheaper).sql(dialect="duckdb"))


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


def _all_columns(e: object) -> bool:
    """`*`, `t.*` or `COLUMNS(...)`: the SELECT's output depends on which columns the table has."""
    from sqlglot import exp

    star = isinstance(e, exp.Star) or (isinstance(e, exp.Column) and isinstance(e.this, exp.Star))
    return star or type(e).__name__ == "Columns"


@lru_cache(maxsize=1024)
def _parsed(sql: str) -> object:
    """The syntax tree of `sql`, parsed once for every use below (none of which modifies it)."""
    import sqlglot

    return sqlglot.parse_one(sql, read="duckdb")


def _scans(sql: str) -> list[object | None]:
    """For every SELECT reading `cloudtrail` directly: its relaxed WHERE (None = needs every row)."""
    from sqlglot import exp

    tree = _parsed(sql)
    assert isinstance(tree, exp.Expression)
    out: list[object | None] = []
    for sel in tree.find_all(exp.Select):
        source = sel.args.get("from_") or sel.args.get("from")
        tables = [source.this] if source is not None else []
        tables += [j.this for j in sel.args.get("joins") or []]
        if not any(isinstance(t, exp.Table) and t.name == "cloudtrail" for t in tables):
            continue
        if len(tables) > 1 or any(_all_columns(e) for e in sel.expressions):
            out.append(None)  # a join, or SELECT *: keep it simple, read everything
            continue
        where = sel.args.get("where")
        out.append(relax(where.this) if where is not None else None)
    return out


def _columns(sql: str) -> set[str]:
    from sqlglot import exp

    from ringfence.logs.schema import CLOUDTRAIL

    tree = _parsed(sql)
    assert isinstance(tree, exp.Expression)
    known = {c.name for c in CLOUDTRAIL} | {"principal"}
    return {c.name for c in tree.find_all(exp.Column) if c.name in known}


def plan(detections: Sequence[Detection]) -> Plan:
    """The hot groups for `detections`; kept between runs for each set of detections (memo.py)."""
    return _remembered(tuple(detections))


@cache
def _remembered(detections: tuple[Detection, ...]) -> Plan:
    import hashlib

    from ringfence.logs import memo

    digest = hashlib.sha256()
    for det in detections:
        digest.update("\0".join((det.rule_id, det.table, det.sql)).encode() + b"\1")
    return memo.remembered("plan", digest.hexdigest(), lambda: _plan(detections))


def _relaxed(sql: str) -> list[object | None] | None:
    """The relaxed scans of `sql`, or None when sqlglot cannot read it (the detection then reads the store,
    where its own error, if any, is reported for it alone)."""
    from sqlglot.errors import SqlglotError

    try:
        return _scans(sql)
    except SqlglotError:
        return None


@cache
def _plan(detections: tuple[Detection, ...]) -> Plan:
    """One scan of the store: a second one would decompress its expensive columns (event ids, times) a
    second time, since the rows every detection reads are spread over most row groups.

    Detections whose every scan is bound to event names read `hot`, selected by one
    `event_name_lc IN (...)` (a hash probe per row) and sorted by that column, so that each detection's own
    filter on it skips most of the table. The others read `hot_other`, the part of `hot` their relaxed
    conditions admit: a few rows, where `hot` would make them test every row (lower-casing user agents...)."""
    from sqlglot import exp

    bound_names: set[str] = set()
    bound: list[str] = []
    bound_cols: set[str] = set()
    conditions: set[str] = set()
    other: list[str] = []
    other_cols: set[str] = set()
    cold: list[str] = []
    for det in detections:
        scans = _relaxed(det.sql) if det.table == "cloudtrail" else None
        if not scans or any(s is None for s in scans):
            cold.append(det.rule_id)
            continue
        sets = [names(s) for s in scans if isinstance(s, exp.Expression)]
        if all(x is not None for x in sets):
            for x in sets:
                assert x is not None
                bound_names |= x
            bound.append(det.rule_id)
            bound_cols |= _columns(det.sql)
        else:
            conditions |= {render(s) for s in scans if isinstance(s, exp.Expression)}
            other.append(det.rule_id)
            other_cols |= _columns(det.sql)
    base = {"event_id", "event_time", "principal", "source_ip", "event_name_lc"}
    cols = tuple(sorted(bound_cols | other_cols | base))
    order = ("event_name_lc",)
    names_, conds = frozenset(bound_names), frozenset(conditions)
    if not bound or not other:  # one kind only: its table is the group itself
        rules = tuple(bound or other)
        top = HotGroup(
            "hot", condition_of(names_, conds), cols, rules, order=order, names=names_, conditions=conds
        )
        return Plan((top,) if rules else (), tuple(cold))
    hot = HotGroup(
        "hot", condition_of(names_, conds), cols, tuple(bound), order=order, names=names_, conditions=conds
    )
    others = condition_of(set(), conditions)
    hot_other = HotGroup("hot_other", others, tuple(sorted(other_cols | base)), tuple(other), within="hot")
    return Plan((hot, hot_other), tuple(cold))


def condition_of(names: Iterable[str], conditions: Iterable[str]) -> str:
    """The SQL admitting rows whose event name is one of `names` (a trailing % marks a prefix) or that meet
    one of the relaxed `conditions`; FALSE for none."""
    tests = _name_tests(set(names)) + [f"({c})" for c in sorted(conditions)]
    return " OR ".join(tests) or "FALSE"


def _name_tests(bound: set[str]) -> list[str]:
    """`event_name_lc IN (...)` for the exact names, one LIKE per prefix."""
    exact = sorted(n for n in bound if not n.endswith("%"))
    prefixes = sorted(n for n in bound if n.endswith("%"))
    tests = []
    if exact:
        tests.append("event_name_lc IN (" + ", ".join(quote(n) for n in exact) + ")")
    tests += [f"event_name_lc LIKE {quote(p)}" for p in prefixes]
    return tests
