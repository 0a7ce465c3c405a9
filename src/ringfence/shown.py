"""Text that came from the inputs (log fields, file names, resource names) as a terminal report shows it.

Control characters and the invisible bidirectional marks are written as escapes: a log line cannot start a
new report line, move the cursor, retitle the terminal or reorder what the reader sees. Machine formats
(json, SARIF, OCSF) keep the text as it is; their encoders escape it."""

from __future__ import annotations

import re

# C0 and C1 controls, DEL, and the bidirectional marks, embeddings, overrides and isolates.
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def as_escape(m: re.Match[str]) -> str:
    """The matched character written as `\\xNN` or `\\uNNNN` (for `re.sub`)."""
    code = ord(m.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def shown(text: object) -> str:
    """`text` with every character that could change how a terminal shows the report escaped."""
    return _UNSAFE.sub(as_escape, str(text))
