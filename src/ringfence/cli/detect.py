"""CLI commands of the detect area: `ringfence detect LOGS...` over CloudTrail and VPC Flow Logs."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import typer

from ringfence.cli.messages import say

FORMATS = ("text", "json", "sarif", "ocsf")
ENGINES = ("duckdb", "spark")


def _parse_time(value: str | None, option: str) -> datetime | None:
    if value is None:
        return None
    try:
        t = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        if t.tzinfo is not None:
            t = t.astimezone(UTC).replace(tzinfo=None)
    except (ValueError, OverflowError):  # 9999-12-31T23:00-05:00 is past the last time there is
        raise typer.BadParameter(f"{value!r} is not an ISO 8601 time", param_hint=option) from None
    return t


def detect_command(
    logs: list[Path] = typer.Argument(..., help="CloudTrail / VPC flow log files or folders, or a store."),
    fmt: str = typer.Option("text", "--format", "-f", help="text, json, sarif or ocsf."),
    engine: str = typer.Option("duckdb", "--engine", help="duckdb (one machine) or spark."),
    since: str | None = typer.Option(None, "--since", help="ISO 8601 start of the window."),
    until: str | None = typer.Option(None, "--until", help="ISO 8601 end of the window."),
    store: Path | None = typer.Option(
        None, "--store", help="Keep the Parquet store here (incremental); default: a temporary folder."
    ),
    sigma: Path | None = typer.Option(
        None, "--sigma", help="Folder of Sigma rules (default: the shipped ones)."
    ),
    no_sigma: bool = typer.Option(False, "--no-sigma", help="Run only ringfence's own detections."),
    master: str | None = typer.Option(None, "--master", help="Spark master URL (default local[*])."),
    output: Path | None = typer.Option(None, "--output", "-o", help="Write the report to FILE."),
    field_map: list[str] = typer.Option(
        [],
        "--field-map",
        help="FIELD=PATH[,...]: where the input keeps a CloudTrail field, for layouts not recognised "
        "(e.g. eventTime=ts,sourceIPAddress=client.address; a dotted PATH reads nested objects).",
    ),
    flow_format: str | None = typer.Option(
        None,
        "--flow-format",
        help="The fields of flow log lines without a header line, in order, as the flow log's custom "
        "format says them (e.g. '${version} ${srcaddr} ${dstaddr} ...'); default: AWS's default format.",
    ),
    fail_on: str | None = typer.Option(
        None,
        "--fail-on",
        help="Exit 1 when a detection is at or above SEVERITY (critical, high, medium, low, info).",
    ),
) -> None:
    """Run the detections over CloudTrail and VPC Flow Logs."""
    if fmt not in FORMATS:
        raise typer.BadParameter(f"{fmt!r}: one of {', '.join(FORMATS)}", param_hint="--format")
    if engine not in ENGINES:
        raise typer.BadParameter(f"{engine!r}: one of {', '.join(ENGINES)}", param_hint="--engine")
    if store is not None and store.exists() and not store.is_dir():
        raise typer.BadParameter(f"{store} is not a folder", param_hint="--store")
    if output is not None and output.is_dir():
        raise typer.BadParameter(f"{output} is a folder: give a file", param_hint="--output")
    missing = [str(p) for p in logs if not p.exists()]
    if missing:
        raise typer.BadParameter(f"no such file or folder: {', '.join(missing)}", param_hint="LOGS")
    from ringfence.logs.catalogue import SEVERITIES

    if fail_on is not None and fail_on not in SEVERITIES:
        raise typer.BadParameter(f"{fail_on!r}: one of {', '.join(SEVERITIES)}", param_hint="--fail-on")
    if sigma is not None and not sigma.exists():
        raise typer.BadParameter(f"no such folder: {sigma}", param_hint="--sigma")
    from ringfence.logs.engine import Window
    from ringfence.logs.exports import parse_field_map
    from ringfence.logs.report import render

    try:
        fields = parse_field_map(field_map)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--field-map") from None
    from ringfence.logs.schema import parse_flow_format

    try:
        flow_fields = parse_flow_format(flow_format) if flow_format is not None else None
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--flow-format") from None
    from ringfence.logs.runner import LogsUsageError, detect, make_engine
    from ringfence.logs.store import StoreError

    window = Window(_parse_time(since, "--since"), _parse_time(until, "--until"))
    if window.since and window.until and window.since > window.until:
        raise typer.BadParameter("--since is after --until", param_hint="--since")
    try:
        eng = make_engine(engine, master)
    except ImportError:
        say("ringfence: the spark engine needs pyspark and a Java runtime: pip install 'ringfence[spark]'")
        raise typer.Exit(2) from None
    try:
        report = detect(
            logs,
            eng,
            window,
            store_dir=store,
            sigma=sigma,
            with_sigma=not no_sigma,
            field_map=fields,
            flow_fields=flow_fields,
        )
    except LogsUsageError as exc:
        raise typer.BadParameter(str(exc), param_hint="LOGS") from None
    except StoreError as exc:
        raise typer.BadParameter(str(exc), param_hint="--store") from None
    text = render(report, fmt)
    if output is not None:
        output.write_text(text)
    else:
        typer.echo(text, nl=False)
    if report.errors and not report.events and not report.flow_records:
        # Every input failed: "no detections" would read as a clean period, which nothing showed.
        say(f"ringfence: nothing could be read: {len(report.errors)} input error(s), no record read")
        raise typer.Exit(2)
    if fail_on is not None:
        bar = SEVERITIES.index(fail_on)
        if any(SEVERITIES.index(d.severity) <= bar for d in report.detections):
            raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    """Add this area's commands to `app`."""
    app.command("detect")(detect_command)
