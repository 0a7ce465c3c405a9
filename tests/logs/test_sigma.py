from __future__ import annotations

import json
from pathlib import Path

from ringfence.logs.runner import default_sigma_dir, detect
from ringfence.logs.sigma import field_sql, load_sigma

from .conftest import DATASETS

MFA_RULE = "sigma:77caf516-34e5-4df9-b4db-20744fea0a60"


def test_every_shared_rule_converts_or_is_reported() -> None:
    dets, problems = load_sigma(DATASETS / "sigma-aws")
    assert len(dets) + len(problems) >= 57
    # 'status' is not a CloudTrail field: that rule can never match a real record, and is said so.
    assert [Path(p.path).name for p in problems] == ["aws_delete_saml_provider.yml"]
    assert all(d.rule_id.startswith("sigma:") and d.author for d in dets)


def test_shipped_rules_are_the_shared_ones() -> None:
    shared = sorted(p.stem for p in (DATASETS / "sigma-aws" / "cloudtrail").glob("*.yml"))
    shipped = sorted(p.stem for p in default_sigma_dir().glob("*.yaml"))
    assert shipped == shared


def test_field_mapping() -> None:
    assert field_sql("eventName") == "event_name"
    assert field_sql("userIdentity.sessionContext.sessionIssuer.type") == "session_issuer_type"
    assert (
        field_sql("additionalEventData.MFAUsed") == "json_extract_string(additional_event_data, '$.MFAUsed')"
    )


def test_matching_is_case_insensitive(tmp_path: Path) -> None:
    """The rule says MFAUsed 'NO' and responseElements 'Success'; the log says 'No' and 'SUCCESS'."""
    rec = {
        "eventVersion": "1.08",
        "userIdentity": {"type": "IAMUser", "arn": "arn:aws:iam::111122223333:user/x"},
        "eventTime": "2026-11-02T09:04:40Z",
        "eventSource": "signin.amazonaws.com",
        "eventName": "consolelogin",
        "awsRegion": "us-east-1",
        "sourceIPAddress": "198.51.100.23",
        "eventID": "ev-1",
        "additionalEventData": {"MFAUsed": "No"},
        "responseElements": {"ConsoleLogin": "SUCCESS"},
    }
    (tmp_path / "a.json").write_text(json.dumps({"Records": [rec]}))
    report = detect([tmp_path / "a.json"])
    hit = [f for f in report.detections if f.rule_id == MFA_RULE]
    assert len(hit) == 1
    assert hit[0].events == ("ev-1",) and hit[0].severity == "medium"
    assert hit[0].author and hit[0].references


def test_a_broken_rule_file_is_reported_and_the_others_still_run(tmp_path: Path) -> None:
    """A YAML syntax error, a duplicate key and an unreadable file each cost their own file only."""
    rules = tmp_path / "rules"
    rules.mkdir()
    good = default_sigma_dir() / "aws_cloudtrail_disable_logging.yml"
    if not good.exists():
        good = sorted(default_sigma_dir().glob("*.y*ml"))[0]
    (rules / "good.yml").write_text(good.read_text())
    (rules / "syntax.yml").write_text("title: broken\n  detection: [unclosed\n")
    (rules / "duplicate.yml").write_text(good.read_text() + "\ntitle: twice\n")
    (rules / "unreadable.yml").mkdir()  # a folder with a rule's name: reading it fails
    dets, problems = load_sigma(rules)
    assert len(dets) == 1
    by_file = {Path(p.path).name: p.message for p in problems}
    assert by_file["syntax.yml"].startswith("invalid YAML") and "line 2" in by_file["syntax.yml"]
    assert "Duplicate key 'title'" in by_file["duplicate.yml"]
    assert by_file["unreadable.yml"].startswith("unreadable")
