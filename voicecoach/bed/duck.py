"""Where the bed ducks, pure, from the timeline.

Nothing here listens to the voice: the timeline says to the sample when every line and tone
sounds, so the bed goes down before each one and comes back after it, exactly, and never pumps
the way a sidechain compressor does (STACK.md: ffmpeg's sidechaincompress ducked anywhere from
-1.6 to -21.8 dB within a line)."""
from __future__ import annotations

import bisect
from dataclasses import dataclass

import numpy as np

from ..timeline import Timeline

# Ducking. Audacity's Auto Duck and broadcast practice both land near -12 dB: the voice is then
# about 32 dB over the bed under a line (at the default level), far more than speech needs to be
# understood, while 12 dB is still a small enough move that the bed does not seem to switch off.
DUCK_DB = 12.0
# The ramp down ends on the line's first sample, so its first consonant is already clear; 150 ms
# is slow enough not to click or sound gated and short enough not to announce the line early.
ATTACK_S = 0.15
# Coming back up more slowly than going down is what makes ducking sound calm rather than pumped.
RELEASE_S = 0.5
# Lines closer than this (a countdown, a sentence after a sentence) are one duck: the bed does not
# bob up for a fraction of a second between them.
BRIDGE_S = 1.0
DUCKED = float(10 ** (-DUCK_DB / 20))
FADE_IN_S = 4.0  # the bed arrives gently under the title...
FADE_OUT_S = 4.0  # ...and is gone by the last sample


@dataclass(frozen=True, eq=False)
class Ducks:
    """The spans the bed is held down over (each event; lines closer than BRIDGE_S joined) and
    the two ramps, straight in dB: from 0 dB on the first sample of the way down to just short of
    -DUCK_DB on its last, and from just over -DUCK_DB back to 0 dB on the way up."""

    starts: tuple[int, ...]
    ends: tuple[int, ...]
    going_down: np.ndarray
    coming_up: np.ndarray

    @classmethod
    def of(cls, timeline: Timeline) -> Ducks:
        bridge = round(BRIDGE_S * timeline.sample_rate)
        starts: list[int] = []
        ends: list[int] = []
        for event in timeline.events:
            if ends and event.start - ends[-1] < bridge:
                ends[-1] = max(ends[-1], event.end)
            else:
                starts.append(event.start)
                ends.append(event.end)
        attack = round(ATTACK_S * timeline.sample_rate)
        release = round(RELEASE_S * timeline.sample_rate)
        going_down = 10 ** (-DUCK_DB * np.arange(attack) / attack / 20)
        coming_up = 10 ** (-DUCK_DB * (1 - np.arange(1, release + 1) / release) / 20)
        return cls(tuple(starts), tuple(ends), going_down, coming_up)


def duck_gain(timeline: Timeline, start: int, end: int, ducks: Ducks | None = None) -> np.ndarray:
    """The bed's gain (linear, 0 to 1) for samples [start, end): -DUCK_DB from each duck's first
    sample to its last, reached by a ramp (straight in dB) over ATTACK_S before it and left by one
    over RELEASE_S after it; faded in at the start of the session and out at its end. A sample's
    gain does not depend on the range it is asked in."""
    ducks = ducks or Ducks.of(timeline)
    rate = timeline.sample_rate
    going_down, coming_up = ducks.going_down, ducks.coming_up
    attack, release = going_down.size, coming_up.size
    gain = np.ones(end - start)

    def lower(first: int, levels: np.ndarray | float, length: int) -> None:
        lo, hi = max(first, start), min(first + length, end)
        if lo < hi:
            where = slice(lo - start, hi - start)
            part = levels if isinstance(levels, float) else levels[lo - first: hi - first]
            gain[where] = np.minimum(gain[where], part)

    for index in range(bisect.bisect_right(ducks.ends, start - release), len(ducks.starts)):
        duck_start, duck_end = ducks.starts[index], ducks.ends[index]
        if duck_start - attack >= end:
            break
        lower(duck_start - attack, going_down, attack)
        lower(duck_start, DUCKED, duck_end - duck_start)
        lower(duck_end, coming_up, release)
    fade_in, fade_out = round(FADE_IN_S * rate), round(FADE_OUT_S * rate)
    if start < fade_in:
        at = np.arange(start, min(end, fade_in))
        gain[: at.size] *= np.sin(0.5 * np.pi * at / fade_in) ** 2
    if end > timeline.length - fade_out:
        at = np.arange(max(start, timeline.length - fade_out), end)
        gain[gain.size - at.size:] *= np.sin(0.5 * np.pi * np.maximum(timeline.length - 1 - at, 0)
                                             / fade_out) ** 2
    return gain
