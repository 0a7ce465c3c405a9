"""The one place that names ringfence's cache folder, for every part that keeps results between runs (the
Terraform evaluation cache, the log detections' catalogue and plans).

``$RINGFENCE_CACHE_DIR``, else ``$XDG_CACHE_HOME/ringfence``, else ``~/.cache/ringfence``. The user setting
``RINGFENCE_NO_CACHE=1`` switches every cache off; a caller that is told not to cache (``scan --no-cache``)
passes that down as an argument instead.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

NO_CACHE_ENV = "RINGFENCE_NO_CACHE"
CACHE_DIR_ENV = "RINGFENCE_CACHE_DIR"


def cache_directory(environ: Mapping[str, str] | None = None) -> Path | None:
    """The cache folder, or None when caching is switched off in the environment."""
    env = os.environ if environ is None else environ
    if env.get(NO_CACHE_ENV, "").strip() not in ("", "0"):
        return None
    explicit = env.get(CACHE_DIR_ENV)
    if explicit:
        return Path(explicit)
    base = env.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "ringfence"
