"""The IAM engine: policies parsed with their source lines, evaluated exactly as AWS documents it.

Public API (imported lazily, nothing heavy here):
- :func:`parse_policy` / :class:`Policy` - the policy language;
- :class:`PolicySet`, :class:`Request`, :class:`CompiledPolicySet`, :class:`Decision` - the evaluator;
- :class:`Engine` - "can principal P do action A on resource R?" over an :class:`~ringfence.model.Estate`;
- analyses the checks judge: :mod:`ringfence.iam.trust` (what a trust policy admits unscoped),
  :mod:`ringfence.iam.sensitive` (wildcard write on sensitive services), :mod:`ringfence.iam.analysis`
  (admin-equivalence); :mod:`ringfence.iam.validation` - policy findings.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ringfence.iam.conditions import RequestContext
    from ringfence.iam.engine import Engine, ResolveError
    from ringfence.iam.evaluator import (
        CompiledPolicySet,
        Decision,
        EvalOptions,
        PolicySet,
        Request,
        StatementRef,
    )
    from ringfence.iam.policy import Policy, Statement, parse_policy

_EXPORTS = {
    "RequestContext": "ringfence.iam.conditions",
    "Engine": "ringfence.iam.engine",
    "ResolveError": "ringfence.iam.engine",
    "CompiledPolicySet": "ringfence.iam.evaluator",
    "Decision": "ringfence.iam.evaluator",
    "EvalOptions": "ringfence.iam.evaluator",
    "PolicySet": "ringfence.iam.evaluator",
    "Request": "ringfence.iam.evaluator",
    "StatementRef": "ringfence.iam.evaluator",
    "Policy": "ringfence.iam.policy",
    "Statement": "ringfence.iam.policy",
    "parse_policy": "ringfence.iam.policy",
}

__all__ = [
    "CompiledPolicySet",
    "Decision",
    "Engine",
    "EvalOptions",
    "Policy",
    "PolicySet",
    "Request",
    "RequestContext",
    "ResolveError",
    "Statement",
    "StatementRef",
    "parse_policy",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(name)
    import importlib

    return getattr(importlib.import_module(module), name)
