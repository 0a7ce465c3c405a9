"""Resources and where they came from.

The model's vocabulary for kinds and attribute names is the Terraform AWS provider schema
(``aws_instance``, ``vpc_security_group_ids``): it is the schema most engineers already read, and every
source (Terraform, plan JSON, CloudFormation, live AWS) maps into it, so analyses and checks are written
once.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from ringfence.model.values import pickled_by_fields

SourceKind = Literal["terraform", "terraform-plan", "cloudformation", "kubernetes", "aws"]
# Kubernetes objects keep their own vocabulary: kind ``k8s:<Kind>`` (``k8s:Deployment``), attributes as the
# manifest writes them, address ``Kind/namespace/name`` (``Kind/name`` for cluster-scoped kinds).
K8S = "k8s:"


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class Provenance:
    """Where a resource was read from: a file and line for code, an account/region/ARN for live data."""

    source: SourceKind
    path: str | None = None  # relative to the scanned PATH, with forward slashes
    line: int | None = None
    end_line: int | None = None
    account_id: str | None = None
    region: str | None = None
    arn: str | None = None

    def describe(self) -> str:
        if self.path is not None:
            return f"{self.path}:{self.line}" if self.line else self.path
        return self.arn or f"{self.account_id}/{self.region}"


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class Resource:
    """One resource of the estate.

    ``address`` is unique in an estate (Terraform address, CloudFormation logical id, ``Kind/ns/name``, or
    ARN for live resources). ``attributes`` is read-only by contract: sources build it once, nobody mutates
    it afterwards. Values may be :class:`~ringfence.model.values.Unknown` or
    :class:`~ringfence.model.values.Ref`.
    """

    address: str
    kind: str
    attributes: Mapping[str, Any]
    provenance: Provenance
    arn: str | None = None
    # Free-form comments attached to the block, used for suppressions (`# ringfence:ignore ...`).
    annotations: tuple[str, ...] = ()
    # The Terraform root module (relative folder) or stack this resource belongs to; "" for the only one.
    root: str = ""
    tags: Mapping[str, str] = field(default_factory=dict)
    # Why the block was not evaluated (set aside before evaluation: an expansion over the limits, a value
    # that cannot be written out). Its attributes are not known: every check of it is unknown, not a pass
    # or a failure on what is missing.
    unevaluated: str | None = None
    # The account and region the resource is in; None: the ones it was read from (``provenance``), else
    # the estate's (``Estate.account_of``). Set when an estate holds several accounts or regions.
    account_id: str | None = None
    region: str | None = None

    @property
    def name(self) -> str:
        """The resource's own name: ``module.net.aws_subnet.private["a"]`` -> ``private["a"]``;
        ``Deployment/shop/web`` -> ``web``."""
        if self.kind.startswith(K8S):
            return self.address.rsplit("/", 1)[-1]
        tail = self.address.rsplit(":", 1)[-1] if "::" not in self.address else self.address
        marker = self.kind + "."
        at = tail.rfind(marker)
        return tail[at + len(marker) :] if at >= 0 else tail

    def get(self, key: str, default: Any = None) -> Any:
        return self.attributes.get(key, default)
