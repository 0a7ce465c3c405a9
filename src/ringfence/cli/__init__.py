"""Command-line entry point. Heavy modules are imported inside the commands, never here."""

from __future__ import annotations

import sys


def main() -> None:
    # `--version` answers before typer (and everything it imports) is loaded.
    if sys.argv[1:] in (["--version"], ["-V"]):
        from ringfence import __version__

        print(f"ringfence {__version__}")
        return
    from ringfence.cli.app import run

    run()
