"""The built-in beds: each registers itself here by name, with the one line `voicecoach beds`
prints and a function that makes one loop of it. `open_bed` and `voicecoach beds` know no bed by
name: they read `BUILT_IN`.

A bed is made once, when it is opened, as one loop of LOOP_S seconds from its own seeded random
stream, exactly periodic by construction (every partial and every breath a whole number of cycles
in the loop, the noise made by an inverse FFT), so it repeats without a seam and any length
streams from it. A minute of soft noise or slow chord repeating is not heard as a loop (frozen
noise is recognised when it repeats within seconds); making it once is what keeps an hour's
render fast (made block by block from a generator it cost about 15 s an hour) and small (5.3 MB
as float32). Its loudness is measured (loudness.py) and set to the level asked, so a generator
makes its sound at any level.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ..loudness import Loudness
from ..vocabulary import NO_BED
from .source import Bed, scale_for

SEED = 16
LOOP_S = 60

# (size, rate, random) -> one loop: `size` samples (LOOP_S seconds at `rate`), exactly periodic
Generator = Callable[[int, int, np.random.Generator], np.ndarray]


@dataclass(frozen=True)
class BuiltIn:
    name: str  # what --bed takes
    description: str  # one line: what `voicecoach beds` prints
    stream: int  # its own random stream (with SEED): no two beds share their randomness
    make: Generator


BUILT_IN: dict[str, BuiltIn] = {}  # in the order registered: the order `voicecoach beds` lists
_NAME = re.compile(r"[a-z][a-z0-9-]*")


def register(name: str, description: str, stream: int) -> Callable[[Generator], Generator]:
    """Make the decorated generator the built-in bed `name`."""
    def add(make: Generator) -> Generator:
        if not _NAME.fullmatch(name) or name == NO_BED:
            raise ValueError(f"a bed's name is lower case letters, digits and '-', and not "
                             f"'{NO_BED}': {name!r}")
        if name in BUILT_IN:
            raise ValueError(f"a bed named {name!r} is already registered")
        if any(known.stream == stream for known in BUILT_IN.values()):
            raise ValueError(f"bed {name!r}: random stream {stream} is already another bed's")
        BUILT_IN[name] = BuiltIn(name, description, stream, make)
        return make
    return add


class Generated(Bed):
    """A built-in bed: its loop, made once and scaled to its level, read round and round."""

    def __init__(self, built_in: BuiltIn, rate: int, voice_lufs: float, level_db: float,
                 cap_db: float | None = None):
        super().__init__(built_in.name, level_db, cap_db)
        self.rate = rate
        size = LOOP_S * rate
        loop = built_in.make(size, rate, np.random.Generator(np.random.PCG64([SEED, built_in.stream])))
        if loop.shape != (size,) or not np.all(np.isfinite(loop)):
            raise ValueError(f"bed {built_in.name!r} made {loop.shape} samples, not one loop of {size}")
        meter = Loudness(rate)
        for at in range(0, size, 10 * rate):
            meter.add(loop[at: at + 10 * rate])
        self.scale = scale_for(meter.lufs(), voice_lufs, level_db)
        loop *= self.scale
        self.loop = loop

    def samples(self, start: int, end: int) -> np.ndarray:
        size = self.loop.size
        offset = start % size
        count = end - start
        if offset + count <= size:
            return self.loop[offset: offset + count].astype(np.float64)
        turns = np.arange(start, end) % size
        return self.loop[turns].astype(np.float64)


# -- the beds ----------------------------------------------------------------------------------

@register("brown", "soft low-passed brown noise: a distant, steady rush, like wind behind a window",
          stream=0)
def brown(size: int, rate: int, random: np.random.Generator) -> np.ndarray:
    """Soft brown noise: white noise's spectrum falling 6 dB an octave, softened further by a
    gentle low-pass (600 Hz, 12 dB an octave), with a high-pass (40 Hz) that keeps inaudible
    rumble out of the headroom."""
    noise = random.standard_normal(size + 2, dtype=np.float32)
    f = np.maximum(np.fft.rfftfreq(size, 1 / rate).astype(np.float32), 1.0)
    shape = (1 / f) / np.sqrt(1 + (f / 600) ** 4) * (f / 40) / np.sqrt(1 + (f / 40) ** 2)
    shape[0] = 0.0
    loop = np.fft.irfft((noise[0::2] + 1j * noise[1::2]) * shape, n=size)
    scaled: np.ndarray = (0.1 / np.sqrt(np.mean(loop ** 2))) * loop
    return scaled


# (frequency Hz, level dB, breathing period s): D2 A2 D3 F#3 A3 and a quiet E4; each note two
# sines 0.12 Hz apart so the chord shimmers, each breathing at its own slow pace
PAD_NOTES = ((73.42, -3.0, 12.0), (110.0, -4.0, 15.0), (146.83, -6.0, 10.0),
             (185.0, -9.0, 20.0), (220.0, -10.0, 7.5), (329.63, -16.0, 30.0))


@register("pad", "a slow, soft chord on D that breathes in and out over several seconds; "
                 "no beat, no melody", stream=1)
def pad(size: int, rate: int, random: np.random.Generator) -> np.ndarray:
    """The chord made in the frequency domain: each note's two sines, each breathing (a slow
    swell of its amplitude: 0.65 + 0.35 sin), are a carrier and two side partials, and every
    one of them falls on an FFT bin of the loop (moved by under 0.01 Hz to get there)."""
    spectrum = np.zeros(size // 2 + 1, np.complex64)
    seconds = size / rate

    def partial(hz: float, amplitude: float, phase: float) -> None:  # amplitude cos(2 pi hz t + phase)
        spectrum[round(hz * seconds)] += size / 2 * amplitude * np.exp(1j * phase)

    phases = random.uniform(0, 2 * np.pi, (len(PAD_NOTES), 3))
    for (frequency, level, period), (p1, p2, swell) in zip(PAD_NOTES, phases, strict=True):
        amplitude = 10 ** (level / 20)
        for hz, phase in ((frequency - 0.06, p1), (frequency + 0.06, p2)):
            # a (0.65 + 0.35 sin(W t + s)) sin(w t + p)
            #   = 0.65 a cos(w t + p - pi/2) + 0.175 a [cos((w - W) t + p - s) - cos((w + W) t + p + s)]
            partial(hz, 0.65 * amplitude, phase - np.pi / 2)
            partial(hz - 1 / period, 0.175 * amplitude, phase - swell)
            partial(hz + 1 / period, 0.175 * amplitude, phase + swell + np.pi)
    return np.fft.irfft(spectrum, n=size)  # float32, as the spectrum is complex64
