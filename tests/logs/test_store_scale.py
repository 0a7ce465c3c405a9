"""The store's shape does not depend on how many accounts, regions and days the events span: the benchmark's
archives (benchmarks/store_bench.py), scaled down, give the same files and rows over 100 partitions and
over thousands; detections do not depend on how rows are split into files; Spark reads the same store;
a store in the earlier layout (one folder per partition) is refused with a clear error."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from types import ModuleType

import pytest

from ringfence.logs import db
from ringfence.logs.engine import DuckDBEngine, Window
from ringfence.logs.ingest import ingest
from ringfence.logs.runner import all_detections, detect, run
from ringfence.logs.sqltext import quote
from ringfence.logs.store import Store, StoreError
from ringfence.logs.tiers import FILE_TIER
from tests.benchmarks.loading import load_benchmark

from .conftest import INVICTUS, STRATUS

ROOT = Path(__file__).resolve().parents[2]
EVENTS = 2000


@pytest.fixture(scope="module")
def bench() -> ModuleType:
    return load_benchmark("store_bench")


def _rows(store: Store) -> list[tuple[object, ...]]:
    con = db.connect()
    try:
        return con.execute(
            f"SELECT event_id, event_name, account, region, day FROM read_parquet({quote(store.parquet_glob('cloudtrail'))})"
        ).fetchall()
    finally:
        con.close()


def test_the_same_events_over_100_and_over_thousands_of_partitions_make_the_same_files(
    tmp_path: Path, bench: ModuleType
) -> None:
    few, spread = bench.shapes(0.01)
    assert few.partitions == 100 and spread.partitions == 6205
    stores = []
    for shape in (few, spread):
        archive = bench.write_archive(tmp_path / f"a{shape.partitions}", EVENTS, shape)
        store = Store(tmp_path / f"s{shape.partitions}")
        assert ingest([archive], store).errors == ()
        stores.append(store)
    shapes = [bench.store_shape(s.root) for s in stores]
    assert shapes[0]["rows"] == shapes[1]["rows"] == EVENTS
    assert shapes[0]["partitions"] == 100
    assert shapes[1]["partitions"] == EVENTS  # fewer events than partitions: one each
    # The same files (one per tier for each batch) whatever the spread; no folder per partition.
    assert shapes[0]["files"] == shapes[1]["files"] <= 4
    assert all(p.parent == s.table_dir("cloudtrail") for s in stores for p in s.root.rglob("*.parquet"))
    few_rows, spread_rows = (_rows(s) for s in stores)
    assert sorted(r[:2] for r in few_rows) == sorted(r[:2] for r in spread_rows)
    # Only account, region and day moved, as the archives were written.
    placed = {r[0]: (r[2], r[3], r[4]) for r in spread_rows}
    for i in (0, EVENTS // 2, EVENTS - 1):
        ev = bench.event(i, EVENTS, spread)
        assert placed[ev["eventID"]] == (ev["recipientAccountId"], ev["awsRegion"], ev["eventTime"][:10])


def test_row_group_statistics_let_a_day_and_an_account_skip_the_rest(
    tmp_path: Path, bench: ModuleType
) -> None:
    import datetime as dt

    shape = bench.Shape("two accounts", 2, 1, 30)
    events = 60_000  # 1,000 events a day in each account: a row group holds some days of one account
    archive = bench.write_archive(tmp_path / "a", events, shape)
    store = Store(tmp_path / "s")
    assert ingest([archive], store).errors == ()
    day = bench.FIRST_DAY + dt.timedelta(days=10)
    seen = bench.row_groups(store.root, day, f"{100000000001:012d}")
    assert seen["row_groups"] > 2
    assert 0 < seen["row_groups_for_the_day"] < seen["row_groups"]
    assert 0 < seen["row_groups_for_one_account"] < seen["row_groups"]
    # What the statistics admit is what a window reads.
    since = dt.datetime.combine(day, dt.time())
    eng = DuckDBEngine(threads=1)
    eng.open(store, Window(since, since + dt.timedelta(hours=23, minutes=59, seconds=59)))
    try:
        (n,) = eng.query("SELECT count(*) FROM cloudtrail")[0]
        (days,) = eng.query("SELECT count(DISTINCT day) FROM cloudtrail")[0]
    finally:
        eng.close()
    assert n == sum(1 for i in range(events) if shape.place(i, events)[2].date() == day) and days == 1


def _findings(store: Store) -> list[tuple[object, ...]]:
    dets, _ = all_detections()
    eng = DuckDBEngine(threads=1)
    eng.open(store, Window())
    try:
        found = run(eng, dets)
    finally:
        eng.close()
    return [
        (f.rule_id, f.severity, f.principal, f.first_seen, f.last_seen, f.count, f.events, f.message)
        for f in found
    ]


def test_detections_do_not_depend_on_how_rows_are_split_into_files(
    tmp_path: Path, shared_store: Store
) -> None:
    """The shared datasets' store, and the same rows rewritten one file per account, region and day (as many
    files as the earlier layout had folders, each keeping its tier), give the same detections."""
    split = Store(tmp_path / "split")
    (split.root / "cloudtrail").mkdir(parents=True)
    shutil.copy(shared_store.root / "manifest.json", split.root / "manifest.json")
    con = db.connect()
    try:
        for f in shared_store.files("cloudtrail"):
            m = FILE_TIER.search(f.name)
            ending = m.group(0) if m else ".parquet"
            keys = con.execute(
                f"SELECT DISTINCT account, region, day FROM read_parquet({quote(f)})"
            ).fetchall()
            for i, (account, region, day) in enumerate(sorted(keys)):
                out = split.table_dir("cloudtrail") / f"{f.name[: -len(ending)]}_{i}{ending}"
                con.execute(
                    f"COPY (SELECT * FROM read_parquet({quote(f)}) WHERE account = ? AND region = ? AND day = ?) "
                    f"TO {quote(out)} (FORMAT parquet)",
                    [account, region, day],
                )
    finally:
        con.close()
    assert len(split.files("cloudtrail")) > 2 * len(shared_store.files("cloudtrail"))
    found = _findings(shared_store)
    assert len(found) > 20
    assert _findings(split) == found


def test_a_store_in_the_earlier_layout_is_refused_with_a_clear_error(tmp_path: Path) -> None:
    old = tmp_path / "old"
    part = old / "cloudtrail" / "account=111122223333" / "region=eu-west-1" / "day=2026-11-02"
    part.mkdir(parents=True)
    con = db.connect()
    try:
        con.execute(f"COPY (SELECT 'e-1' AS event_id) TO {quote(part / 'x.parquet')} (FORMAT parquet)")
    finally:
        con.close()
    (old / "manifest.json").write_text(json.dumps({"schema": "ringfence.logstore/1", "files": {}}))
    with pytest.raises(StoreError, match=r"earlier version .* convert the logs again"):
        detect([old], with_sigma=False)
    with pytest.raises(StoreError, match="earlier version"):
        ingest([STRATUS], Store(old))
    with pytest.raises(StoreError, match="earlier version"):
        DuckDBEngine().open(Store(old), Window())


def test_the_cli_says_to_convert_a_store_in_the_earlier_layout_again(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from ringfence.cli.app import app

    old = tmp_path / "old"
    (old / "flowlogs" / "account=111122223333").mkdir(parents=True)
    (old / "manifest.json").write_text(json.dumps({"schema": "ringfence.logstore/1", "files": {}}))
    res = CliRunner().invoke(app, ["detect", str(old), "--format", "json"])
    said = " ".join(res.output.replace("│", " ").split())  # the message as one line, out of its box
    assert res.exit_code == 2
    assert "earlier version" in said and "convert the logs again" in said and "Traceback" not in said


@pytest.mark.slow
@pytest.mark.xdist_group("spark")
def test_spark_finds_what_duckdb_finds_on_a_ten_account_slice(tmp_path: Path, bench: ModuleType) -> None:
    why = bench.java_missing()
    if why is not None:
        pytest.skip(why)
    from ringfence.logs.spark import SparkEngine

    shape = bench.Shape("twenty accounts", 20, 17, 365)
    indices = bench.slice_indices(EVENTS, shape)
    assert 0 < len(indices) < EVENTS
    archive = bench.write_archive(tmp_path / "slice", EVENTS, shape, indices)
    store = Store(tmp_path / "s")
    assert ingest([archive, STRATUS, INVICTUS], store).errors == ()
    accounts = {r[2] for r in _rows(store) if str(r[2]).startswith("1000000000")}
    assert len(accounts) == 10
    dets, _ = all_detections()
    found = {}
    for eng in (DuckDBEngine(threads=1), SparkEngine("local[1]")):
        eng.open(store, Window())
        try:
            found[eng.name] = [(f.rule_id, f.principal, f.count, f.events, f.message) for f in run(eng, dets)]
        finally:
            eng.close()
    assert len(found["duckdb"]) > 20
    assert found["spark"] == found["duckdb"]
