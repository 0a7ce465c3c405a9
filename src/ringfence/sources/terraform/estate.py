"""Turn the loads of every root into one estate: addresses, account, ARNs, references, relations."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from ringfence.model import DEFAULT_REGION, Estate, InputError, Ref, Resource, Unknown
from ringfence.model.linker import link
from ringfence.sources.arns import ARN_LIKE, NAME_LIKE, placeholder, synthesize
from ringfence.sources.terraform.convert import Interpolation
from ringfence.sources.terraform.loader import RootLoad
from ringfence.sources.terraform.policy_document import render_policy_document


def partition_of(region: str | None) -> str:
    if region is None:
        return "aws"
    if region.startswith("cn-"):
        return "aws-cn"
    if region.startswith("us-gov-"):
        return "aws-us-gov"
    return "aws"


def build_estate(
    loads: list[RootLoad],
    root_path: str,
    account_id: str,
    notes: Sequence[str] = (),
    *,
    generated: Mapping[str, Mapping[str, str]] | None = None,
) -> Estate:
    """The estate of every load. ``generated`` holds, by final address, the names AWS (or CloudFormation)
    generates at creation, spelled as placeholders to build the ARNs with (:mod:`ringfence.sources.arns`)."""
    generated = generated or {}
    prefixed = len(loads) > 1
    resources: list[Resource] = []
    errors: list[InputError] = []
    notes = list(notes)
    providers: list[Mapping[str, object]] = []
    for load in loads:
        prefix = f"{load.label}:" if prefixed and load.label else ""
        for r in load.resources:
            resources.append(
                _prefixed(r, prefix, load.label) if prefix else dataclasses.replace(r, root=load.label)
            )
        errors.extend(load.errors)
        notes.extend(load.notes)
        providers.extend(load.providers)

    region, partition = _region(providers)
    if region is None:
        region = DEFAULT_REGION
        notes.append(f'region {DEFAULT_REGION} assumed: no `provider "aws"` block sets one')
    named = _Context({r.address: r for r in resources}, account_id, partition, region)
    resources = [
        dataclasses.replace(
            r,
            arn=synthesize(
                r.kind,
                {**named.naming(r.attributes), **generated.get(r.address, {})},
                partition,
                r.region or region,
                r.account_id or account_id,
                r.address,
            ),
        )
        for r in resources
    ]
    by_address = {r.address: r for r in resources}
    context = _Context(by_address, account_id, partition, region)
    final = tuple(
        dataclasses.replace(r, attributes={k: context.resolve(v) for k, v in r.attributes.items()})
        for r in resources
        if not r.kind.startswith("data.")
    )
    return Estate(
        resources=final,
        relations=link(final),
        account_id=account_id,
        partition=partition,
        region=region,
        notes=tuple(dict.fromkeys(notes)),
        errors=tuple(errors),
        root_path=root_path,
    )


def _prefixed(r: Resource, prefix: str, label: str) -> Resource:
    return dataclasses.replace(
        r, address=prefix + r.address, attributes=_prefix_refs(r.attributes, prefix), root=label
    )


def _prefix_refs(value: Any, prefix: str) -> Any:
    if isinstance(value, Ref):
        return Ref(prefix + value.address, value.attribute)
    if isinstance(value, Interpolation):
        return Interpolation(tuple(_prefix_refs(p, prefix) for p in value.parts))
    if isinstance(value, Mapping):
        return {k: _prefix_refs(v, prefix) for k, v in value.items()}
    if isinstance(value, list):
        return [_prefix_refs(v, prefix) for v in value]
    return value


def strings_in(value: Any) -> Iterator[str]:
    """Every string in an attribute value, nested ones included."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, Mapping):
        for v in value.values():
            yield from strings_in(v)
    elif isinstance(value, list):
        for v in value:
            yield from strings_in(v)


def _region(providers: list[Mapping[str, object]]) -> tuple[str | None, str]:
    aws = [p for p in providers if p.get("__name") == "aws"]
    # The default (un-aliased) provider decides; aliased ones configure other regions.
    aws.sort(key=lambda p: "alias" in p)
    for p in aws:
        region = p.get("region")
        if isinstance(region, str) and region:
            return region, partition_of(region)
    return None, "aws"


_PROVIDER_DATA = frozenset({"data.aws_caller_identity", "data.aws_region", "data.aws_partition"})


class _Context:
    """Resolves references whose value the estate does know (synthesized ARNs, names, data sources)."""

    def __init__(self, by_address: Mapping[str, Resource], account: str, partition: str, region: str) -> None:
        self.by_address = by_address
        self.account = account
        self.partition = partition
        self.region = region
        self._documents: dict[str, str | Unknown] = {}

    def known(self, ref: Ref, *, in_text: bool) -> str | Unknown | None:
        """The string value of ``ref`` when the estate determines it; None leaves a bare Ref in place."""
        target = self.by_address.get(ref.address)
        if target is None:
            return Unknown(f"{ref.address} is not in the estate")
        if target.kind.startswith("data."):
            return self._data(target, ref)
        attr = ref.attribute
        if attr == "arn" or attr in ARN_LIKE.get(target.kind, ()) or (attr is None and in_text):
            if target.arn:
                return target.arn
            return Unknown(f"{ref} is assigned by AWS at creation") if in_text else None
        field = NAME_LIKE.get(target.kind, {}).get(attr or "")
        if field:
            value = target.attributes.get(field)
            if isinstance(value, str):
                return value
        return Unknown(f"{ref} is known only after apply") if in_text else None

    def _data(self, target: Resource, ref: Ref) -> str | Unknown:
        kind, attr = target.kind, ref.attribute
        if kind == "data.aws_iam_policy_document":
            return self.document(target)
        if kind in _PROVIDER_DATA and attr is None:
            # A reference that lost its attribute on the way (passed into a module through a variable):
            # ``data.aws_caller_identity.current.arn`` is the caller's ARN, not the account, and which
            # attribute it was is not said, so the value is not known (the mirror writes in the attributes
            # the scan fixes before tfparse sees them).
            return Unknown(f"{ref} is read from the provider at plan time (an attribute of {target.address})")
        if kind == "data.aws_caller_identity" and attr in ("account_id", "id"):
            return self.account
        if kind == "data.aws_region" and attr in ("name", "id", "region"):
            return self.region
        if kind == "data.aws_partition" and attr in ("partition", "id"):
            return self.partition
        if kind == "data.aws_vpc_endpoint_service" and attr in ("service_name", "id"):
            return self._endpoint_service(target, ref)
        return Unknown(f"{ref} is read from the provider at plan time")

    def _endpoint_service(self, target: Resource, ref: Ref) -> str | Unknown:
        """The service name the data source finds: the one it is given, else the AWS service's name in the
        region (``service = "s3"`` -> ``com.amazonaws.eu-west-1.s3``), as the provider builds it to look
        the service up."""
        name, service = target.attributes.get("service_name"), target.attributes.get("service")
        region = target.attributes.get("region")
        if isinstance(name, str) and name:
            return name
        if isinstance(service, str) and service and (region is None or isinstance(region, str)):
            return f"com.amazonaws.{region or self.region}.{service}"
        return Unknown(f"{ref} is read from the provider at plan time")

    def naming(self, attributes: Mapping[str, Any]) -> Mapping[str, Any]:
        """``attributes`` with names built from values computed at apply (``"logs-${random_pet.x.id}"``)
        spelled with a placeholder for each computed part (``logs-<random_pet.x>``), to build the ARN.
        As for the ids AWS assigns (:mod:`ringfence.sources.arns`), the placeholder cannot equal a real
        name, while wildcards match it: a policy naming ``aws_s3_bucket.x.arn`` is then known."""
        if not any(isinstance(v, Interpolation | Ref) for v in attributes.values()):
            return attributes
        return {k: self._placeholders(v) for k, v in attributes.items()}

    def _placeholders(self, value: Any) -> Any:
        parts = (
            value.parts if isinstance(value, Interpolation) else (value,) if isinstance(value, Ref) else ()
        )
        if not parts:
            return value
        text: list[str] = []
        for part in parts:
            known = self.known(part, in_text=True) if isinstance(part, Ref) else part
            if isinstance(known, str):
                text.append(known)
            elif isinstance(part, Ref):
                text.append(placeholder(part.address))
        return "".join(text)

    def document(self, target: Resource) -> str | Unknown:
        """The rendered JSON of a policy document data source, rendered on first use: a document may
        merge others (``source_policy_documents = [data.aws_iam_policy_document.x.json]``), in any order
        of the files."""
        address = target.address
        if address not in self._documents:
            # Set before rendering, so a document that (through others) merges itself ends as unknown.
            self._documents[address] = Unknown(f"{address} merges itself through its source documents")
            self._documents[address] = render_policy_document(target.attributes, self.resolve_text)
        return self._documents[address]

    def resolve_text(self, value: Any) -> Any:
        """Like :meth:`resolve`, for values that end up inside text (policy documents): a reference must
        become its string value or an Unknown."""
        if isinstance(value, Ref):
            known = self.known(value, in_text=True)
            return known if known is not None else Unknown(f"{value} is not known before apply")
        if isinstance(value, list):
            return [self.resolve_text(v) for v in value]
        if isinstance(value, Mapping):
            return {k: self.resolve_text(v) for k, v in value.items()}
        return self.resolve(value)

    def resolve(self, value: Any) -> Any:
        if isinstance(value, Ref):
            known = self.known(value, in_text=False)
            return value if known is None else known
        if isinstance(value, Interpolation):
            parts: list[str] = []
            for part in value.parts:
                if isinstance(part, Ref):
                    known = self.known(part, in_text=True)
                    if not isinstance(known, str):
                        return known if isinstance(known, Unknown) else Unknown(f"{part} is not known")
                    parts.append(known)
                else:
                    parts.append(part)
            return "".join(parts)
        if isinstance(value, Mapping):
            return {k: self.resolve(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.resolve(v) for v in value]
        return value
