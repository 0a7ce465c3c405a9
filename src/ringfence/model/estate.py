"""The estate: every resource and relation read from one or more sources, and what was said about it."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, replace
from functools import cached_property

from ringfence.model.relations import SERVICE_ACCOUNT, Relation
from ringfence.model.resource import Resource
from ringfence.model.values import as_list

DEFAULT_ACCOUNT_ID = "123456789012"
DEFAULT_REGION = "us-east-1"  # when nothing in the input says the region


@dataclass(frozen=True, slots=True)
class InputError:
    """Input that could not be read: reported, never fatal to the rest of the scan."""

    path: str
    line: int | None
    message: str
    # The input was read, but what it stands for cannot be known (a module `terraform init` has not
    # downloaded, a root with no resources): unknown, not a failure to read.
    undecided: bool = False


@dataclass(frozen=True)
class Estate:
    """An immutable inventory. Indexes are built lazily on first use and cached."""

    resources: tuple[Resource, ...]
    relations: tuple[Relation, ...] = ()
    account_id: str = DEFAULT_ACCOUNT_ID
    partition: str = "aws"
    region: str = DEFAULT_REGION
    # Things the output must say (assumed account id, unresolved module calls...), in order.
    notes: tuple[str, ...] = ()
    errors: tuple[InputError, ...] = ()
    # Folder or file that was scanned; provenance paths are relative to it.
    root_path: str = ""
    organization_id: str | None = None
    # Blocks that configure the deployment but are not resources (provider and backend blocks) and the
    # places where input variables get their values (defaults, variable files): checked for what is
    # written in them, never counted, linked or named as resources.
    settings: tuple[Resource, ...] = ()
    # Every account the estate holds: ``account_id`` (the account scanned first) first, the others sorted.
    accounts: tuple[str, ...] = ()
    # When a live account was read (RFC 3339, UTC): "now" for every age a check computes, so a snapshot
    # analysed later gives the same answers. None for code.
    collected_at: str | None = None

    def __post_init__(self) -> None:
        accounts = (self.account_id, *sorted(set(self.accounts) - {self.account_id}))
        if self.accounts != accounts:
            object.__setattr__(self, "accounts", accounts)

    def account_of(self, resource: Resource) -> str:
        """The account ``resource`` is in: its own, else the one it was read from (a live account), else
        the estate's."""
        return resource.account_id or resource.provenance.account_id or self.account_id

    def region_of(self, resource: Resource) -> str:
        """The region ``resource`` is in: its own, else the one it was read from, else the estate's."""
        return resource.region or resource.provenance.region or self.region

    def placement(self, address: str) -> tuple[str, str]:
        """The account and region of the resource at ``address``; the estate's for any other address (a
        finding about the whole estate)."""
        r = self.by_address.get(address)
        return (self.account_of(r), self.region_of(r)) if r is not None else (self.account_id, self.region)

    # -- look-ups -------------------------------------------------------------------------------------------
    @cached_property
    def by_address(self) -> Mapping[str, Resource]:
        return {r.address: r for r in self.resources}

    @cached_property
    def _by_kind(self) -> Mapping[str, tuple[Resource, ...]]:
        index: dict[str, list[Resource]] = defaultdict(list)
        for r in self.resources:
            index[r.kind].append(r)
        return {k: tuple(v) for k, v in index.items()}

    @cached_property
    def _outgoing(self) -> Mapping[str, Mapping[str, tuple[str, ...]]]:
        index: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
        for rel in self.relations:
            index[rel.source][rel.kind].append(rel.target)
        return {s: {k: tuple(v) for k, v in kinds.items()} for s, kinds in index.items()}

    @cached_property
    def _incoming(self) -> Mapping[str, Mapping[str, tuple[str, ...]]]:
        index: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
        for rel in self.relations:
            index[rel.target][rel.kind].append(rel.source)
        return {t: {k: tuple(v) for k, v in kinds.items()} for t, kinds in index.items()}

    @cached_property
    def _by_value(self) -> dict[tuple[str, str], Mapping[str, tuple[int, ...]]]:
        # (kind, attribute) -> string value -> positions in `of_kind(kind)`; filled per pair on first use.
        return {}

    def get(self, address: str) -> Resource | None:
        return self.by_address.get(address)

    def having(self, kind: str, attribute: str, values: Iterable[str]) -> tuple[Resource, ...]:
        """Resources of ``kind`` whose ``attribute`` is one of the strings ``values`` (or a list holding
        one), in estate order."""
        of_kind = self.of_kind(kind)
        index = self._by_value.get((kind, attribute))
        if index is None:
            built: dict[str, list[int]] = defaultdict(list)
            for position, r in enumerate(of_kind):
                for value in dict.fromkeys(v for v in as_list(r.get(attribute)) if isinstance(v, str)):
                    built[value].append(position)
            index = self._by_value[(kind, attribute)] = {v: tuple(p) for v, p in built.items()}
        positions = sorted({p for v in values for p in index.get(v, ())})
        return tuple(of_kind[p] for p in positions)

    def of_kind(self, *kinds: str) -> tuple[Resource, ...]:
        if len(kinds) == 1:
            return self._by_kind.get(kinds[0], ())
        return tuple(r for k in kinds for r in self._by_kind.get(k, ()))

    def targets(self, source: Resource | str, kind: str) -> tuple[Resource, ...]:
        """Resources that ``source`` points to by relation ``kind``."""
        address = source if isinstance(source, str) else source.address
        found = self._outgoing.get(address, {}).get(kind, ())
        return tuple(self.by_address[a] for a in found if a in self.by_address)

    def target(self, source: Resource | str, kind: str) -> Resource | None:
        found = self.targets(source, kind)
        return found[0] if found else None

    def sources(self, target: Resource | str, kind: str, of_kind: str | None = None) -> tuple[Resource, ...]:
        """Resources that point to ``target`` by relation ``kind`` (optionally only of one resource kind)."""
        address = target if isinstance(target, str) else target.address
        found = self._incoming.get(address, {}).get(kind, ())
        out = (self.by_address[a] for a in found if a in self.by_address)
        return tuple(r for r in out if of_kind is None or r.kind == of_kind)

    def incoming(self, target: Resource | str) -> Iterator[tuple[str, Resource]]:
        """Every ``(relation kind, source resource)`` pointing at ``target``."""
        address = target if isinstance(target, str) else target.address
        for kind, sources in sorted(self._incoming.get(address, {}).items()):
            for a in sources:
                if a in self.by_address:
                    yield kind, self.by_address[a]

    def outgoing(self, source: Resource | str) -> Iterator[tuple[str, Resource]]:
        address = source if isinstance(source, str) else source.address
        for kind, targets in sorted(self._outgoing.get(address, {}).items()):
            for a in targets:
                if a in self.by_address:
                    yield kind, self.by_address[a]

    def __len__(self) -> int:
        return len(self.resources)

    def __iter__(self) -> Iterator[Resource]:
        return iter(self.resources)


def merge(estates: Iterable[Estate]) -> Estate:
    """Several estates (one per Terraform root, stack, account) as one; addresses are already unique.
    The first estate's account and region are the merged estate's; a resource of another account or
    region says its own, and every account is kept."""
    items = list(estates)
    if not items:
        return Estate(resources=())
    if len(items) == 1:
        return items[0]
    first = items[0]
    accounts = (a for e in items for a in e.accounts)
    resources = tuple(r for e in items for r in _placed(e, first))
    return Estate(
        resources=resources,
        relations=_joined(resources, tuple(r for e in items for r in e.relations)),
        account_id=first.account_id,
        partition=first.partition,
        region=first.region,
        notes=tuple(dict.fromkeys(n for e in items for n in e.notes)),
        errors=tuple(err for e in items for err in e.errors),
        root_path=first.root_path,
        organization_id=first.organization_id,
        collected_at=first.collected_at,
        settings=tuple(s for e in items for s in e.settings),
        accounts=tuple(accounts),
    )


def _joined(resources: tuple[Resource, ...], relations: tuple[Relation, ...]) -> tuple[Relation, ...]:
    """The relations of merged estates, with those between resources that different estates hold:
    Kubernetes service accounts and the IAM roles their pods act as (manifests and the Terraform of the
    roles are often separate targets)."""
    from ringfence.model.linker import workload_identity

    if not any(r.kind == SERVICE_ACCOUNT for r in resources):
        return relations
    extra = workload_identity(resources, relations) - set(relations)
    return tuple(sorted({*relations, *extra})) if extra else relations


def _placed(estate: Estate, first: Estate) -> Iterator[Resource]:
    """The resources of ``estate``, each saying its account and region where they are not ``first``'s."""
    if estate.account_id == first.account_id and estate.region == first.region:
        yield from estate.resources
        return
    for r in estate.resources:
        account = estate.account_of(r)
        region = estate.region_of(r)
        yield replace(
            r,
            account_id=account if account != first.account_id else r.account_id,
            region=region if region != first.region else r.region,
        )
