"""What the catalogue's growth costs: the scan of the 20,000-resource estate with the full catalogue and with
only the 31 checks the catalogue first held, in CPU seconds (user + system of the scan's process tree), the
least of three cold runs each.

    .venv/bin/python benchmarks/catalogue_cost.py [--resources 20000] [--runs 3] [--no-write]

The estate is `generate.py`'s, plus one call of the switchboard (`tests/switchboard/`, every switch on) as
a module, so that it holds every resource kind the catalogue reads. The 31 first checks are chosen with
`include` in a configuration file; the rule ids are those of the catalogue at commit 2652253~50. Writes the
result into docs/benchmarks.md (section `catalogue-cost`).
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

from bench_common import CORPUS, RINGFENCE, ROOT, cold_env, machine_facts, ringfence_version, write_section

SWITCHBOARD = ROOT / "tests" / "switchboard"
# The catalogue at commit 2652253~50 (`git show 2652253~50:src/ringfence/checks/catalogue.py`).
FIRST_31 = [
    "identity.admin-policy-on-workload",
    "identity.policy-attached-to-user",
    "identity.long-lived-access-key",
    "iam.no-wildcard-write-on-sensitive-service",
    "iam.no-allow-with-notaction",
    "iam.no-inline-policies",
    "iam.trust-policy-scoped",
    "network.admin-port-exposed",
    "network.database-port-exposed",
    "network.default-security-group-restricts-all",
    "network.acl-admin-ports-restricted",
    "network.database-not-in-public-subnet",
    "network.vpc-flow-logs-enabled",
    "network.private-subnet-gateway-endpoints",
    "network.vpc-endpoint-policy-restricted",
    "s3.public-access-block-enabled",
    "kms.key-rotation-enabled",
    "kms.deletion-window-in-range",
    "rds.storage-encrypted",
    "rds.not-publicly-accessible",
    "ebs.volume-encrypted",
    "lb.http-redirects-to-https",
    "lb.tls-policy-current",
    "s3.bucket-requires-tls",
    "sns.topic-encrypted",
    "sqs.queue-encrypted",
    "guardduty.detector-enabled",
    "cloudtrail.multi-region-enabled",
    "cloudtrail.log-file-validation-enabled",
    "cloudtrail.kms-encryption-enabled",
    "secrets.hardcoded-secret",
]


def build_estate(resources: int) -> Path:
    """generate.py's estate with the switchboard called once, every switch on."""
    out = CORPUS / f"n{resources}-catalogue"
    subprocess.run(
        [
            sys.executable,
            str(ROOT / "benchmarks" / "generate.py"),
            "--resources",
            str(resources),
            "--out",
            str(out),
        ],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    module = out / "modules" / "switchboard"
    shutil.rmtree(module, ignore_errors=True)
    shutil.copytree(
        SWITCHBOARD, module, ignore=shutil.ignore_patterns("*.py", "*.yaml", "*.tfvars", "__pycache__")
    )
    switches = [
        line.split("=", 1)[0].strip()
        for line in (SWITCHBOARD / "switches_on.tfvars").read_text().splitlines()
        if "=" in line and not line.lstrip().startswith("#")
    ]
    arguments = "\n".join(f"  {name} = true" for name in switches)
    with (out / "main.tf").open("a") as handle:
        handle.write(f'\nmodule "catalogue_kinds" {{\n  source = "./modules/switchboard"\n{arguments}\n}}\n')
    return out


def cpu_seconds(command: list[str], env: dict[str, str]) -> float:
    """User + system CPU seconds of one run of `command` and every process it waited for."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(command, check=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def measure(estate: Path, runs: int) -> dict[str, list[float]]:
    config = CORPUS / "first-31.toml"
    config.write_text("[tool.ringfence]\ninclude = [\n" + "".join(f'  "{r}",\n' for r in FIRST_31) + "]\n")
    base = [str(RINGFENCE), "scan", str(estate), "--format", "json", "--fail-on", "none", "--no-cache"]
    variants = {"full catalogue": base, "first 31 checks": [*base, "--config", str(config)]}
    times: dict[str, list[float]] = {name: [] for name in variants}
    for _ in range(runs):  # interleaved, so a change of load on the machine touches both alike
        for name, command in variants.items():
            times[name].append(cpu_seconds(command, cold_env(f"catalogue-{name.split()[0]}")))
            time.sleep(1)
    return times


def checks_in_catalogue() -> int:
    done = subprocess.run(
        [str(RINGFENCE), "rules", "--format", "json"], capture_output=True, text=True, check=True
    )
    import json

    return len(json.loads(done.stdout)["rules"])


def render(resources: int, times: dict[str, list[float]], count: int) -> str:
    full, first = min(times["full catalogue"]), min(times["first 31 checks"])
    facts = machine_facts()
    lines = [
        f"Measured {facts['date']} with {ringfence_version() or 'ringfence'} on {os.cpu_count()} cores.",
        "Command: `.venv/bin/python benchmarks/catalogue_cost.py` (estate: `generate.py --resources "
        f"{resources}` plus one call of `tests/switchboard/` with every switch on, so every resource kind "
        "the catalogue reads is there).",
        "",
        f"| checks | CPU seconds, least of {len(times['full catalogue'])} cold runs | all runs |",
        "|---|---|---|",
        f"| the 31 first checks | {first:.1f} | {', '.join(f'{t:.1f}' for t in times['first 31 checks'])} |",
        f"| the full catalogue ({count} checks) | {full:.1f} | "
        f"{', '.join(f'{t:.1f}' for t in times['full catalogue'])} |",
        "",
        f"The full catalogue costs {100 * (full - first) / first:+.1f} % CPU over the 31 first checks.",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--resources", type=int, default=20000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--no-write", action="store_true", help="print only; leave docs/benchmarks.md alone")
    args = parser.parse_args(argv)
    CORPUS.mkdir(exist_ok=True)
    estate = build_estate(args.resources)
    times = measure(estate, args.runs)
    text = render(args.resources, times, checks_in_catalogue())
    print(text)
    if not args.no_write:
        write_section("catalogue-cost", text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
