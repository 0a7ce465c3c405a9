"""Paths as the user sees them: relative to the repository's root (the git root of the scanned folder, else
the working folder, or `--path-root`), in every format alike.

Sources name files relative to the target they read (`scan infra/` reads `main.tf`): the analyses need that,
since they read the files again under the target. A report read in a repository, and GitHub code scanning
above all, needs the path from the repository's root (`infra/main.tf`). The findings and errors of a scan
are rebased once, here, so that text, json, SARIF, JUnit, HTML, OCSF and ASFF all say the same path.
Fingerprints do not contain paths, so a baseline taken from another folder still matches.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from ringfence.model import Estate, InputError


@dataclass(frozen=True)
class PathView:
    """Where each target's relative paths start, seen from the path root.

    ``prefixes`` maps a resource address to the folder of the target it was read from, relative to the
    path root; ``default`` is the first target's folder, for what no resource names (the estate's
    account, intents files). An empty prefix leaves a path as it is (relative to its target).
    """

    root: str = ""  # the absolute folder the shown paths are relative to (SARIF's %SRCROOT%)
    default: str = ""
    prefixes: Mapping[str, str] = field(default_factory=dict)

    def shown(self, path: str | None, address: str | None = None) -> str | None:
        """``path`` (relative to its target) as seen from the path root."""
        prefix = self.prefixes.get(address, self.default) if address is not None else self.default
        return rebase(path, prefix, self.root)


def default_root(targets: list[str]) -> Path:
    """The folder paths are shown from when `--path-root` is not given: the root of the git repository
    that holds the first local target (where GitHub code scanning resolves a SARIF path), else the
    working folder."""
    local = [t for t in targets if "://" not in t]
    if local:
        start = Path(local[0]).absolute()
        folder = start if start.is_dir() else start.parent
        for candidate in (folder, *folder.parents):
            if (candidate / ".git").exists():
                return candidate
    return Path.cwd()


def target_folder(target: str, root: Path) -> str:
    """The folder a target's relative paths start from, relative to ``root``; empty (its paths stay
    relative to the target, as before) for a target outside ``root``, and for a live target (its
    resources have no files). A path out of the root would need `..` or the machine's own absolute path,
    and the same input would no longer give the same bytes on another machine."""
    if "://" in target:
        return ""
    path = Path(target).absolute()
    folder = path if path.is_dir() else path.parent
    try:
        rel = Path(os.path.relpath(folder, root)).as_posix()
    except ValueError:  # another drive
        return ""
    return "" if rel.startswith("..") else rel


def rebase(path: str | None, prefix: str, root: str) -> str | None:
    """``path`` under ``prefix`` when it names a file or folder there; otherwise as it was (an ARN, a path
    the source already named as the user gave it)."""
    if not path or not prefix:
        return path
    if os.path.isabs(path):
        rel = os.path.relpath(path, root) if root else path
        return path if rel.startswith("..") else Path(rel).as_posix()
    base = Path(prefix) if os.path.isabs(prefix) else Path(root) / prefix
    if path != "." and not (base / path).exists():
        return path
    joined = os.path.normpath(os.path.join(prefix, path))
    return Path(joined).as_posix()


def view_of(targets: list[str], estates: list[Estate], root: Path) -> PathView:
    """The view of ``estates`` (one per target, in order) from ``root``."""
    absolute = root.absolute()
    folders = [target_folder(t, absolute) for t in targets]
    prefixes: dict[str, str] = {}
    for folder, estate in zip(folders, estates, strict=True):
        for resource in estate.resources:
            prefixes.setdefault(resource.address, folder)
    first = targets[0] if targets else ""
    shown_from = str(absolute)
    if first and "://" not in first and not folders[0]:  # outside the root: its paths start at the target
        target = Path(first).absolute()
        shown_from = str(target if target.is_dir() else target.parent)
    elif first and "://" in first:
        shown_from = ""
    return PathView(shown_from, folders[0] if folders else "", prefixes)


def with_errors_rebased(estate: Estate, folder: str, root: Path) -> Estate:
    """``estate`` with its input errors named from ``root``."""
    if not estate.errors or not folder:
        return estate
    base = str(root.absolute())
    errors = tuple(dataclasses.replace(e, path=rebase(e.path, folder, base) or e.path) for e in estate.errors)
    return dataclasses.replace(estate, errors=errors)


def rebased_errors(errors: tuple[InputError, ...], view: PathView) -> tuple[InputError, ...]:
    """Errors found after loading (intents files, custom rules), relative to the first target."""
    return tuple(dataclasses.replace(e, path=view.shown(e.path) or e.path) for e in errors)
