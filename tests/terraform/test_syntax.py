"""Syntax errors in Terraform files: every file that does not parse is an error with its line, and a valid
file tfparse returned is never read again."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings

from ringfence.sources import LoadOptions, load_estate
from ringfence.sources.terraform import syntax
from tests.fuzz.mutations import mutated

ROOT = Path(__file__).resolve().parents[2]
GOOD = 'resource "aws_vpc" "ok" {\n  cidr_block = "10.0.0.0/16"\n}\n'


def _scan_json(folder: Path) -> dict:  # type: ignore[type-arg]
    done = subprocess.run(
        [sys.executable, "-m", "ringfence", "scan", str(folder), "--format", "json", "--fail-on", "none"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
        timeout=300,
    )
    assert done.returncode == 0 and "internal error" not in done.stderr, done.stderr[-2000:]
    report: dict = json.loads(done.stdout)  # type: ignore[type-arg]
    return report


# (file name, text, line of the error, words of its message)
DROPPED = [
    ("locals.tf", 'locals {\n  x = "a" "b"\n}\n', 2, "Missing newline after argument"),
    (
        "instance.tf",
        'resource "aws_instance" "i" {\n  ami = "a"\n  ami = "b"\n}\n',
        3,
        "Attribute redefined: `ami` was already set at line 2",
    ),
    (
        "surrogate.tf",
        'resource "aws_s3_bucket" "s" {\n  bucket = "\\ud800"\n}\n',
        2,
        "Invalid escape sequence",
    ),
    ("variables.tf", 'variable "region" {\n  default = "eu-west-1"\n\nvariable "x" {}\n', 1, "Unclosed"),
    ("quoted.tf", 'resource "aws_s3_bucket" "q" {\n  "bucket" = "x"\n}\n', 2, "must not be quoted"),
    ("labels.tf", 'resource "aws_s3_bucket" {\n  bucket = "x"\n}\n', 1, "Wrong number of labels"),
    ("tuple.tf", "locals {\n  t = [1\n    2]\n}\n", 3, "Missing item separator"),
    ("escape.tf", 'locals {\n  s = "a\\qb"\n}\n', 2, "Invalid escape sequence `\\q`"),
    ("heredoc.tf", "locals {\n  h = <<EOT\nabc\n}\n", 2, "no line `EOT` closes the heredoc"),
]


@pytest.mark.parametrize(("name", "text", "line", "words"), DROPPED, ids=[d[0] for d in DROPPED])
def test_a_file_tfparse_drops_is_an_error_with_its_line(
    write_tree,  # type: ignore[no-untyped-def]
    name: str,
    text: str,
    line: int,
    words: str,
) -> None:
    root = write_tree({"main.tf": GOOD, name: text})
    estate = load_estate([str(root)])
    assert [r.address for r in estate.resources] == ["aws_vpc.ok"]  # tfparse left the broken file out
    assert [(e.path, e.line) for e in estate.errors] == [(name, line)]
    message = estate.errors[0].message
    assert message.startswith("syntax error: ") and words in message
    assert "\n" not in message and len(message) < 200


def test_a_map_with_a_quoted_key_after_another_entry_is_valid(write_tree) -> None:  # type: ignore[no-untyped-def]
    # HCL object keys may be names or strings, mixed (only a block's argument names must not be quoted).
    root = write_tree(
        {
            "main.tf": 'resource "aws_s3_bucket" "b" {\n  bucket = "b"\n'
            '  tags = { Team = "a", "Cost-Centre" = "c" }\n}\n'
            'resource "aws_s3_bucket" "c" {\n  count = 0\n  bucket = "c"\n  tags = {\n    Team = "a"\n'
            '    "Cost-Centre" = "c"\n  }\n}\n'
        }
    )
    estate = load_estate([str(root)])
    assert estate.errors == ()
    assert estate.by_address["aws_s3_bucket.b"].attributes["tags"] == {"Team": "a", "Cost-Centre": "c"}


def test_a_file_tfparse_returned_is_not_parsed_again(
    write_tree,  # type: ignore[no-untyped-def]
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """tfparse returns nothing for resources with an empty count or for_each, nor for `import` blocks, nor
    for a module called with count 0: only those files are parsed again, by the checker."""
    root = write_tree(
        {
            "main.tf": GOOD + 'module "off" {\n  source = "./modules/off"\n  count  = 0\n}\n',
            "variables.tf": 'variable "enabled" {\n  type    = bool\n  default = false\n}\n',
            "optional.tf": 'resource "aws_s3_bucket" "maybe" {\n  count  = var.enabled ? 1 : 0\n'
            '  bucket = "m"\n}\n'
            'resource "aws_sqs_queue" "q" {\n  for_each = toset([])\n  name = each.key\n}\n',
            "imports.tf": 'import {\n  to = aws_vpc.ok\n  id = "vpc-1"\n}\n',
            "modules/off/variables.tf": 'variable "name" {\n  default = "x"\n}\n',
            "modules/off/main.tf": 'resource "aws_s3_bucket" "b" {\n  bucket = var.name\n}\n',
        }
    )
    read: list[str] = []
    real_read = syntax.read

    def recording(path: Path) -> tuple[str | None, syntax.SyntaxProblem | None]:
        read.append(path.relative_to(root).as_posix())
        return real_read(path)

    monkeypatch.setattr(syntax, "read", recording)
    estate = load_estate([str(root)])
    assert estate.errors == ()
    assert [r.address for r in estate.resources] == ["aws_vpc.ok"]
    assert sorted(read) == ["imports.tf", "modules/off/main.tf", "modules/off/variables.tf", "optional.tf"]


def test_a_broken_module_file_is_named_and_its_module_is_not_blamed_twice(write_tree) -> None:  # type: ignore[no-untyped-def]
    # tfparse leaves out a module with a file that does not parse as a whole: its good files are not errors.
    root = write_tree(
        {
            "main.tf": GOOD + 'module "net" {\n  source = "./modules/net"\n}\n',
            "modules/net/main.tf": 'resource "aws_subnet" "a" {\n  vpc_id = "v"\n  cidr_block = "10.0.1.0/24"\n}\n',
            "modules/net/variables.tf": 'variable "x" {\n  default = "a" "b"\n}\n',
        }
    )
    estate = load_estate([str(root)])
    assert [(e.path, e.line) for e in estate.errors] == [("modules/net/variables.tf", 2)]
    assert "aws_vpc.ok" in estate.by_address


def test_invalid_utf8_names_its_line_and_byte(tmp_path: Path) -> None:
    data = b'resource "aws_s3_bucket" "b" {\n  bucket = "b"\n  tags = { a = "caf\xe9" }\n}\n'
    (tmp_path / "main.tf").write_text(GOOD)
    (tmp_path / "latin1.tf").write_bytes(data)
    report = _scan_json(tmp_path)
    assert report["errors"] == [
        {
            "path": "latin1.tf",
            "line": 3,
            "message": f"cannot read file: invalid UTF-8 at line 3, byte {data.index(bytes([0xE9]))}",
        }
    ]
    # The evaluation reads the file with the byte replaced: what it holds is still scanned.
    assert report["summary"]["resources"] == 2


def test_every_error_whose_message_names_a_line_carries_it(tmp_path: Path) -> None:
    broken = {
        "deep.tf": 'resource "aws_s3_bucket" "d" {\n  tags = { a = ' + "[" * 600 + "]" * 600 + " }\n}\n",
        "deep.tf.json": "[" * 700 + "]" * 700,
        "bad.tf.json": '{"resource": {"aws_s3_bucket": {"x": {"bucket": "a",}}}}',
        "unclosed.tf": 'resource "aws_s3_bucket" "u" {\n  bucket = "u"\n',
        "locals.tf": 'locals {\n  x = "a" "b"\n}\n',
        "variables.tf": 'variable "v" {\n  default = "a"\n  default = "b"\n}\n',
        "modules/m/main.tf": "locals {\n  y = [1 2]\n}\n",
    }
    for name, text in broken.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    (tmp_path / "main.tf").write_text(GOOD + 'module "m" {\n  source = "./modules/m"\n}\n')
    (tmp_path / "latin1.tf").write_bytes(b'locals {\n  a = "\xff"\n}\n')
    report = _scan_json(tmp_path)
    paths = sorted(e["path"] for e in report["errors"])
    assert paths == sorted([*broken, "latin1.tf"])
    naming = [e for e in report["errors"] if re.search(r"\bline \d+|\.tf(?:\.json)?:\d+", e["message"])]
    assert len(naming) >= 2
    assert [e for e in report["errors"] if e["line"] is None] == []
    assert all("\n" not in e["message"] and len(e["message"]) < 200 for e in report["errors"])


def test_messages_do_not_echo_long_or_secret_looking_input(write_tree) -> None:  # type: ignore[no-untyped-def]
    secret = "AKIA" + "Q" * 16
    root = write_tree(
        {
            "main.tf": GOOD,
            "odd.tf": f'{secret} "x" {{\n}}\n',
            "long.tf": f'{"b" * 300} "x" {{\n}}\n',
        }
    )
    estate = load_estate([str(root)])
    by_path = {e.path: e for e in estate.errors}
    assert set(by_path) == {"odd.tf", "long.tf"}
    assert secret not in by_path["odd.tf"].message and "Unsupported block type" in by_path["odd.tf"].message
    assert "b" * 81 not in by_path["long.tf"].message and by_path["long.tf"].line == 1


VALID = r"""
locals {
  tags_for = { for k, v in merge(var.tags, var.more) :
    k => v if k != "Name" && v != null
  }
  rules = { for k, v in {
    https = { from_port = 443 }
  } : k => v if var.on }
  list    = [for s in var.subnets : s.id if s.public]
  grouped = { for s in var.subnets : s.az => s.id... }
  splat   = [aws_instance.a[*].id, aws_instance.a.*.id, var.m["a"].b[0], -1.5e3]
  cond = (
    var.a
    && var.b
  ) ? 1 : 0
  tmpl   = "%{ if var.x }a%{ else }b%{ endif } $${literal} %%{ x } ${~ var.y ~}"
  loop   = "%{ for x in var.xs }${x},%{ endfor }"
  nested = "${lookup(var.m, "k", "d")}-${join(",", [for x in var.l : "${x}"])}"
  pf     = provider::aws::arn_parse("arn:aws:s3:::b")
  spread = concat(var.l...)
  esc    = "\u00e9 \\ \" \n \t \U0001F600"
  keys = {
    (local.k) = 1
    "a.b"     = 2
    c: 3,
    d = 4, e = 5
  }
  doc = <<-EOT
    {"a": "${var.x}"}
  EOT
  doc2 = jsonencode(<<EOF
x
EOF
  )
  ops = var.a % 2 == 0 || !var.b && var.c <= 2 ? -var.d : var.e * 2 / 3 - 1
}

variable "o" {
  type    = map(object({ a = string, b = optional(number, 1) }))
  default = {}
  validation {
    condition     = can(regex("^a", var.o))
    error_message = "Must start with a."
  }
}

variable "one" { default = 1 }

resource "aws_security_group" "sg" {
  count = 0
  dynamic "ingress" {
    for_each = var.rules
    iterator = rule
    content {
      from_port = rule.value.from
    }
  }
  lifecycle { ignore_changes = all }
  tags = merge(var.tags, { "Name" = "x" }, ) /* trailing */ # and
}
"""


def test_the_checker_accepts_what_tfparse_accepts(write_tree) -> None:  # type: ignore[no-untyped-def]
    root = write_tree({"main.tf": GOOD, "valid.tf": VALID, "crlf.tf": "locals {\r\n  a = 1\r\n}\r\n"})
    estate = load_estate([str(root)])
    assert estate.errors == ()
    for name in ("valid.tf", "crlf.tf"):
        assert syntax.check((root / name).read_text()) is None


def test_a_broken_var_file_is_named_with_its_line(tmp_path: Path) -> None:
    root = tmp_path / "root"
    root.mkdir()
    (root / "main.tf").write_text('variable "name" {}\n' + GOOD)
    (tmp_path / "prod.tfvars").write_text('name = "a"\ncidr = "b" "c"\n')
    estate = load_estate([str(root)], LoadOptions(var_files=(str(tmp_path / "prod.tfvars"),)))
    assert [(e.path, e.line) for e in estate.errors] == [("../prod.tfvars", 2)]
    message = estate.errors[0].message
    assert "Missing newline after argument" in message
    assert "the variables it sets (name, cidr) are analysed as unknown" in message  # the root still is
    assert "__ringfence" not in message and "TerraformConverter" not in message


def test_a_one_line_block_and_an_indented_heredoc_marker_are_valid(write_tree) -> None:  # type: ignore[no-untyped-def]
    root = write_tree(
        {
            "main.tf": GOOD,
            # count = 0: tfparse returns nothing of this file, so the checker decides.
            "other.tf": 'resource "aws_s3_bucket" "b" {\n  count = 0\n  lifecycle { ignore_changes = [\n'
            "    tags,\n  ] }\n  policy = <<EOT\n{}\n    EOT\n}\n",
            "nested.tf": 'terraform { required_providers { aws = { source = "hashicorp/aws" } } }\n',
        }
    )
    estate = load_estate([str(root)])
    # Terraform: a single-line block holds one argument, never a nested block.
    assert [(e.path, e.line) for e in estate.errors] == [("nested.tf", 1)]
    assert "single-line block" in estate.errors[0].message


# Terraform's own parser (Go HCL, through tfparse) judges each text alone, in a process of its own: a text
# can make it panic. One verdict per line, so that a crash costs only the text that caused it.
_ORACLE = r"""
import json, sys, tempfile
from pathlib import Path
import tfparse
for line in sys.stdin:
    with tempfile.TemporaryDirectory() as folder:
        Path(folder, "main.tf").write_text(json.loads(line), encoding="utf-8")
        try:
            tfparse.load_from_path(folder, stop_on_hcl_error=True)
            verdict = "valid"
        except Exception as exc:
            verdict = "invalid" if "unable to create TerraformConverter" in str(exc) else "other"
    print(json.dumps(verdict), flush=True)
"""


def _terraform_verdicts(texts: list[str]) -> list[str]:
    verdicts: list[str] = []
    while len(verdicts) < len(texts):
        rest = texts[len(verdicts) :]
        done = subprocess.run(
            [sys.executable, "-c", _ORACLE],
            input="".join(json.dumps(t) + "\n" for t in rest),
            capture_output=True,
            text=True,
            check=False,
            timeout=600,
        )
        answered = [json.loads(line) for line in done.stdout.splitlines()]
        verdicts += answered
        if len(answered) < len(rest):
            verdicts.append("other")  # this text ended the process
    return verdicts


def _mutations(seeds: list[str], count: int) -> list[str]:
    import random

    chance = random.Random(20261203)
    pieces = ['"', "{", "}", "[", "]", "(", ")", ",", "=", "\n", "${", "<<EOT\n", "#", "/*", "\\", ":", "?"]
    pieces += ["...", "=>", "for", "if", "x", '"a"', "1", ".", "*", "%{", "'"]
    out = []
    for _ in range(count):
        text = chance.choice(seeds)
        for _ in range(chance.randrange(1, 4)):
            lines = text.split("\n")
            at = chance.randrange(len(text) or 1)
            row = chance.randrange(len(lines))
            how = chance.randrange(4)
            if how == 0:
                text = text[:at] + text[at + 1 :]
            elif how == 1:
                text = text[:at] + chance.choice(pieces) + text[at:]
            elif how == 2:
                text = "\n".join([*lines[: row + 1], lines[row], *lines[row + 1 :]])
            else:
                text = "\n".join(lines[:row] + lines[row + 1 :])
        out.append(text)
    return out


# Templates in quoted strings and heredocs: interpolations, directives, escapes.
TEMPLATES = r"""
locals {
  a = "%{ for i, v in var.list ~}${i}=${v}%{ if i < 2 }, %{ else }; %{ endif }%{ endfor ~}"
  b = <<-EOT
    %{ for x in var.xs }
    line ${x} and ${upper("q")}
    %{ endfor }
  EOT
  c = "${ { for k, v in var.m : k => "${v}-x" } }"
  d = "$${not} %%{not} \\ \" ${var.a ? "y" : "n"}"
  e = [for s in var.l : "${s}" if s != ""]
  f = { "k-1" = 1, k2 = "v", (var.k) = [1, 2, 3] }
  g = jsonencode({ a = [for x in range(3) : { v = x }] })
  h = try(var.o.a.b[0], null) != null ? var.o.a.b[*].c : []
}
output "o" {
  value       = local.a
  description = <<EOD
A "quoted" ${local.b}
EOD
  sensitive = true
}
"""


def test_the_checker_agrees_with_terraforms_parser_on_mutated_files() -> None:
    seeds = [
        VALID,
        TEMPLATES,
        GOOD + DROPPED[0][1],
        'variable "a" {\n  type = string\n}\noutput "o" {\n  value = var.a\n}\n',
    ]
    texts = _mutations(seeds, 400)
    verdicts = _terraform_verdicts(texts)
    judged = [(t, v) for t, v in zip(texts, verdicts, strict=True) if v != "other"]
    assert len(judged) > 350 and {v for _, v in judged} == {"valid", "invalid"}
    disagreements = [
        (v, syntax.check(t), t) for t, v in judged if (syntax.check(t) is None) != (v == "valid")
    ]
    assert disagreements == []


def test_tf_json_of_the_wrong_shape_is_an_error_with_its_line(write_tree) -> None:  # type: ignore[no-untyped-def]
    # Valid JSON that is not Terraform's JSON syntax: tfparse leaves it out without a word.
    root = write_tree(
        {
            "main.tf": GOOD,
            "list.tf.json": "[1, 2]",
            "kind.tf.json": '{\n  "variable": {"v": {"default": 1}},\n  "bogus": {}\n}\n',
            "labels.tf.json": '{\n  "resource": {"aws_s3_bucket": "b"}\n}\n',
            # tfparse returns nothing of a resource with count 0: valid, not an error
            "off.tf.json": '{"resource": {"aws_s3_bucket": {"off": {"count": 0, "bucket": "o"}}}}',
            "on.tf.json": '{"//": "a comment", "resource": {"aws_sqs_queue": {"q": [{"name": "q"}]}}}',
        }
    )
    estate = load_estate([str(root)])
    assert sorted((e.path, e.line) for e in estate.errors) == [
        ("kind.tf.json", 3),
        ("labels.tf.json", 2),
        ("list.tf.json", 1),
    ]
    assert all(e.message.startswith("invalid Terraform JSON: ") for e in estate.errors)
    assert sorted(r.address for r in estate.resources) == ["aws_sqs_queue.q", "aws_vpc.ok"]


@settings(max_examples=200, deadline=None)
@given(mutated(VALID.encode()))
def test_the_checker_returns_a_short_one_line_verdict_for_any_bytes(data: bytes) -> None:
    text, problem = syntax.decode(data)
    problems = [problem] if text is None else [syntax.check(text), syntax.check_json(text)]
    for found in problems:
        if found is not None:
            assert found.line is None or 1 <= found.line <= data.count(b"\n") + 1
            assert "\n" not in found.message and len(found.message) < 200
