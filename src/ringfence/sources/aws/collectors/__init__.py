"""The collectors, one per service, in the order they run."""

from __future__ import annotations

from ringfence.sources.aws.collectors import iam
from ringfence.sources.aws.collectors.base import Collector

COLLECTORS: tuple[Collector, ...] = (iam.COLLECTOR,)
