"""How much of a cold scan's wall time is Terraform evaluation (tfparse, in the bounded workers)?

    .venv/bin/python benchmarks/tfparse_share.py --resources 20000 [--layout real] [--repeat 3]

Each run is a new process scanning the generated estate cold (`--no-cache`, an empty cache folder), with
two instruments and nothing else changed: the main process times the evaluation phase (from handing the
evaluations to the workers until the last one is back), and each worker times its evaluation (reading the
task to the result) and, inside it, tfparse's `load_from_path` alone. Reported: the median over the runs of
the whole scan's wall time, the evaluation phase's wall time and its share, and the worker seconds (summed
over the workers, which run two at a time) spent in tfparse and in the rest of the evaluation (converting
its output to the estate's model). The section of docs/benchmarks.md it writes says on which machine.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from bench_common import CORPUS, cold_env, machine_facts, measure, wait_for_idle, write_section
from generate import DEFAULT_SEED, generate

# The worker, with tfparse and each evaluation timed; one JSON line per evaluation into $TIMINGS/<pid> (a
# worker evaluates several tasks one after the other).
_TIMED_WORKER = """
import json, os, sys, time
import tfparse
from ringfence.sources.terraform import evaluation

_load, _run, _spent, _cpu = tfparse.load_from_path, evaluation.run, [0.0], [0.0]

def load_from_path(*args, **kwargs):
    start, cpu = time.perf_counter(), time.process_time()
    try:
        return _load(*args, **kwargs)
    finally:
        _spent[0] += time.perf_counter() - start
        _cpu[0] += time.process_time() - cpu

def run(task):
    start, cpu, before, before_cpu = time.perf_counter(), time.process_time(), _spent[0], _cpu[0]
    try:
        return _run(task)
    finally:
        line = {
            "evaluation": time.perf_counter() - start,
            "tfparse": _spent[0] - before,
            "evaluation_cpu": time.process_time() - cpu,
            "tfparse_cpu": _cpu[0] - before_cpu,
        }
        with open(os.path.join(os.environ["RINGFENCE_BENCH_TIMINGS"], str(os.getpid())), "a") as out:
            out.write(json.dumps(line) + "\\n")

tfparse.load_from_path, evaluation.run = load_from_path, run
from ringfence.sources.terraform.isolation import _worker
_worker()
"""


def _inner(corpus: str, report: str) -> None:
    """One scan in this process, with the instruments in place; the timings go to ``report``."""
    from ringfence.sources.terraform import isolation, loader

    phase = [0.0]
    evaluate = loader.evaluate_isolated

    def timed(*args, **kwargs):  # type: ignore[no-untyped-def]
        start = time.perf_counter()
        try:
            return evaluate(*args, **kwargs)
        finally:
            phase[0] += time.perf_counter() - start

    isolation._WORKER = _TIMED_WORKER  # type: ignore[attr-defined]
    loader.evaluate_isolated = timed  # type: ignore[assignment]
    from ringfence.cli.app import run

    sys.argv = [
        "ringfence",
        "scan",
        corpus,
        "--format",
        "json",
        "--fail-on",
        "none",
        "--no-cache",
        "-o",
        os.devnull,
    ]
    start = time.perf_counter()
    with contextlib.suppress(SystemExit):  # the scan's exit status is not what is measured
        run()
    scan = time.perf_counter() - start
    Path(report).write_text(json.dumps({"scan": scan, "phase": phase[0]}))


def measure_once(corpus: Path) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as folder:
        timings = Path(folder) / "workers"
        timings.mkdir()
        report = Path(folder) / "report.json"
        env = cold_env(corpus.name)
        env["RINGFENCE_BENCH_TIMINGS"] = str(timings)
        done = measure(
            [sys.executable, __file__, "--inner", str(corpus), str(report)], Path(folder) / "out", env
        )
        if done.returncode:
            raise SystemExit(f"the scan failed: {(Path(folder) / 'out.err').read_text()[-2000:]}")
        inner = json.loads(report.read_text())
        lines = [json.loads(line) for path in timings.iterdir() for line in path.read_text().splitlines()]
    return {
        "wall": done.seconds,
        "cpu": done.cpu_seconds,
        "others": done.others_cores,
        "scan": inner["scan"],
        "phase": inner["phase"],
        "evaluations": len(lines),
        "worker_evaluation": sum(line["evaluation"] for line in lines),
        "worker_tfparse": sum(line["tfparse"] for line in lines),
        "worker_evaluation_cpu": sum(line["evaluation_cpu"] for line in lines),
        "worker_tfparse_cpu": sum(line["tfparse_cpu"] for line in lines),
    }


def render(results: dict[str, object], command: str) -> str:
    facts = results["machine"]
    assert isinstance(facts, dict)
    lines = [
        f"Command: `{command}`; run {facts['date']}.",
        "",
        f"Machine: {facts['cpu']}; {facts['memory']} memory. Other work was running on this machine during "
        "the measurement (it is shared: the cores other processes used are in the last column); each row is "
        "the median of the runs.",
        "",
        "| estate | runs | scan wall | evaluation phase (wall) | share of the wall time | evaluations "
        "| worker seconds in tfparse | worker seconds converting | others' cores |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    cpu_lines = [
        "",
        "The same runs in CPU time (user + system, all threads; less disturbed by other work on the machine "
        "than wall time): the whole scan (main process and workers), tfparse's `load_from_path` in the "
        "workers, the rest of the workers' evaluations (copying the root, converting tfparse's output), and "
        "tfparse's share of the scan's CPU.",
        "",
        "| estate | scan CPU | CPU in tfparse | CPU in the rest of the evaluations | tfparse's share of the CPU |",
        "|---|---:|---:|---:|---:|",
    ]
    for entry in results["estates"]:  # type: ignore[attr-defined]
        runs = entry["runs"]
        med = {key: statistics.median(r[key] for r in runs) for key in runs[0]}
        share = med["phase"] / med["wall"]
        lines.append(
            f"| {entry['label']} | {len(runs)} | {med['wall']:.1f} s | {med['phase']:.1f} s | {share:.0%} "
            f"| {med['evaluations']:.0f} | {med['worker_tfparse']:.1f} s "
            f"| {med['worker_evaluation'] - med['worker_tfparse']:.1f} s | {max(r['others'] for r in runs):.2f} |"
        )
        if "cpu" in med:
            cpu_lines.append(
                f"| {entry['label']} | {med['cpu']:.1f} s | {med['worker_tfparse_cpu']:.1f} s "
                f"| {med['worker_evaluation_cpu'] - med['worker_tfparse_cpu']:.1f} s "
                f"| {med['worker_tfparse_cpu'] / med['cpu']:.0%} |"
            )
    return "\n".join(lines + cpu_lines)


def main(argv: list[str] | None = None) -> int:
    if (argv or sys.argv[1:])[:1] == ["--inner"]:
        args = (argv or sys.argv[1:])[1:]
        _inner(args[0], args[1])
        return 0
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--resources", type=int, default=20000)
    parser.add_argument("--layouts", default="synthetic,real", help="synthetic, real or both")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--idle-wait", type=float, default=120)
    parser.add_argument("--no-write", action="store_true", help="leave docs/benchmarks.md alone")
    args = parser.parse_args(argv)
    given = sys.argv[1:] if argv is None else argv
    command = " ".join([".venv/bin/python benchmarks/tfparse_share.py", *given])
    results: dict[str, object] = {"machine": machine_facts(), "command": command, "estates": []}
    for layout in [x for x in args.layouts.split(",") if x]:
        corpus = CORPUS / f"{'real' if layout == 'real' else 'n'}{args.resources}"
        generate(args.resources, corpus, args.seed, layout)
        label = f"{args.resources:,}{' real layout' if layout == 'real' else ''}"
        runs = []
        for index in range(args.repeat):
            if args.idle_wait > 0:
                wait_for_idle(args.idle_wait)
            run = measure_once(corpus)
            runs.append(run)
            print(
                f"  {label} run {index + 1}/{args.repeat}: wall {run['wall']:.1f} s, evaluation phase "
                f"{run['phase']:.1f} s, tfparse {run['worker_tfparse']:.1f} worker-s (others {run['others']:.2f} cores)"
            )
        results["estates"].append({"label": label, "runs": runs})  # type: ignore[attr-defined]
    (CORPUS / "tfparse-share.json").write_text(json.dumps(results, indent=2) + "\n")
    text = render(results, command)
    print(text)
    if not args.no_write:
        write_section("tfparse-share", text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
