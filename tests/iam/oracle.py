"""Runs @cloud-copilot/iam-simulate (AGPL) as a separate node process on batches of cases."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
TOOL_DIR = ROOT / "tests" / ".tools" / "iam-simulate"
RUNNER = Path(__file__).resolve().parent / "oracle" / "run_iam_simulate.cjs"


def available() -> str | None:
    """None when the oracle can run, else why not."""
    if shutil.which("node") is None:
        return "node is not installed"
    if not (TOOL_DIR / "node_modules" / "@cloud-copilot" / "iam-simulate").is_dir():
        return f"iam-simulate is not installed in {TOOL_DIR} (run scripts/setup.d/iam-simulate.sh)"
    return None


def run(cases: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], float]:
    """Results for ``cases`` (in order) and the seconds iam-simulate spent deciding them."""
    proc = subprocess.run(
        ["node", str(RUNNER)],
        input=json.dumps(cases).encode(),
        capture_output=True,
        check=True,
        env={**os.environ, "IAM_SIMULATE_DIR": str(TOOL_DIR)},
        timeout=600,
    )
    out = json.loads(proc.stdout)
    return out["results"], float(out["seconds"])
