"""Finding log files under the paths given and recognising their kind from their first bytes (never from
their names, which users rename)."""

from __future__ import annotations

import errno
import os
import re
import stat
import zlib
from collections.abc import Iterable, Iterator, Sequence
from enum import Enum
from pathlib import Path

from ringfence.logs.schema import FLOW_FIELDS


class Kind(Enum):
    CLOUDTRAIL_RECORDS = "cloudtrail-records"  # {"Records": [...]} as AWS delivers it to S3
    CLOUDTRAIL_ARRAY = "cloudtrail-array"  # [record, ...]
    CLOUDTRAIL_LINES = "cloudtrail-lines"  # one event per line, or an export document (exports.py)
    CLOUDTRAIL_CSV = "cloudtrail-csv"  # the console's event history download
    FLOW_TEXT = "flowlogs-text"
    FLOW_PARQUET = "flowlogs-parquet"
    UNKNOWN = "unknown"


# Files that sit beside logs and are not logs: licences, notes, CloudTrail's digest files (hash chains,
# not events), and the store's own files.
_NOT_LOGS = re.compile(r"^(LICEN[CS]E|NOTICE|README|COPYING)(\..*)?$|\.(md|txt\.sha256|sha256)$", re.I)

_RECORDS = re.compile(rb'^\s*\{\s*"Records"\s*:\s*\[')
_FLOW_DEFAULT_LINE = re.compile(rb"^\d+ (\d{12}|unknown|-) \S+ ")

GZIP_MAGIC = b"\x1f\x8b"
_BOM = b"\xef\xbb\xbf"


# A folder named like this looks like a log file to the person who gave it.
_LOG_NAME = re.compile(r"\.(json|jsonl|ndjson|gz|log|parquet)$", re.I)


def iter_files(paths: Iterable[Path]) -> Iterator[tuple[Path, str | None]]:
    """(path, None) for every candidate file under `paths` (files given explicitly are always candidates),
    sorted; (path, why) for every path given or found that is not read: a device, pipe or socket, a link
    to nothing or in a loop, a folder that cannot be listed or holds no log file, a folder named like a log
    file (its files are read, and it is said). Hidden files, notes, digests and manifests are not logs and
    are passed over."""
    for p in paths:
        try:
            st = p.stat()
        except OSError as exc:
            yield p, _stat_problem(exc)
            continue
        if not stat.S_ISDIR(st.st_mode):
            yield p, None if stat.S_ISREG(st.st_mode) else _not_regular(st.st_mode)
            continue
        found: list[tuple[Path, str | None]] = []
        _walk(p, p, {os.path.realpath(p)}, found)
        if not any(why is None for _, why in found):
            found.append((p, "a folder with no log file in it: nothing was read"))
        yield from sorted(found, key=lambda item: str(item[0]))


def _walk(root: Path, folder: Path, above: set[str], found: list[tuple[Path, str | None]]) -> None:
    """Adds what `folder` holds to `found`; `above` holds the real paths of the folders it is in."""
    try:
        names = sorted(os.listdir(folder))
    except OSError as exc:
        found.append((folder, f"folder cannot be listed: {exc.strerror or exc}"))
        return
    for name in names:
        f = folder / name
        if name.startswith(".") or _NOT_LOGS.search(name):
            continue
        if "CloudTrail-Digest" in f.relative_to(root).parts or name in ("manifest.json", "manifest.json.tmp"):
            continue
        try:
            st = f.stat()
        except OSError as exc:
            found.append((f, _stat_problem(exc)))
            continue
        if stat.S_ISREG(st.st_mode):
            found.append((f, None))
        elif stat.S_ISDIR(st.st_mode):
            real = os.path.realpath(f)
            if real in above:
                found.append((f, "a link loop: it leads back to a folder it is in, not read again"))
                continue
            if _LOG_NAME.search(name):
                found.append((f, "a folder named like a log file, not a log file (its files are read)"))
            _walk(root, f, above | {real}, found)
        else:
            found.append((f, _not_regular(st.st_mode)))


def _not_regular(mode: int) -> str:
    kind = (
        "a pipe"
        if stat.S_ISFIFO(mode)
        else "a socket"
        if stat.S_ISSOCK(mode)
        else "a device"
        if stat.S_ISCHR(mode) or stat.S_ISBLK(mode)
        else "not a regular file"
    )
    return f"not read: {kind}, not a log file"


def _stat_problem(exc: OSError) -> str:
    if exc.errno == errno.ELOOP:
        return "not read: a link loop"
    if exc.errno in (errno.ENOENT, errno.ENOTDIR):
        return "not read: a link to nothing"
    return f"unreadable: {exc.strerror or exc}"


def _head_of(raw: bytes, size: int) -> bytes:
    """The first `size` bytes of a file that starts with `raw`, decompressed when it is gzip."""
    if raw[:2] == GZIP_MAGIC:
        try:
            return zlib.decompressobj(47).decompress(raw, size)
        except zlib.error:
            return b""
    return raw[:size]


def sniff(path: Path, flow_fields: Sequence[str] = ()) -> Kind:
    """The kind of log `path` holds, from its first bytes. `flow_fields`: the fields of flow log lines
    without a header (`--flow-format`): a line of that many fields is a flow log too."""
    with path.open("rb") as fh:  # one open and one read: thousands of files are sniffed per ingest
        raw = fh.read(16384)
    if raw[:4] == b"PAR1":
        return Kind.FLOW_PARQUET
    data = _head_of(raw, 4096)
    if data.startswith(_BOM):
        # A byte-order mark: the slow path reads past it (the fast path reads bare arrays only).
        return Kind.CLOUDTRAIL_LINES if data[3:].lstrip().startswith((b"{", b"[")) else Kind.UNKNOWN
    stripped = data.lstrip()
    if _RECORDS.match(data):
        # Insights events (delivered in files of their own, under CloudTrail-Insight/) are not calls: the
        # slow path reads them as what they are (exports.normalise).
        return Kind.CLOUDTRAIL_LINES if b'"AwsCloudTrailInsight"' in data else Kind.CLOUDTRAIL_RECORDS
    if stripped.startswith(b"["):
        # An array of records as CloudTrail writes them goes to the fast path; an array of anything else
        # (lookup-events items, pipeline documents) to the slow one, which unwraps each.
        plain = (b'"eventID"' in data or b'"eventVersion"' in data) and b'"CloudTrailEvent"' not in data
        return Kind.CLOUDTRAIL_ARRAY if plain else Kind.CLOUDTRAIL_LINES
    if stripped.startswith(b"{"):
        return Kind.CLOUDTRAIL_LINES
    from ringfence.logs.exports import is_csv_header

    if is_csv_header(stripped.split(b"\n", 1)[0].decode("utf-8", "replace")):
        return Kind.CLOUDTRAIL_CSV
    first = stripped.split(b"\n", 1)[0].split()
    if first and all(tok.decode("ascii", "replace") in FLOW_FIELDS for tok in first):
        return Kind.FLOW_TEXT
    if _FLOW_DEFAULT_LINE.match(stripped):
        return Kind.FLOW_TEXT
    if flow_fields and len(first) == len(flow_fields):
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
        raw = head
    first = raw.lstrip().split(b"\n", 1)[0].split()
    if len(first) >= 6 and sum(bool(_ADDRESS.match(t)) for t in first) >= 2:
        return (
            f"lines of {len(first)} fields without a header line, not in the default flow log format: "
            "give their fields with --flow-format"
        )
    return "neither CloudTrail nor VPC flow log content"


_ADDRESS = re.compile(rb"^(\d{1,3}\.){3}\d{1,3}$|^[0-9a-f]*:[0-9a-f:]+$", re.I)
