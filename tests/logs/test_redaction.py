"""A credential that reaches a report through any field (a resource name, a tag, a module source, a CloudTrail
user name, request parameter or source address) is written as a fingerprint in every output format of
`scan` and `detect`, never as itself."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from ringfence.shown import fingerprint, redacted, redacted_tree

KEY_ID = "AKIAIOSFODNN7EXAMPLE"
OTHER_KEY_ID = "AKIAI44QH8DHBEXAMPLE"
SECRET_KEY = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
OTHER_SECRET_KEY = "je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY"
GITHUB = "ghp_abcdefghijklmnopqrstuvwxyz0123456789"
SLACK = "xoxb-1234567890-abcdefghijkl"
PRIVATE_KEY = (
    "-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA7bq98ZrXyZ1n2k3Jd9v0\n-----END RSA PRIVATE KEY-----"
)
PLANTED = (
    KEY_ID,
    OTHER_KEY_ID,
    SECRET_KEY,
    OTHER_SECRET_KEY,
    GITHUB,
    SLACK,
    "MIIEpAIBAAKCAQEA7bq98ZrXyZ1n2k3Jd9v0",
)

SCAN_FORMATS = ("text", "json", "sarif", "junit", "html", "ocsf", "asff", "gitlab-sast", "markdown")
DETECT_FORMATS = ("text", "json", "sarif", "ocsf")


def ringfence(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ringfence", *args], capture_output=True, text=True, check=False
    )


@pytest.fixture(scope="module")
def estate(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("estate")
    (folder / "main.tf").write_text(
        f'resource "aws_s3_bucket" "{KEY_ID}" {{\n'
        f'  bucket = "logs"\n'
        f"  tags = {{\n"
        f'    owner  = "{SLACK}"\n'
        f'    secret = "{SECRET_KEY}"\n'
        f"  }}\n"
        f"}}\n\n"
        f'module "net" {{\n  source = "git::https://{GITHUB}@github.com/acme/net.git"\n}}\n',
        encoding="utf-8",
    )
    return folder


@pytest.fixture(scope="module")
def trail(tmp_path_factory: pytest.TempPathFactory) -> Path:
    def record(event_id: str, source: str, name: str, user: str, ip: str, request: dict) -> dict:  # type: ignore[type-arg]
        return {
            "eventVersion": "1.08",
            "userIdentity": {
                "type": "IAMUser",
                "principalId": "AIDAEXAMPLEPRINCIPAL",
                "arn": f"arn:aws:iam::123456789012:user/{user}",
                "accountId": "123456789012",
                "userName": user,
            },
            "eventTime": "2026-11-02T09:04:40Z",
            "eventSource": source,
            "eventName": name,
            "awsRegion": "us-east-1",
            "sourceIPAddress": ip,
            "userAgent": "aws-cli/2",
            "requestParameters": request,
            "responseElements": {
                "accessKey": {"accessKeyId": OTHER_KEY_ID, "secretAccessKey": OTHER_SECRET_KEY}
            },
            "eventID": event_id,
            "eventType": "AwsApiCall",
            "recipientAccountId": "123456789012",
        }

    records = [
        record(
            "11111111-1111-1111-1111-111111111111",
            "cloudtrail.amazonaws.com",
            "StopLogging",
            KEY_ID,
            SLACK,
            {"name": PRIVATE_KEY},
        ),
        record(
            "22222222-2222-2222-2222-222222222222",
            "iam.amazonaws.com",
            "CreateAccessKey",
            "alice",
            "198.51.100.23",
            {"userName": f"{GITHUB} {SECRET_KEY}"},
        ),
    ]
    path = tmp_path_factory.mktemp("logs") / "trail.json"
    path.write_text(json.dumps({"Records": records}), encoding="utf-8")
    return path


def _assert_redacted(output: str, shown_in_every_format: str) -> None:
    leaked = [p for p in PLANTED if p in output]
    assert not leaked, f"credentials printed back: {leaked}"
    assert fingerprint(shown_in_every_format) in output


@pytest.mark.parametrize("fmt", SCAN_FORMATS)
def test_scan_reports_show_fingerprints_not_credentials(estate: Path, fmt: str, tmp_path: Path) -> None:
    done = ringfence("scan", str(estate), "--format", fmt)
    assert done.returncode in (0, 1), done.stderr
    _assert_redacted(done.stdout, KEY_ID)  # the resource name is in every format
    out = tmp_path / f"report.{fmt}"
    ringfence("scan", str(estate), "--format", fmt, "--output", str(out))
    _assert_redacted(out.read_text(encoding="utf-8"), KEY_ID)
    if fmt in ("text", "json", "html"):  # the formats that carry notes and input errors
        assert fingerprint(GITHUB) in done.stdout  # the unresolved module's source


def test_scan_json_stays_valid_and_names_the_redacted_resource(estate: Path) -> None:
    report = json.loads(ringfence("scan", str(estate), "--format", "json").stdout)
    resources = {f["resource"] for f in report["findings"]}
    assert f"aws_s3_bucket.[redacted {fingerprint(KEY_ID)}]" in resources


@pytest.mark.parametrize("fmt", DETECT_FORMATS)
def test_detect_reports_show_fingerprints_not_credentials(trail: Path, fmt: str) -> None:
    done = ringfence("detect", str(trail), "--no-sigma", "--format", fmt)
    assert done.returncode == 0, done.stderr
    assert "cloudtrail.logging-stopped" in done.stdout
    assert "iam.access-key-created-for-other-user" in done.stdout
    _assert_redacted(done.stdout, KEY_ID)  # the user name, in the principal


def test_detect_json_redacts_each_field(trail: Path) -> None:
    report = json.loads(ringfence("detect", str(trail), "--no-sigma", "--format", "json").stdout)
    by_rule = {d["rule_id"]: d for d in report["detections"]}
    stopped = by_rule["cloudtrail.logging-stopped"]
    assert stopped["principal"] == f"arn:aws:iam::123456789012:user/[redacted {fingerprint(KEY_ID)}]"
    assert stopped["source_ip"] == f"[redacted {fingerprint(SLACK)}]"
    assert stopped["message"].startswith("Logging stopped on trail [redacted sha256:")
    created = by_rule["iam.access-key-created-for-other-user"]
    assert fingerprint(GITHUB) in created["message"] and fingerprint(SECRET_KEY) in created["message"]


def test_redaction_keeps_what_is_no_credential() -> None:
    ordinary = (
        "arn:aws:iam::123456789012:role/app",
        "da39a3ee5e6b4b0d3255bfef95601890afd80709",  # a SHA-1 digest: hex, one case
        "aws_s3_bucket.site_logs_archive_for_the_platform_team",
        "AKIAIOSFODNN7EXAMPLE0",  # longer than a key id: not one
        "tcp/22 is reachable from 0.0.0.0/0 via igw-0123456789abcdef0",
    )
    for text in ordinary:
        assert redacted(text) == text


def test_a_private_key_is_redacted_whole_also_when_escaped() -> None:
    raw = redacted(f"key: {PRIVATE_KEY} end")
    escaped = redacted(json.dumps({"key": PRIVATE_KEY}))
    assert "MIIE" not in raw and "MIIE" not in escaped and raw.endswith(" end")
    # The same key has the same fingerprint however it was written.
    assert raw.split("[redacted ", 1)[1].split("]")[0] in escaped
    assert json.loads(escaped)["key"].startswith("[redacted sha256:")


def test_a_secret_key_counts_next_to_a_key_id_or_under_a_secret_name() -> None:
    bare = "A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8S9t0"  # no / or +: could be anything
    assert redacted(bare) == bare
    assert bare not in redacted(f"{KEY_ID}:{bare}")
    assert redacted_tree({"SecretAccessKey": bare}) == {"SecretAccessKey": f"[redacted {fingerprint(bare)}]"}
