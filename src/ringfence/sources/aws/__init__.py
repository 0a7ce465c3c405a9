"""Live AWS accounts (``aws://`` or ``aws://PROFILE``), read-only, into the same model the Terraform source
fills: kinds are Terraform resource types and attributes use the provider's names and shapes, so every
check, the IAM and network engines, intents, ``reach`` and ``iam can`` run on a live account unchanged.

One account is the caller's; ``role_arns`` assume a role in each other account (sts:AssumeRole);
``org_role`` lists the organization's accounts and assumes that role in each. Regions are the ones given,
else every region enabled for the account (``all`` likewise).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from ringfence.model import Estate, InputError
from ringfence.sources.base import LoadOptions

PREFIX = "aws://"


class AwsSource:
    name = "aws"

    def recognises(self, target: str) -> bool:
        return target.startswith(PREFIX)

    def load(self, target: str, options: LoadOptions) -> Estate:
        return load_live(
            target,
            role_arns=options.role_arns,
            org_role=options.org_role,
            regions=options.regions,
            progress=options.progress,
        )


def profile_of(target: str) -> str | None:
    """``aws://`` -> the default credential chain; ``aws://PROFILE`` -> that profile."""
    rest = target[len(PREFIX) :].strip("/")
    return rest or None


def load_live(
    target: str,
    *,
    role_arns: Sequence[str] = (),
    org_role: str | None = None,
    regions: Sequence[str] = (),
    progress: Callable[[int, int], None] | None = None,
) -> Estate:
    """Read the accounts ``target`` and the options name; raises SourceError when none can be read."""
    from botocore.exceptions import BotoCoreError

    from ringfence.sources import SourceError
    from ringfence.sources.aws.collect import collect, enabled_regions
    from ringfence.sources.aws.collectors import COLLECTORS
    from ringfence.sources.aws.collectors.base import Problems
    from ringfence.sources.aws.session import (
        Account,
        CredentialsError,
        assume,
        identify,
        new_session,
        organization_accounts,
    )

    explicit = [r for r in regions if r != "all"]
    try:
        session = new_session(profile_of(target))
    except BotoCoreError as exc:  # ProfileNotFound and the like
        raise SourceError(f"{target}: {exc}") from None
    home = explicit[0] if explicit else (session.region_name or "us-east-1")
    try:
        caller = identify(session, home)
    except CredentialsError as exc:
        raise SourceError(f"{target}: {exc}") from None
    errors: list[InputError] = []
    accounts: list[Account] = []
    targets = list(role_arns)
    if org_role:
        try:
            members = organization_accounts(caller, home)
        except CredentialsError as exc:
            raise SourceError(f"{target}: --org {org_role}: {exc}") from None
        for member in members:
            if member == caller.account_id:
                accounts.append(caller)
            else:
                targets.append(f"arn:{caller.partition}:iam::{member}:role/{org_role}")
    for role in dict.fromkeys(targets):
        try:
            accounts.append(assume(caller, role, home))
        except CredentialsError as exc:
            errors.append(InputError(role, None, f"{exc}: the account was not read", undecided=True))
    if not role_arns and not org_role:
        accounts.append(caller)
    if not accounts:
        raise SourceError(f"{target}: no account could be read: {errors[0].message if errors else ''}")
    problems = Problems()
    seen: dict[str, Account] = {}
    for account in accounts:
        seen.setdefault(account.account_id, account)
    plan = [(account, explicit or enabled_regions(account, home, problems)) for account in seen.values()]
    return collect(plan, COLLECTORS, home, progress, (*errors, *problems.errors()))


def __getattr__(name: str) -> object:
    # The snapshot source lives in its own module; the registry finds it here.
    if name == "SnapshotSource":
        from ringfence.sources.aws.snapshot import SnapshotSource

        return SnapshotSource
    raise AttributeError(name)
