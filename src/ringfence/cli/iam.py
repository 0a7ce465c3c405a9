"""CLI commands of the iam area: ``iam can``, ``iam escalations`` and ``data refresh``."""

from __future__ import annotations

import json
from typing import Any

import typer

from ringfence.cli.messages import ACCOUNT_ID_HELP, PARAMETER_HELP, VAR_FILE_HELP, load_target, say

FORMATS = ("text", "json")


def _fail(message: str, candidates: tuple[str, ...] = ()) -> None:
    say(f"error: {message}")
    if candidates:
        typer.echo("candidates:", err=True)
        for c in candidates[:50]:
            say(f"  {c}")
    raise typer.Exit(2)


def _load(
    path: str, account_id: str | None, var_files: list[str], parameters: list[str] | None = None
) -> Any:
    return load_target(path, account_id, var_files, parameters)


def _parse_context(items: list[str]) -> dict[str, str | list[str]]:
    out: dict[str, str | list[str]] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key:
            _fail(f"--context takes KEY=VALUE, not {item!r}")
        if key in out:
            prev = out[key]
            out[key] = [*(prev if isinstance(prev, list) else [prev]), value]
        else:
            out[key] = value
    return out


def can(
    path: str = typer.Argument(..., help="Folder or file of the estate."),
    principal: str = typer.Option(
        ...,
        "--principal",
        help="Address, bare name or ARN of a role or user, or a group (a member with only its policies).",
    ),
    action: str = typer.Option(..., "--action", help="The action, e.g. s3:GetObject."),
    resource: str = typer.Option(..., "--resource", help="ARN, address or bare name of the resource."),
    context: list[str] = typer.Option([], "--context", help="Condition key value, KEY=VALUE (repeatable)."),
    fmt: str = typer.Option("text", "--format", help="text or json."),
    account_id: str | None = typer.Option(None, "--account-id", help=ACCOUNT_ID_HELP),
    var_file: list[str] = typer.Option([], "--var-file", help=VAR_FILE_HELP),
    parameter: list[str] = typer.Option([], "--parameter", help=PARAMETER_HELP),
    expect: str | None = typer.Option(
        None,
        "--expect",
        help="allow or deny: exit 1 when the decision is not that (an unknown one is neither), for "
        "scripts and CI; without it the decision never changes the exit code.",
    ),
) -> None:
    """Can PRINCIPAL do ACTION on RESOURCE? Names the statements that decide it."""
    if expect is not None and expect not in ("allow", "deny"):
        _fail(f"--expect must be allow or deny, not {expect!r}")
    if fmt not in FORMATS:
        _fail(f"--format must be one of {', '.join(FORMATS)}")
    if ":" not in action:
        _fail(f"--action must be service:Action, not {action!r}")
    ctx = _parse_context(context)
    from ringfence.iam.patterns import arn_problem

    for option, value, is_principal in (("--principal", principal, True), ("--resource", resource, False)):
        problem = arn_problem(value, principal=is_principal) if value.startswith("arn:") else None
        if problem is not None:
            _fail(f"{option}: {problem}")
    from ringfence.iam.engine import Engine, ResolveError

    estate = _load(path, account_id, var_file, parameter)
    engine = Engine(estate)
    try:
        answer = engine.ask(principal, action, resource, ctx)
    except ResolveError as exc:
        from ringfence.suggest import did_you_mean

        hint = did_you_mean(exc.name, exc.candidates) if exc.name else ""
        _fail(f"{exc}{hint}", exc.candidates)
        return
    d = answer.decision
    payload: dict[str, Any] = {
        "principal": answer.principal,
        "action": action,
        "resource": answer.resource,
        "decision": d.decision,
        "allowed": d.allowed,
        "statements": [s.as_json() for s in d.statements],
    }
    if d.allowed is None:
        payload["unknown"] = list(d.unknown)
        if d.condition_keys:
            payload["condition_keys"] = list(d.condition_keys)
            payload["settle_with"] = _settle_with(d.condition_keys)
    if d.reasons:
        payload["reasons"] = list(d.reasons)
    notes = [*answer.notes, *estate.notes]
    if notes:
        payload["notes"] = notes
    if fmt == "json":
        typer.echo(json.dumps(payload, indent=2, sort_keys=False))
    else:
        _can_text(answer, action, d, notes)
    if expect is not None and d.allowed is not (expect == "allow"):
        got = {True: "allow", False: "deny", None: "unknown"}[d.allowed]
        say(f"ringfence: expected {expect}, the decision is {got}")
        raise typer.Exit(1)


def _settle_with(keys: tuple[str, ...]) -> str:
    """The options that would give the undecided condition keys a value."""
    return " ".join(f"--context {key}=VALUE" for key in keys)


def _can_text(answer: Any, action: str, d: Any, notes: list[str]) -> None:
    verdict = {True: "ALLOWED", False: "DENIED", None: "UNKNOWN"}[d.allowed]
    if d.allowed is None:
        # `decision` is the answer were none of the undecided conditions to hold.
        depends = f"it depends on {', '.join(d.condition_keys)}; " if d.condition_keys else ""
        kind = d.decision.replace("_", " ")
        why = f"undecided: {depends}{kind} if none of the undecided conditions holds"
    else:
        why = d.decision
    typer.echo(f"{verdict}: {answer.principal} {action} {answer.resource} ({why})")
    for s in d.statements:
        where = f" at {s.location}" if s.location else ""
        typer.echo(f"  {s.effect} {s.policy}{' sid ' + s.sid if s.sid else ''}{where}")
    for reason in d.reasons:
        typer.echo(f"  because {reason}")
    for unknown in d.unknown:
        typer.echo(f"  unknown: {unknown}")
    if d.allowed is None and d.condition_keys:
        typer.echo(f"  to decide it, give the values: {_settle_with(d.condition_keys)}")
    for note in notes:
        typer.echo(f"  note: {note}")


def escalations(
    path: str = typer.Argument(..., help="Folder or file of the estate."),
    context: list[str] = typer.Option([], "--context", help="Condition key value, KEY=VALUE (repeatable)."),
    to: str | None = typer.Option(
        None,
        "--to",
        help="Target: a principal (address, bare name or ARN), or a resource ARN with --action "
        "(default: administrator).",
    ),
    action: str | None = typer.Option(
        None, "--action", help="With --to RESOURCE: the action to reach it with."
    ),
    fmt: str = typer.Option("text", "--format", help="text or json."),
    account_id: str | None = typer.Option(None, "--account-id", help=ACCOUNT_ID_HELP),
    var_file: list[str] = typer.Option([], "--var-file", help=VAR_FILE_HELP),
    parameter: list[str] = typer.Option([], "--parameter", help=PARAMETER_HELP),
) -> None:
    """Principals that can escalate to administrator (or reach --to), with the steps of the shortest path."""
    if fmt not in FORMATS:
        _fail(f"--format must be one of {', '.join(FORMATS)}")
    if action is not None and ":" not in action:
        _fail(f"--action must be service:Action, not {action!r}")
    if action is not None and to is None:
        _fail("--action needs --to RESOURCE")
    ctx = _parse_context(context)
    from ringfence.iam.engine import Engine, ResolveError
    from ringfence.iam.escalation import Target, find_escalations

    estate = _load(path, account_id, var_file, parameter)
    engine = Engine(estate)
    target = Target()
    if to is not None:
        try:
            if action is not None:
                arn, holder = engine.resolve_resource(to)
                target = Target(resource=arn, action=action, holder=holder)
            else:
                target = Target(principal=engine.resolve_principal(to).address)
        except ResolveError as exc:
            from ringfence.suggest import did_you_mean

            hint = did_you_mean(exc.name, exc.candidates) if exc.name else ""
            _fail(f"--to: {exc}{hint}", exc.candidates)
            return
    paths = find_escalations(engine, context=ctx, target=target)
    if fmt == "json":
        typer.echo(json.dumps({"paths": [p.as_json() for p in paths]}, indent=2))
        return
    if not paths:
        typer.echo(f"no path to {target.name} found")
    for p in paths:
        status = "" if p.status == "allowed" else f" (unknown: decided by {', '.join(p.decided_by)})"
        typer.echo(f"{p.principal} -> {p.reaches}{status}")
        for step in p.steps:
            mark = "" if step.status == "allowed" else " (unknown)"
            typer.echo(f"  [{step.path_id}] {step.action} via {step.via}{mark}")
        for alt in p.alternatives:
            typer.echo("  or: " + " -> ".join(f"[{s.path_id}] via {s.via}" for s in alt))


def unused(
    path: str = typer.Argument(..., help="Folder or file of the estate."),
    logs: list[str] = typer.Option(..., "--logs", help="CloudTrail files or folders (repeatable)."),
    fmt: str = typer.Option("text", "--format", help="text or json."),
    account_id: str | None = typer.Option(None, "--account-id", help=ACCOUNT_ID_HELP),
    var_file: list[str] = typer.Option([], "--var-file", help=VAR_FILE_HELP),
    parameter: list[str] = typer.Option([], "--parameter", help=PARAMETER_HELP),
) -> None:
    """What each principal was granted and never used over the logs' period, and the least-privilege
    policy for what it did use."""
    from pathlib import Path

    from ringfence.iam.engine import Engine
    from ringfence.logs.unused import unused_analysis

    if fmt not in FORMATS:
        _fail(f"--format must be one of {', '.join(FORMATS)}")
    missing = [entry for entry in logs if not Path(entry).exists()]
    if missing:
        _fail(f"--logs {missing[0]}: no such file or folder")
    estate = _load(path, account_id, var_file, parameter)
    engine = Engine(estate)
    granted: dict[str, set[str]] = {}
    addresses: dict[str, str] = {}
    for principal in engine.principals():
        if principal.arn is None:
            continue
        patterns: set[str] = set()
        for policy in engine.policies_of(principal).identity:
            for statement in policy.statements:
                if statement.effect == "Allow":
                    # NotAction grants everything but the listed actions: report it as `*`.
                    patterns |= {"*"} if statement.not_action else set(statement.actions)
        granted[principal.arn] = patterns
        addresses[principal.arn] = principal.address
    result = unused_analysis([Path(entry) for entry in logs], granted)
    entries = result.entries
    if fmt == "json":
        payload = {
            "principals": [
                {
                    "principal": addresses.get(e.principal, e.principal),
                    "arn": e.principal,
                    "granted": list(e.granted),
                    "used": list(e.used),
                    "unused": list(e.unused),
                    "policy": e.policy,
                    "not_granted": list(e.not_granted),
                }
                for e in entries
            ],
            "errors": [err.as_json() for err in result.errors],
            "summary": {"events": result.events, "files": result.files},
        }
        typer.echo(json.dumps(payload, indent=2))
        return
    if result.errors:
        # Unknown is not pass: what those files hold is not counted, so "never used" is not proven.
        typer.echo(
            f"ringfence: {len(result.errors)} error(s) reading the logs; actions in what could not be read are "
            "not counted:",
            err=True,
        )
        for err in result.errors:
            say(f"  {err.path}:{err.offset}: {err.message}")
    typer.echo(f"over {result.events} CloudTrail event(s) in {result.files} file(s)")
    for e in entries:
        typer.echo(
            f"{addresses.get(e.principal, e.principal)}: used {len(e.used)} action(s); "
            f"{len(e.unused)} of {len(e.granted)} granted pattern(s) never used"
        )
        for pattern in e.unused:
            typer.echo(f"  unused: {pattern}")
        for action in e.not_granted:
            typer.echo(
                f"  used but not granted: {action} (a sign of compromise, or of a policy the estate does not "
                "show; not proposed)"
            )
        if e.policy["Statement"]:
            typer.echo("  least-privilege policy (granted and used, on the resources the logs name):")
            for line in json.dumps(e.policy, indent=2).splitlines():
                typer.echo(f"    {line}")


def refresh(
    output: str | None = typer.Option(
        None, "--output", help="Write the snapshot here (default: the package)."
    ),
    profile: str | None = typer.Option(
        None, "--profile", help="The AWS profile to read the managed policies with."
    ),
) -> None:
    """Rebuild the AWS managed-policy snapshot from a live account (iam:GetAccountAuthorizationDetails)."""
    from botocore.exceptions import BotoCoreError, ClientError

    from ringfence.iam.refresh import RefreshError, refresh_snapshot

    try:
        path, count = refresh_snapshot(output=output, profile=profile)
    except (RefreshError, BotoCoreError, ClientError) as exc:
        say(f"error: {exc}")
        raise typer.Exit(1) from exc
    typer.echo(f"wrote {count} AWS managed policies to {path}")


def register(app: typer.Typer) -> None:
    """Add this area's commands to `app`."""
    iam_app = typer.Typer(
        name="iam", help="IAM: evaluate policies, find escalation paths.", no_args_is_help=True
    )
    iam_app.command("can")(can)
    iam_app.command("escalations")(escalations)
    iam_app.command("unused")(unused)
    from ringfence.cli import iam_compare

    iam_app.command("compare")(iam_compare.compare)
    iam_app.command("check-not-granted")(iam_compare.check_not_granted)
    app.add_typer(iam_app, name="iam")
    data_app = typer.Typer(name="data", help="Reference data shipped with ringfence.", no_args_is_help=True)
    data_app.command("refresh")(refresh)
    app.add_typer(data_app, name="data")
