"""DuckDB connections, opened the same way wherever the logs are read or written."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import duckdb


def connect() -> duckdb.DuckDBPyConnection:
    import duckdb

    con = duckdb.connect()
    session(con)
    return con


def session(con: duckdb.DuckDBPyConnection) -> None:
    """Settings that belong to one connection: a cursor starts without them."""
    con.execute("SET TimeZone = 'UTC'")
    # DuckDB's Python client draws a progress bar on standard output for any statement that runs over two
    # seconds, into a pipe too, where it would corrupt the JSON, SARIF or OCSF that detect writes there.
    # (Setting `progress_bar_time` turns the bar back on; only the second setting keeps it off for good.)
    con.execute("SET enable_progress_bar = false")
    con.execute("SET enable_progress_bar_print = false")
