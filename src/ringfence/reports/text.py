"""`scan --format text`: findings grouped by resource, coloured only on a terminal."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import IO

from ringfence.engine.compliance import Assessment
from ringfence.engine.findings import Finding
from ringfence.engine.runner import ScanResult
from ringfence.model import InputError
from ringfence.model.findings import Severity, Status
from ringfence.shown import shown

_STYLE = {
    Severity.CRITICAL: "bold white on red",
    Severity.HIGH: "bold red",
    Severity.MEDIUM: "yellow",
    Severity.LOW: "cyan",
    Severity.INFO: "dim",
}


def render(result: ScanResult, out: IO[str], *, color: bool, compliance: Assessment | None = None) -> None:
    from rich.console import Console
    from rich.markup import escape

    def _shown(text: str) -> str:
        """Input text (names, paths, messages) with rich's markup and the terminal's control and bidi
        characters both escaped: a resource name cannot start a line of the report or drive the terminal."""
        return escape(shown(text))

    console = Console(
        file=out,
        force_terminal=color,
        no_color=not color,
        highlight=False,
        width=120 if not color else None,
        soft_wrap=not color,
    )
    by_resource: dict[str, list[Finding]] = defaultdict(list)
    for f in result.findings:
        by_resource[f.resource].append(f)
    order = sorted(by_resource, key=lambda r: (min(f.severity.rank for f in by_resource[r]), r))
    for resource in order:
        items = by_resource[resource]
        first = items[0]
        home = result.home(resource) or (first.location.path or "")
        console.print(f"[bold]{_shown(resource)}[/bold]  [dim]{_shown(home)}[/dim]")
        for f in items:
            tag = f"[{_STYLE[f.severity]}]{f.severity.value.upper():>8}[/]"
            extra = ""
            if f.suppressed:
                extra = (
                    f" [dim](suppressed by {_shown(f.suppressed.by)}: {_shown(f.suppressed.reason)})[/dim]"
                )
            elif f.baseline:
                extra = " [dim](baseline)[/dim]"
            where = f"{f.location.path}:{f.location.line}" if f.location.line else (f.location.path or "")
            console.print(f"  {tag} {_shown(f.rule_id)} {_shown('[' + f.status.value + ']')}{extra}")
            console.print(f"           {_shown(f.message)}")
            if where and where != home:
                console.print(f"           [dim]at {_shown(where)}[/dim]")
        console.print()
    fixes = _fixes(result)
    if fixes:
        console.print(
            "[bold]How to fix[/bold] [dim](ringfence explain RULE_ID shows why, the controls and an example)[/dim]"
        )
        for rule_id, remediation in fixes:
            console.print(f"  {_shown(rule_id)}: {_shown(remediation)}")
        console.print()
    for e in result.errors:
        where = f"{e.path}:{e.line}" if e.line else e.path
        kind = "[bold yellow]unknown[/bold yellow]" if e.undecided else "[bold red]error[/bold red]"
        console.print(f"{kind} {_shown(where)}: {_shown(e.message)}")
    for note in result.estate.notes:
        console.print(f"[dim]note: {_shown(note)}[/dim]")
    console.print(f"[bold]{_shown(headline(result))}[/bold]")
    undecided = [f for f in result.findings if f.counts and f.status is Status.UNKNOWN]
    worst = min((f.severity for f in undecided), key=list(Severity).index, default=None)
    if worst is not None:
        n = sum(1 for f in undecided if f.severity is worst)
        console.print(
            f"{n} {worst.value} finding{'s' if n != 1 else ''} could not be decided (unknown): "
            "unknown fails only with --fail-on-unknown"
        )
    if compliance is not None:
        from ringfence.reports.compliance import print_text

        print_text(compliance, console, _shown)


def _fixes(result: ScanResult) -> list[tuple[str, str]]:
    """The remediation of every rule with a finding that counts, once per rule, in rule order."""
    remedies = {c.meta.rule_id: c.meta.remediation for c in result.checks}
    wanted = {f.rule_id for f in result.findings if f.counts and f.status is not Status.UNKNOWN}
    return [(r, remedies[r]) for r in sorted(wanted) if remedies.get(r)]


def headline(result: ScanResult) -> str:
    """The summary line: "48 resources, 158 checks: 10 high, 13 medium (1 suppressed)"."""
    counts = {s: 0 for s in Severity}
    for f in result.findings:
        if f.counts:
            counts[f.severity] += 1
    suppressed = sum(1 for f in result.findings if f.suppressed)
    known = sum(1 for f in result.findings if f.baseline and not f.suppressed)
    parts = ", ".join(f"{n} {s.value}" for s, n in counts.items() if n) or (
        "no new findings" if known else "no findings"
    )
    aside = [f"{suppressed} suppressed"] if suppressed else []
    aside += [f"{known} in the baseline, not counted"] if known else []
    return (
        f"{_plural(len(result.estate.resources), 'resource')}, {_plural(len(result.checks), 'check')}: {parts}"
        + (f" ({'; '.join(aside)})" if aside else "")
        + _input_counts(result.errors)
    )


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'s' if n != 1 else ''}"


def _input_counts(errors: Sequence[InputError]) -> str:
    """ ", 2 input errors, 1 unknown input": an input that was read but could not be decided (a module not
    downloaded, a root without resources) is not counted as an error."""
    undecided = sum(1 for e in errors if e.undecided)
    failed = len(errors) - undecided
    return (f", {failed} input error{'s' if failed != 1 else ''}" if failed else "") + (
        f", {undecided} unknown input{'s' if undecided != 1 else ''}" if undecided else ""
    )
