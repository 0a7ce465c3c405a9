"""For any log file, the log loaders return normally: what cannot be read is a `LoadError` naming its file
and where in it, and the good records beside it are still stored.

CloudTrail (`cloudtrail.iter_records`, `check_record`, and the whole ingest into the store), VPC flow logs
(text, through the ingest) and the bounded reading under both (`reading.content`, `TextStream`, `lines`).
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from ringfence.logs import db, exports
from ringfence.logs.cloudtrail import check_record, iter_records
from ringfence.logs.ingest import ingest
from ringfence.logs.reading import READ_ERRORS, Limits, OverLimit, TextStream, content, lines
from ringfence.logs.store import LoadError, Store

from .corpus import FLOW_HEADER, FLOW_LINE, GOOD_RECORDS, GOOD_TRAIL, record
from .mutations import huge_strings, json_values, mutated, nested

UNITS = ("byte", "char", "line", "record")  # record: an event's index in an export document
FIELDS = (
    "eventVersion",
    "userIdentity",
    "eventTime",
    "eventSource",
    "eventName",
    "awsRegion",
    "sourceIPAddress",
    "userAgent",
    "requestParameters",
    "responseElements",
    "eventID",
    "errorCode",
    "readOnly",
    "managementEvent",
    "recipientAccountId",
    "resources",
    "additionalEventData",
)
IDENTITY = ("type", "arn", "accountId", "userName", "principalId", "accessKeyId", "sessionContext")
SEED = GOOD_TRAIL.encode()
SEED_LINES = "\n".join(json.dumps(record(i)) for i in range(3)).encode()


def _folder(factory: pytest.TempPathFactory) -> Path:
    return factory.mktemp("logs")


def _stored(store: Store, table: str, column: str) -> list[str]:
    """The values of `column` in the store's `table` (nothing when the table has no file)."""
    if not store.has_table(table):
        return []
    con = db.connect()
    try:
        rows = con.execute(
            f"SELECT {column} FROM read_parquet(?, hive_partitioning=true)", [store.parquet_glob(table)]
        )
        return sorted(str(r[0]) for r in rows.fetchall())
    finally:
        con.close()


def _ingest(folder: Path, hostile: Path) -> tuple[Store, tuple[LoadError, ...]]:
    """Ingest `folder` (a good CloudTrail file, a good flow log and `hostile`) into a new store; every
    error must be the hostile file's, with a message and a place in it."""
    store = Store(folder.parent / f"{folder.name}-store")
    result = ingest([folder], store, threads=1)
    for error in result.errors:
        assert isinstance(error, LoadError)
        assert error.path == str(hostile.resolve()), error
        assert error.message and isinstance(error.message, str)
        assert error.unit in UNITS and error.offset >= 0
    return store, result.errors


def _good_files(folder: Path) -> None:
    (folder / "good.json").write_text(GOOD_TRAIL, encoding="utf-8")
    (folder / "good.log").write_text(f"{FLOW_HEADER}\n{FLOW_LINE}\n", encoding="utf-8")


def _good_survive(store: Store, folder: Path) -> None:
    events = set(_stored(store, "cloudtrail", "event_id"))
    assert {f"corpus-good-{i:04d}" for i in range(GOOD_RECORDS)} <= events
    assert f"{(folder / 'good.log').resolve()}:2" in _stored(store, "flowlogs", "record_ref")


# -- CloudTrail, record by record (pure Python: many examples) ------------------------------------------


def _walk(path: Path, limits: Limits | None = None) -> list[tuple[int, str, object, str | None]]:
    out = []
    for offset, unit, rec, err in iter_records(path, limits):
        assert isinstance(offset, int) and offset >= 0 and unit in UNITS
        if err is not None:
            assert isinstance(err, str) and err and rec is None
        else:
            problem = check_record(rec)
            assert problem is None or (isinstance(problem, str) and problem)
        out.append((offset, unit, rec, err))
    return out


@given(st.sampled_from((SEED, SEED_LINES)).flatmap(mutated))
@example(b'{"Records": [null]}')
@example(b'{"Records": [' + b"[" * 5000)
@example(b'{"Records": [{"eventID": "\xff\xfe"}]}')
def test_any_cloudtrail_bytes_are_walked_record_by_record(
    tmp_path_factory: pytest.TempPathFactory, data: bytes
) -> None:
    path = _folder(tmp_path_factory) / "hostile.json"
    path.write_bytes(data)
    _walk(path)
    path.write_bytes(gzip.compress(data))
    _walk(path, Limits(max_bytes=len(data) // 2 + 1))  # a limit cuts the content: an error, not an exception


@given(st.sampled_from(FIELDS), json_values() | huge_strings())
def test_any_value_in_a_cloudtrail_field_is_a_record_or_its_error(field: str, value: object) -> None:
    rec = record(1, **{field: value})
    problem = check_record(json.loads(json.dumps(rec)))
    assert problem is None or isinstance(problem, str)
    if field in ("eventID", "eventTime", "eventSource", "eventName") and not isinstance(value, str):
        assert problem is not None  # a record without the fields every event has is never stored


# -- CloudTrail and flow logs through the ingest (DuckDB: fewer examples) -------------------------------


def _hostile_trail(rec: dict[str, object]) -> bytes:
    """A Records file holding a good record, then `rec`."""
    return json.dumps({"Records": [record(50, eventID="same-file-good"), rec]}).encode()


@settings(max_examples=6)
@given(
    st.one_of(
        st.sampled_from((SEED, SEED_LINES)).flatmap(mutated),
        st.builds(lambda f, v: _hostile_trail(record(60, **{f: v})), st.sampled_from(FIELDS), json_values()),
        st.builds(
            lambda k, v: _hostile_trail(record(61, userIdentity={"type": "IAMUser", k: v})),
            st.sampled_from(IDENTITY),
            json_values(),
        ),
        nested("[", "]").map(lambda deep: ('{"Records": [' + deep + "]}").encode()),
        huge_strings().map(lambda s: _hostile_trail(record(62, userAgent=s))),
    )
)
@example(_hostile_trail(None))  # type: ignore[arg-type]
@example(b'{"Records": [' + b"[" * 100_000 + b"]" * 100_000 + b"]}")
def test_a_hostile_cloudtrail_file_costs_itself_only(
    tmp_path_factory: pytest.TempPathFactory, data: bytes
) -> None:
    folder = _folder(tmp_path_factory)
    _good_files(folder)
    hostile = folder / "hostile.json"
    hostile.write_bytes(data)
    store, _ = _ingest(folder, hostile)
    _good_survive(store, folder)
    if b"same-file-good" in data and data.startswith(b'{"Records": [{'):
        assert "same-file-good" in _stored(store, "cloudtrail", "event_id")  # a good record beside a bad one


_FLOW_TOKENS = st.sampled_from(
    ("-", "0", "99999", "-1", "ACCEPT", "REJECT", "OK", "::1", "²", "1e9", "x" * 50)
)


@settings(max_examples=6)
@given(
    st.lists(
        st.one_of(
            mutated(FLOW_LINE.encode()).map(lambda b: b.decode("utf-8", "replace")),
            st.lists(_FLOW_TOKENS, min_size=14, max_size=14).map(" ".join),
            st.lists(_FLOW_TOKENS, max_size=20).map(" ".join),
            huge_strings(),
        ),
        max_size=5,
    ),
    st.booleans(),
)
@example(["2 " * 500_000], False)
@example(["version version"], True)
def test_a_hostile_flow_log_costs_its_lines_only(
    tmp_path_factory: pytest.TempPathFactory, rows: list[str], custom_header: bool
) -> None:
    folder = _folder(tmp_path_factory)
    _good_files(folder)
    hostile = folder / "hostile.log"
    header = "srcaddr dstaddr dstport action" if custom_header else FLOW_HEADER
    good = "203.0.113.9 10.0.0.5 3389 ACCEPT" if custom_header else FLOW_LINE
    hostile.write_text("\n".join([header, good, *rows]) + "\n", encoding="utf-8")
    store, errors = _ingest(folder, hostile)
    _good_survive(store, folder)
    refs = _stored(store, "flowlogs", "record_ref")
    if not any(e.offset in (0, 1) for e in errors):  # the header was read: the good line beside the bad
        assert f"{hostile.resolve()}:2" in refs


# -- the bounded reading under both -----------------------------------------------------------------------


@given(
    st.binary(max_size=2000) | st.sampled_from((SEED, SEED_LINES)).flatmap(mutated),
    st.booleans(),
    st.integers(0, 4000),
)
def test_reading_gives_content_or_an_error_where_it_stopped(
    tmp_path_factory: pytest.TempPathFactory, data: bytes, gzipped: bool, cap: int
) -> None:
    path = _folder(tmp_path_factory) / "f.json"
    raw = gzip.compress(data) if gzipped else data
    path.write_bytes(raw[: len(raw) - cap % 7] if gzipped else raw)  # a gzip file may be cut short
    limits = Limits(max_bytes=cap)
    read = b""
    try:
        for piece in content(path, 64, limits):
            read += piece
    except OverLimit as exc:
        assert exc.offset == cap and exc.message
    except READ_ERRORS:
        pass
    assert data.startswith(read) and (not cap or len(read) <= cap)
    stream = TextStream(path, 64, limits)
    numbered = list(lines(stream))
    assert [n for n, _ in numbered] == list(range(1, len(numbered) + 1))
    if stream.problem is not None:
        offset, message = stream.problem
        assert 0 <= offset <= len(data) and message
    elif not cap or len(data) <= cap:
        text = data.decode("utf-8")  # read to the end without a problem: it was UTF-8
        parts = text.removesuffix("\n").split("\n") if text else []
        assert [line for _, line in numbered] == [part.removesuffix("\r") for part in parts]


# -- Exports: any JSON value, in any wrapper, is a record, another value or nothing; never an exception ------


_EXPORT_KEYS = (
    "detail",
    "_source",
    "attributes",
    "content",
    "result",
    "message",
    "_raw",
    "CloudTrailEvent",
    "Records",
    "Events",
    "events",
    "QueryResultRows",
    "eventID",
    "eventType",
    "insightDetails",
    "@timestamp",
    "network",
    "eventTime",
)
_WRAPPED = st.recursive(
    json_values(5) | st.sampled_from(('{"eventID": "x"}', "{", '{"Records": 1}', "AwsCloudTrailInsight")),
    lambda inner: (
        st.dictionaries(st.sampled_from(_EXPORT_KEYS), inner, max_size=4) | st.lists(inner, max_size=3)
    ),
    max_leaves=12,
)


@given(_WRAPPED)
def test_any_value_is_normalised_or_left_alone(value: object) -> None:
    rec, form = exports.normalise(value, {"eventTime": "a.b", "sourceIPAddress": "x"})
    assert form is None or isinstance(form, str)
    assert check_record(rec) is None or isinstance(check_record(rec), str)
    found = exports.documents(value)
    assert found is None or (isinstance(found[0], str) and isinstance(found[1], list))


@given(st.lists(st.text(max_size=80), max_size=20))
def test_any_csv_rows_are_records_or_errors(rows: list[str]) -> None:
    header = "Event ID,Event time,Event name,Event source,Source IP address\n"
    for line, rec, err in exports.csv_records([header, *(r + "\n" for r in rows)]):
        assert isinstance(line, int) and (rec is None) != (err is None)
