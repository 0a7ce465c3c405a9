"""Where the values of a root's input variables come from, as Terraform reads them, and the blocks that
configure a root without being resources (provider, backend).

Terraform loads, later ones winning: each variable's `default`, the `TF_VAR_<name>` environment variables,
`terraform.tfvars`, `terraform.tfvars.json`, every `*.auto.tfvars` / `*.auto.tfvars.json` of the root
folder in lexical order of their names, then the `-var-file`s in the order given ("Variable Definition
Precedence" in the Terraform documentation on input variables).
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ringfence.model import Provenance, Resource
from ringfence.sources.terraform.hcl import comments_for, top_level_blocks
from ringfence.sources.terraform.mirror import TFVARS_AUTO, TFVARS_FIRST, not_a_file
from ringfence.sources.terraform.roots import module_calls, tf_files

if TYPE_CHECKING:
    from ringfence.sources.terraform.loader import RootLoad


def auto_var_files(root: Path) -> tuple[Path, ...]:
    """The variable files Terraform loads from ``root`` without being told, in the order it loads them."""
    if not root.is_dir():
        return ()
    try:
        names = sorted(entry.name for entry in root.iterdir())
    except OSError:
        return ()
    first = [name for name in TFVARS_FIRST if name in names]
    auto = [name for name in names if name.endswith(TFVARS_AUTO)]
    return tuple(root / name for name in (*first, *auto) if not_a_file(root / name) is None)


ENVIRONMENT_PREFIX = "TF_VAR_"


@dataclass(frozen=True, slots=True)
class Environment:
    """The root's variables set by ``TF_VAR_<name>`` environment variables: ``values`` each as a line of a
    variable file (name, line), ``invalid`` the names whose value is not one of the variable's type."""

    values: tuple[tuple[str, str], ...] = ()
    invalid: tuple[str, ...] = ()

    def text(self) -> str:
        """The values as a variable file."""
        return "".join(f"{line}\n" for _, line in self.values)


_TYPE = re.compile(r"(?:^|\{)\s*type\s*=\s*([^\n#]*?)\s*(?:[#}]|$)", re.MULTILINE)


def environment(root: Path, env: Mapping[str, str] | None = None) -> Environment:
    """The values ``TF_VAR_<name>`` environment variables give the root's variables, as Terraform reads
    them: the text itself for a variable of type string (or of no type), an HCL expression for any
    other type (a value that does not parse as one is ``invalid``: Terraform would refuse it)."""
    from ringfence.sources.terraform import syntax

    env = os.environ if env is None else env
    if not any(key.startswith(ENVIRONMENT_PREFIX) for key in env):
        return Environment()
    values: list[tuple[str, str]] = []
    invalid: list[str] = []
    for file in tf_files(root.resolve()):
        try:
            text = file.read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        for block in top_level_blocks(text):
            if block.type != "variable" or not block.labels:
                continue
            name = block.labels[0]
            value = env.get(ENVIRONMENT_PREFIX + name)
            if value is None:
                continue
            declared = _TYPE.search(block.text)
            kind = declared.group(1).strip() if declared else ""
            if kind in ("", "string"):
                values.append((name, f"{name} = {_hcl_string(value)}"))
            elif _literal(value) and syntax.check(f"{name} = {value}\n", variables=True) is None:
                values.append((name, f"{name} = {value}"))
            else:
                invalid.append(name)
    return Environment(tuple(sorted(values)), tuple(sorted(invalid)))


_STRING = re.compile(r'"(?:[^"\\\n]|\\.)*"')
_NAME = re.compile(r"(?<![\w.])[A-Za-z_][\w-]*(?!\s*[=:\w-])")


def _literal(value: str) -> bool:
    """Whether ``value`` is one line of literal values (numbers, strings, lists, maps): a variable value
    cannot refer to anything nor call a function."""
    if "\n" in value or "${" in value or "%{" in value:
        return False
    names = _NAME.findall(_STRING.sub('""', value))
    return all(name in ("true", "false", "null") for name in names)


def _hcl_string(value: str) -> str:
    """``value`` as an HCL string literal that means the text itself (no interpolation, no directive)."""
    escaped = (
        value.replace("\\", "\\\\")
        .replace('"', '\\"')
        .replace("\n", "\\n")
        .replace("\r", "\\r")
        .replace("\t", "\\t")
        .replace("${", "$${")
        .replace("%{", "%%{")
    )
    return f'"{escaped}"'


def settings(loads: Sequence[RootLoad], base: Path, var_files: Sequence[Path]) -> tuple[Resource, ...]:
    """The blocks of every root that configure it without being resources (provider and backend blocks),
    and the places its variables take values from (defaults in its modules, variable files in the order
    Terraform reads them), as :class:`Resource` values located at their file and line."""
    out: list[Resource] = []
    files = _Lines()
    for load in loads:
        prefix = f"{load.label}:" if len(loads) > 1 and load.label else ""
        for provider in load.providers:
            out.append(_provider(provider, prefix, load.label, base, files))
        folders = module_folders(load.root.resolve())
        for file in tf_files(load.root.resolve()):
            out += _backends(file, prefix, load.label, base, files)
        for folder in folders:
            for file in tf_files(folder):
                out += _defaults(file, prefix, load.label, base, files)
        for var_file in (*auto_var_files(load.root), *var_files):
            lines = files.of(var_file)
            if lines:
                out.append(
                    Resource(
                        address=f"{prefix}{var_file.name}",
                        kind="tfvars",
                        attributes={"lines": _assignments(lines, json=var_file.name.endswith(".json"))},
                        provenance=Provenance("terraform", _relative(var_file, base), 1, len(lines)),
                        root=load.label,
                    )
                )
    return tuple(out)


def assigned(var_file: Path) -> tuple[str, ...]:
    """The variables a variable file sets, read from the names that start its top-level lines (so a file
    that does not parse still tells them)."""
    lines = _Lines().of(var_file)
    if var_file.name.endswith(".json"):
        import json

        try:
            data = json.loads("\n".join(lines))
        except (ValueError, RecursionError):
            data = None
        if isinstance(data, dict):
            return tuple(str(name) for name in data)
        return _json_keys("\n".join(lines))
    found = _assignments(lines, json=False)
    return tuple(dict.fromkeys(name for _, name, _ in found if name))


_JSON_TOKEN = re.compile(r'"((?:[^"\\\n]|\\.)*)"\s*(:?)|[{\[]|[}\]]')


def _json_keys(text: str) -> tuple[str, ...]:
    """The keys of the top-level object of JSON text that may not parse (strings followed by a colon
    one level deep)."""
    depth = 0
    found: list[str] = []
    for token in _JSON_TOKEN.finditer(text):
        opening = token.group(0)
        if opening in ("{", "["):
            depth += 1
        elif opening in ("}", "]"):
            depth -= 1
        elif depth == 1 and token.group(2):
            found.append(token.group(1))
    return tuple(dict.fromkeys(found))


class _Lines:
    """The lines of the files read for settings, each read once (a file that cannot be read has none)."""

    def __init__(self) -> None:
        self._lines: dict[Path, list[str]] = {}

    def of(self, file: Path) -> list[str]:
        key = file.resolve()
        if key not in self._lines:
            try:
                self._lines[key] = (
                    [] if not_a_file(key) else key.read_text(encoding="utf-8", errors="replace").splitlines()
                )
            except OSError:
                self._lines[key] = []
        return self._lines[key]


def _relative(file: Path, base: Path) -> str:
    return Path(os.path.relpath(file.resolve(), base.resolve())).as_posix()


def module_folders(root: Path) -> list[Path]:
    """The root and every local module folder it calls, recursively, each once."""
    found: list[Path] = []
    pending = [root]
    while pending:
        folder = pending.pop()
        if folder in found or not folder.is_dir():
            continue
        found.append(folder)
        pending += [(folder / c.source).resolve() for c in module_calls(folder) if c.is_local]
    return found


def _provider(block: Mapping[str, object], prefix: str, label: str, base: Path, files: _Lines) -> Resource:
    name = str(block.get("__name") or "unknown")
    alias = block.get("alias")
    path = block.get("__path")
    line = block.get("__line")
    end = block.get("__end_line")
    start = line if isinstance(line, int) else None
    stop = end if isinstance(end, int) else start
    lines = files.of(base / path) if isinstance(path, str) else []
    return Resource(
        address=f"{prefix}provider.{name}" + (f".{alias}" if isinstance(alias, str) and alias else ""),
        kind=f"provider.{name}",
        attributes={k: v for k, v in block.items() if not k.startswith("__") and k != "id"},
        provenance=Provenance("terraform", path if isinstance(path, str) else None, start, stop),
        annotations=comments_for(lines, start, stop or start) if lines and start else (),
        root=label,
    )


_LITERAL_ARGUMENT = re.compile(r'^\s*([A-Za-z_][\w-]*)\s*=\s*"((?:[^"\\]|\\.)*)"\s*(?:(?:#|//).*)?$')


def _backends(file: Path, prefix: str, label: str, base: Path, files: _Lines) -> list[Resource]:
    """`backend` blocks of the file's `terraform` blocks, with their literal arguments (a backend block
    cannot refer to variables: what it holds is written there)."""
    lines = files.of(file)
    out: list[Resource] = []
    for block in top_level_blocks("\n".join(lines)):
        if block.type != "terraform":
            continue
        inner = "\n".join(lines[block.start : block.end - 1])
        for nested in top_level_blocks(inner):
            if nested.type != "backend" or not nested.labels:
                continue
            start, end = block.start + nested.start, block.start + nested.end
            arguments = {
                m.group(1): _unescaped(m.group(2))
                for text in lines[start : end - 1]
                if (m := _LITERAL_ARGUMENT.match(text))
            }
            out.append(
                Resource(
                    address=f"{prefix}terraform.backend.{nested.labels[0]}",
                    kind=f"backend.{nested.labels[0]}",
                    attributes=arguments,
                    provenance=Provenance("terraform", _relative(file, base), start, end),
                    annotations=comments_for(lines, start, end),
                    root=label,
                )
            )
    return out


_DEFAULT = re.compile(r"^\s*default\s*=")
_SENSITIVE = re.compile(r"^\s*sensitive\s*=\s*true\b")


def _defaults(file: Path, prefix: str, label: str, base: Path, files: _Lines) -> list[Resource]:
    """The `default` of each variable declared in the file, from its line to the end of the block."""
    lines = files.of(file)
    out: list[Resource] = []
    for block in top_level_blocks("\n".join(lines)):
        if block.type != "variable" or not block.labels:
            continue
        body = list(enumerate(lines[block.start - 1 : block.end], start=block.start))
        first = next((n for n, text in body if _DEFAULT.match(text)), None)
        if first is None:
            continue
        name = block.labels[0]
        out.append(
            Resource(
                address=f"{prefix}var.{name}",
                kind="variable",
                attributes={
                    "lines": tuple((n, name, _unescaped(text)) for n, text in body if n >= first),
                    "sensitive": any(_SENSITIVE.match(text) for _, text in body),
                },
                provenance=Provenance("terraform", _relative(file, base), first, block.end),
                annotations=comments_for(lines, block.start, block.end),
                root=label,
            )
        )
    return out


_TOP_NAME = re.compile(r'^"?([A-Za-z_][\w-]*)"?\s*[=:]')
_JSON_TOP_NAME = re.compile(r'^\s{0,4}"([A-Za-z_][\w-]*)"\s*:')


def _assignments(lines: list[str], *, json: bool) -> tuple[tuple[int, str, str], ...]:
    """(line, the variable it assigns, its text with string escapes read) for each line of a variable
    file. A top-level assignment starts at the margin (as `terraform fmt` writes it)."""
    out: list[tuple[int, str, str]] = []
    name = ""
    for number, text in enumerate(lines, start=1):
        found = (_JSON_TOP_NAME if json else _TOP_NAME).match(text)
        if found:
            name = found.group(1)
        out.append((number, name, _unescaped(text)))
    return tuple(out)


_ESCAPE = re.compile(r"\\([\\\"/nrt])")
_ESCAPED = {"n": "\n", "r": "\r", "t": "\t"}


def _unescaped(text: str) -> str:
    """A line with the string escapes of HCL and JSON read (`\\"`, `\\\\`, `\\/`): a value is matched
    as it was meant, not as it had to be written."""
    return _ESCAPE.sub(lambda m: _ESCAPED.get(m.group(1), m.group(1)), text) if "\\" in text else text
