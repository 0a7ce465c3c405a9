"""Questions over a whole principal rather than one request: is it administrator-equivalent?"""

from __future__ import annotations

from ringfence.iam.catalogue import service_keys
from ringfence.iam.engine import Engine
from ringfence.model import Resource

PROBE_SERVICE = "ringfenceprobe"


def admin_equivalent(engine: Engine, principal: Resource) -> bool | None:
    """True when the principal's policies allow every action on every resource, as the evaluator decides
    it (``Action: *``, ``NotAction`` lists that exclude nothing real, one statement per service...); None
    when that depends on condition values the estate does not fix."""
    estate = engine.estate
    result: bool | None = True
    for service in (PROBE_SERVICE, *sorted(service_keys())):
        arn = f"arn:{estate.partition}:{service}:{estate.region}:{estate.account_id}:ringfence-probe/x"
        for resource in ("*", arn):
            d = engine.can(principal, f"{service}:RingfenceProbeAction", resource, explain=False)
            if d.allowed is False:
                return False
            if d.allowed is None:
                result = None
    return result
