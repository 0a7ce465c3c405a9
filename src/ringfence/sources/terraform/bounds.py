"""Expansion bounds checked before evaluation, and values that cannot be written out set aside.

tfparse expands ``count``, ``for_each`` and ``dynamic`` blocks in full: ``count = 1000000`` or a
``setproduct`` of a few ``range(100)`` runs for minutes or out of memory, and a local that evaluates to
infinity (``pow(10, 400)``) makes the whole root fail ("json: unsupported value: +Inf"). So before a root
is evaluated, the small constant expressions that decide an expansion (numbers, ``pow``, ``range``,
``setproduct``, ``length`` of literal lists, the module's own locals) are evaluated here, without
tfparse. A block whose expansion is over the limit, or whose value is infinite, is blanked in the
evaluation copy (line numbers kept) and reported at its line: it is analysed as unknown, the rest of the
root is evaluated. What cannot be bounded here is left to tfparse under the worker's limits.

Limits: ``RINGFENCE_TF_MAX_INSTANCES`` (instances of one resource, nested blocks of one instance) and
``RINGFENCE_TF_MAX_ROOT_INSTANCES`` (instances in one root), else the defaults.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ringfence.limits import env_limit
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


@dataclass(frozen=True, slots=True)
class Plan:
    """Line ranges (file name of the root, first and last line, 1-based) to blank, and why."""

    blank: tuple[tuple[str, int, int], ...] = ()
    problems: tuple[Problem, ...] = ()

    def files(self) -> frozenset[str]:
        return frozenset(name for name, _, _ in self.blank)

    def apply(self, name: str, lines: list[str]) -> None:
        for file, start, end in self.blank:
            if file == name:
                for n in range(start - 1, min(end, len(lines))):
                    lines[n] = ""


def plan(root: Path, bounds: Limits) -> Plan:
    """What to blank in the evaluation copy of ``root``, and the problems to report (computed once per
    root, before its evaluations are handed to workers)."""
    blank: list[tuple[str, int, int]] = []
    problems: list[Problem] = []
    total = 0
    weights: dict[Path, tuple[int, int]] = {}
    locals_ = _locals_of(root)
    calls = {c.name: c for c in module_calls(root) if c.is_local}

    def set_aside(problem: Problem, start: int, end: int) -> None:
        problems.append(problem)
        blank.append((problem.file.name, start, end))

    for file in tf_files(root):
        for block in _blocks_of(file):
            if block.type == "locals":
                for problem, (first, last) in _infinite_locals(file, block, locals_):
                    set_aside(problem, first, last)
                continue
            module = block.labels[0] if block.type == "module" and block.labels else ""
            label = _address(block)
            if label is None:
                if block.type in ("variable", "output") and (why := _infinite_in(block, locals_)):
                    named = f'{block.type} "{block.labels[0] if block.labels else ""}"'
                    set_aside(Problem(file, block.start, f"{named}: {why}"), block.start, block.end)
                continue
            why, count = _over(block, locals_, bounds)
            inner = 1
            if why is None and module in calls:
                inner, most = _weight((root / calls[module].source).resolve(), weights, ())
                if bounds.instances and most > 1 and count * most > bounds.instances:
                    held = f"the module holds {most:,} instances of one resource"
                    if count != 1:
                        held = f"{count:,} instances of a module holding {most:,} of one resource"
                    why = f"{held}: {count * most:,}, {_per_resource(bounds)}"
            if why is None:
                added = count * inner
                if bounds.root_instances and total + added > bounds.root_instances:
                    why = (
                        f"{added:,} more instances bring the root to {total + added:,}, over the limit of "
                        f"{bounds.root_instances:,} per root (terraform.max_root_instances)"
                    )
                else:
                    total += added
            if why is not None:
                message = f"{label}: {why}; analysed as unknown"
                set_aside(Problem(file, block.start, message, module), block.start, block.end)
    return Plan(tuple(blank), tuple(problems))


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
_EXPANDS = re.compile(rf"\b(?:count|for_each)\b|{_NUMERIC.pattern}")


def _over(block: Block, locals_: _Scope, bounds: Limits) -> tuple[str | None, int]:
    """Why the block expands past the limits (None when it does not, or cannot be told), and how many
    instances it has (1 when not known)."""
    body = _body(block, _EXPANDS)
    if body is None:
        return None, 1
    count = 1
    for name, expr in body.attributes:
        if name in ("count", "for_each"):
            value = _evaluate(expr, locals_)
            size = _size(value) if name == "for_each" else _number(value)
            if size is None:
                continue
            if not math.isfinite(size):
                return f"{name} is not a finite number", 1
            count = max(0, int(size))
            if bounds.instances and size > bounds.instances:
                return f"{name} of {count:,} is {_per_resource(bounds)}", 0
    why = _infinite_body(body, locals_) or _nested_over(body, locals_, bounds, 1)
    return why, count


def _nested_over(body: _Body, locals_: _Scope, bounds: Limits, outer: float) -> str | None:
    for kind, labels, inner in body.blocks:
        times = outer
        if kind == "dynamic":
            each = next((e for n, e in inner.attributes if n == "for_each"), None)
            size = _size(_evaluate(each, locals_)) if each is not None else None
            if size is not None:
                times = outer * size
                if bounds.instances and times > bounds.instances:
                    what = f'dynamic "{labels[0] if labels else ""}"'
                    sizes = f" ({outer:,.0f} x {size:,.0f})" if outer > 1 else ""
                    return f"{what} of {times:,.0f} blocks{sizes} is {_per_resource(bounds, 'blocks')}"
        found = _nested_over(inner, locals_, bounds, times)
        if found is not None:
            return found
    return None


def _infinite_body(body: _Body, locals_: _Scope) -> str | None:
    for name, expr in body.attributes:
        value = _evaluate(expr, locals_)
        if isinstance(value, float) and not math.isfinite(value):
            return f"{name} evaluates to {_show(value)}"
    for _kind, _labels, inner in body.blocks:
        found = _infinite_body(inner, locals_)
        if found is not None:
            return found
    return None


def _infinite_in(block: Block, locals_: _Scope) -> str | None:
    body = _body(block, _NUMERIC)
    found = _infinite_body(body, locals_) if body is not None else None
    return f"{found}; analysed as unknown" if found else None


def _infinite_locals(file: Path, block: Block, locals_: _Scope) -> Iterator[tuple[Problem, tuple[int, int]]]:
    body = _body(block, _NUMERIC)
    for name, expr in body.attributes if body is not None else ():
        value = _evaluate(expr, locals_)
        if isinstance(value, float) and not math.isfinite(value):
            first, last = block.start + expr.first_line - 1, block.start + expr.last_line - 1
            span = (first, last) if block.start < first and last < block.end else (block.start, block.end)
            yield (
                Problem(
                    file,
                    first,
                    f"local.{name} evaluates to {_show(value)}: it and what uses it are analysed as unknown",
                ),
                span,
            )


def _show(value: float) -> str:
    return "NaN" if math.isnan(value) else ("+Inf" if value > 0 else "-Inf")


def _locals_of(folder: Path) -> _Scope:
    found: dict[str, _Expr] = {}
    for file in tf_files(folder):
        for block in _blocks_of(file):
            body = _body(block, None) if block.type == "locals" else None
            if body is not None:
                found.update(body.attributes)
    return _Scope(found)


def _body(block: Block, gate: re.Pattern[str] | None) -> _Body | None:
    """The block's attributes and nested blocks; None when it is too long to read here, holds nothing
    ``gate`` looks for, or does not parse (tfparse reports that)."""
    if len(block.text) > _MAX_BLOCK_CHARS or (gate is not None and not gate.search(block.text)):
        return None
    try:
        return _Parser(_tokens(block.text)).block()
    except _Unbounded:
        return None


def _weight(folder: Path, seen: dict[Path, tuple[int, int]], path: tuple[Path, ...]) -> tuple[int, int]:
    """(instances in one instance of the module at ``folder``, most instances of one resource in it),
    counting what can be told here (1 for an expansion that cannot)."""
    if folder in seen:
        return seen[folder]
    if folder in path or not folder.is_dir():
        return 1, 1
    locals_ = _locals_of(folder)
    calls = {c.name: c for c in module_calls(folder) if c.is_local}
    total, most = 0, 1
    for file in tf_files(folder):
        for block in _blocks_of(file):
            if _address(block) is None:
                continue
            _why, count = _over(block, locals_, Limits(0, 0))
            if block.type == "module":
                call = calls.get(block.labels[0]) if block.labels else None
                inner, one = (
                    _weight((folder / call.source).resolve(), seen, (*path, folder))
                    if call is not None
                    else (1, 1)
                )
                total, most = total + count * inner, max(most, count * one)
            else:
                total, most = total + count, max(most, count)
    seen[folder] = (total, most)
    return total, most


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


_LEX = re.compile(
    r"""(?P<ws>[ \t\r]+)
    |(?P<comment>\#[^\n]*|//[^\n]*|/\*.*?\*/)
    |(?P<nl>\n)
    |(?P<num>\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)
    |(?P<ident>[A-Za-z_][\w-]*)
    |(?P<heredoc><<-?[ \t]*[A-Za-z_]\w*[ \t]*\n)
    |(?P<op>=>|==|!=|<=|>=|&&|\|\||\.\.\.|[-+*/%!<>?:=.,(){}\[\]])
    |(?P<quote>")""",
    re.VERBOSE | re.DOTALL,
)
_IN_STRING = re.compile(r'[^"\\$%\n]*')


def _tokens(text: str) -> list[_Token]:
    out: list[_Token] = []
    i, line = 0, 1
    while i < len(text):
        m = _LEX.match(text, i)
        if m is None:
            raise _Unbounded
        kind = m.lastgroup or ""
        if kind == "quote":
            end, literal = _string_end(text, m.end())
            out.append(_Token("str" if literal is not None else "tmpl", literal or "", line))
            line += text.count("\n", i, end)
            i = end
            continue
        if kind == "heredoc":
            marker = m.group(0).lstrip("<-").strip()
            close = re.compile(rf"^[ \t]*{re.escape(marker)}[ \t]*$", re.MULTILINE).search(text, m.end())
            if close is None:
                raise _Unbounded
            out.append(_Token("tmpl", "", line))
            line += text.count("\n", i, close.end())
            i = close.end()
            continue
        if kind == "nl":
            out.append(_Token("nl", "\n", line))
        elif kind not in ("ws", "comment"):
            out.append(_Token(kind, m.group(0), line))
        line += m.group(0).count("\n") if kind != "nl" else 1
        i = m.end()
    return out


def _string_end(text: str, i: int) -> tuple[int, str | None]:
    """Where the string opened before ``i`` ends, and its value (None for a template)."""
    parts: list[str] = []
    template = False
    while True:
        m = _IN_STRING.match(text, i)
        parts.append(m.group(0) if m else "")
        i = m.end() if m else i
        if i >= len(text) or text[i] == "\n":
            raise _Unbounded
        c = text[i]
        if c == '"':
            return i + 1, None if template else "".join(parts)
        if c == "\\":
            parts.append(text[i : i + 2])
            i += 2
        elif text.startswith(("${", "%{"), i):
            template = True
            i = _interpolation_end(text, i + 2)
        else:
            parts.append(c)
            i += 1


def _interpolation_end(text: str, i: int) -> int:
    depth = 1
    while i < len(text):
        c = text[i]
        if c == '"':
            i, _ = _string_end(text, i + 1)
            continue
        if c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    raise _Unbounded


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


class _Scope:
    """A module's locals, each evaluated once (a local that refers back to itself is not known)."""

    def __init__(self, exprs: dict[str, _Expr]) -> None:
        self.exprs = exprs
        self.values: dict[str, Value] = {}

    def value(self, name: str, depth: int) -> Value:
        if name not in self.values:
            self.values[name] = OPAQUE  # while it is being evaluated
            self.values[name] = _evaluate(self.exprs.get(name), self, depth)
        return self.values[name]


@dataclass(frozen=True, slots=True)
class _Collection:
    size: float
    items: tuple[object, ...] | None = None  # known only for small literal lists


Value = float | str | bool | None | _Collection | _Opaque
_SMALL = 1_000


def _evaluate(expr: _Expr | None, locals_: _Scope, depth: int = 0) -> Value:
    if expr is None or depth > _MAX_DEPTH:
        return OPAQUE
    try:
        reader = _Reader(expr.tokens, locals_, depth)
        value = reader.conditional()
        return value if reader.done() else OPAQUE
    except (_Unbounded, RecursionError, OverflowError, ValueError, ZeroDivisionError):
        return OPAQUE


def _number(value: Value) -> float | None:
    return value if isinstance(value, float) else None


def _size(value: Value) -> float | None:
    if isinstance(value, _Collection):
        return value.size
    return None


class _Reader:
    """Recursive descent over one expression's tokens."""

    def __init__(self, tokens: Sequence[_Token], locals_: _Scope, depth: int) -> None:
        self.tokens, self.locals, self.depth, self.i = tokens, locals_, depth, 0

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
            return OPAQUE
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
        if t.text == "local" and self.peek() == "." and self.i + 1 < len(self.tokens):
            name = self.tokens[self.i + 1].text
            self.i += 2
            if self.peek() in (".", "["):
                return OPAQUE
            return self.locals.value(name, self.depth + 1)
        return OPAQUE

    def sequence(self, close: str) -> Value:
        """A list or object literal, or a for expression (its size is the size of what it walks)."""
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
        self.i += 1
        while self.peek() not in ("in", ""):
            self.i += 1
        self.take("in")
        walked = self.conditional()
        depth = 0
        filtered = False
        while self.i < len(self.tokens) and not (depth == 0 and self.peek() == close):
            text = self.peek()
            if text in ("(", "[", "{"):
                depth += 1
            elif text in (")", "]", "}"):
                depth -= 1
            elif depth == 0 and text == "if" and self.tokens[self.i].kind == "ident":
                filtered = True
            self.i += 1
        self.take(close)
        if filtered or not isinstance(walked, _Collection):
            return OPAQUE
        return _Collection(walked.size)


def _apply(op: str, left: Value, right: Value) -> Value:
    if op in ("==", "!="):
        if isinstance(left, _Opaque | _Collection) or isinstance(right, _Opaque | _Collection):
            return OPAQUE
        return (left == right) == (op == "==")
    if op in ("&&", "||"):
        if isinstance(left, bool) and isinstance(right, bool):
            return (left and right) if op == "&&" else (left or right)
        return OPAQUE
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
    sizes = [a.size for a in args if isinstance(a, _Collection)]
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
        if isinstance(args[0], str):
            return float(len(args[0]))
        return sizes[0] if sizes else OPAQUE
    if name == "setproduct" and sizes and len(sizes) == len(args):
        return _Collection(math.prod(sizes))
    if name == "concat" and sizes and len(sizes) == len(args):
        return _Collection(sum(sizes))
    if (
        name in ("toset", "tolist", "tomap", "keys", "values", "distinct", "sort", "reverse")
        and len(args) == 1
    ):
        value = args[0]
        if name in ("toset", "distinct") and isinstance(value, _Collection) and value.items is not None:
            known = [i for i in value.items if isinstance(i, float | str | bool)]
            if len(known) == len(value.items):
                return _Collection(float(len(set(known))), tuple(dict.fromkeys(known)))
        return value if isinstance(value, _Collection) else OPAQUE
    return OPAQUE
