"""What checks may look at besides the resource: the estate and the analyses built over it (lazily, once)."""

from __future__ import annotations

from functools import cached_property
from typing import Any

from ringfence.model import Estate, Resource
from ringfence.model.relations import CONFIGURES


class Context:
    def __init__(self, estate: Estate) -> None:
        self.estate = estate

    def configuration(self, bucket: Resource, kind: str) -> tuple[Resource, ...]:
        """The split S3 resources of ``kind`` that configure ``bucket``."""
        return self.estate.sources(bucket, CONFIGURES, of_kind=kind)

    @cached_property
    def iam(self) -> Any:
        """The IAM engine over the estate (policies compiled once, on first use)."""
        from ringfence.iam import Engine

        return Engine(self.estate)
