"""The IAM policies ringfence needs, derived from what the collectors declare: the read-only policy for
every scanned account, and what the caller needs to reach the accounts (``sts:AssumeRole`` on the given
roles, ``organizations:ListAccounts`` for ``--org``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

# Calls the source makes in every scanned account besides the collectors'.
ACCOUNT_CALLS = ("sts:GetCallerIdentity", "ec2:DescribeRegions")


def scanned_account_actions() -> tuple[str, ...]:
    from ringfence.sources.aws.collectors import COLLECTORS

    return tuple(sorted({*ACCOUNT_CALLS, *(call for c in COLLECTORS for call in c.calls)}))


def scanned_account_policy() -> dict[str, Any]:
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "RingfenceReadOnly",
                "Effect": "Allow",
                "Action": list(scanned_account_actions()),
                "Resource": "*",
            }
        ],
    }


def caller_policy(role_arns: Sequence[str] = (), org_role: str | None = None) -> dict[str, Any] | None:
    """What the identity running ringfence needs to reach other accounts; None when it reads only its own."""
    statements: list[dict[str, Any]] = []
    roles = list(dict.fromkeys(role_arns))
    if org_role:
        roles.append(f"arn:aws:iam::*:role/{org_role}")
        statements.append(
            {
                "Sid": "RingfenceListAccounts",
                "Effect": "Allow",
                "Action": ["organizations:ListAccounts"],
                "Resource": "*",
            }
        )
    if roles:
        statements.insert(
            0,
            {
                "Sid": "RingfenceAssumeRoles",
                "Effect": "Allow",
                "Action": ["sts:AssumeRole"],
                "Resource": roles,
            },
        )
    return {"Version": "2012-10-17", "Statement": statements} if statements else None
