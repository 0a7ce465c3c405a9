"""Hot and cold files (tiers.py): ingest splits CloudTrail rows by the shipped catalogue's condition, and the
DuckDB engine reads only the hot files when that is safe. Every test holds the split store to a store of
the same logs written without the split: the findings must not change, whatever the detections."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import duckdb
import pytest

from ringfence.logs import ingest as ingest_module
from ringfence.logs import tiers
from ringfence.logs.catalogue import Detection
from ringfence.logs.engine import DuckDBEngine, Window
from ringfence.logs.ingest import ingest
from ringfence.logs.prefilter import plan
from ringfence.logs.runner import Finding, all_detections, run
from ringfence.logs.store import Store

from .conftest import INVICTUS, STRATUS


def _findings(store: Store, dets: list[Detection]) -> list[Finding]:
    eng = DuckDBEngine()
    eng.open(store, Window())
    try:
        return run(eng, dets)
    finally:
        eng.close()


@pytest.fixture(scope="module")
def unsplit_store(tmp_path_factory: pytest.TempPathFactory) -> Store:
    store = Store(tmp_path_factory.mktemp("unsplit"))
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(ingest_module, "shipped_split", lambda: None)
        assert ingest([STRATUS, INVICTUS], store).errors == ()
    return store


def _files(store: Store) -> list[Path]:
    return sorted(store.table_dir("cloudtrail").rglob("*.parquet"))


def test_ingest_splits_rows_by_the_shipped_catalogue(shared_store: Store, unsplit_store: Store) -> None:
    tier = tiers.shipped()
    assert tier is not None
    manifest = shared_store.load_manifest()
    assert manifest.tiers == {tier.key: tier}
    files = _files(shared_store)
    marks = {tiers.FILE_TIER.search(f.name).group(1, 2) for f in files}  # type: ignore[union-attr]
    assert marks == {("h", tier.key), ("c", tier.key)}
    assert not any(tiers.FILE_TIER.search(f.name) for f in _files(unsplit_store))

    con = duckdb.connect()

    def count(files: list[Path], where: str) -> int:
        names = [str(f) for f in files]
        (n,) = con.execute(f"SELECT count(*) FROM read_parquet({names!r}) WHERE {where}").fetchone() or (0,)
        return int(n)

    hot = [f for f in files if ".h-" in f.name]
    cold = [f for f in files if ".c-" in f.name]
    admitted = f"coalesce(({tier.sql}), false)"
    assert count(hot, f"NOT {admitted}") == 0 and count(cold, admitted) == 0
    assert count(hot, "TRUE") == count(_files(unsplit_store), admitted) > 0
    assert count(hot, "TRUE") + count(cold, "TRUE") == count(_files(unsplit_store), "TRUE")


def test_catalogue_finds_the_same_on_split_and_unsplit_stores(
    shared_store: Store, unsplit_store: Store
) -> None:
    dets, _ = all_detections()
    own = [d for d in dets if not d.rule_id.startswith("sigma:")]
    for chosen in (dets, own):
        found = _findings(shared_store, chosen)
        assert found and found == _findings(unsplit_store, chosen)


def test_engine_reads_only_hot_files_when_they_cover_the_detections(shared_store: Store) -> None:
    dets, _ = all_detections()
    top = next(g for g in plan(dets).groups if g.within is None)
    eng = DuckDBEngine()
    eng.open(shared_store, Window())
    try:
        assert ".h-" in eng._hot_source(top) and "read_parquet" in eng._hot_source(top)
        wider = replace(top, names=top.names | {"notanevent"})
        assert eng._hot_source(wider) == "main.cloudtrail"
    finally:
        eng.close()


def test_a_detection_outside_the_tier_still_sees_every_row(shared_store: Store, unsplit_store: Store) -> None:
    """A user's rule on events the shipped catalogue never reads: the hot files cannot serve it."""
    tier = tiers.shipped()
    assert tier is not None
    names = [str(f) for f in _files(unsplit_store)]
    con = duckdb.connect()
    seen = [
        r[0]
        for r in con.execute(
            f"SELECT DISTINCT event_name_lc FROM read_parquet({names!r}) ORDER BY 1"
        ).fetchall()
    ]
    outside = [n for n in seen if n not in tier.names][:3]
    assert outside and not tier.covers(outside, ())
    listed = ", ".join(f"'{n}'" for n in outside)
    sql = (
        "SELECT event_id, event_time, principal, source_ip, event_name FROM cloudtrail "
        f"WHERE event_name_lc IN ({listed})"
    )
    det = Detection("custom.recon", "recon", "low", "T1087", sql)
    found = _findings(shared_store, [det])
    assert found == _findings(unsplit_store, [det])
    (expected,) = con.execute(
        f"SELECT count(DISTINCT event_id) FROM read_parquet({names!r}) WHERE event_name_lc IN ({listed})"
    ).fetchone() or (0,)
    assert sum(f.count for f in found) == expected > 0


def test_a_store_with_unsplit_files_reads_every_file(tmp_path: Path, shared_store: Store) -> None:
    """Files written before the split (or after it failed) make the hot files an incomplete picture."""
    mixed = Store(tmp_path / "mixed")
    assert ingest([STRATUS], mixed).errors == ()
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(ingest_module, "shipped_split", lambda: None)
        assert ingest([INVICTUS], mixed).errors == ()
    dets, _ = all_detections()
    assert _findings(mixed, dets) == _findings(shared_store, dets)


def test_a_split_condition_that_fails_writes_the_rows_unsplit(tmp_path: Path) -> None:
    broken = tiers.Tier(frozenset({"stoplogging"}), frozenset({"no_such_column = 1"}))
    store = Store(tmp_path / "s")
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(ingest_module, "shipped_split", lambda: broken)
        assert ingest([STRATUS], store).errors == ()
    assert store.load_manifest().tiers == {}
    assert _files(store) and not any(tiers.FILE_TIER.search(f.name) for f in _files(store))


def test_the_shipped_tier_is_cached_and_a_damaged_cache_is_ignored(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RINGFENCE_CACHE_DIR", str(tmp_path))
    fresh = tiers.shipped.__wrapped__()
    assert fresh is not None
    (saved,) = (tmp_path / "logs" / "tier").iterdir()
    monkeypatch.setattr(tiers, "_plan_shipped", lambda: None)  # from here on only the cache can answer
    assert tiers.shipped.__wrapped__() == fresh
    saved.write_text("{not json")
    assert tiers.shipped.__wrapped__() is None


def test_a_time_window_reads_the_same_rows_from_hot_files(shared_store: Store, unsplit_store: Store) -> None:
    dets, _ = all_detections()
    eng = DuckDBEngine()
    eng.open(unsplit_store, Window())
    try:
        (first, last) = eng.query("SELECT min(event_time), max(event_time) FROM cloudtrail")[0]
    finally:
        eng.close()
    middle = first + (last - first) / 2
    seen = 0
    for window in (Window(since=middle), Window(until=middle), Window(since=first, until=middle)):
        found = []
        for store in (shared_store, unsplit_store):
            eng = DuckDBEngine()
            eng.open(store, window)
            try:
                found.append(run(eng, dets))
            finally:
                eng.close()
        assert found[0] == found[1]
        seen += len(found[0])
    assert seen > 0


def test_ingest_lowers_each_column_once_and_admits_the_same_rows() -> None:
    sql = (
        "LOWER(user_agent) LIKE '%kali%' OR LOWER(CAST(user_agent AS TEXT)) = 'trufflehog' "
        "OR (LOWER(user_type) = 'root' AND NOT LOWER(CAST(read_only AS TEXT)) = 'true') OR LOWER(t.user_name) = 'x'"
    )
    split = tiers.lowered_once(sql)
    assert split.lowered == ("read_only", "user_agent", "user_type")
    assert "LOWER(" not in split.condition.upper().replace("LOWER(T.", "")
    con = duckdb.connect()
    con.execute(
        "CREATE TABLE t (user_agent VARCHAR, user_type VARCHAR, read_only BOOLEAN, user_name VARCHAR)"
    )
    con.execute(
        "INSERT INTO t VALUES ('Mozilla (Kali Linux)', 'IAMUser', true, 'a'), ('TruffleHog', NULL, NULL, 'b'), "
        "('boto3', 'Root', false, 'c'), ('boto3', 'ROOT', true, 'X'), (NULL, NULL, NULL, NULL), ('ÄKALI', 'x', true, 'y')"
    )
    lowered = ", ".join(f'lower(CAST("{c}" AS VARCHAR)) AS "{tiers.LOWERED}{c}"' for c in split.lowered)

    def admitted(condition: str, source: str) -> list[tuple[object, ...]]:
        return con.execute(
            f"SELECT user_agent, user_type, user_name FROM {source} WHERE coalesce(({condition}), false) ORDER BY ALL"
        ).fetchall()

    expected = admitted(sql, "t")
    assert len(expected) == 5
    assert admitted(split.condition, f"(SELECT *, {lowered} FROM t) t") == expected


def test_a_condition_sqlglot_cannot_read_is_evaluated_as_written() -> None:
    assert tiers.lowered_once("LOWER(user_agent) LIKE '%kali%' OR (") == tiers.Split(
        "LOWER(user_agent) LIKE '%kali%' OR (", ()
    )
