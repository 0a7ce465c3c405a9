"""Values tfparse could not resolve stay unknown, and checks give `unknown` on them; the same estate with
the value known gives a definite answer. Each estate is Terraform written to tmp_path and read for real."""

from __future__ import annotations

from pathlib import Path

from ringfence.checks.base import Status
from ringfence.engine.runner import run_checks
from ringfence.model import Estate, is_unknown
from ringfence.sources import load_estate

ADMIN = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}'


def scan(tmp_path: Path, body: str, module: str | None = None) -> Estate:
    root = tmp_path / "estate"
    root.mkdir(parents=True, exist_ok=True)
    (root / "main.tf").write_text('provider "aws" { region = "eu-west-1" }\n' + body, encoding="utf-8")
    if module is not None:
        (root / "m").mkdir(exist_ok=True)
        (root / "m" / "main.tf").write_text(module, encoding="utf-8")
    return load_estate([str(root)])


def statuses(estate: Estate, address: str) -> set[str]:
    """The status of every result on ``address``: findings, and passes when it has none."""
    result = run_checks(estate)
    found = {f.status for f in result.findings if f.resource == address}
    return {s.value if isinstance(s, Status) else str(s) for s in found}


def policy_of(estate: Estate, address: str) -> object:
    return next(r for r in estate.resources if r.address == address).attributes["policy"]


def document(merge: str) -> str:
    return f"""
data "aws_iam_policy" "remote" {{ name = "ReadOnlyAccess" }}
data "aws_iam_policy_document" "merged" {{
  {merge}
  statement {{
    actions   = ["s3:GetObject"]
    resources = ["*"]
  }}
}}
resource "aws_iam_policy" "p" {{
  name   = "p"
  policy = data.aws_iam_policy_document.merged.json
}}
"""


MODULE_WITH_COMPUTED_DOC = """
resource "random_id" "x" { byte_length = 4 }
output "doc" {
  value = jsonencode({ Statement = [{ Effect = "Allow", Action = "*", Resource = random_id.x.hex }] })
}
"""


def test_merged_documents_not_known_keep_the_policy_unknown(tmp_path: Path) -> None:
    merges = {
        "source_policy_documents = [data.aws_iam_policy.remote.policy]": None,
        "source_json = data.aws_iam_policy.remote.policy": None,
        "override_json = data.aws_iam_policy.remote.policy": None,
        "override_policy_documents = [module.m.doc]": MODULE_WITH_COMPUTED_DOC,
    }
    for i, (merge, module) in enumerate(merges.items()):
        body = document(merge) + ('module "m" { source = "./m" }\n' if module else "")
        estate = scan(tmp_path / str(i), body, module)
        policy = policy_of(estate, "aws_iam_policy.p")
        assert is_unknown(policy), (merge, policy)
        assert merge.split(" ")[0] in policy.reason
        assert statuses(estate, "aws_iam_policy.p") == {"unknown"}, merge


def test_merged_documents_known_are_judged(tmp_path: Path) -> None:
    literal = '"' + ADMIN.replace('"', '\\"') + '"'
    for i, merge in enumerate((f"source_policy_documents = [{literal}]", f"override_json = {literal}")):
        estate = scan(tmp_path / str(i), document(merge))
        policy = policy_of(estate, "aws_iam_policy.p")
        assert isinstance(policy, str) and '"Action":"*"' in policy and "s3:GetObject" in policy
        assert "fail" in statuses(estate, "aws_iam_policy.p"), merge


FALLBACKS = """
variable "unknown_thing" { type = string }
variable "given" {
  type    = string
  default = "public-read"
}
variable "settings" {
  type    = map(string)
  default = {}
}
data "aws_iam_policy" "remote" { name = "ReadOnlyAccess" }
resource "aws_iam_policy" "tried" {
  name   = "tried"
  policy = try(data.aws_iam_policy.remote.policy, "{}")
}
resource "aws_s3_bucket_acl" "coalesced" {
  bucket = "b"
  acl    = coalesce(var.unknown_thing, "private")
}
resource "aws_s3_bucket_acl" "tried" {
  bucket = "b"
  acl = try(
    var.unknown_thing,
    "private"
  )
}
resource "aws_s3_bucket_acl" "known" {
  bucket = "b"
  acl    = coalesce(var.given, "private")
}
resource "aws_s3_bucket_acl" "looked_up" {
  bucket = "b"
  acl    = lookup(var.settings, "acl", "private")
}
"""


def attribute(estate: Estate, address: str, key: str) -> object:
    return next(r for r in estate.resources if r.address == address).attributes.get(key)


def test_fallback_over_an_unresolved_value_is_unknown(tmp_path: Path) -> None:
    estate = scan(tmp_path, FALLBACKS)
    tried = policy_of(estate, "aws_iam_policy.tried")
    assert is_unknown(tried) and "data.aws_iam_policy.remote.policy" in tried.reason
    assert statuses(estate, "aws_iam_policy.tried") == {"unknown"}
    for address in ("aws_s3_bucket_acl.coalesced", "aws_s3_bucket_acl.tried"):
        acl = attribute(estate, address, "acl")
        assert is_unknown(acl) and "var.unknown_thing" in acl.reason, (address, acl)


def test_fallback_over_known_values_keeps_the_value(tmp_path: Path) -> None:
    estate = scan(tmp_path, FALLBACKS)
    assert attribute(estate, "aws_s3_bucket_acl.known", "acl") == "public-read"
    # lookup() over a known (empty) map returns its default: that is the value
    assert attribute(estate, "aws_s3_bucket_acl.looked_up", "acl") == "private"


def test_try_over_a_known_policy_is_judged(tmp_path: Path) -> None:
    literal = '"' + ADMIN.replace('"', '\\"') + '"'
    estate = scan(
        tmp_path,
        f"""
variable "doc" {{
  type    = string
  default = {literal}
}}
resource "aws_iam_policy" "tried" {{
  name   = "tried"
  policy = try(var.doc, "{{}}")
}}
""",
    )
    assert policy_of(estate, "aws_iam_policy.tried") == ADMIN
    assert "fail" in statuses(estate, "aws_iam_policy.tried")


def trust(principal: str) -> str:
    return f"""
variable "who" {{ type = string }}
data "aws_iam_policy_document" "trust" {{
  statement {{
    actions = ["sts:AssumeRole"]
    principals {{
      type        = "Service"
      identifiers = [{principal}]
    }}
  }}
}}
resource "aws_iam_role" "r" {{
  name               = "r"
  assume_role_policy = data.aws_iam_policy_document.trust.json
}}
"""


def trust_results(estate: Estate) -> list[tuple[str, str]]:
    result = run_checks(estate)
    return [(str(f.status), f.message) for f in result.findings if f.rule_id == "iam.trust-policy-scoped"]


def test_trust_of_an_empty_or_unknown_principal_is_named(tmp_path: Path) -> None:
    empty = trust_results(scan(tmp_path / "empty", trust('""')))
    assert len(empty) == 1 and "empty Service principal" in empty[0][1], empty
    assert "trusts  without" not in empty[0][1]
    unknown = trust_results(scan(tmp_path / "unknown", trust("var.who")))
    assert [status for status, _ in unknown] == ["unknown"], unknown
    known = trust_results(scan(tmp_path / "known", trust('"sns.amazonaws.com"')))
    assert len(known) == 1 and "trusts sns.amazonaws.com without aws:SourceArn" in known[0][1], known
