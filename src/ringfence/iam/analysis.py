"""Questions over a whole principal rather than one request: is it administrator-equivalent?"""

from __future__ import annotations

from ringfence.iam.admin import AdminVerdict, decide, permission_set
from ringfence.iam.conditions import RequestContext
from ringfence.iam.engine import Engine
from ringfence.iam.evaluator import PolicySet
from ringfence.iam.policy import Policy
from ringfence.model import Resource


def admin_verdict(engine: Engine, principal: Resource) -> AdminVerdict:
    """Whether the principal's identity-side permission set (its policies, boundary, the organisation's SCPs
    and RCPs) allows every action on every resource, as :mod:`ringfence.iam.admin` defines it, with a
    request that is refused (or only conditionally allowed) when it does not."""
    pp = engine.policies_of(principal)
    org = engine.organization_of(engine.estate.account_of(principal))
    policies = PolicySet(
        identity=pp.identity,
        boundary=pp.boundary,
        scps=org.scps,
        rcps=org.rcps,
        management_account=org.management,
        resource_in_management_account=org.management,
    )
    return decide(
        permission_set(
            policies,
            engine.principal_arn(principal),
            engine.estate.account_of(principal),
            engine.context_for(principal, "*", None, {}),
            engine.options,
            maybe=org.maybe.policies if org.maybe is not None else None,
            unreadable=bool(pp.unreadable or (org.unreadable_scps and not org.management)),
        )
    )


def admin_equivalent(engine: Engine, principal: Resource) -> bool | None:
    """True when the principal is admin-equivalent, False when some request is refused, None when it is
    conditional (see :mod:`ringfence.iam.admin`)."""
    return admin_verdict(engine, principal).admin


def policies_admin_equivalent(engine: Engine, policies: tuple[Policy, ...]) -> bool | None:
    """The same question for a bare set of identity policies (a group's), as a user holding only them."""
    who = f"arn:{engine.estate.partition}:iam::{engine.estate.account_id}:user/ringfence-probe"
    context = RequestContext({}, complete=False)
    got = decide(
        permission_set(PolicySet(identity=policies), who, engine.estate.account_id, context, engine.options)
    )
    return got.admin
