"""The S3 collector against a moto server: buckets in two regions, good and bad."""

from __future__ import annotations

from ringfence.sources.aws import load_live
from tests.live.conftest import REGIONS, client, findings, policy

_ALL_ON = {
    "BlockPublicAcls": True,
    "IgnorePublicAcls": True,
    "BlockPublicPolicy": True,
    "RestrictPublicBuckets": True,
}


def _seed_s3() -> None:
    east, west = client("s3", "us-east-1"), client("s3", "eu-west-1")
    east.create_bucket(Bucket="pass-private-east")
    east.put_public_access_block(Bucket="pass-private-east", PublicAccessBlockConfiguration=_ALL_ON)
    east.put_bucket_encryption(
        Bucket="pass-private-east",
        ServerSideEncryptionConfiguration={
            "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms"}}]
        },
    )
    east.put_bucket_versioning(Bucket="pass-private-east", VersioningConfiguration={"Status": "Enabled"})
    location = {"LocationConstraint": "eu-west-1"}
    west.create_bucket(Bucket="fail-public-west", CreateBucketConfiguration=location)  # type: ignore[arg-type]
    west.put_bucket_policy(
        Bucket="fail-public-west",
        Policy=policy(
            {
                "Effect": "Allow",
                "Principal": "*",
                "Action": "s3:GetObject",
                "Resource": "arn:aws:s3:::fail-public-west/*",
            }
        ),
    )
    west.put_bucket_acl(Bucket="fail-public-west", ACL="public-read")


PUBLIC_RULES = ("s3.public-access-block-enabled",)


def test_buckets_of_both_regions_with_their_configuration(aws: str) -> None:
    _seed_s3()
    estate = load_live("aws://", regions=REGIONS)
    west = estate.get("arn:aws:s3:::fail-public-west")
    assert west is not None and west.provenance.region == "eu-west-1"
    assert estate.get("aws_s3_bucket_policy:fail-public-west") is not None
    assert estate.get("aws_s3_bucket_public_access_block:pass-private-east") is not None
    assert estate.get("aws_s3_bucket_public_access_block:fail-public-west") is None


def test_only_the_scanned_regions_buckets_are_read(aws: str) -> None:
    _seed_s3()
    estate = load_live("aws://", regions=("us-east-1",))
    assert {r.get("bucket") for r in estate.of_kind("aws_s3_bucket")} == {"pass-private-east"}


def test_s3_findings(aws: str) -> None:
    _seed_s3()
    estate = load_live("aws://", regions=REGIONS)
    got = findings(
        estate,
        "s3.bucket-acl-not-public",
        "s3.bucket-policy-not-public",
        "s3.public-access-block-enabled",
        "s3.bucket-requires-tls",
    )
    assert got == {
        ("s3.bucket-acl-not-public", "fail", "arn:aws:s3:::fail-public-west"),
        ("s3.bucket-policy-not-public", "fail", "arn:aws:s3:::fail-public-west"),
        ("s3.public-access-block-enabled", "fail", "arn:aws:s3:::fail-public-west"),
        # Neither policy denies requests without TLS (aws:SecureTransport).
        ("s3.bucket-requires-tls", "fail", "arn:aws:s3:::fail-public-west"),
        ("s3.bucket-requires-tls", "fail", "arn:aws:s3:::pass-private-east"),
    }


def test_the_account_level_block_covers_every_bucket(aws: str) -> None:
    _seed_s3()
    client("s3control").put_public_access_block(
        AccountId="123456789012", PublicAccessBlockConfiguration=_ALL_ON
    )
    estate = load_live("aws://", regions=REGIONS)
    assert estate.of_kind("aws_s3_account_public_access_block")
    got = findings(estate, "s3.public-access-block-enabled", "s3.bucket-policy-not-public")
    assert got == set()
