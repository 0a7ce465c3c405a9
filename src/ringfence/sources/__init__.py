"""Sources read an estate into the model. The kind of input is recognised from its content."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from ringfence.model import Estate, InputError, merge


class SourceError(Exception):
    """Input that cannot be read at all (exit code 2): a missing, empty or unreadable path."""


def load_estate(
    paths: Sequence[str],
    *,
    var_files: Sequence[str] = (),
    account_id: str | None = None,
    excluded: Sequence[str] = (),
    jobs: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Estate:
    """Read every PATH (folder or file) into one estate; ``progress(done, total)`` follows the
    evaluations."""
    estates: list[Estate] = []
    for raw in paths:
        path = Path(raw)
        if not path.exists():
            raise SourceError(f"{raw}: no such file or folder")
        if path.is_dir() and not any(path.iterdir()):
            raise SourceError(f"{raw}: the folder is empty")
        if path.is_file():
            estates.append(_load_file(path, var_files, account_id))
            continue
        if not _has_inputs(path):
            raise SourceError(f"{raw}: no Terraform, CloudFormation or Kubernetes files found")
        from ringfence.sources import terraform

        estates.append(
            terraform.load(
                path,
                var_files=[Path(v) for v in var_files],
                account_id=account_id,
                excluded=tuple(excluded),
                jobs=jobs,
                progress=progress,
            )
        )
    return merge(estates)


def _has_inputs(folder: Path) -> bool:
    return any(next(folder.rglob(pattern), None) is not None for pattern in ("*.tf", "*.json"))


def _load_file(path: Path, var_files: Sequence[str], account_id: str | None) -> Estate:
    try:
        head = path.read_bytes()[:4096]
    except OSError as exc:
        raise SourceError(f"{path}: cannot read: {exc.strerror}") from exc
    if not head.strip():
        raise SourceError(f"{path}: the file is empty")
    if path.suffix == ".json":
        from ringfence.sources.terraform.plan import is_plan, load_plan

        if is_plan(path):
            return load_plan(path, account_id=account_id)
        return Estate(
            resources=(), errors=(InputError(str(path), None, "not a Terraform plan (terraform show -json)"),)
        )
    if path.suffix == ".tf":
        from ringfence.sources import terraform

        estate = terraform.load(path, var_files=[Path(v) for v in var_files], account_id=account_id)
        name = path.name
        keep = tuple(r for r in estate.resources if (r.provenance.path or "").endswith(name))
        import dataclasses

        from ringfence.model.linker import link

        return dataclasses.replace(estate, resources=keep, relations=link(keep))
    raise SourceError(
        f"{path}: not a Terraform file, plan JSON, CloudFormation template or Kubernetes manifest"
    )
