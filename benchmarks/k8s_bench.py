"""Kubernetes manifests at scale: ringfence against Checkov's kubernetes framework, in the same run.

    .venv/bin/python benchmarks/k8s_bench.py [--objects 5000] [--repeat 3] [--checkov-repeat 1]

Generates (fixed seed) a manifest set of OBJECTS objects in 50 namespaces, as rendered charts are: one
multi-document file per namespace with Deployments, StatefulSets, DaemonSets, CronJobs and Pods (a
quarter of them with a privileged, root or host-namespace setting), their Services, ConfigMaps and
ServiceAccounts (some annotated for IRSA), Roles and RoleBindings, NetworkPolicies, and a few
ClusterRoles with their bindings. Each tool scans the folder cold; wall time, CPU and the peak memory of
the whole process tree are measured, and the ratios go into docs/benchmarks.md (section k8s). Goal: at
least 10x faster than Checkov, under 1 GB.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_common import (
    checkov_command,
    checkov_env,
    cold_env,
    ensure_checkov,
    machine_facts,
    measure,
    mib,
    ringfence_command,
    ringfence_version,
    write_section,
)

SEED = 20261204
NAMESPACES = 50
_WORKLOADS = ("Deployment", "StatefulSet", "DaemonSet", "CronJob", "Pod")


def _container(rng: random.Random, name: str) -> str:
    risky = rng.random() < 0.25
    security = (
        "          securityContext: {privileged: true, runAsUser: 0}\n"
        if risky
        else "          securityContext: {runAsNonRoot: true, allowPrivilegeEscalation: false}\n"
    )
    image = (
        f"registry.example.com/{name}:latest"
        if rng.random() < 0.2
        else f"registry.example.com/{name}:1.{rng.randint(0, 9)}"
    )
    return (
        f"        - name: {name}\n          image: {image}\n{security}"
        "          ports: [{name: http, containerPort: 8080}]\n"
        "          resources: {limits: {cpu: 500m, memory: 256Mi}}\n"
        "          env: [{name: LOG_LEVEL, value: info}]\n"
    )


def _workload(rng: random.Random, kind: str, ns: str, name: str) -> str:
    pod = (
        f"      serviceAccountName: sa-{name}\n"
        + ("      hostNetwork: true\n" if rng.random() < 0.1 else "")
        + "      containers:\n"
        + _container(rng, name)
    )
    if kind == "Pod":
        indented = "\n".join(line[4:] if line.startswith("    ") else line for line in pod.splitlines())
        return f"apiVersion: v1\nkind: Pod\nmetadata:\n  name: {name}\n  namespace: {ns}\n  labels: {{app: {name}}}\nspec:\n{indented}\n"
    template = f"    metadata:\n      labels: {{app: {name}}}\n    spec:\n{pod}"
    if kind == "CronJob":
        nested = "\n".join("    " + line for line in template.splitlines())
        return (
            f"apiVersion: batch/v1\nkind: CronJob\nmetadata:\n  name: {name}\n  namespace: {ns}\nspec:\n"
            f"  schedule: '0 * * * *'\n  jobTemplate:\n    spec:\n      template:\n{nested}\n"
        )
    return (
        f"apiVersion: apps/v1\nkind: {kind}\nmetadata:\n  name: {name}\n  namespace: {ns}\nspec:\n"
        f"  selector: {{matchLabels: {{app: {name}}}}}\n  template:\n{template}"
    )


def _namespace(rng: random.Random, index: int, budget: int) -> list[str]:
    ns = f"team-{index:02d}"
    docs = [f"apiVersion: v1\nkind: Namespace\nmetadata:\n  name: {ns}\n  labels: {{team: t{index}}}\n"]
    docs.append(
        "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n"
        f"  name: default-deny\n  namespace: {ns}\nspec:\n  podSelector: {{}}\n  policyTypes: [Ingress]\n"
    )
    docs.append(
        "apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata:\n"
        f"  name: deployer\n  namespace: {ns}\nrules:\n"
        "  - {apiGroups: [apps], resources: [deployments], verbs: [get, list, create, patch]}\n"
        "  - {apiGroups: [''], resources: [secrets], verbs: [get]}\n"
    )
    docs.append(
        "apiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata:\n"
        f"  name: deployers\n  namespace: {ns}\nsubjects:\n"
        f"  - {{kind: Group, name: team-{index}-devs, apiGroup: rbac.authorization.k8s.io}}\n"
        "roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: deployer}\n"
    )
    n = 0
    while len(docs) < budget:
        kind = _WORKLOADS[n % len(_WORKLOADS)]
        name = f"{kind.lower()}-{n}"
        annotation = (
            f"  annotations: {{eks.amazonaws.com/role-arn: 'arn:aws:iam::111122223333:role/{ns}-{name}'}}\n"
            if rng.random() < 0.2
            else ""
        )
        docs.append(
            f"apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: sa-{name}\n  namespace: {ns}\n{annotation}"
        )
        docs.append(_workload(rng, kind, ns, name))
        docs.append(
            f"apiVersion: v1\nkind: Service\nmetadata:\n  name: {name}\n  namespace: {ns}\nspec:\n"
            f"  selector: {{app: {name}}}\n  ports: [{{port: 80, targetPort: http}}]\n"
        )
        docs.append(
            f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\n  namespace: {ns}\ndata:\n  mode: prod\n"
        )
        n += 1
    return docs[:budget]


def generate(folder: Path, objects: int) -> int:
    rng = random.Random(SEED)
    per = objects // NAMESPACES
    written = 0
    for index in range(NAMESPACES):
        docs = _namespace(rng, index, per)
        header = f"# Source: team-chart/templates/all.yaml (namespace {index})\n"
        (folder / f"team-{index:02d}.yaml").write_text("---\n" + header + "---\n".join(docs))
        written += len(docs)
    cluster = [
        "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n  name: ops\n"
        "rules:\n  - {apiGroups: ['*'], resources: ['*'], verbs: ['*']}\n",
        "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata:\n  name: ops\n"
        "subjects:\n  - {kind: Group, name: ops, apiGroup: rbac.authorization.k8s.io}\n"
        "roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: ops}\n",
    ]
    (folder / "cluster.yaml").write_text("---\n".join(cluster))
    return written + len(cluster)


def run(tool: str, folder: Path, runs: int, out: Path) -> dict[str, float]:
    results = []
    for index in range(runs):
        if tool == "ringfence":
            done = measure(
                ringfence_command(folder), out / f"ringfence-{index}.json", env=cold_env("k8s-bench")
            )
        else:
            done = measure(
                checkov_command(folder, "kubernetes"), out / f"checkov-{index}.json", env=checkov_env()
            )
        print(
            f"  {tool:9} run {index + 1}/{runs}: {done.seconds:7.1f} s  {mib(done.peak_bytes):>9}  exit {done.returncode}"
        )
        results.append({"seconds": done.seconds, "cpu": done.cpu_seconds, "peak": float(done.peak_bytes)})
    return {
        "seconds": min(r["seconds"] for r in results),
        "cpu": min(r["cpu"] for r in results),
        "peak": max(r["peak"] for r in results),
        "median": statistics.median(r["seconds"] for r in results),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--objects", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=3, help="ringfence runs")
    parser.add_argument("--checkov-repeat", type=int, default=1, help="Checkov runs")
    parser.add_argument("--skip-checkov", action="store_true")
    parser.add_argument("--no-write", action="store_true", help="print, do not update docs/benchmarks.md")
    args = parser.parse_args(argv)
    checkov = "" if args.skip_checkov else ensure_checkov()
    with tempfile.TemporaryDirectory(prefix="ringfence-k8s-bench-") as tmp:
        folder, out = Path(tmp) / "manifests", Path(tmp) / "out"
        folder.mkdir()
        out.mkdir()
        count = generate(folder, args.objects)
        print(f"{count} objects in {len(list(folder.iterdir()))} files")
        rf = run("ringfence", folder, args.repeat, out)
        ck = None if args.skip_checkov else run("checkov", folder, args.checkov_repeat, out)
    facts = machine_facts()
    command = (
        f"`.venv/bin/python benchmarks/k8s_bench.py --objects {args.objects} --repeat {args.repeat} "
        f"--checkov-repeat {args.checkov_repeat}`"
    )
    lines = [
        f"Generated by {command} on {', '.join(f'{k} {v}' for k, v in facts.items())}; "
        f"{ringfence_version()}, Checkov {checkov or 'not run'}. Least wall and CPU time of the runs, highest "
        "peak memory (the whole process tree).",
        "",
        "| objects | ringfence wall | ringfence CPU | ringfence peak | Checkov wall | Checkov CPU | Checkov peak "
        "| speed-up (wall) | speed-up (CPU) |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    ck_cells = (
        [f"{ck['seconds']:.1f} s", f"{ck['cpu']:.1f} s", mib(int(ck["peak"]))] if ck else ["-", "-", "-"]
    )
    ratios = [f"{ck['seconds'] / rf['seconds']:.1f}x", f"{ck['cpu'] / rf['cpu']:.1f}x"] if ck else ["-", "-"]
    lines.append(
        "| "
        + " | ".join(
            [
                str(count),
                f"{rf['seconds']:.1f} s",
                f"{rf['cpu']:.1f} s",
                mib(int(rf["peak"])),
                *ck_cells,
                *ratios,
            ]
        )
        + " |"
    )
    text = "\n".join(lines)
    print(text)
    if not args.no_write:
        write_section("k8s", "### Kubernetes manifests against Checkov's kubernetes framework\n\n" + text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
