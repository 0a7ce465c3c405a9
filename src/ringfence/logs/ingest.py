"""Ingestion: the files under the given paths into the store, skipping those already ingested."""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from collections import Counter
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from ringfence.logs import db
from ringfence.logs.discover import Kind, iter_files, sniff, why_unknown
from ringfence.logs.store import FileEntry, LoadError, Store, drop_rows
from ringfence.logs.tiers import shipped_split


@dataclass(frozen=True)
class IngestResult:
    files: int  # log files considered (new or already in the store)
    ingested: int  # files read in this run
    errors: tuple[LoadError, ...]
    # How many files were read in each export form (exports.py), e.g. {"lookup-events output": 2}.
    forms: Mapping[str, int] = field(default_factory=dict)


# Decompressed copies of about two batches of CloudTrail files are on disk at once (see cloudtrail.py).
_TMP_NEEDED = 1024 * 1024 * 1024
# Rows DuckDB buffers per thread before handing them to the partitioned file writers (see ingest()).
FLUSH_ROWS = 4096


def _tmp_root() -> str | None:
    """Decompressed copies are short-lived: a RAM disk saves the write when there is one with room."""
    shm = Path("/dev/shm")
    try:
        roomy = shutil.disk_usage(shm).free >= _TMP_NEEDED
    except OSError:
        return None
    return str(shm) if roomy and os.access(shm, os.W_OK) else None


def ingest(
    paths: Sequence[Path],
    store: Store,
    threads: int | None = None,
    field_map: Mapping[str, str] | None = None,
    flow_fields: Sequence[str] | None = None,
) -> IngestResult:
    """Reads the log files under `paths` into `store`; `field_map` says where an input that is not in a
    layout ringfence recognises keeps CloudTrail's fields (`--field-map`), `flow_fields` the fields of flow
    log lines without a header line (`--flow-format`)."""
    threads = threads or max(1, min(os.cpu_count() or 1, 8))
    manifest = store.load_manifest()
    root = store.root.resolve()
    # The store may sit inside a folder of logs: its own files are not input.
    # Each file once, however it was named (twice, relative and absolute, a folder and a file in it).
    found = list(iter_files(paths))
    files = list(
        dict.fromkeys(
            f for f in (f.resolve() for f, why in found if why is None) if not f.is_relative_to(root)
        )
    )
    # Paths given or found that are not read are said, every run: they are not files the store records.
    refused = [LoadError(os.path.abspath(f), 0, why) for f, why in found if why is not None]
    todo = [f for f in files if not manifest.is_current(f)]
    batch_id = f"{time.time_ns():x}"
    per_file: dict[str, list[LoadError]] = {}
    kinds: dict[str, Kind] = {}
    forms: dict[str, tuple[str, ...]] = {}
    if todo:
        (store.root / "cloudtrail").mkdir(parents=True, exist_ok=True)
        (store.root / "flowlogs").mkdir(parents=True, exist_ok=True)
        con = db.connect()
        con.execute("SET preserve_insertion_order = false")
        con.execute(f"SET threads = {threads}")
        # Memory DuckDB keeps between batches instead of handing it back to the system and faulting it in
        # again: a fifth of the ingest's CPU time was the kernel's, mostly page faults.
        con.execute("SET block_allocator_memory = '512MB'")
        # Rows bound for partitioned files wait in per-thread buffers, flushed to the file writers every
        # this many rows. DuckDB's default (524,288) sends each row through memory several times the size of
        # the cache; small flushes stay in it: 16 % less CPU for the whole conversion (measured on 300 k
        # events, docs/benchmarks-logs.md).
        con.execute(f"SET partitioned_write_flush_threshold = {FLUSH_ROWS}")
        # A file ingested before that has changed since is read again: its old rows go first.
        changed = {str(f) for f in todo if str(f) in manifest.files and not manifest.files[str(f)].failed}
        drop_rows(store, changed, con)
        ct: list[tuple[Path, Kind]] = []
        flows: list[tuple[Path, Kind]] = []
        for f in todo:
            try:
                kind = sniff(f, flow_fields or ())
            except OSError as exc:
                per_file[str(f)] = [LoadError(str(f), 0, f"unreadable: {exc}")]
                continue
            kinds[str(f)] = kind
            if kind is Kind.UNKNOWN:
                per_file[str(f)] = [LoadError(str(f), 0, why_unknown(f))]
            elif kind in (Kind.FLOW_TEXT, Kind.FLOW_PARQUET):
                flows.append((f, kind))
            else:
                ct.append((f, kind))
        with tempfile.TemporaryDirectory(prefix="ringfence-logs-", dir=_tmp_root()) as tmp:
            from ringfence.logs.cloudtrail import CloudTrailLoader
            from ringfence.logs.flowlogs import FlowLogLoader

            if ct:
                with ThreadPoolExecutor(max_workers=1) as planner:
                    # The catalogue is planned while the first files are inflated.
                    tier = planner.submit(shipped_split)
                    loader = CloudTrailLoader(
                        con, store.root / "cloudtrail", Path(tmp), batch_id, tier.result, field_map
                    )
                    per_file.update(loader.load(ct, threads=threads))
                    forms.update(loader.forms)
                manifest.tiers.update(loader.used_tiers)
            fl = FlowLogLoader(con, store.root / "flowlogs", Path(tmp), batch_id, flow_fields)
            for f, kind in flows:
                per_file[str(f)] = fl.load(f, kind)
        con.close()
        for f in todo:
            errs = per_file.get(str(f), [])
            whole_file_failed = kinds.get(str(f), Kind.UNKNOWN) is Kind.UNKNOWN or (
                len(errs) == 1 and errs[0].offset == 0 and errs[0].unit == "byte"
            )
            try:
                st = f.stat()
            except OSError:
                manifest.files.pop(str(f), None)
                continue
            kind_name = kinds.get(str(f), Kind.UNKNOWN).value
            # A file that could not be read at all is recorded as failed: read again next time, and its
            # errors reported when the store is read on its own.
            manifest.files[str(f)] = FileEntry(
                st.st_size,
                st.st_mtime_ns,
                kind_name,
                -1,
                tuple(sorted(errs, key=_key)),
                whole_file_failed,
                forms.get(str(f), ()),
            )
        store.save_manifest(manifest)
    errors: list[LoadError] = list(dict.fromkeys(refused))
    for f in files:
        entry = manifest.files.get(str(f))
        if entry is not None:
            errors.extend(entry.errors)
        else:
            errors.extend(per_file.get(str(f), []))
    read_as = Counter(form for f in files if (e := manifest.files.get(str(f))) for form in e.forms)
    return IngestResult(len(files), len(todo), tuple(sorted(errors, key=_key)), dict(sorted(read_as.items())))


def _key(e: LoadError) -> tuple[str, int, str]:
    return (e.path, e.offset, e.message)
