"""The Terraform source: HCL folders (via tfparse) and plan JSON into the estate model."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from ringfence.model import Estate


def load(
    path: Path,
    *,
    var_files: Sequence[Path] = (),
    account_id: str | None = None,
    excluded: tuple[str, ...] = (),
    jobs: int | None = None,
    progress: Callable[[int, int], None] | None = None,
    cache: bool = True,
    limits: Mapping[str, str] | None = None,
) -> Estate:
    """Every root module under ``path`` as one estate; for one ``.tf`` file, the root module of its folder
    (the whole folder is evaluated: its other files declare the variables and locals the file uses).

    ``cache=False`` evaluates everything again and keeps nothing; ``limits`` are configured evaluation
    limits by environment variable name (``RINGFENCE_TF_MAX_INSTANCES``...), which the environment
    overrides."""
    from ringfence.cachedir import cache_directory
    from ringfence.model import DEFAULT_ACCOUNT_ID
    from ringfence.sources.terraform.estate import build_estate, partition_of
    from ringfence.sources.terraform.loader import load_roots
    from ringfence.sources.terraform.mirror import account_in_code, known_values, region_in_code
    from ringfence.sources.terraform.variables import settings

    folder = path.parent if path.is_file() else path
    notes: list[str] = []
    if account_id is None:
        account_id = account_in_code(folder)
        if account_id is not None:
            notes.append(
                f"account id {account_id} taken from the ARNs in the code (use --account-id to set it)"
            )
        else:
            account_id = DEFAULT_ACCOUNT_ID
            notes.append(f"account id {DEFAULT_ACCOUNT_ID} assumed (use --account-id to set it)")
    region = region_in_code(folder)
    known = known_values(account_id, region, partition_of(region))
    loads = load_roots(
        folder,
        var_files,
        excluded,
        jobs,
        known,
        progress,
        cache=cache_directory() if cache else None,
        limits=limits,
        single_root=path.is_file(),
    )
    estate = build_estate(loads, str(path), account_id, notes=notes)
    return dataclasses.replace(estate, settings=settings(loads, folder, var_files))
