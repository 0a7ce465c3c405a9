"""Read accounts: every collector in every region (once per account for global ones), concurrently, into
one estate of the model, with what could not be read as undecided errors."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from datetime import UTC, datetime
from typing import Any

from ringfence.model import Estate, InputError, Ref, Resource
from ringfence.model.linker import LINKS, link
from ringfence.sources.aws.collectors import organizations
from ringfence.sources.aws.collectors.base import Collector, Problems, Reader
from ringfence.sources.aws.session import WORKERS, Account


def enabled_regions(account: Account, home: str, problems: Problems) -> list[str]:
    """Every region enabled for the account (ec2:DescribeRegions); the home region when it is denied."""
    reader = Reader(account, home, datetime.now(UTC), problems)
    found = reader.pages("ec2", "describe_regions", "Regions", AllRegions=False)
    if not isinstance(found, list):
        return [home]
    regions = sorted(
        str(r["RegionName"])
        for r in found
        if r.get("OptInStatus", "opt-in-not-required") in ("opt-in-not-required", "opted-in")
    )
    return regions or [home]


def collect(
    accounts: Sequence[tuple[Account, Sequence[str]]],
    collectors: Sequence[Collector],
    home: str,
    progress: Callable[[int, int], None] | None = None,
    errors: Sequence[InputError] = (),
) -> Estate:
    """Every collector over every (account, regions): one estate, the first account first."""
    collected_at = datetime.now(UTC).replace(microsecond=0)
    problems = Problems()
    tasks: list[tuple[Collector, Reader]] = []
    for account, regions in accounts:
        for collector in collectors:
            places = [home if home in regions else regions[0]] if collector.scope == "global" else regions
            for region in places:
                reader = Reader(
                    account, region, collected_at, problems, frozenset(collector.calls), tuple(regions)
                )
                tasks.append((collector, reader))
    results: dict[int, list[Resource]] = {}
    done = 0
    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        futures = {pool.submit(_run, collector, reader): i for i, (collector, reader) in enumerate(tasks)}
        for future in as_completed(futures):
            results[futures[future]] = future.result()
            done += 1
            if progress is not None:
                progress(done, len(tasks))
    resources = _unique(r for i in range(len(tasks)) for r in results[i])
    resources, found = organizations.settle(resources, (*errors, *problems.errors()))
    resources = _referenced(resources)
    first = accounts[0][0]
    regions = sorted({region for _, rs in accounts for region in rs})
    notes = (
        f"live: {len(accounts)} account(s) ({', '.join(a.account_id for a, _ in accounts)}), "
        f"{len(regions)} region(s) ({', '.join(regions)}), collected at {collected_at.isoformat()}",
    )
    return Estate(
        resources=resources,
        relations=link(resources),
        account_id=first.account_id,
        partition=first.partition,
        region=home,
        notes=notes,
        errors=found,
        root_path="",
        accounts=tuple(a.account_id for a, _ in accounts),
        collected_at=collected_at.isoformat(),
    )


def _run(collector: Collector, reader: Reader) -> list[Resource]:
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        return list(collector.read(reader))
    except (ClientError, BotoCoreError) as exc:  # a call made outside the reader: still never a pass
        reader.problems.add(reader.account_id, reader.region, collector.name, f"failed ({exc})"[:200])
        return []


def _unique(resources: Iterable[Resource]) -> tuple[Resource, ...]:
    """Resources in collection order, each address once (a global resource seen from two regions)."""
    out: dict[str, Resource] = {}
    for r in resources:
        out.setdefault(r.address, r)
    return tuple(out.values())


def _referenced(resources: tuple[Resource, ...]) -> tuple[Resource, ...]:
    """Literal ids (``vpc-0a1b``) that name a collected resource, as references to it (what Terraform
    writes as ``aws_vpc.main.id``), where the linker's table says the attribute points at that kind."""
    ids: dict[tuple[str, str], str] = {}
    for r in resources:
        ident = r.attributes.get("id")
        if isinstance(ident, str) and ident:
            ids.setdefault((r.kind, ident), r.address)
    if not ids:
        return resources

    def swap(value: Any, path: list[str], kinds: tuple[str, ...]) -> Any:
        if isinstance(value, list):
            return [swap(v, path, kinds) for v in value]
        if not path:
            if isinstance(value, str):
                for kind in kinds:
                    target = ids.get((kind, value))
                    if target is not None:
                        return Ref(target, "id")
            return value
        if isinstance(value, Mapping) and path[0] in value:
            return {**value, path[0]: swap(value[path[0]], path[1:], kinds)}
        return value

    out = []
    for r in resources:
        table = LINKS.get(r.kind)
        if not table:
            out.append(r)
            continue
        attributes: Any = r.attributes
        for dotted, kinds in table.items():
            if kinds:
                attributes = swap(attributes, dotted.split("."), kinds)
        out.append(dataclasses.replace(r, attributes=attributes) if attributes != r.attributes else r)
    return tuple(out)
