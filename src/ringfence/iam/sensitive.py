"""Wildcard actions that grant write or permissions management on the services that guard everything else
(an analysis over the action catalogue; ``iam.no-wildcard-write-on-sensitive-service`` judges it)."""

from __future__ import annotations

from ringfence.iam import catalogue
from ringfence.iam.policy import Statement

# Services where a wildcard granting write or permissions management is a path to control of the account
# or its data.
SENSITIVE_SERVICES = frozenset(
    {
        "iam",
        "sts",
        "organizations",
        "kms",
        "secretsmanager",
        "ssm",
        "s3",
        "lambda",
        "ec2",
        "cloudtrail",
        "logs",
        "guardduty",
        "config",
        "securityhub",
        "account",
        "sso",
        "identitystore",
    }
)


def wildcard_grants(statement: Statement) -> list[tuple[str, str]]:
    """(pattern, access levels) for each wildcard action of ``statement`` that grants Write or Permissions
    management on a sensitive service."""
    out: list[tuple[str, str]] = []
    for pattern in statement.actions:
        if "*" not in pattern and "?" not in pattern:
            continue
        for action in catalogue.expand(pattern):
            service = action.split(":", 1)[0].lower()
            levels = catalogue.access_levels(action)
            if service in SENSITIVE_SERVICES and {"Write", "Permissions management"} & set(levels):
                out.append((pattern, ", ".join(levels)))
                break
    return out
