"""Just enough HCL lexing to find top-level blocks and comments without evaluating anything.

tfparse evaluates; this module only needs the line span of each top-level block (to split a root module's
``module`` calls into batches) and the comments around a block (for suppressions). It understands strings
with escapes and ``${}`` templates, heredocs and the three comment styles, so braces inside them do not
count.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

_BLOCK_HEAD = re.compile(r'^\s*([A-Za-z_][\w-]*)((?:\s+"[^"]*"|\s+[A-Za-z_][\w-]*)*)\s*\{')
_LABEL = re.compile(r'"([^"]*)"|([A-Za-z_][\w-]*)')
_HEREDOC = re.compile(r"<<-?\s*([A-Za-z_][\w]*)\s*$")


@dataclass(frozen=True, slots=True)
class Block:
    type: str
    labels: tuple[str, ...]
    start: int  # 1-based line of the opening brace
    end: int  # 1-based line of the closing brace
    text: str


@functools.lru_cache(maxsize=512)
def top_level_blocks(source: str) -> tuple[Block, ...]:
    """Top-level blocks of one ``.tf`` file, in order. Unbalanced input ends the scan quietly:
    tfparse reports the syntax error with its line. (Cached: the same files are read by every step.)"""
    return tuple(_blocks(source))


def _blocks(source: str) -> list[Block]:
    lines = source.splitlines()
    blocks: list[Block] = []
    depth = 0
    current: tuple[str, tuple[str, ...], int] | None = None
    in_comment = False
    heredoc: str | None = None
    for number, line in enumerate(lines, start=1):
        if heredoc is not None:
            if line.strip() == heredoc:
                heredoc = None
            continue
        if depth == 0 and not in_comment:
            head = _BLOCK_HEAD.match(line)
            if head:
                labels = tuple(a or b for a, b in _LABEL.findall(head.group(2)))
                current = (head.group(1), labels, number)
        depth, in_comment, heredoc = _scan_line(line, depth, in_comment)
        if depth == 0 and current is not None and number >= current[2]:
            kind, labels, start = current
            if "{" in "".join(lines[start - 1 : number]):
                blocks.append(Block(kind, labels, start, number, "\n".join(lines[start - 1 : number])))
                current = None
    return blocks


_SPECIAL = re.compile(r'["#/{}<*\\]')


def _scan_line(line: str, depth: int, in_comment: bool) -> tuple[int, bool, str | None]:
    if not in_comment and not _SPECIAL.search(line):
        return depth, in_comment, None  # nothing that opens, closes or hides a block
    i, n = 0, len(line)
    in_string = False
    template = 0
    while i < n:
        c = line[i]
        if in_comment:
            if line.startswith("*/", i):
                in_comment = False
                i += 2
                continue
            i += 1
            continue
        if in_string:
            if c == "\\":
                i += 2
                continue
            if line.startswith("${", i):
                template += 1
                i += 2
                continue
            if c == "}" and template:
                template -= 1
            elif c == '"' and not template:
                in_string = False
            i += 1
            continue
        if c == '"':
            in_string = True
        elif c == "#" or line.startswith("//", i):
            break
        elif line.startswith("/*", i):
            in_comment = True
            i += 2
            continue
        elif line.startswith("<<", i):
            match = _HEREDOC.match(line[i:])
            if match:
                return depth, in_comment, match.group(1)
        elif c == "{":
            depth += 1
        elif c == "}":
            depth = max(0, depth - 1)
        i += 1
    return depth, in_comment, None


_COMMENT = re.compile(r"^\s*(?:#|//)\s?(.*)$")
_TRAILING = re.compile(r"(?:#|//)\s?((?:ringfence|checkov|trivy|tfsec)[:\s].*)$")


def comments_for(lines: list[str], start: int, end: int) -> tuple[str, ...]:
    """Comments that belong to the block spanning ``start..end`` (1-based): the comment lines directly
    above it and every comment inside it."""
    found: list[str] = []
    above = start - 2
    while above >= 0:
        match = _COMMENT.match(lines[above])
        if not match:
            break
        found.insert(0, match.group(1).strip())
        above -= 1
    heredoc: str | None = None
    for line in lines[start - 1 : end]:
        if heredoc is not None:  # a `#` inside a heredoc (a script's shebang) is text, not a comment
            if line.strip() == heredoc:
                heredoc = None
            continue
        opening = re.search(r"<<-?\s*([A-Za-z_]\w*)\s*$", line)
        if opening:
            heredoc = opening.group(1)
        match = _COMMENT.match(line) or _TRAILING.search(line)
        if match:
            found.append(match.group(1).strip())
    return tuple(found)


_ARGUMENT = re.compile(r"^\s*([A-Za-z_][\w-]*)\s*=(?![=>])")
_NESTED_HEAD = re.compile(r'^\s*([A-Za-z_][\w-]*)((?:\s+"[^"]*"|\s+[A-Za-z_][\w-]*)*)\s*\{')


@dataclass(frozen=True, slots=True)
class Item:
    """One argument of a block's body (``name = expression``) or one block nested in it."""

    name: str  # the argument's name; a nested block's type (a `dynamic` block's label)
    line: int  # 1-based line in the file where it starts
    text: str  # the argument's expression, or the nested block's text
    is_block: bool = False


def items(block: Block) -> tuple[Item, ...]:
    """The arguments and nested blocks of ``block``'s body, in order, each with its text (an argument's
    expression runs until the next argument or block of the body starts)."""
    lines = block.text.splitlines()
    if len(lines) == 1:  # `resource "a" "b" { name = value }`: one argument at most
        inner = lines[0][lines[0].find("{") + 1 : lines[0].rfind("}")]
        found = _ARGUMENT.match(inner)
        return (Item(found.group(1), block.start, inner[found.end() :].strip()),) if found else ()
    out: list[Item] = []
    current: list[str] = []
    head: tuple[str, int, bool] | None = None

    def close() -> None:
        if head is not None:
            out.append(Item(head[0], head[1], "\n".join(current).strip(), head[2]))

    depth, in_comment, heredoc = _scan_line(lines[0], 0, False)
    for number, text in enumerate(lines[1:-1], start=block.start + 1):
        line = text
        if heredoc is not None:
            current.append(line)
            if line.strip() == heredoc:
                heredoc = None
            continue
        if depth == 1 and not in_comment:
            argument = _ARGUMENT.match(line)
            nested = None if argument else _NESTED_HEAD.match(line)
            if argument or nested:
                close()
                current = []
                if argument:
                    head = (argument.group(1), number, False)
                    line = line[argument.end() :]
                else:
                    assert nested is not None
                    labels = [a or b for a, b in _LABEL.findall(nested.group(2))]
                    kind = nested.group(1)
                    head = (labels[0] if kind == "dynamic" and labels else kind, number, True)
        current.append(line)
        depth, in_comment, heredoc = _scan_line(line, depth, in_comment)
    close()
    return tuple(out)
