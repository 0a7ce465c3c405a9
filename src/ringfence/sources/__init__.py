"""Sources read an estate into the model. The kind of input is recognised from its content."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
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
    cache: bool = True,
    limits: Mapping[str, str] | None = None,
) -> Estate:
    """Read every PATH (folder or file) into one estate; ``progress(done, total)`` follows the
    evaluations. ``cache=False`` evaluates all Terraform again and keeps nothing (``--no-cache``);
    ``limits`` are configured Terraform evaluation limits by environment variable name, which the
    environment overrides."""
    estates: list[Estate] = []
    for raw in paths:
        path = Path(raw)
        if not path.exists():
            raise SourceError(f"{raw}: no such file or folder")
        if path.is_dir() and not any(path.iterdir()):
            raise SourceError(f"{raw}: the folder is empty")
        if path.is_file():
            estates.append(_load_file(path, var_files, account_id, cache, limits))
            continue
        found = inputs_in(path)
        if not found.terraform and not found.plans:
            raise SourceError(
                f"{raw}: nothing to scan: no Terraform files (*.tf, *.tf.json) and no Terraform plan JSON "
                "(terraform show -json) in it or below it"
            )
        estates.append(
            _load_folder(path, found, var_files, account_id, tuple(excluded), jobs, progress, cache, limits)
        )
    return merge(estates)


@dataclass(frozen=True, slots=True)
class Inputs:
    """What a scan reads in a folder. (CloudFormation templates and Kubernetes manifests join here with
    their sources.)"""

    terraform: bool  # some *.tf or *.tf.json file
    plans: tuple[Path, ...]  # Terraform plan JSON files


_SKIP_DIRS = frozenset({"node_modules", "__pycache__"})  # and every folder whose name starts with a dot
_PLAN_MARK = b'"format_version"'


def walk(folder: Path) -> Iterator[tuple[Path, list[str]]]:
    """Each folder under ``folder`` (itself included) where the estate's files may be, with its file
    names, in order: not `.terraform`, `.git` or other hidden folders, nor installed packages."""
    for current, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if d not in _SKIP_DIRS and not d.startswith("."))
        yield Path(current), sorted(files)


def inputs_in(folder: Path) -> Inputs:
    """The one place that decides which files under ``folder`` are infrastructure a scan reads."""
    from ringfence.sources.terraform.plan import is_plan

    terraform = False
    plans: list[Path] = []
    for current, files in walk(folder):
        for name in files:
            if name.endswith((".tf", ".tf.json")):
                terraform = True
            elif name.endswith(".json"):
                path = current / name
                try:
                    with path.open("rb") as handle:
                        head = handle.read(4096)
                except OSError:
                    continue
                if _PLAN_MARK in head and is_plan(path):
                    plans.append(path)
    return Inputs(terraform, tuple(plans))


def _load_folder(
    path: Path,
    found: Inputs,
    var_files: Sequence[str],
    account_id: str | None,
    excluded: tuple[str, ...],
    jobs: int | None,
    progress: Callable[[int, int], None] | None,
    cache: bool = True,
    limits: Mapping[str, str] | None = None,
) -> Estate:
    """A folder's Terraform roots; or, when it holds no Terraform, its plan files."""
    if not found.terraform:
        from ringfence.sources.terraform.plan import load_plan

        return merge(load_plan(plan, account_id=account_id) for plan in found.plans)
    from ringfence.sources import terraform

    estate = terraform.load(
        path,
        var_files=[Path(v) for v in var_files],
        account_id=account_id,
        excluded=excluded,
        jobs=jobs,
        progress=progress,
        cache=cache,
        limits=limits,
    )
    notes = tuple(
        f"{os.path.relpath(plan, path)}: a Terraform plan beside Terraform files is not read (scan it by itself)"
        for plan in found.plans
    )
    errors: tuple[InputError, ...] = ()
    if not estate.resources and not estate.errors:
        # Every root excluded, or none evaluated: the files were found, nothing was read from them.
        errors = (
            InputError(
                ".",
                None,
                "no resources: no Terraform root was evaluated: nothing was checked",
                undecided=True,
            ),
        )
    if not notes and not errors:
        return estate
    return dataclasses.replace(estate, notes=(*estate.notes, *notes), errors=(*estate.errors, *errors))


def _load_file(
    path: Path,
    var_files: Sequence[str],
    account_id: str | None,
    cache: bool = True,
    limits: Mapping[str, str] | None = None,
) -> Estate:
    try:
        head = path.read_bytes()[:4096]
    except OSError as exc:
        raise SourceError(f"{path}: cannot read: {exc.strerror}") from exc
    if not head.strip():
        raise SourceError(f"{path}: the file is empty")
    if path.suffix == ".json" and not path.name.endswith(".tf.json"):
        from ringfence.sources.terraform.plan import is_plan, load_plan

        if is_plan(path):
            return load_plan(path, account_id=account_id)
        return Estate(
            resources=(), errors=(InputError(str(path), None, "not a Terraform plan (terraform show -json)"),)
        )
    if path.name.endswith((".tf", ".tf.json")):
        from ringfence.sources import terraform

        estate = terraform.load(
            path, var_files=[Path(v) for v in var_files], account_id=account_id, cache=cache, limits=limits
        )
        return _of_file(estate, path, [Path(v) for v in var_files])
    raise SourceError(
        f"{path}: not a Terraform file, plan JSON, CloudFormation template or Kubernetes manifest"
    )


def _of_file(estate: Estate, file: Path, var_files: Sequence[Path]) -> Estate:
    """What a scan of one Terraform file reports of its folder's evaluation: the resources, settings and
    errors of that file and of the local modules it calls, and the errors of the variable files the
    evaluation read (they decide the file's values). The other files of the folder are evaluated with it
    (they declare its variables and locals) but are not this scan's: their resources, provider blocks and
    syntax errors are left out."""
    from ringfence.model.linker import link
    from ringfence.sources.terraform.roots import module_calls
    from ringfence.sources.terraform.variables import auto_var_files, module_folders

    folder = file.parent.resolve()

    def rel(path: Path) -> str:
        return Path(os.path.relpath(os.path.realpath(path), folder)).as_posix()

    own = rel(file)
    calls = [c for c in module_calls(folder) if c.file.resolve() == file.resolve()]
    heads = tuple(f"module.{c.name}{end}" for c in calls for end in (".", "["))
    modules = tuple(
        dict.fromkeys(
            rel(m) + "/" for c in calls if c.is_local for m in module_folders((folder / c.source).resolve())
        )
    )
    inputs = {rel(v) for v in (*auto_var_files(folder), *var_files)}

    def of_file(path: str | None) -> bool:
        return path == own or (path or "").startswith(modules)

    resources = tuple(r for r in estate.resources if r.provenance.path == own or r.address.startswith(heads))
    return dataclasses.replace(
        estate,
        resources=resources,
        relations=link(resources),
        settings=tuple(s for s in estate.settings if of_file(s.provenance.path)),
        errors=tuple(e for e in estate.errors if of_file(e.path) or e.path in inputs or e.path == "."),
    )
