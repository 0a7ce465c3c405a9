"""A name that matches nothing gets the closest names of the estate, and a `count` resource named
without its index lists its instances."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from ringfence.cli.app import app
from tests.cli.test_iam_can_answer import ESTATE as ROLE

ESTATE = (
    ROLE
    + """
resource "aws_iam_user" "alice" {
  name = "alice"
}

resource "aws_s3_bucket" "logs" {
  count  = 2
  bucket = "logs-${count.index}"
}
"""
)


@pytest.fixture
def estate(write_tree) -> Path:  # type: ignore[no-untyped-def]
    return write_tree({"main.tf": ESTATE})


def invoke(*args: str) -> tuple[int, str]:
    done = CliRunner().invoke(app, list(args))
    return done.exit_code, done.output


def test_reach_suggests_the_address_meant(estate: Path) -> None:
    code, out = invoke("reach", str(estate), "--from", "internet", "--to", "aws_iam_rol.app", "--port", "443")
    assert code == 2 and "did you mean aws_iam_role.app?" in out
    code, out = invoke(
        "reach", str(estate), "--from", "internet", "--to", "aws_s3_bucket.logs", "--port", "443"
    )
    assert code == 2 and "it has instances, name one: aws_s3_bucket.logs[0], aws_s3_bucket.logs[1]" in out
    code, out = invoke("reach", str(estate), "--from", "internet", "--to", "zzzz", "--port", "443")
    assert code == 2 and "did you mean" not in out


def test_iam_can_suggests_the_principal_meant(estate: Path) -> None:
    ask = ("--action", "s3:GetObject", "--resource", "*", "--account-id", "123456789012")
    code, out = invoke("iam", "can", str(estate), "--principal", "alise", *ask)
    assert code == 2 and "no principal named 'alise'; did you mean aws_iam_user.alice?" in out
    code, out = invoke("iam", "can", str(estate), "--principal", "aws_iam_role.ap", *ask)
    assert code == 2 and "did you mean aws_iam_role.app?" in out and "alice?" not in out
