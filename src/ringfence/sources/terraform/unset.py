"""Input variables with no value, and what depends on them.

tfparse evaluates a variable that has no value (no default, set by no variable file) as nothing: a
``for_each`` over it yields no instance, a ``count`` one, and a condition over it null, all without a word.
A variable set by a variable file that does not parse is not known either (Terraform would refuse to run).
So the root's variables with no value are found here from the source text, followed through locals, module
inputs and module outputs: a ``count``/``for_each`` over one is an input error at its block (what it
creates is unknown), and an argument of a resource that depends on one is :class:`Unknown`.

The same holds for a ``count``/``for_each`` (and a ``dynamic`` block's ``for_each``) over a value that is
not known before apply, followed the same way: a data source's attribute (read from the provider at plan
time), a resource's attribute its block does not set (computed at apply), or a module output (tfparse
does not expand over one: a ``for_each`` over it yields nothing, a ``count`` one instance). tfparse
expands such a block as if it were empty or one; here its instances (or, when it has none, one placeholder
where it is declared) are not evaluated, and the block is an input error that ``--fail-on-unknown``
counts.
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
from ringfence.sources.terraform import bounds
from ringfence.sources.terraform.hcl import Block, items, top_level_blocks
from ringfence.sources.terraform.roots import module_calls, tf_files
from ringfence.sources.terraform.variables import ENVIRONMENT_PREFIX, Environment, assigned

_REFERENCE = re.compile(
    r"(?<![\w.])((?:var|local)\.[A-Za-z_][\w-]*|module\.[A-Za-z_][\w-]*(?:\[[^\]]*\])?\.[A-Za-z_][\w-]*)"
)
_STRING_OR_COMMENT = re.compile(r'"(?:[^"\\\n]|\\.)*"|(?:#|//)[^\n]*|/\*.*?\*/', re.DOTALL)
_INSTANCE = re.compile(r"\[[^\]]*\]")
_PLAIN_REFERENCE = re.compile(
    r"((?!(?:var|local|module|data|each|count|path)\.)[A-Za-z_][\w-]*\.[A-Za-z_][\w-]*)\.([A-Za-z_]\w*)"
)
# A reference as tfparse cannot know it before apply: `data.T.N.a`, `T.N.a`, `module.m.out` (instance keys
# allowed), and the names of a module's scope.
_LATE_REFERENCE = re.compile(
    r"(?<![\w.])((?:var|local)\.[A-Za-z_][\w-]*"
    r"|(?:data\.)?[A-Za-z_][\w-]*\.[A-Za-z_][\w-]*(?:\[[^\]]*\])?\.[A-Za-z_][\w-]*)"
)
_CALL_META = frozenset({"source", "version", "count", "for_each", "providers", "depends_on"})
_EXPANSIONS = ("for_each", "count")
_MAX_DEPTH = 40

NO_VALUE = "has no value (no default, no tfvars, no --var-file, no TF_VAR_ environment variable)"
FROM_PROVIDER = "is read from the provider at plan time"
AFTER_APPLY = "is known only after apply"
# tfparse does not expand the count or for_each of a block (or call) over an output of a module called
# beside it. It passes an output on to the input of another call evaluated after the one that makes it
# (calls of one module are evaluated in the order of their names), not before: there the input is unknown.
MODULE_OUTPUT = "is a module output (the evaluator does not expand count or for_each over one)"


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
    """A block whose ``count``/``for_each`` depends on a name with no value, or not known before apply."""

    file: Path
    line: int
    address: str  # without instance keys: `module.net.aws_subnet.private`
    argument: str  # count or for_each
    name: str
    missing: Missing
    # The resource and data blocks it declares (a module call: those of the module), each not evaluated.
    blocks: tuple[bounds.SetAside, ...] = ()

    def message(self) -> str:
        return (
            f"{self.address}: {self.argument} over {self.missing.of(self.name)}; what it creates is unknown"
        )

    def reason(self) -> str:
        """Why what it declares is not evaluated, for each of its resources."""
        return f"{self.argument} is not known before apply: over {self.missing.of(self.name)}"


@dataclass(frozen=True, slots=True)
class Review:
    scopes: Mapping[str, Scope]  # module key ("" for the root, `net`, `net.subnets`) -> its names
    expansions: tuple[Expansion, ...]
    # module key -> the names of its scope (and references) whose value is not known before apply
    late: Mapping[str, Scope] = dataclasses.field(default_factory=dict)


def review(
    root: Path,
    inputs: Scope,
    downloaded: Mapping[str, Path],
    known: Collection[tuple[str, str]] = frozenset(),
) -> Review:
    """The names with no value in the root (whose variables ``inputs`` have none) and in each module it
    calls (local ones, and those of ``downloaded``: module key -> folder), the names not known before
    apply (``known``: the data source attributes the scan fixes, as (type, attribute)), and the blocks
    whose expansion depends on one."""
    scopes: dict[str, Scope] = {}
    late_scopes: dict[str, Scope] = {}
    expansions: list[Expansion] = []
    fixed = frozenset(known)

    def visit(
        folder: Path, key: str, given: Scope, given_late: Scope, chain: tuple[Path, ...]
    ) -> tuple[Scope, Scope]:
        prefix = "".join(f"module.{part}." for part in key.split(".")) if key else ""
        names = _with_locals(folder, dict(given))
        seeds = _late_references(folder, fixed)
        late = _with_locals(folder, {**seeds, **given_late}, wide=True)

        def unknown_expansions(kind: str, skip: Collection[str] = ()) -> set[str]:
            found: set[str] = set()
            for file, block in _blocks(folder):
                if block.type != kind or not block.labels or block.labels[0] in skip:
                    continue
                hit, scope = _expansion(block, names), names
                if hit is None:
                    hit, scope = _expansion(block, late, wide=True), late
                if hit is not None:
                    argument, name = hit
                    if kind == "module":
                        address = f"module.{block.labels[0]}"
                        call = next((c for c in module_calls(folder) if c.name == block.labels[0]), None)
                        target = (folder / call.source).resolve() if call and call.is_local else None
                        declared_here = (
                            bounds.declared_blocks(target, f"{prefix}{address}.", (*chain, folder))
                            if target is not None
                            else ()
                        )
                    else:
                        address = ".".join(block.labels[:2])
                        declared_here = bounds.declared_block(file, block, prefix)
                    expansions.append(
                        Expansion(
                            file, block.start, prefix + address, argument, name, scope[name], declared_here
                        )
                    )
                    found.add(block.labels[0])
            return found

        # A module call whose expansion is not known is not evaluated: what is in it is not looked at.
        blocked = unknown_expansions("module")
        if len(chain) < _MAX_DEPTH:
            outputs: dict[str, Missing] = {}
            late_outputs: dict[str, Missing] = {}
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
                written = {i.name: i.text for i in items(head) if not i.is_block} if head else {}
                inner, inner_late = visit(
                    target,
                    here,
                    _inputs_of(target, call.name, arguments, names),
                    _late_inputs(written, late, call.name),
                    (*chain, folder),
                )
                for name, missing in _outputs(target, inner) if inner else ():
                    outputs[f"module.{call.name}.{name}"] = missing
                for name, missing in _outputs(target, inner_late, wide=True) if inner_late else ():
                    late_outputs[f"module.{call.name}.{name}"] = missing
            if outputs:  # locals and other calls may read the outputs of the modules the folder calls
                names = _with_locals(folder, {**outputs, **names})
            if outputs or late_outputs:
                # An output known to depend on a value not known before apply says which one.
                late = _with_locals(folder, {**seeds, **late_outputs, **given_late}, wide=True)
                unknown_expansions("module", skip=blocked)
        unknown_expansions("resource")
        scopes[key] = names
        late_scopes[key] = late
        return names, late

    visit(root.resolve(), "", inputs, {}, ())
    return Review(
        scopes,
        tuple(sorted(expansions, key=lambda e: (str(e.file), e.line, e.address))),
        {key: scope for key, scope in late_scopes.items() if scope},
    )


def not_evaluated(resources: Iterable[Resource], found: Review, base: Path) -> tuple[Resource, ...]:
    """The resources with those of each block whose expansion is not known made not evaluated, naming
    why; a block with no instance (tfparse expands a ``for_each`` over an unknown to nothing) is kept as
    one placeholder where it is declared."""
    if not found.expansions:
        return tuple(resources)
    from ringfence.sources.terraform.evaluation import placeholder

    out = {r.address: r for r in resources}
    plain: dict[str, list[str]] = {}
    for address in out:
        plain.setdefault(_INSTANCE.sub("", address), []).append(address)
    for expansion in found.expansions:
        reason = expansion.reason()
        if expansion.address.split(".")[-2] == "module":  # a module call: everything in it
            head = expansion.address + "."
            hits = [a for p, addresses in plain.items() if p.startswith(head) for a in addresses]
            blocks = expansion.blocks
        else:
            hits = plain.get(expansion.address, [])
            blocks = expansion.blocks if not hits else ()
        for address in hits:
            out[address] = dataclasses.replace(out[address], unevaluated=reason)
        for block in blocks:
            if not plain.get(block.address):
                out[block.address] = placeholder(block, base, reason)
    return tuple(out.values())


def unknown_arguments(resources: Iterable[Resource], found: Review, base: Path) -> tuple[Resource, ...]:
    """The resources with each argument (or nested block) whose expression depends on a name with no
    value made :class:`Unknown`, naming it; and the blocks of each ``dynamic`` block whose ``for_each``
    is not known before apply (which blocks there will be is not known).

    An argument that is only a reference to such a resource (``bucket = aws_s3_bucket.site.id``) was
    evaluated from the value the name does not have: it becomes a reference to that resource, so that
    what it configures is still known."""
    out: dict[str, Resource] = {}
    blocks: dict[str, Block] = {}
    changed: set[str] = set()  # without instance keys
    files = _Files(base)
    for resource in resources:
        out[resource.address] = resource
        key = _module_key(resource.address)
        scope, late = found.scopes.get(key), found.late.get(key)
        block = files.block_of(resource) if scope or late else None
        if block is None:
            continue
        blocks[resource.address] = block
        attributes = resource.attributes
        if scope and _mentions(block.text, scope):
            attributes = _marked(attributes, block, scope)
        if late and "dynamic" in block.text:
            attributes = _late_dynamic(attributes, block, late)
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


def root_inputs(
    root: Path,
    var_files: Sequence[Path],
    unreadable: Collection[Path],
    environment: Environment | None = None,
) -> dict[str, Missing]:
    """The root's variables with no value: declared without a default and set by none of ``var_files``
    (in the order Terraform reads them) that can be read nor by a ``TF_VAR_`` environment variable; or
    set last by one of ``unreadable`` (a file that does not parse: Terraform would not run, and what it
    says is not known) or by an environment variable whose value is not one of its type."""
    out: dict[str, Missing] = {}
    last: dict[str, Path] = {}
    for file in var_files:
        for name in assigned(file):
            last[name] = file
    env = environment or Environment()
    from_environment = {name for name, _ in env.values}
    for name, has_default in declared(root).items():
        where = last.get(name)
        if where is not None and where in unreadable:
            out[f"var.{name}"] = Missing(
                f"var.{name}", f"is set in {where.name}, a file that could not be read"
            )
        elif where is None and name in env.invalid:
            out[f"var.{name}"] = Missing(
                f"var.{name}", f"is set by {ENVIRONMENT_PREFIX}{name}, a value that is not one of its type"
            )
        elif where is None and not has_default and name not in from_environment:
            out[f"var.{name}"] = Missing(f"var.{name}", NO_VALUE)
    return out


# -- reading the source ------------------------------------------------------------------------------------


_DEFAULT = re.compile(r"(?:^|\{)\s*default\s*=", re.MULTILINE)


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


def _references(text: str, *, wide: bool = False) -> list[str]:
    """``var.x``, ``local.y`` and ``module.m.out`` named in an expression (interpolations included,
    comments not); ``wide``: also ``data.T.N.a`` and ``T.N.a``."""
    if not wide and "var." not in text and "local." not in text and "module." not in text:
        return []
    code = _STRING_OR_COMMENT.sub(lambda m: m.group(0) if m.group(0).startswith('"') else "", text)
    return [_INSTANCE.sub("", r) for r in (_LATE_REFERENCE if wide else _REFERENCE).findall(code)]


def _first_missing(
    text: str, names: Scope, *, wide: bool = False, count: bool = False
) -> tuple[str, Missing] | None:
    """The first name of ``names`` the expression reads; ``wide`` (names not known before apply): only
    where it decides the shape of the value (see :func:`_shape`; ``count``: how many elements it has)."""
    if not names:
        return None
    for name in _references(_shape(text, lists=count) if wide else text, wide=wide):
        if name in names:
            return name, names[name]
    return None


def _shape(text: str, *, lists: bool = False) -> str:
    """``text`` with what does not decide how many elements its value has, or which keys, blanked: the
    values of map and object constructors (``{ s3 = { policy = data.x.json } }``: two known keys) and of
    ``for`` expressions building a map (``{ for k, v in var.m : k => v.id }``). Their keys, collections
    and conditions are kept. A value that is not known there still has a known shape, as in Terraform.
    With ``lists``, the elements of list literals too (``length([aws_s3_bucket.a.id])`` is 1)."""
    out = list(text)
    stack: list[list[str]] = []  # per open bracket: [kind, state]; kinds `{` `for` `(` `"` `${`
    i, n = 0, len(text)

    def blanking() -> bool:
        return any(state == "value" for _, state in stack)

    while i < n:
        c = text[i]
        top = stack[-1] if stack else None
        if top is not None and top[0] == '"':  # in a string: only an interpolation opens anything
            if c == "\\":
                i += 1
            elif c == '"':
                stack.pop()
            elif text.startswith("${", i):
                stack.append(["${", "keep"])
                i += 1
        elif c == '"':
            stack.append(['"', "keep"])
        elif c == "{":
            rest = text[i + 1 : i + 8].lstrip()
            stack.append(["for", "head"] if re.match(r"for\b", rest) else ["{", "key"])
        elif c == "[" and lists and not re.match(r"\s*for\b", text[i + 1 : i + 8]):
            before = text[:i].rstrip()[-1:]
            stack.append(["[", "keep" if before and (before.isalnum() or before in "_-])") else "value"])
        elif c in "([":
            stack.append([c, "keep"])
        elif c in "})]":
            if stack:
                stack.pop()
        elif top is not None and top[0] == "{":
            if top[1] == "key" and (c == ":" or (c == "=" and text[i + 1 : i + 2] not in ("=", ">"))):
                top[1] = "value"
                out[i] = c
                i += 1
                continue
            if top[1] == "value" and c in ",\n":
                top[1] = "key"
        elif top is not None and top[0] == "for":
            if top[1] == "head" and text.startswith("=>", i):
                top[1] = "value"
                i += 2
                continue
            if top[1] == "value" and re.match(r"\bif\b", text[i : i + 3]) and not text[i - 1 : i].isalnum():
                top[1] = "condition"
        if blanking() and c not in '\n{}()[]"':
            out[i] = " "
        i += 1
    return "".join(out)


def _late_references(folder: Path, known: frozenset[tuple[str, str]]) -> dict[str, Missing]:
    """The references in the folder's expressions whose value is not known before apply: attributes of
    its data sources (but those the scan fixes, ``known``) and of its resources that their blocks do not
    set, and the outputs of the modules it calls."""
    return _late_as_now(folder, tuple(_stamp(f) for f in tf_files(folder)), known)


@functools.lru_cache(maxsize=256)
def _late_as_now(
    folder: Path, stamp: tuple[tuple[str, int, int], ...], known: frozenset[tuple[str, str]]
) -> dict[str, Missing]:
    blocks = _blocks_as_now(folder, stamp)
    written: dict[str, frozenset[str]] = {}  # `T.N` and `data.T.N` -> the arguments and blocks it sets
    calls: set[str] = set()
    for _, block in blocks:
        if block.type in ("resource", "data") and len(block.labels) >= 2:
            head = ".".join(block.labels[:2])
            written[head if block.type == "resource" else f"data.{head}"] = frozenset(
                i.name for i in items(block)
            )
        elif block.type == "module" and block.labels:
            calls.add(block.labels[0])
    found: dict[str, Missing] = {}
    for _, block in blocks:
        if block.type in ("resource", "data") and "for_each" not in block.text and "count" not in block.text:
            continue  # only what an expansion may read: locals, outputs, module calls, expansions
        if block.type not in ("resource", "data", "locals", "output", "module"):
            continue
        for name in _references(block.text, wide=True):
            if name in found or name.startswith(("var.", "local.")):
                continue
            parts = name.split(".")
            if parts[0] == "module":
                if parts[1] in calls:
                    found[name] = Missing(name, MODULE_OUTPUT)
            elif parts[0] == "data":
                head = ".".join(parts[:3])
                if head in written and parts[3] not in written[head] and (parts[1], parts[3]) not in known:
                    found[name] = Missing(name, FROM_PROVIDER)
            elif parts[0] not in ("each", "count", "self", "path", "terraform"):
                head = ".".join(parts[:2])
                if head in written and parts[2] not in written[head]:
                    found[name] = Missing(name, AFTER_APPLY)
    return found


def _late_inputs(arguments: Mapping[str, str], caller: Scope, call: str) -> dict[str, Missing]:
    """The variables of the module its call (named ``call``) sets from a value not known before apply. An
    output of a call evaluated before this one, passed as it is, is known (see ``MODULE_OUTPUT``)."""
    out: dict[str, Missing] = {}
    passed = {
        name: missing
        for name, missing in caller.items()
        if not (missing.why == MODULE_OUTPUT and missing.origin == name and name.split(".")[1] < call)
    }
    for name, text in arguments.items() if passed else ():
        if name not in _CALL_META:
            hit = _first_missing(text, passed, wide=True)
            if hit is not None:
                out[f"var.{name}"] = hit[1]
    return out


def _mentions(text: str, names: Scope) -> bool:
    return any(name.split(".", 1)[1] in text for name in names)


def _with_locals(folder: Path, names: dict[str, Missing], *, wide: bool = False) -> dict[str, Missing]:
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
            hit = _first_missing(text, names, wide=wide)
            if hit is not None:
                names[local] = hit[1]
                changed = True
    return names


def _expansion(block: Block, names: Scope, *, wide: bool = False) -> tuple[str, str] | None:
    if not names or not any(word in block.text for word in _EXPANSIONS):
        return None
    for item in items(block):
        if item.name in _EXPANSIONS and not item.is_block:
            hit = _first_missing(item.text, names, wide=wide, count=item.name == "count")
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


def _outputs(folder: Path, names: Scope, *, wide: bool = False) -> list[tuple[str, Missing]]:
    out: list[tuple[str, Missing]] = []
    for _, block in _blocks(folder):
        if block.type != "output" or not block.labels:
            continue
        value = next((i for i in items(block) if i.name == "value" and not i.is_block), None)
        hit = _first_missing(value.text, names, wide=wide) if value is not None else None
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


def _late_dynamic(values: Mapping[str, Any], block: Block, late: Scope) -> Mapping[str, Any]:
    """``values`` with the blocks made by a ``dynamic`` block whose ``for_each`` is not known before apply
    made Unknown: tfparse makes none, which would read as a resource without such blocks."""
    out: dict[str, Any] | None = None
    for item in items(block):
        if not item.is_block or not item.text.lstrip().startswith("dynamic"):
            continue
        lines = item.text.splitlines()
        body = Block("dynamic", (item.name,), item.line, item.line + len(lines) - 1, item.text)
        each = next((i.text for i in items(body) if i.name == "for_each" and not i.is_block), "")
        hit = _first_missing(each, late, wide=True)
        if hit is not None and not _holds_unknown(values.get(item.name)):
            out = dict(values) if out is None else out
            out[item.name] = Unknown(
                f"the {item.name} blocks are not known before apply: dynamic for_each over {hit[1].of(hit[0])}"
            )
    return values if out is None else out


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
