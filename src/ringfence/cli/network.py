"""`ringfence reach`: can a packet get from SRC to DST, by which path, or what stops it."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import typer

from ringfence.cli.messages import ACCOUNT_ID_HELP, PARAMETER_HELP, VAR_FILE_HELP, die, load_target, say

if TYPE_CHECKING:
    from ringfence.network import ReachResult

_PROTOCOLS = ("tcp", "udp", "icmp", "all")
_FORMATS = ("text", "json")
_EXPECT = ("reachable", "unreachable")


def register(app: typer.Typer) -> None:
    """Add this area's commands to `app`."""
    app.command("reach")(reach)


def reach(
    path: str = typer.Argument(..., metavar="PATH", help="Folder or file of the estate."),
    source: str = typer.Option(..., "--from", help="internet, an IP or CIDR, an address or a unique name."),
    target: str = typer.Option(..., "--to", help="internet, an IP or CIDR, an address or a unique name."),
    port: int | None = typer.Option(None, "--port", help="Destination port (ignored for icmp and all)."),
    protocol: str = typer.Option("tcp", "--protocol", help="tcp, udp, icmp or all."),
    output_format: str = typer.Option("text", "--format", "-f", help="text or json."),
    account_id: str | None = typer.Option(None, "--account-id", help=ACCOUNT_ID_HELP),
    var_files: list[str] = typer.Option([], "--var-file", help=VAR_FILE_HELP),
    parameters: list[str] = typer.Option([], "--parameter", help=PARAMETER_HELP),
    expect: str | None = typer.Option(
        None,
        "--expect",
        help="reachable or unreachable: exit 1 when the answer is not that (an undecided answer is "
        "neither), for scripts and CI; without it the answer never changes the exit code.",
    ),
) -> None:
    """Answer whether a packet from SRC reaches DST on a port, with the path or what blocks it."""
    if expect is not None and expect not in _EXPECT:
        raise die(f"--expect {expect!r} is not one of {', '.join(_EXPECT)}")
    protocol = protocol.lower()
    if protocol not in _PROTOCOLS:
        raise die(f"--protocol {protocol!r} is not one of {', '.join(_PROTOCOLS)}")
    if output_format not in _FORMATS:
        raise die(f"--format {output_format!r} is not one of {', '.join(_FORMATS)}")
    if protocol in ("tcp", "udp"):
        if port is None:
            raise die(f"--port is required for {protocol}")
        if not 0 <= port <= 65535:
            raise die(f"--port {port} is not between 0 and 65535")
    from ringfence.network import UnresolvedName, network_of
    from ringfence.network import reach as answer
    from ringfence.suggest import did_you_mean

    estate = load_target(path, account_id, var_files, parameters)
    import gc

    from ringfence.kubernetes.policies import pod_reach

    # The estate lives until exit: spare the collector from rescanning it during the query.
    gc.freeze()
    # Between Kubernetes workloads (or from an IP to one) the NetworkPolicies decide.
    result = pod_reach(estate, source, target, port, protocol)
    try:
        if result is None:
            result = answer(network_of(estate), source, target, port, protocol)
    except UnresolvedName as exc:
        if exc.candidates:
            listing = "\n".join(f"  {c}" for c in exc.candidates)
            raise die(f"{exc.name!r} is ambiguous; candidates:\n{listing}") from None
        hint = did_you_mean(exc.name, (r.address for r in estate.resources))
        raise die(f"{exc.name!r} is not a resource of the estate, internet, an IP or a CIDR{hint}") from None
    if output_format == "json":
        typer.echo(json.dumps(result.to_json(), indent=2, sort_keys=False))
    else:
        typer.echo(render_text(result))
    if expect is not None and result.reachable is not (expect == "reachable"):
        got = {True: "reachable", False: "unreachable", None: "undecided"}[result.reachable]
        say(f"ringfence: expected {expect}, the answer is {got}")
        raise typer.Exit(1)
    raise typer.Exit(0)


def render_text(result: ReachResult) -> str:
    traffic = f"{result.protocol}/{result.port}" if result.protocol in ("tcp", "udp") else result.protocol
    head = f"{result.source} -> {result.target} on {traffic}: "
    if result.reachable:
        lines = [head + "reachable", "path:"]
        lines += [f"  {s.resource}: {s.step}" for s in result.path]
    elif result.reachable is False:
        lines = [head + "not reachable", "blocked by:"]
        lines += [f"  {b.resource}: {b.reason}" for b in result.blocked_by]
    else:
        lines = [head + "unknown", f"  {result.unknown}"]
    return "\n".join(lines)
