"""CloudTrail into the store.

Fast path (the archive case): the `{"Records": [...]}` wrapper is cut off in worker threads (zlib releases
the GIL, so decompression runs beside DuckDB), and DuckDB reads the bare arrays in parallel with the
declared columns of `schema.CLOUDTRAIL_RAW`. A batch that fails, or holds a record without the fields every
event has, is retried file by file; a file that still fails goes through the slow path, which walks the
records one by one in Python to report each bad one with its offset and ingest the others.
"""

from __future__ import annotations

import json
import re
import shutil
from collections import deque
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, TextIO

from ringfence.logs.discover import Kind
from ringfence.logs.exports import CSV, csv_records, documents, is_csv_header, normalise
from ringfence.logs.reading import READ_ERRORS, Limits, OverLimit, TextStream, content, lines
from ringfence.logs.schema import CLOUDTRAIL_RAW, duckdb_columns
from ringfence.logs.sqltext import quote, quote_ident, quote_list
from ringfence.logs.store import ROW_GROUP, LoadError, publish
from ringfence.logs.tiers import LOWERED, Tier

if TYPE_CHECKING:
    import duckdb

_RECORDS_PREFIX = re.compile(rb'^\s*\{\s*"Records"\s*:\s*')
REQUIRED = ("eventID", "eventTime", "eventSource", "eventName")
# A record nested deeper than Python's JSON reader goes (about a thousand levels; real records nest a few).
TOO_DEEP = "record nested too deeply to read"
# The batch size, in decompressed bytes, handed to DuckDB at once: big enough to keep both cores busy.
BATCH_BYTES = 256 * 1024 * 1024
# Each batch is written partitioned by this column only: a row's tier (h or c, see tiers.py; u when the
# batch is not split), or r for a record that lacks a field every event has (read back for the names of
# their files, which are then read record by record for the diagnosis, and removed). A batch is thus one
# file per tier whatever the number of accounts, regions and days it holds. Rows are not sorted: they
# keep the order of the files read, which are taken in path order (in the S3 layout: account, region,
# day), so that each row group's statistics span few accounts, regions and hours and a filter on them
# skips the others. Sorting each batch by account, region and time cost 8 % more CPU and twice the memory
# of the ingest, and DuckDB's partitioned writer does not keep a global order across its threads.
_TIER = "ringfence_tier"
UNSPLIT = "u"
_REJECTED = "r"
# Rows of files that are not split into hot and cold (tiers.py) are clustered by event name. Row-group
# statistics prune little with it (the catalogue's event names are spread over the alphabet), but a
# detection's filter then rejects whole vectors of rows at once, and DuckDB skips decoding the other columns
# of those: reading the rows the catalogue needs from 2 M events took 0.14 s instead of 0.27-0.36 s. Split
# files are not sorted: detections read only the hot ones, whole, and sort that small table themselves.
ORDER = "event_name_lc"
# zstd level 1 writes files 1 % larger than the default level 3 for 6 % less CPU in the writer.
COMPRESSION = "COMPRESSION zstd, COMPRESSION_LEVEL 1"
# The largest record the fast path accepts (DuckDB's default). Buffers are sized by it: 1 GiB cost 40 % more
# CPU in the JSON reader. A batch holding a bigger record fails and is retried file by file, and the slow
# path reads single records with MAX_RECORD_SLOW.
MAX_RECORD_FAST = 16 * 1024 * 1024
MAX_RECORD_SLOW = 1024 * 1024 * 1024
# Records the slow path checks and writes at a time.
_SLOW_BATCH = 10_000

_USER_PATHS = (
    "$.type",
    "$.arn",
    "$.userName",
    "$.principalId",
    "$.accountId",
    "$.accessKeyId",
    "$.invokedBy",
    "$.sessionContext.sessionIssuer.type",
    "$.sessionContext.sessionIssuer.arn",
    "$.sessionContext.attributes.mfaAuthenticated",
)

# Partition values become folder names: characters that would break the path or the hive layout are
# replaced.
_UNSAFE = "'/\\\\=:*?\"<>| '"
_UNDERSCORES = "'__________'"
# The same characters as a regular expression class. Testing for them is ten times cheaper than translate,
# so translate runs only on the rare value (account ids and region names have none) that holds one.
_UNSAFE_CLASS = "'[/\\\\=:*?\"<>| ]'"


def _safe_partition(expr: str) -> str:
    """SQL for the folder-safe form of the partition value `expr`: at most 20 characters, so that a hostile
    value cannot make a folder name longer than the file system allows (DuckDB writes each byte outside
    ASCII as three characters, so 20 characters of 4-byte UTF-8 become 240); account ids and regions are
    shorter."""
    safe = f"CASE WHEN regexp_matches({expr}, {_UNSAFE_CLASS}) THEN translate({expr}, {_UNSAFE}, {_UNDERSCORES}) ELSE {expr} END"
    return f"left({safe}, 20)"


def time_sql(value: str) -> str:
    """SQL for the UTC time of the text `value`, NULL when DuckDB cannot read it or it falls outside the
    years 1 to 9999 (Python's, which every report renders: 9999-12-31T23:00-05:00 is in year 10000)."""
    t = f"try_cast(try_cast({value} AS TIMESTAMPTZ) AS TIMESTAMP)"
    return f"CASE WHEN {t} BETWEEN TIMESTAMP '0001-01-01' AND TIMESTAMP '9999-12-31 23:59:59.999999' THEN {t} END"


def transform_sql(source: str) -> str:
    """SELECT turning raw records (`source` has the raw columns plus `filename`) into the stored columns;
    `files(tmp, src)` maps the file DuckDB read to the log file it came from."""
    return f"""
    SELECT
      eventID AS event_id,
      ts AS event_time,
      eventVersion AS event_version, eventSource AS event_source, eventName AS event_name,
      lower(eventSource) AS event_source_lc, lower(eventName) AS event_name_lc,
      eventType AS event_type, eventCategory AS event_category, awsRegion AS aws_region,
      sourceIPAddress AS source_ip, userAgent AS user_agent, errorCode AS error_code,
      errorMessage AS error_message, readOnly AS read_only, managementEvent AS management_event,
      recipientAccountId AS recipient_account_id, requestID AS request_id,
      sharedEventID AS shared_event_id, vpcEndpointId AS vpc_endpoint_id,
      u[1] AS user_type, u[2] AS user_arn, u[3] AS user_name, u[4] AS principal_id,
      u[5] AS user_account_id, u[6] AS access_key_id, u[7] AS invoked_by,
      u[8] AS session_issuer_type, u[9] AS session_issuer_arn, u[10] AS mfa_authenticated,
      userIdentity AS user_identity, requestParameters AS request_parameters,
      responseElements AS response_elements, additionalEventData AS additional_event_data,
      resources, tlsDetails AS tls_details,
      f.src AS source_file,
      {_safe_partition("coalesce(recipientAccountId, u[5], 'unknown')")} AS account,
      {_safe_partition("coalesce(awsRegion, 'unknown')")} AS region,
      coalesce(strftime(ts, '%Y-%m-%d'), 'unknown') AS day
    FROM (
      SELECT *, json_extract_string(userIdentity, {list(_USER_PATHS)!r}) AS u,
        {time_sql("eventTime")} AS ts
      FROM {source}
    ) r
    JOIN files f ON r.filename = f.tmp
    """


def _bad_sql() -> str:
    return (
        "event_id IS NULL OR event_time IS NULL OR event_source IS NULL OR event_name IS NULL "
        "OR user_identity IS NULL"
    )


@dataclass(frozen=True)
class Prepared:
    """A log file made ready for DuckDB: `tmp` holds a bare JSON array of records."""

    source: Path
    tmp: Path | None
    size: int
    error: str | None = None


# Decompressed pieces are at most this long: small buffers are reused by the allocator, where a buffer the
# size of each file costs a page fault per 4 KiB (measured: a tenth of the ingest's CPU went to the kernel).
_PIECE = 64 * 1024
# The `{"Records":` opening is looked for in this many bytes.
_HEAD = 4096


def _last_solid(buf: bytes) -> int:
    """The index of the last byte of `buf` that is not JSON whitespace, or -1."""
    return len(buf.rstrip(b" \t\r\n")) - 1


def _write_records(pieces: Iterator[bytes], kind: Kind, out: BinaryIO) -> tuple[int, str | None]:
    """Writes the records of `pieces` to `out` as a bare JSON array: a Records file loses its
    `{"Records":` opening and its closing brace. Returns the bytes written and what was wrong, if anything."""
    if kind is not Kind.CLOUDTRAIL_RECORDS:
        written = 0
        for piece in pieces:
            written += out.write(piece)
        return written, None
    head = b""
    for piece in pieces:
        head += piece
        if len(head) >= _HEAD:
            break
    m = _RECORDS_PREFIX.match(head)
    if m is None:
        return 0, "not a {Records: [...]} object"
    held, written = [head[m.end() :]], 0
    for piece in pieces:  # the rest: everything up to the last solid byte seen so far is safe to write
        if _last_solid(piece) < 0:  # blank: held in pieces, joined once (a run of blanks is not quadratic)
            held.append(piece)
            continue
        buf = b"".join(held) + piece
        keep = max(_last_solid(buf), 0)
        written += out.write(memoryview(buf)[:keep])
        held = [buf[keep:]]
    last = b"".join(held)
    tail = last[: _last_solid(last) + 1]
    if not tail.endswith(b"}"):
        return written, "not a {Records: [...]} object"
    return written + out.write(memoryview(tail)[:-1]), None


def _expected_size(path: Path) -> int:
    """A guess of a log file's size once decompressed (CloudTrail JSON shrinks about tenfold in gzip)."""
    try:
        size = path.stat().st_size
    except OSError:
        return 0
    return size * 10 if path.suffix == ".gz" else size


def prepare(path: Path, kind: Kind, tmp: Path, limits: Limits | None = None) -> Prepared:
    """Decompresses and unwraps one Records file or array into `tmp` (runs in a worker thread). A file
    over a limit of `reading` is left to the slow path, which keeps the records before the limit."""
    try:
        with tmp.open("wb") as out:
            written, problem = _write_records(content(path, _PIECE, limits), kind, out)
    except OverLimit as exc:
        tmp.unlink(missing_ok=True)
        return Prepared(path, None, exc.offset, exc.message)
    except READ_ERRORS as exc:
        tmp.unlink(missing_ok=True)
        return Prepared(path, None, 0, f"cannot decompress: {exc}")
    if problem is not None:
        tmp.unlink(missing_ok=True)
        return Prepared(path, None, written, problem)
    return Prepared(path, tmp, written)


class CloudTrailLoader:
    def __init__(
        self,
        con: duckdb.DuckDBPyConnection,
        out_dir: Path,
        tmp_dir: Path,
        batch_id: str,
        tier: Callable[[], Tier | None] | None = None,
        field_map: Mapping[str, str] | None = None,
    ) -> None:
        self.con = con
        # Where this input keeps CloudTrail's fields (`--field-map`): every file then takes the slow path,
        # which puts them back.
        self.field_map = dict(field_map or {})
        # The export forms each file's events came in (exports.py), by file.
        self.forms: dict[str, tuple[str, ...]] = {}
        # Rows are split into hot and cold files by the tier (tiers.py) that `tier` returns, asked for when
        # the first batch is written (it may still be computed in another thread); None: not split.
        self._tier_source = tier
        self._tier: Tier | None = None
        self.used_tiers: dict[str, Tier] = {}
        self.out_dir = out_dir
        self.tmp_dir = tmp_dir
        self.batch_id = batch_id
        self._n = 0
        self._partial: list[Path] = []
        self._batches = 0

    def _tmp(self, suffix: str) -> Path:
        self._n += 1
        return self.tmp_dir / f"ct{self._n:07d}{suffix}"

    def _write(self, read_sql: str, files: Sequence[tuple[Path, Path]]) -> set[str]:
        """Converts and writes the batch; returns the source files holding a record that lacks a field every
        event has (those records are not written)."""
        import duckdb

        con = self.con
        con.execute("CREATE OR REPLACE TEMP TABLE files (tmp VARCHAR, src VARCHAR)")
        con.executemany("INSERT INTO files VALUES (?, ?)", [(str(t), str(s)) for s, t in files])
        self._n += 1
        staging = self.out_dir.parent / ".staging" / f"{self.batch_id}_{self._n}"
        if self._tier_source is not None:
            self._tier, self._tier_source = self._tier_source(), None
        tier = self._tier
        try:
            bad = self._copy(read_sql, staging, tier)
        except duckdb.Error:
            if tier is None:
                raise
            # The split is an optimisation: if its condition cannot be evaluated here, the rows are written
            # unsplit (detections then read every file) rather than lost; the data's own errors raise again.
            tier = self._tier = None
            bad = self._copy(read_sql, staging, None)
        if tier is not None:
            self.used_tiers[tier.key] = tier
        publish(staging, self.out_dir)
        return bad

    def _copy(self, read_sql: str, staging: Path, tier: Tier | None) -> set[str]:
        """Converts the batch and writes it in one pass to one file per tier (one when unsplit), so that the
        number of files does not depend on how many accounts, regions and days the batch holds; returns the
        source files of the records that lack a field every event has (written apart, read back here for
        their names and removed)."""
        import os

        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir(parents=True, exist_ok=True)
        con = self.con
        rows = transform_sql(read_sql)
        drop: list[str] = []
        split = f"'{UNSPLIT}'"
        if tier is not None:
            how = tier.split
            lowered = [(quote_ident(c), quote_ident(LOWERED + c)) for c in how.lowered]
            if lowered:
                rows = f"SELECT *, {', '.join(f'lower(CAST({c} AS VARCHAR)) AS {lc}' for c, lc in lowered)} FROM ({rows})"
                drop = [lc for _, lc in lowered]
            split = f"CASE WHEN coalesce(({how.condition}), false) THEN 'h' ELSE 'c' END"
        keep = f" EXCLUDE ({', '.join(drop)})" if drop else ""
        order = f" ORDER BY {ORDER}" if tier is None else ""
        try:
            con.execute(
                f"COPY (SELECT *{keep}, CASE WHEN {_bad_sql()} THEN '{_REJECTED}' ELSE {split} END AS {_TIER} "
                f"FROM ({rows}){order}) TO {quote(staging)} (FORMAT parquet, {COMPRESSION}, ROW_GROUP_SIZE {ROW_GROUP}, "
                f"PARTITION_BY ({_TIER}), FILENAME_PATTERN '{self.batch_id}_{self._n}_{{i}}')"
            )
            rejected = staging / f"{_TIER}={_REJECTED}"
            bad: set[str] = set()
            if rejected.exists():
                bad = {
                    r[0]
                    for r in con.execute(
                        f"SELECT DISTINCT source_file FROM read_parquet({quote(f'{rejected}/*.parquet')})"
                    ).fetchall()
                }
                shutil.rmtree(rejected)
            for folder in sorted(staging.glob(f"{_TIER}=*")):
                part = folder.name.split("=", 1)[1]
                ending = f".{part}-{tier.key}" if tier is not None and part in ("h", "c") else ""
                for f in sorted(folder.glob("*.parquet")):
                    os.replace(f, staging / f"{f.stem}{ending}.parquet")
                folder.rmdir()
        except Exception:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        return bad

    def _load_arrays(self, items: Sequence[Prepared]) -> list[Prepared]:
        """Loads a batch through the fast path; returns the files that must go the slow way."""
        pairs = [(p.source, p.tmp) for p in items if p.tmp is not None]
        if not pairs:
            return []
        read = (
            f"read_json({quote_list(t for _, t in pairs)}, columns={duckdb_columns(CLOUDTRAIL_RAW)}, "
            f"format='array', filename=true, maximum_object_size={MAX_RECORD_FAST})"
        )
        import duckdb

        try:
            bad = self._write(read, pairs)
        except duckdb.Error:
            if len(items) == 1:
                return list(items)
            slow: list[Prepared] = []
            for p in items:
                slow.extend(self._load_arrays([p]))
            return slow
        # Their good records are in; only the diagnosis of the bad ones is left.
        self._partial.extend(p.source for p in items if str(p.source) in bad)
        return []

    def load(self, files: Sequence[tuple[Path, Kind]], threads: int = 2) -> dict[str, list[LoadError]]:
        """Loads every file; returns the errors per file (an empty list for a clean file)."""
        errors: dict[str, list[LoadError]] = {str(p): [] for p, _ in files}
        limits = Limits.from_env()
        plain = (Kind.CLOUDTRAIL_RECORDS, Kind.CLOUDTRAIL_ARRAY)
        fast = [(p, k) for p, k in files if k in plain and not self.field_map]
        slow_paths: list[Path] = [p for p, k in files if k not in plain or self.field_map]
        with ThreadPoolExecutor(max_workers=threads) as pool:
            # Files are decompressed ahead while DuckDB converts the batch before them, up to about one
            # more batch (estimated from sizes on disk), so that neither side waits for the other.
            futures: deque[tuple[Future[Prepared], int]] = deque()
            ahead = 0
            it = iter(fast)
            batch: list[Prepared] = []
            size = 0
            while True:
                while ahead < BATCH_BYTES + BATCH_BYTES // 2 or not futures:
                    nxt = next(it, None)
                    if nxt is None:
                        break
                    guess = _expected_size(nxt[0])
                    futures.append((pool.submit(prepare, nxt[0], nxt[1], self._tmp(".json"), limits), guess))
                    ahead += guess
                if not futures:
                    break
                future, guess = futures.popleft()
                ahead -= guess
                prep = future.result()
                if prep.error is not None:
                    slow_paths.append(prep.source)
                    continue
                batch.append(prep)
                size += prep.size
                # The first batch is small so that DuckDB starts while the files after it are inflated.
                if size >= (BATCH_BYTES if self._batches else BATCH_BYTES // 8):
                    self._batches += 1
                    slow_paths.extend(p.source for p in self._load_arrays(batch))
                    self._cleanup(batch)
                    batch, size = [], 0
            if batch:
                slow_paths.extend(p.source for p in self._load_arrays(batch))
                self._cleanup(batch)
        for p in slow_paths:
            errors[str(p)] = self._load_slow(p, write=True, limits=limits)
        for p in self._partial:
            errs = self._load_slow(p, write=False, limits=limits)
            errors[str(p)] = errs or [
                LoadError(str(p), 0, "a record lacks eventID, eventTime, eventSource or eventName")
            ]
        return errors

    @staticmethod
    def _cleanup(batch: Sequence[Prepared]) -> None:
        for p in batch:
            if p.tmp is not None:
                p.tmp.unlink(missing_ok=True)

    def _load_slow(self, path: Path, write: bool, limits: Limits | None = None) -> list[LoadError]:
        """Walks the records of `path` one by one: each bad one is an error at its offset, the others are
        written (when `write`) a batch at a time, so that a big file is never held whole."""
        import duckdb

        errors: list[LoadError] = []
        tmp = self._tmp(".ndjson")
        kept = 0
        forms: set[str] = set()
        with tmp.open("w") as fh:
            good: list[tuple[int, str, dict[str, Any]]] = []
            for offset, unit, rec, err in iter_records(path, limits, self.field_map, forms):
                if err is not None:
                    errors.append(LoadError(str(path), offset, err, unit))
                    continue
                problem = check_record(rec)  # a null record is an error of its own, not a missing one
                if problem is not None:
                    errors.append(LoadError(str(path), offset, problem, unit))
                elif isinstance(rec, dict):
                    good.append((offset, unit, rec))
                if len(good) >= _SLOW_BATCH:
                    kept += self._keep(path, good, errors, fh if write else None)
                    good = []
            kept += self._keep(path, good, errors, fh if write else None)
        if forms:
            self.forms[str(path)] = tuple(sorted(forms))
        if kept and write:
            read = (
                f"read_json({quote_list([tmp])}, columns={duckdb_columns(CLOUDTRAIL_RAW)}, "
                f"format='newline_delimited', filename=true, maximum_object_size={MAX_RECORD_SLOW})"
            )
            try:
                self._write(read, [(path, tmp)])
            except duckdb.Error as exc:  # every record was checked: a gap in the checks costs this file only
                errors.append(LoadError(str(path), 0, f"cannot convert: {exc}".splitlines()[0]))
        tmp.unlink(missing_ok=True)
        return errors

    def _keep(
        self,
        path: Path,
        good: Sequence[tuple[int, str, dict[str, Any]]],
        errors: list[LoadError],
        out: TextIO | None,
    ) -> int:
        """Writes the records of `good` whose time the store can hold to `out` (when given), the others
        become errors; returns how many were kept."""
        kept = 0
        for (offset, unit, rec), unreadable in zip(good, self._unreadable_times(good), strict=True):
            if unreadable:
                errors.append(
                    LoadError(str(path), offset, f"eventTime {rec['eventTime'][:40]!r} is not a time", unit)
                )
                continue
            kept += 1
            if out is not None:
                out.write(json.dumps(rec, separators=(",", ":")))
                out.write("\n")
        return kept

    def _unreadable_times(self, records: Sequence[tuple[int, str, dict[str, Any]]]) -> list[bool]:
        """For each record, whether the store's time conversion (time_sql) fails on its eventTime: Python
        reads some forms DuckDB does not (20261102T090440Z), and the other way round."""
        if not records:
            return []
        times = [str(rec["eventTime"]) for _, _, rec in records]
        row = self.con.execute(
            f"SELECT list_transform(?::VARCHAR[], lambda t: ({time_sql('t')}) IS NULL)", [times]
        ).fetchone()
        return [bool(f) for f in row[0]] if row else [True] * len(times)


def check_record(rec: object) -> str | None:
    """Why a parsed record cannot be stored, or None when it can."""
    if rec is None:
        return "record is null, not an object"
    if not isinstance(rec, dict):
        return f"record is a {type(rec).__name__}, not an object"
    for key in REQUIRED:
        if not isinstance(rec.get(key), str):
            return f"record has no {key}"
    if not isinstance(rec.get("userIdentity"), dict):
        return "record has no userIdentity object"
    from datetime import datetime

    try:
        datetime.fromisoformat(rec["eventTime"].replace("Z", "+00:00"))
    except ValueError:
        return f"eventTime {rec['eventTime'][:40]!r} is not an ISO 8601 time"
    for key in ("readOnly", "managementEvent"):
        if key in rec and rec[key] is not None and not isinstance(rec[key], bool):
            return f"{key} is not a boolean"
    try:
        json.dumps(rec, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        return "record holds an unpaired UTF-16 surrogate (\\ud800-\\udfff), which is not text"
    return None


def iter_records(
    path: Path,
    limits: Limits | None = None,
    field_map: Mapping[str, str] | None = None,
    forms: set[str] | None = None,
) -> Iterator[tuple[int, str, object | None, str | None]]:
    """(offset, unit, record, error) for every record of a CloudTrail file, whatever its form, read as a
    stream (the file is never held whole, but for an export that is one JSON document: see `_document`).
    Each record is unwrapped and its renamed fields put back (`exports.normalise`); the forms met are added
    to `forms`. After a syntax error in an array the rest of the file cannot be located, so the walk stops
    there; where the content itself ends early (a limit, a decompression error, bytes that are not UTF-8)
    the records before are yielded and the error carries the byte reached."""
    for offset, unit, raw, err in _raw_records(path, limits, forms):
        if raw is None:
            yield offset, unit, raw, err
            continue
        rec, form = normalise(raw, field_map)
        if form is not None and forms is not None:
            forms.add(form)
        yield offset, unit, rec, err


def _raw_records(
    path: Path, limits: Limits | None, forms: set[str] | None
) -> Iterator[tuple[int, str, object | None, str | None]]:
    stream = TextStream(path, _PIECE, limits)
    # The form is told by the first solid characters. Blank pieces before them are let go, counted.
    skipped = newlines = 0
    head: list[str] = []
    while len("".join(head).lstrip().lstrip(_BOM)) < len('{"Records":'):
        piece = stream.read()
        if not piece:
            break
        if head or piece.strip():
            head.append(piece)
        else:
            skipped += len(piece)
            newlines += piece.count("\n")
    text = "".join(head)
    if text.startswith(_BOM):  # a byte-order mark (editors on Windows write one): not content
        text, skipped = text[1:], skipped + 1
    solid = text.lstrip()
    if _RECORDS_OPEN.match(text) or solid.startswith("["):
        yield from _walk_array(stream, text, skipped)
    elif is_csv_header(solid.split("\n", 1)[0]):
        if forms is not None:
            forms.add(CSV)
        numbered = lines(stream, text, newlines)
        for lineno, rec, err in csv_records(line + "\n" for _, line in numbered):
            yield lineno + newlines, "line", rec, err
    else:
        numbered = lines(stream, text, newlines)
        for lineno, line in numbered:
            if not line.strip():
                continue
            try:
                obj = _DECODER.decode(line)
            except json.JSONDecodeError as exc:
                if line.lstrip().startswith("{") and exc.pos >= len(line.rstrip()):
                    # An object that goes on past its line: the file is one document (pretty-printed).
                    yield from _document(stream, line, numbered, lineno, forms)
                    break
                yield lineno, "line", None, f"invalid JSON: {exc.msg} at column {exc.colno}"
                continue
            except RecursionError:
                yield lineno, "line", None, TOO_DEEP
                continue
            yield from _events_of(obj, lineno, forms)
    if stream.problem is not None:
        yield stream.problem[0], "byte", None, stream.problem[1]


_BOM = "\ufeff"
# The largest export read as one JSON document (lookup-events, Lake and CloudWatch Logs output are one
# object each): parsed whole, it takes several times its size in memory.
MAX_DOCUMENT = 256 * 1024 * 1024


def _document(
    stream: TextStream,
    first: str,
    numbered: Iterator[tuple[int, str]],
    lineno: int,
    forms: set[str] | None,
) -> Iterator[tuple[int, str, object | None, str | None]]:
    """The events of a file that is one JSON document, from its line `lineno` (`first`) on; each record is
    placed by its index in the document."""
    parts, size = [first], len(first)
    for _, line in numbered:
        parts.append(line)
        size += len(line) + 1
        if size > MAX_DOCUMENT:
            yield (
                lineno,
                "line",
                None,
                (
                    f"a JSON document of over {MAX_DOCUMENT // 2**20} MiB: not read (split the export into "
                    "smaller files, or read the trail's own log files)"
                ),
            )
            return
    try:
        doc = _DECODER.decode("\n".join(parts))
    except json.JSONDecodeError as exc:
        yield lineno + exc.lineno - 1, "line", None, f"invalid JSON: {exc.msg} at column {exc.colno}"
        return
    except RecursionError:
        yield lineno, "line", None, TOO_DEEP
        return
    yield from _events_of(doc, lineno, forms)


def _events_of(
    doc: object, lineno: int, forms: set[str] | None
) -> Iterator[tuple[int, str, object | None, str | None]]:
    """The events of a decoded JSON value found at line `lineno`: those of an export document (placed by
    their index in it), else the value itself as one record."""
    found = documents(doc)
    if found is None:
        yield lineno, "line", doc, None
        return
    if forms is not None:
        forms.add(found[0])
    for i, item in enumerate(found[1], start=1):
        yield i, "record", item, None


def _integer(text: str) -> int | str:
    # Python refuses to convert integers of more than 4,300 digits (a ValueError from deep inside the
    # decoder); no CloudTrail field holds one, so such a number stays text and fails the record's checks.
    return int(text) if len(text) <= 4000 else text


_DECODER = json.JSONDecoder(parse_int=_integer)
_RECORDS_OPEN = re.compile(r'\s*\{\s*"Records"\s*:')
_WS = re.compile(r"[ \t\r\n]*")
# A record cut by the end of the text read so far fails to parse with an error at (or a few characters
# before, inside a literal such as -Infinity) that end, or as an unterminated string.
_CUT_SLACK = 9


class _Text:
    """The text of a stream from the current record on: `base` characters before it were let go."""

    def __init__(self, stream: TextStream, text: str, base: int) -> None:
        self.stream = stream
        self.text = text
        self.base = base

    def more(self, pos: int, at_least: int = 1) -> tuple[int, bool]:
        """Reads at least `at_least` more characters (fewer at the end), dropping those before `pos`;
        returns the new position of `pos` and whether anything was read."""
        pieces = [self.text[pos:]]
        got = 0
        while got < at_least:
            piece = self.stream.read()
            if not piece:
                break
            pieces.append(piece)
            got += len(piece)
        self.base += pos
        self.text = "".join(pieces)
        return 0, got > 0

    def skip_ws(self, pos: int) -> int:
        """The position of the next solid character, reading on while the text read so far is whitespace;
        len(self.text) at the end."""
        while True:
            end = _WS.match(self.text, pos)
            pos = end.end() if end else pos
            if pos < len(self.text):
                return pos
            pos, read = self.more(pos)
            if not read:
                return pos


def _walk_array(
    stream: TextStream, first: str, base: int
) -> Iterator[tuple[int, str, object | None, str | None]]:
    t = _Text(stream, first, base)
    m = _RECORDS_OPEN.match(t.text)
    pos = t.skip_ws(m.end() if m else 0)
    if pos >= len(t.text) or t.text[pos] != "[":
        if stream.problem is None:
            yield t.base + pos, "char" if m else "byte", None, "Records is not an array"
        return
    decoder = _DECODER
    pos += 1
    while True:
        pos = t.skip_ws(pos)
        if pos >= len(t.text):
            if stream.problem is None:
                yield t.base + pos, "char", None, "unexpected end of file inside the record array"
            return
        if t.text[pos] == "]":
            return
        while True:
            try:
                obj, end = decoder.raw_decode(t.text, pos)
                break
            except json.JSONDecodeError as exc:
                cut = exc.msg.startswith("Unterminated string") or exc.pos >= len(t.text) - _CUT_SLACK
                if cut and not stream.done and len(t.text) - pos <= MAX_RECORD_SLOW:
                    # Read as much again as the record holds so far: parsing it again costs linear time.
                    pos, _ = t.more(pos, max(len(t.text) - pos, _PIECE))
                    continue
                if cut and stream.problem is not None:
                    return  # the content ended early: the stream's problem says where
                if cut and not stream.done:
                    yield t.base + pos, "char", None, f"record longer than {MAX_RECORD_SLOW} characters"
                    return
                yield t.base + exc.pos, "char", None, f"invalid JSON: {exc.msg}"
                return
            except RecursionError:  # where such a record ends cannot be found without reading it
                yield t.base + pos, "char", None, TOO_DEEP
                return
        yield t.base + pos, "char", obj, None
        pos = t.skip_ws(end)
        if pos < len(t.text) and t.text[pos] == ",":
            pos += 1
        elif pos < len(t.text) and t.text[pos] == "]":
            return
        elif pos < len(t.text) or stream.problem is None:
            yield t.base + pos, "char", None, "expected ',' or ']' after a record"
            return
        else:
            return
