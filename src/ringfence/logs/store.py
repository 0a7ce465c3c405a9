"""The local log store: Parquet files, a few per ingest batch whatever the number of accounts, regions
and days the batch holds, plus a manifest of the files already ingested (so a second run over the same
archive only reads what is new).

Layout::

    <store>/cloudtrail/<batch>_<n>_<i>.<h|c>-<tier>.parquet
    <store>/flowlogs/f<batch>_<n>.parquet
    <store>/manifest.json

`account`, `region` and `day` are columns of every row. Rows are in row groups of 16,384, in the order of
the log files read (path order: in the S3 layout, account, region, day), so that a query on a time window
or an account reads only the row groups whose statistics (min/max) can hold its rows. CloudTrail files are hot (`h`: rows the shipped catalogue can
read) or cold (`c`), see tiers.py.

Stores written before this layout kept one folder per account, region and day (`account=<id>/...`): such a
store is refused with a StoreError that says to convert the logs again.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from ringfence.logs.tiers import Tier

if TYPE_CHECKING:
    import duckdb

MANIFEST = "manifest.json"
TABLES = ("cloudtrail", "flowlogs")
SCHEMA = "ringfence.logstore/2"
# Rows per Parquet row group: the unit that a query's filters skip by its statistics.
ROW_GROUP = 16384
# The folder of the first partition level of the earlier layout (one folder per account, region and day).
_OLD_PARTITION = "account="


class StoreError(ValueError):
    """The store cannot be used as it is (the CLI reports it and exits with code 2)."""

    @classmethod
    def unreadable(cls, root: Path | str, problem: str) -> StoreError:
        return cls(f"{root}: cannot be read ({problem}); remove the store folder to convert the logs again")


@dataclass(frozen=True)
class LoadError:
    """A file, or a record in it, that could not be read. `offset` is a byte offset into the (decompressed)
    file, or a line number for line-oriented formats (`unit` says which)."""

    path: str
    offset: int
    message: str
    unit: str = "byte"

    def as_json(self) -> dict[str, object]:
        return {"path": self.path, "offset": self.offset, "unit": self.unit, "message": self.message}


@dataclass(frozen=True)
class FileEntry:
    size: int
    mtime_ns: int
    kind: str
    events: int
    errors: tuple[LoadError, ...] = ()
    # Nothing of the file could be read: it is listed so that a store read on its own reports it too, and
    # it is read again by the next ingest.
    failed: bool = False
    # The export forms the file's events were read from (`exports`: "lookup-events output", ...); empty for
    # the files a trail delivers.
    forms: tuple[str, ...] = ()


@dataclass
class Manifest:
    files: dict[str, FileEntry] = field(default_factory=dict)
    tiers: dict[str, Tier] = field(default_factory=dict)  # key -> the tier hot/cold files were split by

    def is_current(self, path: Path) -> bool:
        entry = self.files.get(str(path))
        if entry is None or entry.failed:
            return False
        st = path.stat()
        return entry.size == st.st_size and entry.mtime_ns == st.st_mtime_ns


def publish(staging: Path, dest: Path) -> None:
    """Moves the Parquet files written in `staging` into `dest`, then removes `staging`. Written beside the
    table first so that a batch that fails half-way leaves nothing."""
    import shutil

    dest.mkdir(parents=True, exist_ok=True)
    for f in sorted(staging.glob("*.parquet")):
        os.replace(f, dest / f.name)
    shutil.rmtree(staging, ignore_errors=True)


class Store:
    """A folder holding the Parquet tables and the manifest."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def table_dir(self, table: str) -> Path:
        return self.root / table

    def has_table(self, table: str) -> bool:
        return bool(self.files(table))

    def files(self, table: str) -> list[Path]:
        """The table's Parquet files, in name order."""
        d = self.table_dir(table)
        return sorted(d.glob("*.parquet")) if d.is_dir() else []

    def parquet_glob(self, table: str) -> str:
        return str(self.table_dir(table) / "*.parquet")

    @staticmethod
    def is_store(path: Path) -> bool:
        return (path / MANIFEST).is_file()

    def check_layout(self) -> None:
        """Raises StoreError for a store written in the earlier layout (one folder per account, region and
        day), whose files this version does not read: its logs are converted again instead."""
        for table in TABLES:
            d = self.table_dir(table)
            try:
                old = d.is_dir() and any(p.name.startswith(_OLD_PARTITION) for p in d.iterdir())
            except OSError as exc:
                raise StoreError(f"{d}: unreadable ({exc.strerror or exc})") from None
            if old:
                raise StoreError(
                    f"{self.root}: written by an earlier version of ringfence, in one folder per account, "
                    "region and day, which this version does not read; remove the store folder, or give "
                    "another --store, to convert the logs again"
                )

    def load_manifest(self) -> Manifest:
        p = self.root / MANIFEST
        self.check_layout()
        if not p.is_file():
            return Manifest()
        try:
            return self._read_manifest(p)
        except OSError as exc:
            raise StoreError(f"{p}: unreadable ({exc.strerror or exc})") from None
        except (ValueError, TypeError, KeyError, AttributeError, RecursionError) as exc:
            # Which files the store holds is unknown: ingesting again would add their rows twice.
            raise StoreError(
                f"{p}: damaged ({type(exc).__name__}: {exc}); remove the store folder, or give another "
                "--store, to convert the logs again"
            ) from None

    @staticmethod
    def _read_manifest(p: Path) -> Manifest:
        data = json.loads(p.read_text())
        recorded = data.get("tiers")
        tiers = {
            str(key): tier
            for key, value in (recorded.items() if isinstance(recorded, dict) else ())
            if isinstance(value, dict) and (tier := Tier.from_json(value)) is not None
        }
        files = {
            name: FileEntry(
                size=e["size"],
                mtime_ns=e["mtime_ns"],
                kind=e["kind"],
                events=e["events"],
                errors=tuple(LoadError(**x) for x in e.get("errors", [])),
                failed=bool(e.get("failed", False)),
                forms=tuple(str(f) for f in e.get("forms", ())),
            )
            for name, e in data.get("files", {}).items()
        }
        return Manifest(files, tiers)

    def save_manifest(self, manifest: Manifest) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        data = {
            "schema": SCHEMA,
            "files": {
                name: {**asdict(e), "errors": [asdict(x) for x in e.errors]}
                for name, e in sorted(manifest.files.items())
            },
            "tiers": {key: tier.as_json() for key, tier in sorted(manifest.tiers.items())},
        }
        tmp = self.root / (MANIFEST + ".tmp")
        tmp.write_text(json.dumps(data, indent=1))
        os.replace(tmp, self.root / MANIFEST)


def drop_rows(store: Store, sources: set[str], con: duckdb.DuckDBPyConnection) -> None:
    """Removes every row read from the log files `sources` (their `source_file`) from the store's Parquet
    files: a log file that changed since it was ingested is read again, and its old rows must not stay
    beside the new ones. Each file holding such rows is rewritten without them (or removed when nothing
    is left), through a temporary file beside it, so that a failure leaves the file as it was."""
    import duckdb

    if not sources:
        return
    try:
        _drop_rows(store, sources, con)
    except duckdb.Error as exc:
        raise StoreError.unreadable(store.root, str(exc).strip().splitlines()[0]) from None


def _drop_rows(store: Store, sources: set[str], con: duckdb.DuckDBPyConnection) -> None:
    from ringfence.logs.sqltext import quote, quote_list

    wanted = quote_list(sorted(sources))
    for table in TABLES:
        if not store.has_table(table):
            continue
        holding = [
            Path(r[0])
            for r in con.execute(
                f"SELECT DISTINCT filename FROM read_parquet({quote(store.parquet_glob(table))}, filename = true, "
                f"hive_partitioning = false, union_by_name = true) WHERE source_file IN (SELECT unnest({wanted}))"
            ).fetchall()
        ]
        for f in sorted(holding):
            tmp = f.with_name(f.name + ".rewrite")
            rest = f"SELECT * FROM read_parquet({quote(f)}, hive_partitioning = false) WHERE source_file NOT IN (SELECT unnest({wanted}))"
            (left,) = con.execute(f"SELECT count(*) FROM ({rest})").fetchone() or (0,)
            if not left:
                f.unlink()
                continue
            con.execute(
                f"COPY ({rest}) TO {quote(tmp)} (FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE {ROW_GROUP})"
            )
            os.replace(tmp, f)
