"""Deterministic generator of a synthetic AWS Terraform estate for the benchmark.

    .venv/bin/python benchmarks/generate.py --resources 20000 [--seed 7] [--out benchmarks/corpus/n20000]

The estate is one root module (`main.tf`, `variables.tf`) calling local modules under `modules/` (copied
from `benchmarks/templates/modules/`): per "stack" a network, an application tier, a data tier, storage,
identity and serverless call, and an audit call every fourth stack. Every call gets its own sizes and its
own mistakes through variables, `count`, `for_each` and `locals`, so a scanner has to evaluate the
Terraform to see what is deployed. The number of resource instances after evaluation is exactly
`--resources`; about 30% of them carry (or are put at risk by) a seeded misconfiguration.

Next to the corpus folder, `<out>.manifest.json` records what was generated: resource and module-call
counts, the resources per type, the insecure resources and the seeded misconfigurations per ringfence rule
and Checkov check. Same seed and size, same bytes.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import random
import shutil
import sys
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
TEMPLATES = HERE / "templates" / "modules"
DEFAULT_SEED = 20261128
ACCOUNT_ID = "111122223333"
REGION = "eu-west-1"
CERTIFICATE_ID = "4f6d2a3e-1b7c-4e55-9a0d-2c8e6f1b9d37"
# The misconfigurations the generator seeds: key -> (ringfence rule, Checkov checks that correspond).
ISSUES: dict[str, tuple[str, tuple[str, ...]]] = {
    "ssh-open-to-world": ("network.admin-port-exposed", ("CKV_AWS_24",)),
    "rdp-open-to-world": ("network.admin-port-exposed", ("CKV_AWS_25",)),
    "postgres-open-to-world": ("network.database-port-exposed", ()),
    "admin-policy-on-workload": ("identity.admin-policy-on-workload", ("CKV_AWS_62", "CKV_AWS_63")),
    "policy-attached-to-user": ("identity.policy-attached-to-user", ("CKV_AWS_40",)),
    "s3-public-access-block-off": ("s3.public-access-block-enabled", ("CKV_AWS_53", "CKV_AWS_54")),
    "kms-rotation-off": ("kms.key-rotation-enabled", ("CKV_AWS_7",)),
    "rds-public": ("rds.not-publicly-accessible", ("CKV_AWS_17",)),
    "rds-unencrypted": ("rds.storage-encrypted", ("CKV_AWS_16",)),
    "aurora-unencrypted": ("rds.storage-encrypted", ("CKV_AWS_96",)),
    "cloudtrail-single-region": ("cloudtrail.multi-region-enabled", ("CKV_AWS_67",)),
    "cloudtrail-no-validation": ("cloudtrail.log-file-validation-enabled", ("CKV_AWS_36",)),
    "secret-in-user-data": ("secrets.hardcoded-secret", ("CKV_AWS_46",)),
    "secret-in-lambda-env": ("secrets.hardcoded-secret", ("CKV_AWS_45",)),
    "secret-in-secret-version": ("secrets.hardcoded-secret", ()),
}
WORDS = (
    *("orders", "billing", "ledger", "catalog", "search", "users", "profiles", "payments", "invoices"),
    *("shipping", "inventory", "reports", "events", "audit", "media", "assets", "exports", "imports"),
    *("sessions", "metrics", "alerts", "quotes", "claims", "policies", "tickets"),
)
SERVICES = ("ecs-tasks.amazonaws.com", "lambda.amazonaws.com", "ec2.amazonaws.com", "states.amazonaws.com")


@dataclass
class Call:
    """One module call: its arguments (rendered to HCL) and what it deploys once evaluated."""

    kind: str
    name: str
    args: dict[str, object]
    types: Counter[str] = field(default_factory=Counter)
    insecure: set[str] = field(default_factory=set)
    issues: Counter[str] = field(default_factory=Counter)
    issue_addresses: dict[str, set[str]] = field(default_factory=dict)

    @property
    def label(self) -> str:
        return f"{self.name}_{self.kind}"

    @property
    def size(self) -> int:
        return sum(self.types.values())

    def add(self, rtype: str, count: int = 1) -> None:
        self.types[rtype] += count

    def flag(self, issue: str, *addresses: str) -> None:
        full = {f"module.{self.label}.{a}" for a in addresses}
        self.issues[issue] += 1
        self.insecure |= full
        self.issue_addresses.setdefault(issue, set()).update(full)

    def pad(self, count: int) -> None:
        """Extra CloudWatch log groups: the one knob that adjusts a call's size by exactly one."""
        extra = self.args.get("extra_log_groups", 0)
        self.args["extra_log_groups"] = (extra if isinstance(extra, int) else 0) + count
        self.add("aws_cloudwatch_log_group", count)


def hcl(value: object, indent: int = 2, inline: bool = False) -> str:
    """Render a Python value as an HCL expression, laid out as `terraform fmt` would."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, Expr):
        return value.text
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, list):
        return "[" + ", ".join(hcl(v, indent, inline=True) for v in value) + "]"
    if isinstance(value, dict):
        if not value:
            return "{}"
        if inline:
            return "{ " + ", ".join(f"{_key(k)} = {hcl(v, inline=True)}" for k, v in value.items()) + " }"
        width = max(len(_key(k)) for k in value)
        pad = " " * indent
        lines = [f"{pad}  {_key(k):<{width}} = {hcl(v, indent + 2, inline=True)}" for k, v in value.items()]
        return "{\n" + "\n".join(lines) + f"\n{pad}}}"
    raise TypeError(f"cannot render {value!r}")


def _key(key: object) -> str:
    text = str(key)
    return text if text.replace("_", "").replace("-", "").isalnum() and not text[0].isdigit() else f'"{text}"'


@dataclass(frozen=True)
class Expr:
    """A raw HCL expression (a reference), rendered without quotes."""

    text: str


def _names(rng: random.Random, count: int) -> list[str]:
    """`count` distinct, readable names: single words first, then pairs of words."""
    pairs = [f"{a}-{b}" for a in WORDS for b in WORDS if a != b]
    if count <= len(WORDS):
        return sorted(rng.sample(WORDS, count))
    return sorted(WORDS) + sorted(rng.sample(pairs, count - len(WORDS)))


@dataclass
class Dice:
    """The seeded random source, with a bias on mistakes that keeps the insecure share near the target."""

    rng: random.Random
    bias: float = 1.0

    def mistake(self, probability: float) -> bool:
        return self.rng.random() < min(0.95, probability * self.bias)

    def mistakes(self, count: int, probability: float, low: float, high: float) -> int:
        """How many of `count` items get a mistake: none, or a random fraction of them."""
        if count == 0 or not self.mistake(probability):
            return 0
        return max(1, min(count, round(count * self.rng.uniform(low, high))))


def build_network(dice: Dice, name: str, stack: int, _budget: int) -> Call:
    rng = dice.rng
    azs = rng.choice((2, 2, 3, 3, 3, 4))
    nat = rng.random() < 0.8
    flow = rng.random() < 0.7
    call = Call(
        "net",
        name,
        {
            "source": "./modules/network",
            "name": name,
            "region": Expr("var.region"),
            "cidr": f"10.{stack % 256}.0.0/16",
            "az_count": azs,
            "nat": nat,
            "flow_logs": flow,
            "tags": Expr("local.tags"),
        },
    )
    for rtype, count in {
        "aws_vpc": 1,
        "aws_subnet": 2 * azs,
        "aws_internet_gateway": 1,
        "aws_eip": int(nat),
        "aws_nat_gateway": int(nat),
        "aws_route_table": 2,
        "aws_route": 1 + int(nat),
        "aws_route_table_association": 2 * azs,
        "aws_network_acl": 1,
        "aws_network_acl_rule": 3,
        "aws_cloudwatch_log_group": int(flow),
        "aws_iam_role": int(flow),
        "aws_iam_role_policy": int(flow),
        "aws_flow_log": int(flow),
    }.items():
        call.add(rtype, count)
    return call


def build_app(dice: Dice, name: str, stack: int, budget: int) -> Call:
    rng = dice.rng
    rdp = dice.mistake(0.15)
    fixed = 15 + int(rdp)
    volumes_per_instance = rng.uniform(0.1, 0.4)
    instances = max(1, int((budget - fixed) / (2 + 2 * volumes_per_instance)))
    volumes = min(instances, int(instances * volumes_per_instance))
    public = rng.random() < 0.3
    ssh_world = dice.mistake(0.45)
    admin = dice.mistake(0.2)
    secrets = dice.mistakes(instances, 0.5, 0.5, 1.0)
    net = f"module.{name}_net"
    call = Call(
        "app",
        name,
        {
            "source": "./modules/app",
            "name": name,
            "vpc_id": Expr(f"{net}.vpc_id"),
            "vpc_cidr": Expr(f"{net}.vpc_cidr"),
            "public_subnet_ids": Expr(f"{net}.public_subnet_ids"),
            "private_subnet_ids": Expr(f"{net}.private_subnet_ids"),
            "instance_count": instances,
            "public_instances": public,
            "ssh_cidrs": ["0.0.0.0/0"] if ssh_world else ["10.0.0.0/8"],
            "rdp_open": rdp,
            "secret_instances": secrets,
            "admin_policy": admin,
            "volume_count": volumes,
            "ami": Expr("local.ami"),
            "certificate_arn": Expr("local.certificate_arn"),
            "tags": Expr("local.tags"),
        },
    )
    for rtype, count in {
        "aws_security_group": 2,
        "aws_security_group_rule": 2,
        "aws_vpc_security_group_ingress_rule": int(rdp),
        "aws_vpc_security_group_egress_rule": 1,
        "aws_iam_role": 1,
        "aws_iam_instance_profile": 1,
        "aws_iam_role_policy_attachment": 2,
        "aws_iam_policy": 1,
        "aws_launch_template": 1,
        "aws_instance": instances,
        "aws_ebs_volume": volumes,
        "aws_volume_attachment": volumes,
        "aws_lb": 1,
        "aws_lb_target_group": 1,
        "aws_lb_listener": 2,
        "aws_lb_target_group_attachment": instances,
    }.items():
        call.add(rtype, count)
    every_instance = [f"aws_instance.app[{i}]" for i in range(instances)]
    if ssh_world:
        call.flag(
            "ssh-open-to-world", "aws_security_group_rule.app_ssh", "aws_launch_template.app", *every_instance
        )
    if rdp:
        call.flag("rdp-open-to-world", "aws_vpc_security_group_ingress_rule.app_rdp[0]", *every_instance)
    if admin:
        call.flag("admin-policy-on-workload", "aws_iam_policy.app", "aws_iam_role.app", *every_instance)
    for i in range(secrets):
        call.flag("secret-in-user-data", f"aws_instance.app[{i}]")
    return call


def build_data(dice: Dice, name: str, stack: int, budget: int) -> Call:
    rng = dice.rng
    cluster = rng.random() < 0.5
    cluster_instances = rng.choice((2, 3)) if cluster else 0
    fixed = 2 + (1 + cluster_instances if cluster else 0)
    room = max(5, budget - fixed)
    database_count = max(1, int(room * rng.uniform(0.9, 1.0) / 5))
    table_count = max(0, room - 5 * database_count)
    databases: dict[str, dict[str, bool]] = {}
    for db in _names(rng, database_count):
        databases[db] = {
            "public": dice.mistake(0.15),
            "encrypted": not dice.mistake(0.3),
            "rotation": not dice.mistake(0.3),
        }
    tables = _names(rng, table_count)
    world = dice.mistake(0.3)
    cluster_encrypted = not cluster or not dice.mistake(0.3)
    call = Call(
        "data",
        name,
        {
            "source": "./modules/data",
            "name": name,
            "vpc_id": Expr(f"module.{name}_net.vpc_id"),
            "private_subnet_ids": Expr(f"module.{name}_net.private_subnet_ids"),
            "app_security_group_id": Expr(f"module.{name}_app.app_security_group_id"),
            "databases": databases,
            "open_to_world": world,
            "cluster": cluster,
            "cluster_encrypted": cluster_encrypted,
            "cluster_instances": cluster_instances or 2,
            "tables": tables,
            "tags": Expr("local.tags"),
        },
    )
    for rtype, count in {
        "aws_db_subnet_group": 1,
        "aws_security_group": 1,
        "aws_kms_key": database_count,
        "aws_kms_alias": database_count,
        "aws_db_parameter_group": database_count,
        "aws_db_instance": database_count,
        "aws_cloudwatch_log_group": database_count,
        "aws_rds_cluster": int(cluster),
        "aws_rds_cluster_instance": cluster_instances,
        "aws_dynamodb_table": table_count,
    }.items():
        call.add(rtype, count)
    for db, settings in databases.items():
        if settings["public"]:
            call.flag("rds-public", f'aws_db_instance.db["{db}"]')
        if not settings["encrypted"]:
            call.flag("rds-unencrypted", f'aws_db_instance.db["{db}"]')
        if not settings["rotation"]:
            call.flag("kms-rotation-off", f'aws_kms_key.db["{db}"]')
    if world:
        call.flag(
            "postgres-open-to-world",
            "aws_security_group.db",
            *(f'aws_db_instance.db["{db}"]' for db in databases),
            *(["aws_rds_cluster.this[0]"] if cluster else []),
            *(f"aws_rds_cluster_instance.this[{i}]" for i in range(cluster_instances)),
        )
    if not cluster_encrypted:
        call.flag(
            "aurora-unencrypted",
            "aws_rds_cluster.this[0]",
            *(f"aws_rds_cluster_instance.this[{i}]" for i in range(cluster_instances)),
        )
    return call


def build_storage(dice: Dice, name: str, stack: int, budget: int) -> Call:
    rng = dice.rng
    bucket_count = max(1, (budget - 5) // 6)
    buckets: dict[str, dict[str, bool]] = {}
    for bucket in _names(rng, bucket_count):
        buckets[bucket] = {"block_public": not dice.mistake(0.5), "versioning": rng.random() >= 0.25}
    rotation = not dice.mistake(0.3)
    call = Call(
        "storage",
        name,
        {
            "source": "./modules/storage",
            "name": name,
            "buckets": buckets,
            "kms_rotation": rotation,
            "tags": Expr("local.tags"),
        },
    )
    for rtype, count in {
        "aws_kms_key": 1,
        "aws_kms_alias": 1,
        "aws_s3_bucket": 1 + bucket_count,
        "aws_s3_bucket_public_access_block": 1 + bucket_count,
        "aws_s3_bucket_server_side_encryption_configuration": 1 + bucket_count,
        "aws_s3_bucket_versioning": bucket_count,
        "aws_s3_bucket_logging": bucket_count,
        "aws_s3_bucket_policy": bucket_count,
    }.items():
        call.add(rtype, count)
    for bucket, settings in buckets.items():
        if not settings["block_public"]:
            call.flag(
                "s3-public-access-block-off",
                f'aws_s3_bucket.this["{bucket}"]',
                f'aws_s3_bucket_public_access_block.this["{bucket}"]',
            )
    if not rotation:
        call.flag("kms-rotation-off", "aws_kms_key.s3")
    return call


def build_identity(dice: Dice, name: str, stack: int, budget: int) -> Call:
    rng = dice.rng
    keys = rng.random() < 0.5
    role_count = rng.randint(2, 8)
    room = max(2, budget - 5 - 2 * role_count)
    per_user = 2 + int(keys) + 0.35 + 0.15
    user_count = max(1, int(room / per_user))
    direct = dice.mistakes(user_count, 0.8, 0.3, 0.8)
    inline = dice.mistakes(user_count, 0.4, 0.1, 0.3)
    roles = {
        role: {"service": rng.choice(SERVICES), "admin": dice.mistake(0.12)}
        for role in _names(rng, role_count)
    }
    ci_admin = dice.mistake(0.2)
    call = Call(
        "iam",
        name,
        {
            "source": "./modules/identity",
            "name": name,
            "account_id": Expr("var.account_id"),
            "user_count": user_count,
            "access_keys": keys,
            "direct_policy_users": direct,
            "inline_policy_users": inline,
            "ci_admin": ci_admin,
            "service_roles": roles,
            "tags": Expr("local.tags"),
        },
    )
    for rtype, count in {
        "aws_iam_group": 1,
        "aws_iam_group_policy_attachment": 1,
        "aws_iam_user": user_count,
        "aws_iam_user_group_membership": user_count,
        "aws_iam_access_key": user_count if keys else 0,
        "aws_iam_user_policy_attachment": direct,
        "aws_iam_user_policy": inline,
        "aws_iam_role": 1 + role_count,
        "aws_iam_policy": 1,
        "aws_iam_role_policy_attachment": 1,
        "aws_iam_role_policy": role_count,
    }.items():
        call.add(rtype, count)
    for i in range(direct):
        call.flag(
            "policy-attached-to-user", f"aws_iam_user_policy_attachment.direct[{i}]", f"aws_iam_user.u[{i}]"
        )
    for i in range(inline):
        call.flag("policy-attached-to-user", f"aws_iam_user_policy.inline[{i}]", f"aws_iam_user.u[{i}]")
    if ci_admin:
        call.flag("admin-policy-on-workload", "aws_iam_policy.ci", "aws_iam_role.ci")
    for role, settings in roles.items():
        if settings["admin"]:
            call.flag(
                "admin-policy-on-workload",
                f'aws_iam_role_policy.svc["{role}"]',
                f'aws_iam_role.svc["{role}"]',
            )
    return call


def build_serverless(dice: Dice, name: str, stack: int, budget: int) -> Call:
    rng = dice.rng
    room = max(9, budget - 3)
    topics = max(1, int(room * 0.08 / 3))
    queues = max(1, int(room * 0.08 / 2))
    secret_count = max(0, int(room * rng.uniform(0.03, 0.08)))
    versions = dice.mistakes(secret_count, 0.3, 0.3, 1.0)
    functions = max(1, (room - 3 * topics - 2 * queues - secret_count - versions) // 3)
    env_secrets = dice.mistakes(functions, 0.6, 0.5, 1.0)
    admin = dice.mistake(0.2)
    call = Call(
        "fn",
        name,
        {
            "source": "./modules/serverless",
            "name": name,
            "account_id": Expr("var.account_id"),
            "function_count": functions,
            "secret_env_functions": env_secrets,
            "api_token": Expr("var.payments_api_token") if env_secrets else "",
            "queue_count": queues,
            "topic_count": topics,
            "secret_count": secret_count,
            "hardcoded_secret_versions": versions,
            "initial_password": Expr("local.initial_password") if versions else "",
            "lambda_admin": admin,
            "tags": Expr("local.tags"),
        },
    )
    for rtype, count in {
        "aws_iam_role": 1,
        "aws_iam_role_policy_attachment": 1,
        "aws_iam_role_policy": 1,
        "aws_lambda_function": functions,
        "aws_lambda_permission": functions,
        "aws_cloudwatch_log_group": functions,
        "aws_sqs_queue": queues,
        "aws_sqs_queue_policy": queues,
        "aws_sns_topic": topics,
        "aws_sns_topic_policy": topics,
        "aws_sns_topic_subscription": topics,
        "aws_secretsmanager_secret": secret_count,
        "aws_secretsmanager_secret_version": versions,
    }.items():
        call.add(rtype, count)
    for i in range(env_secrets):
        call.flag("secret-in-lambda-env", f"aws_lambda_function.f[{i}]")
    for i in range(versions):
        call.flag("secret-in-secret-version", f"aws_secretsmanager_secret_version.s[{i}]")
    if admin:
        call.flag(
            "admin-policy-on-workload",
            "aws_iam_role_policy.fn",
            "aws_iam_role.fn",
            *(f"aws_lambda_function.f[{i}]" for i in range(functions)),
        )
    return call


def build_audit(dice: Dice, name: str, stack: int, _budget: int) -> Call:
    multi = not dice.mistake(0.4)
    validation = not dice.mistake(0.4)
    rotation = not dice.mistake(0.3)
    guardduty = stack == 0
    call = Call(
        "audit",
        name,
        {
            "source": "./modules/audit",
            "name": name,
            "account_id": Expr("var.account_id"),
            "region": Expr("var.region"),
            "multi_region": multi,
            "log_file_validation": validation,
            "kms_rotation": rotation,
            "guardduty": guardduty,
            "tags": Expr("local.tags"),
        },
    )
    for rtype, count in {
        "aws_kms_key": 1,
        "aws_kms_alias": 1,
        "aws_s3_bucket": 1,
        "aws_s3_bucket_public_access_block": 1,
        "aws_s3_bucket_server_side_encryption_configuration": 1,
        "aws_s3_bucket_versioning": 1,
        "aws_s3_bucket_policy": 1,
        "aws_cloudwatch_log_group": 1,
        "aws_iam_role": 1,
        "aws_iam_role_policy": 1,
        "aws_cloudtrail": 1,
        "aws_guardduty_detector": int(guardduty),
    }.items():
        call.add(rtype, count)
    if not multi:
        call.flag("cloudtrail-single-region", "aws_cloudtrail.this")
    if not validation:
        call.flag("cloudtrail-no-validation", "aws_cloudtrail.this")
    if not rotation:
        call.flag("kms-rotation-off", "aws_kms_key.trail")
    return call


Builder = Callable[[Dice, str, int, int], Call]
# The order matters: later calls of a stack refer to the outputs of earlier ones.
STACK: tuple[tuple[str, Builder], ...] = (
    ("network", build_network),
    ("app", build_app),
    ("data", build_data),
    ("storage", build_storage),
    ("identity", build_identity),
    ("serverless", build_serverless),
)
TARGET_SHARE = 0.3
SMALLEST_CALL = 40  # below this, the rest of the budget pads the previous call instead


def plan(resources: int, seed: int) -> list[Call]:
    """Decide every module call so that the estate has exactly `resources` resource instances."""
    if resources < 50:
        raise ValueError("the smallest estate has 50 resources")
    dice = Dice(random.Random(seed))
    calls: list[Call] = []
    insecure = 0
    remaining = resources
    stack = 0
    while remaining > 0:
        name = f"s{stack:03d}"
        steps = list(STACK) + ([("audit", build_audit)] if stack % 4 == 0 else [])
        for kind, build in steps:
            if remaining == 0:
                break
            done = resources - remaining
            if done:  # integral control: push harder for as long as the share stays below the target
                dice.bias = max(0.3, min(2.0, dice.bias * math.exp(4.0 * (TARGET_SHARE - insecure / done))))
            budget = dice.rng.randint(110, 230)
            if remaining - budget < SMALLEST_CALL:
                budget = remaining
            call = build(dice, name, stack, budget)
            if call.size > remaining:
                # Too small a rest for one more call of this kind: the previous call takes it.
                calls[-1].pad(remaining)
                remaining = 0
                break
            if kind not in ("network", "audit") and call.size < budget:
                call.pad(budget - call.size)
            calls.append(call)
            remaining -= call.size
            insecure += len(call.insecure)
        stack += 1
    return calls


def render_root(calls: list[Call], seed: int) -> dict[str, str]:
    """The root module's files."""
    rng = random.Random(seed ^ 0x5EC12E7)
    token = "pk_live_" + "".join(
        rng.choice("abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789") for _ in range(32)
    )
    password = "".join(
        rng.choice("abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789!#%+") for _ in range(20)
    )
    variables = f"""variable "region" {{
  type    = string
  default = "{REGION}"
}}

variable "account_id" {{
  type    = string
  default = "{ACCOUNT_ID}"
}}

variable "environment" {{
  type    = string
  default = "prod"
}}

# Left here "until the pipeline passes it in".
variable "payments_api_token" {{
  type    = string
  default = "{token}"
}}
"""
    total = sum(c.size for c in calls)
    header = f"""# Synthetic estate generated by benchmarks/generate.py (seed {seed}): {total} resources
# in {len(calls)} module calls. Do not edit; regenerate.

terraform {{
  required_version = ">= 1.5"
  required_providers {{
    aws = {{
      source  = "hashicorp/aws"
      version = "~> 5.0"
    }}
  }}
}}

provider "aws" {{
  region = var.region
}}

locals {{
  ami              = "ami-0c1a7f89451184c8b"
  certificate_arn  = "arn:aws:acm:${{var.region}}:${{var.account_id}}:certificate/{CERTIFICATE_ID}"
  initial_password = "{password}"
  tags = {{
    Environment = var.environment
    Owner       = "platform"
    ManagedBy   = "terraform"
  }}
}}
"""
    blocks = [header]
    for call in calls:
        blocks.append(_module_block(call))
    return {"main.tf": "\n".join(blocks), "variables.tf": variables}


def _module_block(call: Call) -> str:
    args = dict(call.args)
    simple = [(k, v) for k, v in args.items() if not isinstance(v, dict) or not v]
    nested = [(k, v) for k, v in args.items() if isinstance(v, dict) and v]
    width = max(len(k) for k, _ in simple)
    lines = [f'module "{call.label}" {{']
    lines += [f"  {k:<{width}} = {hcl(v)}" for k, v in simple]
    for key, value in nested:
        lines += ["", f"  {key} = {hcl(value)}"]
    lines.append("}")
    return "\n".join(lines) + "\n"


LAYOUTS = ("synthetic", "real")


def generate(
    resources: int, out: Path, seed: int = DEFAULT_SEED, layout: str = "synthetic"
) -> dict[str, object]:
    """Write the estate to `out` (replacing it) and its manifest next to it; return the manifest.
    ``layout``: ``synthetic`` (one root calling every module) or ``real`` (see real_layout.py)."""
    if layout == "real":
        return _generate_real(resources, out, seed)
    if layout != "synthetic":
        raise ValueError(f"unknown layout {layout!r}: {', '.join(LAYOUTS)}")
    calls = plan(resources, seed)
    if out.exists():
        shutil.rmtree(out)
    (out / "modules").mkdir(parents=True)
    # Only the modules that are called: an uncalled module folder would be a root module of its own.
    for module in sorted({str(call.args["source"]).removeprefix("./modules/") for call in calls}):
        shutil.copytree(TEMPLATES / module, out / "modules" / module)
    for filename, text in render_root(calls, seed).items():
        (out / filename).write_text(text)
    manifest = _manifest(calls, resources, seed, out)
    out.with_name(out.name + ".manifest.json").write_text(
        json.dumps(manifest, indent=2, sort_keys=True) + "\n"
    )
    return manifest


def _generate_real(resources: int, out: Path, seed: int) -> dict[str, object]:
    if str(HERE) not in sys.path:
        sys.path.insert(0, str(HERE))
    from real_layout import plan_real, write_real

    environments = plan_real(resources, seed)
    write_real(environments, out, seed)
    calls = [call for environment in environments for call in environment.calls()]
    manifest = _manifest(calls, resources, seed, out)  # type: ignore[arg-type]
    services = sum(len(e.services) for e in environments)
    manifest.update(
        {
            "layout": "real",
            "environments": len(environments),
            "services": services,
            # the leaf calls (network, audit, tiers), plus a platform call per environment and a service
            # call per service
            "module_calls": len(calls) + len(environments) + services,
            "calls_per_module": {},
        }
    )
    out.with_name(out.name + ".manifest.json").write_text(
        json.dumps(manifest, indent=2, sort_keys=True) + "\n"
    )
    return manifest


def _manifest(calls: list[Call], resources: int, seed: int, out: Path) -> dict[str, object]:
    types: Counter[str] = Counter()
    issues: Counter[str] = Counter()
    insecure: set[str] = set()
    issue_addresses: dict[str, set[str]] = {}
    for call in calls:
        types.update(call.types)
        issues.update(call.issues)
        insecure |= call.insecure
        for issue, addresses in call.issue_addresses.items():
            issue_addresses.setdefault(issue, set()).update(addresses)
    total = sum(types.values())
    assert total == resources, (total, resources)
    by_rule: Counter[str] = Counter()
    by_checkov: Counter[str] = Counter()
    for issue, count in issues.items():
        rule, checks = ISSUES[issue]
        by_rule[rule] += count
        for check in checks:
            by_checkov[check] += count
    digest = hashlib.sha256()
    for path in sorted(p for p in out.rglob("*") if p.is_file()):
        digest.update(path.relative_to(out).as_posix().encode() + b"\0" + path.read_bytes())
    return {
        "seed": seed,
        "resources": total,
        "module_calls": len(calls),
        "calls_per_module": dict(sorted(Counter(str(c.args["source"]) for c in calls).items())),
        "resource_types": {kind: count for kind, count in sorted(types.items()) if count},
        "insecure_resources": len(insecure),
        "insecure_share": round(len(insecure) / total, 4),
        "issues": dict(sorted(issues.items())),
        "seeded_by_ringfence_rule": dict(sorted(by_rule.items())),
        "seeded_by_checkov_check": dict(sorted(by_checkov.items())),
        "insecure_addresses": sorted(insecure),
        "issue_addresses": {issue: sorted(addresses) for issue, addresses in sorted(issue_addresses.items())},
        "sha256": digest.hexdigest(),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--resources", "-n", type=int, required=True)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--out", type=Path, help="default: benchmarks/corpus/n<N> (real layout: real<N>)")
    parser.add_argument(
        "--layout",
        choices=LAYOUTS,
        default="synthetic",
        help="synthetic: one root calling every module; real: environments calling shared modules above "
        "them, modules three levels deep, large locals and for_each maps, many files",
    )
    args = parser.parse_args(argv)
    out = args.out or HERE / "corpus" / f"{'real' if args.layout == 'real' else 'n'}{args.resources}"
    manifest = generate(args.resources, out, args.seed, args.layout)
    print(
        f"{out}: {manifest['resources']} resources, {manifest['module_calls']} module calls, "
        f"{manifest['insecure_share']:.1%} insecure"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
