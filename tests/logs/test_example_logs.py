"""The sample logs in examples/logs give the detections their README promises, and nothing for the
ordinary traffic mixed in."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.conftest import ROOT

LOGS = ROOT / "examples" / "logs"


def test_the_sample_logs_give_the_documented_detections(tmp_path) -> None:  # type: ignore[no-untyped-def]
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "ringfence",
            "detect",
            str(LOGS),
            "--format",
            "json",
            "--store",
            str(tmp_path / "s"),
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["errors"] == []
    assert report["summary"]["events"] == 10
    found = {
        (d["rule_id"], d["principal"].rsplit("/", 1)[-1], d.get("outcome", "succeeded"))
        for d in report["detections"]
    }
    for expected in (
        ("signin.console-login-without-mfa", "dana", "succeeded"),
        ("cloudtrail.logging-stopped", "dana", "failed"),
        ("iam.access-key-created-for-other-user", "dana", "succeeded"),
        ("iam.admin-policy-attached", "ci-deployer", "succeeded"),
        ("cloudtrail.logging-stopped", "ci-deployer", "succeeded"),
        ("s3.bucket-made-public", "ci-deployer", "succeeded"),
        ("ec2.flow-logs-deleted", "ci-deployer", "succeeded"),
    ):
        assert expected in found, (expected, sorted(found))
    public = [d for d in report["detections"] if d["rule_id"] == "s3.bucket-made-public"]
    assert ["example-orders-exports" in d["message"] for d in public] == [True]  # not the deny-only policy
    brute = [d for d in report["detections"] if d["rule_id"] == "vpcflow.admin-brute-force"]
    assert len(brute) == 1 and brute[0]["source_ip"] == "192.0.2.45"
    assert not [d for d in report["detections"] if "10.0.2.20" in json.dumps(d)]  # app to database traffic
