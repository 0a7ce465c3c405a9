"""For any input, each parser returns normally: problems are values naming their file, never exceptions.

IAM policy parsing and validation, and plan JSON."""

from __future__ import annotations

import json
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from ringfence.iam.policy import parse_policy
from ringfence.iam.validation import validate
from ringfence.sources.terraform.plan import load_plan

from .mutations import json_values, mutated

POLICY = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "Read",
                "Effect": "Allow",
                "Action": ["s3:GetObject"],
                "Resource": "arn:aws:s3:::b/*",
                "Condition": {"StringEquals": {"aws:SourceVpc": "vpc-1"}},
            }
        ],
    },
    indent=2,
).encode()

PLAN = json.dumps(
    {
        "format_version": "1.2",
        "planned_values": {
            "root_module": {
                "resources": [
                    {
                        "address": "aws_s3_bucket.b",
                        "mode": "managed",
                        "type": "aws_s3_bucket",
                        "name": "b",
                        "values": {"bucket": "b", "tags": {"a": "b"}},
                    }
                ]
            }
        },
        "resource_changes": [{"address": "aws_s3_bucket.b", "change": {"after_unknown": {"arn": True}}}],
        "configuration": {"root_module": {"resources": [{"address": "aws_s3_bucket.b", "expressions": {}}]}},
    }
).encode()


def _policy_returns(text: str) -> None:
    policy = parse_policy(text, path="p.json")
    assert all(isinstance(p.message, str) for p in policy.problems)
    validate(policy)


@given(mutated(POLICY))
def test_a_mutated_policy_is_parsed_or_reported(data: bytes) -> None:
    _policy_returns(data.decode("utf-8", errors="surrogateescape"))


@given(json_values())
def test_any_json_value_in_a_statement_is_parsed_or_reported(value: object) -> None:
    for field in ("Effect", "Action", "NotAction", "Resource", "Principal", "Condition", "Sid"):
        doc = json.loads(POLICY)
        doc["Statement"][0][field] = value
        _policy_returns(json.dumps(doc))


@given(st.integers(1, 3000))
def test_deep_nesting_in_a_policy_is_reported(depth: int) -> None:
    _policy_returns('{"Statement": ' + "[" * depth + "]" * depth + "}")


def _plan_is_read_or_reported(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "plan.json"
    path.write_bytes(data)
    estate = load_plan(path)
    assert all(e.path == str(path) for e in estate.errors)


@given(mutated(PLAN))
def test_a_mutated_plan_is_read_or_reported(tmp_path_factory: object, data: bytes) -> None:
    _plan_is_read_or_reported(_tmp(tmp_path_factory), data)


def _tmp(factory: object) -> Path:
    from pytest import TempPathFactory

    assert isinstance(factory, TempPathFactory)
    return factory.mktemp("plan")


_PLAN_PLACES = ("planned_values", "resource_changes", "configuration")


@given(st.sampled_from(_PLAN_PLACES), json_values())
def test_any_json_value_in_a_plan_section_is_read_or_reported(
    tmp_path_factory: object, place: str, value: object
) -> None:
    plan = json.loads(PLAN)
    plan[place] = value
    path = _tmp(tmp_path_factory) / "plan.json"
    path.write_text(json.dumps(plan), encoding="utf-8")
    estate = load_plan(path)
    assert all(e.path == str(path) for e in estate.errors)
    if place == "planned_values" and not isinstance(value, dict):
        # Nothing read is not a pass: the plan is reported, never an empty estate without a word.
        assert estate.errors
