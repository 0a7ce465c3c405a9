"""The Terraform syntax checker (`sources.terraform.syntax`), which judges the files tfparse leaves out:
for any text it returns None or one `SyntaxProblem` with its line, never raises, and on mutated seeds it
agrees with Terraform's own parser (tfparse, in a process of its own) on which files parse.

tfparse itself is not run per example: a cold evaluation costs about a second, and tests/terraform drives
it through the loader on real files."""

from __future__ import annotations

import json

from hypothesis import example, given, settings
from hypothesis import strategies as st

from ringfence.sources.terraform import syntax
from tests.terraform.test_syntax import TEMPLATES, _terraform_verdicts

from .corpus import SEED_TF
from .mutations import huge_strings, json_values, mutated, mutated_text, nested

SEED_JSON = json.dumps(
    {"resource": {"aws_s3_bucket": {"j": {"bucket": "j", "tags": {"a": "b"}}}}, "locals": {"x": 1}}, indent=2
)


def _one_verdict(data: bytes) -> None:
    text, problem = syntax.decode(data)
    found = [problem] if text is None else [syntax.check(text), syntax.check_json(text)]
    for p in found:
        if p is not None:
            assert isinstance(p, syntax.SyntaxProblem)
            assert p.line is None or 1 <= p.line <= data.count(b"\n") + 1
            assert p.message and "\n" not in p.message and len(p.message) < 300


@given(
    st.one_of(
        mutated(SEED_TF.encode()),
        mutated(SEED_JSON.encode()),
        nested("[", "]", "1").map(lambda deep: f"locals {{\n  x = {deep}\n}}\n".encode()),
        nested("{a = ", "}", "1").map(lambda deep: f"locals {{\n  x = {deep}\n}}\n".encode()),
        nested("a {\n", "}\n").map(lambda deep: f'resource "aws_s3_bucket" "h" {{\n{deep}}}\n'.encode()),
        nested("${", "}", "1", deepest=5000).map(lambda deep: f'locals {{\n  x = "{deep}"\n}}\n'.encode()),
        huge_strings().map(lambda s: f'locals {{\n  x = "{s}"\n}}\n'.encode("utf-8", "surrogatepass")),
        st.builds(
            lambda key, value: json.dumps({key: value}).encode(),
            st.sampled_from(("resource", "data", "module", "variable", "locals", "terraform", "//", "x")),
            json_values(),
        ),
    )
)
@example(b'locals {\n  x = "' + b"${" * 200_000 + b'"\n}\n')
@example(b'{"locals": {"x": ' + b"[" * 100_000 + b"]" * 100_000 + b"}}")
def test_the_checker_gives_one_verdict_for_any_file(data: bytes) -> None:
    _one_verdict(data)


@settings(max_examples=2)
@given(st.lists(st.sampled_from((SEED_TF, TEMPLATES)).flatmap(mutated_text), min_size=6, max_size=6))
def test_the_checker_agrees_with_terraforms_parser(texts: list[str]) -> None:
    verdicts = _terraform_verdicts(texts)  # one process for the lot: tfparse starts once
    judged = [(t, v) for t, v in zip(texts, verdicts, strict=True) if v != "other"]
    disagreements = [
        (v, syntax.check(t), t) for t, v in judged if (syntax.check(t) is None) != (v == "valid")
    ]
    assert disagreements == []
