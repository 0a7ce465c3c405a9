"""`ringfence access PATH`: who can get in to each resource that has a resource-based policy or ACL."""

from __future__ import annotations

import json

import typer

from ringfence.cli.messages import ACCOUNT_ID_HELP, PARAMETER_HELP, VAR_FILE_HELP, die, load_target


def register(app: typer.Typer) -> None:
    app.command("access")(access)


def access(
    path: str = typer.Argument(..., help="Folder or file of the estate."),
    fmt: str = typer.Option("text", "--format", help="text or json."),
    account_id: str | None = typer.Option(None, "--account-id", help=ACCOUNT_ID_HELP),
    var_file: list[str] = typer.Option([], "--var-file", help=VAR_FILE_HELP),
    parameter: list[str] = typer.Option([], "--parameter", help=PARAMETER_HELP),
    trusted_account: list[str] = typer.Option(
        [], "--trusted-account", help="An account that may be granted access (repeatable)."
    ),
) -> None:
    """Every resource with a resource-based policy or ACL (bucket, key, queue, topic, function, secret,
    role trust...), and whether anonymous callers or any AWS account (public) or some principal outside
    the account (external) can get in, decided over the whole policy with an example request."""
    from ringfence.checks.access_view import estate_access, summary
    from ringfence.checks.context import Context

    if fmt not in ("text", "json"):
        raise die(f"--format must be one of text, json, not {fmt!r}")
    estate = load_target(path, account_id, var_file, parameter)
    ctx = Context(estate, trusted_accounts=trusted_account)
    entries = estate_access(ctx)
    errors = [
        {
            "path": e.path,
            "line": e.line,
            "message": e.message,
            **({"status": "unknown"} if e.undecided else {}),
        }
        for e in estate.errors
    ]
    if fmt == "json":
        payload = {
            "resources": [e.as_json() for e in entries],
            "summary": summary(entries),
            "errors": errors,
            "notes": list(estate.notes),
        }
        typer.echo(json.dumps(payload, indent=2))
        return
    counts = summary(entries)
    typer.echo(
        f"{counts['resources']} resources with a resource policy or ACL: {counts['public']} public, "
        f"{counts['external']} external, {counts['unknown']} undecided"
    )
    for e in entries:
        verdict = (
            "PUBLIC"
            if e.public
            else "UNKNOWN"
            if e.public is None or e.external is None
            else ("EXTERNAL" if e.external else "private")
        )
        typer.echo(f"  {verdict:<8} {e.resource}")
        for g in e.grants:
            if e.public is False and e.external is False:
                break
            who = ", ".join(g["principals"]) or "-"
            what = g.get("acl") or ", ".join(g["actions"])
            where = f" at {g['location']}" if g.get("location") else ""
            blocked = " (blocked)" if g.get("blocked") else ""
            typer.echo(f"           {who}: {what}{where}{blocked}")
        if e.example is not None and (e.public or e.external):
            ex = e.example
            typer.echo(f"           e.g. {ex['principal']} {ex['action']} {ex['resource']}")
        for b in e.blocked_by:
            typer.echo(f"           public access taken away: {b}")
        for r in e.reasons:
            typer.echo(f"           undecided: {r}")
    for note in estate.notes:
        typer.echo(f"  note: {note}")
    for err in errors:
        where = f"{err['path']}:{err['line']}" if err["line"] else err["path"]
        typer.echo(f"  error: {where}: {err['message']}")
