"""Questions over a whole principal rather than one request: is it administrator-equivalent?"""

from __future__ import annotations

from ringfence.iam.catalogue import service_keys
from ringfence.iam.conditions import RequestContext
from ringfence.iam.engine import Engine
from ringfence.iam.evaluator import CompiledPolicySet, PolicySet, Request
from ringfence.iam.policy import Policy
from ringfence.model import Resource

PROBE_SERVICE = "ringfenceprobe"


def _probes(engine: Engine) -> list[tuple[str, str]]:
    estate = engine.estate
    out: list[tuple[str, str]] = []
    for service in (PROBE_SERVICE, *sorted(service_keys())):
        arn = f"arn:{estate.partition}:{service}:{estate.region}:{estate.account_id}:ringfence-probe/x"
        out.extend(((f"{service}:RingfenceProbeAction", "*"), (f"{service}:RingfenceProbeAction", arn)))
    return out


def admin_equivalent(engine: Engine, principal: Resource) -> bool | None:
    """True when the principal's policies allow every action on every resource, as the evaluator decides
    it (``Action: *``, ``NotAction`` lists that exclude nothing real, one statement per service...); None
    when that depends on condition values the estate does not fix. Each service of the catalogue is probed
    with an action and resources no policy can name except by wildcard."""
    result: bool | None = True
    for action, resource in _probes(engine):
        d = engine.can(principal, action, resource, explain=False)
        if d.allowed is False:
            return False
        if d.allowed is None:
            result = None
    return result


def policies_admin_equivalent(engine: Engine, policies: tuple[Policy, ...]) -> bool | None:
    """The same question for a bare set of identity policies (a group's), as a user holding only them."""
    compiled = CompiledPolicySet(PolicySet(identity=policies), engine.options)
    who = f"arn:{engine.estate.partition}:iam::{engine.estate.account_id}:user/ringfence-probe"
    result: bool | None = True
    for action, resource in _probes(engine):
        ctx = RequestContext({}, complete=False)
        d = compiled.decide(Request(who, action, resource, engine.estate.account_id, ctx), explain=False)
        if d.allowed is False:
            return False
        if d.allowed is None:
            result = None
    return result
