"""Estates that defeat naive scanners, read through the real Terraform source."""

from __future__ import annotations

from pathlib import Path

import pytest

from ringfence.model import Estate
from ringfence.network import (
    admin_port_exposures,
    database_port_exposures,
    evaluate_intents,
    exposure_map,
    find_intents_file,
    load_intents,
    reach,
)
from ringfence.sources import load_estate

FIXTURES = Path(__file__).parent / "fixtures"


def estate(case: str) -> Estate:
    return load_estate([str(FIXTURES / case)])


# (case, from, to, port, reachable, a word the first blocker or the path must contain)
CASES = [
    ("private-named-public", "internet", "aws_instance.fail_worker", 22, True, "aws_internet_gateway.igw"),
    ("private-named-public", "internet", "aws_instance.pass_isolated", 22, False, "no route back"),
    ("nacl-deny-before-allow", "internet", "aws_instance.web", 22, False, "inbound rule 90 denies tcp/22"),
    ("nacl-deny-before-allow", "internet", "aws_instance.web", 80, True, "inbound rule 100 allows"),
    (
        "nacl-no-reply",
        "internet",
        "aws_instance.box",
        22,
        False,
        "outbound default rule * denies tcp/1024-65535",
    ),
    ("nat-only-instance", "internet", "aws_instance.worker", 22, False, "has no public IPv4 address"),
    ("nat-only-instance", "aws_instance.worker", "internet", 443, True, "aws_nat_gateway.nat"),
    ("database-tiers", "aws_instance.app", "aws_db_instance.orders", 5432, True, "member: aws_instance.app"),
    ("database-tiers", "aws_instance.app", "aws_db_instance.reports", 5432, False, "no ingress rule admits"),
    ("database-tiers", "internet", "aws_db_instance.orders", 5432, False, "no internet gateway"),
    ("load-balancer", "internet", "aws_lb.web", 443, True, "listener tcp/443"),
    ("load-balancer", "internet", "aws_lb.web", 80, False, "aws_security_group.alb"),
    ("load-balancer", "internet", "aws_instance.app", 8080, True, "forward to aws_lb_target_group.app"),
    ("load-balancer", "internet", "aws_instance.legacy", 8080, False, "aws_security_group.legacy"),
]


@pytest.mark.parametrize(("case", "src", "dst", "port", "reachable", "word"), CASES)
def test_reach(case: str, src: str, dst: str, port: int, reachable: bool, word: str) -> None:
    result = reach(estate(case), src, dst, port, "tcp")
    assert result.reachable is reachable, result.to_json()
    shown = [f"{s.resource} {s.step}" for s in result.path] + [
        f"{b.resource} {b.reason}" for b in result.blocked_by
    ]
    assert any(word in line for line in shown), shown


def test_unknown_cidr_is_unknown_not_blocked() -> None:
    result = reach(estate("unknown-cidr"), "internet", "aws_instance.box", 22, "tcp")
    assert result.reachable is None
    assert result.unknown and "not known before apply" in result.unknown
    assert result.to_json()["reachable"] is None
    [finding] = admin_port_exposures(estate("unknown-cidr"))
    assert finding.status == "unknown"


def test_admin_exposure_statuses() -> None:
    got = {
        case: sorted((f.resource, f.status) for f in admin_port_exposures(estate(case)))
        for case in ("private-named-public", "nacl-deny-before-allow", "nacl-no-reply", "nat-only-instance")
    }
    assert got == {
        "private-named-public": [
            ("aws_instance.fail_worker", "exposed"),
            ("aws_instance.pass_isolated", "latent"),
        ],
        "nacl-deny-before-allow": [("aws_instance.web", "latent")],
        "nacl-no-reply": [("aws_instance.box", "latent")],
        "nat-only-instance": [("aws_instance.worker", "latent")],
    }


def test_latent_finding_names_the_blocking_rule_and_the_opening_rule() -> None:
    [finding] = admin_port_exposures(estate("nacl-deny-before-allow"))
    assert finding.rule == "aws_security_group.web"
    assert finding.blocked_by[0].resource == "aws_network_acl.deny_ssh"
    assert "inbound rule 90 denies tcp/22" in finding.message


def test_exposed_finding_has_the_path() -> None:
    exposed = [f for f in admin_port_exposures(estate("private-named-public")) if f.status == "exposed"]
    assert exposed[0].path[0].resource == "aws_internet_gateway.igw"
    assert exposed[0].ports.describe() == "22"


def test_exposure_map_uses_intervals() -> None:
    emap = exposure_map(estate("nacl-deny-before-allow"))
    web = emap.resources["aws_instance.web"]
    opened = web.openings()
    assert [(o.protocol, o.ports.describe()) for o in opened] == [("tcp", "80")]
    latent = web.latent()
    assert [p.describe() for _, p, _ in latent.boxes()] == ["22"]
    # everything open on the NAT-only worker (tcp/0-65535) is latent, as one interval
    worker = exposure_map(estate("nat-only-instance")).resources["aws_instance.worker"]
    assert not worker.openings()
    assert [p.describe() for _, p, _ in worker.latent().boxes()] == ["0-65535"]


def test_exposure_through_a_load_balancer() -> None:
    emap = exposure_map(estate("load-balancer"))
    app = emap.resources["aws_instance.app"]
    assert [(o.via, o.ports.describe()) for o in app.openings()] == [("aws_lb.web", "8080")]
    assert not emap.resources["aws_instance.legacy"].openings()
    assert [o.ports.describe() for o in emap.resources["aws_lb.web"].openings()] == ["443"]


def test_databases_are_not_exposed() -> None:
    assert database_port_exposures(estate("database-tiers")) == []


def test_intents_file_at_the_root() -> None:
    e = estate("database-tiers")
    path = find_intents_file(e)
    assert path is not None and path.endswith("ringfence.yaml")
    results = evaluate_intents(e, load_intents(path))
    got = [(r.intent.rule_id, r.target, r.status) for r in results]
    assert got == [
        ("intent.databases-stay-private", "aws_db_instance.orders", "pass"),
        ("intent.databases-stay-private", "aws_db_instance.reports", "pass"),
        ("intent.app-reaches-orders-db", "aws_db_instance.orders", "pass"),
        ("intent.app-reaches-reports-db", "aws_db_instance.reports", "fail"),
    ]
    failed = results[-1]
    assert "aws_security_group.reports_db" in failed.message
    assert failed.intent.line == 12
