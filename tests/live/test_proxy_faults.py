"""Faults made on the wire: a proxy in front of the moto server throttles, stalls or denies chosen calls.
Throttling is retried by botocore and costs nothing; a stall past the read timeout and a denial leave what
the call covers unknown, named in the errors; the scan always finishes. The proxy's log of what reached the
server proves that ringfence only ever read."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from ringfence.sources.aws import load_live
from ringfence.sources.aws import session as aws_session
from tests.live.conftest import REGIONS, client, findings, public_queue
from tests.live.proxy import Fault, Proxy

READS = ("List", "Get", "Describe", "GenerateCredentialReport")


@pytest.fixture
def proxy(aws: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Proxy]:
    from botocore.config import Config

    found = Proxy(upstream=aws, stall_seconds=20.0)
    found.start()
    monkeypatch.setenv("AWS_ENDPOINT_URL", found.endpoint)
    # A shorter read timeout and two attempts, so a stalled call costs seconds, not minutes.
    monkeypatch.setattr(
        aws_session,
        "client_config",
        lambda: Config(
            retries={"mode": "adaptive", "max_attempts": 2},
            max_pool_connections=16,
            connect_timeout=2,
            read_timeout=15,
        ),
    )
    try:
        yield found
    finally:
        found.stop()


def _seed() -> dict[str, str]:
    arn = public_queue("fail-open-queue", "eu-west-1")
    key = client("kms", "us-east-1").create_key(Description="fail-unrotated")["KeyMetadata"]["Arn"]
    client("s3").create_bucket(Bucket="pass-quiet-bucket")
    return {"queue": arn, "key": key}


def test_throttling_is_retried_and_costs_nothing(proxy: Proxy) -> None:
    ids = _seed()
    proxy.log.clear()
    proxy.faults["kms:ListKeys"] = Fault("throttle", times=1)
    proxy.faults["sqs:ListQueues"] = Fault("throttle", times=1)
    estate = load_live("aws://", regions=REGIONS)
    assert estate.get(ids["key"]) is not None and estate.get(ids["queue"]) is not None
    assert not [e for e in estate.errors if "kms:" in e.message or "sqs:" in e.message]
    asked = [s for s in proxy.log if s.operation == "ListKeys"]
    assert proxy.faults["kms:ListKeys"].hits == 1
    assert len(asked) > len(REGIONS)  # the throttled call was made again


def test_a_stall_and_a_denial_leave_their_part_unknown_and_the_scan_finishes(proxy: Proxy) -> None:
    ids = _seed()
    proxy.log.clear()
    proxy.faults["sqs:GetQueueAttributes"] = Fault("deny")
    proxy.faults["kms:GetKeyRotationStatus"] = Fault("stall")
    estate = load_live("aws://", regions=REGIONS)
    got = findings(estate, "sqs.queue-policy-not-public", "kms.key-rotation-enabled")
    assert got == {
        ("sqs.queue-policy-not-public", "unknown", ids["queue"]),
        ("kms.key-rotation-enabled", "unknown", ids["key"]),
    }
    messages = sorted(e.message for e in estate.errors)
    assert any(m.startswith("sqs:GetQueueAttributes could not be read: denied") for m in messages)
    assert any(m.startswith("kms:GetKeyRotationStatus could not be read: failed") for m in messages)
    assert all(e.undecided for e in estate.errors)
    assert estate.of_kind("aws_s3_bucket")  # the rest was read


def test_the_server_saw_only_reads(proxy: Proxy) -> None:
    from tests.live.test_edges import _seed_balancer
    from tests.live.test_organizations import _seed_org

    _seed()
    _seed_org()
    _seed_balancer()
    proxy.log.clear()
    load_live("aws://", org_role="OrganizationAccountAccessRole", regions=REGIONS)
    assert len(proxy.log) > 100
    caller = {("sts", "GetCallerIdentity"), ("sts", "AssumeRole")}
    named = [s for s in proxy.log if s.operation]
    writes = {
        (s.service, s.operation)
        for s in named
        if not s.operation.startswith(READS) and (s.service, s.operation) not in caller
    }
    assert writes == set()
    rest = {(s.service, s.method) for s in proxy.log if not s.operation}
    assert {method for _, method in rest} <= {"GET", "HEAD"}, rest
    assert {s.service for s in named} >= {"iam", "ec2", "organizations", "kms", "elasticloadbalancing"}
    assert "s3" in {service for service, _ in rest}
