"""DuckDB and Spark return identical detections from the same SQL. Spark tests are few: one shared
local[1] session, one store, one comparison."""

from __future__ import annotations

from pathlib import Path

import pytest

from ringfence.logs.engine import DuckDBEngine, Engine, Window
from ringfence.logs.ingest import ingest
from ringfence.logs.runner import all_detections, run
from ringfence.logs.store import Store, StoreError

from .conftest import INVICTUS, STRATUS
from .test_flowlogs import T0, v2

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("spark")]


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Store:
    folder = tmp_path_factory.mktemp("flows")
    lines = [v2("203.0.113.9", "10.0.1.5", 22)]
    lines += [v2("198.51.100.7", "10.0.1.5", p, "REJECT") for p in range(1000, 1025)]
    lines += [v2("192.0.2.66", "10.0.1.6", 22, "REJECT", T0 + i) for i in range(35)]
    (folder / "flows.log").write_text("\n".join(lines) + "\n")
    s = Store(tmp_path_factory.mktemp("store"))
    assert ingest([STRATUS, INVICTUS, folder], s).errors == ()
    return s


def _findings(engine: object, store: Store, window: Window) -> list[tuple[object, ...]]:
    dets, _ = all_detections()
    engine.open(store, window)  # type: ignore[attr-defined]
    try:
        found = run(engine, dets)  # type: ignore[arg-type]
    finally:
        engine.close()  # type: ignore[attr-defined]
    return [
        (
            f.rule_id,
            f.severity,
            f.principal,
            f.source_ip,
            f.first_seen,
            f.last_seen,
            f.count,
            f.events,
            f.message,
        )
        for f in found
    ]


def test_duckdb_and_spark_return_identical_detections(store: Store) -> None:
    from ringfence.logs.spark import SparkEngine

    window = Window()
    duck = _findings(DuckDBEngine(threads=1), store, window)
    spark = _findings(SparkEngine("local[1]"), store, window)
    assert len(duck) > 80
    assert {d[0] for d in duck} >= {
        "vpcflow.port-scan",
        "vpcflow.admin-brute-force",
        "cloudtrail.logging-stopped",
    }
    assert spark == duck


def test_spark_window(store: Store) -> None:
    from datetime import datetime

    from ringfence.logs.spark import SparkEngine

    window = Window(since=datetime(2024, 7, 31), until=datetime(2024, 7, 31, 23, 59, 59))
    eng = SparkEngine("local[1]", cache=False)  # one query: caching would only add a pass
    eng.open(store, window)
    try:
        n = eng.count("cloudtrail")
    finally:
        eng.close()
    duck = DuckDBEngine(threads=1)
    duck.open(store, window)
    assert n == duck.count("cloudtrail") > 0
    duck.close()


def test_cli_builds_the_spark_engine_without_starting_it() -> None:
    from ringfence.logs.runner import make_engine
    from ringfence.logs.spark import SparkEngine

    eng = make_engine("spark", "spark://127.0.0.1:7077")
    assert isinstance(eng, SparkEngine) and eng.master == "spark://127.0.0.1:7077"


@pytest.mark.parametrize("name", ["duckdb", "spark"])
def test_both_engines_refuse_a_store_with_a_damaged_file(tmp_path: Path, name: str) -> None:
    from ringfence.logs.spark import SparkEngine

    store = Store(tmp_path / "store")
    assert ingest([STRATUS / "aws.defense-evasion.cloudtrail-stop.json"], store).errors == ()
    damaged = sorted(store.table_dir("cloudtrail").rglob("*.parquet"))[0]
    damaged.write_bytes(b"not parquet")
    engine: Engine = DuckDBEngine(threads=1) if name == "duckdb" else SparkEngine("local[1]")
    with pytest.raises(StoreError, match="cannot be read") as caught:
        engine.open(store, Window())
    assert damaged.name in str(caught.value)
