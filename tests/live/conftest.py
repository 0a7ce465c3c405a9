"""A moto server on 127.0.0.1 for the live-account tests: started once per session as a subprocess of the
test run (moto[server] is a dev dependency), reset before each test, never real AWS."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest

REGIONS = ("us-east-1", "eu-west-1")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def moto_endpoint() -> Iterator[str]:
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    server = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=env,
    )
    endpoint = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(f"{endpoint}/moto-api/", timeout=1).close()
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("the moto server did not start") from None
                time.sleep(0.1)
        yield endpoint
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()


@pytest.fixture
def aws(moto_endpoint: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> Iterator[str]:
    """A fresh moto account (state reset) and an environment that points boto3 at it and nowhere else."""
    request = urllib.request.Request(f"{moto_endpoint}/moto-api/reset", method="POST")
    urllib.request.urlopen(request, timeout=120).close()
    for key in list(os.environ):
        if key.startswith("AWS_"):
            monkeypatch.delenv(key)
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_endpoint)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-aws-credentials"))
    yield moto_endpoint


def client(service: str, region: str = "us-east-1") -> Any:
    """A boto3 client for seeding the moto account (the environment set by the ``aws`` fixture)."""
    import boto3

    from ringfence.sources.aws.session import without_account_prefix

    made = boto3.client(service, region_name=region)  # type: ignore[call-overload]
    if service == "s3control":
        made.meta.events.register("before-sign.s3-control", without_account_prefix)
    return made


def client_in(account: str, service: str, region: str = "us-east-1") -> Any:
    """A boto3 client acting in another moto account (moto keeps one state per account id, entered by
    assuming a role there)."""
    import boto3

    got = client("sts").assume_role(
        RoleArn=f"arn:aws:iam::{account}:role/OrganizationAccountAccessRole", RoleSessionName="seed"
    )["Credentials"]
    return boto3.client(  # type: ignore[call-overload]
        service,
        region_name=region,
        aws_access_key_id=got["AccessKeyId"],
        aws_secret_access_key=got["SecretAccessKey"],
        aws_session_token=got["SessionToken"],
    )


def policy(*statements: dict[str, Any]) -> str:
    import json

    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def public_queue(name: str, region: str, sqs: Any = None) -> str:
    """A queue whose policy lets anyone send to it; its ARN."""
    sqs = sqs or client("sqs", region)
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    arn = str(sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"])
    statement = {"Effect": "Allow", "Principal": "*", "Action": "sqs:SendMessage", "Resource": arn}
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": policy(statement)})
    return arn


def findings(estate: Any, *rules: str) -> set[tuple[str, str, str]]:
    """``(rule id, status, resource)`` of every finding of ``rules`` when the estate's checks run."""
    from ringfence.engine.config import Config
    from ringfence.engine.runner import run_checks

    result = run_checks(estate, Config())
    return {
        (f.rule_id, f.status.value, f.resource) for f in result.findings if not rules or f.rule_id in rules
    }
