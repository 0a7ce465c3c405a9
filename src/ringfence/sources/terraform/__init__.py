"""The Terraform source: HCL folders (via tfparse) and plan JSON into the estate model."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from ringfence.model import Estate
from ringfence.sources.base import LoadOptions


def load(path: Path, options: LoadOptions) -> Estate:
    """Every root module under ``path`` as one estate; for one ``.tf`` file, the root module of its folder
    (the whole folder is evaluated: its other files declare the variables and locals the file uses).

    ``options.cache=False`` evaluates everything again and keeps nothing; ``options.limits`` are
    configured evaluation limits by environment variable name (``RINGFENCE_TF_MAX_INSTANCES``...), which
    the environment overrides."""
    from ringfence.cachedir import cache_directory
    from ringfence.sources.base import account_for
    from ringfence.sources.terraform.estate import build_estate, partition_of
    from ringfence.sources.terraform.loader import load_roots
    from ringfence.sources.terraform.mirror import account_in_code, known_values, region_in_code
    from ringfence.sources.terraform.variables import settings

    folder = path.parent if path.is_file() else path
    observed = account_in_code(folder) if options.account_id is None else None
    account_id, notes = account_for(options, observed, "the ARNs in the code")
    region = region_in_code(folder)
    known = known_values(account_id, region, partition_of(region))
    var_files = [Path(v) for v in options.var_files]
    loads = load_roots(
        folder,
        var_files,
        options.excluded,
        options.jobs,
        known,
        options.progress,
        cache=cache_directory() if options.cache else None,
        limits=options.limits,
        single_root=path.is_file(),
    )
    estate = build_estate(loads, str(path), account_id, notes=notes)
    return dataclasses.replace(estate, settings=settings(loads, folder, var_files))
