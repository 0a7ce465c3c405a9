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


def test_plan_reads_the_store_once() -> None:
    """One table is cut from the store; every other group is a part of it, with columns it holds."""
    from ringfence.logs.runner import all_detections

    p = plan(all_detections()[0])
    tables = [g for g in p.groups if g.within is None]
    assert len(tables) == 1 and tables[0].order == ("event_name_lc",)
    for g in p.groups:
        if g.within is not None:
            assert g.within == tables[0].schema and set(g.columns) <= set(tables[0].columns)
            assert f"({g.condition})" in tables[0].condition or g.condition in tables[0].condition


def test_unreadable_detection_reads_the_views() -> None:
    broken = parse_detection(
        "b.sql", "-- id: b.c\n-- title: t\n-- severity: low\n-- technique: T1000\nSELECT FROM ("
    )
    p = plan((*load_detections()[:3], broken))
    assert "b.c" in p.cold and p.schema_of("b.c") is None


def test_render_picks_the_cheaper_equivalent() -> None:
    import sqlglot

    from ringfence.logs.prefilter import render

    def where(sql: str) -> object:
        return sqlglot.parse_one(f"SELECT 1 FROM cloudtrail WHERE {sql}", read="duckdb").args["where"].this

    assert render(where("user_arn LIKE '%:x/%' ESCAPE '!'")) == "user_arn LIKE '%:x/%'"
    assert render(where("user_arn LIKE '%!%x%' ESCAPE '!'")) == "user_arn LIKE '%!%x%' ESCAPE '!'"
    assert render(where("error_code IN ('A', 'B')")) == "(error_code = 'A' OR error_code = 'B')"
    many = ", ".join(f"'{i}'" for i in range(40))
    assert render(where(f"error_code IN ({many})")).startswith("error_code IN (")
