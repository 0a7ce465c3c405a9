"""tfparse's output -> model resources.

tfparse evaluates a root module and returns, per block type, dicts whose computed references are replaced
by the referenced block's id (a UUID it assigns per load). Here those ids become :class:`Ref` values (or
:class:`Interpolation` parts inside strings, resolved once ARNs exist), what tfparse could not evaluate
becomes :class:`Unknown` with the reason, and every block keeps its file, lines and comments.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ringfence.model import Provenance, Ref, Resource, Unknown
from ringfence.model.linker import IDENTITY
from ringfence.model.values import pickled_by_fields
from ringfence.sources.terraform.fallbacks import (
    fallback_unknown,
    input_unknown,
    may_fall_back,
    unresolved_inputs,
)
from ringfence.sources.terraform.hcl import comments_for

_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_UNRESOLVED = re.compile(r"\$\{\s*((?:var|local|module|data|each|count|self|path|terraform)\.[^}]*)\}")
_META_ARGS = frozenset(
    {"count", "for_each", "depends_on", "provider", "lifecycle", "provisioner", "connection"}
)


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class Interpolation:
    """A string built from literals and references, resolved after ARNs are synthesized."""

    parts: tuple[str | Ref, ...]


@dataclass(frozen=True, slots=True)
class Loaded:
    """What one tfparse load yields: resources (data sources included, as ``data.*`` addresses)."""

    resources: tuple[Resource, ...]
    providers: tuple[Mapping[str, Any], ...]


class _Files:
    """Source lines of the files of one load, read once."""

    def __init__(self) -> None:
        self._lines: dict[Path, list[str]] = {}

    def lines(self, path: Path) -> list[str]:
        if path not in self._lines:
            try:
                self._lines[path] = path.read_text(encoding="utf-8", errors="replace").splitlines()
            except OSError:
                self._lines[path] = []
        return self._lines[path]


def convert(
    parsed: Mapping[str, Any],
    load_dir: Path,
    real_path: Callable[[Path], Path],
    base: Path,
    keep: Callable[[str], bool],
) -> Loaded:
    """Convert one tfparse result. ``real_path`` maps files of a temporary copy back to the user's files;
    provenance paths are relative to ``base``; ``keep`` filters addresses (batches share the root's own
    resources)."""
    blocks: list[tuple[str, dict[str, Any]]] = []
    ids: dict[str, str] = {}
    providers: list[Mapping[str, Any]] = []
    unset: set[str] = set()  # variables (by module path) without a default
    unread_calls: dict[str, dict[str, str]] = {}  # module prefix -> its inputs tfparse could not read
    for label, items in parsed.items():
        for block in items if isinstance(items, list) else [items]:
            if not isinstance(block, dict):
                continue
            meta = block.get("__tfmeta", {})
            kind = meta.get("type")
            if label == "variable" and "default" not in block:
                unset.add(str(meta.get("path", "")))
            if label == "module":
                inputs = unresolved_inputs(block)
                if inputs:
                    unread_calls[f"{meta.get('path', '')}."] = inputs
            if label == "provider" or (meta.get("path", "").startswith("provider.")):
                providers.append(
                    {k: v for k, v in block.items() if k != "__tfmeta"}
                    | {"__name": meta.get("label"), **_where(meta, load_dir, real_path, base)}
                )
                continue
            if kind not in ("resource", "data"):
                continue
            address = meta.get("path") or f"{label}.unknown"
            if kind == "data" and not address.startswith("data.") and ".data." not in address:
                address = f"data.{address}"
            if isinstance(block.get("id"), str):
                ids[block["id"]] = address
            blocks.append((label, block))

    files = _Files()
    addresses = frozenset(ids.values())
    spellings = _Spellings.of(blocks, ids)
    unread = {
        prefix: {
            name: (
                expression,
                _AttributeGuess("", (), ids, _caller(prefix), addresses).unresolved(expression),
            )
            for name, expression in inputs.items()
        }
        for prefix, inputs in unread_calls.items()
    }
    out: list[Resource] = []
    real_files: dict[str, Path] = {}
    for label, block in blocks:
        meta = block["__tfmeta"]
        address = ids.get(block.get("id", ""), meta.get("path", ""))
        if not keep(address):
            continue
        filename = meta.get("filename", "")
        file = real_files.get(filename)
        if file is None:
            file = real_files[filename] = real_path((load_dir / filename).resolve())
        lines = files.lines(file)
        start, end = int(meta.get("line_start") or 0), int(meta.get("line_end") or 0)
        text = "\n".join(lines[start - 1 : end]) if start else ""
        guess = _AttributeGuess(
            text, list(_nested_references(block)), ids, _module_prefix(address), addresses
        )
        attributes = {
            key: _value(value, ids, guess, spellings.without(address))
            if value is not None
            else _null(key, text, guess)
            for key, value in block.items()
            if key not in ("__tfmeta", "id") and key not in _META_ARGS
        }
        if "launch_template" in attributes:
            _launch_template_ids(attributes, text, _module_prefix(address), addresses)
        if may_fall_back(text):
            _fallbacks(attributes, block, text, guess, unset, _module_prefix(address))
        unread_here = unread.get(_module_prefix(address))
        if unread_here:
            for key in list(attributes):
                attributes[key] = input_unknown(key, text, unread_here) or attributes[key]
        rel = _relative(file, base)
        tags = attributes.get("tags")
        out.append(
            Resource(
                address=address,
                kind=f"data.{label}" if meta.get("type") == "data" else label,
                attributes=attributes,
                provenance=Provenance(source="terraform", path=rel, line=start or None, end_line=end or None),
                annotations=comments_for(lines, start, end) if start else (),
                tags={str(k): str(v) for k, v in tags.items() if isinstance(v, str)}
                if isinstance(tags, dict)
                else {},
            )
        )
    return Loaded(tuple(out), tuple(providers))


def _where(
    meta: Mapping[str, Any], load_dir: Path, real_path: Callable[[Path], Path], base: Path
) -> dict[str, Any]:
    """A block's file (relative to ``base``) and lines, for blocks that do not become resources."""
    if not meta.get("filename"):
        return {}
    file = _relative(real_path((load_dir / meta["filename"]).resolve()), base)
    return {"__path": file, "__line": meta.get("line_start"), "__end_line": meta.get("line_end")}


def _nested_references(block: Any) -> Any:
    """References tfparse lists on a block and on each nested block inside it."""
    if isinstance(block, dict):
        meta = block.get("__tfmeta")
        if isinstance(meta, dict):
            yield from meta.get("references", ()) or ()
        for key, value in block.items():
            if key != "__tfmeta" and isinstance(value, dict | list):
                yield from _nested_references(value)
    elif isinstance(block, list):
        for item in block:
            yield from _nested_references(item)


_RELATIVE: dict[tuple[Path, Path], str] = {}


def _relative(file: Path, base: Path) -> str:
    key = (file, base)
    if key not in _RELATIVE:
        try:
            _RELATIVE[key] = file.relative_to(base).as_posix()
        except ValueError:
            _RELATIVE[key] = Path(os.path.relpath(file, base)).as_posix()
    return _RELATIVE[key]


class _AttributeGuess:
    """Which attribute of a referenced block the source text names (``aws_iam_role.app.arn`` -> ``arn``).

    tfparse replaces the whole reference by the block's id; the block's own text tells the attribute when
    it names only one attribute of that block.
    """

    def __init__(
        self,
        text: str,
        references: Any,
        ids: Mapping[str, str],
        prefix: str = "",
        addresses: frozenset[str] = frozenset(),
    ) -> None:
        self._prefix = prefix
        self._addresses = addresses
        self._text = text
        self._names: dict[str, tuple[str, str]] = {}
        self._instances: set[tuple[str, str]] = set()  # (type, name with its key) of what is referenced
        for ref in references or ():
            if isinstance(ref, dict) and isinstance(ref.get("id"), str):
                name = str(ref.get("name", "")).split("[", 1)[0]
                self._names[ref["id"]] = (str(ref.get("label", "")), name)
                self._instances.add((str(ref.get("label", "")), str(ref.get("name", ""))))
        self._cache: dict[str, str | None] = {}

    def __call__(self, uuid: str) -> str | None:
        if uuid in self._cache:
            return self._cache[uuid]
        found: str | None = None
        if uuid in self._names and self._text:
            label, name = self._names[uuid]
            pattern = re.escape(label) + r"\." + re.escape(name) + r"(?:\[[^\]]*\])?\.([A-Za-z_]\w*)"
            attrs = set(re.findall(pattern, self._text))
            if len(attrs) == 1:
                found = attrs.pop()
        self._cache[uuid] = found
        return found

    def data_instance(self, kind: str, name: str, attribute: str) -> Ref | None:
        """A reference to the one instance of ``data.kind.name`` this block refers to (tfparse names it
        with its key: ``this["s3"]``), when that instance is in the load."""
        found = {
            f"{self._prefix}data.{kind}.{instance}"
            for label, instance in self._instances
            if label == kind and instance.split("[", 1)[0] == name
        }
        found &= self._addresses
        return Ref(found.pop(), attribute) if len(found) == 1 else None

    def unresolved(self, expression: str) -> Ref | Unknown:
        """tfparse leaves some references to computed attributes unevaluated
        (``{"__attribute__": "aws_vpc.x.default_route_table_id"}``): a reference all the same when the
        block is in this load."""
        parts = expression.split(".")
        if len(parts) >= 3 and parts[0] not in ("var", "local", "module", "data", "each", "count", "path"):
            head = f"{parts[0]}.{parts[1]}"
            for candidate in (self._prefix + head, head):
                if candidate in self._addresses:
                    return Ref(candidate, parts[2].split("[", 1)[0])
        if parts[0] == "data" and len(parts) >= 4:
            candidate = f"{self._prefix}data.{parts[1]}.{parts[2]}"
            if candidate in self._addresses:
                return Ref(candidate, parts[3])
        return Unknown(f"unresolved reference {expression}")


def _caller(prefix: str) -> str:
    """The prefix of the module that calls the module at ``prefix``: ``module.a.module.b.`` ->
    ``module.a.``."""
    return prefix[: prefix.rstrip(".").rfind("module.")]


def _module_prefix(address: str) -> str:
    """``module.a.module.b.aws_x.y`` -> ``module.a.module.b.``"""
    parts = address.split(".")
    prefix: list[str] = []
    while len(parts) >= 2 and parts[0] == "module":
        prefix += parts[:2]
        parts = parts[2:]
    return ".".join(prefix) + "." if prefix else ""


def _fallbacks(
    attributes: dict[str, Any],
    block: Mapping[str, Any],
    text: str,
    guess: _AttributeGuess,
    unset: set[str],
    prefix: str,
) -> None:
    """Attributes whose try()/coalesce()/lookup() fell back over an unresolved value are not known."""
    variables = {
        path[len(prefix) + len("variable.") :] for path in unset if path.startswith(prefix + "variable.")
    }
    for key in list(attributes):
        found = fallback_unknown(key, block.get(key), text, variables, guess.unresolved)
        if found is not None:
            attributes[key] = found


def _null(key: str, text: str, guess: _AttributeGuess) -> Ref | Unknown | None:
    """What a null from tfparse means. tfparse returns null for `file()` or `templatefile()` of a file it
    cannot read (missing, or a template variable it does not know) without a word: that is not known, not
    absent. It also returns null for an attribute of a data source that the provider reads at plan time
    (``data.aws_vpc_endpoint_service.this[each.key].service_name``): that is a reference to the data
    source instance. Other nulls are values (an optional argument set to null)."""
    m = re.search(rf"^\s*{re.escape(key)}\s*=\s*(.*)$", text, re.MULTILINE)
    if m and _FILE_CALL.search(m.group(1)):
        return Unknown(f"{key} could not be evaluated: {m.group(1).strip()[:80]}")
    data = _DATA_ATTRIBUTE.fullmatch(m.group(1).strip()) if m else None
    if data:
        return guess.data_instance(data.group(1), data.group(2), data.group(3))
    return None


# `data.TYPE.NAME[KEY].ATTRIBUTE` (the key optional) as the whole expression of an argument.
_DATA_ATTRIBUTE = re.compile(r"data\.([A-Za-z_][\w-]*)\.([A-Za-z_][\w-]*)(?:\[[^\]]*\])?\.([A-Za-z_]\w*)")


_FILE_CALL = re.compile(r"\b(?:file|templatefile|filebase64)\s*\(")


@dataclass(frozen=True, slots=True)
class _Spellings:
    """How tfparse writes a reference to a name or ARN that is computed (``"logs-${random_pet.x.id}"``).

    For an attribute the block sets, tfparse puts that attribute's own value in place of the reference;
    for ``aws_s3_bucket`` it also builds ``id`` and ``arn`` from ``bucket`` (``arn:aws:s3:::`` and the
    name, in every partition; the block's id when no name is set). A computed name then comes back as
    text holding another block's id, which alone would read as "built from ``random_pet.x``": the link to
    the bucket (a bucket policy's ``bucket``, a document's ``resources``) would be lost. A value holding
    such a spelling is a reference to the block that owns it (``own``, the block being converted, is not
    a reference to itself). Literal names are left as they are: the linker resolves them by name.
    """

    refs: Mapping[str, Ref]
    pattern: re.Pattern[str] | None
    own: str = ""

    @classmethod
    def of(cls, blocks: list[tuple[str, dict[str, Any]]], ids: Mapping[str, str]) -> _Spellings:
        found: dict[str, Ref | None] = {}

        def add(text: str, ref: Ref) -> None:
            # A bare id is the block it names (``random_pet.x.id``), whatever else is named after it.
            if _UUID.search(text) and not _UUID.fullmatch(text):
                found[text] = ref if text not in found else None  # two owners: a spelling of neither

        for label, block in blocks:
            address = ids.get(str(block.get("id")))
            if address is None or block["__tfmeta"].get("type") != "resource":
                continue
            for attribute in IDENTITY.get(label, ()):
                value = block.get(attribute)
                if isinstance(value, str):
                    add(value, Ref(address, attribute))
            if label == "aws_s3_bucket":
                name = block.get("bucket") if "bucket" in block else str(block["id"])
                if isinstance(name, str) and name:
                    add(_TFPARSE_S3_ARN + name, Ref(address, "arn"))
        refs = {text: ref for text, ref in found.items() if ref is not None}
        longest_first = sorted(refs, key=len, reverse=True)
        pattern = re.compile("|".join(map(re.escape, longest_first))) if refs else None
        return cls(refs, pattern)

    def without(self, address: str) -> _Spellings:
        """These spellings for the values of the block at ``address``."""
        return _Spellings(self.refs, self.pattern, address)

    def parts(self, value: str) -> list[str | Ref] | None:
        """``value`` split into literal text and references, or None when it spells no block."""
        if self.pattern is None:
            return None
        parts: list[str | Ref] = []
        last = 0
        for match in self.pattern.finditer(value):
            ref = self.refs[match.group(0)]
            if ref.address == self.own:
                continue
            if match.start() > last:
                parts.append(value[last : match.start()])
            parts.append(ref)
            last = match.end()
        if not parts:
            return None
        if last < len(value):
            parts.append(value[last:])
        return parts


_LAUNCH_TEMPLATE_BLOCK = re.compile(r"\blaunch_template\s*\{([^{}]*)\}")
_BLOCK_ID = re.compile(r"^\s*id\s*=\s*(.+?)\s*$", re.MULTILINE)
_REFERENCE = re.compile(r"^([A-Za-z][\w-]*)\.([A-Za-z_][\w-]*)\.(id|name|arn)$")


def _launch_template_ids(
    attributes: dict[str, Any], text: str, prefix: str, addresses: Collection[str]
) -> None:
    """tfparse writes its own block id over a nested block's ``id`` attribute, so ``launch_template { id
    = ... }`` comes out without it: read it again from the block's text (a reference to a template of
    the estate, a literal id, or unknown)."""
    blocks = attributes.get("launch_template")
    items = blocks if isinstance(blocks, list) else [blocks]
    written = [_BLOCK_ID.search(body) for body in _LAUNCH_TEMPLATE_BLOCK.findall(text)]
    for item, found in zip(items, written, strict=False):
        if not isinstance(item, dict) or "id" in item or found is None:
            continue
        expression = found.group(1).split("#", 1)[0].strip()
        if len(expression) >= 2 and expression[0] == expression[-1] == '"' and "${" not in expression:
            item["id"] = expression[1:-1]
            continue
        ref = _REFERENCE.match(expression)
        target = f"{prefix}{ref.group(1)}.{ref.group(2)}" if ref else None
        if ref is not None and target is not None and target in addresses:
            item["id"] = Ref(target, ref.group(3))
        else:
            item["id"] = Unknown(f"launch_template.id = {expression} is not known before apply")


# tfparse's spelling of an S3 bucket's ARN, whatever the provider's partition.
_TFPARSE_S3_ARN = "arn:aws:s3:::"


def _value(value: Any, ids: Mapping[str, str], guess: _AttributeGuess, spellings: _Spellings) -> Any:
    if isinstance(value, str):
        return _string(value, ids, guess, spellings)
    if isinstance(value, list):
        return [
            Unknown("value not known before apply") if v is None else _value(v, ids, guess, spellings)
            for v in value
        ]
    if isinstance(value, dict):
        if "__attribute__" in value:
            return guess.unresolved(str(value["__attribute__"]))
        out: dict[str, Any] = {}
        for k, v in value.items():
            if k == "__tfmeta":
                continue
            if k == "id" and isinstance(v, str) and _UUID.fullmatch(v) and v not in ids:
                continue  # tfparse's id of a nested block, not an attribute
            out[k] = _value(v, ids, guess, spellings)
        return out
    return value


def _string(value: str, ids: Mapping[str, str], guess: _AttributeGuess, spellings: _Spellings) -> Any:
    if len(value) == 36 and _UUID.fullmatch(value):
        if value in ids:
            return Ref(ids[value], guess(value))
        return Unknown("computed value not known before apply")
    unresolved = _UNRESOLVED.search(value)
    if unresolved:
        return Unknown(f"unresolved {unresolved.group(1)}")
    if "-" not in value or not _UUID.search(value):
        return value
    parts = [
        q
        for p in spellings.parts(value) or [value]
        for q in ([p] if isinstance(p, Ref) else _split(p, ids, guess))
    ]
    if parts == [value]:
        return value
    if len(parts) == 1 and isinstance(parts[0], Ref):
        return parts[0]  # the whole value spells another block's name or ARN
    return Interpolation(tuple(parts))


def _split(text: str, ids: Mapping[str, str], guess: _AttributeGuess) -> list[str | Ref]:
    """``text`` as literal pieces and references to the blocks whose ids it holds."""
    parts: list[str | Ref] = []
    last = 0
    for match in _UUID.finditer(text):
        uuid = match.group(0)
        if uuid not in ids:
            continue
        if match.start() > last:
            parts.append(text[last : match.start()])
        parts.append(Ref(ids[uuid], guess(uuid)))
        last = match.end()
    if last < len(text):
        parts.append(text[last:])
    return parts
