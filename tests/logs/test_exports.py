"""CloudTrail in the forms users export it: each read into the same rows as the log files a trail delivers.

The events are the invictus dataset's (delivered to S3 as `{"Records": [...]}` files); each test writes them
again in one export form and compares the store's rows with those of the delivered files.
"""

from __future__ import annotations

import csv
import gzip
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ringfence.cli.app import app
from ringfence.logs import exports
from ringfence.logs.engine import DuckDBEngine, Window
from ringfence.logs.ingest import ingest
from ringfence.logs.store import Store

from .conftest import INVICTUS

_COLUMNS = (
    "event_id, event_time, event_source, event_name, event_type, aws_region, source_ip, user_agent, "
    "error_code, read_only, recipient_account_id, user_type, user_arn, principal_id, access_key_id, "
    "request_parameters, response_elements, account, region, day"
)


def _records() -> list[dict[str, object]]:
    out: list[dict[str, object]] = []
    for f in sorted((INVICTUS / "CloudTrail").rglob("*.json*")):
        raw = f.read_bytes()
        data = json.loads(gzip.decompress(raw) if raw[:2] == b"\x1f\x8b" else raw)
        out += data["Records"]
    return out


def _rows(tmp: Path, *inputs: Path, field_map: dict[str, str] | None = None) -> tuple[list[tuple], dict]:
    store = Store(tmp / f"store-{inputs[0].name}")
    result = ingest(list(inputs), store, field_map=field_map)
    assert result.errors == (), result.errors[:3]
    eng = DuckDBEngine(threads=1)
    eng.open(store, Window())
    try:
        return sorted(eng.query(f"SELECT {_COLUMNS} FROM cloudtrail"), key=repr), dict(result.forms)
    finally:
        eng.close()


@pytest.fixture(scope="module")
def delivered(tmp_path_factory: pytest.TempPathFactory) -> list[tuple]:
    rows, forms = _rows(tmp_path_factory.mktemp("delivered"), INVICTUS / "CloudTrail")
    assert len(rows) > 2000 and forms == {}
    return rows


def _lookup_output(records: list[dict[str, object]]) -> dict[str, object]:
    """`aws cloudtrail lookup-events` output: a few columns, and the whole event as JSON text."""
    return {
        "Events": [
            {
                "EventId": r["eventID"],
                "EventName": r["eventName"],
                "ReadOnly": str(r.get("readOnly", "false")).lower(),
                "EventTime": r["eventTime"],
                "EventSource": r["eventSource"],
                "Resources": [],
                "CloudTrailEvent": json.dumps(r),
            }
            for r in records
        ],
        "NextToken": "eyJ0b2tlbiI6ICJuZXh0In0=",
    }


def test_lookup_events_output_pretty_printed_is_read_like_delivered_files(
    tmp_path: Path, delivered: list[tuple]
) -> None:
    path = tmp_path / "lookup.json"
    path.write_text(json.dumps(_lookup_output(_records()), indent=4))
    rows, forms = _rows(tmp_path, path)
    assert rows == delivered
    assert forms == {exports.LOOKUP: 1}


def test_lookup_events_items_as_an_array_and_on_one_line(tmp_path: Path, delivered: list[tuple]) -> None:
    items = tmp_path / "items.json"  # `--query Events`
    items.write_text(json.dumps(_lookup_output(_records())["Events"]))
    one_line = tmp_path / "one-line.json"
    one_line.write_text(json.dumps(_lookup_output(_records())))
    assert _rows(tmp_path, items)[0] == delivered
    assert _rows(tmp_path, one_line)[0] == delivered


def test_records_with_an_event_count_and_a_byte_order_mark(tmp_path: Path, delivered: list[tuple]) -> None:
    records = _records()
    counted = tmp_path / "counted.json"
    counted.write_text(json.dumps({"eventCount": len(records), "Records": records}, indent=2))
    bom = tmp_path / "bom.json"
    bom.write_bytes(b"\xef\xbb\xbf" + json.dumps({"Records": records}).encode())
    assert _rows(tmp_path, counted)[0] == delivered
    assert _rows(tmp_path, bom)[0] == delivered


def test_cloudwatch_logs_events_of_a_trail_delivered_to_a_log_group(
    tmp_path: Path, delivered: list[tuple]
) -> None:
    path = tmp_path / "filter-log-events.json"
    events = [
        {"logStreamName": "111122223333_CloudTrail_eu-west-1", "timestamp": 1, "message": json.dumps(r)}
        for r in _records()
    ]
    path.write_text(json.dumps({"events": events, "searchedLogStreams": []}, indent=2))
    rows, forms = _rows(tmp_path, path)
    assert rows == delivered and forms == {exports.LOG_GROUP: 1}


def test_lake_query_results(tmp_path: Path, delivered: list[tuple]) -> None:
    def cell(key: str, value: object) -> dict[str, str]:
        return {key: value if isinstance(value, str) else json.dumps(value).strip('"')}

    rows = [[cell(k, v) for k, v in r.items() if v is not None] for r in _records()]
    path = tmp_path / "lake.json"
    path.write_text(json.dumps({"QueryStatus": "FINISHED", "QueryResultRows": rows}))
    got, forms = _rows(tmp_path, path)
    assert got == delivered and forms == {exports.LAKE: 1}


def test_pipeline_exports_with_renamed_fields(tmp_path: Path, delivered: list[tuple]) -> None:
    elastic = tmp_path / "elastic.ndjson"
    datadog = tmp_path / "datadog.ndjson"
    with elastic.open("w") as e, datadog.open("w") as d:
        for r in _records():
            moved = {k: v for k, v in r.items() if k != "eventTime"}
            e.write(
                json.dumps({"_index": "cloudtrail", "_source": {**moved, "@timestamp": r["eventTime"]}})
                + "\n"
            )
            away = {k: v for k, v in r.items() if k != "sourceIPAddress"}
            d.write(
                json.dumps(
                    {
                        "content": {
                            "attributes": {**away, "network": {"client": {"ip": r.get("sourceIPAddress")}}}
                        }
                    }
                )
                + "\n"
            )
    assert _rows(tmp_path, elastic)[0] == delivered
    assert _rows(tmp_path, datadog)[0] == delivered


def test_a_field_map_reads_a_layout_not_recognised(tmp_path: Path, delivered: list[tuple]) -> None:
    path = tmp_path / "custom.ndjson"
    with path.open("w") as fh:
        for r in _records():
            moved = {k: v for k, v in r.items() if k not in ("eventTime", "sourceIPAddress")}
            fh.write(
                json.dumps({**moved, "when": r["eventTime"], "peer": {"addr": r.get("sourceIPAddress")}})
                + "\n"
            )
    store = Store(tmp_path / "without")
    without = ingest([path], store)
    assert without.errors and "eventTime" in without.errors[0].message
    rows, _ = _rows(
        tmp_path, path, field_map=exports.parse_field_map(["eventTime=when,sourceIPAddress=peer.addr"])
    )
    assert rows == delivered


def test_console_csv_keeps_the_columns_it_has(tmp_path: Path) -> None:
    records = _records()[:50]
    path = tmp_path / "event_history.csv"
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(
            [
                "Event ID",
                "Event time",
                "User name",
                "Event name",
                "Event source",
                "AWS access key",
                "AWS region",
                "Error code",
                "Source IP address",
                "Read-only",
            ]
        )
        for r in records:
            user = r["userIdentity"]
            assert isinstance(user, dict)
            w.writerow(
                [
                    r["eventID"],
                    r["eventTime"],
                    user.get("userName", ""),
                    r["eventName"],
                    r["eventSource"],
                    user.get("accessKeyId", ""),
                    r["awsRegion"],
                    r.get("errorCode", ""),
                    r.get("sourceIPAddress", ""),
                    str(r.get("readOnly", "")).lower(),
                ]
            )
    store = Store(tmp_path / "csv-store")
    result = ingest([path], store)
    assert result.errors == ()
    assert list(result.forms) == [exports.CSV]
    eng = DuckDBEngine(threads=1)
    eng.open(store, Window())
    try:
        got = eng.query(
            "SELECT event_id, event_name, source_ip, access_key_id FROM cloudtrail ORDER BY event_id"
        )
    finally:
        eng.close()
    want = sorted(
        (r["eventID"], r["eventName"], r.get("sourceIPAddress"), r["userIdentity"].get("accessKeyId") or None)  # type: ignore[union-attr]
        for r in records
    )
    assert got == want


def test_insights_events_are_read_as_insights(tmp_path: Path) -> None:
    insight = {
        "eventVersion": "1.08",
        "eventTime": "2026-11-02T10:00:00Z",
        "awsRegion": "eu-west-1",
        "eventID": "9e1b1e1c-0000-4000-8000-000000000001",
        "eventType": "AwsCloudTrailInsight",
        "recipientAccountId": "111122223333",
        "sharedEventID": "9e1b1e1c-0000-4000-8000-000000000002",
        "insightDetails": {
            "state": "Start",
            "eventSource": "iam.amazonaws.com",
            "eventName": "DeleteUser",
            "insightType": "ApiCallRateInsight",
            "insightContext": {"statistics": {"baseline": {"average": 0.1}, "insight": {"average": 40.0}}},
        },
        "eventCategory": "Insight",
    }
    path = tmp_path / "insights.json"
    path.write_text(json.dumps({"Records": [insight]}))
    store = Store(tmp_path / "st")
    result = ingest([path], store)
    assert result.errors == ()
    eng = DuckDBEngine(threads=1)
    eng.open(store, Window())
    try:
        [(source, name, category, extra)] = eng.query(
            "SELECT event_source, event_name, event_category, additional_event_data FROM cloudtrail"
        )
    finally:
        eng.close()
    # Not taken for the DeleteUser call it counts: the API it is about is kept in its details only.
    assert (source, name, category) == ("cloudtrail.amazonaws.com", "ApiCallRateInsight", "Insight")
    assert json.loads(str(extra))["insightDetails"]["eventName"] == "DeleteUser"


def test_detect_says_what_the_input_was_read_as_and_a_bad_field_map_is_a_usage_error(tmp_path: Path) -> None:
    path = tmp_path / "lookup.json"
    path.write_text(json.dumps(_lookup_output(_records()[:20]), indent=2))
    runner = CliRunner()
    done = runner.invoke(app, ["detect", str(path), "--no-sigma", "--format", "json"])
    assert done.exit_code == 0, done.output
    assert json.loads(done.stdout)["summary"]["read_as"] == {exports.LOOKUP: 1}
    text = runner.invoke(app, ["detect", str(path), "--no-sigma"])
    assert f"read as {exports.LOOKUP} (1 file)" in text.stdout
    bad = runner.invoke(app, ["detect", str(path), "--field-map", "eventTime"])
    assert json.loads(done.stdout)["notes"] == []
    assert bad.exit_code == 2 and "FIELD=PATH" in bad.output


def test_an_input_without_source_addresses_says_which_detections_cannot_match(tmp_path: Path) -> None:
    path = tmp_path / "no-addresses.ndjson"
    with path.open("w") as fh:
        for r in _records()[:200]:
            fh.write(json.dumps({k: v for k, v in r.items() if k != "sourceIPAddress"}) + "\n")
    done = CliRunner().invoke(app, ["detect", str(path), "--format", "json"])
    assert done.exit_code == 0, done.output
    [note] = [n for n in json.loads(done.stdout)["notes"] if "source_ip" in n]
    assert "iam.instance-credentials-outside-aws" in note


def test_a_burst_without_source_addresses_is_still_a_burst(tmp_path: Path) -> None:
    base = {
        "eventVersion": "1.09",
        "userIdentity": {
            "type": "IAMUser",
            "arn": "arn:aws:iam::111122223333:user/probe",
            "accountId": "111122223333",
        },
        "eventSource": "iam.amazonaws.com",
        "awsRegion": "us-east-1",
        "errorCode": "AccessDenied",
        "recipientAccountId": "111122223333",
    }
    records = [
        {
            **base,
            "eventID": f"00000000-0000-4000-8000-{i:012d}",
            "eventTime": f"2026-11-02T09:{i:02d}:00Z",
            "eventName": "ListUsers",
        }
        for i in range(12)
    ]
    path = tmp_path / "denied.ndjson"
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    done = CliRunner().invoke(app, ["detect", str(path), "--no-sigma", "--format", "json"])
    found = [d for d in json.loads(done.stdout)["detections"] if d["rule_id"] == "iam.access-denied-burst"]
    assert len(found) == 1 and found[0]["count"] == 12
