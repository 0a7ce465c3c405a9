"""Intents: parsing (with line numbers for errors) and evaluation."""

from __future__ import annotations

from pathlib import Path

import pytest

from ringfence.network import IntentError, evaluate_intents, intent_violations, parse_intents
from tests.network.build import ALL_OUT, Builder, base_vpc, public_subnet, ref, world


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ("intents:\n  - name: a\n    from: internet\n    to: x\n", 2, "missing must"),
        (
            "intents:\n  - name: a\n    from: internet\n    to: x\n    must: maybe\n",
            2,
            "'reach' or 'not-reach'",
        ),
        ("intents:\n  - {name: a, from: internet, to: x, must: reach, port: 70000}\n", 2, "port must be"),
        (
            "intents:\n  - {name: a, from: internet, to: x, must: reach, protocol: gre}\n",
            2,
            "protocol is one of",
        ),
        ("intents: [\n", None, "not valid YAML"),
        ("- just a list\n", 1, "'intents' list"),
    ],
)
def test_parse_errors(text: str, line: int | None, words: str) -> None:
    with pytest.raises(IntentError) as err:
        parse_intents(text, "ringfence.yaml")
    assert words in err.value.message
    if line is not None:
        assert err.value.line == line


def _estate():  # type: ignore[no-untyped-def]
    b = Builder()
    base_vpc(b)
    s = public_subnet(b, "web", "10.0.1.0/24")
    b.add("aws_security_group.web", vpc_id=ref("aws_vpc.main"), ingress=[world(443)], egress=[ALL_OUT])
    b.add("aws_security_group.db", vpc_id=ref("aws_vpc.main"))
    b.add(
        "aws_instance.web",
        tags={"tier": "web"},
        subnet_id=ref(s),
        vpc_security_group_ids=[ref("aws_security_group.web")],
    )
    b.add(
        "aws_instance.cache",
        tags={"tier": "db"},
        subnet_id=ref(s),
        vpc_security_group_ids=[ref("aws_security_group.db")],
    )
    return b.estate()


def test_any_port_not_reach_fails_with_the_path() -> None:
    intents = parse_intents(
        "intents:\n"
        "  - {name: web-private, from: internet, to: {tag: {tier: web}}, must: not-reach}\n"
        "  - {name: db-private, from: internet, to: {tag: {tier: db}}, must: not-reach}\n"
        "  - {name: nobody, from: internet, to: {tag: {tier: none}}, must: not-reach}\n"
        "  - {name: web-to-cache, from: [aws_instance.web], to: cache, port: 6379, must: reach}\n"
    )
    results = evaluate_intents(_estate(), intents)
    got = [(r.intent.name, r.status) for r in results]
    assert got == [
        ("web-private", "fail"),
        ("db-private", "pass"),
        ("nobody", "unknown"),
        ("web-to-cache", "fail"),
    ]
    assert "tcp/443" in results[0].message or "ingress tcp/443" in results[0].message
    assert "aws_security_group.db" in results[3].message
    assert [r.intent.rule_id for r in intent_violations(_estate(), intents)] == [
        "intent.web-private",
        "intent.nobody",
        "intent.web-to-cache",
    ]


def test_result_names_the_resource_at_risk() -> None:
    intents = parse_intents(
        "intents:\n"
        "  - {name: web-private, from: internet, to: aws_instance.web, must: not-reach}\n"
        "  - {name: cache-offline, from: aws_instance.cache, to: internet, must: not-reach}\n"
    )
    first, second = evaluate_intents(_estate(), intents)
    assert (first.resource, first.detail) == ("aws_instance.web", "internet -> aws_instance.web")
    assert second.resource == "aws_instance.cache"


def test_deeply_nested_intents_file_is_an_input_error() -> None:
    with pytest.raises(IntentError) as err:
        parse_intents("intents: " + "[" * 20000 + "]" * 20000 + "\n", "ringfence.yaml")
    assert "nested too deep" in str(err.value)


def test_intents_file_that_is_not_utf8_names_its_line_and_byte(tmp_path: Path) -> None:
    from ringfence.network import load_intents

    path = tmp_path / "ringfence.yaml"
    path.write_bytes(b"intents: []\n\xff\xfe\x00: [\n")
    with pytest.raises(IntentError) as err:
        load_intents(str(path))
    assert err.value.line == 2
    assert "not UTF-8" in str(err.value) and "byte 12" in str(err.value)
