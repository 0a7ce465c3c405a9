"""Finding log files under the paths given and recognising their kind from their first bytes (never from
their names, which users rename)."""

from __future__ import annotations

import re
import zlib
from collections.abc import Iterable, Iterator
from enum import Enum
from pathlib import Path

from ringfence.logs.schema import FLOW_FIELDS


class Kind(Enum):
    CLOUDTRAIL_RECORDS = "cloudtrail-records"  # {"Records": [...]} as AWS delivers it to S3
    CLOUDTRAIL_ARRAY = "cloudtrail-array"  # [record, ...]
    CLOUDTRAIL_LINES = "cloudtrail-lines"  # one event per line (CloudTrail Lake, EventBridge)
    FLOW_TEXT = "flowlogs-text"
    FLOW_PARQUET = "flowlogs-parquet"
    UNKNOWN = "unknown"


# Files that sit beside logs and are not logs: licences, notes, CloudTrail's digest files (hash chains,
# not events), and the store's own files.
_NOT_LOGS = re.compile(r"^(LICEN[CS]E|NOTICE|README|COPYING)(\..*)?$|\.(md|txt\.sha256|sha256)$", re.I)

_RECORDS = re.compile(rb'^\s*\{\s*"Records"\s*:\s*\[')
_FLOW_DEFAULT_LINE = re.compile(rb"^\d+ (\d{12}|unknown|-) \S+ ")

GZIP_MAGIC = b"\x1f\x8b"


def iter_files(paths: Iterable[Path]) -> Iterator[Path]:
    """Every candidate file under `paths` (files given explicitly are always candidates), sorted."""
    for p in paths:
        if p.is_dir():
            for f in sorted(p.rglob("*")):
                if not f.is_file():
                    continue
                rel = f.relative_to(p).parts
                if any(part.startswith(".") for part in rel) or _NOT_LOGS.search(f.name):
                    continue
                if "CloudTrail-Digest" in rel or f.name in ("manifest.json", "manifest.json.tmp"):
                    continue
                yield f
        else:
            yield p


def _head_of(raw: bytes, size: int) -> bytes:
    """The first `size` bytes of a file that starts with `raw`, decompressed when it is gzip."""
    if raw[:2] == GZIP_MAGIC:
        try:
            return zlib.decompressobj(47).decompress(raw, size)
        except zlib.error:
            return b""
    return raw[:size]


def sniff(path: Path) -> Kind:
    with path.open("rb") as fh:  # one open and one read: thousands of files are sniffed per ingest
        raw = fh.read(16384)
    if raw[:4] == b"PAR1":
        return Kind.FLOW_PARQUET
    data = _head_of(raw, 4096)
    stripped = data.lstrip()
    if _RECORDS.match(data):
        return Kind.CLOUDTRAIL_RECORDS
    if stripped.startswith(b"["):
        return Kind.CLOUDTRAIL_ARRAY
    if stripped.startswith(b"{"):
        return Kind.CLOUDTRAIL_LINES
    first = stripped.split(b"\n", 1)[0].split()
    if first and all(tok.decode("ascii", "replace") in FLOW_FIELDS for tok in first):
        return Kind.FLOW_TEXT
    if _FLOW_DEFAULT_LINE.match(stripped):
        return Kind.FLOW_TEXT
    return Kind.UNKNOWN


def why_unknown(path: Path) -> str:
    """Why `sniff` did not recognise `path`, for the error it is reported with."""
    try:
        with path.open("rb") as fh:
            raw = fh.read(16384)
    except OSError as exc:
        return f"unreadable: {exc.strerror or exc}"
    if not raw.strip():
        return "empty file"
    if raw[:2] == GZIP_MAGIC:
        inflate = zlib.decompressobj(47)
        try:
            head = inflate.decompress(raw, 4096)
        except zlib.error as exc:
            return f"cannot decompress: {exc}"
        if not head.strip():
            whole = len(raw) < 16384  # the read above holds the whole file
            return "cannot decompress: truncated gzip stream" if whole and not inflate.eof else "no content"
    return "neither CloudTrail nor VPC flow log content"
