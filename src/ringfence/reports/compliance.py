"""`scan --compliance FRAMEWORK`: the controls of the framework with their status, in text (a table after
the findings), json (a top-level ``compliance`` object) and html (a section)."""

from __future__ import annotations

from html import escape
from typing import Any

from ringfence.engine.compliance import Assessment, ControlResult, RuleCount

_TEXT_STYLE = {
    "pass": "green",
    "fail": "bold red",
    "unknown": "yellow",
    "not_applicable": "dim",
    "not_decidable": "dim",
}
_HTML_STYLE = (
    "<style>.compliance table{border-collapse:collapse;width:100%}.compliance td,.compliance th{"
    "text-align:left;vertical-align:top;border-top:1px solid #eee;padding:.25rem .5rem}</style>"
)
_HTML_COLOUR = {
    "pass": "#2e7d32",
    "fail": "#c62828",
    "unknown": "#b26a00",
    "not_applicable": "#616161",
    "not_decidable": "#616161",
}


def as_dict(assessment: Assessment) -> dict[str, Any]:
    fw = assessment.framework
    return {
        "framework": fw.id,
        "name": fw.name,
        "title": fw.title,
        "summary": dict(assessment.counts()),
        "controls": [
            {
                "id": c.control.id,
                "title": c.control.title,
                "decidable": c.control.decidable,
                "status": c.status,
                "reason": c.reason,
                "checks": [_rule(r) for r in c.rules],
            }
            for c in assessment.controls
        ],
    }


def _rule(r: RuleCount) -> dict[str, Any]:
    out: dict[str, Any] = {"rule_id": r.rule_id, "passed": r.passed, "failed": r.failed, "unknown": r.unknown}
    if not r.ran:
        out["ran"] = False
    return out


def _counts(r: RuleCount) -> str:
    if not r.ran:
        return f"{r.rule_id} (not run)"
    return f"{r.rule_id} ({r.passed} pass, {r.failed} fail, {r.unknown} unknown)"


def _summary(assessment: Assessment) -> str:
    return ", ".join(f"{n} {s.replace('_', ' ')}" for s, n in assessment.counts().items())


def print_text(assessment: Assessment, console: Any, shown: Any) -> None:
    """A rich table on ``console``; ``shown`` escapes input text (rule ids of custom rules)."""
    from rich.table import Table

    table = Table(title=assessment.framework.title, title_justify="left", show_lines=False)
    table.add_column("Control", no_wrap=True)
    table.add_column("Status", no_wrap=True)
    table.add_column("Title")
    table.add_column("Why")
    table.add_column("Checks behind it", overflow="fold")
    for c in assessment.controls:
        table.add_row(
            c.control.id,
            f"[{_TEXT_STYLE[c.status]}]{c.status.replace('_', ' ')}[/]",
            shown(c.control.title),
            shown(c.reason),
            shown("; ".join(_counts(r) for r in c.rules)),
        )
    console.print()
    console.print(table)
    console.print(f"[bold]{assessment.framework.id}: {_summary(assessment)}[/bold]")


def html_section(assessment: Assessment) -> str:
    rows = "".join(_html_row(c) for c in assessment.controls)
    return (
        f'<section class="compliance">{_HTML_STYLE}<h2>{escape(assessment.framework.title)}</h2>'
        f'<div class="meta">{escape(_summary(assessment))}</div>'
        "<table><thead><tr><th>Control</th><th>Status</th><th>Title</th><th>Why</th><th>Checks behind it</th></tr>"
        f"</thead><tbody>{rows}</tbody></table></section>"
    )


def _html_row(c: ControlResult) -> str:
    checks = "<br>".join(escape(_counts(r)) for r in c.rules)
    return (
        f'<tr id="control-{escape(c.control.id)}"><td class="rule">{escape(c.control.id)}</td>'
        f'<td style="color:{_HTML_COLOUR[c.status]};font-weight:600">{escape(c.status.replace("_", " "))}</td>'
        f"<td>{escape(c.control.title)}</td><td>{escape(c.reason)}</td><td>{checks}</td></tr>"
    )
