"""One scan over two accounts and two regions, good and bad resources in each: the exact findings; and the
same small estate written in Terraform and created in moto gives the same findings for the checks both
decide."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ringfence.model import Estate
from ringfence.sources.aws import load_live
from tests.live.conftest import REGIONS, client, client_in, findings, policy, public_queue

HOME, OTHER = "123456789012", "111111111111"
RULES = ("s3.bucket-policy-not-public", "sqs.queue-policy-not-public", "kms.key-rotation-enabled")


def _public_read(bucket: str) -> str:
    return policy(
        {
            "Effect": "Allow",
            "Principal": "*",
            "Action": "s3:GetObject",
            "Resource": f"arn:aws:s3:::{bucket}/*",
        }
    )


def _seed_account(make: Any, tag: str) -> dict[str, str]:
    """In one account: a private and a public bucket (us-east-1), a rotated and an unrotated key
    (us-east-1), a private and a public queue (eu-west-1)."""
    s3 = make("s3", "us-east-1")
    s3.create_bucket(Bucket=f"pass-{tag}-private")
    s3.create_bucket(Bucket=f"fail-{tag}-public")
    s3.put_bucket_policy(Bucket=f"fail-{tag}-public", Policy=_public_read(f"fail-{tag}-public"))
    kms = make("kms", "us-east-1")
    rotated = kms.create_key(Description=f"pass-{tag}-rotated")["KeyMetadata"]
    kms.enable_key_rotation(KeyId=rotated["KeyId"])
    unrotated = kms.create_key(Description=f"fail-{tag}-unrotated")["KeyMetadata"]["Arn"]
    sqs = make("sqs", "eu-west-1")
    sqs.create_queue(QueueName=f"pass-{tag}-queue")
    queue = public_queue(f"fail-{tag}-queue", "eu-west-1", sqs)
    return {"bucket": f"arn:aws:s3:::fail-{tag}-public", "key": unrotated, "queue": queue}


def test_two_accounts_and_two_regions_give_the_exact_findings(aws: str) -> None:
    home = _seed_account(client, "home")
    other = _seed_account(lambda service, region: client_in(OTHER, service, region), "other")
    roles = [f"arn:aws:iam::{a}:role/OrganizationAccountAccessRole" for a in (HOME, OTHER)]
    estate = load_live("aws://", role_arns=roles, regions=REGIONS)
    assert estate.accounts == (HOME, OTHER) and estate.account_id == HOME
    assert findings(estate, *RULES) == {
        ("s3.bucket-policy-not-public", "fail", home["bucket"]),
        ("s3.bucket-policy-not-public", "fail", other["bucket"]),
        ("kms.key-rotation-enabled", "fail", home["key"]),
        ("kms.key-rotation-enabled", "fail", other["key"]),
        ("sqs.queue-policy-not-public", "fail", home["queue"]),
        ("sqs.queue-policy-not-public", "fail", other["queue"]),
    }
    for found in (home, other):
        key, queue = estate.get(found["key"]), estate.get(found["queue"])
        assert key is not None and queue is not None
        assert key.region == "us-east-1" and queue.region == "eu-west-1"
    assert {estate.account_of(r) for r in estate.of_kind("aws_sqs_queue")} == {HOME, OTHER}


_TERRAFORM = """
provider "aws" {
  region = "eu-west-1" # the queues' region; the bucket and key checks do not depend on it
}
resource "aws_s3_bucket" "private" {
  bucket = "pass-home-private"
}
resource "aws_s3_bucket" "public" {
  bucket = "fail-home-public"
}
resource "aws_s3_bucket_policy" "public" {
  bucket = aws_s3_bucket.public.id
  policy = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow", Principal = "*",
    Action = "s3:GetObject", Resource = "arn:aws:s3:::fail-home-public/*" }] })
}
resource "aws_kms_key" "rotated" {
  description         = "pass-home-rotated"
  enable_key_rotation = true
}
resource "aws_kms_key" "unrotated" {
  description = "fail-home-unrotated"
}
resource "aws_sqs_queue" "private" {
  name = "pass-home-queue"
}
resource "aws_sqs_queue" "public" {
  name = "fail-home-queue"
  policy = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow", Principal = "*",
    Action = "sqs:SendMessage", Resource = "arn:aws:sqs:eu-west-1:123456789012:fail-home-queue" }] })
}
"""


def _named(estate: Estate) -> set[tuple[str, str, str]]:
    """Findings by the resource's own name (bucket, queue name, key description), not its address."""
    out = set()
    for rule, status, address in findings(estate, *RULES):
        r = estate.get(address)
        assert r is not None, address
        name = r.get("bucket") or r.get("name") or r.get("description")
        out.add((rule, status, str(name)))
    return out


def test_the_same_estate_in_terraform_and_in_moto_gives_the_same_findings(aws: str, tmp_path: Path) -> None:
    from ringfence.sources import LoadOptions, load_estate

    _seed_account(client, "home")
    live = load_live("aws://", regions=REGIONS)
    (tmp_path / "main.tf").write_text(_TERRAFORM, encoding="utf-8")
    terraform = load_estate([str(tmp_path)], LoadOptions(account_id=HOME))
    assert (
        _named(live)
        == _named(terraform)
        == {
            ("s3.bucket-policy-not-public", "fail", "fail-home-public"),
            ("kms.key-rotation-enabled", "fail", "fail-home-unrotated"),
            ("sqs.queue-policy-not-public", "fail", "fail-home-queue"),
        }
    )
