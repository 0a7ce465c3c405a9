"""The GitHub Action (action.yml): its script steps run as a runner would run them, with the inputs in
the environment, on a repository with a finding. The scan writes SARIF that GitHub's requirements accept,
with paths from the repository's root; the step that fails the job on findings runs after the upload.
(The `uses:` steps, setup-python and upload-sarif, are GitHub's own; the install step is pip.)"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import yaml

from tests.cli.test_pre_commit_hook import ADMIN_USER
from tests.cli.test_report_paths import github_upload_problems
from tests.conftest import ROOT

ACTION = yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))
EXPR = re.compile(r"\$\{\{\s*([^}]+?)\s*\}\}")


def _run_step(step: dict, values: dict[str, str], cwd: Path, output: Path) -> int:  # type: ignore[type-arg]
    env = {**os.environ, "PATH": str(Path(sys.executable).parent) + os.pathsep + os.environ.get("PATH", "")}
    env["GITHUB_OUTPUT"] = str(output)
    env["RINGFENCE_NO_CACHE"] = "1"
    for key, value in step.get("env", {}).items():
        env[key] = EXPR.sub(lambda m: values[m.group(1)], str(value))
    assert "${{" not in step["run"]  # inputs reach the scripts through the environment only
    return subprocess.run(["bash", "-e", "-c", step["run"]], cwd=cwd, env=env, check=False).returncode


def _outputs(output: Path) -> dict[str, str]:
    lines = output.read_text(encoding="utf-8").splitlines() if output.exists() else []
    return dict(line.split("=", 1) for line in lines)


def test_the_action_scans_uploads_sarif_and_then_fails_on_findings(tmp_path: Path) -> None:
    steps = ACTION["runs"]["steps"]
    assert ACTION["runs"]["using"] == "composite"
    names = [s.get("name") or s["uses"] for s in steps]
    upload = next(
        i for i, s in enumerate(steps) if s.get("uses", "").startswith("github/codeql-action/upload-sarif")
    )
    assert names.index("Scan") < upload < names.index("Fail on findings")
    assert steps[upload]["with"]["sarif_file"] == "${{ inputs.sarif-file }}"

    repo = tmp_path / "repo"
    (repo / "infra").mkdir(parents=True)
    (repo / ".git").mkdir()  # the repository's root, as in a checkout
    (repo / "infra" / "main.tf").write_text(ADMIN_USER, encoding="utf-8")
    values = {f"inputs.{k}": str(v.get("default", "")) for k, v in ACTION["inputs"].items()}
    values["inputs.path"] = "infra"
    output = tmp_path / "github_output"
    scan = next(s for s in steps if s.get("id") == "scan")
    assert _run_step(scan, values, repo, output) == 0  # findings do not stop the job before the upload
    values["steps.scan.outputs.exit-code"] = _outputs(output)["exit-code"]
    assert values["steps.scan.outputs.exit-code"] == "1"

    sarif = json.loads((repo / "ringfence.sarif").read_text(encoding="utf-8"))
    assert github_upload_problems(sarif) == []
    uris = {
        loc["physicalLocation"]["artifactLocation"]["uri"]
        for r in sarif["runs"][0]["results"]
        for loc in r.get("locations", [])
        if "physicalLocation" in loc
    }
    assert "infra/main.tf" in uris

    fail = next(s for s in steps if s.get("name") == "Fail on findings")
    assert _run_step(fail, values, repo, output) == 1
    values["steps.scan.outputs.exit-code"] = "0"
    assert _run_step(fail, values, repo, output) == 0


def test_unreadable_input_fails_the_scan_step_itself(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    values = {f"inputs.{k}": str(v.get("default", "")) for k, v in ACTION["inputs"].items()}
    values["inputs.path"] = "empty"
    scan = next(s for s in ACTION["runs"]["steps"] if s.get("id") == "scan")
    output = tmp_path / "github_output"
    assert _run_step(scan, values, tmp_path, output) == 2
    assert _outputs(output)["exit-code"] == "2"


def test_the_summary_goes_to_the_job_summary_and_a_pull_request_comment(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    (repo / "infra").mkdir(parents=True)
    (repo / ".git").mkdir()
    (repo / "infra" / "main.tf").write_text(ADMIN_USER, encoding="utf-8")
    # `gh` as a runner has it, recording what it is asked to do
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    calls = tmp_path / "gh-calls"
    gh = bin_dir / "gh"
    gh.write_text(f'#!/bin/sh\necho "$@" >> {calls}\ncat "$5" >> {calls}.body\n', encoding="utf-8")
    gh.chmod(0o755)
    values = {f"inputs.{k}": str(v.get("default", "")) for k, v in ACTION["inputs"].items()}
    values |= {"inputs.path": "infra", "inputs.comment": "true", "inputs.github-token": "t0ken"}
    values["github.event.pull_request.number"] = "42"
    summary = tmp_path / "step-summary.md"
    step = next(s for s in ACTION["runs"]["steps"] if s.get("name") == "Summarise")
    old_path = os.environ["PATH"]
    os.environ["PATH"] = f"{bin_dir}{os.pathsep}{old_path}"
    os.environ["GITHUB_STEP_SUMMARY"] = str(summary)
    try:
        assert _run_step(step, values, repo, tmp_path / "github_output") == 0
    finally:
        os.environ["PATH"] = old_path
        del os.environ["GITHUB_STEP_SUMMARY"]
    text = summary.read_text(encoding="utf-8")
    assert text.startswith("### ringfence: ") and "| severity | rule | resource | where | finding |" in text
    assert "infra/main.tf" in text
    assert calls.read_text(encoding="utf-8").split() == ["pr", "comment", "42", "--body-file", "ringfence.md"]
    assert (tmp_path / "gh-calls.body").read_text(encoding="utf-8") == text
    # not a pull request: no comment
    calls.unlink()
    values["github.event.pull_request.number"] = ""
    assert _run_step(step, values, repo, tmp_path / "github_output") == 0
    assert not calls.exists()
