"""`ringfence scan` and `ringfence rules`."""

from __future__ import annotations

import json
import sys
import time
from enum import StrEnum
from pathlib import Path
from typing import Any

import typer

from ringfence.cli.messages import ACCOUNT_ID_HELP, PARAMETER_HELP, VAR_FILE_HELP, die, parameters_of, say

_FORMATS = ("text", "json", "sarif", "junit", "html", "ocsf", "asff", "gitlab-sast", "markdown")
_COMPLIANCE_FORMATS = ("text", "json", "html")


class FailOn(StrEnum):
    critical = "critical"
    high = "high"
    medium = "medium"
    low = "low"
    none = "none"


def register(app: typer.Typer) -> None:
    app.command("scan")(scan)
    app.command("rules")(rules)
    app.command("explain")(explain)


def scan(
    paths: list[str] = typer.Argument(..., metavar="PATH...", help="Folders or files to scan."),
    output_format: str = typer.Option(
        "text", "--format", "-f", help="text, json, sarif, junit, html, ocsf, asff, gitlab-sast or markdown."
    ),
    output: Path | None = typer.Option(None, "--output", "-o", help="Write the report to FILE."),
    fail_on: FailOn | None = typer.Option(None, "--fail-on", help="Lowest severity that fails the run."),
    fail_on_unknown: bool = typer.Option(
        False, "--fail-on-unknown", help="Undecided results and input errors fail too."
    ),
    baseline: Path | None = typer.Option(
        None, "--baseline", help="An earlier json report: its findings do not fail."
    ),
    account_id: str | None = typer.Option(None, "--account-id", help=ACCOUNT_ID_HELP),
    var_files: list[str] = typer.Option([], "--var-file", help=VAR_FILE_HELP),
    parameters: list[str] = typer.Option(
        [],
        "--parameter",
        help=PARAMETER_HELP,
    ),
    config_file: str | None = typer.Option(None, "--config", help="Configuration file (TOML)."),
    no_cache: bool = typer.Option(
        False, "--no-cache", help="Evaluate everything again (ignore the evaluation cache)."
    ),
    intents_file: str | None = typer.Option(
        None, "--intents", help="Reachability intents (default: ringfence.yaml at the estate root)."
    ),
    rule_folders: list[str] = typer.Option(
        [], "--rules", help="A folder of custom YAML rules (see docs/custom-rules.md)."
    ),
    regions: str | None = typer.Option(
        None, "--regions", help="Live accounts: regions to read (r1,r2 or all; default: every enabled one)."
    ),
    role_arns: list[str] = typer.Option(
        [], "--role-arn", help="Live accounts: a role to assume, one per account (repeatable)."
    ),
    org_role: str | None = typer.Option(
        None, "--org", help="Live accounts: assume this role in every account of the organization."
    ),
    profile: str | None = typer.Option(
        None, "--profile", help="Live accounts: the AWS profile (aws://PROFILE)."
    ),
    snapshot: Path | None = typer.Option(
        None,
        "--snapshot",
        help="Live accounts: save what was read as JSON, secrets redacted, to scan offline.",
    ),
    path_root: Path | None = typer.Option(
        None,
        "--path-root",
        help="Show file paths relative to this folder (default: the root of the git repository holding "
        "the scanned folder, else the working folder), as code scanning expects them.",
    ),
    compliance: str | None = typer.Option(
        None,
        "--compliance",
        help="Also list every control of a framework (cis-aws-5.0 or fsbp) with its status "
        "(text, json and html; see docs/compliance.md).",
    ),
) -> None:
    """Scan Terraform, plan JSON, CloudFormation, a live AWS account (aws:// or aws://PROFILE) or its
    snapshot."""
    from ringfence.engine.pipeline import ScanError, ScanOptions
    from ringfence.engine.pipeline import scan as run_scan

    if profile is not None:
        paths = [f"aws://{profile}" if p == "aws://" else p for p in paths]
    if snapshot is not None and not any(p.startswith("aws://") for p in paths):
        raise die("--snapshot saves a live account: scan aws:// (or aws://PROFILE)")
    if output_format not in _FORMATS:
        raise die(f"--format {output_format!r} is not supported (choose from {', '.join(_FORMATS)})")
    if path_root is not None and not path_root.is_dir():
        raise die(f"--path-root {path_root}: no such folder")
    given = tuple(parameters_of(parameters).items())
    with _Progress(time.monotonic()) as progress:
        options = ScanOptions(
            var_files=tuple(var_files),
            account_id=account_id,
            config_file=config_file,
            fail_on=fail_on.value if fail_on is not None else None,
            fail_on_unknown=fail_on_unknown,
            baseline=baseline,
            intents_file=intents_file,
            cache=not no_cache,
            rules=tuple(rule_folders),
            compliance=compliance,
            progress=progress.update,
            role_arns=tuple(role_arns),
            org_role=org_role,
            regions=tuple(r.strip() for r in (regions or "").split(",") if r.strip()),
            path_root=path_root,
            parameters=given,
        )
        try:
            outcome = run_scan(paths, options)
        except ScanError as exc:
            raise die(str(exc)) from None
    if snapshot is not None:
        from ringfence.reports import snapshot as snapshots

        try:
            snapshot.write_text(snapshots.render(outcome.estate), encoding="utf-8")
        except OSError as exc:
            raise die(f"--snapshot {snapshot}: cannot write: {exc.strerror or exc}") from None
    text = _render(outcome.result, output_format, output is None, outcome.compliance)
    if output is not None:
        try:
            output.write_text(text if isinstance(text, str) else "", encoding="utf-8")
        except OSError as exc:
            raise die(f"--output {output}: cannot write: {exc.strerror or exc}") from None
        from ringfence.reports.text import headline

        say(f"ringfence: wrote the {output_format} report to {output}: {headline(outcome.result)}")
    for warning in outcome.warnings:
        say(f"ringfence: {warning}")
    if compliance is not None and output_format not in _COMPLIANCE_FORMATS:
        say(
            f"ringfence: --compliance is shown in the {', '.join(_COMPLIANCE_FORMATS)} formats, not {output_format}"
        )
    raise typer.Exit(outcome.exit_code)


def _render(result: Any, output_format: str, to_stdout: bool, compliance: Any = None) -> str | None:
    if output_format == "text":
        from io import StringIO

        from ringfence.reports import text

        if to_stdout:
            text.render(result, sys.stdout, color=sys.stdout.isatty(), compliance=compliance)
            return None
        buffer = StringIO()
        text.render(result, buffer, color=False, compliance=compliance)
        return buffer.getvalue()
    if output_format in ("json", "html"):
        from ringfence.reports import html, json_report

        page: str = (json_report if output_format == "json" else html).render(result, compliance)
        if to_stdout:
            sys.stdout.write(page)
        return page
    if output_format == "sarif":
        from ringfence.reports import sarif as renderer
    elif output_format == "ocsf":
        from ringfence.reports import ocsf as renderer  # type: ignore[no-redef]
    elif output_format == "asff":
        from ringfence.reports import asff as renderer  # type: ignore[no-redef]
    elif output_format == "gitlab-sast":
        from ringfence.reports import gitlab as renderer  # type: ignore[no-redef]
    elif output_format == "markdown":
        from ringfence.reports import markdown as renderer  # type: ignore[no-redef]
    else:
        from ringfence.reports import junit as renderer  # type: ignore[no-redef]
    rendered = renderer.render(result)
    if to_stdout:
        sys.stdout.write(rendered)
    return rendered


class _Progress:
    """A progress bar on stderr, shown only on a terminal and only once work has taken over a second."""

    def __init__(self, started: float) -> None:
        self.started = started
        self.bar: Any = None
        self.task: Any = None
        self.what = ""

    def __enter__(self) -> _Progress:
        return self

    def update(self, what: str, done: int, total: int) -> None:
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
    rule_folders: list[str] = typer.Option(
        [], "--rules", help="A folder of custom YAML rules to list too (see docs/custom-rules.md)."
    ),
    config_file: str | None = typer.Option(None, "--config", help="Configuration file (TOML)."),
) -> None:
    """List the check catalogue (built-in checks, installed plug-ins' and custom rules) and the detections
    `detect` runs over the logs."""
    from ringfence.logs.catalogue import load_detections

    items = _checks(output_format, rule_folders, config_file)
    detections = sorted(load_detections(), key=lambda d: d.rule_id)
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
            ],
            "detections": [
                {
                    "rule_id": d.rule_id,
                    "title": d.title,
                    "severity": d.severity,
                    "technique": d.technique,
                    "table": d.table,
                    "description": d.description,
                }
                for d in detections
            ],
        }
        sys.stdout.write(json.dumps(payload, indent=2) + "\n")
        return
    for c in items:
        sys.stdout.write(f"{c.rule_id:<46} {c.meta.severity.value:<8} {c.meta.pillar:<11} {c.meta.title}\n")
    sys.stdout.write("\ndetections over the logs (ringfence detect), besides the bundled Sigma rules:\n")
    for d in detections:
        sys.stdout.write(f"{d.rule_id:<46} {d.severity:<8} {d.table:<11} {d.title}\n")


def _checks(output_format: str, rule_folders: list[str], config_file: str | None) -> list[Any]:
    """The catalogue the options name (built-in, plug-ins, custom rules), sorted by rule id; problems in
    the custom rules are said on standard error."""
    from ringfence.engine.config import ConfigError, load_config
    from ringfence.engine.pipeline import catalogue

    if output_format not in ("text", "json"):
        raise die(f"--format {output_format!r} is not supported (choose from text, json)")
    for folder in rule_folders:
        if not Path(folder).exists():
            raise die(f"--rules {folder}: no such folder")
    try:
        config = load_config(config_file, [Path.cwd()])
    except ConfigError as exc:
        raise die(str(exc)) from None
    checks, problems = catalogue([Path(f) for f in rule_folders], config)
    for problem in problems:
        where = f"{problem.path}:{problem.line}" if problem.line else problem.path
        say(f"ringfence: {where}: {problem.message}")
    return sorted(checks, key=lambda c: c.rule_id)


def explain(
    rule_id: str = typer.Argument(
        ..., metavar="RULE_ID", help="The rule to explain, e.g. s3.public-access-block."
    ),
    output_format: str = typer.Option("text", "--format", "-f", help="text or json."),
    rule_folders: list[str] = typer.Option(
        [], "--rules", help="A folder of custom YAML rules to look in too."
    ),
    config_file: str | None = typer.Option(None, "--config", help="Configuration file (TOML)."),
) -> None:
    """Why a rule matters, how to fix what it finds, the compliance controls it decides, and an example of
    the secure Terraform."""
    from ringfence.suggest import did_you_mean

    checks = _checks(output_format, rule_folders, config_file)
    found = next((c for c in checks if c.rule_id == rule_id), None)
    if found is None:
        hint = did_you_mean(rule_id, (c.rule_id for c in checks))
        raise die(f"no rule {rule_id!r}{hint} (`ringfence rules` lists them)")
    meta = found.meta
    if output_format == "json":
        payload = {
            "rule_id": found.rule_id,
            "title": meta.title,
            "pillar": meta.pillar,
            "severity": meta.severity.value,
            "rationale": meta.rationale,
            "remediation": meta.remediation,
            "compliance": list(meta.compliance),
            "example": meta.terraform,
            "references": list(meta.references),
        }
        sys.stdout.write(json.dumps(payload, indent=2) + "\n")
        return
    lines = [
        f"{found.rule_id}  ({meta.severity.value}, {meta.pillar})",
        meta.title,
        "",
        f"Why: {meta.rationale}",
        f"Fix: {meta.remediation}",
        f"Compliance: {', '.join(meta.compliance) or 'none'}",
    ]
    if meta.terraform.strip():
        lines += [
            "Example (the secure configuration):",
            *(f"  {line}" for line in meta.terraform.strip().splitlines()),
        ]
    lines += [f"Reference: {ref}" for ref in meta.references]
    sys.stdout.write("\n".join(lines) + "\n")
