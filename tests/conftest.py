"""Shared test set-up: a hypothesis profile that keeps CI quick and an isolated audio cache."""
from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

settings.register_profile(
    "voicecoach", deadline=None, max_examples=150,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "voicecoach"))
