"""`ringfence access PATH`: every resource with a resource policy or ACL, public and external decided over
the whole policy with the settings that take public access away, as the checks judge them."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from tests.conftest import ROOT

FIXTURES = ROOT / "tests" / "fixtures"


def _access(path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ringfence", "access", str(path), *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )


def _by_resource(path: Path, *args: str) -> dict[str, Any]:
    done = _access(path, "--format", "json", *args)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    return {r["resource"]: r for r in report["resources"]}


def test_bucket_policies_with_block_public_access() -> None:
    got = _by_resource(FIXTURES / "s3.bucket-policy-not-public", "--account-id", "123456789012")
    opened = got["aws_s3_bucket.fail_public_read"]
    assert (opened["public"], opened["external"]) == (True, True)
    (grant,) = opened["grants"]
    assert grant["principals"] == ["*"] and grant["actions"] == ["s3:GetObject"]
    assert grant["location"].startswith("main.tf:")
    assert opened["example"]["principal"] == "anonymous"
    # a grant to a named other account is external, not public
    partner = got["aws_s3_bucket.pass_partner_account"]
    assert (partner["public"], partner["external"]) == (False, True)
    assert partner["grants"][0]["principals"] == ["222222222222"]
    # an organisation is external, not public
    assert got["aws_s3_bucket.pass_organisation"]["public"] is False
    # Block Public Access takes the public grant away, and says so
    blocked = got["aws_s3_bucket.pass_restricted_by_block"]
    assert blocked["public"] is False and blocked["blocked_by"]
    assert blocked["grants"][0]["blocked"] is True
    # what is not known is never "not public"
    for name in ("unknown_principal", "unknown_block_setting", "unknown_tag_value"):
        entry = got[f"aws_s3_bucket.{name}"]
        assert entry["public"] is None, entry
        assert entry["unknown"]
    # a deny for everyone outside an endpoint leaves nothing open
    assert got["aws_s3_bucket.pass_denied_outside_endpoint"]["external"] is False


def test_acls_and_the_setting_that_disables_them() -> None:
    got = _by_resource(FIXTURES / "s3.bucket-acl-not-public")
    assert got["aws_s3_bucket.fail_public_read"]["public"] is True
    assert "public-read" in got["aws_s3_bucket.fail_public_read"]["grants"][0]["acl"]
    disabled = got["aws_s3_bucket.pass_acls_disabled"]
    assert disabled["public"] is False and "BucketOwnerEnforced" in disabled["blocked_by"][0]
    assert got["aws_s3_bucket.pass_private_acl"]["public"] is False
    assert got["aws_s3_bucket.unknown_acl"]["public"] is None


def test_functions_keys_and_trusts() -> None:
    functions = _by_resource(FIXTURES / "lambda.function-not-public")
    assert functions["aws_lambda_function.fail_anyone_invokes"]["public"] is True
    assert functions["aws_lambda_function.unknown_caller"]["public"] is None
    keys = _by_resource(FIXTURES / "kms.key-policy-not-public")
    assert keys["aws_kms_key.fail_any_principal"]["public"] is True
    assert keys["aws_kms_key.pass_account_root"]["external"] is False
    trusts = _by_resource(FIXTURES / "iam.trust-policy-scoped")
    assert trusts["aws_iam_role.fail_trusts_anyone"]["public"] is True
    assert (
        trusts["aws_iam_role.fail_foreign_account_root"]["public"],
        trusts["aws_iam_role.fail_foreign_account_root"]["external"],
    ) == (False, True)
    assert trusts["aws_iam_role.pass_same_account_root"]["external"] is False
    assert trusts["aws_iam_role.unknown_trust_from_variable"]["external"] is None


def test_the_report_is_deterministic_and_the_text_names_the_verdicts() -> None:
    path = FIXTURES / "s3.bucket-policy-not-public"
    first = _access(path, "--format", "json").stdout
    assert first == _access(path, "--format", "json").stdout
    report = json.loads(first)
    assert report["summary"]["public"] == sum(1 for r in report["resources"] if r["public"] is True)
    assert any("account id" in n for n in report["notes"])
    text = _access(path).stdout
    assert "PUBLIC   aws_s3_bucket.fail_public_read" in text
    assert "UNKNOWN  aws_s3_bucket.unknown_principal" in text
    missing = _access(ROOT / "no-such-folder")
    assert missing.returncode == 2 and "no such file or folder" in missing.stderr
