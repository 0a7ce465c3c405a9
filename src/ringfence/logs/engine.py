"""The seam between detections and the engines that run them. Both engines expose the same two views,
`cloudtrail` and `flowlogs`, with the store's schema plus `principal` (who acted), restricted to the
--since/--until window; a detection is DuckDB-dialect SQL over those views."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from ringfence.logs.schema import CLOUDTRAIL, FLOWLOGS, Column
from ringfence.logs.store import Store


@dataclass(frozen=True)
class Window:
    since: datetime | None = None
    until: datetime | None = None

    def where(self, column: str) -> str:
        parts = []
        if self.since is not None:
            parts.append(f"{column} >= CAST('{self.since:%Y-%m-%d %H:%M:%S}' AS TIMESTAMP)")
        if self.until is not None:
            parts.append(f"{column} <= CAST('{self.until:%Y-%m-%d %H:%M:%S}' AS TIMESTAMP)")
        return " AND ".join(parts) if parts else "TRUE"


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


class DuckDBEngine:
    name = "duckdb"

    def __init__(self, threads: int | None = None) -> None:
        self.threads = threads
        self._con: Any = None

    def open(self, store: Store, window: Window) -> None:
        import duckdb

        con = duckdb.connect()
        con.execute("SET TimeZone = 'UTC'")
        con.execute("SET parquet_metadata_cache = true")
        if self.threads:
            con.execute(f"SET threads = {self.threads}")
        for table, (columns, extra, time_col) in VIEWS.items():
            if store.has_table(table):
                names = ", ".join(f'"{c.name}"' for c in columns)
                source = (
                    f"SELECT {names} FROM read_parquet('{store.parquet_glob(table)}', hive_partitioning = true, "
                    "hive_types_autocast = false, union_by_name = true)"
                )
            else:
                source = empty_select(columns, "JSON")
            con.execute(
                f"CREATE VIEW {table} AS SELECT *, {extra} FROM ({source}) s WHERE {window.where(time_col)}"
            )
        self._con = con

    def use_prefilter(self, schema: str, condition: str, columns: Sequence[str]) -> None:
        """Materialises the CloudTrail rows that `condition` admits, with `columns`, as
        `<schema>.cloudtrail` (see prefilter.py); `query(sql, hot=schema)` then reads them."""
        con = self._con
        cols = ", ".join(f'"{c}"' for c in columns)
        con.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
        con.execute(
            f"CREATE OR REPLACE TABLE {schema}.cloudtrail AS SELECT {cols} FROM main.cloudtrail WHERE {condition}"
        )

    def query(self, sql: str, hot: str | None = None) -> list[Row]:
        con = self._con
        con.execute(f"SET search_path = '{hot},main'" if hot else "SET search_path = 'main'")
        return [tuple(r) for r in con.execute(sql).fetchall()]

    def count(self, table: str) -> int:
        return int(self._con.execute(f"SELECT count(*) FROM main.{table}").fetchone()[0])

    def close(self) -> None:
        if self._con is not None:
            self._con.close()
            self._con = None
