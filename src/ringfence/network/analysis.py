"""The network analysis as the check framework sees it: one object per estate (``analyse(estate)``)."""

from __future__ import annotations

from dataclasses import dataclass

from ringfence.model import Estate, Resource
from ringfence.network.addresses import INTERNET, to_cidrs
from ringfence.network.endpoints import placements
from ringfence.network.exposure import Exposure, ExposureMap, exposure, exposure_map
from ringfence.network.findings import from_anywhere
from ringfence.network.flows import Block, Step
from ringfence.network.intervals import IntervalSet
from ringfence.network.reach import ReachResult, query_region, reach
from ringfence.network.region import Region
from ringfence.network.topology import Network, network_of


@dataclass(frozen=True, slots=True)
class ExposureVerdict:
    """Can a packet from anywhere on the internet reach ``resource`` on these ports?

    ``reachable`` is True (with ``path``), False (with ``blocked_by``) or None (``explain`` says why).
    """

    resource: str
    reachable: bool | None
    explain: str
    path: tuple[Step, ...] = ()
    blocked_by: tuple[Block, ...] = ()
    via: str | None = None


def _steps(path: tuple[Step, ...]) -> str:
    return " -> ".join(f"{s.resource} ({s.step})" for s in path)


def _blocks(blocks: tuple[Block, ...]) -> str:
    return "; ".join(f"{b.resource}: {b.reason}" for b in blocks) or "no path"


class NetworkAnalysis:
    def __init__(self, estate: Estate) -> None:
        self.net: Network = network_of(estate)

    def exposure(self, resource: Resource | str) -> Exposure:
        return exposure(self.net, resource if isinstance(resource, str) else resource.address)

    def exposure_map(self) -> ExposureMap:
        return exposure_map(self.net)

    def reach(self, source: str, target: str, port: int | None = None, protocol: str = "tcp") -> ReachResult:
        return reach(self.net, source, target, port, protocol)

    def internet_exposure(
        self, resource: Resource | str, protocol: str, low: int, high: int
    ) -> ExposureVerdict:
        """Whether ``protocol`` ports ``low``-``high`` of ``resource`` are reachable from anywhere on the
        internet (directly or through a load balancer), with the path or what blocks it."""
        address = resource if isinstance(resource, str) else resource.address
        spots = placements(self.net, address)
        if not spots:
            return ExposureVerdict(address, None, f"{address} has no network interface the analysis models")
        query = query_region(protocol if protocol in ("tcp", "udp", "icmp") else "all", None)
        probe = query & Region.box(query.boxes()[0][0], IntervalSet.of(low, high), INTERNET)
        e = self.exposure(address)
        candidates = [(e.reachable & probe, None)] + [(region & probe, lb) for lb, region in e.via]
        for region, lb in candidates:
            for _, ports, sources in region.boxes():
                if from_anywhere(sources):
                    port = ports.first()
                    result = reach(self.net, "internet", address, port, protocol)
                    return ExposureVerdict(address, True, _steps(result.path), result.path, via=lb)
        if e.uncertain & probe:
            return ExposureVerdict(address, None, "; ".join(e.reasons) or "undecided")
        result = reach(self.net, "internet", address, low, protocol)
        if result.reachable:
            shown = ", ".join(to_cidrs((e.reachable & probe).addresses(), limit=3))
            return ExposureVerdict(address, False, f"reachable only from {shown}", result.path)
        if result.reachable is None:
            return ExposureVerdict(address, None, result.unknown or "undecided")
        return ExposureVerdict(address, False, _blocks(result.blocked_by), blocked_by=result.blocked_by)


def analyse(estate: Estate) -> NetworkAnalysis:
    return NetworkAnalysis(estate)
