"""Results worth keeping between runs: the shipped catalogue converted (its Sigma rules through pySigma) and
planned (every detection parsed by sqlglot), and its tier. Together they cost most of a second at the start
of every `ringfence detect`.

They live under `logs/` in ringfence's cache folder (see `ringfence.cachedir`: `$RINGFENCE_CACHE_DIR`, ...;
`RINGFENCE_NO_CACHE=1` switches it off), under keys made of everything they are computed from: the
catalogue's files, the code of this package, and the versions of the libraries that read them. A value
that cannot be read is computed again; one that cannot be written is only slower to get next time.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import tempfile
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")
_FORMAT = b"ringfence-logs-memo/1\n"


def _folder() -> Path | None:
    from ringfence.cachedir import cache_directory

    base = cache_directory()
    return base / "logs" if base is not None else None


@cache
def code_key() -> str | None:
    """A digest of the shipped catalogue's files, this package's code and the library versions, or None
    when a part of it cannot be read (then nothing is kept)."""
    from importlib import metadata

    from ringfence import __version__

    digest = hashlib.sha256(f"ringfence {__version__}".encode())
    root = Path(__file__).resolve().parent
    try:
        for dist in ("sqlglot", "pysigma", "duckdb"):
            digest.update(f"\0{dist} {metadata.version(dist)}".encode())
        for f in sorted(root.rglob("*")):
            if f.is_file() and (f.suffix in (".py", ".sql", ".yml", ".yaml")):
                digest.update(b"\0" + f.relative_to(root).as_posix().encode() + b"\0" + f.read_bytes())
    except (OSError, metadata.PackageNotFoundError):
        return None
    return digest.hexdigest()[:32]


def remembered(kind: str, extra: str, compute: Callable[[], T]) -> T:
    """`compute()`, kept under (`kind`, code key, `extra`) for later runs. None results are not kept."""
    base, code = _folder(), code_key()
    if base is None or code is None:
        return compute()
    name = hashlib.sha256(f"{kind}\0{code}\0{extra}".encode()).hexdigest()[:40]
    path = base / kind / name
    try:
        with path.open("rb") as handle:
            if handle.read(len(_FORMAT)) == _FORMAT:
                value: T = pickle.load(handle)
                return value
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError, TypeError, ValueError):
        pass
    value = compute()
    if value is not None:
        _save(path, value)
    return value


def _save(path: Path, value: object) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path.parent, delete=False) as handle:
            handle.write(_FORMAT)
            pickle.dump(value, handle, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(handle.name, path)
    except (OSError, pickle.PicklingError):
        return  # a cache that cannot be written is only slower
