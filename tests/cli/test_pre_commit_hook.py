"""The pre-commit hook this repository defines (.pre-commit-hooks.yaml): a manifest pre-commit accepts, and,
run by pre-commit itself on a git repository, a commit that grants a user every action fails while
a change to other files does not run the scan at all. (The hook is run from the installed command, as a
`local` hook with the manifest's entry, arguments and file pattern: a `python` hook would have pre-commit
install ringfence from the index first.)"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.conftest import ROOT

pre_commit = pytest.importorskip("pre_commit.clientlib")

ADMIN_USER = """
resource "aws_iam_user" "ci" {
  name = "ci"
}

resource "aws_iam_user_policy" "ci" {
  user   = aws_iam_user.ci.name
  policy = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow", Action = "*", Resource = "*" }] })
}
"""


def _git(repo: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args], cwd=repo, check=True,
        capture_output=True,
    )  # fmt: skip


def test_the_hook_fails_a_commit_that_grants_a_user_everything(tmp_path: Path) -> None:
    hooks = pre_commit.load_manifest(str(ROOT / ".pre-commit-hooks.yaml"))  # validated by pre-commit
    hook = next(h for h in hooks if h["id"] == "ringfence")
    assert hook["language"] == "python" and hook["pass_filenames"] is False
    repo = tmp_path / "repo"
    repo.mkdir()
    _git(repo, "init", "-q")
    local = {**{k: hook[k] for k in ("id", "name", "entry", "args", "files", "pass_filenames")}}
    local["language"] = "system"
    config = {"repos": [{"repo": "local", "hooks": [local]}]}
    (repo / ".pre-commit-config.yaml").write_text(yaml.safe_dump(config), encoding="utf-8")
    (repo / "README.md").write_text("infra\n", encoding="utf-8")
    _git(repo, "add", ".")
    bin_dir = str(Path(sys.executable).parent)
    assert shutil.which("ringfence", path=bin_dir)
    env = {**os.environ, "PATH": bin_dir + os.pathsep + os.environ.get("PATH", ""),
           "PRE_COMMIT_HOME": str(tmp_path / "cache"), "RINGFENCE_NO_CACHE": "1"}  # fmt: skip
    run = [sys.executable, "-m", "pre_commit", "run", "--color", "never"]
    quiet = subprocess.run(run, cwd=repo, env=env, capture_output=True, text=True, check=False)
    assert quiet.returncode == 0 and "(no files to check)Skipped" in quiet.stdout, quiet.stdout

    (repo / "infra").mkdir()
    (repo / "infra" / "main.tf").write_text(ADMIN_USER, encoding="utf-8")
    _git(repo, "add", ".")
    failed = subprocess.run(run, cwd=repo, env=env, capture_output=True, text=True, check=False)
    assert failed.returncode == 1, failed.stdout
    assert "Failed" in failed.stdout and "iam.no-full-admin-policy-attached" in failed.stdout
    assert "infra/main.tf" in failed.stdout  # from the repository's root
