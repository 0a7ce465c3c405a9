"""The one reader of a limit set in the environment (evaluation bounds, worker limits, log file limits)."""

from __future__ import annotations

import math
import os
from collections.abc import Mapping


def env_limit(name: str, default: float, environ: Mapping[str, str] | None = None) -> float:
    """The number of at least 0 in the environment variable ``name``, else ``default``: a value that is not
    such a number is ignored (the default holds) rather than lifting the limit."""
    text = (os.environ if environ is None else environ).get(name)
    try:
        value = float(text) if text is not None else default
    except ValueError:
        return default
    return value if value >= 0 and math.isfinite(value) else default  # NaN fails the comparison
