"""The benchmark: ringfence against Checkov on the same Terraform estates, then the accuracy table.

    make bench                      # = .venv/bin/python benchmarks/run.py
    .venv/bin/python benchmarks/run.py --sizes 1000,5000 --real-sizes 5000 --repeat 3 --checkov-repeat 1

For each size it generates the estate (benchmarks/generate.py, fixed seed): the synthetic layout (one root
calling every module) at `--sizes`, the real layout (environments calling shared modules three levels deep)
at `--real-sizes`. It times `ringfence scan <corpus> --format json --fail-on none --no-cache` cold (a new
process, an empty cache folder) and Checkov 3.3.30 (its own virtual environment, offline) on it, and writes
wall time, peak memory and the ratios into docs/benchmarks.md, with the machine, the date and the versions.
Raw results go to benchmarks/corpus/results.json.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import json
import statistics
import subprocess
import sys
import time
from collections.abc import Iterable
from dataclasses import asdict
from pathlib import Path

from bench_common import (
    CORPUS,
    RINGFENCE,
    Measurement,
    checkov_command,
    checkov_env,
    cold_env,
    ensure_checkov,
    load_json,
    machine_facts,
    measure,
    mib,
    ringfence_command,
    ringfence_version,
    wait_for_idle,
    write_section,
)
from generate import DEFAULT_SEED, ISSUES, generate

DEFAULT_SIZES = (1000, 5000, 20000)
DEFAULT_REAL_SIZES = (5000, 20000)
QUIET = 0.3  # cores used by other processes during a run, below which the run counts as undisturbed


def startup_time(runs: int = 10) -> tuple[float, float] | None:
    """Median and slowest wall time of `ringfence --version`, after one warm-up run."""
    if not RINGFENCE.exists():
        return None
    times = []
    for _ in range(runs + 1):
        start = time.perf_counter()
        done = subprocess.run([str(RINGFENCE), "--version"], check=False, capture_output=True)
        times.append(time.perf_counter() - start)
        if done.returncode:
            return None
    return statistics.median(times[1:]), max(times[1:])


def run_tool(tool: str, corpus: Path, runs: int, idle_wait: float) -> dict[str, object]:
    """Run one tool `runs` times on `corpus`; keep every measurement and what the last report says."""
    measurements: list[Measurement] = []
    report: dict[str, object] | None = None
    for index in range(runs):
        out = CORPUS / f"{corpus.name}-{tool}-{index}.json"
        if idle_wait > 0:
            busy = wait_for_idle(idle_wait)
            if busy >= 0.3:
                print(f"  (the machine is busy: {busy:.1f} cores used by other processes; measuring anyway)")
        if tool == "ringfence":
            done = measure(ringfence_command(corpus), out, env=cold_env(corpus.name))
        else:
            done = measure(checkov_command(corpus), out, env=checkov_env())
        report = load_json(out)
        if done.returncode not in (0, 1) or report is None:
            return {"error": f"exit {done.returncode}, see {out.relative_to(CORPUS.parent.parent)}.err"}
        measurements.append(done)
        print(
            f"  {tool:9} run {index + 1}/{runs}: {done.seconds:7.1f} s  {mib(done.peak_bytes):>9}  "
            f"cpu {done.cpu_seconds:6.1f} s  others {done.others_cores:.2f} cores"
        )
    assert report is not None
    result: dict[str, object] = {
        "runs": [asdict(m) for m in measurements],
    }
    result.update(summarise(result["runs"]))  # type: ignore[arg-type]
    if tool == "ringfence":
        summary = report.get("summary", {})
        findings = report.get("findings", [])
        errors = report.get("errors", [])
        assert isinstance(summary, dict) and isinstance(findings, list) and isinstance(errors, list)
        result["resources"] = summary.get("resources")
        result["findings"] = len(findings)
        result["errors"] = len(errors)
        result["flagged"] = _flagged(
            (str(f["rule_id"]), str(f["resource"])) for f in findings if not f.get("suppressed")
        )
    else:
        summary = report.get("summary", {})
        results = report.get("results", {})
        assert isinstance(summary, dict) and isinstance(results, dict)
        failed = results.get("failed_checks", [])
        result["resources"] = summary.get("resource_count")
        result["findings"] = len(failed)
        result["errors"] = summary.get("parsing_errors")
        result["flagged"] = _flagged((str(f["check_id"]), str(f["resource"])) for f in failed)
    return result


def summarise(runs: list[dict[str, float]]) -> dict[str, float]:
    """Median wall and CPU time over the runs that other processes left alone (under QUIET cores of
    interference), or over all runs when none was; the highest peak memory of all runs."""
    quiet = [r for r in runs if r["others_cores"] < QUIET] or runs
    return {
        "seconds": statistics.median(r["seconds"] for r in quiet),
        "cpu_seconds": statistics.median(r["cpu_seconds"] for r in quiet),
        "peak_bytes": max(max(r["tree_rss_peak"], r["max_rss"]) for r in runs),
        "others_cores": max(r["others_cores"] for r in quiet),
        "quiet_runs": sum(1 for r in runs if r["others_cores"] < QUIET),
        "all_runs": len(runs),
    }


def _flagged(pairs: Iterable[tuple[str, str]]) -> dict[str, list[str]]:
    """The distinct resources each rule (or check) reported."""
    flagged: dict[str, set[str]] = {}
    for rule, resource in pairs:
        flagged.setdefault(rule, set()).add(resource)
    return {rule: sorted(resources) for rule, resources in sorted(flagged.items())}


def render(results: dict[str, object], command: str) -> str:
    facts = results["machine"]
    versions = results["versions"]
    startup = results["startup"]
    assert isinstance(facts, dict) and isinstance(versions, dict)
    sizes = results["sizes"]
    assert isinstance(sizes, list)
    lines = [
        f"Command: `{command}`{' (what `make bench` runs)' if command.endswith('run.py') else ''}; "
        f"run {facts['date']}.",
        "",
        f"Machine: {facts['cpu']}; {facts['memory']} memory; {facts['os']}; Python {facts['python']}.",
        f"Versions: {versions['ringfence'] or 'ringfence not installed'}; tfparse {versions['tfparse']}; "
        f"Checkov {versions['checkov'] or 'not installed'}.",
        "",
        "| resources | module calls | ringfence wall | ringfence CPU | ringfence peak memory | Checkov wall "
        "| Checkov CPU | Checkov peak memory | speed-up (wall) | speed-up (CPU) | memory ratio |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for entry in sizes:
        rf, ck = (_summary(entry[tool]) for tool in ("ringfence", "checkov"))
        both = "seconds" in rf and "seconds" in ck
        cells = [
            _label(entry),
            str(entry["module_calls"]),
            _seconds(rf, "seconds"),
            _seconds(rf, "cpu_seconds"),
            mib(rf["peak_bytes"]) if "peak_bytes" in rf else "not measured",
            _seconds(ck, "seconds"),
            _seconds(ck, "cpu_seconds"),
            mib(ck["peak_bytes"]) if "peak_bytes" in ck else "not measured",
            f"{ck['seconds'] / rf['seconds']:.1f}x" if both else "-",
            f"{ck['cpu_seconds'] / rf['cpu_seconds']:.1f}x" if both else "-",
            f"{ck['peak_bytes'] / rf['peak_bytes']:.1f}x" if both else "-",
        ]
        lines.append("| " + " | ".join(cells) + " |")
    lines.append("")
    if startup:
        lines.append(
            f"`ringfence --version` start-up: {startup[0] * 1000:.0f} ms median, {startup[1] * 1000:.0f} ms "
            f"slowest of 10 runs (goal: under 300 ms)."
        )
    else:
        lines.append("`ringfence --version` start-up: not measured (ringfence did not run).")
    lines += [
        "",
        "Wall and CPU time (user + system of the whole process tree; above the wall time means both cores "
        f"were used) are medians over the undisturbed runs: those during which other processes on the "
        f"machine used under {QUIET} cores (all runs when none was undisturbed). The last column says how "
        "many runs that was, and the most CPU other processes used during them, in cores (0 is an idle "
        "machine, 2 a saturated one, which inflates wall times). Also what each tool read and reported: a "
        "scanner that drops resources is fast for the wrong reason.",
        "",
        "| resources generated | ringfence: resources / findings / parse errors "
        "| Checkov: resources / failed checks / parse errors | undisturbed runs (others' cores): ringfence / "
        "Checkov |",
        "|---:|---|---|---:|",
    ]
    for entry in sizes:
        rf, ck = (_summary(entry[tool]) for tool in ("ringfence", "checkov"))
        used = " / ".join(_used(t) for t in (rf, ck))
        lines.append(f"| {_label(entry)} | {_read(rf)} | {_read(ck)} | {used} |")
    problems = [
        f"- {tool} at {_label(entry)} resources: {entry[tool]['error']}"
        for entry in sizes
        for tool in ("ringfence", "checkov")
        if "error" in entry[tool]
    ]
    if problems:
        lines += ["", "Not measured:", *problems]
    for layout in ("synthetic", "real"):
        last = [entry for entry in sizes if entry.get("layout", "synthetic") == layout]
        if last:
            lines += ["", *seeded_table(last[-1])]
    return "\n".join(lines)


def _label(entry: dict[str, object]) -> str:
    size = entry["resources"]
    assert isinstance(size, int)
    return f"{size:,} real layout" if entry.get("layout") == "real" else f"{size:,}"


def _summary(tool: dict[str, object]) -> dict[str, object]:
    runs = tool.get("runs")
    return {**tool, **summarise(runs)} if isinstance(runs, list) and runs else tool


def _used(tool: dict[str, object]) -> str:
    if "all_runs" not in tool:
        return "-"
    return f"{tool['quiet_runs']} of {tool['all_runs']} ({tool['others_cores']:.2f})"


def _seconds(tool: dict[str, object], key: str) -> str:
    value = tool.get(key)
    return f"{value:.1f} s" if isinstance(value, float | int) else "not measured"


def _read(tool: dict[str, object]) -> str:
    if "seconds" not in tool:
        return "not measured"
    return f"{tool['resources']} / {tool['findings']} / {tool['errors']}"


def seeded_table(entry: dict[str, object]) -> list[str]:
    """Per rule, the resources the generator made insecure next to the resources each tool flagged."""
    manifest = entry["manifest"]
    rf, ck = entry["ringfence"], entry["checkov"]
    assert isinstance(manifest, dict) and isinstance(rf, dict) and isinstance(ck, dict)
    seeded: dict[str, set[str]] = {}
    checks: dict[str, set[str]] = {}
    for issue, addresses in manifest["issue_addresses"].items():
        rule, issue_checks = ISSUES[issue]
        seeded.setdefault(rule, set()).update(addresses)
        checks.setdefault(rule, set()).update(issue_checks)
    lines = [
        f"Seeded misconfigurations at {_label(entry)} resources, per ringfence rule: the resources the "
        "generator made insecure or put at risk (`seeded`), and for each tool the distinct resources it "
        "flagged for that rule (Checkov: for the corresponding checks) and how many of those are seeded. "
        "Flagged resources outside the seeded set are false positives or a gap in the generator's labels; "
        "seeded resources nobody flags can be a unit difference (ringfence names the instance at risk, "
        "Checkov the security group rule, both are in the seeded set).",
        "",
        "| ringfence rule | seeded | ringfence flagged (seeded) | Checkov checks | Checkov flagged (seeded) |",
        "|---|---:|---:|---|---:|",
    ]
    for rule in sorted(seeded):
        truth = seeded[rule]
        rf_cell = _flag_cell(rf, [rule], truth)
        check_list = sorted(checks[rule])
        ck_cell = _flag_cell(ck, check_list, truth) if check_list else "-"
        lines.append(
            f"| `{rule}` | {len(truth)} | {rf_cell} | {', '.join(check_list) or 'none'} | {ck_cell} |"
        )
    return lines


def _flag_cell(tool: dict[str, object], rules: list[str], truth: set[str]) -> str:
    if "flagged" not in tool:
        return "not measured"
    flagged_by_rule = tool["flagged"]
    assert isinstance(flagged_by_rule, dict)
    flagged = {resource for rule in rules for resource in flagged_by_rule.get(rule, [])}
    return f"{len(flagged)} ({len(flagged & truth)})"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default=",".join(map(str, DEFAULT_SIZES)), help="e.g. 1000,5000,20000")
    parser.add_argument(
        "--real-sizes",
        default=",".join(map(str, DEFAULT_REAL_SIZES)),
        help="sizes of the real-layout estate (empty: none)",
    )
    parser.add_argument("--repeat", type=int, default=3, help="ringfence runs per size (median reported)")
    parser.add_argument("--checkov-repeat", type=int, default=2, help="Checkov runs per size")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--skip-checkov", action="store_true")
    parser.add_argument("--skip-ringfence", action="store_true")
    parser.add_argument("--no-accuracy", action="store_true", help="skip the accuracy table")
    parser.add_argument(
        "--idle-wait",
        type=float,
        default=120,
        help="before each run, wait up to this many seconds for other processes to leave the CPU (0: never)",
    )
    parser.add_argument("--no-write", action="store_true", help="leave docs/benchmarks.md alone")
    parser.add_argument(
        "--render-only",
        action="store_true",
        help="rewrite the speed section from benchmarks/corpus/results.json",
    )
    args = parser.parse_args(argv)
    if args.render_only:
        saved = json.loads((CORPUS / "results.json").read_text())
        text = render(saved, str(saved.get("command") or ".venv/bin/python benchmarks/run.py"))
        print(text)
        if not args.no_write:
            write_section("speed", text)
        return 0
    sizes = [int(size) for size in args.sizes.split(",") if size]
    given = sys.argv[1:] if argv is None else argv
    command = " ".join([".venv/bin/python benchmarks/run.py", *given])

    CORPUS.mkdir(parents=True, exist_ok=True)
    checkov_version = "" if args.skip_checkov else ensure_checkov()
    ringfence_ok = RINGFENCE.exists() and not args.skip_ringfence
    results: dict[str, object] = {
        "machine": machine_facts(),
        "versions": {
            "ringfence": ringfence_version() if ringfence_ok else "",
            "tfparse": importlib.metadata.version("tfparse"),
            "checkov": checkov_version,
        },
        "startup": startup_time() if ringfence_ok else None,
        "seed": args.seed,
        "command": command,
        "sizes": [],
    }
    real_sizes = [int(size) for size in args.real_sizes.split(",") if size]
    runs = [(size, "synthetic") for size in sizes] + [(size, "real") for size in real_sizes]
    for size, layout in runs:
        corpus = CORPUS / f"{'real' if layout == 'real' else 'n'}{size}"
        manifest = generate(size, corpus, args.seed, layout)
        print(
            f"n={size} ({layout} layout): {manifest['module_calls']} module calls, "
            f"{manifest['insecure_share']:.1%} insecure"
        )
        entry: dict[str, object] = {
            "resources": size,
            "layout": layout,
            "module_calls": manifest["module_calls"],
            "manifest": {k: v for k, v in manifest.items() if k != "insecure_addresses"},
        }
        skipped = {"error": "skipped"}
        entry["ringfence"] = (
            run_tool("ringfence", corpus, args.repeat, args.idle_wait) if ringfence_ok else skipped
        )
        entry["checkov"] = (
            skipped if args.skip_checkov else run_tool("checkov", corpus, args.checkov_repeat, args.idle_wait)
        )
        results["sizes"].append(entry)  # type: ignore[attr-defined]
        (CORPUS / "results.json").write_text(json.dumps(results, indent=2) + "\n")

    text = render(results, command)
    print(text)
    if not args.no_write:
        write_section("speed", text)
    if not args.no_accuracy:
        from accuracy import run_accuracy

        print(run_accuracy(write=not args.no_write))
    return 0


if __name__ == "__main__":
    sys.exit(main())
