"""Network hygiene checks over one fixture: pass_* pass, fail_* fail, exactly."""

from __future__ import annotations

from pathlib import Path

import pytest

from ringfence.checks.base import Check
from ringfence.checks.context import Context
from ringfence.checks.network import CHECKS as NETWORK_CHECKS
from ringfence.sources import load_estate

FIXTURE = Path(__file__).parent / "fixtures" / "checks"
# The hygiene checks: one verdict per resource of their kinds, from the estate's network index.
HYGIENE = tuple(c for c in NETWORK_CHECKS if c.per_resource is not None)


@pytest.mark.parametrize("check", HYGIENE, ids=lambda c: c.rule_id)
def test_check_on_fixture(check: Check) -> None:
    estate = load_estate([str(FIXTURE)])
    ctx = Context(estate)
    assert check.per_resource is not None
    got: dict[str, str] = {}
    for r in estate.of_kind(*check.kinds):
        for result in check.per_resource(r, ctx):
            if r.name.startswith(("pass_", "fail_")):
                got[r.address] = result.status.value
    expected = {a: a.split(".", 1)[1].split("_")[0] for a in got}
    assert got == expected
    assert got, f"{check.rule_id} has no fixture resources"


def test_checks_are_listed_with_unique_descriptive_ids() -> None:
    ids = [c.rule_id for c in NETWORK_CHECKS]
    assert len(ids) == len(set(ids))
    assert all(i.startswith("network.") for i in ids)


def test_acl_verdict_points_at_the_rule() -> None:
    estate = load_estate([str(FIXTURE)])
    [check] = [c for c in HYGIENE if c.rule_id == "network.acl-admin-ports-restricted"]
    assert check.per_resource is not None
    acl = estate.by_address["aws_network_acl.fail_ssh_world"]
    [result] = check.per_resource(acl, Context(estate))
    assert result.message == "inbound rule 100 allows tcp/0-1024 from 0.0.0.0/0 admits port 22 from anywhere"
    assert result.detail.startswith("aws_network_acl.fail_ssh_world")  # the ACL block that holds the rule
