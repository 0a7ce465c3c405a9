"""Expansion bounds checked before evaluation, and values that cannot be written out set aside.

tfparse expands ``count``, ``for_each`` and ``dynamic`` blocks in full: ``count = 1000000`` or a
``setproduct`` of a few ``range(100)`` runs for minutes or out of memory, and a local that evaluates to
infinity (``pow(10, 400)``) makes the whole root fail ("json: unsupported value: +Inf"). So before a root
is evaluated, the small constant expressions that decide an expansion (numbers, ``pow``, ``range``,
``setproduct``, ``length`` of literal lists, the module's own locals) are evaluated here, without
tfparse. A for expression counts as many items as what it walks (an ``if`` can only drop some: an upper
bound, said as "up to"). A block whose expansion is over the limit, or whose value is infinite or a
collection bigger than a root may hold, is blanked in the evaluation copy (line numbers kept) and reported
at its line: it is analysed as unknown, the rest of the root is evaluated. Inside a called module, the
module's blocks are bounded with the inputs of each call, and a call with a block set aside is evaluated
from its own copy of the module folder (the same folder may be fine for another call, or another root).
What cannot be bounded here is left to tfparse under the worker's limits.

Limits: ``RINGFENCE_TF_MAX_INSTANCES`` (instances of one resource, nested blocks of one instance) and
``RINGFENCE_TF_MAX_ROOT_INSTANCES`` (instances in one root), else the defaults.
"""

from __future__ import annotations

import functools
import math
import os
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ringfence.limits import env_limit
from ringfence.sources.terraform import syntax
from ringfence.sources.terraform.hcl import Block, top_level_blocks
from ringfence.sources.terraform.roots import module_calls, tf_files

INSTANCES_ENV = "RINGFENCE_TF_MAX_INSTANCES"
ROOT_INSTANCES_ENV = "RINGFENCE_TF_MAX_ROOT_INSTANCES"
# A 2-core, 4 GB runner evaluates about 100,000 resource instances in 30 s and under 2 GB.
DEFAULT_INSTANCES = 10_000
DEFAULT_ROOT_INSTANCES = 100_000
# Blocks longer than this are not looked at here (the worker's limits still hold for them).
_MAX_BLOCK_CHARS = 200_000
_MAX_DEPTH = 40


@dataclass(frozen=True, slots=True)
class Limits:
    instances: int  # per resource (and nested blocks per resource instance); 0: no limit
    root_instances: int  # per root; 0: no limit

    def describe(self) -> str:
        return f"bounds {self.instances}/{self.root_instances}"


def limits(configured: Mapping[str, str] | None = None) -> Limits:
    """The limits from the environment, else from ``configured`` (values by variable name: the
    configuration file's), else the defaults."""
    env = {**configured, **os.environ} if configured else None
    return Limits(
        instances=int(env_limit(INSTANCES_ENV, DEFAULT_INSTANCES, env)),
        root_instances=int(env_limit(ROOT_INSTANCES_ENV, DEFAULT_ROOT_INSTANCES, env)),
    )


@dataclass(frozen=True, slots=True)
class Problem:
    file: Path
    line: int
    message: str
    # The module call it belongs to ("" for the root's own blocks): reported by the load that keeps it.
    module: str = ""
    # The resources (and data sources) it sets aside: each stays in the estate, not evaluated.
    blocks: tuple[SetAside, ...] = ()


@dataclass(frozen=True, slots=True)
class SetAside:
    """A resource or data block that is not evaluated, where it is declared."""

    address: str  # without instance keys: ``module.big.aws_s3_bucket.many``
    kind: str  # ``aws_s3_bucket``, ``data.aws_iam_policy_document``
    file: Path
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Plan:
    """What to blank in the evaluation copy of one module folder (the root, or a module as one call uses
    it): line ranges (file name, first and last line, 1-based), and the local module calls in it that need
    their own copy of their folder, each with its plan. ``problems`` (at the root only) says why, for every
    level."""

    blank: tuple[tuple[str, int, int], ...] = ()
    problems: tuple[Problem, ...] = ()
    calls: tuple[tuple[str, Plan], ...] = ()

    def files(self) -> frozenset[str]:
        return frozenset(name for name, _, _ in self.blank)

    def apply(self, name: str, lines: list[str]) -> None:
        for file, start, end in self.blank:
            if file == name:
                for n in range(start - 1, min(end, len(lines))):
                    lines[n] = ""

    def call(self, name: str) -> Plan | None:
        return next((plan for called, plan in self.calls if called == name), None)


def plan(root: Path, bounds: Limits) -> Plan:
    """What to blank in the evaluation copy of ``root`` and of the modules it calls, and the problems to
    report (computed once per root, before its evaluations are handed to workers).

    A module is bounded with the inputs of each call: ``count = var.n`` in a module called with
    ``n = 3`` and with ``n = 10000000`` is over the limit in the second call only, and only that block of
    that call is set aside (the call is evaluated from its own copy of the module)."""
    walked = _Walker(bounds).folder(root, _Scope(_locals_exprs(root)), 1, "", "", ())
    return Plan(walked.blank, walked.problems, walked.calls)


@dataclass(frozen=True, slots=True)
class _Walked:
    blank: tuple[tuple[str, int, int], ...]
    problems: tuple[Problem, ...]
    calls: tuple[tuple[str, Plan], ...]
    total: int  # instances of what is kept (counting what can be told here, 1 for what cannot)


class _Walker:
    def __init__(self, bounds: Limits) -> None:
        self.bounds = bounds

    def folder(
        self, folder: Path, scope: _Scope, outer: int, prefix: str, top: str, path: tuple[Path, ...]
    ) -> _Walked:
        """Walk the blocks of one module folder. ``outer``: instances of the module (the product of the
        calls' counts on the way), ``prefix``: the address of the call (``module.a.``), ``top``: the root's
        call it belongs to ("" for the root itself), ``path``: the folders on the way (a cycle ends it)."""
        bounds = self.bounds
        blank: list[tuple[str, int, int]] = []
        problems: list[Problem] = []
        calls: list[tuple[str, Plan]] = []
        total = 0
        local_calls = {c.name: c for c in module_calls(folder) if c.is_local}

        def set_aside(problem: Problem, start: int, end: int) -> None:
            problems.append(problem)
            blank.append((problem.file.name, start, end))

        for file in tf_files(folder):
            for block in _blocks_of(file):
                if block.type == "locals":
                    for problem, (first, last) in _unbounded_locals(file, block, scope, bounds, prefix, top):
                        set_aside(problem, first, last)
                    continue
                label = _address(block)
                if label is None:
                    if block.type in ("variable", "output") and (why := _unbounded_in(block, scope, bounds)):
                        named = f'{prefix}{block.type} "{block.labels[0] if block.labels else ""}"'
                        set_aside(Problem(file, block.start, f"{named}: {why}", top), block.start, block.end)
                    continue
                why, count = _over(block, scope, bounds, outer)
                added, inner = count * outer, None
                name = block.labels[0] if block.type == "module" and block.labels else ""
                call = local_calls.get(name)
                if why is None and call is not None:
                    target = (folder / call.source).resolve()
                    if target.is_dir() and target not in (*path, folder.resolve()) and len(path) < _MAX_DEPTH:
                        inner = self.folder(
                            target,
                            self.call_scope(block, target, scope),
                            outer * count,
                            f"{prefix}module.{name}.",
                            top or name,
                            (*path, folder.resolve()),
                        )
                        added = inner.total
                if (
                    why is None
                    and not path
                    and bounds.root_instances
                    and total + added > bounds.root_instances
                ):
                    why = (
                        f"{added:,} more instances bring the root to {total + added:,}, over the limit of "
                        f"{bounds.root_instances:,} per root (terraform.max_root_instances)"
                    )
                if why is not None:
                    message = f"{prefix}{label}: {why}; analysed as unknown"
                    if call is not None:
                        target = (folder / call.source).resolve()
                        blocks = declared_blocks(target, f"{prefix}module.{name}.", (*path, folder.resolve()))
                    else:
                        blocks = declared_block(file, block, prefix)
                    problem = Problem(file, block.start, message, top or name, blocks)
                    set_aside(problem, block.start, block.end)
                    continue
                total += added
                if inner is not None and (inner.blank or inner.calls):
                    calls.append((name, Plan(inner.blank, (), inner.calls)))
                    problems.extend(inner.problems)
        return _Walked(tuple(blank), tuple(problems), tuple(calls), total)

    def call_scope(self, call: Block, folder: Path, caller: _Scope) -> _Scope:
        """The scope of the module at ``folder`` as ``call`` calls it: its locals, and its variables with
        the call's arguments (evaluated where the call is) or their defaults."""
        body = _body(call, None)
        arguments = dict(body.attributes) if body is not None else {}
        variables: dict[str, tuple[_Expr, _Scope]] = {}
        for file in tf_files(folder):
            for block in _blocks_of(file):
                if block.type != "variable" or not block.labels:
                    continue
                name = block.labels[0]
                if name in arguments:
                    variables[name] = (arguments[name], caller)
                elif (inner := _body(block, None)) is not None:
                    default = next((e for n, e in inner.attributes if n == "default"), None)
                    if default is not None:
                        variables[name] = (default, _Scope({}))
        return _Scope(_locals_exprs(folder), variables)


def declared_block(file: Path, block: Block, prefix: str) -> tuple[SetAside, ...]:
    label = _address(block)
    if label is None or block.type == "module":
        return ()
    kind = f"data.{block.labels[0]}" if block.type == "data" else block.labels[0]
    return (SetAside(f"{prefix}{label}", kind, file, block.start, block.end),)


def declared_blocks(folder: Path, prefix: str, path: tuple[Path, ...]) -> tuple[SetAside, ...]:
    """The resource and data blocks of the module at ``folder`` and of the local modules it calls."""
    if not folder.is_dir() or folder in path or len(path) > _MAX_DEPTH:
        return ()
    calls = {c.name: c for c in module_calls(folder) if c.is_local}
    out: list[SetAside] = []
    for file in tf_files(folder):
        for block in _blocks_of(file):
            call = calls.get(block.labels[0]) if block.type == "module" and block.labels else None
            if call is not None:
                inner = (folder / call.source).resolve()
                out += declared_blocks(inner, f"{prefix}module.{call.name}.", (*path, folder))
            else:
                out += declared_block(file, block, prefix)
    return tuple(out)


def _per_resource(bounds: Limits, what: str = "instances") -> str:
    return f"over the limit of {bounds.instances:,} {what} per resource (terraform.max_instances)"


def _blocks_of(file: Path) -> tuple[Block, ...]:
    try:
        return top_level_blocks(file.read_text(encoding="utf-8", errors="replace"))
    except OSError:
        return ()


def _address(block: Block) -> str | None:
    if block.type == "resource" and len(block.labels) >= 2:
        return f"{block.labels[0]}.{block.labels[1]}"
    if block.type == "data" and len(block.labels) >= 2:
        return f"data.{block.labels[0]}.{block.labels[1]}"
    if block.type == "module" and block.labels:
        return f"module.{block.labels[0]}"
    return None


# What can make a constant infinite: a power, a big exponent, a division by zero.
_NUMERIC = re.compile(r"\bpow\s*\(|\d[eE]\+?\d{3}|/\s*(?:0(?:\.0*)?\b|local\.|\()")
# What can make a value big: a for expression, a range, a product of sets.
_LARGE = re.compile(r"[\[{]\s*for\b|\b(?:range|setproduct)\s*\(")
_VALUES = re.compile(rf"{_NUMERIC.pattern}|{_LARGE.pattern}")
_EXPANDS = re.compile(rf"\b(?:count|for_each)\b|{_VALUES.pattern}")


def _over(block: Block, scope: _Scope, bounds: Limits, outer: int = 1) -> tuple[str | None, int]:
    """Why the block expands past the limits (None when it does not, or cannot be told), and how many
    instances it has in one instance of its module (1 when not known). ``outer``: instances of the
    module."""
    body = _body(block, _EXPANDS)
    if body is None:
        return None, 1
    count = 1
    for name, expr in body.attributes:
        if name in ("count", "for_each"):
            if _refers_to_itself(block, expr):
                # Terraform refuses such a block ("Self-referential block"); tfparse runs out of memory on it.
                return f"{name} refers to the block itself, which Terraform rejects", 0
            value = _evaluate(expr, scope)
            found = _size(value) if name == "for_each" else _number(value)
            if found is None:
                continue
            size, exact = found
            if not math.isfinite(size):
                return f"{name} is not a finite number", 1
            count = max(0, int(size))
            of = f"{name} of {'' if exact else 'up to '}{count:,}"
            if bounds.instances and size > bounds.instances:
                return f"{of} is {_per_resource(bounds)}", 0
            if bounds.instances and outer > 1 and count * outer > bounds.instances:
                return (
                    f"{of} in each of {outer:,} instances of the module: {count * outer:,}, {_per_resource(bounds)}",
                    0,
                )
    why = _nested_over(body, scope, bounds, 1) or _unbounded_body(body, scope, bounds)
    return why, count


def _refers_to_itself(block: Block, expr: _Expr) -> bool:
    own = _address(block)
    if own is None:
        return False
    parts = own.split(".")
    texts = [t.text for t in expr.tokens if t.kind in ("ident", "op")]
    wanted = [piece for part in parts for piece in (part, ".")][:-1]
    return any(texts[i : i + len(wanted)] == wanted for i in range(len(texts) - len(wanted) + 1))


def _nested_over(body: _Body, scope: _Scope, bounds: Limits, outer: float) -> str | None:
    for kind, labels, inner in body.blocks:
        times = outer
        if kind == "dynamic":
            each = next((e for n, e in inner.attributes if n == "for_each"), None)
            found = _size(_evaluate(each, scope)) if each is not None else None
            if found is not None:
                size, exact = found
                times = outer * size
                if bounds.instances and times > bounds.instances:
                    what = f'dynamic "{labels[0] if labels else ""}"'
                    sizes = f" ({outer:,.0f} x {size:,.0f})" if outer > 1 else ""
                    return (
                        f"{what} of {'' if exact else 'up to '}{times:,.0f} blocks{sizes} is "
                        f"{_per_resource(bounds, 'blocks')}"
                    )
        found_in = _nested_over(inner, scope, bounds, times)
        if found_in is not None:
            return found_in
    return None


def _unbounded_value(value: Value, bounds: Limits) -> str | None:
    """Why a value cannot be evaluated here: infinite, or a collection larger than a whole root may
    hold."""
    if isinstance(value, float) and not math.isfinite(value):
        return f"evaluates to {_show(value)}"
    if isinstance(value, _Collection) and bounds.root_instances and value.size > bounds.root_instances:
        up_to = "" if value.exact else "up to "
        return (
            f"evaluates to {up_to}{value.size:,.0f} items, over the limit of {bounds.root_instances:,} "
            "per root (terraform.max_root_instances)"
        )
    return None


def _unbounded_body(body: _Body, scope: _Scope, bounds: Limits) -> str | None:
    for name, expr in body.attributes:
        why = _unbounded_value(_evaluate(expr, scope), bounds)
        if why is not None:
            return f"{name} {why}"
    for _kind, _labels, inner in body.blocks:
        found = _unbounded_body(inner, scope, bounds)
        if found is not None:
            return found
    return None


def _unbounded_in(block: Block, scope: _Scope, bounds: Limits) -> str | None:
    body = _body(block, _VALUES)
    found = _unbounded_body(body, scope, bounds) if body is not None else None
    return f"{found}; analysed as unknown" if found else None


def _unbounded_locals(
    file: Path, block: Block, scope: _Scope, bounds: Limits, prefix: str, top: str
) -> Iterator[tuple[Problem, tuple[int, int]]]:
    body = _body(block, _VALUES)
    for name, expr in body.attributes if body is not None else ():
        why = _unbounded_value(
            scope.value(name, 0) if scope.exprs.get(name) is expr else _evaluate(expr, scope), bounds
        )
        if why is not None:
            first, last = block.start + expr.first_line - 1, block.start + expr.last_line - 1
            span = (first, last) if block.start < first and last < block.end else (block.start, block.end)
            yield (
                Problem(
                    file,
                    first,
                    f"{prefix}local.{name} {why}: it and what uses it are analysed as unknown",
                    top,
                ),
                span,
            )


def _show(value: float) -> str:
    return "NaN" if math.isnan(value) else ("+Inf" if value > 0 else "-Inf")


def _locals_exprs(folder: Path) -> dict[str, _Expr]:
    found: dict[str, _Expr] = {}
    for file in tf_files(folder):
        for block in _blocks_of(file):
            body = _body(block, None) if block.type == "locals" else None
            if body is not None:
                found.update(body.attributes)
    return found


def _body(block: Block, gate: re.Pattern[str] | None) -> _Body | None:
    """The block's attributes and nested blocks; None when it is too long to read here, holds nothing
    ``gate`` looks for, or does not parse (tfparse reports that)."""
    if len(block.text) > _MAX_BLOCK_CHARS or (gate is not None and not gate.search(block.text)):
        return None
    return _parsed(block.text)


@functools.lru_cache(maxsize=4096)
def _parsed(text: str) -> _Body | None:
    try:
        return _Parser(_tokens(text)).block()
    except _Unbounded:
        return None


def cyclic_calls(root: Path) -> frozenset[str]:
    """The root's local module calls that lead into a cycle of module calls (tfparse would expand it
    until memory runs out): they are evaluated as blank."""
    out: set[str] = set()

    def cycles(folder: Path, path: tuple[Path, ...]) -> bool:
        if len(path) > _MAX_DEPTH:
            return True
        for call in module_calls(folder):
            if not call.is_local:
                continue
            target = (folder / call.source).resolve()
            if target.is_dir() and (target in (*path, folder) or cycles(target, (*path, folder))):
                return True
        return False

    base = root.resolve()
    for call in module_calls(base):
        target = (base / call.source).resolve()
        if call.is_local and target.is_dir() and (target == base or cycles(target, (base,))):
            out.add(call.name)
    return frozenset(out)


# --- a small evaluator of constant HCL expressions ---------------------------------------------------


class _Unbounded(Exception):
    """The expression holds something this evaluator does not read."""


@dataclass(frozen=True, slots=True)
class _Token:
    kind: str  # num, str, tmpl, ident, op, nl
    text: str
    line: int


@dataclass(frozen=True, slots=True)
class _Expr:
    tokens: tuple[_Token, ...]
    first_line: int
    last_line: int


@dataclass(slots=True)
class _Body:
    attributes: list[tuple[str, _Expr]] = field(default_factory=list)
    blocks: list[tuple[str, tuple[str, ...], _Body]] = field(default_factory=list)


def _tokens(text: str) -> list[_Token]:
    """The tokens of a block, from the lexer the syntax checker uses: a quoted string without
    interpolations is its value (``str``); a template (its interpolations' tokens with it) or a heredoc
    is one ``tmpl`` token."""
    found = syntax.tokens(text)
    if found is None:
        raise _Unbounded
    out: list[_Token] = []
    depth = 0  # inside a template's interpolations (their brackets counted)
    template = False  # in a template, between its interpolations
    for tok in found:
        kind = tok.kind
        if depth:
            depth += 1 if kind in ("${", "{") else -1 if kind == "}" else 0
            continue
        if kind == "${":
            depth, template = 1, True
        elif template:
            if kind != "string":  # pragma: no cover - the lexer ends every template with its string
                raise _Unbounded
            out.append(_Token("tmpl", "", tok.line))
            template = False
        elif kind == "string":
            out.append(_Token("str", tok.text, tok.line))
        elif kind == "heredoc":
            out.append(_Token("tmpl", "", tok.line))
        elif kind == "newline":
            out.append(_Token("nl", "\n", tok.line))
        elif kind in ("number", "ident"):
            out.append(_Token("num" if kind == "number" else "ident", tok.text, tok.line))
        elif kind != "eof":
            out.append(_Token("op", tok.text, tok.line))
    return out


_OPEN = {"(": ")", "[": "]", "{": "}"}


class _Parser:
    """Splits a block into its attributes (expressions kept as tokens) and nested blocks."""

    def __init__(self, tokens: Sequence[_Token]) -> None:
        self.tokens = tokens
        self.i = 0

    def peek(self) -> _Token | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def block(self) -> _Body:
        while (t := self.peek()) is not None and t.text != "{":
            self.i += 1
        if t is None:
            raise _Unbounded
        self.i += 1
        return self.body(0)

    def body(self, depth: int) -> _Body:
        if depth > _MAX_DEPTH:
            raise _Unbounded
        out = _Body()
        while (t := self.peek()) is not None:
            if t.kind == "nl":
                self.i += 1
                continue
            if t.text == "}":
                self.i += 1
                return out
            if t.kind != "ident":
                raise _Unbounded
            self.i += 1
            following = self.peek()
            if following is not None and following.text == "=":
                self.i += 1
                out.attributes.append((t.text, self.expression()))
                continue
            labels: list[str] = []
            while (label := self.peek()) is not None and label.kind in ("str", "ident"):
                labels.append(label.text)
                self.i += 1
            if (label := self.peek()) is None or label.text != "{":
                raise _Unbounded
            self.i += 1
            out.blocks.append((t.text, tuple(labels), self.body(depth + 1)))
        raise _Unbounded

    def expression(self) -> _Expr:
        start = self.i
        closing: list[str] = []
        while (t := self.peek()) is not None:
            if not closing and (t.kind == "nl" or t.text == "}"):
                break
            if t.kind == "op" and t.text in _OPEN:
                closing.append(_OPEN[t.text])
            elif t.kind == "op" and t.text in _OPEN.values() and (not closing or closing.pop() != t.text):
                raise _Unbounded
            self.i += 1
        tokens = tuple(x for x in self.tokens[start : self.i] if x.kind != "nl")
        if not tokens:
            raise _Unbounded
        return _Expr(tokens, tokens[0].line, tokens[-1].line)


class _Opaque:
    """A value not known here (a variable, a resource attribute, a function not modelled)."""


OPAQUE = _Opaque()


class _Text:
    """A string whose content is not known here (a template, a string function of unknowns)."""


TEXT = _Text()
_STRING_FUNCTIONS = frozenset(
    ("format", "join", "lower", "upper", "replace", "title", "tostring", "trimspace", "substr", "md5", "sha1")
)


class _Scope:
    """A module's locals and variables, each evaluated once (a local that refers back to itself is not
    known). A variable is the expression the call gives it (read in the caller's scope) or its default;
    the root's variables are not known here (variable files and the command line set them)."""

    def __init__(
        self, exprs: dict[str, _Expr], variables: dict[str, tuple[_Expr, _Scope]] | None = None
    ) -> None:
        self.exprs = exprs
        self.variables = variables or {}
        self.values: dict[str, Value] = {}
        self.inputs: dict[str, Value] = {}

    def value(self, name: str, depth: int) -> Value:
        if name not in self.values:
            self.values[name] = OPAQUE  # while it is being evaluated
            self.values[name] = _evaluate(self.exprs.get(name), self, depth)
        return self.values[name]

    def variable(self, name: str, depth: int) -> Value:
        if name not in self.inputs:
            self.inputs[name] = OPAQUE
            expr, scope = self.variables.get(name, (None, self))
            self.inputs[name] = _evaluate(expr, scope, depth)
        return self.inputs[name]


@dataclass(frozen=True, slots=True)
class _Collection:
    size: float
    items: tuple[object, ...] | None = None  # known only for small literal lists
    # False when ``size`` is an upper bound (a for expression with ``if``, a set made of a list): right
    # for a limit, never for arithmetic that could lower it.
    exact: bool = True
    # What every item is when that is known (the value of a for expression): flattened, it multiplies.
    element: object = OPAQUE


@dataclass(frozen=True, slots=True)
class _UpTo:
    """A number known only by an upper bound (the length of a collection whose size is one)."""

    bound: float


Value = float | str | bool | None | _Collection | _UpTo | _Text | _Opaque
_SMALL = 1_000


def _evaluate(expr: _Expr | None, scope: _Scope, depth: int = 0) -> Value:
    if expr is None or depth > _MAX_DEPTH:
        return OPAQUE
    try:
        reader = _Reader(expr.tokens, scope, depth)
        value = reader.conditional()
        return value if reader.done() else OPAQUE
    except (_Unbounded, RecursionError, OverflowError, ValueError, ZeroDivisionError):
        return OPAQUE


def _number(value: Value) -> tuple[float, bool] | None:
    """A number and whether it is exact (else an upper bound)."""
    if isinstance(value, float):
        return value, True
    if isinstance(value, _UpTo):
        return value.bound, False
    return None


def _size(value: Value) -> tuple[float, bool] | None:
    if isinstance(value, _Collection):
        return value.size, value.exact
    return None


class _Reader:
    """Recursive descent over one expression's tokens."""

    def __init__(self, tokens: Sequence[_Token], scope: _Scope, depth: int) -> None:
        self.tokens, self.scope, self.depth, self.i = tokens, scope, depth, 0

    def done(self) -> bool:
        return self.i == len(self.tokens)

    def peek(self, ahead: int = 0) -> str:
        at = self.i + ahead
        return self.tokens[at].text if at < len(self.tokens) else ""

    def take(self, text: str) -> None:
        if self.peek() != text:
            raise _Unbounded
        self.i += 1

    def conditional(self) -> Value:
        test = self.binary(0)
        if self.peek() != "?":
            return test
        self.i += 1
        yes = self.conditional()
        self.take(":")
        no = self.conditional()
        if isinstance(test, bool):
            return yes if test else no
        return OPAQUE

    _LEVELS = (("||",), ("&&",), ("==", "!="), ("<", ">", "<=", ">="), ("+", "-"), ("*", "/", "%"))

    def binary(self, level: int) -> Value:
        if level == len(self._LEVELS):
            return self.unary()
        left = self.binary(level + 1)
        while self.peek() in self._LEVELS[level] and self.tokens[self.i].kind == "op":
            op = self.peek()
            self.i += 1
            left = _apply(op, left, self.binary(level + 1))
        return left

    def unary(self) -> Value:
        if self.peek() in ("-", "!"):
            op = self.peek()
            self.i += 1
            value = self.unary()
            if op == "-":
                return -value if isinstance(value, float) else OPAQUE
            return (not value) if isinstance(value, bool) else OPAQUE
        return self.postfix(self.primary())

    def postfix(self, value: Value) -> Value:
        while self.peek() in (".", "["):
            if self.peek() == ".":
                self.i += 2
            else:
                self.i += 1
                self.conditional()
                self.take("]")
            value = OPAQUE
        return value

    def primary(self) -> Value:
        if self.i >= len(self.tokens):
            raise _Unbounded
        t = self.tokens[self.i]
        self.i += 1
        if t.kind == "num":
            return float(t.text)
        if t.kind == "str":
            return t.text
        if t.kind == "tmpl":
            return TEXT
        if t.text == "(":
            value = self.conditional()
            self.take(")")
            return value
        if t.text == "[":
            return self.sequence("]")
        if t.text == "{":
            return self.sequence("}")
        if t.kind != "ident":
            raise _Unbounded
        if t.text in ("true", "false"):
            return t.text == "true"
        if t.text == "null":
            return None
        if self.peek() == "(":
            self.i += 1
            args: list[Value] = []
            while self.peek() != ")":
                args.append(self.conditional())
                if self.peek() == "...":
                    self.i += 1
                    args[-1] = OPAQUE
                if self.peek() == ",":
                    self.i += 1
                elif self.peek() != ")":
                    raise _Unbounded
            self.i += 1
            return _call(t.text, args)
        if t.text in ("local", "var") and self.peek() == "." and self.i + 1 < len(self.tokens):
            name = self.tokens[self.i + 1].text
            self.i += 2
            if self.peek() in (".", "["):
                return OPAQUE
            if t.text == "var":
                return self.scope.variable(name, self.depth + 1)
            return self.scope.value(name, self.depth + 1)
        return OPAQUE

    def sequence(self, close: str) -> Value:
        """A list or object literal, or a for expression."""
        if self.peek() == "for":
            return self.for_expression(close)
        items: list[Value] = []
        while self.peek() != close:
            item = self.conditional()
            if close == "}":
                if self.peek() not in ("=", ":"):
                    raise _Unbounded
                self.i += 1
                item = self.conditional()
            items.append(item)
            if self.peek() == ",":
                self.i += 1
            elif self.peek() != close and close != "}":  # an object's items may end with a newline
                raise _Unbounded
        self.i += 1
        return _Collection(float(len(items)), tuple(items) if len(items) <= _SMALL else None)

    def for_expression(self, close: str) -> Value:
        """A for expression has at most as many items as what it walks (exactly as many without ``if``
        or grouping): an upper bound is what a limit needs."""
        self.i += 1
        while self.peek() not in ("in", ""):
            self.i += 1
        self.take("in")
        walked = self.conditional()
        self.take(":")
        start = self.i
        try:
            element, exact = self.for_body(close)
        except _Unbounded:  # a body this reader does not follow: its size is still that of what it walks
            self.i = start
            element, exact = OPAQUE, self.skip_body(close)
        self.take(close)
        if not isinstance(walked, _Collection):
            return OPAQUE
        return _Collection(walked.size, exact=exact and walked.exact, element=element)

    def for_body(self, close: str) -> tuple[Value, bool]:
        element = self.conditional()
        exact = True
        if close == "}":
            self.take("=>")
            element = self.conditional()
            if self.peek() == "...":  # grouping: several items under one key
                self.i += 1
                element, exact = OPAQUE, False
        if self.peek() == "if" and self.tokens[self.i].kind == "ident":
            self.i += 1
            self.conditional()
            exact = False
        if self.peek() != close:
            raise _Unbounded
        return element, exact

    def skip_body(self, close: str) -> bool:
        """Skip to the for expression's closing bracket; whether it keeps every item it walks."""
        depth = 0
        exact = True
        while self.i < len(self.tokens) and not (depth == 0 and self.peek() == close):
            text = self.peek()
            if text in ("(", "[", "{"):
                depth += 1
            elif text in (")", "]", "}"):
                depth -= 1
            elif depth == 0 and (text == "..." or (text == "if" and self.tokens[self.i].kind == "ident")):
                exact = False
            self.i += 1
        return exact


def _apply(op: str, left: Value, right: Value) -> Value:
    if op in ("==", "!="):
        unknown = _Opaque | _Collection | _UpTo | _Text
        if isinstance(left, unknown) or isinstance(right, unknown):
            return OPAQUE
        return (left == right) == (op == "==")
    if op in ("&&", "||"):
        if isinstance(left, bool) and isinstance(right, bool):
            return (left and right) if op == "&&" else (left or right)
        return OPAQUE
    if op in ("+", "*") and (isinstance(left, _UpTo) or isinstance(right, _UpTo)):
        # An upper bound stays one only through sums and products of numbers that are not negative.
        a, b = _number(left), _number(right)
        if a is None or b is None or a[0] < 0 or b[0] < 0:
            return OPAQUE
        return _UpTo(a[0] + b[0] if op == "+" else a[0] * b[0] if a[0] and b[0] else 0.0)
    if not isinstance(left, float) or not isinstance(right, float):
        return OPAQUE
    if op == "<":
        return left < right
    if op == ">":
        return left > right
    if op == "<=":
        return left <= right
    if op == ">=":
        return left >= right
    if op == "+":
        return left + right
    if op == "-":
        return left - right
    if op == "*":
        return left * right if left and right else 0.0
    if op == "/":
        if right == 0:
            return math.nan if left == 0 else math.copysign(math.inf, left)
        return left / right
    return math.fmod(left, right) if right else OPAQUE


def _call(name: str, args: list[Value]) -> Value:
    numbers = [a for a in args if isinstance(a, float)]
    collections = [a for a in args if isinstance(a, _Collection)]
    all_collections = bool(collections) and len(collections) == len(args)
    if name == "pow" and len(numbers) == 2 == len(args):
        base, exponent = numbers
        try:
            return math.pow(base, exponent)
        except OverflowError:
            return math.inf if base > 0 or exponent % 2 == 0 else -math.inf
        except ValueError:
            return math.nan
    if name in ("min", "max") and numbers and len(numbers) == len(args):
        return min(numbers) if name == "min" else max(numbers)
    if name in ("ceil", "floor", "abs") and len(numbers) == 1 == len(args):
        n = numbers[0]
        if not math.isfinite(n):
            return n
        return float(math.ceil(n) if name == "ceil" else math.floor(n) if name == "floor" else abs(n))
    if name == "range" and numbers and len(numbers) == len(args) <= 3:
        start, stop, step = (0.0, numbers[0], 1.0) if len(numbers) == 1 else (*numbers[:2], 1.0)
        if len(numbers) == 3:
            step = numbers[2]
        if step == 0 or not all(math.isfinite(n) for n in (start, stop, step)):
            return OPAQUE
        return _Collection(float(max(0, math.ceil((stop - start) / step))))
    if name == "length" and len(args) == 1:
        value = args[0]
        if isinstance(value, str):
            return float(len(value))
        if isinstance(value, _Collection):
            return float(value.size) if value.exact else _UpTo(value.size)
        return OPAQUE
    if name in _STRING_FUNCTIONS:
        return TEXT
    exact = all(c.exact for c in collections)
    if name == "setproduct" and all_collections:
        return _Collection(math.prod(c.size for c in collections), exact=exact)
    if name == "concat" and all_collections:
        return _Collection(sum(c.size for c in collections), exact=exact)
    if name == "merge" and all_collections:  # keys may repeat: an upper bound
        return _Collection(sum(c.size for c in collections), exact=False)
    if name == "flatten" and len(args) == 1 and isinstance(args[0], _Collection):
        return _flattened(args[0])
    if (
        name in ("toset", "tolist", "tomap", "keys", "values", "distinct", "sort", "reverse")
        and len(args) == 1
    ):
        value = args[0]
        if not isinstance(value, _Collection):
            return OPAQUE
        if name in ("toset", "distinct"):
            if value.items is not None:
                known = [i for i in value.items if isinstance(i, float | str | bool)]
                if len(known) == len(value.items):
                    return _Collection(float(len(set(known))), tuple(dict.fromkeys(known)))
            return _Collection(value.size, exact=False, element=value.element)
        return value
    return OPAQUE


def _flattened(value: _Collection) -> Value:
    """``flatten``: the items of the lists inside (an item that is not a list counts as one)."""
    if value.items is not None:
        total, exact = 0.0, value.exact
        for item in value.items:
            if isinstance(item, _Collection):
                inner = _flattened(item)
                if not isinstance(inner, _Collection):
                    return OPAQUE
                total, exact = total + inner.size, exact and inner.exact
            elif isinstance(item, _Opaque):
                return OPAQUE
            else:
                total += 1
        return _Collection(total, exact=exact)
    element = value.element
    if isinstance(element, _Collection):
        inner = _flattened(element)
        if isinstance(inner, _Collection):
            return _Collection(value.size * inner.size, exact=value.exact and inner.exact)
    elif isinstance(element, float | str | bool | _Text):
        return _Collection(value.size, exact=value.exact)
    return OPAQUE
