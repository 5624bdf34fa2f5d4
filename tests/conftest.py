"""Shared test set-up: a hypothesis profile that keeps CI quick and an isolated audio cache."""
from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

settings.register_profile(
    "voicecoach", deadline=None, max_examples=150,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "voicecoach"))


def interrupt_while_writing(args: list[str], cache, target, how: int, settle: float = 0.0) -> bytes:
    """Start `voicecoach ARGS`, send `how` once its partial output file appears; return stderr."""
    import subprocess
    import sys
    import time

    process = subprocess.Popen([sys.executable, "-m", "voicecoach", "--cache-dir", str(cache), *args],
                               stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while not list(target.parent.glob(f".{target.name}.*.partial")) and time.monotonic() < deadline:
        time.sleep(0.001)
    time.sleep(settle)
    process.send_signal(how)
    _, stderr = process.communicate(timeout=60)
    return stderr
