"""CLI commands that gate policy changes: ``iam compare OLD NEW`` and ``iam check-not-granted POLICY``.

OLD, NEW and POLICY are a policy document (a JSON file), an estate (a folder or file any source reads),
or ``REV:PATH``, the estate at PATH in git revision REV of the repository of the working folder.
"""

from __future__ import annotations

import json
import os
import subprocess
import tarfile
import tempfile
from pathlib import Path
from typing import Any

import typer

from ringfence.cli.messages import ACCOUNT_ID_HELP, VAR_FILE_HELP, die, load_target, say

FORMATS = ("text", "json")


def compare(
    old: str = typer.Argument(..., help="The policy or estate before: a JSON policy, a folder, or REV:PATH."),
    new: str = typer.Argument(..., help="The policy or estate after: a JSON policy, a folder, or REV:PATH."),
    fmt: str = typer.Option("text", "--format", help="text or json."),
    account_id: str | None = typer.Option(None, "--account-id", help=ACCOUNT_ID_HELP),
    var_file: list[str] = typer.Option([], "--var-file", help=VAR_FILE_HELP),
    expect: str | None = typer.Option(
        None,
        "--expect",
        help="no-new-access: exit 1 when NEW allows a request OLD does not, or when that could not be "
        "decided; without it the answer never changes the exit code.",
    ),
) -> None:
    """Does NEW allow anything OLD did not? Each permission set (a principal's identity policies and
    boundary, a resource policy) of NEW against the same one of OLD, with an example request."""
    from ringfence.iam.compare import PermissionSet
    from ringfence.iam.compare import compare as compare_sets

    _check_format(fmt)
    if expect is not None and expect != "no-new-access":
        raise die(f"--expect takes no-new-access, not {expect!r}")
    with tempfile.TemporaryDirectory(prefix="ringfence-compare-") as tmp:
        before, old_errors = _subjects(old, Path(tmp) / "old", account_id, var_file)
        after, new_errors = _subjects(new, Path(tmp) / "new", account_id, var_file)
    if set(before) == {"policy"} and set(after) == {"policy"}:
        pairs = [("policy", before["policy"], after["policy"])]
    else:
        pairs = [(name, before.get(name, PermissionSet(name)), after[name]) for name in sorted(after)]
    changes: list[dict[str, Any]] = []
    for name, was, now in pairs:
        answer = compare_sets(was, now)
        if answer.verdict == "no-new-access":
            continue
        entry: dict[str, Any] = {"subject": name, **answer.as_json()}
        if name not in before and name != "policy":
            entry["new_subject"] = True
        changes.append(entry)
    errors = [*old_errors, *new_errors]
    results = {c["result"] for c in changes}
    result = (
        "more-access" if "more-access" in results else "unknown" if results or errors else "no-new-access"
    )
    payload = {"old": old, "new": new, "result": result, "compared": len(pairs), "changes": changes}
    payload["errors"] = errors
    if fmt == "json":
        typer.echo(json.dumps(payload, indent=2))
    else:
        _compare_text(payload)
    if expect is not None and result != "no-new-access":
        say(f"ringfence: expected no new access, the answer is {result}")
        raise typer.Exit(1)


def check_not_granted(
    policy: str = typer.Argument(..., help="A JSON policy, a folder or file of an estate, or REV:PATH."),
    action: list[str] = typer.Option(..., "--action", help="An action or pattern (repeatable): s3:Delete*."),
    resource: list[str] = typer.Option([], "--resource", help="An ARN or ARN pattern (repeatable)."),
    fmt: str = typer.Option("text", "--format", help="text or json."),
    account_id: str | None = typer.Option(None, "--account-id", help=ACCOUNT_ID_HELP),
    var_file: list[str] = typer.Option([], "--var-file", help=VAR_FILE_HELP),
    expect: str | None = typer.Option(
        None,
        "--expect",
        help="not-granted: exit 1 when some permission set grants one of the actions, or when that "
        "could not be decided; without it the answer never changes the exit code.",
    ),
) -> None:
    """Does POLICY (or any permission set of the estate) grant none of the ACTIONs, on the RESOURCEs or
    on any resource? A grant comes with an example request."""
    from ringfence.iam.compare import not_granted

    _check_format(fmt)
    if expect is not None and expect != "not-granted":
        raise die(f"--expect takes not-granted, not {expect!r}")
    for a in action:
        if ":" not in a and a != "*":
            raise die(f"--action must be service:Action, not {a!r}")
    with tempfile.TemporaryDirectory(prefix="ringfence-check-") as tmp:
        sets, errors = _subjects(policy, Path(tmp) / "estate", account_id, var_file)
    grants: list[dict[str, Any]] = []
    for name in sorted(sets):
        answer = not_granted(sets[name], action, resource)
        if answer.verdict != "not-granted":
            grants.append({"subject": name, **answer.as_json()})
    results = {g["result"] for g in grants}
    result = "granted" if "granted" in results else "unknown" if results or errors else "not-granted"
    payload = {
        "policy": policy,
        "actions": list(action),
        "resources": list(resource),
        "result": result,
        "checked": len(sets),
        "grants": grants,
        "errors": errors,
    }
    if fmt == "json":
        typer.echo(json.dumps(payload, indent=2))
    else:
        _granted_text(payload)
    if expect is not None and result != "not-granted":
        say(f"ringfence: expected not granted, the answer is {result}")
        raise typer.Exit(1)


# -- inputs ---------------------------------------------------------------------------------------------------
def _check_format(fmt: str) -> None:
    if fmt not in FORMATS:
        raise die(f"--format must be one of {', '.join(FORMATS)}")


def _subjects(arg: str, scratch: Path, account_id: str | None, var_files: list[str]) -> tuple[Any, list[str]]:
    """The permission sets of ``arg`` by name, and what could not be read in it."""
    from ringfence.iam.compare import policy_file, subjects

    path = Path(arg)
    if not path.exists():
        path = _checkout(arg, scratch)
    if path.is_file() and _is_policy_document(path):
        text = path.read_text(encoding="utf-8", errors="replace")
        return {"policy": policy_file(arg, text)}, []
    estate = load_target(str(path), account_id, var_files)
    errors = [f"{arg}: {e.path}{':' + str(e.line) if e.line else ''}: {e.message}" for e in estate.errors]
    return subjects(estate), errors


def _is_policy_document(path: Path) -> bool:
    if path.suffix.lower() != ".json" or path.name.endswith(".tf.json"):
        return False
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise die(f"{path}: not a JSON policy document ({exc})") from None
    return isinstance(document, dict) and "Statement" in document


def _checkout(arg: str, scratch: Path) -> Path:
    """``REV:PATH``: PATH as it is in git revision REV, written under ``scratch``."""
    rev, sep, sub = arg.partition(":")
    if not sep or not rev:
        raise die(f"{arg}: no such file or folder (a git revision is written REV:PATH)")
    top = _git("rev-parse", "--show-toplevel")
    if top is None:
        raise die(f"{arg}: no such file or folder, and the working folder is not in a git repository")
    if _git("rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}") is None:
        raise die(f"{arg}: {rev} is not a git revision of this repository")
    # As git reads REV:PATH: from the repository's root, or from the working folder when it starts "./".
    prefix = (_git("rev-parse", "--show-prefix") or "") if sub.startswith(("./", "../")) else ""
    inside = Path(os.path.normpath(Path(prefix) / (sub or "."))).as_posix()
    if inside.startswith(".."):
        raise die(f"{arg}: {sub} is outside the repository")
    scratch.mkdir(parents=True, exist_ok=True)
    archive = scratch / "rev.tar"
    with archive.open("wb") as out:
        done = subprocess.run(
            ["git", "-C", top, "archive", "--format=tar", rev, "--", inside],
            stdout=out,
            stderr=subprocess.PIPE,
            check=False,
        )
    if done.returncode != 0:
        raise die(f"{arg}: {sub or '.'} is not in revision {rev}")
    with tarfile.open(archive) as tar:
        tar.extractall(scratch / "tree", filter="data")
    return scratch / "tree" / inside


def _git(*args: str) -> str | None:
    try:
        done = subprocess.run(["git", *args], capture_output=True, text=True, check=False)
    except OSError:
        return None
    return done.stdout.strip() if done.returncode == 0 else None


# -- text -----------------------------------------------------------------------------------------------------
def _example_text(entry: dict[str, Any]) -> str:
    ex = entry.get("example")
    if not ex:
        return str(entry.get("reason", ""))
    context = ", ".join(f"{k}={v}" for k, v in ex["context"].items())
    text = f"e.g. {ex['principal']} may {ex['action']} on {ex['resource'] or '*'}"
    text += f" (with {context})" if context else ""
    opened = [
        f"{s['policy']}{' sid ' + s['sid'] if s.get('sid') else ''}"
        + (f" at {s['path']}:{s['line']}" if s.get("path") and s.get("line") else "")
        for s in entry.get("statements", [])
    ]
    return text + (f"; allowed by {', '.join(opened)}" if opened else "")


def _compare_text(payload: dict[str, Any]) -> None:
    result, changes = payload["result"], payload["changes"]
    if result == "no-new-access":
        typer.echo(f"NO NEW ACCESS: {payload['new']} allows nothing {payload['old']} did not")
    elif result == "more-access":
        more = sum(1 for c in changes if c["result"] == "more-access")
        typer.echo(
            f"MORE ACCESS: {more} of {payload['compared']} permission sets allow more in {payload['new']}"
        )
    else:
        typer.echo("UNKNOWN: whether the change allows more could not be decided")
    for c in changes:
        label = "more access" if c["result"] == "more-access" else "unknown"
        fresh = " (new)" if c.get("new_subject") else ""
        typer.echo(f"  {c['subject']}{fresh}: {label}: {_example_text(c)}")
    for e in payload["errors"]:
        typer.echo(f"  error: {e}")


def _granted_text(payload: dict[str, Any]) -> None:
    result, grants = payload["result"], payload["grants"]
    actions = ", ".join(payload["actions"])
    if result == "not-granted":
        typer.echo(f"NOT GRANTED: no permission set of {payload['policy']} grants {actions}")
    elif result == "granted":
        typer.echo(f"GRANTED: {payload['policy']} grants {actions}")
    else:
        typer.echo(f"UNKNOWN: whether {payload['policy']} grants {actions} could not be decided")
    for g in grants:
        label = "granted" if g["result"] == "granted" else "unknown"
        typer.echo(f"  {g['subject']}: {label}: {_example_text(g)}")
    for e in payload["errors"]:
        typer.echo(f"  error: {e}")
