"""Detections decided on the change an event really made: a refused call is an attempt, a policy is public
only when the access analysis says so, and fields are read where CloudTrail nests them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from ringfence.cli.app import app

ACCOUNT = "111122223333"


def _event(i: int, source: str, name: str, params: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {
        "eventVersion": "1.09",
        "userIdentity": {"type": "IAMUser", "arn": f"arn:aws:iam::{ACCOUNT}:user/ops", "accountId": ACCOUNT},
        "eventTime": f"2026-11-02T09:{i:02d}:00Z",
        "eventSource": source,
        "eventName": name,
        "awsRegion": "eu-west-1",
        "sourceIPAddress": "203.0.113.10",
        "userAgent": "aws-cli/2.15",
        "requestParameters": params,
        "responseElements": extra.pop("responseElements", None),
        "eventID": f"00000000-0000-4000-8000-{i:012d}",
        "eventType": "AwsApiCall",
        "recipientAccountId": ACCOUNT,
        **extra,
    }


def _detect(tmp_path: Path, events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    path = tmp_path / "events.json"
    path.write_text(json.dumps({"Records": events}))
    done = CliRunner().invoke(app, ["detect", str(path), "--no-sigma", "--format", "json"])
    assert done.exit_code == 0, done.output
    return list(json.loads(done.stdout)["detections"])


def _policy(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def test_bucket_policies_are_judged_by_the_access_analysis(tmp_path: Path) -> None:
    deny_plain_http = _policy(
        {
            "Effect": "Deny",
            "Principal": "*",
            "Action": "s3:*",
            "Resource": ["arn:aws:s3:::logs", "arn:aws:s3:::logs/*"],
            "Condition": {"Bool": {"aws:SecureTransport": "false"}},
        }
    )
    org_only = _policy(
        {
            "Effect": "Allow",
            "Principal": "*",
            "Action": "s3:GetObject",
            "Resource": "arn:aws:s3:::shared/*",
            "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-abcdef1234"}},
        }
    )
    foreign = _policy(
        {
            "Effect": "Allow",
            "Principal": {"AWS": "arn:aws:iam::444455556666:root"},
            "Action": "s3:GetObject",
            "Resource": "arn:aws:s3:::drop/*",
        }
    )
    public = _policy(
        {
            "Effect": "Allow",
            "Principal": {"AWS": "*"},
            "Action": "s3:GetObject",
            "Resource": "arn:aws:s3:::site/*",
        }
    )
    events = [
        _event(
            1, "s3.amazonaws.com", "PutBucketPolicy", {"bucketName": "logs", "bucketPolicy": deny_plain_http}
        ),
        _event(2, "s3.amazonaws.com", "PutBucketPolicy", {"bucketName": "shared", "bucketPolicy": org_only}),
        _event(3, "s3.amazonaws.com", "PutBucketPolicy", {"bucketName": "site", "bucketPolicy": public}),
        _event(4, "s3.amazonaws.com", "PutBucketPolicy", {"bucketName": "drop", "bucketPolicy": foreign}),
    ]
    found = [d for d in _detect(tmp_path, events) if d["rule_id"] == "s3.bucket-made-public"]
    # One finding per caller and address, naming each bucket and what it was opened to.
    assert [(d["message"], d["severity"], d["outcome"]) for d in found] == [
        ("Bucket drop opened to 444455556666, site opened to everyone", "high", "succeeded")
    ]


def test_a_refused_call_is_an_attempt_one_step_lower(tmp_path: Path) -> None:
    events = [
        _event(1, "cloudtrail.amazonaws.com", "StopLogging", {"name": "main"}, errorCode="AccessDenied"),
        _event(2, "cloudtrail.amazonaws.com", "StopLogging", {"name": "main"}),
    ]
    found = [d for d in _detect(tmp_path, events) if d["rule_id"] == "cloudtrail.logging-stopped"]
    by_outcome = {d["outcome"]: d for d in found}
    assert set(by_outcome) == {"failed", "succeeded"}
    assert by_outcome["succeeded"]["severity"] == "high"
    assert by_outcome["failed"]["severity"] == "medium"
    assert (
        "refused" in by_outcome["failed"]["message"] and "refused" not in by_outcome["succeeded"]["message"]
    )


def test_sharing_that_adds_nothing_is_not_sharing(tmp_path: Path) -> None:
    events = [
        _event(
            1,
            "rds.amazonaws.com",
            "ModifyDBSnapshotAttribute",
            {
                "dBSnapshotIdentifier": "db1",
                "attributeName": "restore",
                "valuesToAdd": [],
                "valuesToRemove": ["444455556666"],
            },
        ),
        _event(
            2,
            "ec2.amazonaws.com",
            "ModifySnapshotAttribute",
            {
                "snapshotId": "snap-1",
                "attributeType": "CREATE_VOLUME_PERMISSION",
                "createVolumePermission": {"add": {}, "remove": {"items": [{"userId": "444455556666"}]}},
            },
        ),
        _event(
            3,
            "ec2.amazonaws.com",
            "ModifyImageAttribute",
            {
                "imageId": "ami-1",
                "attributeType": "launchPermission",
                "launchPermission": {"add": {"items": [{"group": "all"}]}},
            },
            errorCode="Client.UnauthorizedOperation",
        ),
        _event(
            4,
            "rds.amazonaws.com",
            "ModifyDBSnapshotAttribute",
            {"dBSnapshotIdentifier": "db2", "attributeName": "restore", "valuesToAdd": ["all"]},
        ),
    ]
    found = {(d["rule_id"], d["outcome"]) for d in _detect(tmp_path, events)}
    assert ("rds.snapshot-shared", "succeeded") in found
    assert ("ec2.ami-shared", "failed") in found
    assert ("ec2.snapshot-shared", "succeeded") not in found and (
        "ec2.snapshot-shared",
        "failed",
    ) not in found
    shared = [d for d in _detect(tmp_path, events) if d["rule_id"] == "rds.snapshot-shared"]
    assert len(shared) == 1 and "db2" in shared[0]["message"]


def test_fields_are_read_where_cloudtrail_nests_them(tmp_path: Path) -> None:
    events = [
        _event(
            1,
            "ec2.amazonaws.com",
            "ModifyInstanceAttribute",
            {"instanceId": "i-1", "instanceType": {"value": "p2.xlarge"}},
        ),
        _event(
            2,
            "lambda.amazonaws.com",
            "UpdateFunctionConfiguration20150331v2",
            {"functionName": "api"},
            responseElements={
                "functionName": "api",
                "layers": [{"arn": "arn:aws:lambda:eu-west-1:999988887777:layer:x:1", "codeSize": 10}],
            },
        ),
    ]
    rules = {d["rule_id"]: d["message"] for d in _detect(tmp_path, events)}
    assert "p2.xlarge" in rules["ec2.unusual-instance-type-launched"]
    assert "999988887777" in rules["lambda.layer-attached"]
