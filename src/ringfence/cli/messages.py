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


ACCOUNT_ID_HELP = "AWS account id of the estate (else taken from the ARNs in the code, else 123456789012)."
VAR_FILE_HELP = "Terraform variable file, read after terraform.tfvars and *.auto.tfvars (repeatable)."
PARAMETER_HELP = (
    "CloudFormation: a template parameter's value, K=V (repeatable; AWS::Region=... and AWS::StackName=... "
    "set those pseudo parameters)."
)


def parameters_of(items: list[str]) -> dict[str, str]:
    """``--parameter K=V`` values; a usage error (exit 2) for one without ``=``."""
    out: dict[str, str] = {}
    for item in items:
        key, equals, value = item.partition("=")
        if not equals or not key.strip():
            raise die(f"--parameter {item!r}: expected KEY=VALUE")
        out[key.strip()] = value
    return out


def load_target(
    path: str,
    account_id: str | None = None,
    var_files: list[str] | tuple[str, ...] = (),
    parameters: list[str] | None = None,
) -> Any:
    """The estate at ``path`` for a query command, or the usage-error exit saying why it cannot be read.
    ``parameters``: CloudFormation ``--parameter K=V`` values."""
    from ringfence.sources import LoadOptions, SourceError, load_estate

    options = LoadOptions(
        var_files=tuple(var_files), account_id=account_id, parameters=parameters_of(parameters or [])
    )
    try:
        return load_estate([path], options)
    except SourceError as exc:
        raise die(str(exc)) from None
    except (OSError, ValueError) as exc:
        raise die(f"cannot read {path}: {exc}") from None
