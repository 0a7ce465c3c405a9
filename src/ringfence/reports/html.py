"""`scan --format html`: one self-contained page (no scripts, no external assets), findings by resource."""

from __future__ import annotations

from collections import defaultdict
from html import escape

from ringfence import __version__
from ringfence.engine.compliance import Assessment
from ringfence.engine.findings import Finding
from ringfence.engine.runner import ScanResult
from ringfence.model.findings import Severity
from ringfence.reports.json_report import summary
from ringfence.shown import redacted

_COLOUR = {
    Severity.CRITICAL: "#8b0000",
    Severity.HIGH: "#c62828",
    Severity.MEDIUM: "#b26a00",
    Severity.LOW: "#1565c0",
    Severity.INFO: "#616161",
}
_STYLE = """
body{font:14px/1.45 system-ui,sans-serif;margin:2rem auto;max-width:72rem;color:#1b1b1b;padding:0 1rem}
h1{font-size:1.5rem;margin-bottom:.25rem}.meta{color:#555;margin-bottom:1.5rem}
.counts span{display:inline-block;margin-right:1rem;font-weight:600}
section{border:1px solid #ddd;border-radius:6px;margin:1rem 0;padding:.5rem 1rem}
h2{font-size:1.05rem;font-family:ui-monospace,monospace;margin:.5rem 0}
.finding{border-top:1px solid #eee;padding:.5rem 0}.sev{color:#fff;border-radius:3px;padding:0 .4rem;font-size:.8rem}
.rule{font-family:ui-monospace,monospace}.status{color:#555}.where{color:#777;font-size:.9rem}
.suppressed{opacity:.6}.errors li{color:#8b0000}
"""


def _finding(f: Finding) -> str:
    where = f"{f.location.path}:{f.location.line}" if f.location.line else (f.location.path or "")
    note = ""
    if f.suppressed:
        note = f" &middot; suppressed by {escape(f.suppressed.by)}: {escape(f.suppressed.reason)}"
    elif f.baseline:
        note = " &middot; in baseline"
    css = "finding suppressed" if f.suppressed else "finding"
    return (
        f'<div class="{css}"><span class="sev" style="background:{_COLOUR[f.severity]}">'
        f'{escape(f.severity.value.upper())}</span> <span class="rule">{escape(f.rule_id)}</span> '
        f'<span class="status">[{escape(f.status.value)}]{note}</span>'
        f"<div>{escape(f.message)}</div>"
        f'<div class="where">{escape(where)} &middot; {escape(f.meta.remediation)}</div></div>'
    )


def render(result: ScanResult, compliance: Assessment | None = None) -> str:
    groups: dict[str, list[Finding]] = defaultdict(list)
    for f in result.findings:
        groups[f.resource].append(f)
    order = sorted(groups, key=lambda r: (min(f.severity.rank for f in groups[r]), r))
    counts = summary(result)["findings"]
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>ringfence scan: {escape(result.estate.root_path)}</title><style>{_STYLE}</style></head><body>",
        f'<h1>ringfence scan</h1><div class="meta">{escape(result.estate.root_path)} &middot; account '
        f"{escape(result.estate.account_id)} &middot; {len(result.estate.resources)} resources &middot; "
        f"ringfence {escape(__version__)}</div>",
        '<div class="counts">'
        + "".join(
            f'<span style="color:{_COLOUR[Severity(k)]}">{v} {escape(k)}</span>' for k, v in counts.items()
        )
        + "</div>",
    ]
    if result.errors:
        parts.append('<h2>Input errors</h2><ul class="errors">')
        parts += [
            f"<li>{escape(e.path)}{':' + str(e.line) if e.line else ''}: {escape(e.message)}</li>"
            for e in result.errors
        ]
        parts.append("</ul>")
    for resource in order:
        parts.append(f"<section><h2>{escape(resource)}</h2>")
        parts += [_finding(f) for f in groups[resource]]
        parts.append("</section>")
    if not order:
        parts.append("<p>No findings.</p>")
    if result.estate.notes:
        parts.append(
            '<ul class="meta">' + "".join(f"<li>{escape(n)}</li>" for n in result.estate.notes) + "</ul>"
        )
    if compliance is not None:
        from ringfence.reports.compliance import html_section

        parts.append(html_section(compliance))
    parts.append("</body></html>")
    return redacted("\n".join(parts) + "\n")
