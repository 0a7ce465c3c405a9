"""The shared YAML reader: values with lines, CloudFormation short forms, and bounded hostile input."""

from __future__ import annotations

from pathlib import Path

import pytest

from ringfence.sources.yamldoc import (
    CLOUDFORMATION_TAGS,
    Limits,
    Map,
    Seq,
    YamlError,
    line_of,
    read_documents,
    read_file,
)


def values(text: str | bytes, **kw: object) -> list[object]:
    return [d.value for d in read_documents(text, **kw)]  # type: ignore[arg-type]


def error(text: str | bytes, **kw: object) -> YamlError:
    with pytest.raises(YamlError) as caught:
        read_documents(text, **kw)  # type: ignore[arg-type]
    return caught.value


def test_every_mapping_and_sequence_knows_its_lines() -> None:
    doc = values("x:\n  y: 1\n  z:\n    - a\n    - {b: 2}\n")[0]
    assert isinstance(doc, Map) and doc.line == 1 and doc.key_lines == {"x": 1}
    inner = doc["x"]
    assert inner.line == 2 and line_of(inner, "z") == 3
    assert isinstance(inner["z"], Seq) and inner["z"].item_lines == [4, 5]
    assert line_of(inner["z"], 1) == 5 and line_of(inner["z"][1]) == 5
    assert doc == {"x": {"y": 1, "z": ["a", {"b": 2}]}}


def test_several_documents_with_their_first_lines() -> None:
    docs = read_documents("---\na: 1\n---\nb: [yes, 0x10, 1.5, ~, '007']\n...\n---\n")
    assert [d.value for d in docs] == [{"a": 1}, {"b": [True, 16, 1.5, None, "007"]}, None]
    assert [d.line for d in docs] == [1, 3, 6]


def test_cloudformation_short_forms_become_long_forms() -> None:
    text = (
        "A: !GetAtt Role.Arn\n"
        "B: !Sub ['${x}-${AWS::Region}', {x: !Ref Name}]\n"
        "C: !If [IsProd, !Ref AWS::NoValue, !Join ['', [a, !Select [0, !GetAZs '']]]]\n"
        "D: !GetAtt [Db, Endpoint.Address]\n"
        "E: !Condition IsProd\n"
        "F: !GetAtt Db.Endpoint.Address\n"
    )
    doc = values(text, tags=CLOUDFORMATION_TAGS)[0]
    assert doc == {
        "A": {"Fn::GetAtt": ["Role", "Arn"]},
        "B": {"Fn::Sub": ["${x}-${AWS::Region}", {"x": {"Ref": "Name"}}]},
        "C": {
            "Fn::If": [
                "IsProd",
                {"Ref": "AWS::NoValue"},
                {"Fn::Join": ["", ["a", {"Fn::Select": [0, {"Fn::GetAZs": ""}]}]]},
            ]
        },
        "D": {"Fn::GetAtt": ["Db", "Endpoint.Address"]},
        "E": {"Condition": "IsProd"},
        "F": {"Fn::GetAtt": ["Db", "Endpoint.Address"]},
    }
    assert line_of(doc["C"]) == 3


def test_unknown_tags_are_errors_with_their_line() -> None:
    assert error("a: 1\nb: !Foo x\n", tags=CLOUDFORMATION_TAGS).line == 2
    assert "unknown tag !Ref" in str(error("a: !Ref x\n"))  # not accepted outside CloudFormation
    assert "!!python/object" in str(error("a: !!python/object:os.system x\n"))
    assert error("a: 1\nb: !!binary aGk=\n").line == 2


def test_duplicate_keys_name_both_lines() -> None:
    found = error("Resources:\n  A:\n    Type: x\n  A:\n    Type: y\n")
    assert found.line == 4 and "first at line 2" in found.message
    assert error('{"a": 1,\n "a": 2}', as_json=True).line == 2


def test_an_alias_bomb_stops_at_the_budget() -> None:
    text = "a: &a [x, x, x, x, x, x, x, x, x]\n"
    for i in range(1, 10):
        text += f"{chr(97 + i)}: &{chr(97 + i)} [" + ", ".join([f"*{chr(96 + i)}"] * 9) + "]\n"
    found = error(text)
    assert "alias" in found.message and found.line is not None and found.line <= 10
    # Aliases within the budget are read, and merge keys work as YAML 1.1 says.
    assert values("b: &b {x: 1, y: 2}\nd:\n  <<: *b\n  y: 3\n")[0] == {
        "b": {"x": 1, "y": 2},
        "d": {"y": 3, "x": 1},
    }


def test_deep_nesting_is_an_error_not_a_crash() -> None:
    assert "nested deeper" in error("".join("  " * i + "k:\n" for i in range(300))).message
    assert error("a: " + "[" * 100_000 + "]" * 100_000).line == 1
    assert error("a: [" * 250 + "]" * 250, limits=Limits(max_depth=50)).line == 1


def test_huge_scalars_and_files_are_refused() -> None:
    limits = Limits(max_scalar=1000, max_bytes=100_000)
    assert error("a: 1\nb: " + "x" * 2000 + "\n", limits=limits).line == 2
    assert "larger than" in error(b"a: " + b"x" * 200_000, limits=limits).message


def test_invalid_utf8_names_the_byte_and_line(tmp_path: Path) -> None:
    found = error(b"Resources:\n  A:\n    Type: \xff\xfe\n")
    assert (found.line, found.offset) == (3, 26)
    assert "U+0007" in error("a: \x07b\n").message
    path = tmp_path / "t.yaml"
    path.write_bytes(b"\xef\xbb\xbfa: 1\n")  # a UTF-8 byte order mark is not part of the text
    assert read_file(path)[0].value == {"a": 1}


def test_json_scalars_are_read_as_json(tmp_path: Path) -> None:
    path = tmp_path / "t.json"
    path.write_text('{\n\t"a": 2.5e3,\n\t"b": [1, true, null, "x\\/y"],\n\t"c": "yes"\n}\n')
    doc = read_file(path)[0].value
    assert doc == {"a": 2500.0, "b": [1, True, None, "x/y"], "c": "yes"}
    assert line_of(doc, "b") == 3


def test_syntax_errors_have_a_line() -> None:
    assert error("a: [1, 2\nb: 3\n").line is not None
    assert "as a key" in error("{? [a]: 1}").message
