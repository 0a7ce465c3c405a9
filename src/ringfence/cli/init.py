"""``ringfence init``: a commented configuration file to start from."""

from __future__ import annotations

from pathlib import Path

import typer

from ringfence.cli.messages import die, say

# Every setting the configuration reads (engine/config.py), the defaults set, the rest commented out.
TEMPLATE = """\
# ringfence configuration: read from this folder (or the scanned one), or given with --config FILE.
# The same keys work in pyproject.toml under [tool.ringfence]. See README.md, "Configuration".

# Lowest severity that fails a scan (exit 1): critical, high, medium, low or none. --fail-on overrides it.
fail_on = "high"

# "partial": the scan is one stack or module repository, and a monitoring control it does not contain
# (a CloudTrail trail, GuardDuty, Security Hub, Config) is unknown. "account": it is the account's whole
# configuration, and such a missing control fails.
estate_scope = "partial"

# The account the resources belong to when Terraform does not say (else 123456789012 is assumed).
# account_id = "123456789012"

# Only these rules (ids or prefixes ending with a dot); empty: all of them. `ringfence rules` lists them.
# include = ["network.", "identity."]

# Rules not to run, with the reason kept here for the next reader.
# skip = ["kms.deletion-window-in-range"]

# Folders under the scanned path not to read.
# exclude = ["legacy/", "sandbox/*"]

# Folders of custom YAML rules, relative to this file (docs/custom-rules.md).
# rules = ["policy/rules"]

# Other AWS accounts KMS keys may be shared with.
# trusted_accounts = ["210987654321"]

# A rule's severity changed for this estate.
# [severity]
# "identity.policy-attached-to-user" = "medium"

# Limits of a Terraform evaluation (each also an environment variable, which wins over this file).
# [terraform]
# max_instances = 10000
# max_root_instances = 100000
# memory_mb = 2048
# timeout = 120
"""


def register(app: typer.Typer) -> None:
    app.command("init")(init)


def init(
    folder: Path = typer.Argument(Path("."), help="Where to write .ringfence.toml (default: here)."),
    force: bool = typer.Option(False, "--force", help="Replace a .ringfence.toml that is already there."),
) -> None:
    """Write a commented .ringfence.toml with the defaults set and every other setting explained."""
    if not folder.is_dir():
        raise die(f"{folder}: no such folder")
    target = folder / ".ringfence.toml"
    if target.exists() and not force:
        raise die(f"{target} already exists (--force replaces it)")
    try:
        target.write_text(TEMPLATE, encoding="utf-8")
    except OSError as exc:
        raise die(f"cannot write {target}: {exc.strerror or exc}") from None
    say(f"ringfence: wrote {target}")
