"""The CloudFormation source: templates (YAML or JSON, short and long intrinsic forms), their nested
stacks on disk, SAM templates (through ``aws-sam-translator``) and CDK output (``cdk.out``), into the
estate model.

A template is recognised by its content: a mapping with ``AWSTemplateFormatVersion``, or ``Resources``
whose entries have an AWS type, in a ``.yaml``, ``.yml``, ``.json`` or ``.template`` file. Addresses are the
logical ids; when several templates are scanned, each is prefixed by the template's path relative to the
scanned folder and a colon (``stacks/net.yaml:Bastion``); a nested stack's resources are
``Parent/Child``.
"""

from __future__ import annotations

import dataclasses
import json
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from ringfence.model import DEFAULT_REGION, Estate, InputError, Unknown, is_known
from ringfence.sources.base import LoadOptions

__all__ = ["CloudFormationSource"]

SUFFIXES = (".yaml", ".yml", ".json", ".template")
_SNIFF_BYTES = 4096
_MARKS = (b"AWSTemplateFormatVersion",)
_RESOURCE_MARKS = (b"AWS::", b"Custom::")
_POLICY_ATTRIBUTES = ("policy", "assume_role_policy")


def sniff(path: Path) -> bool:
    """Whether the first bytes of ``path`` look like a CloudFormation template (cheap, never a full read)."""
    if not path.name.lower().endswith(SUFFIXES) or path.name.endswith(".tf.json"):
        return False
    try:
        with path.open("rb") as handle:
            head = handle.read(_SNIFF_BYTES)
    except OSError:
        return False
    if any(mark in head for mark in _MARKS):
        return True
    return (
        b"Resources" in head
        and any(mark in head for mark in _RESOURCE_MARKS)
        and b'"format_version"' not in head
    )


class CloudFormationSource:
    """CloudFormation templates: one file, or the templates of a folder (with ``claims``)."""

    name = "cloudformation"

    def recognises(self, target: str) -> bool:
        path = Path(target)
        if path.is_dir():
            return bool(self.claims(path))
        return path.is_file() and sniff(path)

    def claims(self, folder: Path) -> tuple[Path, ...]:
        """The files under ``folder`` that look like templates; CDK asset folders left out."""
        from ringfence.sources import walk

        found: list[Path] = []
        for current, files in walk(folder):
            if any(part.startswith("asset.") for part in current.relative_to(folder).parts):
                continue
            found.extend(current / name for name in files if sniff(current / name))
        return tuple(found)

    def load(self, target: str, options: LoadOptions) -> Estate:
        path = Path(target)
        if path.is_dir():
            return self.load_files(path, self.claims(path), options, root_path=target)
        return self.load_files(path.parent, (path,), options, root_path=target)

    def load_files(
        self, folder: Path, files: Sequence[Path], options: LoadOptions, root_path: str | None = None
    ) -> Estate:
        """The templates ``files`` of ``folder`` as one estate (templates another one reads as a nested
        stack are read there, not on their own)."""
        from ringfence.sources.arns import most_common_account
        from ringfence.sources.base import account_for
        from ringfence.sources.cloudformation.cdk import stack_names
        from ringfence.sources.cloudformation.stack import (
            Collected,
            Stack,
            read_template,
            resolve_literals,
            started_recorders,
        )
        from ringfence.sources.terraform.estate import build_estate, partition_of
        from ringfence.sources.terraform.loader import RootLoad

        base = folder.resolve()

        def shown(path: Path) -> str:
            return Path(os.path.relpath(path.resolve(), base)).as_posix()

        read: list[tuple[Path, Any]] = []
        texts: list[str] = []
        for path in sorted(files):
            template = read_template(path, shown(path))
            read.append((path, template))
            if template is not None and not isinstance(template, InputError):
                texts.append(json.dumps(template, default=str))
        nested = _nested_files(read)
        observed = most_common_account(texts) if options.account_id is None else None
        account_id, assumed = account_for(options, observed, "the ARNs in the templates")
        region = options.parameters.get("AWS::Region") or DEFAULT_REGION
        partition = partition_of(region)
        notes = list(assumed)
        if "AWS::Region" not in options.parameters:
            notes.append(
                f"region {DEFAULT_REGION} assumed for AWS::Region (use --parameter AWS::Region=REGION)"
            )
        names = stack_names(base)
        loads: list[RootLoad] = []
        generated: dict[str, dict[str, str]] = {}  # the names CloudFormation generates, by address
        roots: dict[str, str] = {}
        errors: list[InputError] = []
        tops = [(p, t) for p, t in read if p.resolve() not in nested]
        # Several templates: each address is prefixed by its template's path, whether or not the others
        # could be read (an unreadable neighbour does not rename anything).
        prefixed = len(tops) > 1
        for path, written in tops:
            label = shown(path)
            if isinstance(written, InputError):
                errors.append(written)
                continue
            if written is None:
                notes.append(f"{label}: skipped: not a CloudFormation template")
                continue
            collected = Collected()
            template = _transformed(written, label, collected, region, options.parameters)
            if template is None:
                errors.extend(collected.errors)
                continue
            stack_name = (
                options.parameters.get("AWS::StackName") or names.get(path.resolve()) or "<AWS::StackName>"
            )
            stack = Stack(
                template,
                file=label,
                folder=path.parent,
                prefix=f"{label}:" if prefixed else "",
                given={k: v for k, v in options.parameters.items() if not k.startswith("AWS::")},
                pseudo=_pseudo(account_id, region, partition, stack_name),
                collected=collected,
                shown=shown,
                root=label if prefixed else "",
            )
            stack.load()
            if collected.unmapped:
                listed = ", ".join(f"{t} ({n})" for t, n in sorted(collected.unmapped.items()))
                collected.notes.append(
                    f"{label}: {sum(collected.unmapped.values())} resource(s) of types no check reads, kept as they "
                    f"are: {listed}"
                )
            generated.update(collected.generated)
            roots.update({r.address: r.root for r in collected.resources})
            loads.append(
                RootLoad(
                    root=path,
                    label="",  # addresses are prefixed already
                    resources=tuple(resolve_literals(started_recorders(collected.resources))),
                    providers=({"__name": "aws", "region": region},),
                    errors=tuple(collected.errors),
                    notes=tuple(dict.fromkeys(collected.notes)),
                )
            )
        estate = build_estate(loads, root_path or str(folder), account_id, notes=notes, generated=generated)
        resources = tuple(
            dataclasses.replace(r, attributes=_serialised(r.attributes), root=roots.get(r.address, ""))
            for r in estate.resources
        )
        if not resources and not errors and not estate.errors:
            errors.append(
                InputError(".", None, "no resources: no CloudFormation template was read", undecided=True)
            )
        # No load said its region (every template unreadable): the note is about Terraform's provider block.
        kept = tuple(n for n in estate.notes if 'provider "aws"' not in n)
        return dataclasses.replace(estate, resources=resources, errors=(*estate.errors, *errors), notes=kept)


def _pseudo(account: str, region: str, partition: str, stack_name: str) -> Mapping[str, Any]:
    """The pseudo parameters (AWS CloudFormation User Guide, "Pseudo parameters reference")."""
    from ringfence.sources.cloudformation.intrinsics import NO_VALUE

    suffix = "amazonaws.com.cn" if partition == "aws-cn" else "amazonaws.com"
    return {
        "AWS::AccountId": account,
        "AWS::Region": region,
        "AWS::Partition": partition,
        "AWS::URLSuffix": suffix,
        "AWS::StackName": stack_name,
        "AWS::StackId": f"arn:{partition}:cloudformation:{region}:{account}:stack/{stack_name}/<AWS::StackId>",
        "AWS::NoValue": NO_VALUE,
        "AWS::NotificationARNs": Unknown("AWS::NotificationARNs are given when the stack is deployed"),
    }


def _nested_files(read: Sequence[tuple[Path, Any]]) -> set[Path]:
    """Files that some template reads as a nested stack (by a literal local location)."""
    from ringfence.sources.cloudformation.stack import STACK_TYPES, local_template

    out: set[Path] = set()
    for path, template in read:
        if not isinstance(template, Mapping):
            continue
        resources = template.get("Resources")
        for body in resources.values() if isinstance(resources, Mapping) else ():
            if not isinstance(body, Mapping) or body.get("Type") not in STACK_TYPES:
                continue
            properties = body.get("Properties")
            if isinstance(properties, Mapping):
                for key in ("TemplateURL", "Location"):
                    found = local_template(properties.get(key), path.parent)
                    if found is not None:
                        out.add(found)
    return out


def _transformed(
    template: Any, label: str, collected: Any, region: str, parameters: Mapping[str, str]
) -> Any:
    """A SAM template as the CloudFormation template it stands for; others as they are."""
    from ringfence.sources.cloudformation.stack import SAM_TRANSFORM, transforms

    if SAM_TRANSFORM not in transforms(template):
        return template
    from ringfence.sources.cloudformation.sam import translate

    given = {k: v for k, v in parameters.items() if not k.startswith("AWS::")}
    return translate(template, label, collected, region, given)


def _serialised(attributes: Mapping[str, Any]) -> Mapping[str, Any]:
    """Policy documents as the JSON text Terraform holds, once every value in them is known; a document
    that names a value known only once deployed is unknown as a whole (never judged in part)."""
    out = dict(attributes)
    for key in _POLICY_ATTRIBUTES:
        if key in out:
            out[key] = _document(out[key])
    inline = out.get("inline_policy")
    if isinstance(inline, list):
        out["inline_policy"] = [
            {**b, "policy": _document(b.get("policy"))} if isinstance(b, Mapping) and "policy" in b else b
            for b in inline
        ]
    return out


def _document(value: Any) -> Any:
    if not isinstance(value, Mapping | list):
        return value
    if is_known(value):
        return json.dumps(value)
    from ringfence.sources.cloudformation.stack import describe_undecided

    return Unknown(f"the policy document is not known: {describe_undecided(value)}")
