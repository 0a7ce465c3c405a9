"""A small JSON reader that remembers the line where every object starts.

Python's :mod:`json` gives values but no positions; findings and explanations must point at the statement
that decides them (file and line), so policies are read with this instead. Values come back exactly as
:func:`json.loads` would return them.
"""

from __future__ import annotations

import json
import re
from json.decoder import scanstring  # type: ignore[attr-defined]
from typing import Any

_WS = re.compile(r"[ \t\n\r]*")
_NUMBER = re.compile(r"-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][-+]?\d+)?")
_decoder = json.JSONDecoder()


class JSONLocationError(ValueError):
    def __init__(self, message: str, line: int) -> None:
        super().__init__(f"line {line}: {message}")
        self.line = line


Path = tuple[str | int, ...]


def loads_with_lines(text: str) -> tuple[Any, dict[Path, int]]:
    """Parse ``text``; return the value and the 1-based line of every object and array by JSON path."""
    lines: dict[Path, int] = {}
    newlines = [m.start() for m in re.finditer("\n", text)]

    def line_of(pos: int) -> int:
        lo, hi = 0, len(newlines)
        while lo < hi:
            mid = (lo + hi) // 2
            if newlines[mid] < pos:
                lo = mid + 1
            else:
                hi = mid
        return lo + 1

    def skip(pos: int) -> int:
        m = _WS.match(text, pos)
        return m.end() if m else pos

    def value(pos: int, path: Path) -> tuple[Any, int]:
        pos = skip(pos)
        if pos >= len(text):
            raise JSONLocationError("unexpected end of document", line_of(pos))
        ch = text[pos]
        if ch == "{":
            lines[path] = line_of(pos)
            obj: dict[str, Any] = {}
            pos = skip(pos + 1)
            if text.startswith("}", pos):
                return obj, pos + 1
            while True:
                pos = skip(pos)
                if not text.startswith('"', pos):
                    raise JSONLocationError("expected a property name", line_of(pos))
                key, pos = scanstring(text, pos + 1)
                pos = skip(pos)
                if not text.startswith(":", pos):
                    raise JSONLocationError("expected ':'", line_of(pos))
                item, pos = value(pos + 1, (*path, key))
                obj[key] = item
                pos = skip(pos)
                if text.startswith(",", pos):
                    pos += 1
                    continue
                if text.startswith("}", pos):
                    return obj, pos + 1
                raise JSONLocationError("expected ',' or '}'", line_of(pos))
        if ch == "[":
            lines[path] = line_of(pos)
            arr: list[Any] = []
            pos = skip(pos + 1)
            if text.startswith("]", pos):
                return arr, pos + 1
            while True:
                item, pos = value(pos, (*path, len(arr)))
                arr.append(item)
                pos = skip(pos)
                if text.startswith(",", pos):
                    pos += 1
                    continue
                if text.startswith("]", pos):
                    return arr, pos + 1
                raise JSONLocationError("expected ',' or ']'", line_of(pos))
        if ch == '"':
            s, end = scanstring(text, pos + 1)
            return s, end
        for literal, result in (("true", True), ("false", False), ("null", None)):
            if text.startswith(literal, pos):
                return result, pos + len(literal)
        m = _NUMBER.match(text, pos)
        if m:
            number, end = _decoder.raw_decode(text, pos)
            return number, end
        raise JSONLocationError(f"unexpected character {ch!r}", line_of(pos))

    try:
        result, end = value(0, ())
    except json.JSONDecodeError as exc:
        raise JSONLocationError(exc.msg, exc.lineno) from exc
    except RecursionError as exc:  # hostile input: nesting no policy needs
        raise JSONLocationError("the document nests too deeply to be a policy", 1) from exc
    end = skip(end)
    if end != len(text):
        raise JSONLocationError("extra data after the document", line_of(end))
    return result, lines
