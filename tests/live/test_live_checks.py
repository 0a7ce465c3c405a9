"""The live-only checks against accounts seeded in a moto server: users and keys named pass_*, fail_* and
unknown_* for the verdict they must get (the fixture convention, with a live-account seed)."""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta

from ringfence.model import Estate
from ringfence.sources.aws import load_live
from tests.live.conftest import client, findings

ACCOUNT = "123456789012"
ROOT = f"arn:aws:iam::{ACCOUNT}:root"
LIVE = (
    "live.root-has-no-access-keys",
    "live.root-mfa-enabled",
    "live.root-not-used-recently",
    "live.console-user-has-mfa",
    "live.access-key-rotated",
    "live.access-key-used",
    "live.credential-report-readable",
)


def _seed() -> None:
    iam = client("iam")
    for name in ("fail_console_no_mfa", "pass_console_mfa", "pass_no_console"):
        iam.create_user(UserName=name)
    iam.create_login_profile(UserName="fail_console_no_mfa", Password="Correct-horse-9")
    iam.create_login_profile(UserName="pass_console_mfa", Password="Correct-horse-9")
    device = iam.create_virtual_mfa_device(VirtualMFADeviceName="pass")["VirtualMFADevice"]["SerialNumber"]
    iam.enable_mfa_device(
        UserName="pass_console_mfa",
        SerialNumber=device,
        AuthenticationCode1="123456",
        AuthenticationCode2="654321",
    )
    iam.create_access_key(UserName="pass_no_console")


def _later(estate: Estate, days: int) -> Estate:
    """The same account as if it had been read ``days`` later (nothing used in between)."""
    out = []
    for r in estate.resources:
        if r.kind == "aws_account":
            when = datetime.fromisoformat(str(r.get("collected_at")).replace("Z", "+00:00")) + timedelta(
                days=days
            )
            out.append(dataclasses.replace(r, attributes={**r.attributes, "collected_at": when.isoformat()}))
        else:
            out.append(r)
    return dataclasses.replace(estate, resources=tuple(out))


def _by_user(estate: Estate) -> dict[str, str]:
    """Address -> the user name of each user and access key."""
    names = {}
    for r in estate.of_kind("aws_iam_user"):
        names[r.address] = str(r.get("name"))
    for key in estate.of_kind("aws_iam_access_key"):
        names[key.address] = names.get(key.get("user").address, "?")
    return names


def test_root_and_console_users(aws: str) -> None:
    _seed()
    estate = load_live("aws://", regions=("us-east-1",))
    names = _by_user(estate)
    got = {
        (rule, status, names.get(resource, resource)) for rule, status, resource in findings(estate, *LIVE)
    }
    assert got == {
        # moto's account summary: no root keys, no root MFA.
        ("live.root-mfa-enabled", "fail", ROOT),
        # moto's credential report has no <root_account> row: when root was used is not known.
        ("live.root-not-used-recently", "unknown", ROOT),
        ("live.console-user-has-mfa", "fail", "fail_console_no_mfa"),
    }


def test_keys_unused_and_old_when_read_later(aws: str) -> None:
    _seed()
    estate = _later(load_live("aws://", regions=("us-east-1",)), 120)
    names = _by_user(estate)
    got = {
        (rule, status, names.get(resource, resource)) for rule, status, resource in findings(estate, *LIVE)
    }
    assert ("live.access-key-rotated", "fail", "pass_no_console") in got
    assert ("live.access-key-used", "fail", "pass_no_console") in got


def test_a_report_that_cannot_be_read_is_unknown(aws: str, monkeypatch: object) -> None:
    from tests.live.test_faults import Calls

    calls = Calls()
    calls.refuse["iam:GetCredentialReport"] = "AccessDenied"
    from ringfence.sources.aws import session as aws_session

    made = aws_session.new_session

    def hooked(*args: object, **kwargs: object) -> object:
        session = made(*args, **kwargs)  # type: ignore[arg-type]
        session.events.register("before-call", calls.hook)
        return session

    monkeypatch.setattr(aws_session, "new_session", hooked)  # type: ignore[attr-defined]
    _seed()
    estate = load_live("aws://", regions=("us-east-1",))
    got = findings(
        estate, "live.credential-report-readable", "live.console-user-has-mfa", "live.root-not-used-recently"
    )
    users = {r.address: str(r.get("name")) for r in estate.of_kind("aws_iam_user")}
    assert {(rule, status, users.get(res, res)) for rule, status, res in got} == {
        ("live.credential-report-readable", "unknown", ROOT),
        ("live.root-not-used-recently", "unknown", ROOT),
        ("live.console-user-has-mfa", "unknown", "fail_console_no_mfa"),
        ("live.console-user-has-mfa", "unknown", "pass_console_mfa"),
        ("live.console-user-has-mfa", "unknown", "pass_no_console"),
    }
