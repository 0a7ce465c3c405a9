from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from ringfence.cli.app import app
from ringfence.logs.unused import iam_action, role_of, unused_analysis, unused_report

from .conftest import ROOT, STRATUS

USER = "arn:aws:iam::229654561268:user/christophe"


def test_action_names() -> None:
    assert iam_action("lambda.amazonaws.com", "UpdateFunctionCode20150331v2") == "lambda:UpdateFunctionCode"
    assert iam_action("monitoring.amazonaws.com", "PutMetricData") == "cloudwatch:PutMetricData"
    assert role_of("arn:aws:sts::1:assumed-role/app/i-0abc") == "arn:aws:iam::1:role/app"


def test_unused_and_least_privilege_policy() -> None:
    granted = {USER: {"iam:*", "s3:GetObject"}, "arn:aws:iam::229654561268:role/idle": {"ec2:*"}}
    report = {
        e.principal: e
        for e in unused_report([STRATUS / "aws.persistence.iam-create-admin-user.json"], granted)
    }
    user = report[USER]
    assert user.used == ("iam:AttachUserPolicy", "iam:CreateAccessKey", "iam:CreateUser")
    assert user.unused == ("s3:GetObject",)
    assert user.policy == {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": ["iam:AttachUserPolicy", "iam:CreateAccessKey", "iam:CreateUser"],
                "Resource": "arn:aws:iam::229654561268:user/malicious-iam-user",
            }
        ],
    }
    idle = report["arn:aws:iam::229654561268:role/idle"]
    assert idle.used == () and idle.unused == ("ec2:*",) and idle.policy["Statement"] == []


def test_parameters_nested_too_deeply_name_no_resource() -> None:
    from ringfence.logs.unused import _named_resources

    deep = "[" * 100_000 + "]" * 100_000
    assert _named_resources("s3:GetObject", deep, '{"a": ' + deep + "}", "111122223333") == set()


def test_logs_that_cannot_be_read_are_reported_not_counted_as_unused(tmp_path: Path) -> None:
    """Unknown is not pass: a granted pattern may have been used in a file that could not be read, so the
    report carries the read errors (json) or warns about them (text, on standard error)."""
    logs = tmp_path / "logs"
    logs.mkdir()
    (logs / "ok.json").write_text((STRATUS / "aws.persistence.iam-create-admin-user.json").read_text())
    (logs / "broken.json").write_text('{"Records": [{"eventID": ')
    result = unused_analysis([logs], {USER: {"iam:*"}})
    assert [Path(e.path).name for e in result.errors] == ["broken.json"]
    assert result.files == 2 and result.events > 0
    assert result.entries[0].used == ("iam:AttachUserPolicy", "iam:CreateAccessKey", "iam:CreateUser")

    runner = CliRunner()
    estate = ROOT / "examples" / "three-tier"
    res = runner.invoke(app, ["iam", "unused", str(estate), "--logs", str(logs), "--format", "json"])
    assert res.exit_code == 0
    payload = json.loads(res.stdout)
    assert [Path(e["path"]).name for e in payload["errors"]] == ["broken.json"]
    assert set(payload["errors"][0]) == {"path", "offset", "unit", "message"}
    assert payload["summary"] == {"events": result.events, "files": 2}
    res = runner.invoke(app, ["iam", "unused", str(estate), "--logs", str(logs)])
    assert res.exit_code == 0 and "broken.json" in res.stderr and "not counted" in res.stderr
    assert res.stdout.startswith(f"over {result.events} CloudTrail event(s) in 2 file(s)")
