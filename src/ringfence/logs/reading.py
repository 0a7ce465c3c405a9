"""A log file's content, decompressed when it is gzip, read piece by piece within limits.

No file is read whole into memory: a 2 MB gzip file can expand to gigabytes. Two limits bound what one file
may expand to, each set by an environment variable (0: no limit):

- ``RINGFENCE_LOG_MAX_BYTES``: decompressed bytes per file (default 1 GiB; a CloudTrail file AWS delivers
  holds a few MB).
- ``RINGFENCE_LOG_MAX_RATIO``: decompressed bytes per compressed byte of a gzip file (default 200; CloudTrail
  JSON compresses about 10-20 times, gzip itself cannot pass about 1,030). A file under 16 MiB of content
  is never stopped by the ratio: what it can cost is small whatever its ratio.

A file that passes a limit stops there: the records before it are kept and the file carries an error at the
byte it reached.
"""

from __future__ import annotations

import codecs
import math
import os
import zlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from isal import isal_zlib

from ringfence.limits import env_limit
from ringfence.logs.discover import GZIP_MAGIC

MAX_BYTES_ENV = "RINGFENCE_LOG_MAX_BYTES"
MAX_RATIO_ENV = "RINGFENCE_LOG_MAX_RATIO"
DEFAULT_MAX_BYTES = 1024 * 1024 * 1024
DEFAULT_MAX_RATIO = 200.0
RATIO_FLOOR = 16 * 1024 * 1024
# Compressed bytes read from disk at once.
_READ = 1024 * 1024

# (isal's stubs declare its error class as an instance of Exception)
ISAL_ERROR: type[Exception] = isal_zlib.error  # type: ignore[assignment]
# What reading a log file's content can raise besides OverLimit.
READ_ERRORS: tuple[type[Exception], ...] = (OSError, EOFError, zlib.error, ISAL_ERROR)


class OverLimit(Exception):
    """The content passed a limit after `offset` decompressed bytes."""

    def __init__(self, offset: int, message: str) -> None:
        super().__init__(message)
        self.offset = offset
        self.message = message


@dataclass(frozen=True)
class Limits:
    max_bytes: int = DEFAULT_MAX_BYTES  # 0: none
    max_ratio: float = DEFAULT_MAX_RATIO  # 0: none

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Limits:
        """The limits set in the environment, else the defaults; a value that is not a number of at least 0
        is ignored (the default holds) rather than lifting the limit."""
        env = os.environ if environ is None else environ
        return cls(
            int(env_limit(MAX_BYTES_ENV, DEFAULT_MAX_BYTES, env)),
            env_limit(MAX_RATIO_ENV, DEFAULT_MAX_RATIO, env),
        )

    def cap(self, compressed: int | None) -> tuple[float, str]:
        """The decompressed bytes a file of `compressed` bytes of gzip (None: a plain file) may hold, and
        what is said when it holds more."""
        cap, why = math.inf, ""
        if self.max_bytes:
            cap, why = (
                self.max_bytes,
                f"content passes {self.max_bytes} bytes, the limit per file ({MAX_BYTES_ENV})",
            )
        if compressed is not None and self.max_ratio:
            by_ratio = max(RATIO_FLOOR, self.max_ratio * max(compressed, 1))
            if by_ratio < cap:
                cap, why = (
                    by_ratio,
                    (
                        f"gzip content passes {self.max_ratio:g} times its compressed size of {compressed} "
                        f"bytes, the limit ({MAX_RATIO_ENV})"
                    ),
                )
        return cap, f"{why}; the records before it are kept"


def content(path: Path, piece: int, limits: Limits | None = None) -> Iterator[bytes]:
    """The content of the file at `path` in pieces of at most `piece` bytes: inflated (every member) when it
    is gzip. Raises OverLimit when the content passes `limits`, READ_ERRORS when it cannot be read. ISA-L's
    inflate (the `isal` package) is about twice as fast as zlib's and releases the GIL."""
    limits = limits or Limits.from_env()
    with path.open("rb") as fh:
        first = fh.read(_READ)
        if first[:2] != GZIP_MAGIC:
            yield from _bounded(_plain(first, fh, piece), limits, None)
            return
        size = os.fstat(fh.fileno()).st_size
        yield from _bounded(_inflate(first, fh, piece), limits, size)


def _bounded(pieces: Iterator[bytes], limits: Limits, compressed: int | None) -> Iterator[bytes]:
    """`pieces` up to the limit's cap; past it, OverLimit at the cap."""
    cap, why = limits.cap(compressed)
    total = 0
    for p in pieces:
        if total + len(p) > cap:
            if int(cap) > total:
                yield p[: int(cap) - total]
            raise OverLimit(int(cap), why)
        total += len(p)
        yield p


def _plain(first: bytes, fh: BinaryIO, piece: int) -> Iterator[bytes]:
    data = first
    while data:
        for i in range(0, len(data), piece):
            yield data[i : i + piece]
        data = fh.read(_READ)


def _inflate(first: bytes, fh: BinaryIO, piece: int) -> Iterator[bytes]:
    pending = first
    while pending:
        # 47 = 32 + 15: a gzip header, the full window.
        d = isal_zlib.decompressobj(47)
        while True:
            out = d.decompress(pending, piece)
            if out:
                yield out
            pending = d.unconsumed_tail
            if d.eof:
                break
            if not pending and not out:
                pending = fh.read(_READ)
                if not pending:
                    raise EOFError("truncated gzip stream")
        pending = d.unused_data or fh.read(_READ)


class TextStream:
    """The decoded text of a log file, piece by piece. When the content ends early (a limit, a decompression
    error, bytes that are not UTF-8), `problem` says where (a decompressed byte offset) and why."""

    def __init__(self, path: Path, piece: int, limits: Limits | None = None) -> None:
        self._pieces = content(path, piece, limits)
        self._decoder = codecs.getincrementaldecoder("utf-8")()
        self.bytes = 0
        self.done = False
        self.problem: tuple[int, str] | None = None

    def read(self) -> str:
        """The next piece of text; "" at the end."""
        while not self.done:
            try:
                raw = next(self._pieces, None)
            except OverLimit as exc:
                return self._end(exc.offset, exc.message)
            except OSError as exc:
                return self._end(self.bytes, f"unreadable: {exc.strerror or exc}")
            except READ_ERRORS as exc:
                return self._end(self.bytes, f"cannot decompress: {exc}")
            pending = len(self._decoder.getstate()[0])
            try:
                text = self._decoder.decode(raw or b"", final=raw is None)
            except UnicodeDecodeError as exc:
                return self._end(self.bytes - pending + exc.start, "not UTF-8 text")
            if raw is None:
                self.done = True
                return text
            self.bytes += len(raw)
            if text:
                return text
        return ""

    def _end(self, offset: int, message: str) -> str:
        self.done = True
        self.problem = (offset, message)
        return ""


def lines(stream: TextStream, first: str = "", lineno: int = 0) -> Iterator[tuple[int, str]]:
    """(line number, line without its end) for every line of `stream` (after `first`, read from it already,
    which starts on line `lineno` + 1); lines end at "\\n" only (a record may hold U+2028 and other
    characters str.splitlines() would cut at)."""
    held: list[str] = []  # the pieces of a line not ended yet (joined once: a long line is not quadratic)
    while True:
        text, first = first or stream.read(), ""
        if not text:
            break
        if "\n" not in text:
            held.append(text)
            continue
        parts = text.split("\n")
        parts[0] = "".join(held) + parts[0]
        held = [parts.pop()]
        for line in parts:
            lineno += 1
            yield lineno, line.removesuffix("\r")
    last = "".join(held)
    if last and stream.problem is None:  # a line cut by a problem is not a line
        yield lineno + 1, last.removesuffix("\r")
