"""CloudFormation at scale: ringfence against Checkov's CloudFormation framework, in the same run.

    .venv/bin/python benchmarks/cfn_bench.py [--resources 5000] [--templates 50] [--repeat 2]

Generates a template set (fixed seed) under benchmarks/corpus/cfn-<resources>/: every template a
three-tier network with its security groups and instances, S3 buckets with and without encryption, IAM
roles with inline policies, KMS keys, RDS instances, queues and a trail, written with the short intrinsic
forms (!Ref, !GetAtt, !Sub) and parameters. Both tools scan the folder cold; wall time, CPU time and peak
memory of the process tree are measured (bench_common.measure), and the result is written into the
`cloudformation` section of docs/benchmarks.md with the command that produced it.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_common import (
    CHECKOV,
    CORPUS,
    checkov_env,
    ensure_checkov,
    machine_facts,
    measure,
    mib,
    ringfence_version,
    write_section,
)

SEED = 20261204
RINGFENCE = Path(__file__).resolve().parent.parent / ".venv" / "bin" / "ringfence"


def _template(index: int, size: int, rng: random.Random) -> str:
    """One template of about ``size`` resources."""
    lines = [
        'AWSTemplateFormatVersion: "2010-09-09"',
        f"Description: generated template {index}",
        "Parameters:",
        "  Cidr: {Type: String, Default: 10.0.0.0/16}",
        "  Env: {Type: String, Default: prod}",
        "Conditions:",
        "  IsProd: !Equals [!Ref Env, prod]",
        "Resources:",
        "  Vpc:",
        "    Type: AWS::EC2::VPC",
        "    Properties: {CidrBlock: !Ref Cidr}",
        "  Igw:",
        "    Type: AWS::EC2::InternetGateway",
        "  Attach:",
        "    Type: AWS::EC2::VPCGatewayAttachment",
        "    Properties: {VpcId: !Ref Vpc, InternetGatewayId: !Ref Igw}",
        "  PublicRoutes:",
        "    Type: AWS::EC2::RouteTable",
        "    Properties: {VpcId: !Ref Vpc}",
        "  PublicDefault:",
        "    Type: AWS::EC2::Route",
        "    Properties: {RouteTableId: !Ref PublicRoutes, DestinationCidrBlock: 0.0.0.0/0, GatewayId: !Ref Igw}",
    ]
    count = 6
    n = 0
    while count < size:
        kind = n % 8
        name = f"R{n}"
        if kind == 0:
            lines += [
                f"  {name}Subnet:",
                "    Type: AWS::EC2::Subnet",
                f"    Properties: {{VpcId: !Ref Vpc, CidrBlock: !Select [{n % 250}, !Cidr [!Ref Cidr, 256, 8]]}}",
                f"  {name}Assoc:",
                "    Type: AWS::EC2::SubnetRouteTableAssociation",
                f"    Properties: {{SubnetId: !Ref {name}Subnet, RouteTableId: !Ref PublicRoutes}}",
            ]
            count += 2
        elif kind == 1:
            port = rng.choice([22, 80, 443, 3389, 5432])
            lines += [
                f"  {name}Group:",
                "    Type: AWS::EC2::SecurityGroup",
                "    Properties:",
                f"      GroupDescription: group {n}",
                "      VpcId: !Ref Vpc",
                "      SecurityGroupIngress:",
                f"        - {{IpProtocol: tcp, FromPort: {port}, ToPort: {port}, CidrIp: 0.0.0.0/0}}",
            ]
            count += 1
        elif kind == 2:
            subnet = f"R{n - 2}Subnet"
            group = f"R{n - 1}Group"
            lines += [
                f"  {name}Instance:",
                "    Type: AWS::EC2::Instance",
                "    Properties:",
                "      ImageId: ami-0abcdef1234567890",
                "      InstanceType: !If [IsProd, m5.large, t3.micro]",
                f"      SubnetId: !Ref {subnet}",
                f"      SecurityGroupIds: [!GetAtt {group}.GroupId]",
                f"      MetadataOptions: {{HttpTokens: {rng.choice(['required', 'optional'])}}}",
            ]
            count += 1
        elif kind == 3:
            encrypted = rng.random() < 0.5
            lines += [f"  {name}Bucket:", "    Type: AWS::S3::Bucket", "    Properties:"]
            lines += [f'      BucketName: !Sub "bench-{index}-{n}-${{AWS::AccountId}}"']
            if encrypted:
                lines += [
                    "      BucketEncryption:",
                    "        ServerSideEncryptionConfiguration:",
                    "          - ServerSideEncryptionByDefault: {SSEAlgorithm: aws:kms}",
                    "      VersioningConfiguration: {Status: Enabled}",
                ]
            else:
                lines += ["      Tags: [{Key: tier, Value: data}]"]
            count += 1
        elif kind == 4:
            lines += [
                f"  {name}Role:",
                "    Type: AWS::IAM::Role",
                "    Properties:",
                "      AssumeRolePolicyDocument:",
                '        Version: "2012-10-17"',
                "        Statement: [{Effect: Allow, Principal: {Service: ec2.amazonaws.com}, Action: sts:AssumeRole}]",
                "      Policies:",
                "        - PolicyName: work",
                "          PolicyDocument:",
                '            Version: "2012-10-17"',
                "            Statement:",
                f"              - {{Effect: Allow, Action: '{rng.choice(['s3:GetObject', 's3:*', '*'])}', "
                f'Resource: !Sub "${{R{n - 1}Bucket.Arn}}/*"}}',
            ]
            count += 1
        elif kind == 5:
            lines += [
                f"  {name}Key:",
                "    Type: AWS::KMS::Key",
                f"    Properties: {{EnableKeyRotation: {str(rng.random() < 0.5).lower()}}}",
            ]
            count += 1
        elif kind == 6:
            lines += [
                f"  {name}Db:",
                "    Type: AWS::RDS::DBInstance",
                "    Properties:",
                "      Engine: postgres",
                "      DBInstanceClass: db.t3.medium",
                '      AllocatedStorage: "20"',
                f"      StorageEncrypted: {str(rng.random() < 0.5).lower()}",
                f"      KmsKeyId: !GetAtt R{n - 1}Key.Arn",
                "      ManageMasterUserPassword: true",
                "      MasterUsername: app",
            ]
            count += 1
        else:
            lines += [
                f"  {name}Queue:",
                "    Type: AWS::SQS::Queue",
                f"    Properties: {{KmsMasterKeyId: !Ref R{n - 2}Key}}",
            ]
            count += 1
        n += 1
    return "\n".join(lines) + "\n"


def generate(resources: int, templates: int) -> Path:
    folder = CORPUS / f"cfn-{resources}"
    marker = folder / ".complete"
    if marker.exists():
        return folder
    folder.mkdir(parents=True, exist_ok=True)
    rng = random.Random(SEED)
    per = resources // templates
    for index in range(templates):
        (folder / f"stack-{index:03}.yaml").write_text(_template(index, per, rng), encoding="utf-8")
    marker.write_text("done\n")
    return folder


def _run(command: list[str], out: Path, env: dict[str, str] | None, runs: int) -> dict[str, float]:
    measured = [measure(command, out, env=env) for _ in range(runs)]
    for m in measured:
        if m.returncode not in (0, 1):
            raise SystemExit(f"{command[0]} failed ({m.returncode}): see {out}.err")
    return {
        "seconds": statistics.median(m.seconds for m in measured),
        "cpu_seconds": statistics.median(m.cpu_seconds for m in measured),
        "peak_bytes": max(m.peak_bytes for m in measured),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--resources", type=int, default=5000)
    parser.add_argument("--templates", type=int, default=50)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--skip-checkov", action="store_true")
    args = parser.parse_args(argv)
    folder = generate(args.resources, args.templates)
    out = CORPUS / f"cfn-{args.resources}.out"
    ringfence = _run(
        [str(RINGFENCE), "scan", str(folder), "--format", "json", "--fail-on", "none", "--no-cache"],
        out.with_suffix(".ringfence.json"),
        None,
        args.repeat,
    )
    report = json.loads(out.with_suffix(".ringfence.json").read_text())
    read = report["summary"]["resources"]
    checkov: dict[str, float] | None = None
    version = ""
    if not args.skip_checkov:
        version = ensure_checkov()
        command = [str(CHECKOV), "-d", str(folder), "--framework", "cloudformation", "--skip-download"]
        checkov = _run(
            [*command, "-o", "json", "--quiet"], out.with_suffix(".checkov.json"), checkov_env(), args.repeat
        )
    facts = machine_facts()
    given = " ".join(argv if argv is not None else sys.argv[1:])
    lines = [
        "## CloudFormation: ringfence against Checkov's CloudFormation framework",
        "",
        f"`.venv/bin/python benchmarks/cfn_bench.py {given}`".replace(" `", "`"),
        f"on {facts.get('cpu', 'this machine')}, {facts.get('date', '')}: {args.templates} generated templates, "
        f"{read} resources read by ringfence (median of {args.repeat} cold runs each, peak memory of the process tree).",
        f"{ringfence_version()}, Checkov {version or 'not run'}.",
        "",
        "| tool | wall | CPU | peak memory |",
        "|---|---|---|---|",
        f"| ringfence scan --format json | {ringfence['seconds']:.1f} s | {ringfence['cpu_seconds']:.1f} s | "
        f"{mib(int(ringfence['peak_bytes']))} |",
    ]
    if checkov is not None:
        lines.append(
            f"| checkov --framework cloudformation | {checkov['seconds']:.1f} s | {checkov['cpu_seconds']:.1f} s | "
            f"{mib(int(checkov['peak_bytes']))} |"
        )
        lines += [
            "",
            f"ringfence is {checkov['seconds'] / ringfence['seconds']:.1f}x faster (wall), "
            f"{checkov['cpu_seconds'] / ringfence['cpu_seconds']:.1f}x (CPU).",
        ]
    text = "\n".join(lines)
    print(text)
    write_section("cloudformation", text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
