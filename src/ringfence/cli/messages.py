"""The one way the commands speak on standard error: a line, with anything shaped like a credential
written as its fingerprint (a path or a message may carry text from the input)."""

from __future__ import annotations

import typer

from ringfence.shown import redacted


def say(message: str) -> None:
    """Write ``message`` to standard error, credentials redacted."""
    typer.echo(redacted(message), err=True)


def die(message: str) -> typer.Exit:
    """Say ``ringfence: message`` and return the usage-error exit (code 2) for the caller to raise."""
    say(f"ringfence: {message}")
    return typer.Exit(2)
