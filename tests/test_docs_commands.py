"""Every command the guide shows is run, and what it shows of the output is checked: a `console` block in
docs/guide/*.md is a run of `$ ringfence ...` lines, each followed by lines that must appear in its output
(stdout and stderr, each line found in some output line) and optionally `# exit N`. Concrete commands in
the README's and the examples' plain code blocks (no placeholders) are run too, and must answer."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.conftest import ROOT

GUIDE = sorted((ROOT / "docs" / "guide").glob("*.md"))
_FENCE = re.compile(r"^```(\w*)\s*$")
_PLACEHOLDER = re.compile(r"[\[\]|<>]|\.\.\.|\b[A-Z][A-Z_]{1,}\b")


@dataclass
class Shown:
    page: str
    line: int
    command: str
    expected: list[str] = field(default_factory=list)
    exit_code: int = 0


def _blocks(path: Path) -> list[tuple[str, int, list[str]]]:
    out: list[tuple[str, int, list[str]]] = []
    lang: str | None = None
    start, body = 0, []
    for number, text in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        fence = _FENCE.match(text)
        if fence and lang is None:
            lang, start, body = fence.group(1), number, []
        elif fence or (text.startswith("```") and lang is not None):
            out.append((lang or "", start, body))
            lang = None
        elif lang is not None:
            body.append(text)
    return out


def _guide_runs() -> list[Shown]:
    runs: list[Shown] = []
    for page in GUIDE:
        for lang, start, body in _blocks(page):
            if lang != "console":
                continue
            for offset, text in enumerate(body, 1):
                if text.startswith("$ "):
                    runs.append(Shown(page.name, start + offset, text[2:]))
                elif not runs or runs[-1].page != page.name:
                    raise AssertionError(f"{page.name}:{start + offset}: output before any command")
                elif text.startswith("# exit "):
                    runs[-1].exit_code = int(text.removeprefix("# exit "))
                elif text.strip():
                    runs[-1].expected.append(text.strip())
    return runs


def _plain_commands() -> list[Shown]:
    found = []
    for path in (ROOT / "README.md", *sorted((ROOT / "examples").glob("*/README.md"))):
        for lang, start, body in _blocks(path):
            if lang not in ("", "sh", "shell", "bash"):
                continue
            for offset, text in enumerate(body, 1):
                command = text.split("#", 1)[0].strip()
                if command.startswith("ringfence ") and not _PLACEHOLDER.search(command):
                    found.append(Shown(str(path.relative_to(ROOT)), start + offset, command))
    return found


def _run(command: str, scratch: Path) -> subprocess.CompletedProcess[str]:
    """``command`` run from the repository's root; the files it writes under /tmp go to ``scratch``, so
    runs never share state (a log store, a report)."""
    argv = [a.replace("/tmp/", f"{scratch}/") for a in shlex.split(command)]
    assert argv[0] == "ringfence"
    return subprocess.run(
        [sys.executable, "-m", "ringfence", *argv[1:]],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
        timeout=600,
        env={**os.environ, "RINGFENCE_CACHE_DIR": str(scratch / "cache")},
    )


def test_the_guide_shows_commands() -> None:
    runs = _guide_runs()
    assert len(runs) >= 10
    assert {r.page for r in runs} >= {"README.md", "identity.md", "network.md", "monitoring.md"}


@pytest.mark.parametrize("shown", _guide_runs(), ids=lambda s: f"{s.page}:{s.line}")
def test_a_guide_command_gives_what_the_guide_shows(shown: Shown, tmp_path: Path) -> None:
    done = _run(shown.command, tmp_path)
    assert done.returncode == shown.exit_code, (shown.command, done.returncode, done.stderr[-2000:])
    output = (done.stdout + "\n" + done.stderr).replace(f"{tmp_path}/", "/tmp/")
    lines = [line.strip() for line in output.splitlines()]
    for expected in shown.expected:
        assert any(expected in line for line in lines), (
            f"{shown.page}:{shown.line}: {shown.command!r} does not print {expected!r}"
        )


@pytest.mark.parametrize("shown", _plain_commands(), ids=lambda s: f"{s.page}:{s.line}")
def test_a_concrete_command_of_the_readme_answers(shown: Shown, tmp_path: Path) -> None:
    done = _run(shown.command, tmp_path)
    assert done.returncode in (0, 1), (shown.command, done.stderr[-2000:])
    assert "internal error" not in done.stderr and "Traceback" not in done.stderr
