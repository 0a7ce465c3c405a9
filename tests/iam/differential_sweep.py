"""A larger differential sweep than the test runs (not collected by pytest).

    .venv/bin/python tests/iam/differential_sweep.py --cases 20000 --seed 100

Builds cases from consecutive seeds, decides them with both engines, and prints how many agree, how many
disagree for a documented reason (DIFFERENCES.md) and the unexplained ones (written to --out as JSON).
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import casegen
import oracle
import test_differential as diff


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=20000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default="unexplained.json")
    args = parser.parse_args()
    cases = [casegen.build_case(casegen.Draw(random.Random(args.seed + i))) for i in range(args.cases)]
    results, _ = oracle.run(cases)
    compared = 0
    explained: Counter[str] = Counter()
    unexplained = []
    for case, result in zip(cases, results, strict=True):
        if result["error"]:
            continue
        compared += 1
        expected = casegen.ORACLE_NAMES[result["result"]]
        ours = diff._ours(case)
        if ours == expected:
            continue
        name = next((n for n, redo in diff.DIFFERENCES if redo(case) == expected), None)
        if name:
            explained[name] += 1
        else:
            unexplained.append({"case": case, "oracle": expected, "ours": ours})
    Path(args.out).write_text(json.dumps(unexplained, indent=1))
    print(json.dumps({"compared": compared, "documented": dict(explained), "unexplained": len(unexplained)}))


if __name__ == "__main__":
    main()
