"""The collectors, one per service, in the order they run."""

from __future__ import annotations

from ringfence.sources.aws.collectors import detective, ec2, iam, kms, organizations, s3, workloads
from ringfence.sources.aws.collectors.base import Collector

COLLECTORS: tuple[Collector, ...] = (
    iam.COLLECTOR,
    organizations.COLLECTOR,
    s3.COLLECTOR,
    ec2.COLLECTOR,
    kms.COLLECTOR,
    detective.CLOUDTRAIL,
    detective.GUARDDUTY,
    detective.SECURITYHUB,
    detective.CONFIG,
    workloads.ELBV2,
    workloads.RDS,
    workloads.LAMBDA,
    workloads.SQS,
    workloads.SNS,
    workloads.SECRETS,
    workloads.WAF,
    workloads.LOGS,
)
