"""The one reader of YAML and JSON documents for the sources that read them (CloudFormation, Kubernetes).

Input is hostile until read: a template or manifest may come from anyone who can open a pull request. So
the reader builds values from libyaml's event stream itself instead of PyYAML's composer and constructor,
and bounds everything it builds:

- the bytes read and the size of one scalar (a huge scalar is an error at its line, never a stall);
- the nesting depth (libyaml's own composer recurses in C and crashes the process on deep input);
- the nodes built, aliases counted with the size of what they repeat, so an alias bomb ("billion laughs")
  stops at the alias that would pass the budget;
- duplicate keys are an error naming both lines (YAML forbids them; PyYAML keeps the last silently, and
  CloudFormation and the Kubernetes API server refuse them);
- tags: the YAML core types, and the local tags the caller names (CloudFormation's short forms, turned
  into their long forms: ``!GetAtt a.b`` -> ``{"Fn::GetAtt": ["a", "b"]}``); any other tag is an error;
- invalid UTF-8 is an error with its byte offset and line.

Every mapping and sequence comes back as a :class:`Map` or :class:`Seq` (a ``dict`` or ``list``) that
says the line where it starts and the line of each key or item, so a source can name the line of any
value. Scalars are plain Python values (``str``, ``int``, ``float``, ``bool``, ``None``).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from yaml.constructor import SafeConstructor

__all__ = [
    "CLOUDFORMATION_TAGS",
    "Document",
    "Limits",
    "Map",
    "Seq",
    "YamlError",
    "line_of",
    "read_documents",
    "read_file",
]


class YamlError(Exception):
    """A document that cannot be read, with the 1-based line (and byte offset, for encoding errors)."""

    def __init__(self, message: str, line: int | None, offset: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.offset = offset

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}" if self.line else self.message


class Map(dict[Any, Any]):
    """A mapping as written: ``line`` where it starts, ``key_lines`` the line of each key."""

    __slots__ = ("key_lines", "line")

    def __init__(self, line: int) -> None:
        super().__init__()
        self.line = line
        self.key_lines: dict[Any, int] = {}


class Seq(list[Any]):
    """A sequence as written: ``line`` where it starts, ``item_lines`` the line of each item."""

    __slots__ = ("item_lines", "line")

    def __init__(self, line: int) -> None:
        super().__init__()
        self.line = line
        self.item_lines: list[int] = []


def line_of(container: Any, key: Any = None) -> int | None:
    """The line of ``container[key]`` (a key of a :class:`Map`, an index of a :class:`Seq`), or of the
    container itself when ``key`` is None; None for values not read by this module."""
    if key is None:
        return getattr(container, "line", None)
    if isinstance(container, Map):
        return container.key_lines.get(key, container.line)
    if isinstance(container, Seq) and isinstance(key, int) and -len(container) <= key < len(container):
        return container.item_lines[key]
    return getattr(container, "line", None)


@dataclass(frozen=True, slots=True)
class Document:
    """One document of a stream: its value and the line where it starts."""

    value: Any
    line: int


@dataclass(frozen=True, slots=True)
class Limits:
    """What one file may hold. The defaults are far above real templates and manifests (a CloudFormation
    template is at most 1 MB; a Kubernetes object at most about 1.5 MB in etcd), far below what would
    stall a scan."""

    max_bytes: int = 64 * 1024 * 1024
    max_scalar: int = 4 * 1024 * 1024  # characters in one scalar
    max_depth: int = 200
    max_nodes: int = 5_000_000  # mappings, sequences and scalars built, aliases counted as what they repeat


def _cloudformation_tags() -> dict[str, str]:
    # The short forms of the intrinsic functions and condition functions (AWS CloudFormation User Guide,
    # "Intrinsic function reference" and "Condition functions"): !Ref and !Condition drop the "Fn::".
    names = [
        "And",
        "Base64",
        "Cidr",
        "Contains",
        "EachMemberEquals",
        "EachMemberIn",
        "Equals",
        "FindInMap",
        "ForEach",
        "GetAZs",
        "GetAtt",
        "If",
        "ImportValue",
        "Join",
        "Length",
        "Not",
        "Or",
        "RefAll",
        "Select",
        "Split",
        "Sub",
        "ToJsonString",
        "Transform",
        "ValueOf",
        "ValueOfAll",
    ]
    return {"!Ref": "Ref", "!Condition": "Condition", **{f"!{n}": f"Fn::{n}" for n in names}}


CLOUDFORMATION_TAGS: Mapping[str, str] = _cloudformation_tags()

_CORE = "tag:yaml.org,2002:"
_MERGE = "<<"

# JSON's scalars (RFC 8259), for files read as JSON: YAML 1.1 would read 2.5e3 as a string.
_JSON_INT = re.compile(r"-?(?:0|[1-9][0-9]*)")
_JSON_FLOAT = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?")


def read_file(
    path: Path,
    *,
    tags: Mapping[str, str] | None = None,
    as_json: bool | None = None,
    limits: Limits | None = None,
) -> tuple[Document, ...]:
    """Every document of the file at ``path``; :class:`YamlError` for what cannot be read, ``OSError``
    for a file that cannot be opened. ``as_json`` reads scalars as JSON does (default: by the suffix)."""
    limits = limits or Limits()
    with path.open("rb") as handle:
        data = handle.read(limits.max_bytes + 1)
    if len(data) > limits.max_bytes:
        raise YamlError(f"larger than {limits.max_bytes} bytes: not read", None)
    if as_json is None:
        as_json = path.suffix.lower() == ".json"
    return read_documents(data, tags=tags, as_json=as_json, limits=limits)


def read_documents(
    data: bytes | str,
    *,
    tags: Mapping[str, str] | None = None,
    as_json: bool = False,
    limits: Limits | None = None,
) -> tuple[Document, ...]:
    """Every document of ``data`` (a YAML stream, or JSON). ``tags`` maps each accepted local tag to the
    key of the one-entry mapping it stands for (:data:`CLOUDFORMATION_TAGS`); any other local tag is an
    error."""
    limits = limits or Limits()
    text = _decoded(data, limits)
    return _Builder(text, tags or {}, as_json, limits).documents()


def _decoded(data: bytes | str, limits: Limits) -> str:
    if isinstance(data, str):
        text = data
    else:
        if len(data) > limits.max_bytes:
            raise YamlError(f"larger than {limits.max_bytes} bytes: not read", None)
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            line = data.count(b"\n", 0, exc.start) + 1
            raise YamlError(f"invalid UTF-8 at byte {exc.start}", line, exc.start) from None
    if len(text) > limits.max_bytes:
        raise YamlError(f"larger than {limits.max_bytes} bytes: not read", None)
    return text.removeprefix("\ufeff")


class _Frame:
    """A mapping or sequence being built."""

    __slots__ = ("anchor", "key", "key_line", "merges", "nodes", "tag", "value")

    def __init__(self, value: Map | Seq, tag: str | None, anchor: str | None, nodes: int) -> None:
        self.value = value
        self.tag = tag
        self.anchor = anchor
        self.nodes = nodes  # the node count when it started, to size it for its aliases
        self.key: Any = _NO_KEY
        self.key_line = 0
        self.merges: list[tuple[Any, int]] = []


_NO_KEY = object()


class _Builder:
    def __init__(self, text: str, tags: Mapping[str, str], as_json: bool, limits: Limits) -> None:
        self._text = text
        self._tags = tags
        self._json = as_json
        self._limits = limits
        self._nodes = 0
        self._anchors: dict[str, tuple[Any, int]] = {}
        self._stack: list[_Frame] = []
        self._docs: list[Document] = []
        self._doc_line = 1
        self._root: Any = None

    def documents(self) -> tuple[Document, ...]:
        import yaml

        try:
            for event in self._events():
                self._event(event, yaml)
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            message = " ".join(p for p in (exc.context, exc.problem) if p) or "not valid YAML"
            raise YamlError(message, mark.line + 1 if mark else None) from None
        except yaml.reader.ReaderError as exc:
            # A character YAML does not accept (a control character): its position is in characters.
            line = self._text.count("\n", 0, exc.position) + 1
            code = exc.character if isinstance(exc.character, int) else ord(str(exc.character)[:1] or "\0")
            raise YamlError(f"character U+{code:04X} is not allowed in YAML", line) from None
        except yaml.YAMLError as exc:
            raise YamlError(f"not valid YAML: {exc}", None) from None
        return tuple(self._docs)

    def _events(self) -> Iterator[Any]:
        import yaml

        loader_class = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
        loader = loader_class(self._text)
        try:
            while loader.check_event():
                yield loader.get_event()
        finally:
            loader.dispose()

    def _event(self, event: Any, yaml: Any) -> None:
        line = event.start_mark.line + 1
        if isinstance(event, yaml.ScalarEvent):
            self._count(1, line)
            scalar = self._scalar(event, line)
            if event.anchor is not None:
                self._anchors[event.anchor] = (scalar, 1)
            self._add(scalar, line, merge_key=event.value == _MERGE and event.implicit[0] and not self._json)
        elif isinstance(event, yaml.MappingStartEvent | yaml.SequenceStartEvent):
            if len(self._stack) >= self._limits.max_depth:
                raise YamlError(f"nested deeper than {self._limits.max_depth} levels: not read", line)
            self._count(1, line)
            tag = event.tag if event.tag not in (None, "!") else None
            container: Map | Seq = Map(line) if isinstance(event, yaml.MappingStartEvent) else Seq(line)
            if tag is not None:
                self._check_tag(tag, line, "map" if isinstance(container, Map) else "seq")
            self._stack.append(_Frame(container, tag, event.anchor, self._nodes))
        elif isinstance(event, yaml.MappingEndEvent | yaml.SequenceEndEvent):
            frame = self._stack.pop()
            value: Any = frame.value
            if isinstance(value, Map):
                if frame.key is not _NO_KEY:
                    raise YamlError("a key without a value", frame.key_line)
                self._merge(value, frame.merges)
            if frame.tag is not None and not frame.tag.startswith(_CORE):
                value = self._tagged(frame.tag, value, value.line)
            if frame.anchor is not None:
                self._anchors[frame.anchor] = (value, self._nodes - frame.nodes + 1)
            self._add(value, value.line)
        elif isinstance(event, yaml.AliasEvent):
            if event.anchor not in self._anchors:
                raise YamlError(f"alias *{event.anchor} names no anchor defined before it", line)
            repeated, size = self._anchors[event.anchor]
            self._count(size, line, alias=event.anchor)
            self._add(repeated, line, merge_key=False)
        elif isinstance(event, yaml.DocumentStartEvent):
            self._doc_line = line
            self._root = _NO_KEY
            self._anchors = {}  # anchors do not cross documents
        elif isinstance(event, yaml.DocumentEndEvent):
            self._docs.append(Document(None if self._root is _NO_KEY else self._root, self._doc_line))

    def _count(self, nodes: int, line: int, alias: str | None = None) -> None:
        self._nodes += nodes
        if self._nodes > self._limits.max_nodes:
            what = f"alias *{alias} expands past" if alias else "more than"
            raise YamlError(f"{what} {self._limits.max_nodes} nodes: not read", line)

    def _add(self, value: Any, line: int, merge_key: bool = False) -> None:
        if not self._stack:
            self._root = value
            return
        frame = self._stack[-1]
        parent = frame.value
        if isinstance(parent, Seq):
            parent.append(value)
            parent.item_lines.append(line)
            return
        if frame.key is _NO_KEY:
            if isinstance(value, Map | Seq):
                raise YamlError("a mapping or sequence as a key is not supported", line)
            frame.key = _MERGE_MARK if merge_key else value
            frame.key_line = line
            return
        key, key_line = frame.key, frame.key_line
        frame.key = _NO_KEY
        if key is _MERGE_MARK:
            frame.merges.append((value, key_line))
            return
        if key in parent:
            first = parent.key_lines[key]
            raise YamlError(f"duplicate key {_shown(key)} (first at line {first})", key_line)
        parent[key] = value
        parent.key_lines[key] = key_line

    def _merge(self, target: Map, merges: list[tuple[Any, int]]) -> None:
        """YAML 1.1 merge keys (``<<: *base``): the keys written in the mapping win over merged ones."""
        for value, line in merges:
            sources = value if isinstance(value, Seq) else [value]
            for source in sources:
                if not isinstance(source, Map):
                    raise YamlError("a merge key (<<) takes a mapping or a list of mappings", line)
                for key, item in source.items():
                    if key not in target:
                        target[key] = item
                        target.key_lines[key] = line

    def _scalar(self, event: Any, line: int) -> Any:
        value: str = event.value
        if len(value) > self._limits.max_scalar:
            raise YamlError(f"a scalar longer than {self._limits.max_scalar} characters: not read", line)
        tag = event.tag
        if tag is None or tag == "!":
            if not event.implicit[0]:
                return value  # quoted, or "!" non-specific: a string
            return self._plain(value)
        if tag.startswith(_CORE):
            return self._core(tag[len(_CORE) :], value, line)
        self._check_tag(tag, line, "str")
        if tag == "!GetAtt":
            # !GetAtt Resource.Attribute: the resource is up to the first dot (attributes may hold dots).
            return self._tagged(tag, value.split(".", 1) if "." in value else value, line)
        return self._tagged(tag, value, line)

    def _check_tag(self, tag: str, line: int, kind: str) -> None:
        """A tag on a mapping or sequence (``kind`` ``map`` or ``seq``) or on a scalar (``str``): the core
        tag of its own kind, or a local tag the caller accepts."""
        if tag.startswith(_CORE):
            if tag[len(_CORE) :] != kind:
                raise YamlError(f"tag !!{tag[len(_CORE) :]} is not supported here", line)
            return
        if tag not in self._tags:
            known = ", ".join(sorted(self._tags)[:6])
            hint = f" (known: {known} ...)" if known else ""
            raise YamlError(f"unknown tag {tag}{hint}", line)

    def _tagged(self, tag: str, value: Any, line: int) -> Map:
        out = Map(line)
        out[self._tags[tag]] = value
        out.key_lines[self._tags[tag]] = line
        return out

    def _plain(self, value: str) -> Any:
        if self._json:
            return _json_scalar(value)
        from yaml.resolver import Resolver

        resolvers = Resolver.yaml_implicit_resolvers.get(value[:1] if value else "", ())
        for tag, regexp in resolvers:
            if regexp.match(value):
                return self._core(tag[len(_CORE) :], value, 0)
        return value

    def _core(self, name: str, value: str, line: int) -> Any:
        if name in ("str", "timestamp", "merge", "value", "yaml"):
            return value
        from yaml import ScalarNode
        from yaml.constructor import ConstructorError, SafeConstructor

        constructors = {
            "null": SafeConstructor.construct_yaml_null,
            "bool": SafeConstructor.construct_yaml_bool,
            "int": SafeConstructor.construct_yaml_int,
            "float": SafeConstructor.construct_yaml_float,
        }
        if name not in constructors:
            raise YamlError(f"tag !!{name} is not supported", line)
        try:
            return constructors[name](_constructor(), ScalarNode(_CORE + name, value))
        except (ConstructorError, ValueError, KeyError):
            raise YamlError(f"{value[:40]!r} is not a valid !!{name}", line) from None


_MERGE_MARK = object()


@functools.cache
def _constructor() -> SafeConstructor:
    from yaml.constructor import SafeConstructor

    return SafeConstructor()


def _json_scalar(value: str) -> Any:
    if value == "true":
        return True
    if value == "false":
        return False
    if value == "null":
        return None
    if _JSON_INT.fullmatch(value):
        return int(value)
    if _JSON_FLOAT.fullmatch(value):
        return float(value)
    return value


def _shown(key: Any) -> str:
    text = repr(key)
    return text if len(text) <= 60 else text[:57] + "..."
