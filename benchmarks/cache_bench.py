"""Re-scans: ringfence on an unchanged estate with its evaluation cache warm (what a CI job sees when the
cache folder is kept between runs and the pull request did not touch most modules).

    .venv/bin/python benchmarks/cache_bench.py [--sizes 1000,5000,20000]

For each size: one cold run to fill a fresh cache folder, then three warm runs (median reported), all with
the same command as the cold benchmark but without --no-cache. It writes the `cache` section of
docs/benchmarks.md; the Checkov column is read from the cold benchmark's results (benchmarks/run.py).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_common import CORPUS, RINGFENCE, measure, mib, write_section


def _checkov_seconds() -> dict[int, float]:
    try:
        results = json.loads((CORPUS / "results.json").read_text())
    except (OSError, ValueError):
        return {}
    out: dict[int, float] = {}
    for entry in results.get("sizes", []):
        checkov = entry.get("checkov", {})
        seconds = checkov.get("seconds") if isinstance(checkov, dict) else None
        if isinstance(seconds, int | float):
            out[int(entry["resources"])] = float(seconds)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,5000,20000")
    args = parser.parse_args(argv)
    checkov = _checkov_seconds()
    rows = [
        "| resources | cold (fills the cache) | warm re-scan | warm peak memory | Checkov | warm speed-up |",
        "|---:|---:|---:|---:|---:|---:|",
    ]
    for size in (int(s) for s in args.sizes.split(",")):
        corpus = CORPUS / f"n{size}"
        if not corpus.is_dir():
            print(
                f"{corpus} is missing: run benchmarks/generate.py --resources {size} first", file=sys.stderr
            )
            return 2
        command = [str(RINGFENCE), "scan", str(corpus), "--format", "json", "--fail-on", "none"]
        with tempfile.TemporaryDirectory(prefix="ringfence-cache-bench-") as cache:
            env = dict(os.environ, RINGFENCE_CACHE_DIR=cache)
            env.pop("RINGFENCE_NO_CACHE", None)
            out = CORPUS / f"n{size}-cache.json"
            cold = measure(command, out, env=env)
            warm = [measure(command, out, env=env) for _ in range(3)]
        seconds = statistics.median(m.seconds for m in warm)
        peak = max(m.peak_bytes for m in warm)
        reference = checkov.get(size)
        ratio = f"{reference / seconds:.1f}x" if reference else "-"
        print(f"n={size}: cold {cold.seconds:.1f} s, warm {seconds:.2f} s, Checkov {reference or '-'} s")
        rows.append(
            f"| {size:,} | {cold.seconds:.1f} s | {seconds:.2f} s | {mib(peak)} | "
            f"{f'{reference:.1f} s' if reference else '-'} | {ratio} |"
        )
    text = "Command: `.venv/bin/python benchmarks/cache_bench.py`.\n\n" + "\n".join(rows)
    write_section("cache", text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
