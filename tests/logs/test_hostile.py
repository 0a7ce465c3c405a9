"""Hostile and odd input to detect: each case costs its own record, line or file, is reported where it is,
and never reaches the report as anything but text."""

from __future__ import annotations

import gzip
import json
import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ringfence.cli.app import app
from ringfence.logs.ingest import ingest
from ringfence.logs.runner import detect
from ringfence.logs.store import Store

from .conftest import STRATUS

STOP = STRATUS / "aws.defense-evasion.cloudtrail-stop.json"


def _stop(**changes: object) -> dict[str, object]:
    rec: dict[str, object] = json.loads(STOP.read_text())[0]
    rec.update(changes)
    return rec


def _denied(i: int) -> dict[str, object]:
    return _stop(
        eventID=f"denied-{i}",
        eventName="ListUsers",
        eventSource="iam.amazonaws.com",
        errorCode="AccessDenied",
        eventTime=f"2026-11-02T09:{i:02d}:00Z",
    )


def _run(*args: str) -> tuple[int, str, str]:
    res = CliRunner().invoke(app, ["detect", *args])
    return res.exit_code, res.stdout, res.stderr


def test_an_unpaired_surrogate_costs_its_record_only(tmp_path: Path) -> None:
    (tmp_path / "a.json").write_text(json.dumps([_stop(userAgent="ok\ud800")]))  # as the escape \ud800
    (tmp_path / "b.json").write_text(json.dumps([_stop(eventID="fine")]))
    report = detect([tmp_path])
    assert [(Path(e.path).name, e.message.split(" (")[0]) for e in report.errors] == [
        ("a.json", "record holds an unpaired UTF-16 surrogate")
    ]
    assert any(f.events == ("fine",) for f in report.detections)


def test_times_the_store_cannot_hold_are_errors_at_their_record(tmp_path: Path) -> None:
    for name, time in (
        ("compact", "20261102T090440Z"),
        ("hour", "2026-11-02T09Z"),
        ("y10000", "9999-12-31T23:00:00-05:00"),
    ):
        (tmp_path / f"{name}.ndjson").write_text(json.dumps(_stop(eventTime=time)) + "\n")
        (tmp_path / f"{name}.json").write_text(
            json.dumps({"Records": [_stop(eventID="ok"), _stop(eventTime=time)]})
        )
    report = detect([tmp_path])
    seen = sorted((Path(e.path).name, e.offset > 0, e.message.split(" is ")[1]) for e in report.errors)
    assert len(seen) == 6 and all(positive and why == "not a time" for _, positive, why in seen)
    assert report.events == 3  # the three good records of the Records files


def test_year_one_is_written_with_four_digits(tmp_path: Path) -> None:
    (tmp_path / "a.json").write_text(json.dumps([_stop(eventTime="0001-01-01T00:00:00Z")]))
    code, out, _ = _run(str(tmp_path / "a.json"), "--format", "json", "--no-sigma")
    assert code == 0 and json.loads(out)["detections"][0]["first_seen"] == "0001-01-01T00:00:00Z"


def test_log_text_cannot_forge_report_lines_or_drive_the_terminal(tmp_path: Path) -> None:
    evil = "\x1b]0;pwned\x07\x1b[2J\nHIGH     fake.rule  x\r\u202e\u009b\x00"
    (tmp_path / "a.json").write_text(
        json.dumps(
            [_stop(userAgent=evil, sourceIPAddress=evil, userIdentity={"type": "IAMUser", "arn": evil})]
        )
    )
    code, out, _ = _run(str(tmp_path / "a.json"), "--no-sigma")
    assert code == 0
    assert not any(ch in out for ch in "\x1b\x07\r\u202e\u009b\x00")
    assert not any(line.startswith("HIGH     fake.rule") for line in out.splitlines())
    assert "\\x1b]0;pwned\\x07" in out
    code, out, _ = _run(str(tmp_path / "a.json"), "--no-sigma", "--format", "json")
    assert json.loads(out)["detections"][0]["principal"] == evil  # machine formats keep the text exactly


def test_each_file_is_read_once_however_it_is_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    logs = tmp_path / "logs"
    logs.mkdir()
    (logs / "denied.json").write_text(json.dumps([_denied(i) for i in range(6)]))
    monkeypatch.chdir(tmp_path)
    report = detect(
        [logs, logs / "denied.json", Path("logs/denied.json"), Path("./logs/../logs/denied.json")]
    )
    assert (report.events, report.files) == (6, 1)


def test_an_event_delivered_twice_counts_once_towards_a_threshold(tmp_path: Path) -> None:
    events = [_denied(i) for i in range(6)]  # the burst detection wants 10 denied calls in an hour
    (tmp_path / "a.json").write_text(json.dumps(events))
    (tmp_path / "a.json.gz").write_bytes(gzip.compress(json.dumps(events).encode()))
    report = detect([tmp_path], with_sigma=False)
    assert report.events == 12
    assert not [f for f in report.detections if f.rule_id == "iam.access-denied-burst"]


def test_a_changed_file_replaces_its_rows(tmp_path: Path) -> None:
    logs = tmp_path / "logs"
    logs.mkdir()
    (logs / "a.json").write_text(json.dumps([_denied(i) for i in range(6)]))
    (logs / "b.json").write_text(json.dumps([_stop(eventID="other")]))
    store = tmp_path / "store"
    assert detect([logs], store_dir=store).events == 7
    (logs / "a.json").write_text(json.dumps([_denied(i) for i in range(3)]))
    os.utime(logs / "a.json", ns=(1, 1))
    report = detect([logs], store_dir=store, with_sigma=False)
    assert (report.events, report.files) == (4, 2)
    assert detect([store], with_sigma=False).events == 4


def test_files_that_failed_whole_are_reported_when_the_store_is_read_alone(tmp_path: Path) -> None:
    logs = tmp_path / "logs"
    logs.mkdir()
    (logs / "good.json").write_text(json.dumps([_stop()]))
    (logs / "empty.json").write_bytes(b"")
    (logs / "junk.bin").write_bytes(b"\x00junk")
    store = Store(tmp_path / "store")
    fresh = ingest([logs], store)
    alone = detect([store.root])
    assert (alone.files, alone.errors) == (3, fresh.errors) and len(fresh.errors) == 2
    (logs / "empty.json").write_text(json.dumps([_stop(eventID="later")]))  # a failed file is read again
    again = ingest([logs], store)
    assert [Path(e.path).name for e in again.errors] == ["junk.bin"]
    assert detect([store.root], with_sigma=False).events == 2


def test_flow_times_and_ports_out_of_range_cost_their_line(tmp_path: Path) -> None:
    good = "2 111122223333 eni-1 203.0.113.5 10.0.0.5 51515 22 6 10 840 1793610000 1793610060 ACCEPT OK"
    lines = [
        good,
        good.replace("1793610000 1793610060", "253402300800 253402300800"),
        good.replace(" 22 ", " 70000 "),
    ]
    (tmp_path / "f.log").write_text("\n".join(lines) + "\n")
    report = detect([tmp_path / "f.log"], with_sigma=False)
    assert [(e.offset, e.message) for e in report.errors] == [
        (2, "start '253402300800' is out of range"),
        (3, "dstport '70000' is out of range"),
    ]
    assert report.flow_records == 1


def test_a_flow_record_without_times_is_reported_without_them(tmp_path: Path) -> None:
    (tmp_path / "f.log").write_text(
        "2 111122223333 eni-1 203.0.113.5 10.0.0.5 51515 22 6 10 840 - - ACCEPT OK\n"
    )
    code, out, _ = _run(str(tmp_path / "f.log"), "--no-sigma", "--format", "json")
    (finding,) = json.loads(out)["detections"]
    assert code == 0 and finding["first_seen"] is None and finding["last_seen"] is None
    code, out, _ = _run(str(tmp_path / "f.log"), "--no-sigma")
    assert code == 0 and "-..-" in out
    for fmt in ("sarif", "ocsf"):
        assert _run(str(tmp_path / "f.log"), "--no-sigma", "--format", fmt)[0] == 0


def test_usage_mistakes_are_usage_errors(tmp_path: Path) -> None:
    (tmp_path / "a.json").write_text(json.dumps([_stop()]))
    (tmp_path / "file").write_text("")
    for args in (
        ("--until", "9999-12-31T23:00:00-05:00"),
        ("--store", str(tmp_path / "file")),
        ("--output", str(tmp_path)),
    ):
        code, out, err = _run(str(tmp_path / "a.json"), *args)
        assert code == 2 and "internal error" not in out + err, args


def test_window_bounds_keep_their_fraction_of_a_second(tmp_path: Path) -> None:
    (tmp_path / "a.json").write_text(json.dumps([_stop(eventTime="2026-11-02T13:06:24.500Z")]))
    from datetime import datetime

    from ringfence.logs.engine import Window

    def events(**bounds: datetime) -> int:
        return detect([tmp_path / "a.json"], window=Window(**bounds), with_sigma=False).events

    assert events(until=datetime(2026, 11, 2, 13, 6, 24, 400000)) == 0
    assert events(until=datetime(2026, 11, 2, 13, 6, 24, 600000)) == 1
    assert events(since=datetime(2026, 11, 2, 13, 6, 24, 600000)) == 0
    assert events(since=datetime(2026, 11, 2, 13, 6, 24, 400000)) == 1


def test_a_null_record_costs_itself_and_the_other_records_are_read(tmp_path: Path) -> None:
    (tmp_path / "a.json").write_text(json.dumps({"Records": [None, _stop(eventID="beside-null")]}))
    (tmp_path / "b.json").write_text(json.dumps({"Records": [None]}))
    report = detect([tmp_path])
    assert sorted((Path(e.path).name, e.message) for e in report.errors) == [
        ("a.json", "record is null, not an object"),
        ("b.json", "record is null, not an object"),
    ]
    assert any(f.events == ("beside-null",) for f in report.detections)
