"""Mutations of valid seeds: byte flips, insertions, truncation, invalid UTF-8 and NUL bytes."""

from __future__ import annotations

from hypothesis import strategies as st

HOSTILE_BYTES = (b"\x00", b"\xff\xfe", b"\xc3\x28", b"\xed\xa0\x80", b"{" * 64, b"[" * 64, b'"', b"\\")


@st.composite
def mutated(draw: st.DrawFn, seed: bytes) -> bytes:
    """`seed` with a few hostile edits at drawn positions."""
    data = bytearray(seed)
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(("flip", "insert", "truncate", "delete")))
        pos = draw(st.integers(0, max(len(data) - 1, 0)))
        if kind == "flip" and data:
            data[pos] ^= 1 << draw(st.integers(0, 7))
        elif kind == "insert":
            data[pos:pos] = draw(st.sampled_from(HOSTILE_BYTES) | st.binary(min_size=1, max_size=8))
        elif kind == "truncate":
            del data[pos:]
        elif data:
            del data[pos : pos + draw(st.integers(1, 16))]
    return bytes(data)


def json_values(max_leaves: int = 20) -> st.SearchStrategy[object]:
    """Any JSON value: the wrong type for every field."""
    leaf = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=40)
    return st.recursive(
        leaf,
        lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
        max_leaves=max_leaves,
    )


# Pieces that open or close a syntax element: inserted into text seeds, they break it the way a careless
# edit does (unbalanced brackets, a stray quote or interpolation, a heredoc left open).
TEXT_PIECES = (
    '"',
    "{",
    "}",
    "[",
    "]",
    "(",
    ")",
    ",",
    "=",
    ":",
    "\n",
    "${",
    "%{",
    "<<EOT\n",
    "#",
    "/*",
    "\\",
    "'",
)


@st.composite
def mutated_text(draw: st.DrawFn, seed: str) -> str:
    """`seed` with a few edits that keep it text: syntax pieces inserted, characters or lines removed."""
    text = seed
    for _ in range(draw(st.integers(1, 3))):
        at = draw(st.integers(0, max(len(text) - 1, 0)))
        kind = draw(st.sampled_from(("insert", "delete", "line")))
        if kind == "insert":
            text = text[:at] + draw(st.sampled_from(TEXT_PIECES) | st.text(max_size=3)) + text[at:]
        elif kind == "delete":
            text = text[:at] + text[at + draw(st.integers(1, 8)) :]
        else:
            lines = text.split("\n")
            row = draw(st.integers(0, len(lines) - 1))
            text = "\n".join(lines[:row] + lines[row + 1 :])
    return text


def nested(opening: str, closing: str, inner: str = "", deepest: int = 20_000) -> st.SearchStrategy[str]:
    """`inner` wrapped in a drawn number (up to `deepest`) of `opening`/`closing` pairs."""
    return st.integers(1, deepest).map(lambda depth: opening * depth + inner + closing * depth)


def huge_strings() -> st.SearchStrategy[str]:
    """Strings from empty to 1 MB: one character repeated, or a short drawn text repeated."""
    return st.builds(
        lambda unit, times: unit * times, st.text(min_size=1, max_size=4), st.integers(0, 500_000)
    )
