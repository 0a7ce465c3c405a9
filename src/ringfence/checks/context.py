"""What checks may look at besides the resource: the estate and the analyses built over it (lazily, once)."""

from __future__ import annotations

from collections.abc import Iterable
from functools import cached_property
from typing import Any

from ringfence.model import Estate, Resource
from ringfence.model.relations import CONFIGURES


class Context:
    def __init__(
        self, estate: Estate, estate_scope: str = "partial", trusted_accounts: Iterable[str] = ()
    ) -> None:
        self.estate = estate
        # The accounts a resource may be shared with: the estate's own (every account scanned) and the
        # `trusted_accounts` setting.
        self.trusted_accounts = frozenset(
            {*estate.accounts, *trusted_accounts}
            | {r.provenance.account_id for r in estate.resources if r.provenance.account_id}
        )
        # "account": the estate is an account's whole configuration (the `estate_scope` setting, and always
        # for a live scan); "partial": part of one, so a control it does not contain may be elsewhere.
        live = any(r.provenance.source == "aws" for r in estate.resources)
        self.estate_scope = "account" if live else estate_scope

    def configuration(self, bucket: Resource, kind: str) -> tuple[Resource, ...]:
        """The split S3 resources of ``kind`` that configure ``bucket``."""
        return self.estate.sources(bucket, CONFIGURES, of_kind=kind)

    @cached_property
    def iam(self) -> Any:
        """The IAM engine over the estate (policies compiled once, on first use)."""
        from ringfence.iam import Engine

        return Engine(self.estate)

    @cached_property
    def rbac(self) -> Any:
        """The Kubernetes RBAC of the estate (grants and escalation graph), built on first use."""
        from ringfence.kubernetes.rbac import Rbac

        return Rbac(self.estate)

    @cached_property
    def network_policies(self) -> Any:
        """The Kubernetes NetworkPolicies of the estate, read on first use."""
        from ringfence.kubernetes.policies import NetworkPolicies

        return NetworkPolicies(self.estate)
