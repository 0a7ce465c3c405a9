"""A working copy of the scanned tree in which the values the estate fixes are written in.

tfparse cannot evaluate ``data.aws_caller_identity.current.account_id`` (nor ``data.aws_region``,
``data.aws_partition``): a policy that interpolates one comes back as ``null`` as a whole. The account id,
region and partition of the scan are known (``--account-id``, the ARNs in the code, the provider block),
so a copy of the tree with those references replaced by literals evaluates exactly. ``.tf`` files are
rewritten (same line numbers); every other file is a symbolic link, so ``file()`` and ``templatefile()``
still read the user's files.
"""

from __future__ import annotations

import os
import re
import stat
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from collections.abc import Set as AbstractSet
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

_SKIP = {".git", "node_modules", ".venv", "__pycache__", ".terragrunt-cache"}
_PROVIDER_REGION = re.compile(r'provider\s+"aws"\s*\{[^{}]*?\bregion\s*=\s*"([a-z]{2}(?:-[a-z]+)+-\d)"', re.S)
_DATA_REFERENCE = re.compile(
    r"\bdata\.(aws_caller_identity|aws_region|aws_partition)\.[A-Za-z_][\w-]*(?:\[[^\]]*\])?\.([A-Za-z_]\w*)"
)


def not_a_file(path: Path) -> str | None:
    """Why `path` cannot be read as a file, or None when it can: a dangling or looping link, a pipe or a
    device (reading /dev/zero or a FIFO never ends) is reported, not read."""
    try:
        st = os.stat(path)
    except OSError as exc:
        return f"cannot read file: {exc.strerror or exc}"
    if not stat.S_ISREG(st.st_mode):
        return "cannot read file: not a regular file (a pipe, a device or a folder)"
    return None


# Deeper than this, tfparse's Go runtime overflows its stack (the whole process ends) and Python's JSON
# reader of its result gives up (the whole folder is lost). Real configurations nest a few tens deep.
MAX_NESTING = 500
_NOT_BRACKETS = bytes(sorted(set(range(256)) - set(b"[]{}()")))
_QUOTED = re.compile(rb'"(?:[^"\\\n]|\\.)*"')


def too_deep(path: Path) -> str | None:
    """Why `path` nests too deeply to be evaluated, or None."""
    line = too_deep_at(path)
    return None if line is None else _too_deep(line)


def _too_deep(line: int) -> str:
    return f"nested more than {MAX_NESTING} deep at line {line}: not evaluated"


def too_deep_at(path: Path) -> int | None:
    """The line where `path` nests too deeply to be evaluated (brackets counted, strings included: an
    overestimate only for text that holds hundreds of unclosed brackets in strings), or None."""
    try:
        data = path.read_bytes()
    except OSError:
        return None
    if len(data.translate(None, _NOT_BRACKETS)) <= MAX_NESTING:
        return None
    # Quoted strings emptied first (brackets in them do not nest): single-line strings, as HCL and JSON
    # write them; a heredoc's brackets still count.
    data = _QUOTED.sub(b'""', data)
    brackets = data.translate(None, _NOT_BRACKETS)
    if len(brackets) <= MAX_NESTING:
        return None
    depth = deepest = 0
    for byte in brackets:  # the brackets alone: a few percent of the file
        depth += 1 if byte in b"[{(" else -1
        deepest = max(deepest, depth)
    if deepest <= MAX_NESTING:
        return None
    depth, line = 0, 1
    for byte in data:  # only for a file that is too deep: where it becomes so
        if byte == 10:
            line += 1
        elif byte in b"[{(":
            depth += 1
            if depth > MAX_NESTING:
                return line
        elif byte in b"]})":
            depth -= 1
    return None


# The variable files Terraform reads from a root folder without being told (in this order, then --var-file).
TFVARS_FIRST = ("terraform.tfvars", "terraform.tfvars.json")
TFVARS_AUTO = (".auto.tfvars", ".auto.tfvars.json")


def read_by_terraform(name: str) -> bool:
    """Whether Terraform reads a file of this name from a folder it loads."""
    return name.endswith((".tf", ".tf.json", *TFVARS_AUTO)) or name in TFVARS_FIRST


def _loops(link: Path, folder: Path) -> bool:
    try:
        return folder.resolve().is_relative_to(link.resolve())
    except (OSError, RuntimeError):  # a loop resolve cannot finish is a loop too
        return True


def unreadable_tf(base: Path, recursive: bool = True) -> list[tuple[Path, int | None, str]]:
    """The entries under `base` (or only in it) that Terraform would read (`.tf`, `.tf.json`, the variable
    files it loads by itself) and that cannot be evaluated safely (`not_a_file`, `too_deep`), with the line
    where that shows (when it does) and why."""
    out: list[tuple[Path, int | None, str]] = []
    for folder, dirs, files in os.walk(base):
        dirs[:] = sorted(d for d in dirs if d not in _SKIP and d != ".terraform") if recursive else []
        for name in list(dirs):
            path = Path(folder) / name
            if read_by_terraform(name):  # Terraform would try to read it as a file
                out.append((path, None, "cannot read file: a folder named like a Terraform file"))
            elif path.is_symlink() and _loops(path, Path(folder)):
                out.append((path, None, "not read: a link to a folder that holds it (a loop)"))
                dirs.remove(name)
        for name in sorted(files):
            if not read_by_terraform(name):
                continue
            path = Path(folder) / name
            why = not_a_file(path)
            if why is not None:
                out.append((path, None, why))
            elif (line := too_deep_at(path)) is not None:
                out.append((path, line, _too_deep(line)))
    return out


def tf_texts(base: Path) -> Iterator[tuple[Path, str]]:
    for folder, dirs, files in os.walk(base):
        dirs[:] = sorted(d for d in dirs if d not in _SKIP and d != ".terraform")
        for name in sorted(files):
            if name.endswith(".tf"):
                path = Path(folder) / name
                if not_a_file(path) is not None:
                    continue
                try:
                    yield path, path.read_text(encoding="utf-8", errors="replace")
                except OSError:
                    continue


def account_in_code(base: Path) -> str | None:
    """The account id the literal ARNs of the code name (:func:`ringfence.sources.arns.most_common_account`)."""
    from ringfence.sources.arns import most_common_account

    return most_common_account(text for _, text in tf_texts(base))


def region_in_code(base: Path) -> str | None:
    for _, text in tf_texts(base):
        match = _PROVIDER_REGION.search(text)
        if match:
            return str(match.group(1))
    return None


def substitute(text: str, values: Mapping[tuple[str, str], str]) -> str:
    """Replace the known data-source attributes by string literals (valid inside and outside templates)."""

    def literal(match: re.Match[str]) -> str:
        value = values.get((match.group(1), match.group(2)))
        return f'"{value}"' if value is not None else match.group(0)

    return _DATA_REFERENCE.sub(literal, text) if "data.aws_" in text else text


def known_values(account_id: str, region: str | None, partition: str) -> dict[tuple[str, str], str]:
    values = {
        ("aws_caller_identity", "account_id"): account_id,
        ("aws_partition", "partition"): partition,
        ("aws_partition", "id"): partition,
    }
    if region is not None:
        values |= {
            ("aws_region", "name"): region,
            ("aws_region", "id"): region,
            ("aws_region", "region"): region,
        }
    return values


@dataclass(frozen=True, slots=True)
class Mirror:
    """Where a mirrored tree lies: ``base`` is the scanned folder's place in it, ``top`` the mirror's top
    folder, ``outside`` each mirrored folder above the scanned one with the user's folder it copies."""

    base: Path
    top: Path
    outside: tuple[tuple[Path, Path], ...] = ()


@contextmanager
def mirrored(
    base: Path,
    values: Mapping[tuple[str, str], str],
    skip: AbstractSet[Path] = frozenset(),
    outside: Sequence[Path] = (),
) -> Iterator[Mirror]:
    """A temporary mirror of ``base``: rewritten ``.tf`` files, links to everything else, and nothing of the
    files in ``skip`` (those `unreadable_tf` refused: tfparse must not read them either). The folders in
    ``outside`` (local modules the tree calls above it) are mirrored too, each alone, where they sit
    relative to ``base``, so that ``../../modules/x`` leads to them in the mirror as it does in the tree."""
    base = base.resolve()
    folders = [f.resolve() for f in outside]
    top = Path(os.path.commonpath([base, *folders]))
    with tempfile.TemporaryDirectory(prefix="ringfence-mirror-") as tmp:
        tree = Path(tmp) / "tree"
        copies: list[tuple[Path, Path]] = []
        for folder in folders:
            copy = tree / folder.relative_to(top)
            _mirror_folder(folder, copy, values, skip, recursive=False)
            copies.append((copy, folder))
        mirror = tree / base.relative_to(top)
        _mirror_folder(base, mirror, values, skip, recursive=True)
        yield Mirror(mirror, tree, tuple(copies))


def _mirror_folder(
    source_folder: Path,
    mirror: Path,
    values: Mapping[tuple[str, str], str],
    skip: AbstractSet[Path],
    recursive: bool,
) -> None:
    for folder, dirs, files in os.walk(source_folder):
        here = Path(folder)
        target = mirror / here.relative_to(source_folder)
        target.mkdir(parents=True, exist_ok=True)
        for d in list(dirs):
            if d in _SKIP:
                dirs.remove(d)
            elif d == ".terraform":
                if not (target / d).exists():
                    (target / d).symlink_to(here / d, target_is_directory=True)
                dirs.remove(d)
        if not recursive:
            dirs[:] = []
        for name in files:
            source = here / name
            if source in skip or (target / name).exists():
                continue
            if name.endswith(".tf"):
                try:
                    text = source.read_text(encoding="utf-8", errors="replace")
                except OSError:
                    continue
                (target / name).write_text(substitute(text, values), encoding="utf-8")
            else:
                (target / name).symlink_to(source)
