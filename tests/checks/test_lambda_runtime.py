"""A runtime fails once the date of the scan passes its deprecation date (AWS's projected dates move
supported runtimes into the deprecated table as time goes by)."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest

from ringfence.checks import serverless
from ringfence.checks.base import Status
from ringfence.engine.runner import run_checks
from ringfence.sources import load_estate

ESTATE = """
resource "aws_lambda_function" "web" {
  function_name = "web"
  role          = "arn:aws:iam::111122223333:role/web"
  handler       = "index.handler"
  runtime       = "nodejs22.x"
  filename      = "web.zip"
}
"""


@pytest.mark.parametrize(
    ("today", "failing"),
    [
        (datetime.date(2027, 4, 29), False),
        (datetime.date(2027, 4, 30), True),
        (datetime.date(2028, 1, 1), True),
    ],
)
def test_nodejs22_fails_from_its_deprecation_date(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, today: datetime.date, failing: bool
) -> None:
    monkeypatch.setattr(serverless, "_today", lambda: today)
    (tmp_path / "main.tf").write_text(ESTATE, encoding="utf-8")
    result = run_checks(load_estate([str(tmp_path)]), checks=[serverless.LAMBDA_RUNTIME_SUPPORTED])
    statuses = [f.status for f in result.findings]
    assert statuses == ([Status.FAIL] if failing else [])
    if failing:
        assert "2027-04-30" in result.findings[0].message
    else:
        assert result.passes["lambda.runtime-supported"] == 1
