"""DuckDB connections never write to standard output: detect's JSON, SARIF and OCSF go there. DuckDB's
Python client draws a progress bar there for a statement that runs longer than `progress_bar_time`; the
tests set that to zero so that any statement would draw it."""

from __future__ import annotations

import duckdb
import pytest

from ringfence.logs import db
from ringfence.logs.engine import DuckDBEngine, Window
from ringfence.logs.runner import all_detections, run
from ringfence.logs.store import Store

SLOW = "SELECT count(*) FROM range(20000000) t(x) WHERE x % 7 = 3"


def test_a_connection_and_its_cursors_draw_no_progress_bar(capfd: pytest.CaptureFixture[str]) -> None:
    con = db.connect()
    con.execute("SET progress_bar_time = 0")
    assert con.execute(SLOW).fetchall() == [(2857143,)]
    cur = con.cursor()
    db.session(cur)
    cur.execute("SET progress_bar_time = 0")
    assert cur.execute(SLOW).fetchall() == [(2857143,)]
    assert capfd.readouterr().out == ""


def test_detections_run_side_by_side_draw_no_progress_bar(
    shared_store: Store, capfd: pytest.CaptureFixture[str]
) -> None:
    session = db.session

    def eager(con: duckdb.DuckDBPyConnection) -> None:
        session(con)
        con.execute("SET progress_bar_time = 0")

    eng = DuckDBEngine(threads=2)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(db, "session", eager)
        eng.open(shared_store, Window())
        try:
            dets, _ = all_detections()
            assert run(eng, dets)
            assert eng.query(SLOW) == [(2857143,)]
        finally:
            eng.close()
    assert capfd.readouterr().out == ""
