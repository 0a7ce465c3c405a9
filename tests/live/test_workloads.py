"""Workload collectors (Lambda, SQS, SNS, Secrets Manager, RDS, ELBv2, logs) against a moto server."""

from __future__ import annotations

import io
import json
import zipfile

from ringfence.sources.aws import load_live
from tests.live.conftest import REGIONS, client, findings, policy, public_queue

ACCOUNT = "123456789012"
LEAKED = "AKIA" + "Z7Q3XK2M4B6N8P0R"  # credential-shaped, made up for this test


def _zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("index.py", "def handler(event, context):\n    return 1\n")
    return buffer.getvalue()


def _seed() -> dict[str, str]:
    role = client("iam").create_role(
        RoleName="fn",
        AssumeRolePolicyDocument=policy(
            {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}
        ),
    )["Role"]["Arn"]
    fn = client("lambda", "eu-west-1").create_function(
        FunctionName="fail-leaky",
        Runtime="python3.12",
        Role=role,
        Handler="index.handler",
        Code={"ZipFile": _zip()},
        Environment={"Variables": {"AWS_ACCESS_KEY_ID": LEAKED}},
    )["FunctionArn"]
    sqs = client("sqs", "us-east-1")
    queue = public_queue("fail-public-queue", "us-east-1", sqs)
    private = sqs.create_queue(QueueName="pass-private-queue")["QueueUrl"]
    private_arn = sqs.get_queue_attributes(QueueUrl=private, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    secret = client("secretsmanager", "eu-west-1").create_secret(
        Name="db-password", SecretString="hunter2-very-secret"
    )
    return {"fn": fn, "queue": queue, "private": private_arn, "secret": secret["ARN"]}


def test_workloads_are_read_and_checked(aws: str) -> None:
    ids = _seed()
    estate = load_live("aws://", regions=REGIONS)
    fn = estate.get(ids["fn"])
    assert fn is not None and fn.provenance.region == "eu-west-1"
    secret = estate.get(ids["secret"])
    assert secret is not None and "hunter2-very-secret" not in json.dumps(
        dict(secret.attributes), default=str
    )
    got = findings(
        estate,
        "secrets.hardcoded-secret",
        "sqs.queue-policy-not-public",
        "lambda.tracing-active",
        "secretsmanager.secret-rotation-enabled",
    )
    assert got == {
        ("secrets.hardcoded-secret", "fail", ids["fn"]),
        ("lambda.tracing-active", "fail", ids["fn"]),
        ("sqs.queue-policy-not-public", "fail", ids["queue"]),
        ("secretsmanager.secret-rotation-enabled", "fail", ids["secret"]),
    }


def test_an_environment_secret_is_never_printed(aws: str) -> None:
    from ringfence.engine.config import Config
    from ringfence.engine.runner import run_checks
    from ringfence.reports import json_report

    _seed()
    result = run_checks(load_live("aws://", regions=REGIONS), Config())
    assert LEAKED not in json_report.render(result)
