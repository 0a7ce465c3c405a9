"""Network reachability: can a packet get there, by which path, or what stops it.

Public API (everything else is internal):
- :func:`reach` -> :class:`ReachResult` (``to_json()`` gives the ``reach --format json`` contract);
- :func:`exposure_map` -> :class:`ExposureMap`; :func:`admin_port_exposures` and
  :func:`database_port_exposures` -> :class:`PortExposure` (status ``exposed`` / ``latent`` / ``unknown``);
- intents: :func:`find_intents_file`, :func:`load_intents`, :func:`evaluate_intents`,
  :func:`intent_violations`;
- :func:`network_of` gives the cached per-estate index that every function above accepts instead of an
  estate.
"""

from ringfence.network.exposure import Exposure, ExposureMap, Opening, exposure_map
from ringfence.network.findings import (
    ADMIN_PORTS,
    DATABASE_PORTS,
    PortExposure,
    admin_port_exposures,
    database_port_exposures,
    port_exposures,
)
from ringfence.network.flows import Block, Step
from ringfence.network.intents import (
    Intent,
    IntentError,
    IntentResult,
    evaluate_intents,
    find_intents_file,
    intent_violations,
    load_intents,
    parse_intents,
)
from ringfence.network.reach import ReachResult, UnresolvedName, reach
from ringfence.network.topology import Network, network_of

__all__ = [
    "ADMIN_PORTS",
    "DATABASE_PORTS",
    "Block",
    "Exposure",
    "ExposureMap",
    "Intent",
    "IntentError",
    "IntentResult",
    "Network",
    "Opening",
    "PortExposure",
    "ReachResult",
    "Step",
    "UnresolvedName",
    "admin_port_exposures",
    "database_port_exposures",
    "evaluate_intents",
    "exposure_map",
    "find_intents_file",
    "intent_violations",
    "load_intents",
    "network_of",
    "parse_intents",
    "port_exposures",
    "reach",
]
