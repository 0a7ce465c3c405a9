"""Module repositories in the shapes they are published in: the module at the top (or under modules/), an
example root calling it at ``../../``. Each estate is Terraform written here, read through tfparse and
scanned for real; the expected answers are read from the Terraform by hand.

- A bucket module that builds its policy from switches: a combined document with ``count``,
  ``source_policy_documents = compact([var.x ? data.y[0].json : "", ...])``, attached by
  ``aws_s3_bucket_policy`` with ``policy = data.z[0].json``. A TLS-only switch on must pass
  ``s3.bucket-requires-tls``, off must fail, a merged document not known before apply must stay unknown.
- An endpoints module with ``for_each`` over a map of objects filtered by ``if try(v.create, true)`` and a
  ``data "aws_vpc_endpoint_service"`` with the same keys: every key its own address with its service.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

import pytest

from ringfence.checks.base import Status
from ringfence.checks.catalogue import CATALOGUE
from ringfence.checks.context import Context
from ringfence.model import Estate, Resource, is_known
from ringfence.sources import LoadOptions, load_estate
from tests.conftest import ROOT

TLS = "s3.bucket-requires-tls"

# The bucket module (the repository's own root), in the repository's file layout.
BUCKET_MODULE = {
    "main.tf": """
locals {
  with_policy = var.tls_only || var.deny_unencrypted || var.attach_extra
}

resource "aws_s3_bucket" "this" {
  count         = var.enabled ? 1 : 0
  bucket        = var.bucket
  force_destroy = var.force_destroy
}

resource "aws_s3_bucket_public_access_block" "this" {
  count                   = var.enabled ? 1 : 0
  bucket                  = aws_s3_bucket.this[0].id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_policy" "this" {
  count  = var.enabled && local.with_policy ? 1 : 0
  bucket = aws_s3_bucket.this[0].id
  policy = data.aws_iam_policy_document.combined[0].json

  depends_on = [aws_s3_bucket_public_access_block.this]
}

data "aws_iam_policy_document" "combined" {
  count = var.enabled && local.with_policy ? 1 : 0

  source_policy_documents = compact([
    var.tls_only ? data.aws_iam_policy_document.tls_only[0].json : "",
    var.deny_unencrypted ? data.aws_iam_policy_document.deny_unencrypted[0].json : "",
    var.attach_extra ? var.extra_policy : "",
  ])
}
""",
    "documents.tf": """
data "aws_iam_policy_document" "tls_only" {
  count = var.enabled && var.tls_only ? 1 : 0

  statement {
    sid       = "RefusePlainHttp"
    effect    = "Deny"
    actions   = ["s3:*"]
    resources = [aws_s3_bucket.this[0].arn, "${aws_s3_bucket.this[0].arn}/*"]
    principals {
      type        = "*"
      identifiers = ["*"]
    }
    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }
}

data "aws_iam_policy_document" "deny_unencrypted" {
  count = var.enabled && var.deny_unencrypted ? 1 : 0

  statement {
    sid       = "RefuseUnencryptedUploads"
    effect    = "Deny"
    actions   = ["s3:PutObject"]
    resources = ["${aws_s3_bucket.this[0].arn}/*"]
    principals {
      type        = "*"
      identifiers = ["*"]
    }
    condition {
      test     = "Null"
      variable = "s3:x-amz-server-side-encryption"
      values   = ["true"]
    }
  }
}
""",
    "variables.tf": """
variable "enabled" {
  type    = bool
  default = true
}
variable "bucket" {
  type    = string
  default = null
}
variable "force_destroy" {
  type    = bool
  default = false
}
variable "tls_only" {
  type    = bool
  default = false
}
variable "deny_unencrypted" {
  type    = bool
  default = false
}
variable "attach_extra" {
  type    = bool
  default = false
}
variable "extra_policy" {
  type    = string
  default = ""
}
""",
    "outputs.tf": 'output "bucket_arn" { value = try(aws_s3_bucket.this[0].arn, "") }\n',
}


def bucket_example(name: str, calls: Mapping[str, str], extra: str = "") -> dict[str, str]:
    """An example root at examples/``name`` calling the module at ``../../`` once per entry of ``calls``
    (call name -> its arguments); bucket names are built from a ``random_pet`` as such examples do."""
    body = [
        'provider "aws" {\n  region = "eu-central-1"\n}\n',
        'resource "random_pet" "suffix" {\n  length = 2\n}\n',
    ]
    for call, arguments in calls.items():
        body.append(f'module "{call}" {{\n  source = "../../"\n{arguments}\n}}\n')
    return {f"examples/{name}/main.tf": "\n".join(body) + extra}


def write(base: Path, files: Mapping[str, str]) -> Path:
    for rel, text in files.items():
        target = base / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    return base


def statuses(estate: Estate, rule_id: str) -> dict[str, str]:
    """Every resource the check looks at -> its status (pass included)."""
    check = next(c for c in CATALOGUE if c.rule_id == rule_id)
    assert check.per_resource is not None
    ctx = Context(estate)
    out: dict[str, str] = {}
    for resource in estate.of_kind(*check.kinds):
        for result in check.per_resource(resource, ctx):
            out[result.resource.address] = result.status.value
    return out


def scan_json(path: Path) -> dict:  # type: ignore[type-arg]
    done = subprocess.run(
        [sys.executable, "-m", "ringfence", "scan", str(path), "--format", "json", "--fail-on", "none"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)  # type: ignore[no-any-return]


def tls_results(report: dict) -> dict[str, str]:  # type: ignore[type-arg]
    return {f["resource"]: f["status"] for f in report["findings"] if f["rule_id"] == TLS}


PASS, FAIL, UNKNOWN = Status.PASS.value, Status.FAIL.value, Status.UNKNOWN.value


@pytest.mark.parametrize(
    "name",
    [
        pytest.param('"locked-${random_pet.suffix.id}"', id="name-computed-at-apply"),
        pytest.param('"locked-data-store"', id="literal-name"),
    ],
)
def test_tls_switch_in_the_module_decides_the_bucket(tmp_path: Path, name: str) -> None:
    open_name = name.replace("locked", "open")
    both_name = name.replace("locked", "both")
    repo = write(
        tmp_path / "repo",
        BUCKET_MODULE
        | bucket_example(
            "complete",
            {
                "locked": f"  bucket   = {name}\n  tls_only = true",
                "open": f"  bucket = {open_name}",
                "both": f"  bucket           = {both_name}\n  tls_only         = true\n  deny_unencrypted = true",
                "encrypted_only": f"  bucket           = {name.replace('locked', 'enc')}\n  deny_unencrypted = true",
                "off": "  enabled  = false\n  tls_only = true",
            },
        ),
    )
    example = repo / "examples" / "complete"
    expected = {
        "module.locked.aws_s3_bucket.this[0]": PASS,
        "module.both.aws_s3_bucket.this[0]": PASS,
        "module.open.aws_s3_bucket.this[0]": FAIL,
        "module.encrypted_only.aws_s3_bucket.this[0]": FAIL,
    }
    estate = load_estate([str(example)])
    assert statuses(estate, TLS) == expected
    # The policy is attached to its own bucket, the public access block too.
    for call in ("locked", "both", "encrypted_only"):
        configures = {
            r.address
            for r in estate.resources
            if r.kind in ("aws_s3_bucket_policy", "aws_s3_bucket_public_access_block")
            and r.address.startswith(f"module.{call}.")
        }
        assert len(configures) == 2, configures
        bucket = estate.by_address[f"module.{call}.aws_s3_bucket.this[0]"]
        ctx = Context(estate)
        linked = {
            r.address
            for kind in ("aws_s3_bucket_policy", "aws_s3_bucket_public_access_block")
            for r in ctx.configuration(bucket, kind)
        }
        assert linked == configures

    # From the example, and from the repository (whose only root is the example: the module at the top
    # is called by it), the same answer.
    fails = {address: FAIL for address, status in expected.items() if status == FAIL}
    for scanned in (example, repo):
        report = scan_json(scanned)
        assert report["errors"] == [], report["errors"]
        assert tls_results(report) == fails


def test_both_switches_merge_both_statements(tmp_path: Path) -> None:
    repo = write(
        tmp_path / "repo",
        BUCKET_MODULE
        | bucket_example(
            "both",
            {
                "both": '  bucket = "both-${random_pet.suffix.id}"\n  tls_only = true\n  deny_unencrypted = true'
            },
        ),
    )
    estate = load_estate([str(repo / "examples" / "both")])
    policy = estate.by_address["module.both.aws_s3_bucket_policy.this[0]"].attributes["policy"]
    assert isinstance(policy, str), policy
    document = json.loads(policy)
    assert [s["Sid"] for s in document["Statement"]] == ["RefusePlainHttp", "RefuseUnencryptedUploads"]
    bucket = estate.by_address["module.both.aws_s3_bucket.this[0]"]
    # The statements name the bucket itself, its computed name spelled with a placeholder.
    assert document["Statement"][0]["Resource"] == [bucket.arn, f"{bucket.arn}/*"]
    assert bucket.arn is not None and bucket.arn.startswith("arn:aws:s3:::both-")


def test_an_extra_document_from_the_example_is_merged(tmp_path: Path) -> None:
    extra = """
data "aws_iam_policy_document" "readers" {
  statement {
    sid       = "Readers"
    actions   = ["s3:GetObject"]
    resources = ["arn:aws:s3:::shared-reports/*"]
    principals {
      type        = "AWS"
      identifiers = ["arn:aws:iam::111122223333:root"]
    }
  }
}
data "aws_iam_policy" "remote" {
  name = "ReadOnlyAccess"
}
"""
    repo = write(
        tmp_path / "repo",
        BUCKET_MODULE
        | bucket_example(
            "extra",
            {
                "known": '  bucket = "shared-reports"\n  tls_only = true\n'
                "  attach_extra = true\n  extra_policy = data.aws_iam_policy_document.readers.json",
                "readers_only": '  bucket = "readers-only"\n  attach_extra = true\n  extra_policy = data.aws_iam_policy_document.readers.json',
                "remote": '  bucket = "remote-merged"\n  tls_only = true\n  attach_extra = true\n  extra_policy = data.aws_iam_policy.remote.policy',
                "remote_only": '  bucket = "remote-only"\n  attach_extra = true\n  extra_policy = data.aws_iam_policy.remote.policy',
            },
            extra,
        ),
    )
    estate = load_estate([str(repo / "examples" / "extra")])
    assert statuses(estate, TLS) == {
        "module.known.aws_s3_bucket.this[0]": PASS,
        "module.readers_only.aws_s3_bucket.this[0]": FAIL,
        # A policy read from the account at plan time: what it holds is not known, nor the merge.
        "module.remote.aws_s3_bucket.this[0]": UNKNOWN,
        # Before, inside the module the input read as null, compact() dropped it and the policy was
        # judged with no statement at all.
        "module.remote_only.aws_s3_bucket.this[0]": UNKNOWN,
    }
    remote = estate.by_address["module.remote_only.aws_s3_bucket_policy.this[0]"].attributes["policy"]
    assert not is_known(remote)
    assert "data.aws_iam_policy.remote.policy" in str(remote)
    known = estate.by_address["module.known.aws_s3_bucket_policy.this[0]"].attributes["policy"]
    assert isinstance(known, str)
    assert [s["Sid"] for s in json.loads(known)["Statement"]] == ["RefusePlainHttp", "Readers"]


def test_documents_merged_at_the_root_in_any_file_order(tmp_path: Path) -> None:
    """A document merging another (source, override), written before or after it."""
    root = write(
        tmp_path / "root",
        {
            "a_policy.tf": """
provider "aws" {
  region = "eu-west-1"
}
resource "aws_s3_bucket" "reports" {
  bucket = "reports-archive"
}
resource "aws_s3_bucket_policy" "reports" {
  bucket = aws_s3_bucket.reports.id
  policy = data.aws_iam_policy_document.final.json
}
data "aws_iam_policy_document" "final" {
  source_policy_documents   = [data.aws_iam_policy_document.base.json]
  override_policy_documents = [data.aws_iam_policy_document.tls.json]
}
""",
            "b_documents.tf": """
data "aws_iam_policy_document" "base" {
  statement {
    sid       = "Transport"
    effect    = "Allow"
    actions   = ["s3:GetObject"]
    resources = ["${aws_s3_bucket.reports.arn}/*"]
    principals {
      type        = "AWS"
      identifiers = ["arn:aws:iam::111122223333:root"]
    }
  }
}
data "aws_iam_policy_document" "tls" {
  statement {
    sid       = "Transport"
    effect    = "Deny"
    actions   = ["s3:*"]
    resources = [aws_s3_bucket.reports.arn, "${aws_s3_bucket.reports.arn}/*"]
    principals {
      type        = "*"
      identifiers = ["*"]
    }
    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }
}
""",
        },
    )
    estate = load_estate([str(root)])
    policy = estate.by_address["aws_s3_bucket_policy.reports"].attributes["policy"]
    assert isinstance(policy, str), policy
    # The override replaces the source's statement of the same sid.
    assert [(s["Sid"], s["Effect"]) for s in json.loads(policy)["Statement"]] == [("Transport", "Deny")]
    assert statuses(estate, TLS) == {"aws_s3_bucket.reports": PASS}


def test_a_document_that_merges_itself_is_unknown(tmp_path: Path) -> None:
    root = write(
        tmp_path / "root",
        {
            "main.tf": """
resource "aws_s3_bucket" "loop" {
  bucket = "loop-bucket"
}
resource "aws_s3_bucket_policy" "loop" {
  bucket = aws_s3_bucket.loop.id
  policy = data.aws_iam_policy_document.a.json
}
data "aws_iam_policy_document" "a" {
  source_policy_documents = [data.aws_iam_policy_document.b.json]
}
data "aws_iam_policy_document" "b" {
  source_policy_documents = [data.aws_iam_policy_document.a.json]
}
""",
        },
    )
    estate = load_estate([str(root)])
    assert statuses(estate, TLS) != {"aws_s3_bucket.loop": PASS}
    assert not is_known(estate.by_address["aws_s3_bucket_policy.loop"].attributes["policy"])


# The endpoints module, under modules/ as in a network module repository.
ENDPOINTS_MODULE = {
    "modules/endpoints/main.tf": """
data "aws_vpc_endpoint_service" "this" {
  for_each = { for k, v in var.endpoints : k => v if var.enabled }

  service      = lookup(each.value, "service", null)
  service_name = lookup(each.value, "service_name", null)

  filter {
    name   = "service-type"
    values = [lookup(each.value, "service_type", "Interface")]
  }
}

resource "aws_vpc_endpoint" "this" {
  for_each = { for k, v in var.endpoints : k => v if var.enabled && try(v.create, true) }

  vpc_id            = var.vpc_id
  service_name      = data.aws_vpc_endpoint_service.this[each.key].service_name
  vpc_endpoint_type = lookup(each.value, "service_type", "Interface")

  subnet_ids         = lookup(each.value, "service_type", "Interface") == "Interface" ? distinct(concat(var.subnet_ids, lookup(each.value, "subnet_ids", []))) : null
  security_group_ids = lookup(each.value, "service_type", "Interface") == "Interface" ? distinct(concat(var.security_group_ids, lookup(each.value, "security_group_ids", []))) : null
  route_table_ids    = lookup(each.value, "service_type", "Interface") == "Gateway" ? lookup(each.value, "route_table_ids", null) : null
  policy             = lookup(each.value, "policy", null)

  private_dns_enabled = lookup(each.value, "service_type", "Interface") == "Interface" ? lookup(each.value, "private_dns_enabled", null) : null

  tags = merge(var.tags, lookup(each.value, "tags", {}))

  timeouts {
    create = lookup(var.timeouts, "create", "10m")
  }
}
""",
    "modules/endpoints/variables.tf": """
variable "enabled" {
  type    = bool
  default = true
}
variable "vpc_id" {
  type    = string
  default = null
}
variable "endpoints" {
  type    = any
  default = {}
}
variable "subnet_ids" {
  type    = list(string)
  default = []
}
variable "security_group_ids" {
  type    = list(string)
  default = []
}
variable "tags" {
  type    = map(string)
  default = {}
}
variable "timeouts" {
  type    = map(string)
  default = {}
}
""",
    "modules/network/main.tf": """
variable "cidr" {
  type = string
}
resource "aws_vpc" "this" {
  cidr_block = var.cidr
}
resource "aws_subnet" "private" {
  count      = 2
  vpc_id     = aws_vpc.this.id
  cidr_block = cidrsubnet(var.cidr, 8, count.index)
}
resource "aws_route_table" "private" {
  vpc_id = aws_vpc.this.id
}
output "vpc_id" {
  value = aws_vpc.this.id
}
output "private_subnets" {
  value = aws_subnet.private[*].id
}
output "private_subnet_objects" {
  value = aws_subnet.private
}
output "route_table_ids" {
  value = [aws_route_table.private.id]
}
""",
    "examples/complete/main.tf": """
provider "aws" {
  region = "eu-west-2"
}

module "network" {
  source = "../../modules/network"
  cidr   = "10.40.0.0/16"
}

resource "aws_security_group" "endpoints" {
  name_prefix = "endpoints-"
  vpc_id      = module.network.vpc_id
}

data "aws_iam_policy_document" "this_vpc_only" {
  statement {
    effect    = "Deny"
    actions   = ["*"]
    resources = ["*"]
    principals {
      type        = "*"
      identifiers = ["*"]
    }
    condition {
      test     = "StringNotEquals"
      variable = "aws:SourceVpc"
      values   = [module.network.vpc_id]
    }
  }
}

module "endpoints" {
  source = "../../modules/endpoints"

  vpc_id     = module.network.vpc_id
  subnet_ids = module.network.private_subnets

  endpoints = {
    s3 = {
      service             = "s3"
      private_dns_enabled = true
      tags                = { Name = "s3" }
    },
    dynamodb = {
      service         = "dynamodb"
      service_type    = "Gateway"
      route_table_ids = module.network.route_table_ids
      policy          = data.aws_iam_policy_document.this_vpc_only.json
    },
    logs = {
      service_name = "com.amazonaws.eu-west-2.logs"
      subnet_ids   = module.network.private_subnets
      subnet_configurations = [
        for s in module.network.private_subnet_objects : { ipv4 = cidrhost(s.cidr_block, 10), subnet_id = s.id }
      ]
    },
    ecs_telemetry = {
      create  = false
      service = "ecs-telemetry"
    },
    ecr_api = {
      service            = "ecr.api"
      security_group_ids = [aws_security_group.endpoints.id]
      policy             = data.aws_iam_policy_document.this_vpc_only.json
    },
  }

  timeouts = { create = "20m" }
}

module "endpoints_with_group" {
  source = "../../modules/endpoints"

  vpc_id             = module.network.vpc_id
  subnet_ids         = module.network.private_subnets
  security_group_ids = [aws_security_group.endpoints.id]

  endpoints = {
    sts = {
      service             = "sts"
      private_dns_enabled = true
    }
  }
}

module "endpoints_off" {
  source  = "../../modules/endpoints"
  enabled = false
  endpoints = {
    kms = { service = "kms" }
  }
}
""",
}

ENDPOINTS = {
    'module.endpoints.aws_vpc_endpoint.this["s3"]': "com.amazonaws.eu-west-2.s3",
    'module.endpoints.aws_vpc_endpoint.this["dynamodb"]': "com.amazonaws.eu-west-2.dynamodb",
    'module.endpoints.aws_vpc_endpoint.this["logs"]': "com.amazonaws.eu-west-2.logs",
    'module.endpoints.aws_vpc_endpoint.this["ecr_api"]': "com.amazonaws.eu-west-2.ecr.api",
    'module.endpoints_with_group.aws_vpc_endpoint.this["sts"]': "com.amazonaws.eu-west-2.sts",
}
# Besides the endpoints: the network module's VPC, two subnets and route table, the example's group.
OTHERS = {
    "module.network.aws_vpc.this",
    "module.network.aws_subnet.private[0]",
    "module.network.aws_subnet.private[1]",
    "module.network.aws_route_table.private",
    "aws_security_group.endpoints",
}


def endpoints_of(estate: Estate) -> dict[str, Resource]:
    return {r.address: r for r in estate.of_kind("aws_vpc_endpoint")}


@pytest.mark.parametrize(
    "variant",
    [
        pytest.param({}, id="for-with-if-try-create"),
        pytest.param(
            {
                "{ for k, v in var.endpoints : k => v if var.enabled }": "local.endpoints",
                "{ for k, v in var.endpoints : k => v if var.enabled && try(v.create, true) }": (
                    "{ for k, v in local.endpoints : k => v if try(v.create, true) }"
                ),
                'data "aws_vpc_endpoint_service"': (
                    'locals {\n  endpoints = var.enabled ? var.endpoints : tomap({})\n}\n\ndata "aws_vpc_endpoint_service"'
                ),
            },
            id="local-map-with-conditional",
        ),
    ],
)
def test_every_endpoint_key_is_its_own_address_with_its_service(
    tmp_path: Path, variant: Mapping[str, str]
) -> None:
    files = dict(ENDPOINTS_MODULE)
    text = files["modules/endpoints/main.tf"]
    for old, new in variant.items():
        assert old in text
        text = text.replace(old, new)
    files["modules/endpoints/main.tf"] = text
    repo = write(tmp_path / "repo", files)
    example = repo / "examples" / "complete"

    estate = load_estate([str(example)])
    endpoints = endpoints_of(estate)
    assert {a: r.attributes.get("service_name") for a, r in endpoints.items()} == ENDPOINTS
    assert {r.address for r in estate.resources} == set(ENDPOINTS) | OTHERS
    assert endpoints['module.endpoints.aws_vpc_endpoint.this["dynamodb"]'].attributes[
        "vpc_endpoint_type"
    ] == ("Gateway")
    # The policies passed in through the map are the root's document, known.
    for key in ("dynamodb", "ecr_api"):
        policy = endpoints[f'module.endpoints.aws_vpc_endpoint.this["{key}"]'].attributes["policy"]
        assert isinstance(policy, str) and json.loads(policy)["Statement"][0]["Effect"] == "Deny"
    assert endpoints['module.endpoints.aws_vpc_endpoint.this["s3"]'].attributes.get("policy") is None
    # Each endpoint is in the VPC the network module creates.
    for address in ENDPOINTS:
        targets = {rel.target for rel in estate.relations if rel.source == address}
        assert "module.network.aws_vpc.this" in targets, (address, targets)

    for scanned in (example, repo):
        report = scan_json(scanned)
        assert report["errors"] == [], report["errors"]
        assert report["summary"]["resources"] == len(ENDPOINTS) + len(OTHERS)
        named = {f["resource"] for f in report["findings"] if f["resource"].startswith("module.endpoints")}
        assert named and named <= set(ENDPOINTS), named


def test_an_endpoint_service_read_only_at_plan_time_is_unknown(tmp_path: Path) -> None:
    """The twin: the data source is given neither a service nor a service name (a filter only): which
    service it finds is read from the account."""
    root = write(
        tmp_path / "root",
        {
            "main.tf": """
provider "aws" {
  region = "eu-west-2"
}
resource "aws_vpc" "main" {
  cidr_block = "10.50.0.0/16"
}
data "aws_vpc_endpoint_service" "found" {
  filter {
    name   = "service-name"
    values = ["*partner*"]
  }
}
resource "aws_vpc_endpoint" "partner" {
  vpc_id       = aws_vpc.main.id
  service_name = data.aws_vpc_endpoint_service.found.service_name
}
""",
        },
    )
    estate = load_estate([str(root)])
    service = estate.by_address["aws_vpc_endpoint.partner"].attributes["service_name"]
    assert not is_known(service), service


def test_a_module_input_set_from_a_data_source_is_that_value(tmp_path: Path) -> None:
    """Inside a module tfparse reads an input set to a data source attribute as null: an argument that is
    the input is the data source's value (the account id the scan knows; a policy read from the account
    is unknown), not absent."""
    repo = write(
        tmp_path / "repo",
        {
            "main.tf": """
variable "owner_account" {
  type = string
}
variable "topic_policy" {
  type = string
}
resource "aws_sns_topic" "alerts" {
  name         = "alerts"
  display_name = var.owner_account
  policy       = var.topic_policy
}
""",
            "examples/simple/main.tf": """
provider "aws" {
  region = "eu-west-1"
}
data "aws_caller_identity" "current" {}
data "aws_iam_policy" "remote" {
  name = "ReadOnlyAccess"
}
module "topic" {
  source        = "../../"
  owner_account = data.aws_caller_identity.current.account_id
  topic_policy  = data.aws_iam_policy.remote.policy
}
""",
        },
    )
    estate = load_estate([str(repo / "examples" / "simple")], LoadOptions(account_id="111122223333"))
    topic = estate.by_address["module.topic.aws_sns_topic.alerts"]
    assert topic.attributes["display_name"] == "111122223333"
    assert not is_known(topic.attributes["policy"])


def test_endpoints_keyed_by_dotted_service_names(tmp_path: Path) -> None:
    """``for_each = toset([...])`` over service names, the keys holding dots (``ecr.api``)."""
    repo = write(
        tmp_path / "repo",
        {
            "modules/by-service/main.tf": """
variable "vpc_id" {
  type = string
}
variable "services" {
  type = set(string)
}
data "aws_vpc_endpoint_service" "this" {
  for_each = var.services
  service  = each.key
}
resource "aws_vpc_endpoint" "this" {
  for_each     = var.services
  vpc_id       = var.vpc_id
  service_name = data.aws_vpc_endpoint_service.this[each.key].service_name
}
""",
            "examples/services/main.tf": """
provider "aws" {
  region = "ap-southeast-2"
}
resource "aws_vpc" "main" {
  cidr_block = "10.60.0.0/16"
}
module "by_service" {
  source   = "../../modules/by-service"
  vpc_id   = aws_vpc.main.id
  services = ["ecr.api", "ecr.dkr", "s3"]
}
""",
        },
    )
    estate = load_estate([str(repo / "examples" / "services")])
    assert {a: r.attributes.get("service_name") for a, r in endpoints_of(estate).items()} == {
        'module.by_service.aws_vpc_endpoint.this["ecr.api"]': "com.amazonaws.ap-southeast-2.ecr.api",
        'module.by_service.aws_vpc_endpoint.this["ecr.dkr"]': "com.amazonaws.ap-southeast-2.ecr.dkr",
        'module.by_service.aws_vpc_endpoint.this["s3"]': "com.amazonaws.ap-southeast-2.s3",
    }


# The endpoints module as the repository's own root, its example calling it at ``../../``.
TOP_ENDPOINTS = {
    "main.tf": """variable "vpc_id" { type = string }
variable "create" {
  type    = bool
  default = true
}
variable "endpoints" {
  type    = any
  default = {}
}
variable "subnet_ids" {
  type    = list(string)
  default = []
}
locals {
  endpoints = { for k, v in var.endpoints : k => v if var.create && try(v.create, true) }
}
data "aws_vpc_endpoint_service" "this" {
  for_each = local.endpoints
  service      = try(each.value.service, null)
  service_type = try(each.value.service_type, "Interface")
}
resource "aws_vpc_endpoint" "this" {
  for_each = local.endpoints

  vpc_id            = var.vpc_id
  service_name      = data.aws_vpc_endpoint_service.this[each.key].service_name
  vpc_endpoint_type = try(each.value.service_type, "Interface")
  subnet_ids        = try(each.value.service_type, "Interface") == "Interface" ? distinct(concat(var.subnet_ids, lookup(each.value, "subnet_ids", []))) : null
  route_table_ids   = try(each.value.service_type, "Interface") == "Gateway" ? lookup(each.value, "route_table_ids", null) : null
  private_dns_enabled = try(each.value.service_type, "Interface") == "Interface" ? try(each.value.private_dns_enabled, null) : null
  tags = merge({ Name = each.key }, try(each.value.tags, {}))
}
output "endpoints" { value = aws_vpc_endpoint.this }
""",
    "examples/complete/main.tf": """provider "aws" { region = "eu-west-1" }
resource "aws_vpc" "main" { cidr_block = "10.0.0.0/16" }
resource "aws_subnet" "a" {
  vpc_id     = aws_vpc.main.id
  cidr_block = "10.0.1.0/24"
}
resource "aws_route_table" "private" { vpc_id = aws_vpc.main.id }
module "endpoints" {
  source = "../../"
  vpc_id = aws_vpc.main.id
  subnet_ids = [aws_subnet.a.id]
  endpoints = {
    s3 = {
      service      = "s3"
      service_type = "Gateway"
      route_table_ids = [aws_route_table.private.id]
    }
    dynamodb = {
      service      = "dynamodb"
      service_type = "Gateway"
      route_table_ids = [aws_route_table.private.id]
    }
    "ecr.api" = {
      service             = "ecr.api"
      private_dns_enabled = true
    }
    ecr_dkr = {
      service             = "ecr.dkr"
      private_dns_enabled = true
    }
    kms = {
      create  = false
      service = "kms"
    }
  }
}
""",
}


def test_endpoints_of_a_module_at_the_top_called_at_two_levels_up_keep_their_keys(tmp_path: Path) -> None:
    example = write(tmp_path / "repo", TOP_ENDPOINTS) / "examples" / "complete"
    estate = load_estate([str(example)])
    assert estate.errors == ()
    endpoints = endpoints_of(estate)
    # Five keys, one of them created = false: four endpoints, each with its key and its service.
    assert {
        a: (r.attributes["service_name"], r.attributes["vpc_endpoint_type"]) for a, r in endpoints.items()
    } == {
        'module.endpoints.aws_vpc_endpoint.this["s3"]': ("com.amazonaws.eu-west-1.s3", "Gateway"),
        'module.endpoints.aws_vpc_endpoint.this["dynamodb"]': ("com.amazonaws.eu-west-1.dynamodb", "Gateway"),
        'module.endpoints.aws_vpc_endpoint.this["ecr.api"]': ("com.amazonaws.eu-west-1.ecr.api", "Interface"),
        'module.endpoints.aws_vpc_endpoint.this["ecr_dkr"]': ("com.amazonaws.eu-west-1.ecr.dkr", "Interface"),
    }
    assert all(r.unevaluated is None for r in endpoints.values())
    assert {r.provenance.path for r in endpoints.values()} == {"../../main.tf"}


def test_caller_arn_passed_into_a_module_is_not_the_account(tmp_path: Path) -> None:
    """``data.aws_caller_identity.current.arn`` given to a module through a variable is the caller's ARN,
    which the code does not fix: a trust of that one caller must not read as a trust of the whole account.
    The account id passed the same way is known."""
    repo = write(
        tmp_path / "repo",
        {
            "main.tf": """
data "aws_caller_identity" "current" {}
module "roles" {
  source  = "./roles"
  caller  = data.aws_caller_identity.current.arn
  account = data.aws_caller_identity.current.account_id
}
""",
            "roles/main.tf": """
variable "caller" {}
variable "account" {}
resource "aws_iam_role" "caller_only" {
  name = "caller_only"
  assume_role_policy = jsonencode({ Version = "2012-10-17", Statement = [
    { Effect = "Allow", Principal = { AWS = var.caller }, Action = "sts:AssumeRole" }] })
}
resource "aws_iam_role" "account" {
  name = "account"
  assume_role_policy = jsonencode({ Version = "2012-10-17", Statement = [
    { Effect = "Allow", Principal = { AWS = "arn:aws:iam::${var.account}:root" }, Action = "sts:AssumeRole" }] })
}
""",
        },
    )
    estate = load_estate([str(repo)], LoadOptions(account_id="111122223333"))
    caller_only = estate.by_address["module.roles.aws_iam_role.caller_only"]
    assert not is_known(caller_only.attributes["assume_role_policy"])
    account = json.loads(
        estate.by_address["module.roles.aws_iam_role.account"].attributes["assume_role_policy"]
    )
    assert account["Statement"][0]["Principal"]["AWS"] == "arn:aws:iam::111122223333:root"
