"""KMS and the detective controls (CloudTrail, GuardDuty, Security Hub, Config) against a moto server."""

from __future__ import annotations

from ringfence.sources.aws import load_live
from tests.live.conftest import REGIONS, client, findings

ACCOUNT = "123456789012"


def _trail_bucket(name: str, region: str) -> None:
    s3 = client("s3", region)
    if region == "us-east-1":
        s3.create_bucket(Bucket=name)
    else:
        s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": region})  # type: ignore[typeddict-item]


def _seed() -> dict[str, str]:
    _trail_bucket("trail-east", "us-east-1")
    _trail_bucket("trail-west", "eu-west-1")
    east = client("cloudtrail", "us-east-1")
    good = east.create_trail(
        Name="pass-everywhere",
        S3BucketName="trail-east",
        IsMultiRegionTrail=True,
        EnableLogFileValidation=True,
    )["TrailARN"]
    east.start_logging(Name="pass-everywhere")
    west = client("cloudtrail", "eu-west-1")
    bad = west.create_trail(Name="fail-one-region", S3BucketName="trail-west")["TrailARN"]
    west.start_logging(Name="fail-one-region")

    client("guardduty", "us-east-1").create_detector(Enable=True)
    client("securityhub", "us-east-1").enable_security_hub(EnableDefaultStandards=True)

    for region, start in (("us-east-1", True), ("eu-west-1", False)):
        config = client("config", region)
        config.put_configuration_recorder(
            ConfigurationRecorder={
                "name": "default",
                "roleARN": f"arn:aws:iam::{ACCOUNT}:role/config",
                "recordingGroup": {"allSupported": True, "includeGlobalResourceTypes": True},
            }
        )
        config.put_delivery_channel(DeliveryChannel={"name": "default", "s3BucketName": "trail-east"})
        if start:
            config.start_configuration_recorder(ConfigurationRecorderName="default")

    rotated = client("kms", "us-east-1").create_key(Description="pass-rotated")["KeyMetadata"]["Arn"]
    client("kms", "us-east-1").enable_key_rotation(KeyId=rotated)
    stale = client("kms", "eu-west-1").create_key(Description="fail-not-rotated")["KeyMetadata"]["Arn"]
    return {"good": good, "bad": bad, "rotated": rotated, "stale": stale}


def test_detective_controls_and_keys(aws: str) -> None:
    ids = _seed()
    estate = load_live("aws://", regions=REGIONS)
    rules = (
        "cloudtrail.multi-region-enabled",
        "cloudtrail.log-file-validation-enabled",
        "config.recorder-enabled",
        "kms.key-rotation-enabled",
        "securityhub.standards-subscribed",
        "monitoring.no-trail-in-estate",
        "monitoring.no-guardduty-in-estate",
        "monitoring.no-securityhub-in-estate",
        "monitoring.no-config-recorder-in-estate",
    )
    west_recorder = f"aws_config_configuration_recorder:{ACCOUNT}:eu-west-1:default"
    assert findings(estate, *rules) == {
        ("cloudtrail.multi-region-enabled", "fail", ids["bad"]),
        ("cloudtrail.log-file-validation-enabled", "fail", ids["bad"]),
        ("config.recorder-enabled", "fail", west_recorder),  # put, never started
        ("kms.key-rotation-enabled", "fail", ids["stale"]),
        # moto does not implement GetEnabledStandards: whether a standard is on is not known.
        (
            "securityhub.standards-subscribed",
            "unknown",
            f"arn:aws:securityhub:us-east-1:{ACCOUNT}:hub/default",
        ),
    }
    assert any("securityhub:GetEnabledStandards" in e.message and e.undecided for e in estate.errors)


def test_a_region_without_controls_has_none_in_the_estate(aws: str) -> None:
    _seed()
    estate = load_live("aws://", regions=("eu-west-1",))
    assert not estate.of_kind("aws_guardduty_detector")
    assert findings(estate, "monitoring.no-guardduty-in-estate", "monitoring.no-securityhub-in-estate") == {
        ("monitoring.no-guardduty-in-estate", "fail", ACCOUNT),
        ("monitoring.no-securityhub-in-estate", "fail", ACCOUNT),
    }
