"""The one way the commands speak on standard error: a line, with anything shaped like a credential
written as its fingerprint (a path or a message may carry text from the input)."""

from __future__ import annotations

from typing import Any

import typer

from ringfence.shown import redacted


def say(message: str) -> None:
    """Write ``message`` to standard error, credentials redacted."""
    typer.echo(redacted(message), err=True)


def die(message: str) -> typer.Exit:
    """Say ``ringfence: message`` and return the usage-error exit (code 2) for the caller to raise."""
    say(f"ringfence: {message}")
    return typer.Exit(2)


def load_target(path: str, account_id: str | None = None, var_files: list[str] | tuple[str, ...] = ()) -> Any:
    """The estate at ``path`` for a query command, or the usage-error exit saying why it cannot be read."""
    from ringfence.sources import LoadOptions, SourceError, load_estate

    try:
        return load_estate([path], LoadOptions(var_files=tuple(var_files), account_id=account_id))
    except SourceError as exc:
        raise die(str(exc)) from None
    except (OSError, ValueError) as exc:
        raise die(f"cannot read {path}: {exc}") from None
