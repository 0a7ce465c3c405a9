"""Input variables with no value, and what depends on them.

tfparse evaluates a variable that has no value (no default, set by no variable file) as nothing: a
``for_each`` over it yields no instance, a ``count`` one, and a condition over it null, all without a word.
A variable set by a variable file that does not parse is not known either (Terraform would refuse to run).
So the root's variables with no value are found here from the source text, followed through locals, module
inputs and module outputs: a ``count``/``for_each`` over one is an input error at its block (what it
creates is unknown), and an argument of a resource that depends on one is :class:`Unknown`.
"""

from __future__ import annotations

import dataclasses
import functools
import re
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ringfence.model import Ref, Resource, Unknown
from ringfence.sources.terraform.hcl import Block, items, top_level_blocks
from ringfence.sources.terraform.roots import module_calls, tf_files
from ringfence.sources.terraform.variables import assigned

_REFERENCE = re.compile(
    r"(?<![\w.])((?:var|local)\.[A-Za-z_][\w-]*|module\.[A-Za-z_][\w-]*(?:\[[^\]]*\])?\.[A-Za-z_][\w-]*)"
)
_STRING_OR_COMMENT = re.compile(r'"(?:[^"\\\n]|\\.)*"|(?:#|//)[^\n]*|/\*.*?\*/', re.DOTALL)
_INSTANCE = re.compile(r"\[[^\]]*\]")
_PLAIN_REFERENCE = re.compile(
    r"((?!(?:var|local|module|data|each|count|path)\.)[A-Za-z_][\w-]*\.[A-Za-z_][\w-]*)\.([A-Za-z_]\w*)"
)
_CALL_META = frozenset({"source", "version", "count", "for_each", "providers", "depends_on"})
_EXPANSIONS = ("for_each", "count")
_MAX_DEPTH = 40

NO_VALUE = "has no value (no default, no tfvars, no --var-file)"


@dataclass(frozen=True, slots=True)
class Missing:
    """Why a name of a module's scope (``var.x``, ``local.y``, ``module.m.out``) has no value: the variable
    it comes from, and what is wrong with that one."""

    origin: str
    why: str

    def of(self, name: str) -> str:
        """``name`` and why it has no value, for a message."""
        if name == self.origin:
            return f"{name}, which {self.why}"
        return f"{name}, from {self.origin}, which {self.why}"


Scope = Mapping[str, Missing]


@dataclass(frozen=True, slots=True)
class Expansion:
    """A block whose ``count``/``for_each`` depends on a name with no value."""

    file: Path
    line: int
    address: str  # without instance keys: `module.net.aws_subnet.private`
    argument: str  # count or for_each
    name: str
    missing: Missing

    def message(self) -> str:
        return (
            f"{self.address}: {self.argument} over {self.missing.of(self.name)}; what it creates is unknown"
        )


@dataclass(frozen=True, slots=True)
class Review:
    scopes: Mapping[str, Scope]  # module key ("" for the root, `net`, `net.subnets`) -> its names
    expansions: tuple[Expansion, ...]


def review(root: Path, inputs: Scope, downloaded: Mapping[str, Path]) -> Review:
    """The names with no value in the root (whose variables ``inputs`` have none) and in each module it
    calls (local ones, and those of ``downloaded``: module key -> folder), and the blocks whose expansion
    depends on one."""
    scopes: dict[str, Scope] = {}
    expansions: list[Expansion] = []

    def visit(folder: Path, key: str, given: Scope, chain: tuple[Path, ...]) -> Scope:
        prefix = "".join(f"module.{part}." for part in key.split(".")) if key else ""
        names = _with_locals(folder, dict(given))

        def unknown_expansions(kind: str, skip: Collection[str] = ()) -> set[str]:
            found: set[str] = set()
            for file, block in _blocks(folder):
                if block.type != kind or not block.labels or block.labels[0] in skip:
                    continue
                hit = _expansion(block, names)
                if hit is not None:
                    argument, name = hit
                    address = f"module.{block.labels[0]}" if kind == "module" else ".".join(block.labels[:2])
                    expansions.append(
                        Expansion(file, block.start, prefix + address, argument, name, names[name])
                    )
                    found.add(block.labels[0])
            return found

        # A module call whose expansion is not known is not evaluated: what is in it is not looked at.
        blocked = unknown_expansions("module")
        if len(chain) < _MAX_DEPTH:
            outputs: dict[str, Missing] = {}
            for call in module_calls(folder):
                here = f"{key}.{call.name}" if key else call.name
                target = (folder / call.source).resolve() if call.is_local else downloaded.get(here)
                if (
                    call.name in blocked
                    or target is None
                    or not target.is_dir()
                    or target in (*chain, folder)
                ):
                    continue
                head = next((b for f, b in _blocks(folder) if f == call.file and b.start == call.start), None)
                arguments = _arguments(head) if head else {}
                inner = visit(target, here, _inputs_of(target, call.name, arguments, names), (*chain, folder))
                for name, missing in _outputs(target, inner) if inner else ():
                    outputs[f"module.{call.name}.{name}"] = missing
            if outputs:  # locals and other calls may read the outputs of the modules the folder calls
                names = _with_locals(folder, {**outputs, **names})
                unknown_expansions("module", skip=blocked)
        unknown_expansions("resource")
        scopes[key] = names
        return names

    visit(root.resolve(), "", inputs, ())
    return Review(scopes, tuple(sorted(expansions, key=lambda e: (str(e.file), e.line, e.address))))


def unknown_arguments(resources: Iterable[Resource], found: Review, base: Path) -> tuple[Resource, ...]:
    """The resources with each argument (or nested block) whose expression depends on a name with no
    value made :class:`Unknown`, naming it.

    An argument that is only a reference to such a resource (``bucket = aws_s3_bucket.site.id``) was
    evaluated from the value the name does not have: it becomes a reference to that resource, so that
    what it configures is still known."""
    out: dict[str, Resource] = {}
    blocks: dict[str, Block] = {}
    changed: set[str] = set()  # without instance keys
    files = _Files(base)
    for resource in resources:
        out[resource.address] = resource
        scope = found.scopes.get(_module_key(resource.address))
        block = files.block_of(resource) if scope else None
        if not scope or block is None:
            continue
        blocks[resource.address] = block
        if not _mentions(block.text, scope):
            continue
        attributes = _marked(resource.attributes, block, scope)
        if attributes != resource.attributes:
            out[resource.address] = dataclasses.replace(resource, attributes=attributes)
            changed.add(_INSTANCE.sub("", resource.address))
    for address, block in blocks.items() if changed else ():
        resource = out[address]
        prefix = _module_prefix(address)
        attributes = dict(resource.attributes)
        for item in items(block):
            target = _PLAIN_REFERENCE.fullmatch(item.text)
            if target is None or not isinstance(attributes.get(item.name), str):
                continue
            referenced = prefix + target.group(1)
            if _INSTANCE.sub("", referenced) in changed and referenced in out:
                attributes[item.name] = Ref(referenced, target.group(2))
        if attributes != resource.attributes:
            out[address] = dataclasses.replace(resource, attributes=attributes)
    return tuple(out.values())


def root_inputs(root: Path, var_files: Sequence[Path], unreadable: Collection[Path]) -> dict[str, Missing]:
    """The root's variables with no value: declared without a default and set by none of ``var_files``
    (in the order Terraform reads them) that can be read; or set last by one of ``unreadable`` (a file
    that does not parse: Terraform would not run, and what it says is not known)."""
    out: dict[str, Missing] = {}
    last: dict[str, Path] = {}
    for file in var_files:
        for name in assigned(file):
            last[name] = file
    for name, has_default in declared(root).items():
        where = last.get(name)
        if where is not None and where in unreadable:
            out[f"var.{name}"] = Missing(
                f"var.{name}", f"is set in {where.name}, a file that could not be read"
            )
        elif where is None and not has_default:
            out[f"var.{name}"] = Missing(f"var.{name}", NO_VALUE)
    return out


# -- reading the source ------------------------------------------------------------------------------------


_DEFAULT = re.compile(r"^\s*default\s*=", re.MULTILINE)


def declared(folder: Path) -> dict[str, bool]:
    """The variables declared in the folder's files, each with whether it has a default."""
    return {
        block.labels[0]: bool(_DEFAULT.search(block.text))
        for _, block in _blocks(folder)
        if block.type == "variable" and block.labels
    }


def _blocks(folder: Path) -> tuple[tuple[Path, Block], ...]:
    return _blocks_as_now(folder, tuple(_stamp(f) for f in tf_files(folder)))


def _stamp(file: Path) -> tuple[str, int, int]:
    try:
        stat = file.stat()
    except OSError:
        return (file.name, -1, -1)
    return (file.name, stat.st_size, stat.st_mtime_ns)


@functools.lru_cache(maxsize=256)
def _blocks_as_now(folder: Path, stamp: tuple[tuple[str, int, int], ...]) -> tuple[tuple[Path, Block], ...]:
    """The top-level blocks of the folder's .tf files as they are now (``stamp``: names, sizes, times)."""
    out: list[tuple[Path, Block]] = []
    for name, _size, _time in stamp:
        file = folder / name
        try:
            text = file.read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        out += [(file, block) for block in top_level_blocks(text)]
    return tuple(out)


def _references(text: str) -> list[str]:
    """``var.x``, ``local.y`` and ``module.m.out`` named in an expression (interpolations included,
    comments not)."""
    if "var." not in text and "local." not in text and "module." not in text:
        return []
    code = _STRING_OR_COMMENT.sub(lambda m: m.group(0) if m.group(0).startswith('"') else "", text)
    return [_INSTANCE.sub("", r) for r in _REFERENCE.findall(code)]


def _first_missing(text: str, names: Scope) -> tuple[str, Missing] | None:
    for name in _references(text):
        if name in names:
            return name, names[name]
    return None


def _mentions(text: str, names: Scope) -> bool:
    return any(name.split(".", 1)[1] in text for name in names)


def _with_locals(folder: Path, names: dict[str, Missing]) -> dict[str, Missing]:
    """``names`` with the folder's locals that depend on one of them."""
    if not names:
        return names
    expressions = {
        f"local.{item.name}": item.text
        for _, block in _blocks(folder)
        if block.type == "locals"
        for item in items(block)
        if not item.is_block
    }
    changed = bool(names)
    while changed:
        changed = False
        for local, text in expressions.items():
            if local in names:
                continue
            hit = _first_missing(text, names)
            if hit is not None:
                names[local] = hit[1]
                changed = True
    return names


def _expansion(block: Block, names: Scope) -> tuple[str, str] | None:
    if not names or not any(word in block.text for word in _EXPANSIONS):
        return None
    for item in items(block):
        if item.name in _EXPANSIONS and not item.is_block:
            hit = _first_missing(item.text, names)
            if hit is not None:
                return item.name, hit[0]
    return None


_ARGUMENT_NAME = re.compile(r"^\s*([A-Za-z_][\w-]*)\s*=(?![=>])", re.MULTILINE)


def _arguments(call: Block) -> dict[str, str]:
    """A module call's arguments with their expressions (only the names, for a call that reads nothing
    of its caller's scope)."""
    if "var." in call.text or "local." in call.text or "module." in call.text:
        return {i.name: i.text for i in items(call) if not i.is_block}
    return dict.fromkeys(_ARGUMENT_NAME.findall(call.text), "")


def _inputs_of(folder: Path, call: str, arguments: Mapping[str, str], caller: Scope) -> dict[str, Missing]:
    """The variables of the module at ``folder`` that its call leaves without a value: set from a name
    with none, or not set and without a default."""
    out: dict[str, Missing] = {}
    for name, has_default in declared(folder).items():
        if name in arguments and name not in _CALL_META:
            hit = _first_missing(arguments[name], caller) if caller else None
            if hit is not None:
                out[f"var.{name}"] = hit[1]
        elif not has_default:
            out[f"var.{name}"] = Missing(
                f"var.{name}", f"has no value (no default, and the call of module.{call} does not set it)"
            )
    return out


def _outputs(folder: Path, names: Scope) -> list[tuple[str, Missing]]:
    out: list[tuple[str, Missing]] = []
    for _, block in _blocks(folder):
        if block.type != "output" or not block.labels:
            continue
        value = next((i for i in items(block) if i.name == "value" and not i.is_block), None)
        hit = _first_missing(value.text, names) if value is not None else None
        if hit is not None:
            out.append((block.labels[0], hit[1]))
    return out


def _module_key(address: str) -> str:
    """``module.a[0].module.b.aws_x.y`` -> ``a.b``"""
    parts = _INSTANCE.sub("", address).split(".")
    key: list[str] = []
    while len(parts) > 2 and parts[0] == "module":
        key.append(parts[1])
        parts = parts[2:]
    return ".".join(key)


def _module_prefix(address: str) -> str:
    """``module.a[0].module.b.aws_x.y`` -> ``module.a[0].module.b.``"""
    parts = address.split(".")
    prefix: list[str] = []
    while len(parts) > 2 and parts[0] == "module":
        prefix += parts[:2]
        parts = parts[2:]
    return ".".join(prefix) + "." if prefix else ""


def _marked(values: Mapping[str, Any], block: Block, scope: Scope) -> dict[str, Any]:
    """``values`` (a block's, as evaluated) with each argument whose expression depends on a name with no
    value made Unknown, nested blocks followed (each in the order written). A value the evaluation already
    left unknown somewhere is kept as it is: it says where."""
    out = dict(values)
    nested: dict[str, list[Block]] = {}
    for item in items(block):
        if item.name in _EXPANSIONS and item.text and not item.is_block:
            continue
        hit = _first_missing(item.text, scope)
        if hit is None:
            continue
        if item.is_block and not item.text.lstrip().startswith("dynamic"):
            lines = item.text.splitlines()
            head = Block(item.name, (), item.line, item.line + len(lines) - 1, item.text)
            nested.setdefault(item.name, []).append(head)
        elif not _holds_unknown(out.get(item.name)):
            out[item.name] = Unknown(f"depends on {hit[1].of(hit[0])}")
    for name, written in nested.items():
        value = out.get(name)
        entries = value if isinstance(value, list) else [value]
        if len(entries) != len(written) or not all(isinstance(e, Mapping) for e in entries):
            if not _holds_unknown(value):
                out[name] = Unknown(f"{name} depends on a variable with no value")
            continue
        marked = [_marked(e, b, scope) for e, b in zip(entries, written, strict=True)]
        out[name] = marked if isinstance(value, list) else marked[0]
    return out


def _holds_unknown(value: Any) -> bool:
    if isinstance(value, Unknown):
        return True
    if isinstance(value, Mapping):
        return any(_holds_unknown(v) for v in value.values())
    if isinstance(value, list):
        return any(_holds_unknown(v) for v in value)
    return False


class _Files:
    """The top-level blocks of the files resources come from, each file read once."""

    def __init__(self, base: Path) -> None:
        self.base = base
        self._blocks: dict[str, dict[int, Block]] = {}

    def block_of(self, resource: Resource) -> Block | None:
        where = resource.provenance
        if not where.path or not where.line:
            return None
        if where.path not in self._blocks:
            try:
                text = (self.base / where.path).read_text(encoding="utf-8", errors="replace")
            except OSError:
                text = ""
            self._blocks[where.path] = {b.start: b for b in top_level_blocks(text)}
        return self._blocks[where.path].get(where.line)
