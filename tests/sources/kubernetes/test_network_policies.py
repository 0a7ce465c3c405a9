"""NetworkPolicy reach through `ringfence reach`: labels, namespace selectors, named ports, port ranges,
ipBlock with except, egress, and undecided namespace labels."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ringfence.cli.app import app

NETWORK = Path(__file__).resolve().parents[2] / "fixtures" / "kubernetes" / "network"


def _reach(source: str, target: str, port: int) -> dict[str, object]:
    result = CliRunner().invoke(
        app,
        ["reach", str(NETWORK), "--from", source, "--to", target, "--port", str(port), "--format", "json"],
    )
    assert result.exit_code == 0, result.output
    answer: dict[str, object] = json.loads(result.stdout)
    return answer


@pytest.mark.parametrize(
    ("source", "target", "port", "reachable", "decided_by"),
    [
        # namespaceSelector and podSelector together, named port http = containerPort 8080
        ("Deployment/edge/proxy", "Deployment/shop/api", 8080, True, "NetworkPolicy/shop/api-ingress"),
        ("Deployment/edge/proxy", "Deployment/shop/api", 8081, False, "NetworkPolicy/shop/default-deny"),
        # egress of the source and ingress (port range 5000-6000) of the destination
        ("Deployment/shop/api", "StatefulSet/shop/db", 5432, True, "NetworkPolicy/shop/db-ingress"),
        ("Deployment/shop/api", "StatefulSet/shop/db", 6001, False, "NetworkPolicy/shop/default-deny"),
        # the database may not call out: default-deny isolates it for egress
        ("StatefulSet/shop/db", "Deployment/shop/api", 8080, False, "NetworkPolicy/shop/default-deny"),
        # ipBlock and its except
        ("203.0.113.7", "Deployment/shop/api", 9090, True, "NetworkPolicy/shop/api-ingress"),
        ("203.0.113.200", "Deployment/shop/api", 9090, False, "NetworkPolicy/shop/default-deny"),
        # no policy isolates the edge namespace
        ("Deployment/shop/api", "Deployment/edge/proxy", 80, False, "NetworkPolicy/shop/default-deny"),
    ],
)
def test_reach_between_workloads(
    source: str, target: str, port: int, reachable: bool, decided_by: str
) -> None:
    answer = _reach(source, target, port)
    assert answer["reachable"] is reachable
    listed = answer["path"] if reachable else answer["blocked_by"]
    assert decided_by in [step["resource"] for step in listed]  # type: ignore[attr-defined,index]


def test_a_namespace_whose_labels_are_not_known_is_undecided() -> None:
    answer = _reach("Deployment/unlisted/proxy", "Deployment/shop/api", 8080)
    assert answer["reachable"] is None and "namespace labels" in str(answer["unknown"])


def test_coverage_findings() -> None:
    result = CliRunner().invoke(app, ["scan", str(NETWORK), "--format", "json", "--fail-on", "none"])
    report = json.loads(result.stdout)
    found = {(f["rule_id"], f["resource"]) for f in report["findings"]}
    assert ("k8s.namespace-default-deny-ingress", "Namespace/edge") in found
    assert ("k8s.namespace-default-deny-ingress", "Deployment/unlisted/proxy") in found
    assert not any(
        rule == "k8s.namespace-default-deny-ingress" and r == "Namespace/shop" for rule, r in found
    )
    assert ("k8s.pod-selected-by-network-policy", "Deployment/edge/proxy") in found
    assert ("k8s.pod-selected-by-network-policy", "Deployment/shop/api") not in found
