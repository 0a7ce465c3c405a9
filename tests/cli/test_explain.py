"""`ringfence explain RULE_ID`: the rule's rationale, remediation, compliance controls and an example of the
secure Terraform, from the same catalogue `ringfence rules` lists."""

from __future__ import annotations

import json

from ringfence.checks.catalogue import CATALOGUE
from tests.cli.test_scan_cli import ringfence

RULE = "network.admin-port-exposed"


def test_explain_prints_what_the_catalogue_says_of_the_rule() -> None:
    meta = next(c.meta for c in CATALOGUE if c.rule_id == RULE)
    done = ringfence("explain", RULE)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"{RULE}  ({meta.severity.value}, {meta.pillar})\n{meta.title}\n")
    assert f"Why: {meta.rationale}" in done.stdout and f"Fix: {meta.remediation}" in done.stdout
    assert "Compliance: CIS-AWS-5.0:" in done.stdout
    first_line = meta.terraform.strip().splitlines()[0]
    assert f"  {first_line}" in done.stdout

    as_json = json.loads(ringfence("explain", RULE, "--format", "json").stdout)
    assert as_json["rule_id"] == RULE and as_json["example"] == meta.terraform
    assert as_json["compliance"] == list(meta.compliance) and as_json["rationale"] == meta.rationale


def test_an_unknown_rule_is_a_usage_error_with_the_closest_rule() -> None:
    done = ringfence("explain", "network.admin-port-expose")
    assert done.returncode == 2 and done.stdout == ""
    assert f"no rule 'network.admin-port-expose'; did you mean {RULE}?" in done.stderr
