from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest
from pytest import MonkeyPatch

from ringfence.logs import cloudtrail
from ringfence.logs.discover import Kind
from ringfence.logs.engine import DuckDBEngine, Window
from ringfence.logs.ingest import ingest
from ringfence.logs.store import Store, StoreError

from .conftest import STRATUS


def _event(i: int, **extra: object) -> dict[str, object]:
    rec: dict[str, object] = {
        "eventVersion": "1.08",
        "userIdentity": {
            "type": "IAMUser",
            "arn": "arn:aws:iam::111122223333:user/a",
            "accountId": "111122223333",
        },
        "eventTime": f"2026-11-02T09:0{i % 10}:00Z",
        "eventSource": "cloudtrail.amazonaws.com",
        "eventName": "StopLogging",
        "awsRegion": "eu-west-1",
        "sourceIPAddress": "198.51.100.23",
        "eventID": f"e-{i}",
        "recipientAccountId": "111122223333",
        "requestParameters": {"name": "t"},
    }
    rec.update(extra)
    return rec


def _aws_layout(root: Path, name: str, records: list[dict[str, object]]) -> Path:
    d = root / "AWSLogs" / "111122223333" / "CloudTrail" / "eu-west-1" / "2026" / "11" / "02"
    d.mkdir(parents=True, exist_ok=True)
    p = d / name
    p.write_bytes(gzip.compress(json.dumps({"Records": records}).encode()))
    return p


def _query(store: Store, sql: str) -> list[tuple[object, ...]]:
    eng = DuckDBEngine(threads=1)
    eng.open(store, Window())
    try:
        return eng.query(sql)
    finally:
        eng.close()


def test_gzipped_records_in_s3_layout_are_stored_with_their_account_region_and_day(tmp_path: Path) -> None:
    _aws_layout(tmp_path / "logs", "a.json.gz", [_event(1), _event(2)])
    store = Store(tmp_path / "store")
    res = ingest([tmp_path / "logs"], store)
    assert res.errors == () and res.files == 1
    # No folder per partition: the table's files sit directly in its folder.
    parts = {p.relative_to(store.root).parts[:-1] for p in store.root.rglob("*.parquet")}
    assert parts == {("cloudtrail",)}
    rows = _query(
        store,
        "SELECT event_id, user_arn, json_extract_string(request_parameters, '$.name'), account, region, day "
        "FROM cloudtrail",
    )
    assert sorted(rows) == [
        ("e-1", "arn:aws:iam::111122223333:user/a", "t", "111122223333", "eu-west-1", "2026-11-02"),
        ("e-2", "arn:aws:iam::111122223333:user/a", "t", "111122223333", "eu-west-1", "2026-11-02"),
    ]


def test_second_run_skips_ingested_files(tmp_path: Path) -> None:
    _aws_layout(tmp_path / "logs", "a.json.gz", [_event(1)])
    store = Store(tmp_path / "store")
    assert ingest([tmp_path / "logs"], store).ingested == 1
    again = ingest([tmp_path / "logs"], store)
    assert (again.files, again.ingested) == (1, 0)
    _aws_layout(tmp_path / "logs", "b.json.gz", [_event(2)])
    third = ingest([tmp_path / "logs"], store)
    assert (third.files, third.ingested) == (2, 1)
    assert _query(store, "SELECT count(*) FROM cloudtrail") == [(2,)]


def test_malformed_record_is_reported_and_the_rest_ingested(tmp_path: Path) -> None:
    bad = _event(2)
    del bad["eventTime"]
    p = _aws_layout(tmp_path / "logs", "a.json.gz", [_event(1), bad, _event(3, eventTime="not a time")])
    store = Store(tmp_path / "store")
    res = ingest([tmp_path / "logs"], store)
    assert [(e.path, e.message) for e in res.errors] == [
        (str(p.resolve()), "record has no eventTime"),
        (str(p.resolve()), "eventTime 'not a time' is not an ISO 8601 time"),
    ]
    assert all(e.offset > 0 for e in res.errors)
    assert _query(store, "SELECT event_id FROM cloudtrail") == [("e-1",)]


def test_broken_json_file_is_reported_with_offset_and_others_ingested(tmp_path: Path) -> None:
    logs = tmp_path / "logs"
    _aws_layout(logs, "good.json.gz", [_event(1)])
    text = json.dumps({"Records": [_event(2), _event(3)]})
    cut = text[: text.index('"e-3"') + 3]  # truncated in the middle of the second record
    (logs / "broken.json").write_text(cut)
    (logs / "notes.bin").write_bytes(b"\x00\x01garbage")
    res = ingest([logs], Store(tmp_path / "store"))
    by_file = {Path(e.path).name: e for e in res.errors}
    assert set(by_file) == {"broken.json", "notes.bin"}
    assert by_file["broken.json"].offset > 0 and "invalid JSON" in by_file["broken.json"].message
    assert "neither CloudTrail nor VPC flow log" in by_file["notes.bin"].message
    assert sorted(_query(Store(tmp_path / "store"), "SELECT event_id FROM cloudtrail")) == [
        ("e-1",),
        ("e-2",),
    ]


def test_json_lines_and_eventbridge_and_arrays(tmp_path: Path) -> None:
    logs = tmp_path / "logs"
    logs.mkdir()
    lines = [
        json.dumps(_event(1)),
        json.dumps({"detail-type": "AWS API Call via CloudTrail", "detail": _event(2)}),
        "{oops",
    ]
    (logs / "lake.jsonl").write_text("\n".join(lines) + "\n")
    (logs / "array.json").write_text(json.dumps([_event(3)]))
    res = ingest([logs], Store(tmp_path / "store"))
    assert [(Path(e.path).name, e.offset, e.unit) for e in res.errors] == [("lake.jsonl", 3, "line")]
    assert sorted(_query(Store(tmp_path / "store"), "SELECT event_id FROM cloudtrail")) == [
        ("e-1",),
        ("e-2",),
        ("e-3",),
    ]


def test_keys_differing_only_in_case_do_not_break_loading(tmp_path: Path) -> None:
    rec = _event(1, requestParameters={"Name": "A", "name": "b"})
    (tmp_path / "a.json").write_text(json.dumps({"Records": [rec]}))
    store = Store(tmp_path / "store")
    assert ingest([tmp_path / "a.json"], store).errors == ()
    assert _query(store, "SELECT json_extract_string(request_parameters, '$.name') FROM cloudtrail") == [
        ("b",)
    ]


def test_truncated_gzip_is_an_error(tmp_path: Path) -> None:
    data = gzip.compress(json.dumps({"Records": [_event(1)] * 50}).encode())
    (tmp_path / "t.json.gz").write_bytes(data[: len(data) // 2])
    res = ingest([tmp_path / "t.json.gz"], Store(tmp_path / "store"))
    assert len(res.errors) == 1 and res.errors[0].path.endswith("t.json.gz")


def test_stratus_arrays_load_without_errors(tmp_path: Path) -> None:
    res = ingest([STRATUS], Store(tmp_path / "s"))
    assert res.errors == () and res.files == 35


def test_failed_batch_leaves_no_duplicates(tmp_path: Path) -> None:
    """A type error fails DuckDB's whole batch: it is retried file by file, and nothing is written twice."""
    logs = tmp_path / "logs"
    _aws_layout(logs, "a.json.gz", [_event(1), _event(2)])
    bad = _aws_layout(logs, "b.json.gz", [_event(3), _event(4, readOnly="maybe")])
    store = Store(tmp_path / "store")
    res = ingest([logs], store)
    assert [(Path(e.path).name, e.message) for e in res.errors] == [(bad.name, "readOnly is not a boolean")]
    assert sorted(_query(store, "SELECT event_id FROM cloudtrail")) == [("e-1",), ("e-2",), ("e-3",)]
    assert not (store.root / ".staging").exists() or not any((store.root / ".staging").rglob("*.parquet"))


def test_store_inside_the_logs_folder_is_not_read_as_input(tmp_path: Path) -> None:
    _aws_layout(tmp_path, "a.json.gz", [_event(1)])
    store = Store(tmp_path / "store")
    assert ingest([tmp_path], store).errors == ()
    again = ingest([tmp_path], store)
    assert again.errors == () and again.files == 1


def test_record_over_the_fast_path_limit_is_still_ingested(tmp_path: Path, monkeypatch: MonkeyPatch) -> None:
    """The fast path's buffers are sized for ordinary records; a bigger one sends its file the slow way."""
    monkeypatch.setattr(cloudtrail, "MAX_RECORD_FAST", 4096)
    big = _event(2, requestParameters={"policy": "x" * 20000})
    _aws_layout(tmp_path / "logs", "a.json.gz", [_event(1), big])
    _aws_layout(tmp_path / "logs", "b.json.gz", [_event(3)])
    store = Store(tmp_path / "store")
    assert ingest([tmp_path / "logs"], store).errors == ()
    rows = _query(store, "SELECT event_id, length(request_parameters) > 20000 FROM cloudtrail ORDER BY 1")
    assert rows == [("e-1", False), ("e-2", True), ("e-3", False)]


def test_many_batches_lose_and_repeat_nothing(tmp_path: Path, monkeypatch: MonkeyPatch) -> None:
    """Files are inflated ahead of the batch DuckDB converts; every record lands once whatever the cut."""
    monkeypatch.setattr(cloudtrail, "BATCH_BYTES", 3000)
    for n in range(40):
        _aws_layout(tmp_path / "logs", f"f{n:02d}.json.gz", [_event(n * 3 + k) for k in range(3)])
    store = Store(tmp_path / "store")
    res = ingest([tmp_path / "logs"], store, threads=2)
    assert res.errors == () and res.ingested == 40
    ids = [r[0] for r in _query(store, "SELECT event_id FROM cloudtrail")]
    assert sorted(ids) == sorted(f"e-{i}" for i in range(120))


def test_concatenated_gzip_members_are_all_read(tmp_path: Path) -> None:
    d = tmp_path / "logs"
    d.mkdir()
    one = gzip.compress(json.dumps({"Records": [_event(1), _event(2)]}).encode())
    (d / "a.json.gz").write_bytes(one)
    text = json.dumps({"Records": [_event(3), _event(4)]}).encode()
    half = len(text) // 2
    (d / "b.json.gz").write_bytes(gzip.compress(text[:half]) + gzip.compress(text[half:]))
    store = Store(tmp_path / "store")
    assert ingest([d], store).errors == ()
    assert sorted(r[0] for r in _query(store, "SELECT event_id FROM cloudtrail")) == [
        "e-1",
        "e-2",
        "e-3",
        "e-4",
    ]


@pytest.mark.parametrize("piece", [1, 7, 4096, 1 << 20])
@pytest.mark.parametrize("gz", [True, False])
def test_records_unwrapped_in_pieces_are_the_records(
    tmp_path: Path, monkeypatch: MonkeyPatch, piece: int, gz: bool
) -> None:
    """Files are inflated and unwrapped piece by piece: whatever the cut, what DuckDB reads is the array."""
    monkeypatch.setattr(cloudtrail, "_PIECE", piece)
    records = [_event(i, requestParameters={"policy": "}" * i + " \n"}) for i in range(30)]
    text = ' \n { "Records" :\n' + json.dumps(records, indent=1) + "\n}\n" + " " * 5000
    raw = text.encode()
    src = tmp_path / ("a.json.gz" if gz else "a.json")
    src.write_bytes(gzip.compress(raw[:100]) + gzip.compress(raw[100:]) if gz else raw)
    prep = cloudtrail.prepare(src, Kind.CLOUDTRAIL_RECORDS, tmp_path / "out.json")
    assert prep.error is None and prep.tmp is not None
    body = prep.tmp.read_bytes()
    assert prep.size == len(body) and json.loads(body) == records


def test_a_records_file_without_its_closing_brace_goes_the_slow_way(tmp_path: Path) -> None:
    src = tmp_path / "a.json.gz"
    src.write_bytes(gzip.compress(('{"Records": ' + json.dumps([_event(1)])).encode()))
    prep = cloudtrail.prepare(src, Kind.CLOUDTRAIL_RECORDS, tmp_path / "out.json")
    assert prep.tmp is None and prep.error == "not a {Records: [...]} object"
    assert not (tmp_path / "out.json").exists()


def test_a_quote_in_folder_names_is_data(tmp_path: Path) -> None:
    """Paths reach SQL as literals: a store or log folder called o'brien loads and reads like any other."""
    from ringfence.logs.runner import detect

    from .test_flowlogs import v2

    logs = tmp_path / "o'brien logs"
    _aws_layout(logs, "a.json.gz", [_event(1), _event(2, readOnly="maybe")])
    (logs / "flows.log").write_text(v2("203.0.113.9", "10.0.1.5", 22) + "\n")
    store = Store(tmp_path / "o'brien store")
    res = ingest([logs], store)
    assert [e.message for e in res.errors] == ["readOnly is not a boolean"]
    assert _query(store, "SELECT event_id FROM cloudtrail") == [("e-1",)]
    assert _query(store, "SELECT count(*) FROM flowlogs") == [(1,)]
    report = detect([store.root])
    assert report.events == 1 and report.flow_records == 1
    assert {d.rule_id for d in report.detections} >= {"cloudtrail.logging-stopped"}


def test_hostile_files_are_each_reported_and_the_good_one_ingested(tmp_path: Path) -> None:
    """Deep nesting, an empty file, a gzip header with nothing after it, an empty gzip member: each is an
    error naming its file and what is wrong; none stops the rest."""
    logs = tmp_path / "logs"
    good = _aws_layout(logs, "good.json.gz", [_event(1), _event(2)])
    depth = 100_000
    (logs / "deep.json").write_text('{"Records": [' + "[" * depth + "]" * depth + "]}")
    (logs / "deep-lines.json").write_text(
        json.dumps(_event(3)) + "\n" + '{"a": ' + "[" * depth + "]" * depth + "}\n"
    )
    (logs / "empty.json").write_bytes(b"")
    (logs / "header-only.json.gz").write_bytes(gzip.compress(b"{}")[:10])
    (logs / "nothing.json.gz").write_bytes(gzip.compress(b""))
    res = ingest([logs], Store(tmp_path / "store"))
    by_file = {Path(e.path).name: e for e in res.errors}
    assert by_file["deep.json"].message == cloudtrail.TOO_DEEP
    assert (
        by_file["deep-lines.json"].message == cloudtrail.TOO_DEEP and by_file["deep-lines.json"].offset == 2
    )
    assert by_file["empty.json"].message == "empty file"
    assert by_file["header-only.json.gz"].message == "cannot decompress: truncated gzip stream"
    assert by_file["nothing.json.gz"].message == "no content"
    assert good.name not in by_file
    rows = _query(Store(tmp_path / "store"), "SELECT event_id FROM cloudtrail ORDER BY 1")
    assert rows == [("e-1",), ("e-2",), ("e-3",)]


@pytest.mark.parametrize(
    "manifest", ['{"files": {broken', "[]", '{"files": {"x": 5}}', '{"files": {"x": {}}}']
)
def test_a_damaged_manifest_stops_with_a_clear_error_and_adds_nothing(tmp_path: Path, manifest: str) -> None:
    store = Store(tmp_path / "store")
    ingest([STRATUS], store)
    (store.root / "manifest.json").write_text(manifest)
    before = sorted(store.root.rglob("*.parquet"))
    with pytest.raises(StoreError, match="damaged"):
        ingest([STRATUS], store)
    assert sorted(store.root.rglob("*.parquet")) == before
