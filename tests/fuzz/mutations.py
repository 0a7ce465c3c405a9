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
