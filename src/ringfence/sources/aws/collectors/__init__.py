"""The collectors, one per service, in the order they run."""

from __future__ import annotations

from ringfence.sources.aws.collectors import detective, ec2, iam, kms, s3
from ringfence.sources.aws.collectors.base import Collector

COLLECTORS: tuple[Collector, ...] = (
    iam.COLLECTOR,
    s3.COLLECTOR,
    ec2.COLLECTOR,
    kms.COLLECTOR,
    detective.CLOUDTRAIL,
    detective.GUARDDUTY,
    detective.SECURITYHUB,
    detective.CONFIG,
)
