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


def _gzip_of_repeats(unit: bytes, times: int, head: bytes = b"", tail: bytes = b"") -> bytes:
    """A gzip file of `head` + `unit` * `times` + `tail`, compressed piece by piece (never held whole)."""
    import zlib

    z = zlib.compressobj(9, zlib.DEFLATED, 31)
    out = [z.compress(head)]
    block = unit * max(1, (1 << 20) // len(unit))
    for _ in range(times // (len(block) // len(unit))):
        out.append(z.compress(block))
    out.append(z.compress(tail))
    out.append(z.flush())
    return b"".join(out)


def test_a_gzip_bomb_stops_at_the_ratio_limit_and_the_records_before_it_are_kept(tmp_path: Path) -> None:
    """40 MB of blank space after two good records, in a file of a few dozen KB: the ratio limit stops
    it; the two records are in, the error names the file and the byte reached, and the next file is read."""
    head = b'{"Records": [' + json.dumps(_stop(eventID="before-1")).encode() + b","
    head += json.dumps(_stop(eventID="before-2")).encode() + b","
    (tmp_path / "bomb.json.gz").write_bytes(_gzip_of_repeats(b" ", 40 << 20, head, b"]}"))
    (tmp_path / "next.json").write_text(json.dumps([_stop(eventID="after")]))
    report = detect([tmp_path], with_sigma=False)
    (err,) = report.errors
    assert Path(err.path).name == "bomb.json.gz" and err.unit == "byte"
    assert "RINGFENCE_LOG_MAX_RATIO" in err.message and 16 << 20 <= err.offset < 40 << 20
    assert report.events == 3


def test_the_size_limit_is_set_in_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    lines = [json.dumps(_stop(eventID=f"line-{i}")) for i in range(200)]
    (tmp_path / "lines.json").write_text("\n".join(lines) + "\n")
    limit = len("\n".join(lines[:50])) + 1
    monkeypatch.setenv("RINGFENCE_LOG_MAX_BYTES", str(limit))
    report = detect([tmp_path], with_sigma=False)
    (err,) = report.errors
    assert "RINGFENCE_LOG_MAX_BYTES" in err.message and 0 < err.offset <= limit
    assert 45 <= report.events <= 50  # the records before the limit, each whole
    monkeypatch.setenv("RINGFENCE_LOG_MAX_BYTES", "0")  # 0: no limit
    assert (detect([tmp_path], with_sigma=False).events, detect([tmp_path]).errors) == (200, ())


def test_a_bomb_of_brackets_is_one_error_not_a_memory_error(tmp_path: Path) -> None:
    (tmp_path / "brackets.json.gz").write_bytes(_gzip_of_repeats(b"[", 300 << 20, b'{"Records": ['))
    (tmp_path / "lines.json.gz").write_bytes(_gzip_of_repeats(b"[", 300 << 20, b'{"a": '))
    (tmp_path / "good.json").write_text(json.dumps([_stop(eventID="good")]))
    code, out, err = _run(str(tmp_path), "--format", "json", "--no-sigma")
    assert code == 0 and "Traceback" not in err
    doc = json.loads(out)
    assert sorted(Path(e["path"]).name for e in doc["errors"]) == ["brackets.json.gz", "lines.json.gz"]
    assert doc["summary"]["events"] == 1


def test_a_flow_log_over_the_limit_keeps_the_lines_before(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    line = "2 111122223333 eni-1 203.0.113.5 10.0.0.5 51515 22 6 10 840 1793610000 1793610060 ACCEPT OK\n"
    (tmp_path / "f.log.gz").write_bytes(gzip.compress(line.encode() * 1000))
    monkeypatch.setenv("RINGFENCE_LOG_MAX_BYTES", str(len(line) * 10 + 5))
    report = detect([tmp_path], with_sigma=False)
    assert [e.message.split(",")[0] for e in report.errors] == [f"content passes {len(line) * 10 + 5} bytes"]
    assert 1 <= report.flow_records <= 10


def test_paths_that_are_not_read_are_each_an_error(tmp_path: Path) -> None:
    """A pipe, a link to a device, a link loop, a link to nothing, a folder named like a log: each is said,
    and the good file beside them is read."""
    logs = tmp_path / "logs"
    logs.mkdir()
    (logs / "good.json").write_text(json.dumps([_stop(eventID="good")]))
    os.mkfifo(logs / "pipe.json")
    (logs / "zero.json").symlink_to("/dev/zero")
    (logs / "loop-a.json").symlink_to(logs / "loop-b.json")
    (logs / "loop-b.json").symlink_to(logs / "loop-a.json")
    (logs / "dangling.json").symlink_to(tmp_path / "missing.json")
    (logs / "folder.json").mkdir()
    (logs / "folder.json" / "inner.json").write_text(json.dumps([_stop(eventID="inner")]))
    (logs / "back").symlink_to(logs)  # a folder link leading back up
    code, out, err = _run(str(logs), "--format", "json", "--no-sigma")
    assert code == 0 and "Traceback" not in err
    doc = json.loads(out)
    by_name = {Path(e["path"]).name: e["message"] for e in doc["errors"]}
    assert set(by_name) == {
        "pipe.json",
        "zero.json",
        "loop-a.json",
        "loop-b.json",
        "dangling.json",
        "folder.json",
        "back",
    }
    assert "a pipe" in by_name["pipe.json"] and "a device" in by_name["zero.json"]
    assert "link loop" in by_name["loop-a.json"] and "link loop" in by_name["back"]
    assert "a link to nothing" in by_name["dangling.json"]
    assert "its files are read" in by_name["folder.json"]
    assert doc["summary"]["events"] == 2  # good.json and the file inside folder.json


def test_paths_given_that_are_not_files_are_errors(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe")
    (tmp_path / "empty").mkdir()
    (tmp_path / "good.json").write_text(json.dumps([_stop()]))
    report = detect([tmp_path / "pipe", tmp_path / "empty", tmp_path / "good.json"], with_sigma=False)
    assert sorted((Path(e.path).name, e.message.split(":")[0]) for e in report.errors) == [
        ("empty", "a folder with no log file in it"),
        ("pipe", "not read"),
    ]
    assert report.events == 1


@pytest.mark.skipif(os.geteuid() == 0, reason="permissions do not bind root")
def test_unreadable_files_and_folders_are_errors(tmp_path: Path) -> None:
    (tmp_path / "locked.json").write_text(json.dumps([_stop()]))
    (tmp_path / "locked.json").chmod(0)
    (tmp_path / "shut").mkdir()
    (tmp_path / "shut").chmod(0)
    (tmp_path / "good.json").write_text(json.dumps([_stop(eventID="good")]))
    try:
        report = detect([tmp_path], with_sigma=False)
    finally:
        (tmp_path / "shut").chmod(0o755)
    by_name = {Path(e.path).name: e.message for e in report.errors}
    assert by_name["locked.json"].startswith("unreadable") and by_name["shut"].startswith(
        "folder cannot be listed"
    )
    assert report.events == 1


def test_an_integer_too_long_to_convert_costs_its_record_only(tmp_path: Path) -> None:
    # Python refuses int() of more than 4,300 digits; inside the JSON decoder that was an internal error.
    huge = "1" + "0" * 5000
    (tmp_path / "a.json").write_text(
        '{"Records": [{"eventTime": ' + huge + "}, " + json.dumps(_stop(eventID="beside-huge")) + "]}"
    )
    (tmp_path / "b.jsonl").write_text('{"eventID": "x", "eventTime": ' + huge + "}\n")
    report = detect([tmp_path])
    assert {Path(e.path).name for e in report.errors} == {"a.json", "b.jsonl"}
    assert any(f.events == ("beside-huge",) for f in report.detections)
