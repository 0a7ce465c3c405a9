"""`ringfence scan` and `ringfence rules`."""

from __future__ import annotations

import json
import sys
import time
from enum import StrEnum
from pathlib import Path
from typing import Any

import typer

from ringfence.cli.messages import die, say

_FORMATS = ("text", "json", "sarif", "junit", "html", "ocsf", "asff")


class FailOn(StrEnum):
    critical = "critical"
    high = "high"
    medium = "medium"
    low = "low"
    none = "none"


def register(app: typer.Typer) -> None:
    app.command("scan")(scan)
    app.command("rules")(rules)


def scan(
    paths: list[str] = typer.Argument(..., metavar="PATH...", help="Folders or files to scan."),
    output_format: str = typer.Option(
        "text", "--format", "-f", help="text, json, sarif, junit, html, ocsf or asff."
    ),
    output: Path | None = typer.Option(None, "--output", "-o", help="Write the report to FILE."),
    fail_on: FailOn | None = typer.Option(None, "--fail-on", help="Lowest severity that fails the run."),
    fail_on_unknown: bool = typer.Option(
        False, "--fail-on-unknown", help="Undecided results and input errors fail too."
    ),
    baseline: Path | None = typer.Option(
        None, "--baseline", help="An earlier json report: its findings do not fail."
    ),
    account_id: str | None = typer.Option(None, "--account-id", help="AWS account id of the estate."),
    var_files: list[str] = typer.Option([], "--var-file", help="Terraform variable files."),
    config_file: str | None = typer.Option(None, "--config", help="Configuration file (TOML)."),
    no_cache: bool = typer.Option(
        False, "--no-cache", help="Evaluate everything again (ignore the evaluation cache)."
    ),
    intents_file: str | None = typer.Option(
        None, "--intents", help="Reachability intents (default: ringfence.yaml at the estate root)."
    ),
) -> None:
    """Scan Terraform and report findings."""
    from ringfence.engine.config import ConfigError, load_config
    from ringfence.engine.runner import exit_code, run_checks
    from ringfence.sources import SourceError, load_estate

    if output_format not in _FORMATS:
        raise die(f"--format {output_format!r} is not supported (choose from {', '.join(_FORMATS)})")
    if any(p.startswith("aws://") for p in paths):
        raise die("live account scanning (aws://) is not available in this version")
    if account_id is not None and not (account_id.isdigit() and len(account_id) == 12):
        raise die(f"--account-id must be 12 digits, not {account_id!r}")
    for v in var_files:
        if not Path(v).is_file():
            raise die(f"--var-file {v}: no such file")
    try:
        search = [Path(p) if Path(p).is_dir() else Path(p).parent for p in paths] + [Path.cwd()]
        config = load_config(config_file, search)
    except ConfigError as exc:
        raise die(str(exc)) from None
    baseline_prints = _baseline(baseline) if baseline else frozenset()
    import os

    config.apply_limits(os.environ)  # `[terraform]` evaluation limits, for the evaluation's workers
    if no_cache:
        os.environ["RINGFENCE_NO_CACHE"] = "1"
    started = time.monotonic()
    with _Progress(started) as progress:
        try:
            estate = load_estate(
                paths,
                var_files=var_files,
                account_id=account_id or config.account_id,
                excluded=config.exclude,
                progress=lambda done, total: progress.update(done, total, "evaluating Terraform"),
            )
        except SourceError as exc:
            raise die(str(exc)) from None
        intents, estate = _intents(intents_file, estate)
        result = run_checks(
            estate,
            config,
            baseline_prints,
            progress=lambda done, total: progress.update(done, total, "checking"),
            intents=intents,
        )
    text = _render(result, output_format, output is None)
    if output is not None:
        try:
            output.write_text(text if isinstance(text, str) else "", encoding="utf-8")
        except OSError as exc:
            raise die(f"--output {output}: cannot write: {exc.strerror or exc}") from None
    unread = [e for e in estate.errors if not e.undecided]
    if not estate.resources and unread:
        say(f"ringfence: nothing could be read: {unread[0].path}: {unread[0].message}")
        raise typer.Exit(2)
    if not estate.resources:
        # Files were read and yield nothing to check: not a pass (unknown: --fail-on-unknown fails).
        say(f"ringfence: warning: {', '.join(paths)}: no resources were read: nothing was checked")
    threshold = fail_on.value if fail_on is not None else (config.fail_on or "high")
    code = exit_code(result, threshold, fail_on_unknown)
    if not estate.resources and fail_on_unknown and threshold != "none":
        code = max(code, 1)
    raise typer.Exit(code)


def _render(result: Any, output_format: str, to_stdout: bool) -> str | None:
    if output_format == "text":
        from io import StringIO

        from ringfence.reports import text

        if to_stdout:
            text.render(result, sys.stdout, color=sys.stdout.isatty())
            return None
        buffer = StringIO()
        text.render(result, buffer, color=False)
        return buffer.getvalue()
    if output_format == "json":
        from ringfence.reports import json_report as renderer
    elif output_format == "sarif":
        from ringfence.reports import sarif as renderer  # type: ignore[no-redef]
    elif output_format == "html":
        from ringfence.reports import html as renderer  # type: ignore[no-redef]
    elif output_format == "ocsf":
        from ringfence.reports import ocsf as renderer  # type: ignore[no-redef]
    elif output_format == "asff":
        from ringfence.reports import asff as renderer  # type: ignore[no-redef]
    else:
        from ringfence.reports import junit as renderer  # type: ignore[no-redef]
    rendered = renderer.render(result)
    if to_stdout:
        sys.stdout.write(rendered)
    return rendered


def _intents(explicit: str | None, estate: Any) -> tuple[list[Any], Any]:
    """The intents to verify, and the estate with an error entry for each intents file that cannot be
    read. Besides the file at the scanned folder, each Terraform root's own `ringfence.yaml` is read and
    applies to that root's resources only."""
    import dataclasses

    from ringfence.model import InputError
    from ringfence.network import IntentError, find_intents_file, load_intents

    if explicit is not None:
        if not Path(explicit).is_file():
            raise die(f"--intents {explicit}: no such file")
        try:
            return load_intents(explicit), estate
        except IntentError as exc:
            raise die(f"{exc.path}:{exc.line or 0}: {exc.message}") from None
    found = find_intents_file(estate)
    files: list[tuple[str, str | None]] = [(found, None)] if found is not None else []
    nested, stray = _root_intents_files(estate)
    files += nested
    intents: list[Any] = []
    errors: list[InputError] = []
    notes: list[str] = []
    for path, root in files:
        shown = _shown_path(path, estate.root_path)
        try:
            intents += [dataclasses.replace(i, root=root) for i in load_intents(path)]
        except IntentError as exc:
            errors.append(InputError(shown, exc.line, f"intents: {exc.message}"))
            continue
        if root is not None:
            notes.append(f"intents of root {root} read from {shown}")
    errors += [
        InputError(
            _shown_path(path, estate.root_path),
            None,
            "intents: not beside the .tf files of a Terraform root that was scanned: not verified "
            "(move it to its root's folder, or pass --intents)",
            undecided=True,
        )
        for path in stray
    ]
    if errors or notes:
        estate = dataclasses.replace(
            estate, errors=(*estate.errors, *errors), notes=tuple(dict.fromkeys((*estate.notes, *notes)))
        )
    return intents, estate


def _root_intents_files(estate: Any) -> tuple[list[tuple[str, str]], list[str]]:
    """Under the scanned folder: the `ringfence.yaml` of each Terraform root other than the folder itself
    (with the root's label), and those that sit beside no scanned root."""
    import os

    from ringfence.network.intents import INTENTS_FILE
    from ringfence.sources import walk

    base = estate.root_path
    if not base or not os.path.isdir(base):
        return [], []
    roots = {r.root for r in estate.resources if r.root}
    found: list[tuple[str, str]] = []
    stray: list[str] = []
    for folder, files in walk(Path(base)):
        label = Path(os.path.relpath(folder, base)).as_posix()
        if INTENTS_FILE not in files or label == ".":
            continue
        path = str(folder / INTENTS_FILE)
        if label in roots:
            found.append((path, label))
        else:
            stray.append(path)
    return found, stray


def _shown_path(path: str, root_path: str) -> str:
    """An intents file named relative to the scanned folder."""
    import os

    base = root_path if os.path.isdir(root_path) else os.path.dirname(root_path)
    return Path(os.path.relpath(path, base)).as_posix() if base else Path(path).name


def _baseline(path: Path) -> frozenset[str]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise die(f"--baseline {path}: cannot read a json report: {exc}") from None
    if not isinstance(data, dict) or not isinstance(data.get("findings"), list):
        raise die(f"--baseline {path}: not a ringfence json report")
    return frozenset(str(f.get("fingerprint")) for f in data["findings"] if isinstance(f, dict))


class _Progress:
    """A progress bar on stderr, shown only on a terminal and only once work has taken over a second."""

    def __init__(self, started: float) -> None:
        self.started = started
        self.bar: Any = None
        self.task: Any = None
        self.what = ""

    def __enter__(self) -> _Progress:
        return self

    def update(self, done: int, total: int, what: str) -> None:
        if self.bar is None:
            if not sys.stderr.isatty() or time.monotonic() - self.started < 1.0:
                return
            from rich.console import Console
            from rich.progress import Progress

            self.bar = Progress(console=Console(stderr=True), transient=True)
            self.bar.start()
        if self.task is None or self.what != what:
            if self.task is not None:
                self.bar.remove_task(self.task)
            self.task = self.bar.add_task(what, total=total)
            self.what = what
        self.bar.update(self.task, completed=done, total=total)

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.stop()


def rules(
    output_format: str = typer.Option("text", "--format", "-f", help="text or json."),
) -> None:
    """List the check catalogue."""
    from ringfence.checks.catalogue import CATALOGUE

    if output_format not in ("text", "json"):
        raise die(f"--format {output_format!r} is not supported (choose from text, json)")
    items = sorted(CATALOGUE, key=lambda c: c.rule_id)
    if output_format == "json":
        payload = {
            "rules": [
                {
                    "rule_id": c.rule_id,
                    "title": c.meta.title,
                    "pillar": c.meta.pillar,
                    "severity": c.meta.severity.value,
                    "compliance": list(c.meta.compliance),
                    "rationale": c.meta.rationale,
                    "remediation": c.meta.remediation,
                }
                for c in items
            ]
        }
        sys.stdout.write(json.dumps(payload, indent=2) + "\n")
        return
    for c in items:
        sys.stdout.write(f"{c.rule_id:<46} {c.meta.severity.value:<8} {c.meta.pillar:<11} {c.meta.title}\n")
