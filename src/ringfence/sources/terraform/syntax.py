"""Syntax errors in the Terraform files tfparse did not return, found without parsing a valid file twice.

tfparse (Go HCL) leaves out a file that does not parse without a word, but it also returns nothing for a
valid file whose resources all have an empty ``count``/``for_each``, or whose blocks are of a kind it does
not convert (``import``, ``check``, ``removed``, ``ephemeral``). Every file it returned parsed (it is only
checked to be UTF-8), so only the others are read here, by a small HCL native-syntax checker that reports
what Terraform's parser reports (unclosed blocks, two values side by side, a repeated argument, a bad
escape, invalid UTF-8...) with the line. It agrees with Terraform's parser on which files parse (a test
compares them on mutated files), so it needs no slower parser behind it.

The rules follow the HCL native syntax specification (hashicorp/hcl ``hclsyntax/spec.md``) and Terraform's
top-level block schema; messages use Terraform's own summaries.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from pathlib import Path

from ringfence.shown import redacted
from ringfence.sources.terraform.mirror import MAX_NESTING

# Longest quoted input in a message: a file's content is never echoed at length.
MAX_QUOTED = 80
# Top-level blocks Terraform knows, with how many labels each takes.
_LABELS = {
    "resource": 2,
    "data": 2,
    "ephemeral": 2,
    "action": 2,
    "module": 1,
    "variable": 1,
    "output": 1,
    "provider": 1,
    "check": 1,
    "locals": 0,
    "terraform": 0,
    "moved": 0,
    "import": 0,
    "removed": 0,
}


@dataclass(frozen=True, slots=True)
class SyntaxProblem:
    line: int | None
    message: str


class _Error(Exception):
    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


# -- reading ---------------------------------------------------------------------------------------------


def decode(data: bytes) -> tuple[str | None, SyntaxProblem | None]:
    """The text of a file, or where it is not UTF-8 (Terraform reads only UTF-8)."""
    try:
        return data.decode("utf-8").removeprefix("\ufeff"), None  # a byte-order mark is allowed
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        return None, SyntaxProblem(line, f"cannot read file: invalid UTF-8 at line {line}, byte {exc.start}")


def read(path: Path) -> tuple[str | None, SyntaxProblem | None]:
    try:
        data = path.read_bytes()
    except OSError as exc:
        return None, SyntaxProblem(None, f"cannot read file: {exc.strerror or type(exc).__name__}")
    return decode(data)


# -- tokens ----------------------------------------------------------------------------------------------

_TOKEN = re.compile(
    r"""
    (?P<space>[ \t\r]+)
  | (?P<newline>\n)
  | (?P<comment>(?:\#|//)[^\n]*)
  | (?P<block_comment>/\*)
  | (?P<heredoc><<-?[ \t]*(?P<marker>[A-Za-z_][\w-]*)[ \t]*\r?\n)
  | (?P<number>\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)
  | (?P<ident>[^\W\d][\w-]*)
  | (?P<quote>")
  | (?P<interp_end>~?\})
  | (?P<op>\.\.\.|::|==|!=|<=|>=|&&|\|\||=>|[-+*/%!<>=?:.,(){}\[\]])
    """,
    re.VERBOSE,
)
_STRING_PART = re.compile(
    r'[^"\\$%\n]+|\$\$\{|%%\{|[$%](?!\{)|\\(?:u[0-9A-Fa-f]{4}|U[0-9A-Fa-f]{8}|.?)|[$%]\{~?|"|\n'
)
_HEREDOC_PART = re.compile(r"[^$%\n]+|\$\$\{|%%\{|[$%](?!\{)|[$%]\{~?|\n")
_ESCAPES = set('nrt"\\')


@dataclass(frozen=True, slots=True)
class Token:
    kind: str  # "ident", "number", "string", "heredoc", "newline", "eof", or the operator itself
    # The token's text; for a quoted string without interpolations, its value (escapes decoded); for
    # one with interpolations and for a heredoc, "".
    text: str
    line: int


def tokens(text: str) -> list[Token] | None:
    """The HCL native-syntax tokens of ``text`` (see `_Lexer`; the last one is ``eof``), or None when it
    does not lex. The one lexer of Terraform text: the checker here and the expansion bounds read it."""
    try:
        return _Lexer(text).run()
    except _Error:
        return None


class _Lexer:
    """HCL native-syntax tokens. A quoted string with interpolations becomes ``${`` (or ``%{``), the
    interpolation's tokens and ``}`` for each, then one ``string`` token; a heredoc is one token."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0
        self.line = 1
        self.tokens: list[Token] = []

    def run(self) -> list[Token]:
        self._lex(inside_interpolation=False)
        self.tokens.append(Token("eof", "", self.line))
        return self.tokens

    def _lex(self, inside_interpolation: bool) -> None:
        """Tokens up to the end of the text, or (inside an interpolation) up to the `}` that closes it."""
        text, n = self.text, len(self.text)
        braces = 0
        while self.pos < n:
            m = _TOKEN.match(text, self.pos)
            if m is None:
                c = text[self.pos]
                if c == "'":
                    raise _Error(
                        self.line, "Invalid character: single quotes are not valid, use double quotes"
                    )
                raise _Error(self.line, f"Invalid character {_shown(c)}")
            kind = m.lastgroup
            self.pos = m.end()
            if kind in ("space", "comment"):
                continue
            if kind == "newline":
                self.tokens.append(Token("newline", "\n", self.line))
                self.line += 1
            elif kind == "block_comment":
                end = text.find("*/", self.pos)
                if end < 0:
                    raise _Error(self.line, "Unterminated comment: no */ closes it")
                self.line += text.count("\n", self.pos, end)
                self.pos = end + 2
            elif kind == "heredoc":
                self._heredoc(m.group("marker"))
            elif kind == "quote":
                self._string()
            elif kind == "interp_end":
                if inside_interpolation and braces == 0:
                    return
                braces -= 1
                self.tokens.append(Token("}", "}", self.line))
            else:
                value = m.group(0)
                braces += value == "{"
                self.tokens.append(Token(kind if kind in ("number", "ident") else value, value, self.line))
        if inside_interpolation:
            raise _Error(self.line, "Unterminated template string: an interpolation is not closed")

    def _string(self) -> None:
        start = self.line
        text = self.text
        value: list[str] = []
        interpolated = False
        while True:
            m = _STRING_PART.match(text, self.pos)
            if m is None:  # the end of the text
                raise _Error(start, "Unterminated template string: no closing quote")
            part = m.group(0)
            self.pos = m.end()
            if part == '"':
                break
            if part == "\n":
                raise _Error(start, "Invalid multi-line string: quoted strings may not be split over lines")
            if part.startswith("\\"):
                _check_escape(part, self.line)
                value.append(_escaped(part))
            elif part.startswith(("${", "%{")):
                interpolated = True
                self.tokens.append(Token("${", part, self.line))
                self._lex(inside_interpolation=True)
                self.tokens.append(Token("}", "}", self.line))
            else:
                value.append(part[1:] if part in ("$${", "%%{") else part)
        self.tokens.append(Token("string", "" if interpolated else "".join(value), start))

    def _heredoc(self, marker: str) -> None:
        """A heredoc's lines up to its closing marker (in both forms, `<<EOT` and `<<-EOT`, it may be
        indented): a template, whose interpolations become tokens as a quoted string's do."""
        start = self.line
        self.line += 1
        text, n = self.text, len(self.text)
        interpolated = False
        while True:
            end = text.find("\n", self.pos)
            if text[self.pos : end if end >= 0 else n].strip() == marker:
                self.pos = end if end >= 0 else n
                break
            while self.pos < n:
                m = _HEREDOC_PART.match(text, self.pos)
                assert m is not None  # (every character is one of the parts)
                part = m.group(0)
                self.pos = m.end()
                if part == "\n":
                    self.line += 1
                    break
                if part.startswith(("${", "%{")):
                    interpolated = True
                    self.tokens.append(Token("${", part, self.line))
                    self._lex(inside_interpolation=True)
                    self.tokens.append(Token("}", "}", self.line))
            else:
                raise _Error(
                    start, f"Unterminated template string: no line {_shown(marker)} closes the heredoc"
                )
        self.tokens.append(Token("string" if interpolated else "heredoc", "", start))


_ESCAPED = {"n": "\n", "r": "\r", "t": "\t", '"': '"', "\\": "\\"}


def _escaped(part: str) -> str:
    """The character an escape sequence stands for (checked by `_check_escape` first)."""
    if part[1:2] in ("u", "U"):
        return chr(int(part[2:], 16))
    return _ESCAPED[part[1:]]


def _check_escape(part: str, line: int) -> None:
    if part[1:2] in ("u", "U") and len(part) > 2:
        code = int(part[2:], 16)
        if 0xD800 <= code <= 0xDFFF or code > 0x10FFFF:
            raise _Error(line, f"Invalid escape sequence {_shown(part)}: U+{code:04X} is not a character")
        return
    if part[1:] not in _ESCAPES:
        raise _Error(line, f"Invalid escape sequence {_shown(part)}")


def _shown(text: str) -> str:
    """Input quoted in a message: short, printable, and a credential only as its fingerprint."""
    text = redacted(text)
    text = text.encode("unicode_escape").decode("ascii") if not text.isprintable() else text
    return f"`{text[:MAX_QUOTED]}{'...' if len(text) > MAX_QUOTED else ''}`"


# -- structure -------------------------------------------------------------------------------------------

_BINARY = {"==", "!=", "<", ">", "<=", ">=", "&&", "||", "+", "-", "*", "/", "%"}


class _Parser:
    """Bodies, blocks, arguments and expressions of the HCL native syntax, checked, not built."""

    def __init__(self, tokens: list[Token]) -> None:
        self.tokens = tokens
        self.i = 0
        # Errors of the configuration's schema, reported (as Terraform does) only when the text parses.
        self.schema_errors: list[_Error] = []
        # A variable file (`.tfvars`): arguments at the top, no blocks.
        self.variables = False

    def decoding(self, line: int, message: str) -> None:
        self.schema_errors.append(_Error(line, message))

    # token access; `nl` skips newlines (inside brackets they do not end anything)
    def peek(self, nl: bool = False) -> Token:
        if nl:
            while self.tokens[self.i].kind == "newline":
                self.i += 1
        return self.tokens[self.i]

    def take(self, nl: bool = False) -> Token:
        tok = self.peek(nl)
        if tok.kind != "eof":
            self.i += 1
        return tok

    def expect(self, kind: str, nl: bool, why: str) -> Token:
        tok = self.take(nl)
        if tok.kind != kind:
            raise _Error(tok.line, why)
        return tok

    def body(self, opening: Token | None) -> None:
        """A block's body (``opening`` is its `{`; None: the file's)."""
        seen: dict[str, int] = {}
        if opening is not None and self.peek().kind not in ("newline", "}"):
            self._single_line()
            return
        while True:
            tok = self.take(nl=True)
            if tok.kind == "}" and opening is not None:
                return
            if tok.kind == "eof":
                if opening is not None:
                    raise _Error(
                        opening.line, "Unclosed configuration block: no closing brace before the end"
                    )
                return
            if tok.kind in ("string", "${"):
                raise _Error(tok.line, "Invalid argument name: argument names must not be quoted")
            if tok.kind != "ident":
                raise _Error(tok.line, f"Argument or block definition required, found {_described(tok)}")
            if self.peek().kind != "=":
                self.block(tok, top=opening is None)
                continue
            self.take()
            if opening is None and not self.variables:
                self.decoding(tok.line, f"Unsupported argument: {_shown(tok.text)} is not expected here")
            elif tok.text in seen:
                # Terraform: "Attribute redefined ... Each argument may be set only once." (HCL's parser
                # says so where it meets the second one, before any later syntax error)
                raise _Error(
                    tok.line,
                    f"Attribute redefined: {_shown(tok.text)} was already set at line {seen[tok.text]}",
                )
            seen[tok.text] = tok.line
            self.expression(nl=False)
            after = self.peek()
            if after.kind not in ("newline", "eof"):
                raise _Error(after.line, f"Missing newline after argument: found {_described(after)}")

    def block(self, head: Token, top: bool) -> None:
        labels = 0
        while self.peek().kind in ("string", "ident"):
            self.take()
            labels += 1
        opening = self.take()
        if opening.kind != "{":
            raise _Error(opening.line, f"Invalid block definition: expected {{ after {_shown(head.text)}")
        if top and self.variables:
            self.decoding(head.line, f"Unexpected {_shown(head.text)} block: blocks are not allowed here")
        elif top:
            want = _LABELS.get(head.text)
            if want is None:
                self.decoding(head.line, f"Unsupported block type: {_shown(head.text)} is not expected here")
            elif labels != want:
                self.decoding(
                    head.line, f"Wrong number of labels: a {head.text} block takes {want}, not {labels}"
                )
        self.body(opening)
        after = self.peek()
        if after.kind not in ("newline", "eof"):
            raise _Error(after.line, "Missing newline after block definition")

    def _single_line(self) -> None:
        """A block written on one line (`lifecycle { create_before_destroy = true }`): one argument."""
        name = self.take()
        if name.kind != "ident" or self.peek().kind != "=":
            raise _Error(
                name.line, "Argument definition required: a single-line block can hold only one argument"
            )
        self.take()
        self.expression(nl=False)
        self.expect("}", False, "Invalid single-line block: it must end with } after its one argument")

    # expressions
    def expression(self, nl: bool) -> None:
        self.operation(nl)
        if self.peek(nl).kind == "?":
            self.take(nl)
            self.expression(nl)
            self.expect(":", nl, "Invalid conditional: expected : after the true value")
            self.expression(nl)

    def operation(self, nl: bool) -> None:
        self.unary(nl)
        while self.peek(nl).kind in _BINARY:
            self.take(nl)
            self.unary(nl)

    def unary(self, nl: bool) -> None:
        while self.peek(nl).kind in ("-", "!"):
            self.take(nl)
        self.term(nl)

    def term(self, nl: bool) -> None:
        tok = self.take(nl)
        kind = tok.kind
        if kind == "ident":
            if self.peek(nl).kind == "::":  # provider::aws::arn_parse(...)
                while self.peek(nl).kind == "::":
                    self.take(nl)
                    self.expect("ident", nl, "Invalid function name")
            if self.peek(nl).kind == "(":
                self.take(nl)
                self.call_arguments()
        elif kind == "${":
            self.interpolations(tok)
        elif kind in ("number", "string", "heredoc"):
            pass
        elif kind == "(":
            self.expression(nl=True)
            self.expect(")", True, "Unbalanced parentheses: expected )")
        elif kind == "[":
            self.tuple_or_for()
        elif kind == "{":
            self.object_or_for(tok)
        else:
            raise _Error(tok.line, f"Invalid expression: expected a value, found {_described(tok)}")
        self.postfix(nl)

    def interpolations(self, first: Token) -> None:
        """A quoted template: `${ expr }` and `%{ directive }` parts, then the string's end."""
        tok = first
        opened: list[Token] = []  # the `if` and `for` directives not yet ended
        while True:
            if tok.text.startswith("%"):
                self._directive(opened)
            else:
                self.expression(nl=True)
                self.expect("}", True, "Invalid template interpolation: expected }")
            tok = self.take()
            if tok.kind == "string":
                if opened:
                    raise _Error(opened[-1].line, f"Unterminated template directive: no end{opened[-1].text}")
                return
            if tok.kind != "${":  # pragma: no cover - the lexer emits nothing else inside a string
                raise _Error(tok.line, "Invalid template string")

    def _directive(self, opened: list[Token]) -> None:
        keyword = self.take(True)
        word = keyword.text if keyword.kind == "ident" else ""
        if word == "if":
            self.expression(nl=True)
            opened.append(keyword)
        elif word == "for":
            self._for_head("Invalid template for directive")
            opened.append(keyword)
        elif word in ("else", "endif", "endfor"):
            wanted = "for" if word == "endfor" else "if"
            if not opened or opened[-1].text != wanted:
                raise _Error(keyword.line, f"Unexpected {word} directive: no {wanted} directive is open")
            if word != "else":
                opened.pop()
        else:
            raise _Error(keyword.line, f"Invalid template control keyword {_shown(keyword.text)}")
        self.expect("}", True, "Invalid template directive: expected }")

    def call_arguments(self) -> None:
        if self.peek(True).kind == ")":
            self.take(True)
            return
        while True:
            self.expression(nl=True)
            tok = self.take(True)
            if tok.kind == "...":
                tok = self.take(True)
            if tok.kind == ")":
                return
            if tok.kind != ",":
                raise _Error(
                    tok.line, f"Missing argument separator: expected , or ), found {_described(tok)}"
                )
            if self.peek(True).kind == ")":
                self.take(True)
                return

    def tuple_or_for(self) -> None:
        if self._is_for():
            self.for_expression("]", object_=False)
            return
        while True:
            if self.peek(True).kind == "]":
                self.take(True)
                return
            self.expression(nl=True)
            tok = self.take(True)
            if tok.kind == "]":
                return
            if tok.kind != ",":
                raise _Error(tok.line, f"Missing item separator: expected a comma, found {_described(tok)}")

    def object_or_for(self, opening: Token) -> None:
        if self._is_for():
            self.for_expression("}", object_=True)
            return
        while True:
            tok = self.peek(True)
            if tok.kind == "}":
                self.take(True)
                return
            if tok.kind == "eof":
                raise _Error(opening.line, "Unclosed object: no closing brace before the end")
            self.expression(nl=False)  # the key: a name, a string or an (expression)
            sep = self.take()
            if sep.kind not in ("=", ":"):
                raise _Error(
                    sep.line, f"Missing key/value separator: expected = or :, found {_described(sep)}"
                )
            self.expression(nl=False)
            after = self.peek()
            if after.kind in (",", "newline"):
                self.take()
            elif after.kind != "}":
                raise _Error(
                    after.line,
                    f"Missing attribute separator: expected a newline or comma, found {_described(after)}",
                )

    def _is_for(self) -> bool:
        tok = self.peek(True)
        return tok.kind == "ident" and tok.text == "for" and self.tokens[self.i + 1].kind == "ident"

    def _for_head(self, what: str) -> None:
        """`key, value in collection` (the key is optional), after `for`."""
        self.expect("ident", True, f"{what}: expected a variable name")
        if self.peek(True).kind == ",":
            self.take(True)
            self.expect("ident", True, f"{what}: expected a second variable name")
        tok = self.take(True)
        if tok.kind != "ident" or tok.text != "in":
            raise _Error(tok.line, f"{what}: expected in")
        self.expression(nl=True)

    def for_expression(self, closing: str, object_: bool) -> None:
        self.take(True)  # for
        self._for_head("Invalid for expression")
        self.expect(":", True, "Invalid for expression: expected :")
        self.expression(nl=True)
        if object_:
            self.expect("=>", True, "Invalid for expression: expected => in an object for expression")
            self.expression(nl=True)
            if self.peek(True).kind == "...":
                self.take(True)
        tok = self.peek(True)
        if tok.kind == "ident" and tok.text == "if":
            self.take(True)
            self.expression(nl=True)
        self.expect(closing, True, f"Invalid for expression: expected {closing}")

    def postfix(self, nl: bool) -> None:
        while True:
            tok = self.peek(nl)
            if tok.kind == ".":
                self.take(nl)
                name = self.take(nl)
                if name.kind not in ("ident", "number", "*"):
                    raise _Error(name.line, f"Invalid attribute name after a dot, found {_described(name)}")
            elif tok.kind == "[":
                self.take(nl)
                if self.peek(True).kind == "*":
                    self.take(True)
                else:
                    self.expression(nl=True)
                self.expect("]", True, "Missing close bracket on index")
            else:
                return


def _described(tok: Token) -> str:
    if tok.kind == "eof":
        return "the end of the file"
    if tok.kind == "newline":
        return "a newline"
    if tok.kind in ("string", "heredoc"):
        return "a string"
    if tok.kind == "number":
        return "a number"
    return _shown(tok.text)


# -- checks ----------------------------------------------------------------------------------------------


def check(text: str, *, variables: bool = False) -> SyntaxProblem | None:
    """The first syntax error of a ``.tf`` file's text (of a ``.tfvars`` file's with ``variables``), or
    None when it has none."""
    parser = _Parser([])
    parser.variables = variables
    limit = sys.getrecursionlimit()
    # A few frames per level of nesting; files nested deeper than MAX_NESTING are refused before this.
    sys.setrecursionlimit(max(limit, 12 * MAX_NESTING))
    try:
        parser.tokens = _Lexer(text).run()
        parser.body(None)
        if parser.schema_errors:
            raise parser.schema_errors[0]
    except _Error as exc:
        return SyntaxProblem(exc.line, f"syntax error: {exc.message}")
    except RecursionError:
        return SyntaxProblem(None, "syntax error: nested too deeply to read")
    finally:
        sys.setrecursionlimit(limit)
    return None


def check_json(text: str) -> SyntaxProblem | None:
    """The first problem of a ``.tf.json`` file's text, or None: Terraform's JSON syntax is one object
    whose properties are block types, each with one level of objects per label."""
    import json

    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        return SyntaxProblem(exc.lineno, f"invalid JSON: {exc.msg}")
    except RecursionError:
        return SyntaxProblem(None, "invalid JSON: nested too deeply to read")
    if not isinstance(data, dict):
        return SyntaxProblem(1, "invalid Terraform JSON: the file must hold one JSON object")
    for kind, value in data.items():
        if kind == "//":  # a comment
            continue
        line = text.count("\n", 0, max(0, text.find(json.dumps(kind)))) + 1
        labels = _LABELS.get(kind)
        if labels is None:
            return SyntaxProblem(line, f"invalid Terraform JSON: no block type is named {_shown(kind)}")
        if not _json_block(value, labels):
            why = f"a {kind} block is {labels} level{'s' if labels != 1 else ''} of names, then an object"
            return SyntaxProblem(line, f"invalid Terraform JSON: {why}")
    return None


def check_var_file(path: Path) -> SyntaxProblem | None:
    """The first problem of a variable file (``.tfvars``, or ``.tfvars.json``: one JSON object), or None."""
    import json

    text, problem = read(path)
    if text is None:
        return problem
    if not path.name.endswith(".json"):
        return check(text, variables=True)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        return SyntaxProblem(exc.lineno, f"invalid JSON: {exc.msg}")
    except RecursionError:
        return SyntaxProblem(None, "invalid JSON: nested too deeply to read")
    return None if isinstance(data, dict) else SyntaxProblem(1, "invalid JSON: the file must hold one object")


def _json_block(value: object, labels: int) -> bool:
    """Whether ``value`` is ``labels`` levels of names over an object (an array of objects may stand for
    an object at each level)."""
    items = value if isinstance(value, list) else [value]
    if not all(isinstance(item, dict) for item in items):
        return False
    return labels == 0 or all(
        _json_block(inner, labels - 1) for item in items if isinstance(item, dict) for inner in item.values()
    )


def unparsed(files: Sequence[Path], returned: AbstractSet[str]) -> list[tuple[Path, SyntaxProblem]]:
    """The ``files`` (``.tf`` and ``.tf.json``) that do not parse, each with its problem. A file tfparse
    returned parsed: it is only checked to be UTF-8 (the evaluation reads a copy in which invalid bytes
    are replaced; Terraform refuses the file)."""
    out: list[tuple[Path, SyntaxProblem]] = []
    for file in files:
        if was_returned(file, returned):
            problem = _utf8_problem(file)
        else:
            text, problem = read(file)
            if text is not None:
                problem = check_json(text) if file.name.endswith(".tf.json") else check(text)
        if problem is not None:
            out.append((file, problem))
    return sorted(out, key=lambda item: str(item[0]))


def was_returned(file: Path, files: AbstractSet[str]) -> bool:
    """Whether tfparse returned ``file`` (named as it is, or where its links lead)."""
    return str(file) in files or str(file.resolve()) in files


def _utf8_problem(path: Path) -> SyntaxProblem | None:
    try:
        data = path.read_bytes()
    except OSError:
        return None
    if data.isascii():
        return None
    return decode(data)[1]


_PLACE = re.compile(r"([^\s:\"']+\.(?:tf|tf\.json|tfvars|tfvars\.json)):(\d+)")
# The names the evaluation gives the var files in its working copy (see `evaluation._copy_of_root`).
_VAR_FILE = re.compile(r"__ringfence_var_file_(\d+)[\w.]*")


def evaluation_failure(
    message: str, files: Sequence[Path], var_files: Sequence[Path]
) -> tuple[Path | None, int | None, str]:
    """The file and line an evaluation failure names (a var file, or one of ``files`` of the root and its
    modules: the evaluator names them in its working copy, so they are matched by folder and name), and
    the message in the user's file names."""
    place: tuple[Path | None, int | None] = (None, None)
    for found in _PLACE.finditer(message):
        named, line = Path(found.group(1)), int(found.group(2))
        var_file = _VAR_FILE.fullmatch(named.name)
        if var_file is not None and int(var_file.group(1)) < len(var_files):
            place = (var_files[int(var_file.group(1))], line)
            break
        match = next(
            (
                f
                for f in files
                if f.name == named.name and (len(named.parts) == 1 or named.parent.name == f.parent.name)
            ),
            None,
        )
        if match is not None:
            place = (match, line)
            break

    def user_name(found: re.Match[str]) -> str:
        index = int(found.group(1))
        return var_files[index].name if index < len(var_files) else found.group(0)

    text = _VAR_FILE.sub(user_name, message).replace("unable to create TerraformConverter: ", "")
    return place[0], place[1], text
