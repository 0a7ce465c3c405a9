"""A cache of evaluations, so that a re-scan only pays tfparse for what changed.

An evaluation (one group of module calls of one root) is stored under a hash of everything it reads: the
root's own blocks and the task's module blocks, every file of the local module folders those calls use,
downloaded modules, variable files, the values written into the mirror, and the versions of ringfence and
tfparse. A change anywhere in that set gives another key; nothing is ever looked up by path alone.

The folder is ringfence's cache folder (``ringfence.cachedir``), chosen once by the caller of the source
and carried by each task (``Task.cache``), so that a worker process stores where the scan reads:
``LoadOptions(cache=False)`` (``scan --no-cache``) or ``RINGFENCE_NO_CACHE=1`` switches it off.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ringfence.sources.terraform.hcl import top_level_blocks
from ringfence.sources.terraform.roots import module_calls, tf_files

if TYPE_CHECKING:
    from ringfence.sources.terraform.evaluation import Task, TaskResult

_FORMAT = b"ringfence-evaluation-cache/1"


def _files_under(folder: Path) -> Iterable[Path]:
    for current, dirs, files in os.walk(folder, followlinks=True):
        dirs[:] = sorted(d for d in dirs if d not in (".git", ".terraform", "node_modules"))
        for name in sorted(files):
            yield Path(current) / name


def key(task: Task, versions: str) -> str:
    digest = hashlib.sha256(_FORMAT)

    def add(label: str, data: bytes) -> None:
        digest.update(label.encode() + b"\0" + len(data).to_bytes(8, "big") + data)

    add("versions", versions.encode())
    add(
        "task",
        repr(
            (str(task.base.resolve()), str(task.root.resolve()), task.modules, task.keep_root_resources)
        ).encode(),
    )
    root = task.source_root
    for file in tf_files(root):
        text = file.read_text(encoding="utf-8", errors="replace")
        kept = [
            b.text
            for b in top_level_blocks(text)
            if b.type != "module" or task.modules is None or (b.labels and b.labels[0] in task.modules)
        ]
        add(f"root:{file.name}", "\n".join(kept).encode())
    for entry in sorted(root.iterdir()):
        if entry.is_file() and not entry.name.endswith(".tf"):
            add(f"root-file:{entry.name}", entry.read_bytes())
    seen: set[Path] = set()
    pending = [c for c in module_calls(root) if task.modules is None or c.name in task.modules]
    while pending:
        call = pending.pop()
        if not call.is_local:
            continue
        folder = (call.file.parent / call.source).resolve()
        if folder in seen or not folder.is_dir():
            continue
        seen.add(folder)
        for file in _files_under(folder):
            add(f"module:{file.relative_to(folder)}", file.read_bytes())
        pending.extend(module_calls(folder))
    dot_terraform = root / ".terraform" / "modules"
    if dot_terraform.is_dir():
        for file in _files_under(dot_terraform):
            add(f"downloaded:{file.relative_to(dot_terraform)}", file.read_bytes())
    add("environment", task.environment.text().encode())
    for var_file in task.var_files:
        add("var-file", var_file.read_bytes())
    return digest.hexdigest()


def load(folder: Path, name: str) -> TaskResult | None:
    path = folder / name[:2] / name
    try:
        with path.open("rb") as handle:
            if handle.read(len(_FORMAT)) != _FORMAT:
                return None
            value: Any = pickle.load(handle)
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError, TypeError, ValueError):
        return None
    return value  # type: ignore[no-any-return]


def store(folder: Path, name: str, result: TaskResult) -> None:
    target = folder / name[:2]
    try:
        target.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=target, delete=False) as handle:
            handle.write(_FORMAT)
            pickle.dump(result, handle, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(handle.name, target / name)
    except OSError:
        return  # a cache that cannot be written is only slower
