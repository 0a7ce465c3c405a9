"""The seam between detections and the engines that run them. Both engines expose the same two views,
`cloudtrail` and `flowlogs`, with the store's schema plus `principal` (who acted), restricted to the
--since/--until window; a detection is DuckDB-dialect SQL over those views."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

from ringfence.logs import db
from ringfence.logs.schema import CLOUDTRAIL, FLOWLOGS, Column
from ringfence.logs.sqltext import quote_list
from ringfence.logs.store import Store, StoreError

if TYPE_CHECKING:
    from ringfence.logs.prefilter import HotGroup


@dataclass(frozen=True)
class Window:
    since: datetime | None = None
    until: datetime | None = None

    def where(self, column: str) -> str:
        parts = []
        if self.since is not None:
            parts.append(f"{column} >= {_timestamp(self.since)}")
        if self.until is not None:
            parts.append(f"{column} <= {_timestamp(self.until)}")
        return " AND ".join(parts) if parts else "TRUE"


def _timestamp(t: datetime) -> str:
    """A TIMESTAMP literal to the microsecond, the year in four digits (strftime's %Y drops its zeros)."""
    return f"CAST('{t.year:04d}-{t:%m-%d %H:%M:%S.%f}' AS TIMESTAMP)"


Row = tuple[Any, ...]

# Extra columns every engine adds to the views (DuckDB dialect, transpiled for Spark).
CLOUDTRAIL_EXTRA = "coalesce(user_arn, invoked_by, principal_id, user_type, 'unknown') AS principal"
FLOWLOGS_EXTRA = "record_ref AS ref"

VIEWS: dict[str, tuple[tuple[Column, ...], str, str]] = {
    "cloudtrail": (CLOUDTRAIL, CLOUDTRAIL_EXTRA, "event_time"),
    "flowlogs": (FLOWLOGS, FLOWLOGS_EXTRA, "start_time"),
}


def empty_select(columns: Sequence[Column], json_type: str = "VARCHAR") -> str:
    cols = ", ".join(
        f'CAST(NULL AS {json_type if c.sql_type == "JSON" else c.sql_type}) AS "{c.name}"' for c in columns
    )
    return f"SELECT {cols} WHERE 1 = 0"


class Engine(Protocol):
    name: str

    def open(self, store: Store, window: Window) -> None: ...

    def query(self, sql: str, hot: str | None = None) -> list[Row]: ...

    def count(self, table: str) -> int: ...

    def close(self) -> None: ...


# A statement and the hot schema it reads (None: the views), as `Engine.query` takes them.
Query = tuple[str, str | None]


def query_many(engine: Engine, queries: Sequence[Query]) -> list[list[Row] | Exception]:
    """The rows of every query, or the error it raised, in order. Engines that can run several statements
    at once say so with a `query_many` method of this signature; the others run them one after another."""
    many = getattr(engine, "query_many", None)
    if many is not None:
        out: list[list[Row] | Exception] = many(queries)
        return out
    return [_attempt(engine.query, sql, hot) for sql, hot in queries]


def _attempt(
    query: Callable[[str, str | None], list[Row]], sql: str, hot: str | None
) -> list[Row] | Exception:
    try:
        return query(sql, hot)
    except Exception as exc:  # noqa: BLE001 - any failure belongs to this query alone; the caller reports it
        return exc


class DuckDBEngine:
    name = "duckdb"
    summarises = True  # runs runner.summary_sql(): groups the detections' rows itself

    def __init__(self, threads: int | None = None) -> None:
        self.threads = threads
        self.concurrency = 1  # statements worth running side by side: DuckDB's threads, read at open()
        self._con: Any = None
        self._search_path: str | None = None
        self._store: Store | None = None
        self._window = Window()
        self._hot_sources: dict[tuple[frozenset[str], frozenset[str]], str] = {}

    def open(self, store: Store, window: Window) -> None:
        import duckdb

        store.check_layout()
        con = db.connect()
        con.execute("SET parquet_metadata_cache = true")
        # Memory kept between statements rather than handed back and faulted in again: 7 % off the whole
        # catalogue's run on 2 M events (median of interleaved runs).
        con.execute("SET block_allocator_memory = '512MB'")
        if self.threads:
            con.execute(f"SET threads = {self.threads}")
        (threads,) = con.execute("SELECT current_setting('threads')").fetchall()[0]
        self.concurrency = max(1, int(threads))
        for table in VIEWS:
            files = quote_list([store.parquet_glob(table)]) if store.has_table(table) else None
            try:
                con.execute(f"CREATE VIEW {table} AS {_view_sql(table, files, window)}")
            except duckdb.Error as exc:  # the views read every file's schema: a damaged file fails here
                con.close()
                raise _damaged(store, exc) from None
        self._con = con
        self._search_path = None
        self._store = store
        self._window = window
        self._hot_sources = {}

    def use_prefilter(self, groups: Sequence[HotGroup]) -> None:
        """Materialises the CloudTrail rows of each group (see prefilter.py) as `<schema>.cloudtrail`, in one
        scan of the store per table; `query(sql, hot=schema)` then reads them. A group within another is a
        view on that one's table, over a column computed in the same scan (sorted first, so that the view's
        filter skips the rest of the table through its zone maps)."""
        con = self._con
        for g in groups:
            if g.within is not None:
                continue
            parts = [s for s in groups if s.within == g.schema]
            cols = ", ".join(f'"{c}"' for c in g.columns)
            tags = "".join(f', ({s.condition}) AS "{_tag(s.schema)}"' for s in parts)
            order = [f'"{_tag(s.schema)}"' for s in parts] + [f'"{c}"' for c in g.order]
            by = " ORDER BY " + ", ".join(order) if order else ""
            con.execute(f"CREATE SCHEMA IF NOT EXISTS {g.schema}")
            con.execute(
                f"CREATE OR REPLACE TABLE {g.schema}.cloudtrail AS SELECT {cols}{tags} FROM {self._hot_source(g)} "
                f"WHERE {g.condition}{by}"
            )
            for s in parts:
                con.execute(f"CREATE SCHEMA IF NOT EXISTS {s.schema}")
                con.execute(
                    f"CREATE OR REPLACE VIEW {s.schema}.cloudtrail AS SELECT "
                    + ", ".join(f'"{c}"' for c in s.columns)
                    + f' FROM {g.schema}.cloudtrail WHERE "{_tag(s.schema)}"'
                )

    def _hot_source(self, group: HotGroup) -> str:
        """The store's hot CloudTrail files, as a view like `cloudtrail`, when they hold every row `group`
        admits (see tiers.py); else the full view. Worked out once per group while the engine is open (the
        store's files and manifest are read at that first call)."""
        key = (group.names, group.conditions)
        if key not in self._hot_sources:
            self._hot_sources[key] = self._find_hot_source(group)
        return self._hot_sources[key]

    def _find_hot_source(self, group: HotGroup) -> str:
        from ringfence.logs.tiers import hot_files

        store = self._store
        if store is None or not store.has_table("cloudtrail"):
            return "main.cloudtrail"
        every = store.files("cloudtrail")
        hot = hot_files(every, store.load_manifest().tiers, group.names, group.conditions)
        if hot is None:
            return "main.cloudtrail"
        files = quote_list(str(f) for f in hot) if hot else None
        return f"({_view_sql('cloudtrail', files, self._window)})"

    def query(self, sql: str, hot: str | None = None) -> list[Row]:
        path = f"{hot},main" if hot else "main"
        if path != self._search_path:
            self._con.execute(f"SET search_path = '{path}'")
            self._search_path = path
        return [tuple(r) for r in self._con.execute(sql).fetchall()]

    def query_many(self, queries: Sequence[Query]) -> list[list[Row] | Exception]:
        """Runs `queries` side by side, each worker on its own cursor (one connection runs one statement at a
        time; DuckDB releases the GIL while it works). Returns the rows of each, or the error it raised."""
        workers = min(self.concurrency, len(queries))
        if workers <= 1:
            return [_attempt(self.query, sql, hot) for sql, hot in queries]
        local = threading.local()
        cursors: list[Any] = []

        def run(q: Query) -> list[Row] | Exception:
            if not hasattr(local, "cursor"):
                local.cursor = self._con.cursor()
                db.session(local.cursor)
                cursors.append(local.cursor)
            sql, hot = q
            cur = local.cursor
            return _attempt(lambda s, h: _fetch(cur, s, h), sql, hot)

        try:
            with ThreadPoolExecutor(workers) as pool:
                return list(pool.map(run, queries))
        finally:
            for cur in cursors:
                cur.close()

    def count(self, table: str) -> int:
        import duckdb

        try:
            return int(self._con.execute(f"SELECT count(*) FROM main.{table}").fetchone()[0])
        except duckdb.Error as exc:
            raise _damaged(self._store, exc) from None

    def close(self) -> None:
        if self._con is not None:
            self._con.close()
            self._con = None


def _view_sql(table: str, files: str | None, window: Window) -> str:
    """The SELECT behind view `table` over the Parquet `files` (a SQL list of paths or globs; None for no
    file): the store's columns, the engine's extra ones, rows inside the window."""
    columns, extra, time_col = VIEWS[table]
    if files is None:
        source = empty_select(columns, "JSON")
    else:
        names = ", ".join(f'"{c.name}"' for c in columns)
        source = f"SELECT {names} FROM read_parquet({files}, hive_partitioning = false, union_by_name = true)"
    return f"SELECT *, {extra} FROM ({source}) s WHERE {window.where(time_col)}"


def _damaged(store: Store | None, exc: Exception) -> StoreError:
    first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return StoreError.unreadable(store.root if store is not None else "the store", first)


def _tag(schema: str) -> str:
    return f"ringfence_in_{schema}"


def _fetch(cur: Any, sql: str, hot: str | None) -> list[Row]:
    cur.execute(f"SET search_path = '{hot},main'" if hot else "SET search_path = 'main'")
    return [tuple(r) for r in cur.execute(sql).fetchall()]
