"""Hypothesis profiles: "ci" (few examples, the bounded slice CI runs) is the default; the long campaign
(scripts/fuzz) selects "campaign" through HYPOTHESIS_PROFILE."""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

# CI draws the same examples on every run (a failure there is the change's, never the draw's); the
# campaign draws new ones each time.
settings.register_profile(
    "ci", max_examples=25, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile(
    "campaign", max_examples=2000, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
