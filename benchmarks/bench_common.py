"""What the benchmark scripts share: where things are, the Checkov environment, measuring a command (wall
time and peak memory of its whole process tree) and writing a section of docs/benchmarks.md."""

from __future__ import annotations

import json
import os
import platform
import re
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
DOC = ROOT / "docs" / "benchmarks.md"
CORPUS = BENCH / "corpus"
RINGFENCE = ROOT / ".venv" / "bin" / "ringfence"
CHECKOV_VERSION = "3.3.30"
CHECKOV_VENV = BENCH / ".venv-checkov"
CHECKOV = CHECKOV_VENV / "bin" / "checkov"
SAMPLE_SECONDS = 0.05
PAGE = os.sysconf("SC_PAGE_SIZE")
TICKS = os.sysconf("SC_CLK_TCK")


def checkov_env() -> dict[str, str]:
    """Checkov offline: no update check, no vendor mapping download."""
    env = dict(os.environ)
    env.update({"CKV_SKIP_PACKAGE_UPDATE_CHECK": "true", "BC_SKIP_MAPPING": "TRUE", "PYTHONUNBUFFERED": "1"})
    return env


def checkov_command(path: Path, framework: str = "terraform") -> list[str]:
    return [
        str(CHECKOV),
        "-d",
        str(path),
        "--framework",
        framework,
        "--skip-download",
        "-o",
        "json",
        "--quiet",
    ]


def ringfence_command(path: Path) -> list[str]:
    # Cold runs: the evaluation cache would turn every run after the first into a re-scan of unchanged code.
    return [str(RINGFENCE), "scan", str(path), "--format", "json", "--fail-on", "none", "--no-cache"]


def cold_env(name: str) -> dict[str, str]:
    """The environment of a cold ringfence run: its own cache folder, emptied first (with ``--no-cache``
    nothing is read from it; the empty folder makes sure nothing left by an earlier run is)."""
    import shutil

    folder = CORPUS / ".cold-cache" / name
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    env = dict(os.environ)
    env["RINGFENCE_CACHE_DIR"] = str(folder)
    return env


def ensure_checkov() -> str:
    """Create the Checkov virtual environment unless it holds the pinned version; return the version."""
    if not CHECKOV.exists() or _checkov_version() != CHECKOV_VERSION:
        print(f"installing checkov=={CHECKOV_VERSION} into {CHECKOV_VENV.relative_to(ROOT)} (slow, once)")
        subprocess.run([sys.executable, "-m", "venv", str(CHECKOV_VENV)], check=True)
        pip = [str(CHECKOV_VENV / "bin" / "python"), "-m", "pip", "install", "-q"]
        subprocess.run([*pip, "--upgrade", "pip"], check=True)
        subprocess.run([*pip, f"checkov=={CHECKOV_VERSION}"], check=True)
    return _checkov_version()


def _checkov_version() -> str:
    try:
        done = subprocess.run(
            [str(CHECKOV), "--version"],
            check=False,
            capture_output=True,
            text=True,
            env=checkov_env(),
            timeout=120,
        )
    except (OSError, subprocess.TimeoutExpired):
        return ""
    return done.stdout.strip().splitlines()[-1] if done.stdout.strip() else ""


def ringfence_version() -> str:
    if not RINGFENCE.exists():
        return ""
    done = subprocess.run(
        [str(RINGFENCE), "--version"], check=False, capture_output=True, text=True, timeout=60
    )
    return done.stdout.strip()


@dataclass(frozen=True)
class Measurement:
    """One run of a command: its exit code, wall time, and memory of its process tree."""

    returncode: int
    seconds: float
    tree_rss_peak: int  # bytes: the largest sum of RSS over the live process tree, sampled
    max_rss: int  # bytes: the kernel's maximum RSS of the largest single process of the tree
    cpu_seconds: float  # user + system time of the tree
    others_cores: float  # CPU used meanwhile by processes outside the tree, in cores (interference)

    @property
    def peak_bytes(self) -> int:
        return max(self.tree_rss_peak, self.max_rss)


def measure(command: list[str], stdout: Path, env: dict[str, str] | None = None) -> Measurement:
    """Run `command` with its standard output in `stdout` (stderr next to it, `.err`), and measure it.

    Wall time is measured around the child's life. Memory is measured twice: by sampling the resident set
    of every process in the child's tree every 50 ms (summing them: the memory the run occupies at once),
    and by the kernel's `ru_maxrss` from `wait4` (exact, but per process: the largest one)."""
    with stdout.open("wb") as out, stdout.with_suffix(stdout.suffix + ".err").open("wb") as err:
        busy_before = _busy_seconds()
        start = time.perf_counter()
        process = subprocess.Popen(command, stdout=out, stderr=err, env=env, cwd=ROOT)
        peak = 0
        while True:
            pid, status, usage = os.wait4(process.pid, os.WNOHANG)
            if pid:
                break
            peak = max(peak, _tree_rss(process.pid))
            time.sleep(SAMPLE_SECONDS)
        seconds = time.perf_counter() - start
        busy = _busy_seconds() - busy_before
    process.returncode = os.waitstatus_to_exitcode(status)
    cpu = usage.ru_utime + usage.ru_stime
    others = max(0.0, busy - cpu) / seconds if seconds else 0.0
    return Measurement(process.returncode, seconds, peak, usage.ru_maxrss * 1024, cpu, round(others, 2))


def wait_for_idle(max_seconds: float, threshold: float = 0.3, window: float = 5.0) -> float:
    """Wait (at most `max_seconds`) until the rest of the machine uses less than `threshold` cores over
    `window` seconds; return the CPU in cores others used in the last window."""
    deadline = time.monotonic() + max_seconds
    while True:
        before = _busy_seconds()
        time.sleep(window)
        others = (_busy_seconds() - before) / window
        if others < threshold or time.monotonic() >= deadline:
            return others


def _busy_seconds() -> float:
    """CPU time spent by the whole machine so far, idle and I/O wait excluded (from /proc/stat)."""
    with open("/proc/stat") as stat:
        fields = [int(v) for v in stat.readline().split()[1:]]
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)
    return (sum(fields[:8]) - idle) / TICKS


def _tree_rss(root: int) -> int:
    total = 0
    todo = [root]
    while todo:
        pid = todo.pop()
        try:
            with open(f"/proc/{pid}/statm") as statm:
                total += int(statm.read().split()[1]) * PAGE
            for task in os.listdir(f"/proc/{pid}/task"):
                with open(f"/proc/{pid}/task/{task}/children") as children:
                    todo.extend(int(child) for child in children.read().split())
        except (FileNotFoundError, ProcessLookupError, ValueError):
            continue  # the process ended between two reads
    return total


def machine_facts() -> dict[str, str]:
    model = ""
    with open("/proc/cpuinfo") as cpuinfo:
        for line in cpuinfo:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo") as meminfo:
        kilobytes = int(meminfo.readline().split()[1])
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "cpu": f"{len(os.sched_getaffinity(0))} cores usable ({os.cpu_count()} online), {model}",
        "memory": f"{kilobytes / 1024 / 1024:.1f} GiB",
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
    }


def load_json(path: Path) -> dict[str, object] | None:
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    if isinstance(data, list):  # Checkov prints a list when it ran more than one framework
        data = data[0] if data else {}
    return data if isinstance(data, dict) else None


def write_section(name: str, text: str, doc: Path = DOC) -> None:
    """Replace the generated section `name` of the benchmark document (creating either if missing)."""
    start, end = f"<!-- generated:{name}:start -->", f"<!-- generated:{name}:end -->"
    block = f"{start}\n{text.rstrip()}\n{end}"
    current = doc.read_text() if doc.exists() else ""
    if start in current and end in current:
        pattern = re.compile(re.escape(start) + r".*?" + re.escape(end), flags=re.DOTALL)
        updated = pattern.sub(lambda _: block, current)
    else:
        updated = current.rstrip() + ("\n\n" if current else "") + block + "\n"
    doc.write_text(updated)


def mib(size: int) -> str:
    return f"{size / 1024 / 1024:,.0f} MiB"
