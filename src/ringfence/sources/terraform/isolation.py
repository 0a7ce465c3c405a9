"""Every tfparse evaluation in its own bounded process, and a failure narrowed to the file that caused it.

tfparse's Go core ends the process it runs in when it panics (a type constraint naming an unknown
function), runs out of memory (``setproduct`` over large ranges, a string doubled again and again) or
overflows its stack, and prints a goroutine dump on standard error. So each evaluation runs in a fresh
``spawn``-started Python (the Go runtime does not survive ``fork``) with an address-space limit
(``RLIMIT_AS``) and a wall-time limit the parent enforces; its output goes to a file of which only the
panic's first line is kept. A worker that dies, or an evaluation that fails without naming a place, is
narrowed to one of the root's files by evaluating the root again with halves of its files blanked (line
numbers kept); the root is then evaluated without that file, so the rest of it is still analysed.
"""

from __future__ import annotations

import dataclasses
import os
import pickle
import re
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from ringfence.limits import env_limit
from ringfence.sources.terraform.evaluation import Task, TaskResult
from ringfence.sources.terraform.hcl import top_level_blocks
from ringfence.sources.terraform.roots import tf_files

MEMORY_ENV = "RINGFENCE_TF_MEMORY_MB"
TIMEOUT_ENV = "RINGFENCE_TF_TIMEOUT"
# A 2-core, 4 GB runner: two workers of 2 GB each at most.
DEFAULT_MEMORY_MB = 2048
DEFAULT_TIMEOUT_S = 120.0
# At most this many bad files are set aside in one root before the root is given up.
_MAX_BAD_FILES = 3
_WORKER = "from ringfence.sources.terraform.isolation import _worker; _worker()"
_PLACE = re.compile(r"([^\s:\"']+\.tf(?:\.json)?):(\d+)")
_PANIC = re.compile(r"^(panic: .*|fatal error: .*|runtime: .*out of memory.*)$", re.MULTILINE)


@dataclass(frozen=True, slots=True)
class Limits:
    memory_mb: int  # 0: no address-space limit
    timeout_s: float  # 0: no time limit


def limits(configured: Mapping[str, str] | None = None) -> Limits:
    """The limits from ``RINGFENCE_TF_MEMORY_MB`` and ``RINGFENCE_TF_TIMEOUT`` in the environment, else
    from ``configured`` (values by variable name: the configuration file's), else the defaults."""
    env = {**configured, **os.environ} if configured else None
    return Limits(
        memory_mb=int(env_limit(MEMORY_ENV, DEFAULT_MEMORY_MB, env)),
        timeout_s=env_limit(TIMEOUT_ENV, DEFAULT_TIMEOUT_S, env),
    )


Report = Callable[[int], None]


def evaluate_isolated(
    tasks: Sequence[Task], workers: int, report: Report | None = None, bounds: Limits | None = None
) -> list[TaskResult]:
    """Evaluate each task in a bounded worker (``workers`` at a time, within ``bounds``, else the
    limits of the environment); a task whose worker failed is narrowed to the file that made it fail and
    evaluated again without it."""
    bounds = bounds if bounds is not None else limits()
    results = _batch(tasks, max(1, workers), bounds, report)
    return [_narrowed(r, bounds) if r.crashed else r for r in results]


@dataclass(slots=True)
class _Running:
    index: int
    task: Task
    folder: Path
    process: subprocess.Popen[bytes]
    deadline: float | None


def _batch(tasks: Sequence[Task], workers: int, bounds: Limits, report: Report | None) -> list[TaskResult]:
    pending = list(enumerate(tasks))
    running: list[_Running] = []
    done: dict[int, TaskResult] = {}
    with tempfile.TemporaryDirectory(prefix="ringfence-worker-") as tmp:
        while pending or running:
            while pending and len(running) < workers:
                index, task = pending.pop(0)
                running.append(_start(index, task, Path(tmp) / str(index), bounds))
            time.sleep(0.005)
            for job in list(running):
                over = job.deadline is not None and time.monotonic() > job.deadline
                if job.process.poll() is None and not over:
                    continue
                if job.process.poll() is None:
                    job.process.kill()
                    job.process.wait()
                running.remove(job)
                done[job.index] = _collect(job, bounds, over)
                if report is not None:
                    report(len(done))
    return [done[i] for i in range(len(tasks))]


def _start(index: int, task: Task, folder: Path, bounds: Limits) -> _Running:
    folder.mkdir()
    with (folder / "task").open("wb") as handle:
        pickle.dump(task, handle, protocol=pickle.HIGHEST_PROTOCOL)
    env = dict(os.environ)
    if bounds.memory_mb:
        # Go collects harder as it nears this soft limit instead of running into the hard one.
        env.setdefault("GOMEMLIMIT", f"{bounds.memory_mb * 3 // 4}MiB")
    with (folder / "log").open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-c", _WORKER, str(folder), str(bounds.memory_mb)],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=log,
            env=env,
        )
    deadline = time.monotonic() + bounds.timeout_s if bounds.timeout_s else None
    return _Running(index, task, folder, process, deadline)


def _collect(job: _Running, bounds: Limits, over_time: bool) -> TaskResult:
    if over_time:
        return TaskResult(job.task, error=f"evaluation took longer than {bounds.timeout_s:g} s", crashed=True)
    try:
        with (job.folder / "result").open("rb") as handle:
            result: TaskResult = pickle.load(handle)
        return dataclasses.replace(result, task=job.task)
    except (OSError, pickle.UnpicklingError, EOFError):
        pass
    return TaskResult(job.task, error=_why(job.folder / "log", job.process.returncode, bounds), crashed=True)


def _why(log: Path, code: int, bounds: Limits) -> str:
    """The first line of a panic in the worker's output (never the goroutine dump), or how it ended."""
    try:
        with log.open("rb") as handle:
            head = handle.read(64_000).decode("utf-8", errors="replace")
    except OSError:
        head = ""
    found = _PANIC.search(head)
    if found is not None:
        first = found.group(1)[:300]
        if "out of memory" in first or "cannot allocate" in first:
            return f"evaluation ran out of memory (limit {bounds.memory_mb} MB): {first}"
        return f"the evaluator crashed: {first}"
    if "MemoryError" in head:
        return f"evaluation ran out of memory (limit {bounds.memory_mb} MB)"
    if code < 0:
        return f"the evaluator was ended by signal {-code}"
    return f"the evaluator stopped with exit status {code}"


def _worker() -> None:  # pragma: no cover - runs in the worker process
    from ringfence.sources.terraform.evaluation import run

    folder, memory_mb = Path(sys.argv[1]), int(sys.argv[2])
    if memory_mb:
        _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        resource.setrlimit(resource.RLIMIT_AS, (memory_mb * 2**20, hard))
    with (folder / "task").open("rb") as handle:
        task: Task = pickle.load(handle)
    try:
        result = run(task)
    except MemoryError:
        result = TaskResult(task, error=f"evaluation ran out of memory (limit {memory_mb} MB)", crashed=True)
    except RecursionError:
        result = TaskResult(task, error="evaluation nested too deeply", crashed=True)
    with (folder / "result.tmp").open("wb") as handle:
        pickle.dump(result, handle, protocol=pickle.HIGHEST_PROTOCOL)
    os.replace(folder / "result.tmp", folder / "result")


def _narrowed(failed: TaskResult, bounds: Limits) -> TaskResult:
    """The task evaluated without the root files that make it fail, each an error of its own; the
    failure as it was when it does not come from one of the root's files."""
    task = failed.task
    names = sorted(f.name for f in tf_files(task.source_root) if f.suffix == ".tf")
    blank = set(task.blank)
    problems: list[tuple[str, int | None, str]] = []
    last = failed
    for _ in range(_MAX_BAD_FILES):
        candidates = [n for n in names if n not in blank]
        culprit = _culprit(task, candidates, blank, last, bounds)
        if culprit is None:
            break
        name, line = culprit
        problems.append((str(task.root / name), line, f"Terraform evaluation failed: {last.error}"))
        blank.add(name)
        last = _one(dataclasses.replace(task, blank=tuple(sorted(blank))), bounds)
        if not last.crashed:
            return dataclasses.replace(last, task=task, file_errors=(*last.file_errors, *problems))
    return failed


def _culprit(
    task: Task, candidates: list[str], blank: set[str], failed: TaskResult, bounds: Limits
) -> tuple[str, int | None] | None:
    """The root file that makes ``failed`` fail, with the line its message names (or of the file's only
    block): the file the message names, else found by bisection (blanking a half that holds it makes the
    evaluation pass)."""
    place = _PLACE.search(failed.error or "")
    if place is not None and Path(place.group(1)).name in candidates:
        return Path(place.group(1)).name, int(place.group(2))
    if not candidates or _one(_blanked(task, blank, candidates), bounds).crashed:
        return None  # not in the root's own files (a module, a var file)
    base = set(blank)
    while len(candidates) > 1:
        half, rest = candidates[: len(candidates) // 2], candidates[len(candidates) // 2 :]
        if _one(_blanked(task, base, half), bounds).crashed:
            base |= set(half)
            candidates = rest
        else:
            candidates = half
    name = candidates[0]
    return name, _line_named(failed.error or "", name) or _only_block(task.source_root / name)


def _blanked(task: Task, blank: set[str], more: Sequence[str]) -> Task:
    return dataclasses.replace(task, blank=tuple(sorted(blank | set(more))))


def _only_block(file: Path) -> int | None:
    """The line of the file's one top-level block: where a failure of that file sits."""
    try:
        blocks = top_level_blocks(file.read_text(encoding="utf-8", errors="replace"))
    except OSError:
        return None
    return blocks[0].start if len(blocks) == 1 else None


def _line_named(message: str, name: str) -> int | None:
    for found in _PLACE.finditer(message):
        if Path(found.group(1)).name == name:
            return int(found.group(2))
    return None


def _one(task: Task, bounds: Limits) -> TaskResult:
    return _batch([task], 1, bounds, None)[0]
