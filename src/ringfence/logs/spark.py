"""The Spark engine: the same views and the same detection SQL, transpiled from DuckDB's dialect to Spark's
with sqlglot. Local mode by default; pass a master URL (spark://..., yarn, k8s://...) for a cluster."""

from __future__ import annotations

import re
from functools import cache
from typing import Any

from ringfence.logs.engine import VIEWS, Row, Window, empty_select
from ringfence.logs.store import Store, StoreError

# One session per process: starting a JVM is seconds, so tests and repeated runs share it.
_SESSIONS: dict[str, Any] = {}


def get_session(master: str = "local[1]") -> Any:
    if master not in _SESSIONS:
        from pyspark.sql import SparkSession

        local = master.startswith("local")
        builder = (
            SparkSession.builder.master(master)
            .appName("ringfence-detect")
            .config("spark.sql.session.timeZone", "UTC")
            .config("spark.sql.sources.partitionColumnTypeInference.enabled", "false")
            .config("spark.sql.shuffle.partitions", "2" if local else "200")
            .config("spark.ui.enabled", "false")
            .config("spark.ui.showConsoleProgress", "false")
            .config("spark.sql.ansi.enabled", "false")
        )
        if local:
            # Local mode talks to itself only: keep every socket on the loopback interface.
            builder = builder.config("spark.driver.host", "127.0.0.1").config(
                "spark.driver.bindAddress", "127.0.0.1"
            )
        _SESSIONS[master] = builder.getOrCreate()
        _SESSIONS[master].sparkContext.setLogLevel("ERROR")
    return _SESSIONS[master]


@cache
def to_spark(sql: str) -> str:
    import sqlglot

    return str(sqlglot.transpile(sql, read="duckdb", write="spark")[0])


class SparkEngine:
    name = "spark"

    def __init__(self, master: str = "local[1]", cache: bool = True) -> None:
        self.master = master
        self.cache = cache
        self._spark: Any = None
        self._views: list[str] = []

    def open(self, store: Store, window: Window) -> None:
        store.check_layout()
        spark = get_session(self.master)
        for table, (columns, extra, time_col) in VIEWS.items():
            raw = f"ringfence_{table}_raw"
            if store.has_table(table):
                d = str(store.table_dir(table))
                try:
                    df = spark.read.option("basePath", d).option("recursiveFileLookup", "false").parquet(d)
                    df.select(*[c.name for c in columns]).createOrReplaceTempView(raw)
                    if self.cache:
                        # Every detection reads the same columns: read the files once per run.
                        spark.catalog.cacheTable(raw)
                    # Read now: a damaged file is then one clear error, not a failure of every detection.
                    spark.sql(f"SELECT count(*) FROM {raw}").collect()
                except Exception as exc:  # noqa: BLE001 - Spark's errors come through py4j, of many types
                    if spark.catalog.tableExists(raw):
                        self._views.append(raw)
                    self._spark = spark
                    self.close()  # what was cached or registered so far
                    raise StoreError.unreadable(store.root, _spark_problem(exc)) from None
            else:
                spark.sql(to_spark(empty_select(columns))).createOrReplaceTempView(raw)
            spark.sql(
                f"CREATE OR REPLACE TEMP VIEW {table} AS "
                + to_spark(f"SELECT *, {extra} FROM {raw} WHERE {window.where(time_col)}")
            )
            self._views += [raw, table]
        self._spark = spark

    def query(self, sql: str, hot: str | None = None) -> list[Row]:
        return [tuple(r) for r in self._spark.sql(to_spark(sql)).collect()]

    def count(self, table: str) -> int:
        return int(self._spark.sql(f"SELECT count(*) FROM {table}").collect()[0][0])

    def close(self) -> None:
        if self._spark is not None:
            for v in self._views:
                if self.cache and v.endswith("_raw") and self._spark.catalog.isCached(v):
                    self._spark.catalog.uncacheTable(v)
                self._spark.catalog.dropTempView(v)
            self._views = []
            self._spark = None


def _spark_problem(exc: Exception) -> str:
    """The useful line of a Spark error: the file it could not read, when it says, else its first line."""
    text = str(exc)
    m = re.search(r"reading file (\S+?)\.?\s", text)
    if m:
        return f"cannot read {m.group(1)}"
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[0] if lines else type(exc).__name__
