"""The scan as one function: load the estate, read the intents, run the checks, turn results into findings
(suppressions and baseline applied) and decide the exit code.

Every front end calls `scan`: the `ringfence scan` command only parses its arguments, calls it and renders
the outcome; a library user or a CI integration gets the same findings and the same exit code from the
same inputs.

    from ringfence.engine.pipeline import ScanOptions, scan
    outcome = scan(["infra/"], ScanOptions(fail_on="medium"))
    outcome.result.findings, outcome.exit_code

Input that cannot be used at all (a path that does not exist, a bad configuration file, an unreadable
baseline) raises `ScanError` (exit code 2); everything else, bad files inside a folder included, is in the
result's errors and the rest is still scanned.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ringfence.checks.base import Check
from ringfence.checks.compliance import NAMES
from ringfence.engine.compliance import Assessment, assess
from ringfence.engine.config import Config, ConfigError, load_config
from ringfence.engine.findings import Location
from ringfence.engine.paths import (
    PathView,
    default_root,
    rebased_errors,
    target_folder,
    view_of,
    with_errors_rebased,
)
from ringfence.engine.runner import ScanResult, exit_code, run_checks
from ringfence.model import Estate, InputError
from ringfence.model.estate import merge

FAIL_ON = ("critical", "high", "medium", "low", "none")
_ROLE_ARN = re.compile(r"^arn:aws[\w-]*:iam::\d{12}:role/[\w+=,.@/-]{1,512}$")
_ROLE_NAME = re.compile(r"^[\w+=,.@/-]{1,512}$")
_REGION = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d{1,2}$")
FRAMEWORKS = tuple(NAMES)  # `scan --compliance`

# progress(phase, done, total): phase is "evaluating Terraform" or "checking".
Progress = Callable[[str, int, int], None]


class ScanError(Exception):
    """A usage error or input that could not be read at all: exit code 2."""


@dataclass(frozen=True)
class ScanOptions:
    """What `ringfence scan` takes besides its paths, with the same defaults."""

    var_files: tuple[str, ...] = ()
    account_id: str | None = None
    config_file: str | None = None  # else found beside the paths or in the working folder
    fail_on: str | None = None  # else the configuration's, else "high"
    fail_on_unknown: bool = False
    baseline: Path | None = None  # an earlier json report
    intents_file: str | None = None  # else `ringfence.yaml` at the estate root and in each root
    cache: bool = True  # False: evaluate all Terraform again and keep nothing
    rules: tuple[str, ...] = ()  # folders (or files) of custom YAML rules, besides the configuration's
    compliance: str | None = None  # a framework (`cis-aws-5.0`, `fsbp`): assess its controls too
    progress: Progress | None = None
    # Live accounts (aws://): roles to assume (--role-arn), the role to assume in each member account of
    # the organization (--org), the regions to read (--regions; empty: every enabled region).
    role_arns: tuple[str, ...] = ()
    org_role: str | None = None
    regions: tuple[str, ...] = ()
    # Paths in the report are relative to this folder (`--path-root`); None: the git root, else the
    # working folder.
    path_root: Path | None = None
    # CloudFormation parameter values (--parameter K=V), pseudo parameters (AWS::Region...) included.
    parameters: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class ScanOutcome:
    """The result to render, the exit code, and what to tell the user besides the report."""

    result: ScanResult
    exit_code: int
    warnings: tuple[str, ...] = ()
    config: Config = dataclasses.field(default_factory=Config)
    compliance: Assessment | None = None  # with ScanOptions.compliance; never changes the exit code

    @property
    def estate(self) -> Estate:
        return self.result.estate


def scan(paths: Sequence[str], options: ScanOptions | None = None) -> ScanOutcome:
    """Scan ``paths`` (folders or files of Terraform, or plan JSON: every source of
    :data:`ringfence.sources.SOURCES`)."""
    from ringfence.sources import LoadOptions, SourceError, load_estate

    options = options or ScanOptions()
    _validate(paths, options)
    try:
        local = [p for p in paths if "://" not in p]
        search = [Path(p) if Path(p).is_dir() else Path(p).parent for p in local] + [Path.cwd()]
        config = load_config(options.config_file, search)
    except ConfigError as exc:
        raise ScanError(str(exc)) from None
    baseline = read_baseline(options.baseline) if options.baseline is not None else frozenset()
    progress = options.progress
    phase = "reading AWS" if any(p.startswith("aws://") for p in paths) else "evaluating Terraform"
    load = LoadOptions(
        var_files=options.var_files,
        account_id=options.account_id or config.account_id,
        excluded=tuple(config.exclude),
        progress=(lambda done, total: progress(phase, done, total)) if progress is not None else None,
        cache=options.cache,
        limits=config.terraform_limits,
        role_arns=options.role_arns,
        org_role=options.org_role,
        regions=options.regions,
        parameters=dict(options.parameters),
    )
    root = options.path_root or default_root(list(paths))
    try:
        # One target at a time, as load_estate does, to know which folder each resource's paths start from.
        parts = [load_estate([p], load) for p in paths]
    except SourceError as exc:
        raise ScanError(str(exc)) from None
    view = view_of(list(paths), parts, root)
    estate = merge(
        with_errors_rebased(part, target_folder(p, root.absolute()), root)
        for p, part in zip(paths, parts, strict=True)
    )
    loaded_errors = len(estate.errors)
    intents, estate = _intents(options.intents_file, estate)
    checks, problems = catalogue([Path(r) for r in options.rules], config)
    if problems:
        estate = dataclasses.replace(estate, errors=(*estate.errors, *problems))
    result = run_checks(
        estate,
        config,
        baseline,
        checks=checks,
        progress=(lambda done, total: progress("checking", done, total)) if progress is not None else None,
        intents=intents,
    )
    result = _rebased(result, view, loaded_errors)
    threshold = options.fail_on or config.fail_on or "high"
    code = exit_code(result, threshold, options.fail_on_unknown)
    warnings: list[str] = []
    unread = [e for e in estate.errors if not e.undecided]
    if not estate.resources and unread:
        warnings.append(f"nothing could be read: {unread[0].path}: {unread[0].message}")
        code = 2
    elif not estate.resources:
        # Files were read and yield nothing to check: not a pass (unknown: --fail-on-unknown fails).
        warnings.append(f"warning: {', '.join(paths)}: no resources were read: nothing was checked")
        if options.fail_on_unknown and threshold != "none":
            code = max(code, 1)
    assessment = assess(result, options.compliance) if options.compliance is not None else None
    return ScanOutcome(result, code, tuple(warnings), config, assessment)


def _rebased(result: ScanResult, view: PathView, loaded: int) -> ScanResult:
    """``result`` with every path shown from the path root: the findings' locations, and the errors found
    after loading (the first ``loaded`` were rebased with their target)."""
    findings = tuple(
        dataclasses.replace(
            f,
            location=Location(
                view.shown(f.location.path, None if f.rule_id.startswith("intent.") else f.resource),
                f.location.line,
            ),
        )
        for f in result.findings
    )
    errors = (*result.errors[:loaded], *rebased_errors(result.errors[loaded:], view))
    return dataclasses.replace(result, findings=findings, errors=errors, paths=view)


def catalogue(
    rule_folders: Sequence[Path], config: Config
) -> tuple[tuple[Check, ...], tuple[InputError, ...]]:
    """The checks a scan runs: the built-in catalogue, the installed plug-ins' checks and the custom rules
    of ``rule_folders`` and the configuration; and an error for each plug-in or rule that cannot be used."""
    from ringfence.checks.catalogue import CATALOGUE
    from ringfence.checks.custom import load_custom_checks

    custom = load_custom_checks([*rule_folders, *config.rule_folders])
    return (*CATALOGUE, *custom.checks), custom.errors


def _validate(paths: Sequence[str], options: ScanOptions) -> None:
    if not paths:
        raise ScanError("no path to scan")
    live = any(p.startswith("aws://") for p in paths)
    if not live and (options.role_arns or options.org_role or options.regions):
        raise ScanError(
            "--role-arn, --org and --regions are for live accounts: scan aws:// (or aws://PROFILE)"
        )
    for role in options.role_arns:
        if not _ROLE_ARN.match(role):
            raise ScanError(f"--role-arn {role!r} is not an IAM role ARN (arn:aws:iam::ACCOUNT:role/NAME)")
    if options.org_role is not None and not _ROLE_NAME.match(options.org_role):
        raise ScanError(f"--org {options.org_role!r} is not an IAM role name")
    for region in options.regions:
        if region != "all" and not _REGION.match(region):
            raise ScanError(f"--regions: {region!r} is not an AWS region (us-east-1, eu-west-1, ... or all)")
    account = options.account_id
    if account is not None and not (account.isdigit() and len(account) == 12):
        raise ScanError(f"--account-id must be 12 digits, not {account!r}")
    if options.compliance is not None and options.compliance not in FRAMEWORKS:
        raise ScanError(
            f"--compliance {options.compliance!r} is not a framework (choose from {', '.join(FRAMEWORKS)})"
        )
    if options.fail_on is not None and options.fail_on not in FAIL_ON:
        raise ScanError(f"--fail-on {options.fail_on!r} is not a severity (choose from {', '.join(FAIL_ON)})")
    for v in options.var_files:
        if not Path(v).is_file():
            raise ScanError(f"--var-file {v}: no such file")
    for folder in options.rules:
        if not Path(folder).exists():
            raise ScanError(f"--rules {folder}: no such folder")
    if options.intents_file is not None and not Path(options.intents_file).is_file():
        raise ScanError(f"--intents {options.intents_file}: no such file")


def read_baseline(path: Path) -> frozenset[str]:
    """The fingerprints of an earlier json report."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ScanError(f"--baseline {path}: cannot read a json report: {exc}") from None
    if not isinstance(data, dict) or not isinstance(data.get("findings"), list):
        raise ScanError(f"--baseline {path}: not a ringfence json report")
    return frozenset(str(f.get("fingerprint")) for f in data["findings"] if isinstance(f, dict))


def _intents(explicit: str | None, estate: Estate) -> tuple[list[Any], Estate]:
    """The intents to verify, and the estate with an error entry for each intents file that cannot be
    read. Besides the file at the scanned folder, each Terraform root's own `ringfence.yaml` is read and
    applies to that root's resources only."""
    from ringfence.network import IntentError, find_intents_file, load_intents

    if explicit is not None:
        try:
            explicit_intents = load_intents(explicit)
        except IntentError as exc:
            raise ScanError(f"{exc.path}:{exc.line or 0}: {exc.message}") from None
        for intent in explicit_intents:
            problem = _undeclared(estate, intent)
            if problem is not None:
                raise ScanError(f"{explicit}:{intent.line or 0}: {problem}")
        return explicit_intents, estate
    found = find_intents_file(estate)
    files: list[tuple[str, str | None]] = [(found, None)] if found is not None else []
    nested, stray = _root_intents_files(estate)
    files += nested
    intents: list[Any] = []
    errors: list[InputError] = []
    notes: list[str] = []
    for path, root in files:
        shown = _shown_path(path, estate.root_path)
        try:
            loaded = [dataclasses.replace(i, root=root) for i in load_intents(path)]
        except IntentError as exc:
            errors.append(InputError(shown, exc.line, f"intents: {exc.message}"))
            continue
        for intent in loaded:
            problem = _undeclared(estate, intent)
            if problem is None:
                intents.append(intent)
            else:
                errors.append(InputError(shown, intent.line, f"intents: {problem}"))
        if root is not None:
            notes.append(f"intents of root {root} read from {shown}")
    errors += [
        InputError(
            _shown_path(path, estate.root_path),
            None,
            "intents: not beside the .tf files of a Terraform root that was scanned: not verified "
            "(move it to its root's folder, or pass --intents)",
            undecided=True,
        )
        for path in stray
    ]
    if errors or notes:
        estate = dataclasses.replace(
            estate, errors=(*estate.errors, *errors), notes=tuple(dict.fromkeys((*estate.notes, *notes)))
        )
    return intents, estate


def _undeclared(estate: Estate, intent: Any) -> str | None:
    """Why an intent names what the estate does not declare at all (a typo), or None."""
    from ringfence.network.intents import undeclared
    from ringfence.suggest import did_you_mean

    missing = undeclared(estate, intent)
    if not missing:
        return None
    hint = did_you_mean(missing[0], [r.address for r in estate.resources])
    return f"intent {intent.name!r}: {missing[0]!r} is not a resource of the estate nor declared in its code{hint}"


def _root_intents_files(estate: Estate) -> tuple[list[tuple[str, str]], list[str]]:
    """Under the scanned folder: the `ringfence.yaml` of each Terraform root other than the folder itself
    (with the root's label), and those that sit beside no scanned root."""
    from ringfence.network.intents import INTENTS_FILE
    from ringfence.sources import walk

    base = estate.root_path
    if not base or not os.path.isdir(base):
        return [], []
    roots = {r.root for r in estate.resources if r.root}
    found: list[tuple[str, str]] = []
    stray: list[str] = []
    for folder, files in walk(Path(base)):
        label = Path(os.path.relpath(folder, base)).as_posix()
        if INTENTS_FILE not in files or label == ".":
            continue
        path = str(folder / INTENTS_FILE)
        if label in roots:
            found.append((path, label))
        else:
            stray.append(path)
    return found, stray


def _shown_path(path: str, root_path: str) -> str:
    """An intents file named relative to the scanned folder."""
    base = root_path if os.path.isdir(root_path) else os.path.dirname(root_path)
    return Path(os.path.relpath(path, base)).as_posix() if base else Path(path).name
