"""The Terraform source: HCL folders (via tfparse) and plan JSON into the estate model."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from ringfence.model import Estate


def load(
    path: Path,
    *,
    var_files: Sequence[Path] = (),
    account_id: str | None = None,
    excluded: tuple[str, ...] = (),
    jobs: int | None = None,
) -> Estate:
    """Every root module under ``path`` (a folder or one ``.tf`` file's folder) as one estate."""
    from ringfence.sources.terraform.estate import build_estate
    from ringfence.sources.terraform.loader import load_roots

    folder = path.parent if path.is_file() else path
    loads = load_roots(folder, var_files, excluded, jobs)
    return build_estate(loads, str(path), account_id)
