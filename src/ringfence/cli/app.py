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
    pretty_exceptions_enable=False,
    # Plain help (option names, value names and defaults, no internal types) and usage errors in the
    # one style of every other error (see run()).
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"], "show_default": True},
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
    """The entry point: usage errors are said like every other error (``ringfence: ...``, exit 2)."""
    import sys

    # typer carries its own copy of click: its exception classes are reached through the one it exports.
    usage_error: type[Exception] = typer.BadParameter.__mro__[1]
    click_exception: type[Exception] = typer.BadParameter.__mro__[2]
    from ringfence.cli.messages import say

    try:
        code = app(standalone_mode=False, prog_name="ringfence")
    except usage_error as exc:
        ctx = getattr(exc, "ctx", None)
        if type(exc).__name__ == "NoArgsIsHelpError":  # a command or group alone: its help
            typer.echo(ctx.get_help() if ctx is not None else "")
            sys.exit(2)
        say(f"ringfence: {getattr(exc, 'format_message', exc.__str__)()}")
        say(f"see '{ctx.command_path if ctx is not None else 'ringfence'} --help'")
        sys.exit(2)
    except click_exception as exc:
        say(f"ringfence: {getattr(exc, 'format_message', exc.__str__)()}")
        sys.exit(getattr(exc, "exit_code", 1))
    except typer.Abort:
        sys.exit(130)
    sys.exit(code if isinstance(code, int) else 0)
