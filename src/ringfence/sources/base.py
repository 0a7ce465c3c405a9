"""What a source is: something that recognises an input and loads it into an :class:`Estate`.

A source is small and explicit: ``recognises(target)`` is a cheap look at the target (a path's suffix, a
folder's files, a URL scheme), ``load(target, options)`` reads it. What cannot be read inside the input is
an :class:`InputError` of the estate and the rest is still read; a target that cannot be read at all raises
:class:`SourceError`. The registry (:data:`ringfence.sources.SOURCES`) lists the sources in order of
precedence; :func:`ringfence.sources.load_estate` picks the first that recognises each target. A source
may also read its files of a folder side by side with the others (:class:`FolderSource`: ``claims`` and
``load_files``): a folder mixing Terraform, CloudFormation and Kubernetes is one estate.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from ringfence.model import DEFAULT_ACCOUNT_ID, Estate


class SourceError(Exception):
    """Input that cannot be read at all (exit code 2): a missing, empty or unreadable path."""


@dataclass(frozen=True)
class LoadOptions:
    """Everything a source may need; each source ignores what is not its own."""

    var_files: tuple[str, ...] = ()  # Terraform variable files (--var-file)
    account_id: str | None = None  # --account-id: the account the estate is deployed in
    excluded: tuple[str, ...] = ()  # Terraform roots left out (configuration `exclude`)
    jobs: int | None = None  # parallel Terraform evaluations
    progress: Callable[[int, int], None] | None = None  # progress(done, total) of the evaluations
    cache: bool = True  # False: evaluate all Terraform again and keep nothing (--no-cache)
    limits: Mapping[str, str] | None = None  # Terraform evaluation limits by environment variable name
    # Live accounts: the roles to assume (--role-arn), the role to assume in each member account of the
    # organization (--org), the regions to read (--regions; empty: every enabled region).
    role_arns: tuple[str, ...] = ()
    org_role: str | None = None
    regions: tuple[str, ...] = ()
    # CloudFormation parameter values (--parameter K=V), pseudo parameters too (AWS::Region, AWS::StackName).
    parameters: Mapping[str, str] = field(default_factory=dict)


class Source(Protocol):
    """One kind of input."""

    # "terraform", "terraform-plan", "aws", "snapshot", "cloudformation", "kubernetes"
    @property
    def name(self) -> str: ...

    def recognises(self, target: str) -> bool:
        """Whether ``target`` is this source's input; cheap (a suffix, a look at a folder's file names or a
        file's first bytes, a URL scheme), never a full read."""
        ...

    def load(self, target: str, options: LoadOptions) -> Estate:
        """``target`` as an estate: its resources, and an error or note for what could not be read."""
        ...


class FolderSource(Source, Protocol):
    """A source that reads its files of a folder side by side with other sources' (a folder mixing
    Terraform, CloudFormation templates and Kubernetes manifests)."""

    def claims(self, folder: Path) -> tuple[Path, ...]:
        """The files under ``folder`` this source reads, by a cheap look at their first bytes."""
        ...

    def load_files(self, folder: Path, files: Sequence[Path], options: LoadOptions) -> Estate:
        """``files`` (claimed under ``folder``; provenance paths relative to it) as one estate."""
        ...


def account_for(options: LoadOptions, observed: str | None, seen_in: str) -> tuple[str, tuple[str, ...]]:
    """The one rule for the account of an estate, and the note to print with it: the account given
    (``--account-id``), else the one the source observed in its input (``seen_in`` says where: "the ARNs
    in the code"), else the default. Sources call it before they evaluate anything: ARNs and
    ``data.aws_caller_identity`` are built with the account."""
    if options.account_id is not None:
        return options.account_id, ()
    if observed is not None:
        return observed, (f"account id {observed} taken from {seen_in} (use --account-id to set it)",)
    return DEFAULT_ACCOUNT_ID, (f"account id {DEFAULT_ACCOUNT_ID} assumed (use --account-id to set it)",)
