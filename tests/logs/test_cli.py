from __future__ import annotations

import json
from pathlib import Path

import jsonschema
from typer.testing import CliRunner

from ringfence.cli.app import app

from .conftest import DATASETS, STRATUS

runner = CliRunner()
STOP = STRATUS / "aws.defense-evasion.cloudtrail-stop.json"


def _run(*args: str) -> tuple[int, str]:
    res = runner.invoke(app, ["detect", *args])
    return res.exit_code, res.output


def test_json_contract() -> None:
    code, out = _run(str(STOP), "--format", "json")
    assert code == 0
    data = json.loads(out)
    assert data["schema"] == "ringfence.detect/1"
    det = next(d for d in data["detections"] if d["rule_id"] == "cloudtrail.logging-stopped")
    assert det == {
        **det,
        "title": "CloudTrail logging stopped",
        "severity": "high",
        "technique": "T1562.008",
        "principal": "arn:aws:iam::143434273843:user/christophe",
        "source_ip": "86.245.153.234",
        "first_seen": "2024-07-31T13:06:24Z",
        "last_seen": "2024-07-31T13:06:24Z",
        "count": 1,
        "events": ["10163ed2-2253-469d-a5ee-cbc6651f8934"],
    }
    assert data["errors"] == [] and data["summary"]["events"] == 1 and data["summary"]["files"] == 1


def test_since_until_window() -> None:
    code, out = _run(str(STOP), "--format", "json", "--since", "2024-08-01T00:00:00Z")
    assert code == 0 and json.loads(out)["detections"] == []
    code, out = _run(str(STOP), "--format", "json", "--until", "2024-07-31T13:06:24Z")
    assert code == 0 and json.loads(out)["summary"]["events"] == 1


def test_sarif_is_valid() -> None:
    code, out = _run(str(STRATUS), "--format", "sarif")
    assert code == 0
    schema = json.loads((DATASETS.parent / "schemas" / "sarif-schema-2.1.0.json").read_text())
    doc = json.loads(out)
    jsonschema.validate(doc, schema)
    assert len(doc["runs"][0]["results"]) > 35


def test_ocsf_detection_findings() -> None:
    code, out = _run(str(STOP), "--format", "ocsf", "--no-sigma")
    assert code == 0
    (finding,) = json.loads(out)
    assert (finding["class_uid"], finding["type_uid"], finding["severity_id"]) == (2004, 200401, 4)
    assert finding["finding_info"]["analytic"]["uid"] == "cloudtrail.logging-stopped"
    assert finding["finding_info"]["attacks"][0]["technique"]["uid"] == "T1562.008"
    assert finding["src_endpoint"] == {"ip": "86.245.153.234"}


def test_text_output_is_deterministic(tmp_path: Path) -> None:
    a = _run(str(STRATUS))[1]
    b = _run(str(STRATUS), "--store", str(tmp_path / "s"))[1]
    c = _run(str(tmp_path / "s"))[1]  # the store itself, read again
    assert a == b == c and "cloudtrail.logging-stopped" in a


def test_usage_errors_exit_2(tmp_path: Path) -> None:
    assert _run(str(tmp_path / "missing"))[0] == 2
    assert _run(str(STOP), "--since", "yesterday")[0] == 2
    assert _run(str(STOP), "--format", "xml")[0] == 2
    assert _run(str(STOP), "--engine", "flink")[0] == 2
    _run(str(STOP), "--store", str(tmp_path / "s"))
    assert _run(str(tmp_path / "s"), str(STOP))[0] == 2  # a store and raw logs together
    (tmp_path / "s" / "manifest.json").write_text("{damaged")
    code, out = _run(str(STOP), "--store", str(tmp_path / "s"))
    assert code == 2 and "damaged" in out and "internal error" not in out


def test_a_damaged_store_file_is_a_clear_error(tmp_path: Path) -> None:
    store = tmp_path / "s"
    assert _run(str(STOP), "--store", str(store))[0] == 0
    damaged = sorted((store / "cloudtrail").rglob("*.parquet"))[0]
    damaged.write_bytes(b"not parquet")
    code, out = _run(str(STOP), "--store", str(store))
    said = " ".join(out.replace("│", " ").split())  # the message as one line, out of its box
    assert code == 2 and "cannot be read" in said and "internal error" not in said
    code, out = _run(str(store))
    assert code == 2 and "cannot be read" in " ".join(out.replace("│", " ").split())


def test_logs_of_which_nothing_was_read_exit_2_with_the_report(tmp_path: Path) -> None:
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "trail.json").write_text("not json at all", encoding="utf-8")
    code, out = _run(str(broken), "--format", "json", "--no-sigma")
    assert code == 2
    report = json.loads(out[: out.rindex("}") + 1])
    assert report["summary"]["events"] == 0 and report["errors"]
    assert "nothing could be read" in out
    # A good file beside the broken one is an answer: exit 0, the broken one still in errors.
    (broken / "good.json").write_text(STOP.read_text(encoding="utf-8"), encoding="utf-8")
    code, out = _run(str(broken), "--format", "json", "--no-sigma")
    assert code == 0
    report = json.loads(out)
    assert report["summary"]["events"] > 0
    assert [e["path"].endswith("trail.json") for e in report["errors"]] == [True]
    # An empty but valid trail read nothing and lost nothing: an answer too.
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "trail.json").write_text('{"Records": []}', encoding="utf-8")
    assert _run(str(empty), "--no-sigma")[0] == 0


def test_fail_on_exits_1_only_for_a_detection_at_or_above_the_severity() -> None:
    from ringfence.logs.catalogue import SEVERITIES

    code, out = _run(str(STOP), "--format", "json")
    assert code == 0
    found = {d["severity"] for d in json.loads(out)["detections"]}
    assert found, "the stratus file raises detections"
    worst = min(SEVERITIES.index(s) for s in found)
    assert _run(str(STOP), "--format", "json", "--fail-on", SEVERITIES[worst])[0] == 1
    assert _run(str(STOP), "--format", "json", "--fail-on", "info")[0] == 1
    if worst > 0:  # nothing at a severity above the worst found
        assert _run(str(STOP), "--format", "json", "--fail-on", SEVERITIES[worst - 1])[0] == 0
    assert _run(str(STOP), "--fail-on", "severe")[0] == 2


def test_a_bundled_sigma_rule_that_does_not_convert_is_counted_not_repeated(tmp_path: Path) -> None:
    """The bundled rules are the same on every run: what does not convert is one count in the summary and
    listed in json's rule_errors; a rule of the user's own folder is named in the text."""
    code, text = _run(str(STOP))
    code_json, out = _run(str(STOP), "--format", "json")
    rule_errors = json.loads(out)["rule_errors"]
    assert code == code_json == 0 and rule_errors
    assert "RULE " not in text
    assert f"; {len(rule_errors)} bundled Sigma rule(s) not converted (rule_errors in --format json)" in text
    own = tmp_path / "rules"
    own.mkdir()
    (own / "broken.yml").write_text("title: x\nlogsource: {product: aws, service: cloudtrail}\n", "utf-8")
    code, text = _run(str(STOP), "--sigma", str(own))
    assert code == 0 and "RULE     broken.yml:" in text and "bundled Sigma" not in text
