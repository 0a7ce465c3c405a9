"""The estate model: typed, immutable, indifferent to where the data came from.

It imports nothing of ringfence outside this package and nothing heavy.
"""

from ringfence.model.estate import DEFAULT_ACCOUNT_ID, DEFAULT_REGION, Estate, InputError, merge
from ringfence.model.relations import Relation
from ringfence.model.resource import K8S, Provenance, Resource, SourceKind
from ringfence.model.values import Redacted, Ref, Unknown, as_bool, as_list, is_known, is_unknown, iter_refs

__all__ = [
    "DEFAULT_ACCOUNT_ID",
    "DEFAULT_REGION",
    "K8S",
    "Estate",
    "InputError",
    "Provenance",
    "Redacted",
    "Ref",
    "Relation",
    "Resource",
    "SourceKind",
    "Unknown",
    "as_bool",
    "as_list",
    "is_known",
    "is_unknown",
    "iter_refs",
    "merge",
]
