"""Paths in reports are relative to the working folder (or --path-root), the same in every format, and a
SARIF report has the shape GitHub code scanning takes for an upload."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from xml.etree import ElementTree as ET

import jsonschema
import pytest

from tests.cli.test_scan_cli import EXAMPLE, ringfence
from tests.conftest import ROOT, SHARED

BUCKET = 'resource "aws_s3_bucket" "logs" {\n  bucket = "acme-logs"\n}\n'
BROKEN = 'resource "aws_s3_bucket" "half" {\n'


@pytest.fixture
def repo(write_tree) -> Path:  # type: ignore[no-untyped-def]
    """A repository with its Terraform in infra/ (one file does not parse)."""
    return write_tree({"infra/main.tf": BUCKET, "infra/broken.tf": BROKEN, "README.md": "x\n"})


def scan(cwd: Path, *args: str) -> str:
    done = ringfence("scan", *args, "--fail-on", "none", "--no-cache", cwd=cwd)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_every_format_names_files_from_the_working_folder(repo: Path) -> None:
    report = json.loads(scan(repo, "infra", "--format", "json"))
    paths = {f["location"]["path"] for f in report["findings"]}
    assert "infra/main.tf" in paths and "main.tf" not in paths
    assert [e["path"] for e in report["errors"]] == ["infra/broken.tf"]

    text = scan(repo, "infra")
    assert "infra/main.tf:1" in text and "error infra/broken.tf:1" in text

    sarif = json.loads(scan(repo, "infra", "--format", "sarif"))
    run = sarif["runs"][0]
    uris = {
        loc["physicalLocation"]["artifactLocation"]["uri"]
        for r in run["results"]
        for loc in r["locations"]
        if loc["physicalLocation"]["artifactLocation"]["uri"].endswith(".tf")
    }
    assert uris == {"infra/main.tf"}
    notified = run["invocations"][0]["toolExecutionNotifications"][0]["locations"][0]["physicalLocation"]
    assert notified["artifactLocation"] == {"uri": "infra/broken.tf", "uriBaseId": "%SRCROOT%"}
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == repo.absolute().as_uri() + "/"

    junit = ET.fromstring(scan(repo, "infra", "--format", "junit"))
    assert {c.get("file") for c in junit.iter("testcase") if c.get("file", "").endswith(".tf")} == {
        "infra/main.tf"
    }
    assert "infra/main.tf:1" in scan(repo, "infra", "--format", "html")
    ocsf = json.loads(scan(repo, "infra", "--format", "ocsf"))
    assert {e["unmapped"]["location"]["path"] for e in ocsf} >= {"infra/main.tf"}
    asff = json.loads(scan(repo, "infra", "--format", "asff"))
    assert "infra/main.tf:1" in {f["Resources"][0]["Details"]["Other"]["location"] for f in asff["Findings"]}


def test_path_root_and_the_folder_itself(repo: Path) -> None:
    inside = json.loads(scan(repo / "infra", ".", "--format", "json"))
    assert "main.tf" in {f["location"]["path"] for f in inside["findings"]}
    rooted = json.loads(scan(repo / "infra", ".", "--format", "json", "--path-root", str(repo)))
    assert "infra/main.tf" in {f["location"]["path"] for f in rooted["findings"]}
    assert [e["path"] for e in rooted["errors"]] == ["infra/broken.tf"]
    missing = ringfence("scan", ".", "--path-root", "no-such-folder", cwd=repo)
    assert missing.returncode == 2 and "--path-root" in missing.stderr


def test_inside_a_git_repository_paths_start_at_its_root(repo: Path) -> None:
    """From a subfolder of a repository, the paths still start at the repository's root, where code
    scanning resolves them; outside any repository (above) they start at the working folder."""
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    inside = json.loads(scan(repo / "infra", ".", "--format", "json"))
    assert "infra/main.tf" in {f["location"]["path"] for f in inside["findings"]}
    sarif = json.loads(scan(repo / "infra", ".", "--format", "sarif"))
    assert sarif["runs"][0]["originalUriBaseIds"]["%SRCROOT%"]["uri"] == repo.absolute().as_uri() + "/"
    local = json.loads(scan(repo / "infra", ".", "--format", "json", "--path-root", "."))
    assert "main.tf" in {f["location"]["path"] for f in local["findings"]}


def test_a_baseline_taken_in_another_folder_still_matches(repo: Path, tmp_path: Path) -> None:
    """Fingerprints hold no path: the baseline written from inside infra/ covers the scan from the root."""
    inside = scan(repo / "infra", ".", "--format", "json")
    baseline = tmp_path / "baseline.json"
    baseline.write_text(inside, encoding="utf-8")
    outside = json.loads(scan(repo, "infra", "--format", "json", "--baseline", str(baseline)))
    assert outside["findings"] and all(f.get("baseline") for f in outside["findings"])
    assert {f["fingerprint"] for f in outside["findings"]} == {
        f["fingerprint"] for f in json.loads(inside)["findings"]
    }
    again = ringfence("scan", "infra", "--baseline", str(baseline), "--fail-on", "low", cwd=repo)
    assert again.returncode == 0, again.stdout


def test_intents_and_estate_findings_are_under_the_scanned_folder() -> None:
    report = json.loads(ringfence("scan", str(EXAMPLE), "--format", "json").stdout)
    base = EXAMPLE.relative_to(ROOT).as_posix()
    assert all(
        f["location"]["path"] == base or f["location"]["path"].startswith(base + "/")
        for f in report["findings"]
    )
    assert f"{base}/ringfence.yaml" in {f["location"]["path"] for f in report["findings"]}


def github_upload_problems(sarif: dict) -> list[str]:  # type: ignore[type-arg]
    """What GitHub's "SARIF support for code scanning" page requires of an uploaded file and this report
    would break: SARIF 2.1.0; at most 20 runs, 25,000 rules and 25,000 results per run; a tool driver name;
    each result with a ruleId of the run's rules, message text and at least one location (at most 1,000);
    a location's artifactLocation uri a relative path from the repository's root (or an absolute URI),
    with a uriBaseId only on relative references and defined in originalUriBaseIds as an absolute URI
    ending with a slash; startLine from 1; `security-severity` a number from 0.0 to 10.0 given as a
    string; at most 20 tags per rule; partialFingerprints to follow a result across runs."""
    problems: list[str] = []
    if sarif.get("version") != "2.1.0":
        problems.append("version is not 2.1.0")
    runs = sarif.get("runs", [])
    if not 1 <= len(runs) <= 20:
        problems.append(f"{len(runs)} runs")
    for run in runs:
        driver = run["tool"]["driver"]
        if not driver.get("name"):
            problems.append("no tool name")
        rules = driver.get("rules", [])
        ids = {r["id"] for r in rules}
        bases = run.get("originalUriBaseIds", {})
        for base, where in bases.items():
            uri = where.get("uri", "")
            if not (uri.startswith("file:///") and uri.endswith("/")):
                problems.append(f"{base}: {uri!r} is not an absolute folder URI")
        if len(rules) > 25000 or len(run.get("results", [])) > 25000:
            problems.append("too many rules or results")
        for rule in rules:
            props = rule.get("properties", {})
            score = props.get("security-severity")
            if not isinstance(score, str) or not 0.0 <= float(score) <= 10.0:
                problems.append(f"{rule['id']}: security-severity {score!r}")
            if len(props.get("tags", [])) > 20:
                problems.append(f"{rule['id']}: more than 20 tags")
            if not rule.get("shortDescription", {}).get("text"):
                problems.append(f"{rule['id']}: no shortDescription")
        for result in run.get("results", []):
            if result.get("ruleId") not in ids:
                problems.append(f"result of an undeclared rule {result.get('ruleId')!r}")
            if not result.get("message", {}).get("text"):
                problems.append("result without message text")
            if not result.get("partialFingerprints"):
                problems.append("result without partialFingerprints")
            locations = result.get("locations", [])
            if not 1 <= len(locations) <= 1000:
                problems.append(f"{result['ruleId']}: {len(locations)} locations")
            for loc in locations:
                physical = loc["physicalLocation"]
                artifact = physical["artifactLocation"]
                uri = artifact.get("uri", "")
                if not uri:
                    problems.append("empty uri")
                if "uriBaseId" in artifact:
                    if artifact["uriBaseId"] not in bases:
                        problems.append(f"undefined uriBaseId {artifact['uriBaseId']}")
                    if uri.startswith("/") or ":" in uri.split("/")[0] or uri.startswith(".."):
                        problems.append(f"{uri!r} with a uriBaseId is not relative")
                if physical.get("region", {}).get("startLine", 1) < 1:
                    problems.append("startLine below 1")
    return problems


def test_sarif_meets_github_code_scanning_requirements(repo: Path) -> None:
    schema = json.loads((SHARED / "schemas" / "sarif-schema-2.1.0.json").read_text())
    for cwd, target in ((repo, "infra"), (ROOT, str(EXAMPLE))):
        sarif = json.loads(scan(cwd, target, "--format", "sarif"))
        jsonschema.validate(sarif, schema)
        assert github_upload_problems(sarif) == []
        assert all(
            loc["physicalLocation"]["artifactLocation"]["uriBaseId"] == "%SRCROOT%"
            for r in sarif["runs"][0]["results"]
            for loc in r["locations"]
        )


def test_paths_with_spaces_are_uri_encoded(write_tree) -> None:  # type: ignore[no-untyped-def]
    repo = write_tree({"my infra/main.tf": BUCKET})
    sarif = json.loads(scan(repo, "my infra", "--format", "sarif"))
    uris = {
        loc["physicalLocation"]["artifactLocation"]["uri"]
        for r in sarif["runs"][0]["results"]
        for loc in r["locations"]
    }
    assert "my%20infra/main.tf" in uris
    report = json.loads(scan(repo, "my infra", "--format", "json"))
    assert "my infra/main.tf" in {f["location"]["path"] for f in report["findings"]}
