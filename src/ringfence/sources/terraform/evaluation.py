"""Evaluate root modules with tfparse, working around what it loses.

tfparse 0.6.22 returns the resources of at most 32 module instances per load and silently drops files that
do not parse. So a root with more module calls is evaluated in batches (each a temporary copy of the root
with the other module blocks blanked out, line numbers kept), module calls that feed each other or the
root's own resources stay in one batch, and every file tfparse did not return is checked for syntax errors.
Batches run in parallel in ``spawn``-started processes: tfparse's Go runtime does not survive ``fork``.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import itertools
import os
import re
import shutil
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ringfence.model import Provenance, Resource
from ringfence.sources.terraform import bounds
from ringfence.sources.terraform.convert import convert
from ringfence.sources.terraform.hcl import comments_for, top_level_blocks
from ringfence.sources.terraform.mirror import Mirror
from ringfence.sources.terraform.roots import ModuleCall, module_calls, tf_files
from ringfence.sources.terraform.variables import Environment, auto_var_files, environment

MAX_MODULES_PER_LOAD = 32
_MODULE_REF = re.compile(r"\bmodule\.([A-Za-z_][\w-]*)")


@dataclass(frozen=True, slots=True)
class Task:
    root: Path
    base: Path
    var_files: tuple[Path, ...]
    # Module calls to keep in this load; None keeps all of them.
    modules: tuple[str, ...] | None = None
    keep_root_resources: bool = True
    # A rewritten copy of ``base`` (and of the local modules above it) to evaluate instead of the user's
    # files (see ``mirror``).
    mirror: Mirror | None = None
    # Names of the root's .tf files to evaluate as blank (line numbers kept): files that make it fail.
    blank: tuple[str, ...] = ()
    # Blocks of the root set aside before evaluation: expansions over the limits, infinite values.
    expansions: bounds.Plan = field(default_factory=bounds.Plan)
    # The expansion limits it was planned under (part of its cache key), and the evaluation cache folder
    # its result is read from and stored in (None: not cached). Both travel with the task to its worker.
    limits: bounds.Limits = field(default_factory=bounds.limits)
    cache: Path | None = None
    # The values `TF_VAR_<name>` environment variables give the root's variables (read before any file).
    environment: Environment = field(default_factory=Environment)

    @property
    def source_root(self) -> Path:
        if self.mirror is None:
            return self.root
        return self.mirror.base / self.root.resolve().relative_to(self.base.resolve())


@dataclass(frozen=True, slots=True)
class TaskResult:
    task: Task
    resources: tuple[Resource, ...] = ()
    providers: tuple[dict[str, Any], ...] = ()
    module_instances: tuple[str, ...] = ()
    files: frozenset[str] = frozenset()
    error: str | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)
    # The evaluation failed as a whole (tfparse raised, or its worker died): worth narrowing to a file.
    crashed: bool = False
    # (file, line, message) of files left out of the evaluation because they made it fail.
    file_errors: tuple[tuple[str, int | None, str], ...] = ()
    # (file, line, message) of blocks set aside before evaluation (see `bounds`): read, analysed as unknown.
    unknowns: tuple[tuple[str, int | None, str], ...] = ()


# A root with at most this many module calls is evaluated in one load.
SMALL_ROOT = 4


def plan_tasks(
    root: Path,
    base: Path,
    var_files: tuple[Path, ...],
    limits: bounds.Limits | None = None,
    cache: Path | None = None,
) -> list[Task]:
    """The evaluations of one root: one load for a small root, else one load per group of related
    module calls.

    tfparse's evaluation time grows faster than linearly with the modules of one load (two independent
    stacks of 7 module calls: 1.1 s each alone, 4.3 s together), and it loses modules past about 32
    instances, so the smallest loads that keep references intact are both the fastest and the safest.
    The root's own resources are kept from the load holding the module calls they read.
    """
    var_files = (*auto_var_files(root), *var_files)  # Terraform's own files first: explicit ones win
    env = environment(root)
    calls = module_calls(root)
    # Calls that lead into a cycle are evaluated as blank (each is an error at the call, see `loader`).
    cyclic = bounds.cyclic_calls(root)
    limits = limits if limits is not None else bounds.limits()
    expansions = bounds.plan(root, limits)
    if len(calls) <= SMALL_ROOT:
        keep = tuple(sorted(c.name for c in calls if c.name not in cyclic)) if cyclic else None
        return [
            Task(
                root,
                base,
                var_files,
                modules=keep,
                expansions=expansions,
                limits=limits,
                cache=cache,
                environment=env,
            )
        ]
    groups = _related_groups(root, [c for c in calls if c.name not in cyclic])
    tasks = [
        Task(
            root,
            base,
            var_files,
            modules=tuple(sorted(group)),
            keep_root_resources=(i == 0),
            expansions=expansions,
            limits=limits,
            cache=cache,
            environment=env,
        )
        for i, group in enumerate(groups)
    ]
    # Biggest loads first, so that parallel workers finish together.
    return sorted(tasks, key=lambda t: (not t.keep_root_resources, -len(t.modules or ())))


def _related_groups(root: Path, calls: Sequence[ModuleCall]) -> list[list[str]]:
    """Module calls that must be evaluated together: those that read each other's outputs, and all those
    the root's own blocks read (that group comes first)."""
    names = [c.name for c in calls]
    parent = {n: n for n in names}

    def find(n: str) -> str:
        while parent[n] != n:
            parent[n] = parent[parent[n]]
            n = parent[n]
        return n

    def union(a: str, b: str) -> None:
        parent[find(a)] = find(b)

    for call in calls:
        for used in _MODULE_REF.findall(call.text):
            if used in parent and used != call.name:
                union(call.name, used)
    root_needs: list[str] = []
    for file in tf_files(root):
        text = file.read_text(encoding="utf-8", errors="replace")
        for block in top_level_blocks(text):
            if block.type != "module":
                root_needs += [m for m in _MODULE_REF.findall(block.text) if m in parent]
    for a, b in itertools.pairwise(root_needs):
        union(a, b)
    groups: dict[str, list[str]] = {}
    for n in names:
        groups.setdefault(find(n), []).append(n)
    anchor = find(root_needs[0]) if root_needs else None
    ordered = [groups.pop(anchor)] if anchor is not None else [[]]
    return ordered + [groups[k] for k in sorted(groups)]


def cached(task: Task) -> TaskResult | None:
    """The task's result from the evaluation cache, if it is there."""
    from ringfence.sources.terraform import cache

    if task.cache is None:
        return None
    try:
        found = cache.load(task.cache, cache.key(task, _key_versions(task)))
    except OSError:
        return None
    return dataclasses.replace(found, task=task) if found is not None else None


def run(task: Task) -> TaskResult:
    """Evaluate one task (in whatever process this runs) and keep the result in the evaluation cache."""
    from ringfence.sources.terraform import cache

    result = _evaluate(task)
    if task.cache is not None and result.error is None and not task.blank:
        with suppress(OSError):
            cache.store(task.cache, cache.key(task, _key_versions(task)), result)
    return result


def _key_versions(task: Task) -> str:
    # The expansion limits decide what is evaluated: results under other limits are not served.
    return f"{_versions()}; {task.limits.describe()}"


@functools.cache
def _versions() -> str:
    from importlib.metadata import PackageNotFoundError, version

    from ringfence import __version__

    try:
        tfparse = version("tfparse")
    except PackageNotFoundError:
        tfparse = "?"
    # The code that turns tfparse's output into resources is part of the key: a changed converter must
    # not serve results it would no longer produce.
    digest = hashlib.sha256()
    for module in sorted(Path(__file__).parent.glob("*.py")) + sorted(
        Path(__file__).parents[2].glob("model/*.py")
    ):
        digest.update(module.read_bytes())
    return f"ringfence {__version__}; tfparse {tfparse}; code {digest.hexdigest()[:16]}"


def _evaluate(task: Task) -> TaskResult:
    # tfparse's Go runtime collects garbage often for a short-lived evaluation: a higher GOGC target
    # trades a little memory for about a quarter less CPU (measured on the benchmark estate). It is read
    # when the library loads, so it only applies to processes that have not loaded it yet.
    os.environ.setdefault("GOGC", "400")
    try:
        import tfparse
    except ImportError as exc:  # pragma: no cover - a broken install
        return TaskResult(task, error=f"tfparse is not installed: {exc}")
    with _copy_of_root(task) as (load_dir, var_names, module_copies):
        for name in task.blank:
            _blank(load_dir / name)
        for name in task.expansions.files() - set(task.blank):
            _blank_spans(load_dir / name, task.expansions)
        try:
            parsed = tfparse.load_from_path(str(load_dir), vars_paths=list(var_names))
        except Exception as exc:  # noqa: BLE001 -- tfparse raises plain exceptions from its Go core
            return TaskResult(task, error=_first_line(str(exc)), crashed=True)
        instances = tuple(
            m.get("__tfmeta", {}).get("path", "") for m in parsed.get("module", []) if isinstance(m, dict)
        )
        names = {
            b["__tfmeta"]["filename"]
            for items in parsed.values()
            if isinstance(items, list)
            for b in items
            if isinstance(b, dict) and "filename" in b.get("__tfmeta", {})
        }
        real = _RealPaths(load_dir, task, module_copies)
        files = frozenset(str(real((load_dir / n).resolve())) for n in names)
        keep_modules = None if task.modules is None else {f"module.{m}" for m in task.modules}

        def keep(address: str) -> bool:
            if not address.startswith("module."):
                return task.keep_root_resources
            if keep_modules is None:
                return True
            head = ".".join(address.split(".", 2)[:2]).split("[", 1)[0]
            return head in keep_modules

        loaded = convert(parsed, load_dir, real, task.base, keep)
    notes: list[str] = []
    returned = {
        r.address.split(".", 2)[1].split("[", 1)[0]
        for r in loaded.resources
        if r.address.startswith("module.")
    }
    calls = {c.name: c for c in module_calls(task.root)}
    for name in task.modules if task.modules is not None else sorted(calls):
        call = calls.get(name)
        if (
            call is not None
            and call.is_local
            and name not in returned
            and _declares_resources(task.root / call.source)
        ):
            notes.append(
                f"module.{name} produced no resources: count/for_each may be empty, or the evaluator dropped "
                "them; check that its resources are meant to be absent"
            )
    if len(instances) > MAX_MODULES_PER_LOAD:
        notes.append(
            f"{task.root}: {len(instances)} module instances in one evaluation; tfparse returns the resources "
            f"of only {MAX_MODULES_PER_LOAD}: split module calls with count/for_each into smaller ones"
        )
    return TaskResult(
        task,
        resources=(*loaded.resources, *_set_aside(task)),
        providers=tuple(dict(p) for p in loaded.providers),
        module_instances=instances,
        files=files,
        notes=tuple(notes),
        unknowns=tuple((str(p.file), p.line, p.message) for p in _bound_problems(task)),
    )


def _bound_problems(task: Task) -> tuple[bounds.Problem, ...]:
    """The expansions set aside that this load reports: the root's own in the load that keeps the root's
    resources, a module call's in the load that holds the call."""
    return tuple(
        p
        for p in task.expansions.problems
        if (p.module or p.file.name not in task.blank)
        and (
            (not p.module and task.keep_root_resources)
            or (p.module and (task.modules is None or p.module in task.modules))
        )
    )


def _set_aside(task: Task) -> tuple[Resource, ...]:
    """The resources the bounds set aside, each kept as one resource whose attributes are not known (so
    that the checks of its kind say unknown instead of finding nothing)."""
    return tuple(
        placeholder(block, task.base, problem.message.removeprefix(f"{block.address}: "))
        for problem in _bound_problems(task)
        for block in problem.blocks
    )


def placeholder(block: bounds.SetAside, base: Path, why: str) -> Resource:
    """A resource that is not evaluated, where it is declared: its attributes are not known, so the checks
    of its kind say unknown (``why``) instead of finding nothing."""
    try:
        lines = block.file.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        lines = []
    return Resource(
        address=block.address,
        kind=block.kind,
        attributes={},
        provenance=Provenance(
            source="terraform",
            path=Path(os.path.relpath(os.path.realpath(block.file), os.path.realpath(base))).as_posix(),
            line=block.start,
            end_line=block.end,
        ),
        annotations=comments_for(lines, block.start, block.end),
        unevaluated=why,
    )


def _blank_spans(file: Path, bound: bounds.Plan) -> None:
    """Blank the lines the bounds set aside in a file of the evaluation copy (line numbers kept)."""
    with suppress(OSError):
        lines = file.read_text(encoding="utf-8").split("\n")
        bound.apply(file.name, lines)
        file.write_text("\n".join(lines), encoding="utf-8")


def _blank(file: Path) -> None:
    """Empty a file of the evaluation copy, keeping its line count (so other files' lines stay true)."""
    with suppress(OSError):
        with file.open("rb") as handle:
            lines = sum(chunk.count(b"\n") for chunk in iter(lambda: handle.read(1 << 20), b""))
        file.write_bytes(b"\n" * lines)


def _declares_resources(folder: Path) -> bool:
    try:
        return any("resource" in f.read_text(encoding="utf-8", errors="replace") for f in tf_files(folder))
    except OSError:
        return False


def _first_line(message: str) -> str:
    return (message.strip().splitlines() or ["tfparse failed"])[0][:500]


class _RealPaths:
    """Paths tfparse reports (in the load's copy of the root, or in the mirror) -> the user's files."""

    def __init__(self, load_dir: Path, task: Task, module_copies: Sequence[tuple[Path, Path]] = ()) -> None:
        self.load_dir = load_dir
        # Copies of module folders made for one call (see `bounds.Plan.calls`), with the folder each copies.
        self.module_copies = tuple((copy.resolve(), source.resolve()) for copy, source in module_copies)
        self.source_root = task.source_root.resolve()
        self.base = task.base.resolve()
        # Each mirrored folder with the user's folder it copies: the scanned folder (recursively) first,
        # then the local modules above it (each alone).
        self.copies: tuple[tuple[Path, Path, bool], ...] = ()
        self.mirror = task.mirror
        if task.mirror is not None:
            self.copies = (
                (task.mirror.base.resolve(), self.base, True),
                *((copy.resolve(), real, False) for copy, real in task.mirror.outside),
            )

    def __call__(self, path: Path) -> Path:
        with suppress(ValueError):
            path = self.source_root / path.relative_to(self.load_dir)
        for copy, source in self.module_copies:
            if path.parent == copy:
                path = source / path.name
                break
        for copy, real, recursive in self.copies:
            if path.is_relative_to(copy) and (recursive or path.parent == copy):
                return real / path.relative_to(copy)
        if self.mirror is not None and path.is_relative_to(self.mirror.top.resolve()):
            # In the mirror, in no folder it copies (not expected): where it sits relative to the scan.
            return Path(os.path.normpath(self.base / os.path.relpath(path, self.mirror.base.resolve())))
        return path  # already the user's file (read through a link, as .terraform is)


@contextmanager
def _copy_of_root(task: Task) -> Iterator[tuple[Path, list[str], list[tuple[Path, Path]]]]:
    """A temporary copy of the root's files: module calls not in the task blanked (line numbers kept),
    local module sources rewritten to point back at the real folders, `.terraform` linked, var files
    copied in (tfparse resolves them relative to the module folder). A module call with blocks set aside
    for its inputs (`bounds.Plan.calls`) points at a copy of its folder made for it, with those blocks
    blanked; the copies made are listed with the folders they copy."""
    root = task.source_root.resolve()
    with tempfile.TemporaryDirectory(prefix="ringfence-tf-") as tmp:
        load_dir = Path(tmp) / "root"
        load_dir.mkdir()
        copies: list[tuple[Path, Path]] = []
        kept = [(n, p) for n, p in task.expansions.calls if task.modules is None or n in task.modules]
        targets = _module_copies(root, kept, Path(tmp) / "modules", "", copies)
        for entry in root.iterdir():
            if entry.is_file():
                if entry.suffix == ".tf":
                    text = _rewritten(entry, load_dir, task.modules, targets)
                    (load_dir / entry.name).write_text(text, encoding="utf-8")
                elif entry.suffix in (".tfvars", ".json", ".hcl") or entry.name.endswith(".tfvars.json"):
                    shutil.copyfile(entry, load_dir / entry.name)
        dot_terraform = root / ".terraform"
        if dot_terraform.is_dir():
            (load_dir / ".terraform").symlink_to(dot_terraform, target_is_directory=True)
        names: list[str] = []
        if task.environment.values:  # read first: every variable file wins over it
            (load_dir / "__ringfence_environment.tfvars").write_text(
                task.environment.text(), encoding="utf-8"
            )
            names.append("__ringfence_environment.tfvars")
        for i, var_file in enumerate(task.var_files):
            name = f"__ringfence_var_file_{i}{''.join(var_file.suffixes[-2:]) or '.tfvars'}"
            shutil.copyfile(var_file, load_dir / name)
            names.append(name)
        yield load_dir, names, copies


def _module_copies(
    folder: Path,
    plans: Sequence[tuple[str, bounds.Plan]],
    where: Path,
    prefix: str,
    copies: list[tuple[Path, Path]],
) -> dict[str, Path]:
    """Copy, for each local module call of ``folder`` named in ``plans``, the module's folder (its ``.tf``
    files with the plan's blocks blanked, links to everything else) into ``where``; the call names ->
    their copies."""
    targets: dict[str, Path] = {}
    calls = {c.name: c for c in module_calls(folder) if c.is_local}
    for name, inner in plans:
        call = calls.get(name)
        if call is None:
            continue
        source = (folder / call.source).resolve()
        copy = where / f"{prefix}{name}"
        copy.mkdir(parents=True)
        nested = _module_copies(source, inner.calls, where, f"{prefix}{name}.", copies)
        for entry in sorted(source.iterdir()):
            if entry.suffix == ".tf" and entry.is_file():
                lines = _rewritten(entry, copy, None, nested).split("\n")
                inner.apply(entry.name, lines)
                (copy / entry.name).write_text("\n".join(lines), encoding="utf-8")
            else:
                (copy / entry.name).symlink_to(entry, target_is_directory=entry.is_dir())
        copies.append((copy, source))
        targets[name] = copy
    return targets


_SOURCE_ARGUMENT = re.compile(r'((?:^|[{\s;])source\s*=\s*")(\.{1,2}/[^"]*)(")')


def _rewritten(
    file: Path, load_dir: Path, modules: tuple[str, ...] | None, copies: dict[str, Path] | None = None
) -> str:
    """The text of ``file`` to evaluate from ``load_dir``: module calls not in ``modules`` blanked, local
    module sources pointing at the folders they name (or at the call's copy in ``copies``)."""
    text = file.read_text(encoding="utf-8", errors="replace")
    lines = text.splitlines()
    for block in top_level_blocks(text):
        if block.type != "module" or not block.labels:
            continue
        name = block.labels[0]
        blank = modules is not None and name not in modules
        copy = (copies or {}).get(name)
        for n in range(block.start - 1, block.end):
            if blank:
                lines[n] = ""
                continue
            lines[n] = _SOURCE_ARGUMENT.sub(functools.partial(_pointed, file, load_dir, copy), lines[n])
    return "\n".join(lines) + "\n"


def _pointed(file: Path, load_dir: Path, copy: Path | None, match: re.Match[str]) -> str:
    target = copy if copy is not None else (file.parent / match.group(2)).resolve()
    return f"{match.group(1)}{os.path.relpath(target, load_dir)}{match.group(3)}"
