"""`iam can` names what an undecided answer depends on and the `--context` that decides it, and a malformed
ARN is a usage error saying what is wrong with it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ringfence.cli.app import app

ESTATE = """
resource "aws_iam_role" "app" {
  name = "app"
  assume_role_policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Principal = { Service = "ec2.amazonaws.com" }, Action = "sts:AssumeRole" }]
  })
}

resource "aws_iam_role_policy" "read" {
  role = aws_iam_role.app.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow", Action = "s3:GetObject", Resource = "*",
      Condition = { IpAddress = { "aws:SourceIp" = "10.0.0.0/8" }, StringEquals = { "s3:prefix" = "home/" } }
    }]
  })
}
"""
OBJECT = "arn:aws:s3:::b/home/x"


@pytest.fixture
def estate(write_tree) -> Path:  # type: ignore[no-untyped-def]
    return write_tree({"main.tf": ESTATE})


def can(estate: Path, *extra: str, principal: str = "app", resource: str = OBJECT) -> tuple[int, str]:
    done = CliRunner().invoke(
        app,
        ["iam", "can", str(estate), "--principal", principal, "--action", "s3:GetObject",
         "--resource", resource, "--account-id", "123456789012", *extra],
    )  # fmt: skip
    return done.exit_code, done.output


def test_an_undecided_answer_names_its_condition_keys_and_the_context_that_decides_it(estate: Path) -> None:
    code, text = can(estate)
    assert code == 0
    head = text.splitlines()[0]
    assert head.startswith("UNKNOWN: aws_iam_role.app s3:GetObject arn:aws:s3:::b/home/x (undecided:")
    assert "it depends on aws:SourceIp, s3:prefix" in head and "(implicit_deny)" not in head
    assert "--context aws:SourceIp=VALUE --context s3:prefix=VALUE" in text

    code, out = can(estate, "--format", "json")
    answer = json.loads(out)
    assert answer["allowed"] is None and answer["decision"] == "implicit_deny"  # the contract's fields stay
    assert answer["condition_keys"] == ["aws:SourceIp", "s3:prefix"]
    assert answer["settle_with"] == "--context aws:SourceIp=VALUE --context s3:prefix=VALUE"

    given = ("--context", "aws:SourceIp=10.1.2.3", "--context", "s3:prefix=home/")
    code, out = can(estate, *given, "--format", "json")
    decided = json.loads(out)
    assert decided["allowed"] is True and "condition_keys" not in decided
    code, out = can(estate, "--context", "aws:SourceIp=192.0.2.1", "--format", "json")
    assert json.loads(out)["allowed"] is False


@pytest.mark.parametrize(
    ("option", "value", "says"),
    [
        ("principal", "arn:aws:iam:123456789012:role/x", "has 5 of the 6 parts of an ARN"),
        ("principal", "arn:aws:iam::12345:role/x", "the account '12345' is not 12 digits"),
        ("principal", "arn:aws:iam:us-east-1:123456789012:role/x", "IAM ARNs have no region"),
        ("principal", "arn:aws:s3:::bucket", "is not an IAM or STS ARN"),
        ("principal", "arn:aws:iam::123456789012:rol/x", "names no user, role or group"),
        ("resource", "arn:aws:s3:acme", "has 4 of the 6 parts of an ARN"),
        ("resource", "arn:awz:s3:::b", "'awz' is not an AWS partition"),
    ],
)
def test_a_malformed_arn_is_a_usage_error_saying_what_is_wrong(
    estate: Path, option: str, value: str, says: str
) -> None:
    code, out = can(estate, **{option: value})
    assert code == 2, out
    assert f"error: --{option}: " in out and says in out
    assert "no principal named" not in out and "ALLOWED" not in out and "UNKNOWN" not in out


GROUP = """
resource "aws_iam_group" "developers" {
  name = "developers"
}

resource "aws_iam_group_policy" "dev" {
  group = aws_iam_group.developers.name
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = "s3:GetObject", Resource = "arn:aws:s3:::b/*" }]
  })
}
"""


def test_a_group_is_asked_about_as_a_member_with_only_its_policies(write_tree) -> None:  # type: ignore[no-untyped-def]
    estate = write_tree({"main.tf": ESTATE + GROUP})
    code, out = can(estate, "--format", "json", principal="developers")
    answer = json.loads(out)
    assert code == 0 and answer["principal"] == "aws_iam_group.developers" and answer["allowed"] is True
    assert [s["policy"] for s in answer["statements"]] == ["aws_iam_group_policy.dev"]
    assert any("is a group, not a principal" in n for n in answer["notes"])
    code, out = can(estate, "--format", "json", principal="developers", resource="arn:aws:s3:::other/k")
    assert json.loads(out)["allowed"] is False
    code, out = can(estate, principal="nobody")
    assert code == 2 and "aws_iam_group.developers" in out  # among the candidates
