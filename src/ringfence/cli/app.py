"""The typer application. Each command group lives in its own module and registers itself here,
explicitly; command bodies import the heavy machinery they need only when they run."""

from __future__ import annotations

import typer

from ringfence import __version__
from ringfence.cli import access, detect, iam, init, network, policy, scan

app = typer.Typer(
    name="ringfence",
    help="Proves whether a cloud estate is defended in depth.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"ringfence {__version__}")
        raise typer.Exit(0)


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", "-V", callback=_version, is_eager=True, help="Print the version."
    ),
) -> None:
    """ringfence: identity, network, encryption, monitoring, secrets and workload hardening, proven."""


for module in (scan, iam, access, network, detect, policy, init):
    module.register(app)


def run() -> None:
    app()
