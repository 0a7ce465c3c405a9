"""The collectors, one per service, in the order they run."""

from __future__ import annotations

from ringfence.sources.aws.collectors import ec2, iam, s3
from ringfence.sources.aws.collectors.base import Collector

COLLECTORS: tuple[Collector, ...] = (iam.COLLECTOR, s3.COLLECTOR, ec2.COLLECTOR)
