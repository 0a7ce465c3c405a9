from __future__ import annotations

import gzip
from pathlib import Path

from ringfence.logs.engine import DuckDBEngine, Window
from ringfence.logs.ingest import ingest
from ringfence.logs.runner import all_detections, run
from ringfence.logs.store import Store

T0 = 1793610000  # 2026-11-02T09:00:00Z
V5 = "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status vpc-id subnet-id instance-id tcp-flags type pkt-srcaddr pkt-dstaddr region az-id sublocation-type sublocation-id pkt-src-aws-service pkt-dst-aws-service flow-direction traffic-path"


def v2(src: str, dst: str, dport: int, action: str = "ACCEPT", t: int = T0, nbytes: int = 840) -> str:
    return f"2 111122223333 eni-0a1 {src} {dst} 49152 {dport} 6 10 {nbytes} {t} {t + 60} {action} OK"


def v5(src: str, dst: str, dport: int, direction: str, nbytes: int = 840, t: int = T0) -> str:
    return (
        f"5 111122223333 eni-0a1 {src} {dst} 443 {dport} 6 10 {nbytes} {t} {t + 60} ACCEPT OK vpc-1 subnet-1 "
        f"i-0abc 19 IPv4 {src} {dst} eu-west-1 euw1-az1 - - - - {direction} 1"
    )


def _rules(store: Store) -> dict[str, list[tuple[str, str, int]]]:
    dets = [d for d in all_detections(with_sigma=False)[0] if d.table == "flowlogs"]
    eng = DuckDBEngine(threads=1)
    eng.open(store, Window())
    out: dict[str, list[tuple[str, str, int]]] = {}
    for f in run(eng, dets):
        out.setdefault(f.rule_id, []).append((f.principal, f.source_ip, f.count))
    eng.close()
    return out


def test_default_format_and_detections(tmp_path: Path) -> None:
    lines = [v2("203.0.113.9", "10.0.1.5", 22)]  # SSH accepted from the internet
    lines += [v2("198.51.100.7", "10.0.1.5", p, "REJECT") for p in range(1000, 1025)]  # port scan
    lines += [v2("198.51.100.8", f"10.0.2.{i}", 3389, "REJECT") for i in range(25)]  # sweep of RDP
    lines += [v2("192.0.2.66", "10.0.1.6", 22, "REJECT", T0 + i) for i in range(35)]  # brute force
    lines += [v2("10.0.0.1", "10.0.1.5", 22)]  # SSH from inside: fine
    (tmp_path / "flows.log").write_text("\n".join(lines) + "\n")
    store = Store(tmp_path / "store")
    assert ingest([tmp_path / "flows.log"], store).errors == ()
    got = _rules(store)
    assert got["vpcflow.admin-port-accepted-from-internet"] == [("eni-0a1", "203.0.113.9", 1)]
    assert got["vpcflow.port-scan"] == [("eni-0a1", "198.51.100.7", 25)]
    assert got["vpcflow.port-sweep"] == [("port 3389", "198.51.100.8", 25)]
    assert got["vpcflow.admin-brute-force"] == [("eni-0a1", "192.0.2.66", 35)]


def test_custom_v5_header_gzip_bad_line_and_egress(tmp_path: Path) -> None:
    day = 86400
    lines = [V5]
    lines += [v5("10.0.1.5", "203.0.113.50", 443, "egress", 1000, T0 + i) for i in range(3)]  # usual peer
    lines += [v5("10.0.1.5", "198.51.100.99", 443, "egress", 60_000_000, T0 + day + i) for i in range(3)]
    lines.append("5 111122223333 eni-0a1 only five fields")
    lines.append(v5("10.0.1.5", "203.0.113.50", 443, "egress").replace(" 443 ", " https ", 1))
    (tmp_path / "f.log.gz").write_bytes(gzip.compress(("\n".join(lines) + "\n").encode()))
    store = Store(tmp_path / "store")
    res = ingest([tmp_path / "f.log.gz"], store)
    assert [(e.offset, e.unit) for e in res.errors] == [(8, "line"), (9, "line")]
    got = _rules(store)
    assert got["vpcflow.egress-to-new-destination"] == [("i-0abc", "10.0.1.5", 3)]
    eng = DuckDBEngine(threads=1)
    eng.open(store, Window())
    refs = eng.query(
        "SELECT record_ref, aws_region, region, flow_direction FROM flowlogs ORDER BY start_time LIMIT 1"
    )
    eng.close()
    assert refs[0][0].endswith("f.log.gz:2") and refs[0][1:] == ("eu-west-1", "eu-west-1", "egress")


def test_parquet_flow_logs(tmp_path: Path) -> None:
    import duckdb

    src = tmp_path / "flows.parquet"
    duckdb.sql(
        "SELECT 5 AS version, '111122223333' AS account_id, 'eni-1' AS interface_id, '203.0.113.9' AS srcaddr, "
        f"'10.0.1.5' AS dstaddr, 50000 AS srcport, 22 AS dstport, 6 AS protocol, 3 AS packets, 180 AS bytes, "
        f"{T0} AS start, {T0 + 60} AS \"end\", 'ACCEPT' AS action, 'OK' AS log_status"
    ).write_parquet(str(src))
    store = Store(tmp_path / "store")
    assert ingest([src], store).errors == ()
    assert _rules(store)["vpcflow.admin-port-accepted-from-internet"] == [("eni-1", "203.0.113.9", 1)]


def test_numbers_out_of_range_or_not_ascii_cost_their_line_only(tmp_path: Path) -> None:
    header = " ".join(V5.split()[:14])
    good = v2("203.0.113.9", "10.0.1.5", 22)
    lines = [header, good, good.replace(" 22 ", " ²2 "), good.replace(f" {T0} ", " 99999999999999999999 ")]
    lines += [good.replace(" 49152 ", " 4294967296 "), good.replace(" 49152 ", " -1 ")]
    (tmp_path / "f.log").write_text("\n".join(lines) + "\n")
    res = ingest([tmp_path / "f.log"], Store(tmp_path / "store"))
    assert [(e.offset, e.message) for e in res.errors] == [
        (3, "dstport '²2' is not a number"),
        (4, "start '99999999999999999999' is out of range"),
        (5, "srcport '4294967296' is out of range"),
        (6, "srcport '-1' is not a number"),
    ]
    eng = DuckDBEngine(threads=1)
    eng.open(Store(tmp_path / "store"), Window())
    assert eng.query("SELECT record_ref FROM flowlogs") == [(f"{tmp_path / 'f.log'}:2",)]
    eng.close()


def test_a_header_naming_a_field_twice_is_reported(tmp_path: Path) -> None:
    (tmp_path / "f.log").write_text(
        "version srcaddr dstaddr srcaddr action\n2 1.2.3.4 5.6.7.8 1.2.3.4 ACCEPT\n"
    )
    res = ingest([tmp_path / "f.log"], Store(tmp_path / "store"))
    assert [(e.offset, e.unit, e.message) for e in res.errors] == [
        (1, "line", "the header names srcaddr twice")
    ]


def test_lines_without_a_header_in_a_custom_order_with_flow_format(tmp_path: Path) -> None:
    """A custom format exported without its header line (other tools drop it): refused with a hint, then
    read with `--flow-format` to the same detections as with the header."""
    order = "srcaddr dstaddr dstport srcport protocol action start end interface-id account-id packets bytes"
    fields = order.split()

    def line(src: str, dst: str, dport: int, action: str = "ACCEPT") -> str:
        values = {
            "srcaddr": src,
            "dstaddr": dst,
            "dstport": dport,
            "srcport": 49152,
            "protocol": 6,
            "action": action,
            "start": T0,
            "end": T0 + 60,
            "interface-id": "eni-0a1",
            "account-id": "111122223333",
            "packets": 10,
            "bytes": 840,
        }
        return " ".join(str(values[f]) for f in fields)

    body = [line("203.0.113.9", "10.0.1.5", 22)] + [
        line("198.51.100.7", "10.0.1.5", p, "REJECT") for p in range(1000, 1025)
    ]
    headerless = tmp_path / "headerless.log"
    headerless.write_text("\n".join(body) + "\n")
    with_header = tmp_path / "with-header.log"
    with_header.write_text("\n".join([order, *body]) + "\n")

    refused = ingest([headerless], Store(tmp_path / "refused"), flow_fields=None)
    assert refused.errors and "--flow-format" in refused.errors[0].message

    from ringfence.logs.schema import parse_flow_format

    given = parse_flow_format(" ".join("${" + f + "}" for f in fields))
    assert given == tuple(fields)
    store = Store(tmp_path / "given")
    assert ingest([headerless], store, flow_fields=given).errors == ()
    reference = Store(tmp_path / "reference")
    assert ingest([with_header], reference).errors == ()
    assert _rules(store) == _rules(reference)
    assert _rules(store)["vpcflow.admin-port-accepted-from-internet"] == [("eni-0a1", "203.0.113.9", 1)]


def test_a_flow_format_with_a_field_aws_does_not_have_is_refused() -> None:
    import pytest

    from ringfence.logs.schema import parse_flow_format

    with pytest.raises(ValueError, match="'source-address' is not a flow log field"):
        parse_flow_format("version source-address")
    with pytest.raises(ValueError, match="given twice"):
        parse_flow_format("srcaddr,srcaddr")


def test_a_distributed_brute_force_is_one_detection_with_its_sources(tmp_path: Path) -> None:
    """50 addresses each trying SSH on one host within the hour: one finding for the host and the hour,
    with the 50 addresses in `sources` and the most active as `source_ip`; a later, separate burst on the
    same host is a second finding."""
    attackers = [f"198.51.100.{i}" for i in range(1, 51)]
    lines = [v2(a, "10.0.1.6", 22, "REJECT", T0 + i) for a in attackers for i in range(30)]
    lines += [v2("198.51.100.42", "10.0.1.6", 22, "REJECT", T0 + 100 + i) for i in range(5)]  # most active
    lines += [v2("203.0.113.9", "10.0.1.6", 22, "REJECT", T0 + 6 * 3600 + i) for i in range(31)]
    (tmp_path / "flows.log").write_text("\n".join(lines) + "\n")
    store = Store(tmp_path / "store")
    assert ingest([tmp_path / "flows.log"], store).errors == ()
    dets = [d for d in all_detections(with_sigma=False)[0] if d.rule_id == "vpcflow.admin-brute-force"]
    for threads in (1, 2):  # one by one and summarised by the engine alike
        eng = DuckDBEngine(threads=threads)
        eng.open(store, Window())
        found = run(eng, dets)
        eng.close()
        assert len(found) == 2
        burst, later = sorted(found, key=lambda f: str(f.first_seen))
        assert burst.source_ip == "198.51.100.42" and burst.count == 50 * 30 + 5
        assert len(burst.sources) == 50 and set(burst.sources) == set(attackers)
        assert burst.sources[0] == "198.51.100.42"
        assert "from 50 addresses (most active 198.51.100.42) to 10.0.1.6:22" in burst.message
        assert later.sources == ("203.0.113.9",) and later.count == 31
    from ringfence.logs.report import finding_json

    assert finding_json(burst)["sources"][0] == "198.51.100.42"
    assert finding_json(burst)["fingerprint"] != finding_json(later)["fingerprint"]
