"""Hostile templates (an alias bomb, deep nesting, a huge scalar, duplicate keys, tags that are not
CloudFormation's, invalid UTF-8) are each an error naming the file and line, read in bounded time and
memory, and the rest of the folder is still scanned."""

from __future__ import annotations

from pathlib import Path

import pytest

from ringfence.sources import load_estate

HEAD = 'AWSTemplateFormatVersion: "2010-09-09"\n'
GOOD = HEAD + "Resources:\n  Queue:\n    Type: AWS::SQS::Queue\n    Properties: {QueueName: jobs}\n"


def _alias_bomb() -> bytes:
    lines = [HEAD, "Metadata:\n", '  a0: &a0 ["x", "x", "x", "x", "x", "x", "x", "x", "x", "x"]\n']
    for i in range(1, 12):
        refs = ", ".join([f"*a{i - 1}"] * 10)
        lines.append(f"  a{i}: &a{i} [{refs}]\n")
    lines.append("Resources: {}\n")
    return "".join(lines).encode()


HOSTILE: dict[str, tuple[bytes, int, str]] = {
    # name: (content, line of the error, what the error says)
    "bomb.yaml": (_alias_bomb(), 9, "expands past"),
    "deep.yaml": (
        HEAD.encode() + b"Resources:\n  Deep: " + b"[" * 500 + b"]" * 500 + b"\n",
        3,
        "nested deeper than",
    ),
    "huge.yaml": (
        HEAD.encode() + b"Description: " + b"x" * (5 * 1024 * 1024) + b"\n",
        2,
        "scalar longer than",
    ),
    "duplicate.yaml": (
        (GOOD + "  Queue:\n    Type: AWS::SNS::Topic\n").encode(),
        6,
        "duplicate key 'Queue' (first at line 3)",
    ),
    "tag.yaml": (
        (
            HEAD + "Resources:\n  Q:\n    Type: AWS::SQS::Queue\n    Properties: {QueueName: !Evil x}\n"
        ).encode(),
        5,
        "unknown tag !Evil",
    ),
    "utf8.yaml": (HEAD.encode() + b"Description: caf\xe9\n", 2, "invalid UTF-8"),
}


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    for name, (content, _, _) in HOSTILE.items():
        (tmp_path / name).write_bytes(content)
    (tmp_path / "good.yaml").write_text(GOOD, encoding="utf-8")
    return tmp_path


def test_each_hostile_template_is_an_error_at_its_line_and_the_rest_is_read(folder: Path) -> None:
    estate = load_estate([str(folder)])
    errors = {e.path: e for e in estate.errors}
    for name, (_, line, message) in HOSTILE.items():
        assert name in errors, f"{name}: no error"
        assert errors[name].line == line, (name, errors[name])
        assert message in errors[name].message, (name, errors[name])
    assert {r.address for r in estate.resources} == {"good.yaml:Queue"}
