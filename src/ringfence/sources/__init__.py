"""Sources read an estate into the model. The kind of input is recognised from its content."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from ringfence.model import Estate, InputError, merge
from ringfence.sources.base import LoadOptions, Source, SourceError

__all__ = ["SOURCES", "LoadOptions", "Source", "SourceError", "load_estate", "settle", "source_for"]


def load_estate(targets: Sequence[str], options: LoadOptions | None = None) -> Estate:
    """Every target (a folder, a file) read by the first source of :data:`SOURCES` that recognises it,
    as one estate. A target no source recognises, or that cannot be read at all, raises
    :class:`SourceError`."""
    options = options or LoadOptions()
    return merge(settle(source_for(target).load(target, options), options) for target in targets)


def source_for(target: str) -> Source:
    """The first source of :data:`SOURCES` that recognises ``target``."""
    if "://" not in target:
        _readable(target)
    for source in SOURCES:
        if source.recognises(target):
            return source
    if "://" in target:
        raise SourceError(
            f"{target}: no source reads {target.split('://', 1)[0]}:// targets "
            "(supported: Terraform folders and files, Terraform plan JSON)"
        )
    path = Path(target)
    if path.is_dir():
        raise SourceError(
            f"{target}: nothing to scan: no Terraform files (*.tf, *.tf.json) and no Terraform plan JSON "
            "(terraform show -json) in it or below it"
        )
    raise SourceError(f"{target}: not a Terraform file (*.tf, *.tf.json) or Terraform plan JSON")


def _readable(target: str) -> None:
    """A path a source can read at all, else :class:`SourceError` naming it as the user wrote it."""
    path = Path(target)
    if not path.exists():
        raise SourceError(f"{target}: no such file or folder")
    if path.is_dir():
        if not any(path.iterdir()):
            raise SourceError(f"{target}: the folder is empty")
        return
    try:
        with path.open("rb") as handle:
            head = handle.read(4096)
    except OSError as exc:
        raise SourceError(f"{target}: cannot read: {exc.strerror}") from exc
    if not head.strip():
        raise SourceError(f"{target}: the file is empty")


def settle(estate: Estate, options: LoadOptions) -> Estate:
    """An estate one source loaded, with what every estate must say settled: the accounts it holds
    (its own first, then those its resources name). The account itself is settled by
    :func:`ringfence.sources.base.account_for` when the source reads its input: Terraform needs it to
    evaluate."""
    named = {estate.account_of(r) for r in estate.resources} - set(estate.accounts)
    if not named:
        return estate
    return dataclasses.replace(estate, accounts=(*estate.accounts, *named))


class TerraformSource:
    """Terraform code: a folder with `.tf`/`.tf.json` files in it or below it, or one such file (read
    with the rest of its folder)."""

    name = "terraform"

    def recognises(self, target: str) -> bool:
        path = Path(target)
        if path.is_dir():
            return any(n.endswith((".tf", ".tf.json")) for _, files in walk(path) for n in files)
        return path.name.endswith((".tf", ".tf.json")) and path.is_file()

    def load(self, target: str, options: LoadOptions) -> Estate:
        from ringfence.sources import terraform

        path = Path(target)
        if path.is_file():
            estate = terraform.load(path, options)
            return _of_file(estate, path, [Path(v) for v in options.var_files])
        estate = terraform.load(path, options)
        notes = tuple(
            f"{os.path.relpath(plan, path)}: a Terraform plan beside Terraform files is not read (scan it by itself)"
            for plan in inputs_in(path).plans
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


class PlanSource:
    """Terraform plan JSON (`terraform show -json`): a `.json` file, or a folder of them with no Terraform
    code (a folder with code is the Terraform source's)."""

    name = "terraform-plan"

    def recognises(self, target: str) -> bool:
        path = Path(target)
        if path.is_dir():
            return bool(inputs_in(path).plans)
        return path.suffix == ".json" and not path.name.endswith(".tf.json") and path.is_file()

    def load(self, target: str, options: LoadOptions) -> Estate:
        from ringfence.sources.terraform.plan import is_plan, load_plan

        path = Path(target)
        if path.is_dir():
            return merge(load_plan(plan, options) for plan in inputs_in(path).plans)
        if is_plan(path):
            return load_plan(path, options)
        why = "not a Terraform plan (terraform show -json)"
        return Estate(resources=(), errors=(InputError(str(path), None, why),))


class _Elsewhere:
    """A source defined in another module, imported the first time a target is put to it: a module that
    is not there (or whose optional dependency is not installed) recognises nothing."""

    def __init__(self, module: str, name: str, source_name: str) -> None:
        self._module, self._class, self.name = module, name, source_name
        self._source: Source | None = None
        self._missing = False

    def _get(self) -> Source | None:
        if self._source is None and not self._missing:
            import importlib

            try:
                self._source = getattr(importlib.import_module(self._module), self._class)()
            except (ModuleNotFoundError, AttributeError):
                self._missing = True
        return self._source

    def recognises(self, target: str) -> bool:
        source = self._get()
        return source is not None and source.recognises(target)

    def load(self, target: str, options: LoadOptions) -> Estate:
        source = self._get()
        if source is None:
            raise SourceError(f"{target}: the {self.name} source is not installed")
        return source.load(target, options)


# The registry, in order of precedence: the first source that recognises a target reads it. The plan
# source comes last: it takes every other `.json` file, to say that it is not a plan.
SOURCES: tuple[Source, ...] = (
    TerraformSource(),
    # Live AWS accounts (`aws://[PROFILE]`) and the snapshots `scan --snapshot` writes of them.
    _Elsewhere("ringfence.sources.aws", "AwsSource", "aws"),
    _Elsewhere("ringfence.sources.aws", "SnapshotSource", "snapshot"),
    _Elsewhere("ringfence.sources.kubernetes", "KubernetesSource", "kubernetes"),
    PlanSource(),
)


@dataclass(frozen=True, slots=True)
class Inputs:
    """What a scan reads in a folder."""

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
