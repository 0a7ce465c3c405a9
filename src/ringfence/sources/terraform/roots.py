"""Find the Terraform root modules under a folder.

A folder with ``.tf`` files is a root unless another folder of the tree calls it as a local module
(``source = "./..."`` or ``"../..."``): that folder is evaluated as part of its caller instead.
"""

from __future__ import annotations

import functools
import os
import re
from dataclasses import dataclass
from pathlib import Path

from ringfence.sources.terraform.hcl import top_level_blocks

_SOURCE = re.compile(r'(?:^|[{\s;])source\s*=\s*"([^"]+)"', re.MULTILINE)
_SKIP_DIRS = {".terraform", ".git", "node_modules", ".venv", "__pycache__", ".terragrunt-cache"}


@dataclass(frozen=True, slots=True)
class ModuleCall:
    name: str
    file: Path
    start: int
    end: int
    source: str
    text: str

    @property
    def is_local(self) -> bool:
        return self.source.startswith(("./", "../"))


def tf_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.suffix == ".tf" and p.is_file())


def module_calls(folder: Path) -> list[ModuleCall]:
    return list(_module_calls(folder.resolve(), _stamp(folder)))


def _stamp(folder: Path) -> tuple[tuple[str, int, int], ...]:
    """What identifies the folder's .tf files as they are now (names, sizes, modification times)."""
    out = []
    for file in tf_files(folder):
        try:
            stat = file.stat()
        except OSError:
            continue
        out.append((file.name, stat.st_size, stat.st_mtime_ns))
    return tuple(out)


@functools.lru_cache(maxsize=1024)
def _module_calls(folder: Path, stamp: tuple[tuple[str, int, int], ...]) -> tuple[ModuleCall, ...]:
    calls: list[ModuleCall] = []
    for file in tf_files(folder):
        try:
            text = file.read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        for block in top_level_blocks(text):
            if block.type == "module" and block.labels:
                match = _SOURCE.search(block.text)
                source = match.group(1) if match else ""
                calls.append(ModuleCall(block.labels[0], file, block.start, block.end, source, block.text))
    return tuple(calls)


def find_roots(base: Path, excluded: tuple[str, ...] = ()) -> list[Path]:
    """Every root module folder under ``base`` (``base`` itself included), sorted."""
    folders = find_folders(base, excluded)
    called: set[Path] = set()
    for folder in folders:
        for call in module_calls(folder):
            # A folder calling itself is still a root (the call is an error of its own, see `loader`).
            if call.is_local and (folder / call.source).resolve() != folder.resolve():
                called.add((folder / call.source).resolve())
    return [f for f in folders if f.resolve() not in called]


def find_folders(base: Path, excluded: tuple[str, ...] = ()) -> list[Path]:
    """Every folder of .tf files under ``base`` (``base`` itself included), sorted."""
    folders: list[Path] = []
    for current, dirs, files in os.walk(base):
        dirs[:] = sorted(d for d in dirs if d not in _SKIP_DIRS and not d.startswith("."))
        here = Path(current)
        rel = here.relative_to(base).as_posix()
        if excluded and any(_matches(rel, pattern) for pattern in excluded):
            dirs[:] = []
            continue
        if any(f.endswith((".tf", ".tf.json")) for f in files):
            folders.append(here)
    return folders


def _matches(rel: str, pattern: str) -> bool:
    from fnmatch import fnmatch

    pattern = pattern.rstrip("/")
    return fnmatch(rel, pattern) or rel == pattern or rel.startswith(pattern + "/")
