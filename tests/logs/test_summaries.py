"""The DuckDB engine runs the catalogue in a few statements and groups each detection's rows in SQL. These
tests hold that path to the reference one (each detection alone, its rows grouped in Python by
runner.group(), as the Spark engine does) and check that a detection that fails hides none of the others."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from ringfence.logs.catalogue import Detection
from ringfence.logs.engine import DuckDBEngine, Window, query_many
from ringfence.logs.ingest import ingest
from ringfence.logs.runner import Finding, all_detections, run, summary_sql
from ringfence.logs.store import Store

from .test_flowlogs import T0, v2


class OneByOne(DuckDBEngine):
    """DuckDB running each detection on its own, grouped in Python: the reference."""

    summarises = False


def _run(
    engine: DuckDBEngine,
    store: Store,
    dets: list[Detection],
    problems: list[tuple[str, str]] | None = None,
) -> list[Finding]:
    engine.open(store, Window())
    try:
        return run(engine, dets, problems)
    finally:
        engine.close()


def _det(rule_id: str, sql: str, filter_: str | None = None) -> Detection:
    return Detection(
        rule_id=rule_id,
        title=rule_id,
        severity="low",
        technique="T1000",
        sql=sql,
        message="{title} [{detail}] {count} {principal} {source_ip}",
        filter=filter_,
    )


@pytest.fixture(scope="module")
def flow_store(tmp_path_factory: pytest.TempPathFactory) -> Store:
    folder = tmp_path_factory.mktemp("flows")
    lines = [v2("203.0.113.9", "10.0.1.5", 22)]
    lines += [v2("198.51.100.7", "10.0.1.5", p, "REJECT") for p in range(1000, 1025)]
    lines += [v2("198.51.100.8", f"10.0.2.{i}", 3389, "REJECT") for i in range(25)]
    lines += [v2("192.0.2.66", "10.0.1.6", 22, "REJECT", T0 + i) for i in range(35)]
    (folder / "flows.log").write_text("\n".join(lines) + "\n")
    store = Store(tmp_path_factory.mktemp("store"))
    assert ingest([folder], store).errors == ()
    return store


@pytest.mark.parametrize("threads", [1, 2])
def test_summaries_equal_one_by_one_on_the_shared_datasets(shared_store: Store, threads: int) -> None:
    dets, _ = all_detections()
    summarised = _run(DuckDBEngine(threads=threads), shared_store, dets)
    assert len(summarised) > 80
    assert summarised == _run(OneByOne(threads=threads), shared_store, dets)


def test_summaries_equal_one_by_one_on_flow_logs(flow_store: Store) -> None:
    dets = [d for d in all_detections(with_sigma=False)[0] if d.table == "flowlogs"]
    summarised = _run(DuckDBEngine(), flow_store, dets)
    assert {f.rule_id for f in summarised} >= {"vpcflow.port-scan", "vpcflow.port-sweep"}
    assert summarised == _run(OneByOne(), flow_store, dets)


_ROWS = "SELECT * FROM (VALUES {}) t(ref, event_time, principal, source_ip, detail)"
_T = "TIMESTAMP '2026-11-02 09:00:0{}'"
# Rows chosen where Python's str() and `or` could part from SQL: NULL and empty principals, addresses and
# details, a NULL ref, repeated refs at several times, ties broken by the ref's text, non-ASCII text, more
# than five details, integer refs and details, and the types only Python can group (float, boolean, time
# zone, no time at all).
EXACT = [
    _det(
        "edge.nulls",
        _ROWS.format(
            f"('b', {_T.format(1)}, NULL, NULL, NULL), ('a', {_T.format(1)}, '', '', ''), "
            f"(NULL, {_T.format(0)}, 'p', '198.51.100.1', 'x'), ('a', {_T.format(2)}, 'p', '198.51.100.1', 'y'), "
            f"('a', {_T.format(0)}, 'p', '198.51.100.1', 'y')"
        ),
    ),
    _det(
        "edge.text-order",
        _ROWS.format(
            ", ".join(
                f"('{r}', {_T.format(3)}, 'p', '', 'd{i % 8}')"
                for i, r in enumerate(["é", "z", "Z", "😀", "a b", "ab"])
            )
            + f", ('zz', {_T.format(1)}, 'p', '', 'Ω'), ('zz', {_T.format(1)}, 'p', '', 'd7')"
        ),
    ),
    _det(
        "edge.integers",
        "SELECT range AS ref, TIMESTAMP '2026-11-02 09:00:00' + to_seconds(range % 3) AS t, 'p', '10.0.0.1', "
        "range % 7 - 3 FROM range(40)",
    ),
    _det(
        "edge.extra-columns",
        "SELECT 'r' || (range % 5), TIMESTAMP '2026-11-02 09:00:00', 'p', '', 'd', range, 'more' FROM range(9)",
    ),
    _det(
        "edge.outside-aws",
        _ROWS.format(
            f"('1', {_T.format(0)}, 'p', '8.8.8.8', 'x'), ('2', {_T.format(0)}, 'p', '10.0.0.1', 'x'), "
            f"('3', {_T.format(0)}, 'p', 'ec2.amazonaws.com', 'x'), ('4', {_T.format(0)}, 'p', NULL, 'x'), "
            f"('5', {_T.format(0)}, 'p', ' 8.8.4.4 ', 'x')"
        ),
        "outside_aws",
    ),
]
ODD = [
    _det("edge.float", "SELECT 'r', TIMESTAMP '2026-11-02 09:00:00', 'p', '', 1.5::DOUBLE"),
    _det("edge.boolean", "SELECT 'r', TIMESTAMP '2026-11-02 09:00:00', 'p', '', true"),
    _det("edge.time-zone", "SELECT 'r', TIMESTAMPTZ '2026-11-02 09:00:00+00', 'p', '', 'd'"),
    _det("edge.no-time", "SELECT 'r', NULL, 'p', '', 'd'"),
]


@pytest.mark.parametrize("which", ["exact", "odd", "both"])
def test_summaries_equal_one_by_one_on_awkward_rows(tmp_path: Path, which: str) -> None:
    dets = {"exact": EXACT, "odd": ODD, "both": EXACT + ODD}[which]
    store = Store(tmp_path)
    summarised = _run(DuckDBEngine(), store, dets)
    assert summarised == _run(OneByOne(), store, dets)
    by_rule = {f.rule_id: f for f in summarised if f.principal == "unknown"}
    if which != "odd":
        assert by_rule["edge.nulls"].events == ("a", "b") and by_rule["edge.nulls"].source_ip == ""
        assert {f.source_ip for f in summarised if f.rule_id == "edge.outside-aws"} == {
            "8.8.8.8",
            " 8.8.4.4 ",
        }


def test_only_exact_types_are_grouped_in_sql(tmp_path: Path) -> None:
    """Detections whose columns Python would render otherwise come back marked, as does a statement whose
    UNION had to convert them; they are grouped in Python (the test above checks the result)."""
    from ringfence.logs.runner import _summarisable

    eng = DuckDBEngine()
    eng.open(Store(tmp_path), Window())
    try:
        alone = {d.rule_id: _summarisable(eng.query(summary_sql([d.sql]))) for d in EXACT + ODD}
        together = eng.query(summary_sql([d.sql for d in EXACT]))
        mixed = eng.query(summary_sql([d.sql for d in EXACT + ODD]))
    finally:
        eng.close()
    assert alone == {
        **dict.fromkeys((d.rule_id for d in EXACT), True),
        **dict.fromkeys((d.rule_id for d in ODD), False),
    }
    assert _summarisable(together) and not _summarisable(mixed)


def test_a_failing_detection_hides_no_other(shared_store: Store) -> None:
    dets, _ = all_detections(with_sigma=False)
    missing = _det(
        "broken.missing-column",
        "SELECT event_id, event_time, principal, source_ip, no_such_column FROM cloudtrail "
        "WHERE event_name = 'StopLogging'",
    )
    unreadable = _det("broken.syntax", "SELECT FROM WHERE (")
    problems: list[tuple[str, str]] = []
    found = _run(DuckDBEngine(threads=2), shared_store, [*dets[:5], missing, *dets[5:], unreadable], problems)
    assert found == _run(DuckDBEngine(threads=2), shared_store, dets)
    assert [p for p, _ in problems] == ["broken.missing-column", "broken.syntax"]
    assert "no_such_column" in problems[0][1] and "\n" not in problems[0][1]
    with pytest.raises(duckdb.Error):  # without a list to report to, it raises, as it always did
        _run(DuckDBEngine(), shared_store, [*dets[:5], missing])


def test_a_condition_that_breaks_the_prefilter_hides_no_other(shared_store: Store) -> None:
    """The hot table cannot be made (the relaxed condition fails on the data): every detection reads the
    views instead, and only the faulty one fails."""
    dets, _ = all_detections(with_sigma=False)
    bad = _det(
        "broken.cast",
        "SELECT event_id, event_time, principal, source_ip, '' FROM cloudtrail WHERE user_type = 1",
    )
    problems: list[tuple[str, str]] = []
    found = _run(DuckDBEngine(), shared_store, [*dets, bad], problems)
    assert found == _run(DuckDBEngine(), shared_store, dets)
    assert [p for p, _ in problems] == ["broken.cast"]


def test_query_many_returns_rows_or_the_error_in_order(tmp_path: Path) -> None:
    eng = DuckDBEngine(threads=2)
    eng.open(Store(tmp_path), Window())
    try:
        out = query_many(eng, [("SELECT 1", None), ("SELECT nope", None), ("SELECT 3", None)])
    finally:
        eng.close()
    assert out[0] == [(1,)] and isinstance(out[1], duckdb.Error) and out[2] == [(3,)]
