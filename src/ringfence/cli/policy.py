"""`ringfence policy`: the read-only IAM policy a live scan needs, from the collectors' declared calls."""

from __future__ import annotations

import json
import sys

import typer

from ringfence.cli.messages import die


def register(app: typer.Typer) -> None:
    app.command("policy")(policy)


def policy(
    role_arns: list[str] = typer.Option([], "--role-arn", help="A role the scan assumes (repeatable)."),
    org_role: str | None = typer.Option(None, "--org", help="The role assumed in each organization account."),
    output_format: str = typer.Option("text", "--format", "-f", help="text or json."),
) -> None:
    """Print the read-only IAM policy `scan aws://` needs in each scanned account, and what the caller
    needs to reach them (sts:AssumeRole on the roles, organizations:ListAccounts for --org)."""
    from ringfence.sources.aws.policy import caller_policy, scanned_account_policy

    if output_format not in ("text", "json"):
        raise die(f"--format {output_format!r} is not supported (choose from text, json)")
    account = scanned_account_policy()
    caller = caller_policy(role_arns, org_role)
    if output_format == "json":
        sys.stdout.write(json.dumps({"scanned_account": account, "caller": caller}, indent=2) + "\n")
        return
    sys.stdout.write("# In each scanned account: the identity or role ringfence reads it as\n")
    sys.stdout.write(json.dumps(account, indent=2) + "\n")
    if caller is not None:
        sys.stdout.write("# For the identity that runs ringfence, to reach the accounts\n")
        sys.stdout.write(json.dumps(caller, indent=2) + "\n")
