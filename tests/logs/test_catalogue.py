from __future__ import annotations

import re

import pytest

from ringfence.logs.catalogue import CatalogueError, load_detections, parse_detection
from ringfence.logs.prefilter import names, plan, relax

from .conftest import ROOT


def test_every_detection_has_metadata_and_is_documented() -> None:
    docs = (ROOT / "docs" / "detections.md").read_text()
    dets = load_detections()
    assert len(dets) >= 40
    for d in dets:
        assert re.fullmatch(r"[a-z0-9-]+\.[a-z0-9-]+", d.rule_id), d.rule_id
        assert re.fullmatch(r"T\d{4}(\.\d{3})?", d.technique), d.rule_id
        assert d.title and d.sql.lstrip().upper().startswith(("SELECT", "WITH"))
        assert f"`{d.rule_id}`" in docs, f"{d.rule_id} missing from docs/detections.md"


def test_header_is_required() -> None:
    with pytest.raises(CatalogueError):
        parse_detection(
            "x.sql", "-- id: a.b\n-- title: t\n-- severity: urgent\n-- technique: T1000\nSELECT 1"
        )


def test_relaxation_is_a_necessary_condition() -> None:
    import sqlglot

    where = sqlglot.parse_one(
        "SELECT 1 FROM cloudtrail WHERE event_name = 'A' AND json_extract_string(request_parameters, '$.x') = 'y'"
        " AND (user_type = 'Root' OR regexp_matches(user_agent, 'k'))",
        read="duckdb",
    ).args["where"]
    relaxed = relax(where.this)
    assert relaxed is not None and relaxed.sql() == "event_name = 'A'"  # type: ignore[attr-defined]
    assert names(where.this) == {"a"}


def test_plan_covers_every_cloudtrail_detection() -> None:
    dets = load_detections()
    p = plan(dets)
    planned = {r for g in p.groups for r in g.rules} | set(p.cold)
    assert planned == {d.rule_id for d in dets}
    assert all(d.table == "flowlogs" for d in dets if d.rule_id in p.cold)
