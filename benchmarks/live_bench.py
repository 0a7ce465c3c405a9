"""Live collection and analysis: ringfence against Prowler on one moto server seeded with about 1,000
resources across 3 regions, each tool's request count taken from the log of a proxy in front of the server.

    .venv/bin/python benchmarks/live_bench.py [--scale 1.0] [--regions us-east-1,eu-west-1,ap-southeast-2]

Prowler runs from its own virtual environment (benchmarks/.venv-prowler, ``pip install prowler``) when it
is there, with the same endpoint and botocore retry settings, on the services ringfence reads. The result
goes to docs/benchmarks-live.md. Nothing leaves 127.0.0.1: the AWS_* variables point at the proxy.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.bench_common import BENCH, RINGFENCE, machine_facts, measure  # noqa: E402
from tests.live.proxy import Proxy  # noqa: E402

PROWLER_VENV = BENCH / ".venv-prowler"
PROWLER = PROWLER_VENV / "bin" / "prowler"
DOC = ROOT / "docs" / "benchmarks-live.md"
# Services both tools read that moto answers; Prowler's names.
PROWLER_SERVICES = (
    "iam",
    "s3",
    "ec2",
    "vpc",
    "kms",
    "sqs",
    "sns",
    "secretsmanager",
    "cloudwatch",
    "cloudtrail",
)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_moto() -> tuple[subprocess.Popen[bytes], str]:
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    server = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=env,
    )
    endpoint = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(f"{endpoint}/moto-api/", timeout=1).close()
            return server, endpoint
        except OSError:
            if server.poll() is not None or time.monotonic() > deadline:
                raise SystemExit("the moto server did not start") from None
            time.sleep(0.2)


def aws_env(endpoint: str, home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(
        {
            "AWS_ENDPOINT_URL": endpoint,
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_CONFIG_FILE": str(home / "no-config"),
            "AWS_SHARED_CREDENTIALS_FILE": str(home / "no-credentials"),
            # The same botocore retry settings for both tools.
            "AWS_RETRY_MODE": "adaptive",
            "AWS_MAX_ATTEMPTS": "8",
        }
    )
    return env


def seed(endpoint: str, regions: list[str], scale: float) -> Counter[str]:
    """About 1,000 resources at scale 1: per region a VPC with subnets and security groups, queues, topics,
    keys, log groups and secrets; once, IAM roles, users and policies, and buckets. Half of each is bad."""
    import boto3

    session = boto3.Session(aws_access_key_id="testing", aws_secret_access_key="testing")
    made: Counter[str] = Counter()

    def n(count: int) -> int:
        return max(1, round(count * scale))

    def c(service: str, region: str = "us-east-1") -> Any:
        return session.client(service, region_name=region, endpoint_url=endpoint)  # type: ignore[call-overload]

    anyone = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "*"}]}
    for region in regions:
        ec2 = c("ec2", region)
        vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
        made["vpc"] += 1
        for i in range(n(16)):
            ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.0.{i}.0/24")
            made["subnet"] += 1
        for i in range(n(50)):
            group = ec2.create_security_group(GroupName=f"sg-{i}", Description="bench", VpcId=vpc)["GroupId"]
            cidr = "0.0.0.0/0" if i % 2 else "10.0.0.0/8"
            ec2.authorize_security_group_ingress(
                GroupId=group,
                IpPermissions=[
                    {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": cidr}]}
                ],
            )
            made["security_group"] += 1
        sqs, sns, kms = c("sqs", region), c("sns", region), c("kms", region)
        logs, secrets = c("logs", region), c("secretsmanager", region)
        for i in range(n(60)):
            url = sqs.create_queue(QueueName=f"queue-{i}")["QueueUrl"]
            if i % 2:
                sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": json.dumps(anyone)})
            made["queue"] += 1
        for i in range(n(40)):
            sns.create_topic(Name=f"topic-{i}")
            made["topic"] += 1
        for i in range(n(30)):
            key = kms.create_key(Description=f"key-{i}")["KeyMetadata"]["KeyId"]
            if i % 2:
                kms.enable_key_rotation(KeyId=key)
            made["key"] += 1
        for i in range(n(40)):
            logs.create_log_group(logGroupName=f"/bench/{i}")
            made["log_group"] += 1
        for i in range(n(30)):
            secrets.create_secret(Name=f"secret-{i}", SecretString="x")
            made["secret"] += 1
    iam, s3 = c("iam"), c("s3")
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}
        ],
    }
    admin = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
    for i in range(n(60)):
        iam.create_role(RoleName=f"role-{i}", AssumeRolePolicyDocument=json.dumps(trust))
        if i % 2:
            iam.put_role_policy(RoleName=f"role-{i}", PolicyName="all", PolicyDocument=json.dumps(admin))
        made["role"] += 1
    for i in range(n(30)):
        iam.create_user(UserName=f"user-{i}")
        if i % 2:
            iam.create_access_key(UserName=f"user-{i}")
        made["user"] += 1
    for i in range(n(60)):
        name = f"bench-bucket-{i}"
        s3.create_bucket(Bucket=name)
        if i % 2:
            public = {
                **anyone,
                "Statement": [{**anyone["Statement"][0], "Resource": f"arn:aws:s3:::{name}/*"}],
            }
            s3.put_bucket_policy(Bucket=name, Policy=json.dumps(public))
        made["bucket"] += 1
    return made


def run_ringfence(env: dict[str, str], regions: list[str], out: Path) -> dict[str, Any]:
    command = [str(RINGFENCE), "scan", "aws://", "--regions", ",".join(regions), "--format", "json"]
    got = measure([*command, "--fail-on", "none"], out, env)
    report = json.loads(out.read_text(encoding="utf-8") or "{}")
    return {
        "seconds": got.seconds,
        "cpu": got.cpu_seconds,
        "exit": got.returncode,
        "findings": len(report.get("findings", [])),
    }


def run_prowler(env: dict[str, str], regions: list[str], out: Path) -> dict[str, Any] | str:
    if not PROWLER.is_file():
        return f"not installed ({PROWLER} is missing: `python -m venv {PROWLER_VENV} && {PROWLER_VENV}/bin/pip install prowler`)"
    folder = out.parent / "prowler-out"
    command = [
        str(PROWLER),
        "aws",
        "--region",
        *regions,
        "--service",
        *PROWLER_SERVICES,
        "--output-formats",
        "json-ocsf",
        "--output-directory",
        str(folder),
        "--no-banner",
        "--ignore-exit-code-3",
    ]
    got = measure(command, out, env)
    if got.returncode not in (0, 3):
        err = out.with_suffix(out.suffix + ".err").read_text(encoding="utf-8", errors="replace")
        return f"exit {got.returncode} after {got.seconds:.1f} s: {err.strip().splitlines()[-1] if err.strip() else ''}"
    findings = 0
    for path in folder.glob("*.ocsf.json"):
        findings += len(json.loads(path.read_text(encoding="utf-8") or "[]"))
    return {"seconds": got.seconds, "cpu": got.cpu_seconds, "exit": got.returncode, "findings": findings}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--regions", default="us-east-1,eu-west-1,ap-southeast-2")
    parser.add_argument("--write", action="store_true", help="write docs/benchmarks-live.md")
    args = parser.parse_args()
    regions = args.regions.split(",")
    server, endpoint = start_moto()
    proxy = Proxy(upstream=endpoint)
    proxy.start()
    try:
        made = seed(endpoint, regions, args.scale)
        results: dict[str, Any] = {"resources": sum(made.values()), "made": dict(made)}
        with tempfile.TemporaryDirectory() as tmp:
            env = aws_env(proxy.endpoint, Path(tmp))
            for name, run in (("ringfence", run_ringfence), ("prowler", run_prowler)):
                proxy.log.clear()
                got = run(env, regions, Path(tmp) / f"{name}.json")
                if isinstance(got, dict):
                    got["requests"] = len(proxy.log)
                results[name] = got
    finally:
        proxy.stop()
        server.terminate()
        server.wait(timeout=30)
    results["machine"] = machine_facts()
    print(json.dumps(results, indent=2))
    if args.write:
        DOC.write_text(_page(results, regions), encoding="utf-8")


def _page(results: dict[str, Any], regions: list[str]) -> str:
    rf = results["ringfence"]
    pw = results["prowler"]
    lines = [
        "# Benchmark: live collection against a moto server",
        "",
        f"`benchmarks/live_bench.py` seeds one moto server with {results['resources']} resources across "
        f"{len(regions)} regions ({', '.join(regions)}) and runs each tool against it through a logging proxy "
        "(the request counts are the proxy's). Both use botocore's adaptive retries with 8 attempts.",
        "",
        "| tool | wall s | CPU s | requests | findings |",
        "|---|---|---|---|---|",
        f"| ringfence | {rf['seconds']:.1f} | {rf['cpu']:.1f} | {rf['requests']} | {rf['findings']} |",
    ]
    if isinstance(pw, dict):
        lines.append(
            f"| Prowler | {pw['seconds']:.1f} | {pw['cpu']:.1f} | {pw['requests']} | {pw['findings']} |"
        )
    else:
        lines += ["", f"Prowler did not run: {pw}"]
    lines += ["", "Machine: " + ", ".join(f"{k} {v}" for k, v in results["machine"].items()), ""]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
