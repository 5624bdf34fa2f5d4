"""The cue tones' recipes and exact lengths: start, end, tick and finish.

Light on purpose (the planner imports it for tone_samples); audio.tone makes the sound from a recipe.
"""
from __future__ import annotations

from dataclasses import dataclass

from .vocabulary import Role


@dataclass(frozen=True)
class Tone:
    """A short chord of sine partials with a soft attack and decay, so it never clicks."""

    name: str
    seconds: float
    partials: tuple[tuple[float, float], ...]  # (frequency Hz, relative level dB)
    fade_in_ms: int
    fade_out_ms: int


# Lengths are whole multiples of 20 ms, so pydub's millisecond fades keep every sample at 22050 Hz.
TONES: dict[str, Tone] = {  # by the role that plays each (vocabulary.TONE_ROLES)
    # rising, bright: work begins
    Role.START: Tone(Role.START, 0.36, ((880.0, 0.0), (1320.0, -9.0)), 8, 120),
    # lower and longer: timed work is over, let go
    Role.END: Tone(Role.END, 0.6, ((587.33, 0.0), (880.0, -10.0)), 8, 350),
    # a short wood-block-like tap for a tempo beat
    Role.TICK: Tone(Role.TICK, 0.08, ((1760.0, 0.0),), 3, 60),
    # a warm two-note chime for the end of the session
    Role.FINISH: Tone(Role.FINISH, 1.4, ((523.25, 0.0), (659.25, -3.0), (783.99, -5.0)), 10, 900),
}

TONE_FORMAT = 1  # bump when a tone's recipe changes: the cache key covers it


def tone_samples(name: str, sample_rate: int) -> int:
    """A tone's length in samples: the planner places what follows it on this, audio.tone keeps to it."""
    return round(TONES[name].seconds * sample_rate)
