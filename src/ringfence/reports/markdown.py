"""`scan --format markdown`: the findings that count (not suppressed, not in the baseline) as one Markdown
table with the summary line, for a pull-request comment or a CI job summary.

Text from the input (names, messages, paths) is escaped so that it cannot close the table, open a link or
mention anyone, and credentials are shown as their fingerprint, as in every format.
"""

from __future__ import annotations

import re

from ringfence.engine.findings import Finding
from ringfence.engine.runner import ScanResult
from ringfence.reports.text import headline
from ringfence.shown import redacted, shown

MAX_ROWS = 50
_SPECIAL = re.compile(r"([\\`*_\[\]<>|@~])")


def _cell(text: str) -> str:
    one_line = shown(" ".join(redacted(text).split()))
    return _SPECIAL.sub(r"\\\1", one_line)


def _row(f: Finding) -> str:
    where = f"{f.location.path}:{f.location.line}" if f.location.line else (f.location.path or "")
    status = "" if f.status.value == "fail" else f" ({f.status.value})"
    return (
        f"| {f.severity.value}{status} | {_cell(f.rule_id)} | {_cell(f.resource)} | {_cell(where)} | "
        f"{_cell(f.message)} |"
    )


def render(result: ScanResult) -> str:
    counted = sorted((f for f in result.findings if f.counts), key=lambda f: f.sort_key())
    lines = [f"### ringfence: {_cell(headline(result))}", ""]
    if not counted:
        lines.append("No new findings.")
        return "\n".join(lines) + "\n"
    lines += ["| severity | rule | resource | where | finding |", "|---|---|---|---|---|"]
    lines += [_row(f) for f in counted[:MAX_ROWS]]
    if len(counted) > MAX_ROWS:
        lines += [
            "",
            f"... and {len(counted) - MAX_ROWS} more (the SARIF report and the job log hold them all).",
        ]
    undecided = sum(1 for f in counted if f.status.value == "unknown")
    if undecided:
        lines += [
            "",
            f"{undecided} could not be decided from the code (unknown); `--fail-on-unknown` fails them.",
        ]
    return "\n".join(lines) + "\n"
