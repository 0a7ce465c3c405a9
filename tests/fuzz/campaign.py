"""Running a corpus case through the real command line and judging what came out.

Each case runs as a new `ringfence` process per output format, under a time limit and an address-space
limit, with its own cache folder (the first format evaluates cold, the others reuse the evaluation, as a
user re-running with another `--format` would). The verdict of a case is the worst of:

- ``crash``: a Python traceback on standard error or in a report, death by a signal, or an exit code other
  than 0, 1 and 2 (the contract of PRODUCT.md);
- ``timeout``: still running at the time limit;
- ``memory``: out of memory under the limit (a ``MemoryError``, an "out of memory" line, or SIGKILL);
- ``lost``: the good input beside the hostile one is missing from the JSON report (its findings for
  ``scan``; its records and the good Sigma rule's detection for ``detect``);
- ``leaked``: a planted credential appears in any output format or on standard error;
- ``ok`` otherwise.
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from .corpus import GOOD_FINDINGS, GOOD_RECORDS, GOOD_RULE_ID, PLANTED, Case

ROOT = Path(__file__).resolve().parents[2]
SCAN_FORMATS = ("json", "text", "sarif", "junit", "html", "ocsf", "asff", "gitlab-sast", "markdown")
DETECT_FORMATS = ("json", "text", "sarif", "ocsf")
VERDICTS = ("ok", "crash", "timeout", "memory", "lost", "leaked")
_WORST = {v: i for i, v in enumerate(("ok", "leaked", "lost", "memory", "timeout", "crash"))}


@dataclass
class Outcome:
    case: str
    family: str
    command: str
    verdict: str = "ok"
    detail: str = ""
    runs: int = 0
    seconds: float = 0.0
    formats: list[str] = field(default_factory=list)

    def worse(self, verdict: str, detail: str) -> None:
        if _WORST[verdict] > _WORST[self.verdict]:
            self.verdict, self.detail = verdict, detail


def ringfence_binary() -> list[str]:
    exe = ROOT / ".venv" / "bin" / "ringfence"
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "ringfence"]


def _limits(memory_bytes: int) -> None:
    os.setsid()
    resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))


def _run(
    argv: list[str], env: dict[str, str], timeout: float, memory_bytes: int
) -> tuple[int | None, bytes, float]:
    """Run `argv`; return (exit code or None on timeout, stderr, seconds). A negative code is a signal."""
    start = time.monotonic()
    with tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(
            argv,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=err,
            env=env,
            preexec_fn=lambda: _limits(memory_bytes),  # noqa: PLW1509 - limits for the child only
        )
        try:
            code: int | None = proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            code = None
        err.seek(0)
        return code, err.read(1 << 20), time.monotonic() - start


def _lost_scan(report: dict[str, object]) -> str:
    found = {(f.get("rule_id"), f.get("resource")) for f in report.get("findings", []) if isinstance(f, dict)}  # type: ignore[attr-defined]
    missing = [f"{r} {a}" for r, a in GOOD_FINDINGS if (r, a) not in found]
    return f"good findings missing: {', '.join(missing)}" if missing else ""


def _lost_detect(report: dict[str, object], with_sigma: bool) -> str:
    summary = report.get("summary")
    events = summary.get("events", 0) if isinstance(summary, dict) else 0
    if not isinstance(events, int) or events < GOOD_RECORDS:
        return f"only {events} events read; the good file has {GOOD_RECORDS}"
    if with_sigma:
        ids = [str(d.get("rule_id", "")) for d in report.get("detections", []) if isinstance(d, dict)]  # type: ignore[attr-defined]
        if not any(GOOD_RULE_ID in i for i in ids):
            return "the good Sigma rule's detection is missing"
    return ""


def run_case(
    case: Case,
    work: Path,
    *,
    formats: Iterable[str] | None = None,
    timeout: float = 30.0,
    memory_mb: int = 4096,
) -> Outcome:
    """Build `case` under `work` and run it in `formats` (default: every format of its command)."""
    out = Outcome(case.name, case.family, case.command)
    folder = work / case.name.replace("/", "__")
    if folder.exists():
        shutil.rmtree(folder)
    try:
        target = case.build(folder)
    except OSError as exc:  # e.g. a FIFO on a filesystem without them
        out.worse("ok", f"not built here: {exc}")
        return out
    chosen = list(formats or (SCAN_FORMATS if case.command == "scan" else DETECT_FORMATS))
    if "json" in chosen:
        chosen.remove("json")
    chosen.insert(0, "json")  # the report judged for lost input comes first, cold
    env = {**os.environ, "RINGFENCE_CACHE_DIR": str(folder / "cache"), "NO_COLOR": "1", "COLUMNS": "120"}
    env.pop("RINGFENCE_NO_CACHE", None)
    memory = memory_mb << 20
    for fmt in chosen:
        report_path = folder / f"report.{fmt}"
        if case.command == "scan":
            argv = [
                *ringfence_binary(),
                "scan",
                str(target),
                "--format",
                fmt,
                "--fail-on",
                "none",
                "-o",
                str(report_path),
            ]
        else:
            argv = [
                *ringfence_binary(),
                "detect",
                str(target),
                "--sigma",
                str(folder / "sigma"),
                "--format",
                fmt,
                "-o",
                str(report_path),
                "--store",
                str(folder / f"store-{fmt}"),
            ]
        code, stderr, seconds = _run(argv, env, timeout, memory)
        out.runs += 1
        out.seconds += seconds
        out.formats.append(fmt)
        text = stderr.decode("utf-8", "replace")
        if code is None:
            out.worse("timeout", f"{fmt}: over {timeout:.0f} s")
            break
        if "MemoryError" in text or "out of memory" in text or code == -signal.SIGKILL:
            out.worse("memory", f"{fmt}: exit {code}: {_first_line(text)}")
            break
        if "Traceback (most recent call last)" in text or code < 0 or code not in (0, 1, 2):
            out.worse("crash", f"{fmt}: exit {code}: {_last_line(text)}")
            break
        written = report_path.read_bytes() if report_path.exists() else b""
        if b"Traceback (most recent call last)" in written:
            out.worse("crash", f"{fmt}: a traceback in the report")
        for secret in PLANTED:
            if secret.encode() in written or secret.encode() in stderr:
                out.worse("leaked", f"{fmt}: {secret[:4]}... in the output")
        if fmt == "json":
            try:
                report = json.loads(written or b"{}")
            except ValueError:
                out.worse("crash", f"json: the report is not JSON (exit {code}): {_last_line(text)}")
                continue
            if not isinstance(report, dict):
                out.worse("crash", "json: the report is not an object")
                continue
            lost = _lost_scan(report) if case.command == "scan" else _lost_detect(report, with_sigma=True)
            if lost:
                out.worse("lost", f"{lost} (exit {code}: {_last_line(text)})")
    shutil.rmtree(folder, ignore_errors=True)
    return out


def _first_line(text: str) -> str:
    lines = [line for line in text.splitlines() if line.strip()]
    return lines[0][:200] if lines else ""


def _last_line(text: str) -> str:
    lines = [line for line in text.splitlines() if line.strip()]
    return lines[-1][:200] if lines else ""
