"""Every tfparse evaluation in a bounded process, and a failure narrowed to the file that caused it.

tfparse's Go core ends the process it runs in when it panics (a type constraint naming an unknown
function), runs out of memory (``setproduct`` over large ranges, a string doubled again and again) or
overflows its stack, and prints a goroutine dump on standard error. So evaluations run in ``spawn``-started
Pythons (the Go runtime does not survive ``fork``) with an address-space limit (``RLIMIT_AS``) and a
wall-time limit per evaluation that the parent enforces; their output goes to a file of which only the
panic's first line is kept. A worker evaluates one task after another (starting a Python and tfparse costs
about a third of a CPU second, more than most evaluations); one that dies or runs over time is replaced,
and a task that failed in a worker that had evaluated others before is evaluated again in a new one, so a
failure is always that of the task alone. A failed evaluation that names no place is narrowed to one of the
root's files by evaluating the root again with halves of its files blanked (line numbers kept); the root is
then evaluated without that file, so the rest of it is still analysed.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import pickle
import re
import resource
import select
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
# A worker holding more than this after an evaluation leaves; the next task gets a new one.
_RECYCLE_MB = 512
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


@dataclass(slots=True, eq=False)
class _Worker:
    process: subprocess.Popen[bytes]
    log: Path
    # Tasks it has been given.
    used: int = 0


@dataclass(slots=True, eq=False)
class _Running:
    index: int
    task: Task
    folder: Path
    worker: _Worker
    # Where this task's output starts in the worker's log.
    log_offset: int
    deadline: float | None
    # Evaluated in a worker that had evaluated other tasks before.
    reused: bool


class _Pool:
    """Idle workers to hand tasks to; a new one started when none is idle."""

    def __init__(self, folder: Path, bounds: Limits) -> None:
        self.folder = folder
        self.bounds = bounds
        self.idle: list[_Worker] = []
        self.all: list[_Worker] = []

    def take(self, fresh: bool) -> _Worker:
        while self.idle and not fresh:
            worker = self.idle.pop()
            if worker.process.poll() is None:
                return worker
        return self._new()

    def give_back(self, worker: _Worker) -> None:
        if worker.process.poll() is None:
            self.idle.append(worker)

    def end(self, worker: _Worker) -> None:
        if worker.process.poll() is None:
            worker.process.kill()
        worker.process.wait()

    def close(self) -> None:
        """Idle workers leave when their input closes; any other is ended."""
        for worker in self.all:
            if worker.process.stdin is not None:
                with contextlib.suppress(OSError):
                    worker.process.stdin.close()
        for worker in self.all:
            if worker in self.idle:
                try:
                    worker.process.wait(timeout=5)
                    continue
                except subprocess.TimeoutExpired:
                    pass
            self.end(worker)

    def _new(self) -> _Worker:
        env = dict(os.environ)
        if self.bounds.memory_mb:
            # Go collects harder as it nears this soft limit instead of running into the hard one.
            env.setdefault("GOMEMLIMIT", f"{self.bounds.memory_mb * 3 // 4}MiB")
        log = self.folder / f"worker-{len(self.all)}.log"
        with log.open("wb") as out:
            process = subprocess.Popen(
                [sys.executable, "-c", _WORKER, str(self.bounds.memory_mb)],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,  # a byte when a task is done (see `_worker`)
                stderr=out,
                env=env,
            )
        worker = _Worker(process, log)
        self.all.append(worker)
        return worker


def _batch(tasks: Sequence[Task], workers: int, bounds: Limits, report: Report | None) -> list[TaskResult]:
    # (index, task, must run in a new worker)
    pending = [(index, task, False) for index, task in enumerate(tasks)]
    running: list[_Running] = []
    done: dict[int, TaskResult] = {}
    with tempfile.TemporaryDirectory(prefix="ringfence-worker-") as tmp:
        pool = _Pool(Path(tmp), bounds)
        try:
            while pending or running:
                while pending and len(running) < workers:
                    index, task, fresh = pending.pop(0)
                    folder = Path(tmp) / f"{index}{'-again' if fresh else ''}"
                    running.append(_start(index, task, folder, bounds, pool, fresh))
                signals = _signals(running)
                for job in list(running):
                    over = job.deadline is not None and time.monotonic() > job.deadline
                    if job not in signals and not over:
                        continue
                    running.remove(job)
                    finished = (job.folder / "result").exists()
                    if signals.get(job) == _STAYING:
                        pool.give_back(job.worker)
                    else:  # it left, died or ran over
                        pool.end(job.worker)
                    result = _collect(job, bounds, over and not finished)
                    if result.crashed and job.reused:
                        # What an earlier evaluation left in that worker may be the cause: the task alone.
                        pending.insert(0, (job.index, job.task, True))
                        continue
                    done[job.index] = result
                    if report is not None:
                        report(len(done))
        finally:
            pool.close()
    return [done[i] for i in range(len(tasks))]


_STAYING = b"."  # the task is done, the worker waits for the next one
_LEAVING = b"x"  # the task is done, the worker leaves (it holds too much memory)


def _signals(running: Sequence[_Running]) -> dict[_Running, bytes]:
    """Wait until a running worker signals (``b""``: it ended) or the first deadline passes."""
    deadlines = [job.deadline for job in running if job.deadline is not None]
    timeout = max(0.0, min(deadlines) - time.monotonic()) if deadlines else None
    pipes = {job.worker.process.stdout.fileno(): job for job in running if job.worker.process.stdout}
    readable, _, _ = select.select(list(pipes), [], [], timeout)
    return {pipes[fd]: os.read(fd, 1) for fd in readable}


def _start(
    index: int, task: Task, folder: Path, bounds: Limits, pool: _Pool, fresh: bool = False
) -> _Running:
    folder.mkdir()
    with (folder / "task").open("wb") as handle:
        pickle.dump(task, handle, protocol=pickle.HIGHEST_PROTOCOL)
    while True:
        worker = pool.take(fresh)
        offset = worker.log.stat().st_size
        try:
            assert worker.process.stdin is not None
            worker.process.stdin.write(f"{folder}\n".encode())
            worker.process.stdin.flush()
            break
        except OSError:
            if not worker.used:
                break  # a new worker that ended at once: reported as its failure
            pool.end(worker)  # it left while idle (it does when it holds too much memory)
    reused = worker.used > 0
    worker.used += 1
    deadline = time.monotonic() + bounds.timeout_s if bounds.timeout_s else None
    return _Running(index, task, folder, worker, offset, deadline, reused)


def _collect(job: _Running, bounds: Limits, over_time: bool) -> TaskResult:
    if over_time:
        return TaskResult(job.task, error=f"evaluation took longer than {bounds.timeout_s:g} s", crashed=True)
    try:
        with (job.folder / "result").open("rb") as handle:
            result: TaskResult = pickle.load(handle)
        return dataclasses.replace(result, task=job.task)
    except (OSError, pickle.UnpicklingError, EOFError):
        pass
    code = job.worker.process.returncode
    return TaskResult(job.task, error=_why(job.worker.log, job.log_offset, code, bounds), crashed=True)


def _why(log: Path, offset: int, code: int | None, bounds: Limits) -> str:
    """The first line of a panic in the worker's output from ``offset`` (never the goroutine dump), or how
    it ended."""
    try:
        with log.open("rb") as handle:
            handle.seek(offset)
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
    if code is not None and code < 0:
        return f"the evaluator was ended by signal {-code}"
    return f"the evaluator stopped with exit status {code}"


def _worker() -> None:  # pragma: no cover - runs in the worker process
    """Evaluate the task in each folder named on standard input, one after the other, until it closes or
    this process holds more memory than a new one would need."""
    memory_mb = int(sys.argv[1])
    # Standard output carries one byte per task to the parent; anything else written there goes to the log.
    signal = os.dup(1)
    os.dup2(2, 1)
    if memory_mb:
        _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        resource.setrlimit(resource.RLIMIT_AS, (memory_mb * 2**20, hard))
    for line in sys.stdin:
        from ringfence.sources.terraform.evaluation import run

        folder = Path(line.rstrip("\n"))
        with (folder / "task").open("rb") as handle:
            task: Task = pickle.load(handle)
        try:
            result = run(task)
        except MemoryError:
            result = TaskResult(
                task, error=f"evaluation ran out of memory (limit {memory_mb} MB)", crashed=True
            )
        except RecursionError:
            result = TaskResult(task, error="evaluation nested too deeply", crashed=True)
        with (folder / "result.tmp").open("wb") as handle:
            pickle.dump(result, handle, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(folder / "result.tmp", folder / "result")
        leaving = _resident_mb() > _RECYCLE_MB
        os.write(signal, _LEAVING if leaving else _STAYING)
        if leaving:
            return


def _resident_mb() -> float:
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[1])
    except (OSError, IndexError, ValueError):
        return 0.0
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


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
