"""Network hygiene checks over one fixture: pass_* pass, fail_* fail, exactly."""

from __future__ import annotations

from pathlib import Path

import pytest

from ringfence.network import CHECKS, network_of
from ringfence.sources import load_estate

FIXTURE = Path(__file__).parent / "fixtures" / "checks"


@pytest.mark.parametrize("check", CHECKS, ids=lambda c: c.rule_id)
def test_check_on_fixture(check) -> None:  # type: ignore[no-untyped-def]
    net = network_of(load_estate([str(FIXTURE)]))
    got: dict[str, str] = {}
    for r in net.estate.of_kind(*check.kinds):
        verdict = check.run(r, net)
        if verdict is not None and (r.name.startswith(("pass_", "fail_"))):
            got[r.address] = verdict.status
    expected = {a: a.split(".", 1)[1].split("_")[0] for a in got}
    assert got == expected
    assert got, f"{check.rule_id} has no fixture resources"


def test_checks_are_listed_with_unique_descriptive_ids() -> None:
    ids = [c.rule_id for c in CHECKS]
    assert len(ids) == len(set(ids))
    assert all(i.startswith("network.") for i in ids)


def test_acl_verdict_points_at_the_rule() -> None:
    net = network_of(load_estate([str(FIXTURE)]))
    [check] = [c for c in CHECKS if c.rule_id == "network.acl-admin-ports-restricted"]
    verdict = check.run(net.estate.by_address["aws_network_acl.fail_ssh_world"], net)
    assert verdict is not None
    assert verdict.reason == "inbound rule 100 allows tcp/0-1024 from 0.0.0.0/0 admits port 22 from anywhere"
