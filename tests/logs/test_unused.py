from __future__ import annotations

from ringfence.logs.unused import iam_action, role_of, unused_report

from .conftest import STRATUS

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
