"""Command-line entry point. Heavy modules are imported inside the commands, never here."""

from __future__ import annotations

import sys


def main() -> None:
    # `--version` answers before typer (and everything it imports) is loaded.
    if sys.argv[1:] in (["--version"], ["-V"]):
        from ringfence import __version__

        print(f"ringfence {__version__}")
        return
    import os

    from ringfence.cli.app import run

    try:
        run()
    except KeyboardInterrupt:
        sys.stderr.write("ringfence: interrupted\n")
        sys.exit(130)
    except Exception as exc:  # the last line of defence: users get one line, not a traceback
        if os.environ.get("RINGFENCE_DEBUG"):
            raise
        sys.stderr.write(
            f"ringfence: internal error: {type(exc).__name__}: {exc} (RINGFENCE_DEBUG=1 shows where)\n"
        )
        sys.exit(2)
