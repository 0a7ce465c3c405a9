"""The hostile corpus: cases written by code, each a hostile input beside a good one.

Every case is a folder made by :func:`Case.build`: for ``scan`` an ``estate/`` holding ``good.tf`` and the
hostile part; for ``detect`` a ``logs/`` folder holding ``good.json`` and the hostile part, and a
``sigma/`` folder with a good rule (and the hostile rule, for the Sigma families). The good inputs carry
planted credentials, so that a run can be searched for them in every output format. Nothing here is
random at run time: the mutations come from a seeded generator, so a case name always means the same bytes.

Used by ``scripts/fuzz`` (the campaign) and ``tests/fuzz/test_corpus.py`` (the slice CI runs).
"""

from __future__ import annotations

import gzip
import json
import os
import random
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

# Planted credentials (the documented AWS example shapes, plus a token shape): none may reach any output.
KEY_ID = "AKIAIOSFODNN7EXAMPLE"
SECRET_KEY = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
HOSTILE_KEY_ID = "AKIAI44QH8DHBEXAMPLE"
TOKEN = "ghp_0123456789abcdefghijklmnopqrstuvwxyz"
PLANTED = (KEY_ID, SECRET_KEY, HOSTILE_KEY_ID, TOKEN)

GOOD_TF = f"""\
resource "aws_kms_key" "good" {{
  description         = "survives whatever sits beside it"
  enable_key_rotation = false
  tags = {{
    deployer = "{KEY_ID}"
  }}
}}

resource "aws_lambda_function" "good" {{
  function_name = "good"
  role          = "arn:aws:iam::123456789012:role/good"
  handler       = "index.handler"
  runtime       = "python3.12"
  filename      = "good.zip"
  environment {{
    variables = {{
      AWS_SECRET_ACCESS_KEY = "{SECRET_KEY}"
    }}
  }}
}}
"""
# What the good file must give in the JSON report whatever sits beside it: (rule id, address).
GOOD_FINDINGS = (
    ("kms.key-rotation-enabled", "aws_kms_key.good"),
    ("secrets.hardcoded-secret", "aws_lambda_function.good"),
)

SEED_TF = """\
variable "names" {
  type    = list(string)
  default = ["a", "b"]
}

locals {
  prefix = "seed"
  tags   = { team = "platform", env = "test" }
}

resource "aws_s3_bucket" "seed" {
  for_each = toset(var.names)
  bucket   = "${local.prefix}-${each.key}"
  tags     = merge(local.tags, { name = each.key })
}

resource "aws_security_group" "seed" {
  name = "seed"
  ingress {
    from_port   = 443
    to_port     = 443
    protocol    = "tcp"
    cidr_blocks = ["10.0.0.0/8"]
  }
  dynamic "egress" {
    for_each = [80, 443]
    content {
      from_port   = egress.value
      to_port     = egress.value
      protocol    = "tcp"
      cidr_blocks = ["0.0.0.0/0"]
    }
  }
}
"""

GOOD_RULE_ID = "0b7e3f52-9c1d-4f0e-8a35-6d2b91c4e7aa"
GOOD_SIGMA = f"""\
title: Trail logging stopped (corpus rule)
id: {GOOD_RULE_ID}
status: test
logsource:
  product: aws
  service: cloudtrail
detection:
  selection:
    eventSource: cloudtrail.amazonaws.com
    eventName: StopLogging
  condition: selection
level: high
"""


def record(i: int, **changes: object) -> dict[str, object]:
    """A CloudTrail record of the corpus (a trail being stopped), with a planted credential in it."""
    rec: dict[str, object] = {
        "eventVersion": "1.08",
        "userIdentity": {
            "type": "IAMUser",
            "principalId": "AIDACORPUSPRINCIPAL01",
            "arn": "arn:aws:iam::123456789012:user/corpus",
            "accountId": "123456789012",
            "userName": f"corpus-{KEY_ID}",
        },
        "eventTime": f"2026-11-02T10:{i % 60:02d}:00Z",
        "eventSource": "cloudtrail.amazonaws.com",
        "eventName": "StopLogging",
        "awsRegion": "eu-west-1",
        "sourceIPAddress": "198.51.100.7",
        "userAgent": "aws-cli/2.15",
        "requestParameters": {"name": "main-trail", "note": SECRET_KEY},
        "responseElements": None,
        "eventID": f"corpus-good-{i:04d}",
        "eventType": "AwsApiCall",
        "recipientAccountId": "123456789012",
    }
    rec.update(changes)
    return rec


GOOD_RECORDS = 3
GOOD_TRAIL = json.dumps({"Records": [record(i) for i in range(GOOD_RECORDS)]}, indent=1)

FLOW_HEADER = "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status"
FLOW_LINE = (
    "2 123456789012 eni-0a1b2c3d 203.0.113.9 10.0.1.5 49152 22 6 10 840 1762077600 1762077660 ACCEPT OK"
)

Command = Literal["scan", "detect"]


@dataclass(frozen=True)
class Case:
    name: str  # "<family>/<case>"
    command: Command
    write: Callable[[Path], None]  # writes the hostile part into the case's input folder
    heavy: bool = False  # costly to build or run (gzip bombs, huge files): left out of the CI slice
    sigma: bool = False  # the hostile part is a Sigma rule (written into sigma/, not logs/)

    @property
    def family(self) -> str:
        return self.name.split("/", 1)[0]

    def build(self, folder: Path) -> Path:
        """Write the case into `folder` (created); return the folder the command reads."""
        folder.mkdir(parents=True, exist_ok=True)
        if self.command == "scan":
            estate = folder / "estate"
            estate.mkdir(exist_ok=True)
            (estate / "good.tf").write_text(GOOD_TF, encoding="utf-8")
            self.write(estate)
            return estate
        logs, sigma = folder / "logs", folder / "sigma"
        logs.mkdir(exist_ok=True)
        sigma.mkdir(exist_ok=True)
        (logs / "good.json").write_text(GOOD_TRAIL, encoding="utf-8")
        (sigma / "good.yml").write_text(GOOD_SIGMA, encoding="utf-8")
        self.write(sigma if self.sigma else logs)
        return logs


def _file(name: str, content: str | bytes) -> Callable[[Path], None]:
    def write(folder: Path) -> None:
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, str):
            path.write_text(content, encoding="utf-8")
        else:
            path.write_bytes(content)

    return write


def _files(files: dict[str, str | bytes]) -> Callable[[Path], None]:
    writers = [_file(name, content) for name, content in files.items()]

    def write(folder: Path) -> None:
        for w in writers:
            w(folder)

    return write


HOSTILE_BYTES = (b"\x00", b"\xff\xfe", b"\xc3\x28", b"\xed\xa0\x80", b"{" * 64, b"[" * 64, b'"', b"\\", b"${")


def mutate(seed: bytes, rng: random.Random) -> bytes:
    """`seed` with one to four hostile edits: a bit flip, an insertion, a truncation or a deletion."""
    data = bytearray(seed)
    for _ in range(rng.randint(1, 4)):
        kind = rng.choice(("flip", "insert", "truncate", "delete"))
        pos = rng.randrange(max(len(data), 1))
        if kind == "flip" and data:
            data[pos] ^= 1 << rng.randrange(8)
        elif kind == "insert":
            data[pos:pos] = rng.choice(HOSTILE_BYTES)
        elif kind == "truncate":
            del data[pos:]
        elif data:
            del data[pos : pos + rng.randint(1, 16)]
    return bytes(data)


def _mutations(
    family: str, command: Command, name: str, seed: bytes, count: int, salt: int
) -> Iterator[Case]:
    rng = random.Random(salt)
    for i in range(count):
        yield Case(f"{family}/{i:03d}", command, _file(name, mutate(seed, rng)))


# --- filesystem oddities (POSIX only) --------------------------------------------------------------------


def _fifo(name: str) -> Callable[[Path], None]:
    def write(folder: Path) -> None:
        os.mkfifo(folder / name)

    return write


def _link(name: str, target: str) -> Callable[[Path], None]:
    def write(folder: Path) -> None:
        (folder / name).symlink_to(target)

    return write


def _loop(name: str) -> Callable[[Path], None]:
    def write(folder: Path) -> None:
        (folder / f"{name}.a").symlink_to(folder / f"{name}.b")
        (folder / f"{name}.b").symlink_to(folder / f"{name}.a")

    return write


def _folder_named(name: str) -> Callable[[Path], None]:
    def write(folder: Path) -> None:
        (folder / name).mkdir()
        (folder / name / "inside.txt").write_text("not a file of the kind its name says\n")

    return write


def _parent_link(name: str) -> Callable[[Path], None]:
    def write(folder: Path) -> None:
        sub = folder / "sub"
        sub.mkdir()
        (sub / name).symlink_to(folder)

    return write


# --- compressed bombs, written on the fly (never committed) ---------------------------------------------


def _gzip_bomb(name: str, expanded: int, unit: bytes) -> Callable[[Path], None]:
    """A gzip file that expands to `expanded` bytes of `unit` repeated, compressed as it is written."""

    def write(folder: Path) -> None:
        chunk = unit * max(1, (1 << 22) // len(unit))
        with (folder / name).open("wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=1) as gz:
            gz.write(b'{"Records": [')
            left = expanded
            while left > 0:
                gz.write(chunk[: min(left, len(chunk))])
                left -= len(chunk)

    return write


def _truncated_gzip(name: str, keep: float) -> Callable[[Path], None]:
    def write(folder: Path) -> None:
        data = gzip.compress(json.dumps({"Records": [record(100 + i) for i in range(50)]}).encode())
        (folder / name).write_bytes(data[: int(len(data) * keep)])

    return write


def _corrupt_gzip(name: str) -> Callable[[Path], None]:
    def write(folder: Path) -> None:
        data = bytearray(
            gzip.compress(json.dumps({"Records": [record(200 + i) for i in range(50)]}).encode())
        )
        for i in range(20, len(data) - 8, 37):
            data[i] ^= 0x5A
        (folder / name).write_bytes(bytes(data))

    return write


def _deflate_of(text: bytes) -> bytes:
    return zlib.compress(text)


# A "billion laughs" document: nine aliases of nine aliases, eight levels deep.
ALIAS_BOMB = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join('*' + chr(97 + i) for _ in range(9))}]\n" for i in range(8)
)


# --- the families --------------------------------------------------------------------------------------


def _terraform_cases() -> Iterator[Case]:
    yield from _mutations("tf-mutation", "scan", "hostile.tf", SEED_TF.encode(), 60, 20261203)
    yield from _mutations(
        "tfjson-mutation",
        "scan",
        "hostile.tf.json",
        json.dumps({"resource": {"aws_s3_bucket": {"j": {"bucket": "j", "tags": {"a": "b"}}}}}).encode(),
        20,
        7,
    )
    enc = "tf-encoding"
    yield Case(
        f"{enc}/invalid-utf8-in-string",
        "scan",
        _file("h.tf", b'resource "aws_s3_bucket" "h" {\n  bucket = "a\xff\xfeb"\n}\n'),
    )
    yield Case(
        f"{enc}/nul-bytes",
        "scan",
        _file("h.tf", b'resource "aws_s3_bucket" "h" {\x00\n  bucket = "a\x00b"\n}\n'),
    )
    yield Case(f"{enc}/surrogate-bytes", "scan", _file("h.tf", b'locals {\n  x = "\xed\xa0\x80"\n}\n'))
    yield Case(f"{enc}/escaped-surrogate", "scan", _file("h.tf", 'locals {\n  x = "\\ud800"\n}\n'))
    yield Case(
        f"{enc}/utf16-file", "scan", _file("h.tf", 'resource "aws_s3_bucket" "h" {}\n'.encode("utf-16"))
    )
    yield Case(
        f"{enc}/bom-and-crlf",
        "scan",
        _file("h.tf", b'\xef\xbb\xbfresource "aws_s3_bucket" "h" {\r\n  bucket = "h"\r\n}\r\n'),
    )
    yield Case(
        f"{enc}/control-characters",
        "scan",
        _file("h.tf", 'resource "aws_s3_bucket" "h" {\n  bucket = "\x1b[31m\x07"\n}\n'),
    )
    yield Case(f"{enc}/only-garbage", "scan", _file("h.tf", bytes(range(256)) * 8))

    nest = "tf-nesting"
    for depth in (600, 5000, 50000):
        yield Case(
            f"{nest}/objects-{depth}",
            "scan",
            _file("h.tf", "locals {\n  x = " + "{a = " * depth + "1" + "}" * depth + "\n}\n"),
            heavy=depth > 5000,
        )
        yield Case(
            f"{nest}/lists-{depth}",
            "scan",
            _file("h.tf", "locals {\n  x = " + "[" * depth + "1" + "]" * depth + "\n}\n"),
            heavy=depth > 5000,
        )
        yield Case(
            f"{nest}/parens-{depth}",
            "scan",
            _file("h.tf", "locals {\n  x = " + "(" * depth + "1" + ")" * depth + "\n}\n"),
            heavy=depth > 5000,
        )
    yield Case(
        f"{nest}/blocks-2000",
        "scan",
        _file("h.tf", 'resource "aws_s3_bucket" "h" {\n' + "a {\n" * 2000 + "}\n" * 2000 + "}\n"),
    )
    yield Case(
        f"{nest}/json-100000",
        "scan",
        _file("h.tf.json", '{"locals": {"x": ' + "[" * 100000 + "]" * 100000 + "}}"),
        heavy=True,
    )
    yield Case(
        f"{nest}/unclosed-braces", "scan", _file("h.tf", 'resource "aws_s3_bucket" "h" {\n' + "{" * 10000)
    )

    huge = "tf-huge"
    yield Case(
        f"{huge}/string-10mb",
        "scan",
        _file("h.tf", 'locals {\n  x = "' + "A" * 10_000_000 + '"\n}\n'),
        heavy=True,
    )
    yield Case(
        f"{huge}/template-openers-10mb",
        "scan",
        _file("h.tf", 'locals {\n  x = "' + "${" * 5_000_000 + '"\n}\n'),
        heavy=True,
    )
    yield Case(
        f"{huge}/attributes-200k",
        "scan",
        _file("h.tf", "locals {\n" + "".join(f"  a{i} = {i}\n" for i in range(200_000)) + "}\n"),
        heavy=True,
    )
    yield Case(
        f"{huge}/attributes-5k",
        "scan",
        _file("h.tf", "locals {\n" + "".join(f"  a{i} = {i}\n" for i in range(5_000)) + "}\n"),
    )
    yield Case(f"{huge}/line-1mb", "scan", _file("h.tf", "# " + "x" * 1_000_000 + "\n"))
    yield Case(
        f"{huge}/heredoc-unclosed", "scan", _file("h.tf", "locals {\n  x = <<EOT\n" + "line\n" * 100_000)
    )

    fn = "tf-functions"
    hostile = {
        "setproduct": "locals {\n  p = setproduct(range(100), range(100), range(100), range(100))\n}\n"
        'resource "aws_s3_bucket" "p" {\n  count  = length(local.p)\n  bucket = "p"\n}\n',
        "doubling-locals": 'locals {\n  l0 = "xxxxxxxxxxxxxxxx"\n'
        + "".join(f'  l{i + 1} = "${{local.l{i}}}${{local.l{i}}}"\n' for i in range(40))
        + "}\n",
        "fileset-root": 'locals {\n  f = fileset("/", "**")\n}\n',
        "file-dev-zero": 'locals {\n  f = file("/dev/zero")\n}\n',
        "file-escaping": 'locals {\n  f = file("../../../../../../etc/shadow")\n}\n',
        "pow-infinity": 'locals {\n  big = pow(10, 400)\n}\nresource "aws_s3_bucket" "i" {\n  bucket = "i-${local.big}"\n}\n',
        "division-by-zero": "locals {\n  z = 1 / 0\n}\n",
        "unknown-type-function": 'variable "v" {\n  type = foo(string)\n}\n',
        "self-count": 'resource "aws_s3_bucket" "s" {\n  count  = length(aws_s3_bucket.s)\n  bucket = "s"\n}\n',
        "count-million": 'resource "aws_s3_bucket" "m" {\n  count  = 1000000\n  bucket = "m"\n}\n',
        "count-pow": 'resource "aws_s3_bucket" "m" {\n  count  = pow(10, 7)\n  bucket = "m"\n}\n',
        "for-each-range": 'resource "aws_s3_bucket" "m" {\n  for_each = toset([for i in range(2000000) : tostring(i)])\n  bucket = each.key\n}\n',
        "for-each-if": 'resource "aws_s3_bucket" "m" {\n  for_each = { for i in range(3000000) : tostring(i) => i if i % 2 == 0 }\n  bucket = each.key\n}\n',
        "dynamic-nested": 'resource "aws_security_group" "d" {\n  name = "d"\n  dynamic "ingress" {\n    for_each = range(10000)\n'
        '    content {\n      from_port = ingress.value\n      to_port = ingress.value\n      protocol = "tcp"\n'
        '      dynamic "x" {\n        for_each = range(10000)\n        content {}\n      }\n    }\n  }\n}\n',
        "local-cycle": 'locals {\n  a = local.b\n  b = local.a\n}\nresource "aws_s3_bucket" "c" {\n  bucket = local.a\n}\n',
        "regex-backtracking": 'locals {\n  r = regex("(a+)+$", "' + "a" * 40 + 'b")\n}\n',
        "huge-format": 'locals {\n  f = format("%999999999d", 1)\n}\n',
        "jsondecode-deep": 'locals {\n  j = jsondecode("' + "[" * 20000 + "]" * 20000 + '")\n}\n',
    }
    for name, text in hostile.items():
        yield Case(f"{fn}/{name}", "scan", _file("h.tf", text))

    mod = "tf-modules"
    yield Case(f"{mod}/self-call", "scan", _file("h.tf", 'module "me" {\n  source = "./"\n}\n'))
    yield Case(f"{mod}/self-call-dot", "scan", _file("h.tf", 'module "me" {\n  source = "."\n}\n'))
    yield Case(
        f"{mod}/cycle",
        "scan",
        _files(
            {
                "h.tf": 'module "a" {\n  source = "./a"\n}\n',
                "a/main.tf": 'module "b" {\n  source = "../b"\n}\nresource "aws_s3_bucket" "a" {\n  bucket = "a"\n}\n',
                "b/main.tf": 'module "a" {\n  source = "../a"\n}\n',
            }
        ),
    )
    yield Case(
        f"{mod}/escaping",
        "scan",
        _file("h.tf", 'module "etc" {\n  source = "../../../../../../../../etc"\n}\n'),
    )
    yield Case(f"{mod}/missing", "scan", _file("h.tf", 'module "gone" {\n  source = "./not-here"\n}\n'))
    yield Case(
        f"{mod}/source-is-a-file",
        "scan",
        _files({"h.tf": 'module "f" {\n  source = "./f.txt"\n}\n', "f.txt": "x\n"}),
    )
    yield Case(
        f"{mod}/million-instances",
        "scan",
        _files(
            {
                "h.tf": 'module "many" {\n  source = "./m"\n  count  = 1000000\n}\n',
                "m/main.tf": 'resource "aws_s3_bucket" "b" {\n  bucket = "b"\n}\n',
            }
        ),
    )
    yield Case(
        f"{mod}/remote-not-downloaded",
        "scan",
        _file("h.tf", 'module "r" {\n  source  = "acme/thing/aws"\n  version = "1.0.0"\n}\n'),
    )

    fs = "scan-fs"
    yield Case(f"{fs}/fifo", "scan", _fifo("pipe.tf"))
    yield Case(f"{fs}/dev-zero-link", "scan", _link("zero.tf", "/dev/zero"))
    yield Case(f"{fs}/dangling-link", "scan", _link("gone.tf", "/nonexistent/gone.tf"))
    yield Case(f"{fs}/link-loop", "scan", _loop("loop.tf"))
    yield Case(f"{fs}/folder-named-tf", "scan", _folder_named("dir.tf"))
    yield Case(f"{fs}/parent-link", "scan", _parent_link("up"))
    yield Case(f"{fs}/link-outside", "scan", _link("etc", "/etc"))

    yml = "scan-yaml"
    bomb = ALIAS_BOMB
    yield Case(f"{yml}/alias-bomb", "scan", _file("ringfence.yaml", bomb))
    yield Case(f"{yml}/deep", "scan", _file("ringfence.yaml", "intents: " + "[" * 20000 + "]" * 20000 + "\n"))
    yield Case(f"{yml}/wrong-types", "scan", _file("ringfence.yaml", "intents: 7\nzones: [1, {a: b}]\n"))
    yield Case(
        f"{yml}/intent-wrong-fields",
        "scan",
        _file("ringfence.yaml", "intents:\n  - from: [1, 2]\n    to: {x: y}\n    ports: banana\n"),
    )
    yield Case(f"{yml}/not-yaml", "scan", _file("ringfence.yaml", b"\xff\xfe\x00: [\n"))
    yield Case(
        f"{yml}/tags-python",
        "scan",
        _file("ringfence.yaml", "intents: !!python/object/apply:os.system ['true']\n"),
    )

    vars_ = "tf-variables"
    yield Case(f"{vars_}/tfvars-garbage", "scan", _file("terraform.tfvars", b"names = [\x00\xff\n"))
    yield Case(
        f"{vars_}/tfvars-wrong-type",
        "scan",
        _files({"v.tf": 'variable "n" {\n  type = number\n}\n', "terraform.tfvars": 'n = "seven"\n'}),
    )
    yield Case(
        f"{vars_}/tfvars-json-deep",
        "scan",
        _file("terraform.tfvars.json", '{"x": ' + "[" * 20000 + "]" * 20000 + "}"),
    )
    yield Case(f"{vars_}/auto-tfvars-fifo", "scan", _fifo("x.auto.tfvars"))

    plan = "plan-json"
    base = {"format_version": "1.2", "planned_values": {"root_module": {"resources": []}}}
    for section in ("planned_values", "resource_changes", "configuration", "prior_state"):
        for value in (None, 7, "x", [1, 2], {"root_module": 3}):
            yield Case(
                f"{plan}/{section}-{type(value).__name__}",
                "scan",
                _file("plan.json", json.dumps({**base, section: value})),
            )
    yield Case(
        f"{plan}/deep",
        "scan",
        _file("plan.json", '{"format_version": "1.2", "planned_values": ' + "[" * 50000 + "]" * 50000 + "}"),
    )
    yield Case(f"{plan}/not-json", "scan", _file("plan.json", b'{"format_version": "1.2", \xff'))


def _detect_cases() -> Iterator[Case]:
    fields = (
        "eventVersion",
        "userIdentity",
        "eventTime",
        "eventSource",
        "eventName",
        "awsRegion",
        "sourceIPAddress",
        "userAgent",
        "requestParameters",
        "responseElements",
        "eventID",
        "errorCode",
        "errorMessage",
        "recipientAccountId",
        "resources",
        "additionalEventData",
    )
    values: tuple[tuple[str, object], ...] = (
        ("null", None),
        ("number", 1e308),
        ("negative", -1),
        ("bool", True),
        ("list", [1, "a", None]),
        ("object", {"a": {"b": [1]}}),
        ("long", "x" * 200_000),
        ("control", "\x1b]0;owned\x07\r\n[ringfence] forged"),
        ("credential", f"{HOSTILE_KEY_ID} {SECRET_KEY}"),
    )
    for field_name in fields:
        for label, value in values:
            changes: dict[str, object] = {"eventID": f"hostile-{field_name}-{label}", field_name: value}
            rec = record(900, **changes)
            yield Case(
                f"ct-types/{field_name}-{label}",
                "detect",
                _file("hostile.json", json.dumps({"Records": [rec]})),
            )
    identity = ("type", "arn", "accountId", "userName", "principalId", "sessionContext")
    for key in identity:
        for label, value in values[:6]:
            rec = record(901, eventID=f"hostile-identity-{key}-{label}")
            rec["userIdentity"] = {**rec["userIdentity"], key: value}  # type: ignore[dict-item]
            yield Case(
                f"ct-identity/{key}-{label}", "detect", _file("hostile.json", json.dumps({"Records": [rec]}))
            )

    seed = json.dumps({"Records": [record(300 + i) for i in range(4)]}, indent=1).encode()
    yield from _mutations("ct-mutation", "detect", "hostile.json", seed, 40, 11)

    st = "ct-structure"
    shapes: dict[str, str | bytes] = {
        "records-null": '{"Records": [null]}',
        "records-not-list": '{"Records": {"a": 1}}',
        "records-number": '{"Records": 3}',
        "top-level-list": json.dumps([record(400)]),
        "top-level-string": '"Records"',
        "empty-file": "",
        "only-whitespace": "   \n\n",
        "json-lines": "\n".join(json.dumps(record(410 + i)) for i in range(3)) + "\n{broken\n",
        "deep-records": '{"Records": [' + "[" * 100000 + "]" * 100000 + "]}",
        "deep-field": json.dumps({"Records": [record(420, requestParameters=None)]}).replace(
            "null", "[" * 30000 + "]" * 30000
        ),
        "bracket-flood": "[" * 5_000_000,
        "duplicate-keys": '{"Records": [], "Records": [null, 1]}',
        "nan-values": '{"Records": [{"eventTime": NaN, "eventName": Infinity}]}',
        "huge-number": '{"Records": [{"eventTime": 1' + "0" * 5000 + "}]}",
        "invalid-utf8": b'{"Records": [{"eventName": "\xff\xfe", "eventID": "x"}]}',
        "bom": b'\xef\xbb\xbf{"Records": []}',
        "many-empty-records": json.dumps({"Records": [{} for _ in range(20000)]}),
    }
    for name, content in shapes.items():
        yield Case(f"{st}/{name}", "detect", _file("hostile.json", content), heavy=name == "bracket-flood")

    gz = "ct-gzip"
    yield Case(f"{gz}/truncated-half", "detect", _truncated_gzip("hostile.json.gz", 0.5))
    yield Case(f"{gz}/truncated-header", "detect", _truncated_gzip("hostile.json.gz", 0.02))
    yield Case(f"{gz}/corrupted", "detect", _corrupt_gzip("hostile.json.gz"))
    yield Case(f"{gz}/not-gzip", "detect", _file("hostile.json.gz", b"this is not gzip at all\n"))
    yield Case(f"{gz}/deflate-not-gzip", "detect", _file("hostile.json.gz", _deflate_of(b'{"Records": []}')))
    yield Case(f"{gz}/bomb-zeros-2gb", "detect", _gzip_bomb("hostile.json.gz", 2 << 30, b"0"), heavy=True)
    yield Case(f"{gz}/bomb-brackets-1gb", "detect", _gzip_bomb("hostile.json.gz", 1 << 30, b"["), heavy=True)
    yield Case(f"{gz}/bomb-small", "detect", _gzip_bomb("hostile.json.gz", 64 << 20, b" "))

    fl = "flow-logs"
    flows: dict[str, str] = {
        "wrong-field-count": FLOW_HEADER + "\n2 123456789012 eni-1 10.0.0.1\n" + FLOW_LINE + "\n",
        "non-numeric-ports": FLOW_HEADER + "\n" + FLOW_LINE.replace("49152 22", "http ssh") + "\n",
        "ports-out-of-range": FLOW_HEADER + "\n" + FLOW_LINE.replace("49152 22", "99999 -1") + "\n",
        "times-out-of-range": FLOW_HEADER
        + "\n"
        + FLOW_LINE.replace("1762077600 1762077660", "99999999999999 -5")
        + "\n",
        "header-only": FLOW_HEADER + "\n",
        "unknown-header": "version foo bar baz\n2 a b c\n",
        "custom-format": "srcaddr dstaddr dstport action\n203.0.113.9 10.0.0.5 3389 ACCEPT\n10.0.0.5 - - -\n",
        "long-line": FLOW_HEADER + "\n" + "2 " * 500_000 + "\n",
        "binary": FLOW_HEADER + "\n\x00\x01\x02\xff\n",
        "bad-addresses": FLOW_HEADER
        + "\n"
        + FLOW_LINE.replace("203.0.113.9 10.0.1.5", "999.1.1.1 ::zz")
        + "\n",
    }
    for name, content in flows.items():
        yield Case(f"{fl}/{name}", "detect", _file("flow.log", content))

    sg = "sigma"
    rules: dict[str, str] = {
        "deep-condition": GOOD_SIGMA.replace(GOOD_RULE_ID, "11111111-1111-4111-8111-111111111111").replace(
            "condition: selection", "condition: " + "(" * 3000 + "selection" + ")" * 3000
        ),
        "not-chain": GOOD_SIGMA.replace(GOOD_RULE_ID, "22222222-2222-4222-8222-222222222222").replace(
            "condition: selection", "condition: " + "not " * 5000 + "selection"
        ),
        "big-list": GOOD_SIGMA.replace(GOOD_RULE_ID, "33333333-3333-4333-8333-333333333333").replace(
            "eventName: StopLogging", "eventName:\n" + "".join(f"      - Ev{i}\n" for i in range(100_000))
        ),
        "numeric-condition": "title: t\nid: 44444444-4444-4444-8444-444444444444\nlogsource: {product: aws, service: cloudtrail}\n"
        "detection:\n  selection: {eventName: X}\n  condition: 42\n",
        "logsource-list": "title: t\nid: 55555555-5555-4555-8555-555555555555\nlogsource: [aws]\n"
        "detection:\n  selection: {eventName: X}\n  condition: selection\n",
        "id-mapping": "title: t\nid: {a: b}\nlogsource: {product: aws, service: cloudtrail}\n"
        "detection:\n  selection: {eventName: X}\n  condition: selection\n",
        "not-a-mapping": "- just\n- a list\n",
        "empty": "",
        "alias-bomb": ALIAS_BOMB,
        "unknown-modifier": "title: t\nid: 66666666-6666-4666-8666-666666666666\nlogsource: {product: aws, service: cloudtrail}\n"
        "detection:\n  selection: {eventName|bogus: X}\n  condition: selection\n",
        "missing-selection": "title: t\nid: 77777777-7777-4777-8777-777777777777\nlogsource: {product: aws, service: cloudtrail}\n"
        "detection:\n  condition: nowhere\n",
        "regex-catastrophic": "title: t\nid: 88888888-8888-4888-8888-888888888888\nlogsource: {product: aws, service: cloudtrail}\n"
        "detection:\n  selection: {eventName|re: '(a+)+$'}\n  condition: selection\n",
        "python-tag": "title: !!python/object/apply:os.system ['true']\n",
        "invalid-utf8": "title: t\xff\n",
        "multi-document": GOOD_SIGMA.replace(GOOD_RULE_ID, "99999999-9999-4999-8999-999999999999")
        + "---\n- broken\n---\n: :\n",
    }
    for name, content in rules.items():
        yield Case(f"{sg}/{name}", "detect", _file(f"hostile-{name}.yml", content), sigma=True)
    yield Case(f"{sg}/dev-zero-link", "detect", _link("zero.yml", "/dev/zero"), sigma=True)
    yield Case(f"{sg}/fifo", "detect", _fifo("pipe.yml"), sigma=True)
    yield Case(
        f"{sg}/huge-file", "detect", _file("huge.yml", "title: t\n# " + "x" * 3_000_000 + "\n"), sigma=True
    )

    fs = "detect-fs"
    yield Case(f"{fs}/fifo", "detect", _fifo("pipe.json"))
    yield Case(f"{fs}/dev-zero-link", "detect", _link("zero.json", "/dev/zero"))
    yield Case(f"{fs}/dev-urandom-gz", "detect", _link("random.json.gz", "/dev/urandom"))
    yield Case(f"{fs}/dangling-link", "detect", _link("gone.json", "/nonexistent/gone.json"))
    yield Case(f"{fs}/link-loop", "detect", _loop("loop.json"))
    yield Case(f"{fs}/folder-named-json", "detect", _folder_named("dir.json"))
    yield Case(f"{fs}/parent-link", "detect", _parent_link("up"))


def cases() -> list[Case]:
    """Every case of the corpus, in a fixed order."""
    return [*_terraform_cases(), *_detect_cases()]


def families() -> list[str]:
    return sorted({c.family for c in cases()})
