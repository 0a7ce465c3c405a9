"""Load every Terraform root under a path: plan the evaluations, run them, report what was lost."""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from ringfence.model import InputError, Resource
from ringfence.sources.terraform import bounds, isolation, syntax, unset
from ringfence.sources.terraform.evaluation import Task, TaskResult, cached, plan_tasks
from ringfence.sources.terraform.isolation import evaluate_isolated
from ringfence.sources.terraform.mirror import mirrored, not_a_file, too_deep, unreadable_tf
from ringfence.sources.terraform.roots import find_roots, module_calls, tf_files
from ringfence.sources.terraform.variables import (
    ENVIRONMENT_PREFIX,
    Environment,
    assigned,
    auto_var_files,
)

# Below this much Terraform source, starting worker processes costs more than it saves.
_PARALLEL_MIN_BYTES = 400_000


@dataclass(frozen=True, slots=True)
class RootLoad:
    root: Path
    label: str  # folder relative to the scanned path ("" when it is the path itself)
    resources: tuple[Resource, ...]
    providers: tuple[dict[str, object], ...]
    errors: tuple[InputError, ...]
    notes: tuple[str, ...]


def load_roots(
    base: Path,
    var_files: Sequence[Path] = (),
    excluded: tuple[str, ...] = (),
    jobs: int | None = None,
    known: Mapping[tuple[str, str], str] | None = None,
    progress: Progress | None = None,
    cache: Path | None = None,
    limits: Mapping[str, str] | None = None,
    *,
    single_root: bool = False,
) -> list[RootLoad]:
    """Evaluate every root under ``base`` (only ``base`` itself with ``single_root``: the folder of one
    file asked for). ``known`` holds data-source values the scan fixes (account id, region, partition):
    they are written into a mirror of the tree before evaluation. ``cache`` is the evaluation cache folder
    (None: nothing is read from or kept in a cache); ``limits`` the configured evaluation limits by
    environment variable name (the environment wins)."""
    base = base.resolve()
    expansion_limits, worker_limits = bounds.limits(limits), isolation.limits(limits)
    roots = [base] if single_root else find_roots(base, excluded)
    # Local module calls that lead nowhere, or round in a cycle (tfparse would expand a cycle until memory
    # runs out), are input errors; a root whose calls cycle is evaluated with those calls blanked (see
    # `bounds.cyclic_calls`), so its other resources are still analysed.
    module_issues: list[InputError] = []
    for root in roots:
        module_issues += _module_problems(root, base)[0]
    if not single_root:
        module_issues += _unreached_folders(base, roots, excluded)
    # Links that lead nowhere, pipes and devices named *.tf are reported; the tree is then evaluated from
    # a mirror without them (tfparse would wait on a pipe for ever, or read /dev/zero until memory ends).
    # Local modules above the scanned folder (`../../modules/net`) are evaluated where they lead, as
    # Terraform does: they are mirrored and checked like the folders inside it.
    reached = {f.resolve().parent for r in roots for f in _expected_files(r)}
    outside = sorted(folder for folder in reached if not folder.is_relative_to(base))
    refused = unreadable_tf(base)
    for folder in outside:
        refused += unreadable_tf(folder, recursive=False)
    # A variable file that does not parse is an error at its line; the roots that read it are evaluated
    # without it, the variables it sets being unknown (see `unset`), so the rest of them is still analysed.
    unreadable = _unreadable_var_files(roots, var_files)
    with contextlib.ExitStack() as stack:
        mirror = (
            stack.enter_context(mirrored(base, known or {}, skip={p for p, _, _ in refused}, outside=outside))
            if known or refused or outside
            else None
        )
        tasks = [
            dataclasses.replace(
                task,
                mirror=mirror,
                var_files=tuple(v for v in task.var_files if v.resolve() not in unreadable),
            )
            for root in roots
            for task in plan_tasks(root, base, tuple(var_files), expansion_limits, cache)
        ]
        results = _run_all(tasks, jobs, progress, worker_limits)
    loads: list[RootLoad] = []
    reported: set[Path] = set()
    for root in roots:
        mine = [r for r in results if r.task.root == root]
        read = (*auto_var_files(root), *var_files)
        load = _assemble(root, base, mine, read, frozenset(unreadable), frozenset(known or {}))
        bad = [v.resolve() for v in read if v.resolve() in unreadable and v.resolve() not in reported]
        reported.update(bad)
        issues = tuple(_unreadable_var_file(v, unreadable[v], base) for v in bad)
        loads.append(dataclasses.replace(load, errors=(*issues, *load.errors)) if issues else load)
    if refused or module_issues:
        # Named where they sit (resolving a link that loops or leads nowhere is the failure itself).
        issues = tuple(
            InputError(Path(os.path.relpath(path, base)).as_posix(), line, why) for path, line, why in refused
        )
        issues += tuple(dict.fromkeys(module_issues))
        if loads:
            loads[0] = dataclasses.replace(loads[0], errors=(*issues, *loads[0].errors))
        else:
            loads.append(RootLoad(base, "", (), (), issues, ()))
    return loads


Progress = Callable[[int, int], None]


def _run_all(
    tasks: list[Task],
    jobs: int | None,
    progress: Progress | None = None,
    worker_limits: isolation.Limits | None = None,
) -> list[TaskResult]:
    """Run the evaluations, in parallel when there are several worth it (each worker starts a Python
    and tfparse's Go runtime: about a third of a second). ``progress(done, total)`` follows them."""
    done = {i: hit for i, task in enumerate(tasks) if (hit := cached(task)) is not None}
    missing = [task for i, task in enumerate(tasks) if i not in done]
    report = (lambda n: progress(len(done) + n, len(tasks))) if progress is not None else (lambda n: None)
    computed = iter(_evaluate_all(missing, jobs, report, worker_limits))
    return [done[i] if i in done else next(computed) for i in range(len(tasks))]


def _evaluate_all(
    tasks: list[Task],
    jobs: int | None,
    report: Callable[[int], None],
    worker_limits: isolation.Limits | None = None,
) -> list[TaskResult]:
    """Every evaluation in a bounded worker process: tfparse's Go core ends the process it runs in when
    it panics or runs out of memory, which must not end the scan."""
    workers = jobs if jobs is not None else min(_usable_cores(), 4)
    if len(tasks) <= 1 or (_sum_bytes(tasks) < _PARALLEL_MIN_BYTES and len(tasks) < 3):
        workers = 1
    return evaluate_isolated(tasks, min(workers, max(1, len(tasks))), report, worker_limits)


def _sum_bytes(tasks: list[Task]) -> int:
    return sum(_source_bytes(t.root) for t in {t.root: t for t in tasks}.values())


def _usable_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not on Linux
        return os.cpu_count() or 1


def _source_bytes(root: Path) -> int:
    total = 0
    for folder, _dirs, files in os.walk(root):
        if ".terraform" in folder:
            continue
        total += sum(
            os.path.getsize(p)
            for f in files
            if f.endswith(".tf") and not_a_file(p := Path(folder) / f) is None
        )
        if total > _PARALLEL_MIN_BYTES:
            break
    return total


def _rel(path: Path, base: Path) -> str:
    rel = Path(os.path.relpath(os.path.realpath(path), base)).as_posix()  # realpath: a link loop is no error
    return "" if rel == "." else rel


def _unreadable_var_files(
    roots: Sequence[Path], var_files: Sequence[Path]
) -> dict[Path, syntax.SyntaxProblem]:
    """The variable files the roots read (their own and ``var_files``) that do not parse, with why."""
    out: dict[Path, syntax.SyntaxProblem] = {}
    files = {f.resolve(): f for root in roots for f in (*auto_var_files(root), *var_files)}
    for resolved, file in files.items():
        problem = syntax.check_var_file(file)
        if problem is not None:
            out[resolved] = problem
    return out


def _unreadable_var_file(file: Path, problem: syntax.SyntaxProblem, base: Path) -> InputError:
    names = assigned(file)
    what = (
        f"the variable{'s' if len(names) != 1 else ''} it sets ({', '.join(names)}) "
        f"{'are' if len(names) != 1 else 'is'} analysed as unknown"
        if names
        else "no variable it sets could be told"
    )
    return InputError(_rel(file, base), problem.line, f"{problem.message}; the file is not read: {what}")


def _assemble(
    root: Path,
    base: Path,
    results: list[TaskResult],
    var_files: Sequence[Path] = (),
    unreadable: frozenset[Path] = frozenset(),
    known: frozenset[tuple[str, str]] = frozenset(),
) -> RootLoad:
    """One root's resources from its evaluations, with every input error found on the way. ``known``: the
    data source attributes (type, attribute) the scan fixes."""
    label = _rel(root, base) if root != base else ""
    errors: list[InputError] = []
    notes: list[str] = []
    resources: dict[str, Resource] = {}
    providers: list[dict[str, object]] = []
    returned: set[str] = set()
    for result in results:
        errors.extend(InputError(_rel(Path(f), base), line, why) for f, line, why in result.file_errors)
        errors.extend(
            InputError(_rel(Path(f), base), line, why, undecided=True) for f, line, why in result.unknowns
        )
        if result.error:
            where, line, why = syntax.evaluation_failure(
                result.error, _expected_files(root), result.task.var_files
            )
            path = _rel(where, base) if where is not None else label or "."
            errors.append(InputError(path, line, f"Terraform evaluation failed: {why}"))
            continue
        for r in result.resources:
            resources.setdefault(r.address, r)
        if result.task.keep_root_resources:
            providers.extend(result.providers)
        returned |= result.files
        notes.extend(result.notes)
    if results and all(r.error for r in results):
        return RootLoad(root, label, (), (), tuple(errors), tuple(notes))
    # Files the evaluation set aside are reported already (see `isolation`): they are not looked at again.
    set_aside = {str(Path(f).resolve()) for r in results for f, _, _ in (*r.file_errors, *r.unknowns)}
    errors.extend(_unparsed_files(root, base, returned, set_aside))
    errors.extend(_unresolved_modules(root, base, label, resources))
    # Variables with no value: what a count/for_each over one creates, and what depends on one, is unknown.
    env = results[0].task.environment if results else Environment()
    errors.extend(
        InputError(
            label or ".",
            None,
            f"{ENVIRONMENT_PREFIX}{name} is not a value of the type of variable {name!r} (Terraform would "
            "refuse it): what depends on the variable is analysed as unknown",
        )
        for name in env.invalid
    )
    inputs = unset.root_inputs(root, var_files, {v for v in var_files if v.resolve() in unreadable}, env)
    review = unset.review(root, inputs, _downloaded_modules(root), known)
    errors.extend(
        InputError(_rel(e.file, base), e.line, f"{label + ':' if label else ''}{e.message()}", undecided=True)
        for e in review.expansions
    )
    kept = unset.not_evaluated(unset.unknown_arguments(resources.values(), review, base), review, base)
    resources = {r.address: r for r in kept}
    if not any(not r.kind.startswith("data.") for r in resources.values()) and not errors:
        errors.append(_no_resources(root, base, label))
    return RootLoad(root, label, tuple(resources.values()), tuple(providers), tuple(errors), tuple(notes))


def _module_problems(root: Path, base: Path) -> tuple[list[InputError], bool]:
    """Local module calls under `root` whose folder does not exist, or that lead back to a folder on the
    way to them (a cycle), each named at the call; and whether there is a cycle."""
    problems: list[InputError] = []
    done: set[Path] = set()
    cycles = False

    def visit(folder: Path, path: tuple[Path, ...]) -> None:
        if folder in done:
            return
        done.add(folder)
        for call in module_calls(folder):
            if not call.is_local:
                continue
            target = (folder / call.source).resolve()
            where = _rel(call.file, base)
            if not target.is_dir():
                problems.append(
                    InputError(
                        where,
                        call.start,
                        f"module {call.name}: {call.source} is not a folder: its resources are not scanned",
                    )
                )
            elif target in (*path, folder):
                nonlocal cycles
                cycles = True
                chain = " -> ".join(_rel(p, base) or "." for p in (*path, folder, target))
                problems.append(
                    InputError(
                        where,
                        call.start,
                        f"module {call.name} calls back into a module that calls it (cycle {chain}): not evaluated",
                    )
                )
            else:
                visit(target, (*path, folder))

    visit(root.resolve(), ())
    return problems, cycles


def _unreached_folders(base: Path, roots: Sequence[Path], excluded: tuple[str, ...]) -> list[InputError]:
    """Folders of .tf files that no root reaches: only modules in a cycle call them, so nothing evaluates
    them (two folders calling each other have no root at all)."""
    from ringfence.sources.terraform.roots import find_folders

    reached = {r.resolve() for r in roots} | {
        f.resolve().parent for root in roots for f in _expected_files(root)
    }
    return [
        InputError(_rel(folder, base) or ".", None, "only called by modules in a cycle: not evaluated")
        for folder in find_folders(base, excluded)
        if folder.resolve() not in reached
    ]


def _expected_files(root: Path, seen: set[Path] | None = None) -> list[Path]:
    """The .tf files of a root and of the local modules it calls, recursively."""
    seen = seen if seen is not None else set()
    folder = root.resolve()
    if folder in seen or not folder.is_dir():
        return []
    seen.add(folder)
    files = tf_files(folder)
    for call in module_calls(folder):
        if call.is_local:
            files += _expected_files(folder / call.source, seen)
    return files


def _unparsed_files(root: Path, base: Path, returned: set[str], set_aside: set[str]) -> list[InputError]:
    """tfparse drops a file that does not parse without a word: find such files (`.tf` and `.tf.json`)
    among those it did not return (a file it returned is not parsed again) and say why."""
    expected = _expected_files(root)
    folders = sorted({f.parent for f in expected} | {root.resolve()})
    files = [
        f
        for f in expected + [j for folder in folders for j in sorted(folder.glob("*.tf.json"))]
        if str(f.resolve()) not in set_aside
        and not not_a_file(f)
        and (syntax.was_returned(f, returned) or not too_deep(f))  # (load_roots says)
    ]
    return [
        InputError(_rel(file, base), problem.line, problem.message)
        for file, problem in syntax.unparsed(files, returned)
    ]


def _unresolved_modules(
    root: Path, base: Path, label: str, resources: Mapping[str, Resource]
) -> list[InputError]:
    """Remote module calls (of the root, of the modules it calls, of the modules `terraform init`
    downloaded) that are not in `.terraform/modules`: what they would create is unknown. Each is named at
    its call."""
    downloaded = _downloaded_modules(root)
    evaluated = {_INSTANCE_KEY.sub("", a) for a in resources if a.startswith("module.")}
    problems: list[InputError] = []
    seen: set[tuple[Path, str]] = set()

    def visit(folder: Path, key: str, chain: tuple[Path, ...] = ()) -> None:
        if (folder, key) in seen or not folder.is_dir() or folder in chain:  # a cycle: said at its call
            return
        seen.add((folder, key))
        for call in module_calls(folder):
            here = f"{key}.{call.name}" if key else call.name
            if call.is_local:
                visit((folder / call.source).resolve(), here, (*chain, folder))
            elif here in downloaded:
                visit(downloaded[here], here, (*chain, folder))
            elif call.source:
                address = "module." + ".module.".join(here.split("."))
                if any(a.startswith(address + ".") for a in evaluated):
                    continue  # the evaluator found it elsewhere
                problems.append(
                    InputError(
                        _rel(call.file, base),
                        call.start,
                        f"{label + ':' if label else ''}{address} (source {call.source!r}) not downloaded: "
                        "run `terraform init`; what it would create is unknown",
                        undecided=True,
                    )
                )

    visit(root.resolve(), "")
    return problems


def _no_resources(root: Path, base: Path, label: str) -> InputError:
    """A root that yields no resource: what it declares (variables, outputs, providers, data sources, or
    modules creating nothing) is read, but nothing in it can be checked: said, and counted as unknown."""
    files = len(tf_files(root.resolve())) + len(list(root.resolve().glob("*.tf.json")))
    return InputError(
        label or ".",
        None,
        f"no resources: the Terraform root's {files} file{'s declare' if files != 1 else ' declares'} none "
        "(only variables, outputs, providers, data sources or modules that create nothing): nothing was checked",
        undecided=True,
    )


_INSTANCE_KEY = re.compile(r"\[[^\]]*\]")


def _downloaded_modules(root: Path) -> dict[str, Path]:
    """Module keys (`vpc`, `vpc.subnets`) -> their folders, from the manifest `terraform init` writes."""
    manifest = root / ".terraform" / "modules" / "modules.json"
    try:
        data = json.loads(manifest.read_text(encoding="utf-8"))
        entries = data.get("Modules", []) if isinstance(data, dict) else []
    except (OSError, ValueError):
        return {}
    found: dict[str, Path] = {}
    for entry in entries:
        if isinstance(entry, dict) and entry.get("Key") and isinstance(entry.get("Dir"), str):
            found[str(entry["Key"])] = (root / entry["Dir"]).resolve()
    return found
