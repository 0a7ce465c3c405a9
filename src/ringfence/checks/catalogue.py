"""The catalogue of checks: an explicit value, listed per pillar. Nothing registers itself."""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache

from ringfence.checks import (
    accounts,
    alarms,
    classified,
    compute,
    containers,
    data_protection,
    databases,
    detective_services,
    ecs,
    estate_controls,
    iam,
    identity,
    identity_posture,
    key_policies,
    kubernetes_rbac,
    live,
    manifest_secrets,
    messaging,
    monitoring,
    network,
    network_gaps,
    network_hygiene,
    network_policies,
    pod_security,
    resource_policies,
    search,
    secrets,
    serverless,
    service_account_tokens,
    service_exposure,
    service_logging,
    snapshots,
    storage,
    streams,
    transit,
    transit_services,
    volumes,
    waf,
    workload_identity,
)
from ringfence.checks.base import Check

CATALOGUE: tuple[Check, ...] = (
    *identity.CHECKS,
    *iam.CHECKS,
    *accounts.CHECKS,
    *identity_posture.CHECKS,
    *network.CHECKS,
    *network_hygiene.CHECKS,
    *network_gaps.CHECKS,
    *storage.CHECKS,
    *resource_policies.CHECKS,
    *key_policies.CHECKS,
    *volumes.CHECKS,
    *transit.CHECKS,
    *transit_services.CHECKS,
    *messaging.CHECKS,
    *monitoring.CHECKS,
    *estate_controls.CHECKS,
    *live.CHECKS,
    *detective_services.CHECKS,
    *waf.CHECKS,
    *alarms.CHECKS,
    *secrets.CHECKS,
    *data_protection.CHECKS,
    *service_exposure.CHECKS,
    *service_logging.CHECKS,
    *databases.CHECKS,
    *search.CHECKS,
    *snapshots.CHECKS,
    *streams.CHECKS,
    *classified.CHECKS,
    *compute.CHECKS,
    *containers.CHECKS,
    *ecs.CHECKS,
    *serverless.CHECKS,
    *pod_security.CHECKS,
    *manifest_secrets.CHECKS,
    *kubernetes_rbac.CHECKS,
    *network_policies.CHECKS,
    *service_account_tokens.CHECKS,
    *workload_identity.CHECKS,
)


@cache
def by_id() -> Mapping[str, Check]:
    return {c.rule_id: c for c in CATALOGUE}


@cache
def peer_ids() -> Mapping[str, tuple[str, ...]]:
    """Other tools' check ids -> ringfence rule ids, from each check's metadata."""
    out: dict[str, list[str]] = {}
    for check in CATALOGUE:
        for peer in check.meta.peers:
            out.setdefault(peer.upper(), []).append(check.rule_id)
    return {k: tuple(v) for k, v in out.items()}
