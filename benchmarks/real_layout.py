"""The benchmark estate laid out the way teams lay out Terraform (``generate.py --layout real``).

    <out>/live/envs/<env>/          one root module per environment, in many files: versions.tf,
                                    variables.tf, locals.tf, one services-<name>.tf per service (a large
                                    `locals` map of its settings), main.tf calling the platform module
    <out>/live/modules/platform/    level 1: the environment's network, one `service` call per entry of
                                    the services map (`for_each`), its audit trail
    <out>/live/modules/service/     level 2: a service's application, data, storage, identity and
                                    serverless tiers, wired output to input
    <out>/live/modules/<tier>/      level 3: the same leaf modules as the synthetic estate

Environments call the shared modules above them (`source = "../../modules/platform"`), modules call
modules three levels deep, and every setting travels from an environment's `locals` through two module
boundaries (`var.config.app.instance_count`) before a leaf module's `count` or `for_each` reads it. The
tiers are the synthetic estate's builders, so sizes, seeded mistakes and the manifest mean the same; the
number of resource instances after evaluation is exactly the one asked for.
"""

from __future__ import annotations

import random
import shutil
from pathlib import Path

from generate import (
    ACCOUNT_ID,
    CERTIFICATE_ID,
    REGION,
    TARGET_SHARE,
    TEMPLATES,
    WORDS,
    Builder,
    Call,
    Dice,
    Expr,
    build_app,
    build_audit,
    build_data,
    build_identity,
    build_network,
    build_serverless,
    build_storage,
    hcl,
)

ENVIRONMENTS = ("prod-eu", "prod-us", "prod-ap", "staging", "qa", "dev", "perf", "sandbox", "dr", "demo")
RESOURCES_PER_ENVIRONMENT = 850
RESOURCES_PER_TIER = (25, 60)
# The service module's tiers, in the order they refer to each other (data reads the app's security group).
TIERS: tuple[tuple[str, Builder], ...] = (
    ("app", build_app),
    ("data", build_data),
    ("storage", build_storage),
    ("identity", build_identity),
    ("serverless", build_serverless),
)
# Arguments that are references, not settings: how the module that calls the tier writes them.
REFERENCES = {
    "vpc_id": "var.network.vpc_id",
    "vpc_cidr": "var.network.vpc_cidr",
    "public_subnet_ids": "var.network.public_subnet_ids",
    "private_subnet_ids": "var.network.private_subnet_ids",
    "app_security_group_id": "module.app.app_security_group_id",
    "ami": "var.ami",
    "certificate_arn": "var.certificate_arn",
    "account_id": "var.account_id",
    "region": "var.region",
    "tags": "local.tags",
    "name": "var.name",
}


def environment_names(count: int) -> list[str]:
    if count <= len(ENVIRONMENTS):
        return list(ENVIRONMENTS[:count])
    return [f"{env}-{i}" for i in range(1, count // len(ENVIRONMENTS) + 2) for env in ENVIRONMENTS][:count]


def _fit(dice: Dice, build: Builder, name: str, stack: int, budget: int) -> Call:
    """A call of exactly ``budget`` resources: smaller budgets until it fits, then padded."""
    aim = budget
    while True:
        call = build(dice, name, stack, aim)
        if call.size <= budget or aim <= 1:
            break
        aim -= call.size - budget
    if call.size > budget:
        raise ValueError(f"a {call.kind} call needs more than {budget} resources")
    call.pad(budget - call.size)
    return call


def _split(total: int, parts: int, rng: random.Random) -> list[int]:
    """``parts`` sizes of about ``total / parts`` each (within 25%), summing to ``total``."""
    weights = [rng.uniform(0.75, 1.25) for _ in range(parts)]
    sizes = [int(total * w / sum(weights)) for w in weights]
    sizes[-1] += total - sum(sizes)
    return sizes


class Environment:
    """One environment: its network and audit calls, and its services (each a tier -> call map)."""

    def __init__(self, name: str, network: Call, audit: Call, services: dict[str, dict[str, Call]]) -> None:
        self.name = name
        self.network = network
        self.audit = audit
        self.services = services

    def calls(self) -> list[Call]:
        return [self.network, *(c for tiers in self.services.values() for c in tiers.values()), self.audit]


def plan_real(resources: int, seed: int) -> list[Environment]:
    """Every environment, service and tier, so that the estate has exactly ``resources`` instances."""
    if resources < 400:
        raise ValueError("the smallest real-layout estate has 400 resources")
    dice = Dice(random.Random(seed))
    rng = dice.rng
    # At least two: with one root module, ringfence and Terraform name resources without its folder.
    names = environment_names(max(2, round(resources / RESOURCES_PER_ENVIRONMENT)))
    budgets = _split(resources, len(names), rng)
    out: list[Environment] = []
    insecure = done = 0
    for index, (env, budget) in enumerate(zip(names, budgets, strict=True)):
        network = build_network(dice, env, index, 0)
        audit = build_audit(dice, env, index, 0)
        room = budget - network.size - audit.size
        count = max(1, round(room / (len(TIERS) * sum(RESOURCES_PER_TIER) / 2)))
        service_names = sorted(rng.sample(WORDS, min(count, len(WORDS))))
        services: dict[str, dict[str, Call]] = {}
        for service, service_budget in zip(service_names, _split(room, len(service_names), rng), strict=True):
            services[service] = {}
            for (tier, build), tier_budget in zip(
                TIERS, _split(service_budget, len(TIERS), rng), strict=True
            ):
                if done:
                    dice.bias = max(
                        0.3, min(2.0, dice.bias * (1.5 if insecure / done < TARGET_SHARE else 0.75))
                    )
                call = _fit(dice, build, f"{env}-{service}", index, tier_budget)
                services[service][tier] = call
                done += call.size
                insecure += len(call.insecure)
        out.append(Environment(env, network, audit, services))
        done += network.size + audit.size
        insecure += len(network.insecure) + len(audit.insecure)
    for environment in out:
        _relocate(environment)
    return out


def _relocate(environment: Environment) -> None:
    """The addresses the builders flagged (``module.<label>.x``), as Terraform names them in this layout."""
    prefix = f"live/envs/{environment.name}:module.platform."
    moves = [(environment.network, prefix + "module.network."), (environment.audit, prefix + "module.audit.")]
    for service, tiers in environment.services.items():
        for tier, call in tiers.items():
            moves.append((call, f'{prefix}module.service["{service}"].module.{tier}.'))
    for call, new in moves:
        old = f"module.{call.label}."
        call.insecure = {new + a.removeprefix(old) for a in call.insecure}
        call.issue_addresses = {
            issue: {new + a.removeprefix(old) for a in addresses}
            for issue, addresses in call.issue_addresses.items()
        }


# -- rendering ------------------------------------------------------------------------------------------------
def _settings(call: Call) -> dict[str, object]:
    """What an environment writes down for a tier: its settings, not its references."""
    out: dict[str, object] = {}
    for key, value in call.args.items():
        if key in ("source", "name") or key in REFERENCES:
            continue
        if key in ("api_token", "initial_password"):
            out[f"{key}_in_env"] = isinstance(value, Expr)
            continue
        out[key] = value
    out.setdefault("extra_log_groups", 0)
    return out


def _tier_block(tier: str, call: Call, source: str, config: str) -> str:
    """The call of a tier's leaf module: references as the calling module writes them, settings read from
    ``config`` (the tier's entry of the environment's map)."""
    pairs: list[tuple[str, str]] = []
    for key in call.args:
        if key == "source":
            continue
        if key in REFERENCES:
            pairs.append((key, REFERENCES[key]))
        elif key in ("api_token", "initial_password"):
            pairs.append((key, f'{config}.{key}_in_env ? var.{key} : ""'))
        else:
            pairs.append((key, f"{config}.{key}"))
    if "extra_log_groups" not in call.args:
        pairs.append(("extra_log_groups", f"{config}.extra_log_groups"))
    width = max(len(k) for k, _ in pairs)
    lines = [f'module "{tier}" {{', f'  source = "{source}"', ""]
    lines += [f"  {k:<{width}} = {v}" for k, v in pairs]
    lines.append("}")
    return "\n".join(lines) + "\n"


_VARIABLE = 'variable "{name}" {{\n  type = {type}\n}}\n'


def _variables(spec: dict[str, str]) -> str:
    return "\n".join(_VARIABLE.format(name=n, type=t) for n, t in spec.items())


SERVICE_VARIABLES = {
    "name": "string",
    "config": "any",
    "network": "object({ vpc_id = string, vpc_cidr = string, public_subnet_ids = list(string), "
    "private_subnet_ids = list(string) })",
    "account_id": "string",
    "ami": "string",
    "certificate_arn": "string",
    "api_token": "string",
    "initial_password": "string",
    "tags": "map(string)",
}
PLATFORM_VARIABLES = {
    "name": "string",
    "region": "string",
    "account_id": "string",
    "network": "any",
    "audit": "any",
    "services": "any",
    "ami": "string",
    "certificate_arn": "string",
    "api_token": "string",
    "initial_password": "string",
    "tags": "map(string)",
}


def render_service_module(sample: dict[str, Call]) -> dict[str, str]:
    blocks = [
        "# A service: its tiers, each a leaf module, configured by one entry of the environment's services map.\n",
        "locals {\n  tags = merge(var.tags, { Service = var.name })\n}\n",
    ]
    for tier, call in sample.items():
        blocks.append(_tier_block(tier, call, f"../{tier}", f"var.config.{tier}"))
    outputs = 'output "app_security_group_id" {\n  value = module.app.app_security_group_id\n}\n'
    return {
        "main.tf": "\n".join(blocks),
        "variables.tf": _variables(SERVICE_VARIABLES),
        "outputs.tf": outputs,
    }


def render_platform_module(environment: Environment) -> dict[str, str]:
    net = _tier_block("network", environment.network, "../network", "var.network")
    audit = _tier_block("audit", environment.audit, "../audit", "var.audit")
    service = """module "service" {
  source   = "../service"
  for_each = var.services

  name             = "${var.name}-${each.key}"
  config           = each.value
  account_id       = var.account_id
  ami              = var.ami
  certificate_arn  = var.certificate_arn
  api_token        = var.api_token
  initial_password = var.initial_password
  tags             = local.service_tags[each.key]
  network = {
    vpc_id             = module.network.vpc_id
    vpc_cidr           = module.network.vpc_cidr
    public_subnet_ids  = module.network.public_subnet_ids
    private_subnet_ids = module.network.private_subnet_ids
  }
}
"""
    locals_tf = """locals {
  tags = merge(var.tags, { Platform = var.name })
  # One tag set per service: cost centre and on-call rotation derived from the service's position.
  service_tags = {
    for index, key in sorted(keys(var.services)) : key => merge(local.tags, {
      Service    = key
      CostCenter = format("cc-%04d", 1000 + index * 7)
      OnCall     = element(["blue", "green", "amber"], index)
    })
  }
}
"""
    outputs = 'output "vpc_id" {\n  value = module.network.vpc_id\n}\n'
    return {
        "main.tf": "# An environment's platform: network, services, audit trail.\n\n"
        + net
        + "\n"
        + service
        + "\n"
        + audit,
        "locals.tf": locals_tf,
        "variables.tf": _variables(PLATFORM_VARIABLES),
        "outputs.tf": outputs,
    }


def render_environment(environment: Environment, seed: int) -> dict[str, str]:
    rng = random.Random(f"{seed}:{environment.name}")
    token = "pk_live_" + "".join(
        rng.choice("abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789") for _ in range(32)
    )
    password = "".join(
        rng.choice("abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789!#%+") for _ in range(20)
    )
    files: dict[str, str] = {}
    files["versions.tf"] = """terraform {
  required_version = ">= 1.5"
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.0"
    }
  }
}

provider "aws" {
  region = var.region
}
"""
    files["variables.tf"] = f"""variable "region" {{
  type    = string
  default = "{REGION}"
}}

variable "account_id" {{
  type    = string
  default = "{ACCOUNT_ID}"
}}

# Left here "until the pipeline passes it in".
variable "payments_api_token" {{
  type    = string
  default = "{token}"
}}
"""
    network = _settings(environment.network)
    files["locals.tf"] = f"""locals {{
  environment      = "{environment.name}"
  ami              = "ami-0c1a7f89451184c8b"
  certificate_arn  = "arn:aws:acm:${{var.region}}:${{var.account_id}}:certificate/{CERTIFICATE_ID}"
  initial_password = "{password}"
  tags = {{
    Environment = local.environment
    Owner       = "platform"
    ManagedBy   = "terraform"
  }}
  network = {hcl(network)}
  audit = {hcl(_settings(environment.audit))}
}}
"""
    for service, tiers in environment.services.items():
        config = {tier: _settings(call) for tier, call in tiers.items()}
        files[f"services-{service}.tf"] = (
            f"locals {{\n  service_{service.replace('-', '_')} = {hcl(config, indent=2)}\n}}\n"
        )
    entries = "\n".join(
        f"    {service} = local.service_{service.replace('-', '_')}" for service in environment.services
    )
    files[
        "main.tf"
    ] = f"""# Environment {environment.name}: the platform module with this environment's services.

locals {{
  services = {{
{entries}
  }}
}}

module "platform" {{
  source = "../../modules/platform"

  name             = local.environment
  region           = var.region
  account_id       = var.account_id
  network          = local.network
  audit            = local.audit
  services         = local.services
  ami              = local.ami
  certificate_arn  = local.certificate_arn
  api_token        = var.payments_api_token
  initial_password = local.initial_password
  tags             = local.tags
}}
"""
    files["outputs.tf"] = 'output "vpc_id" {\n  value = module.platform.vpc_id\n}\n'
    return files


def write_real(environments: list[Environment], out: Path, seed: int) -> None:
    if out.exists():
        shutil.rmtree(out)
    modules = out / "live" / "modules"
    for tier in ("network", "audit", *(t for t, _ in TIERS)):
        shutil.copytree(TEMPLATES / tier, modules / tier)
    first = environments[0]
    for folder, files in (
        ("service", render_service_module(next(iter(first.services.values())))),
        ("platform", render_platform_module(first)),
    ):
        (modules / folder).mkdir(parents=True)
        for name, text in files.items():
            (modules / folder / name).write_text(text)
    for environment in environments:
        folder = out / "live" / "envs" / environment.name
        folder.mkdir(parents=True)
        for name, text in render_environment(environment, seed).items():
            (folder / name).write_text(text)
