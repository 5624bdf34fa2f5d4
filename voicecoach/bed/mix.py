"""A bed file looped for as long as the session lasts, and `Under`, which lays any bed under one
timeline: ducked (duck.py), at its level capped so the file keeps its loudness, added under the
voice's PCM blocks without touching the voice."""
from __future__ import annotations

import math
import os
from pathlib import Path

import numpy as np

from ..cache import Cache
from ..settings import CEILING_DBFS
from ..timeline import Timeline
from .decode import decoded
from .duck import Ducks, duck_gain
from .source import Bed, scale_for

CROSSFADE_S = 0.5  # where a file bed loops
LOOP_SEARCH_S = 0.05  # how much earlier than the file's end a loop may turn, to match the material
# A file's integrated loudness (BS.1770) leaves out every 400 ms block more than 10 LU under the
# mean of all blocks. In a session that is mostly quiet (floor-relax is 93% holds), blocks of bed
# alone are most of the blocks: above that gate they are counted, and the whole file measures
# nearly as quiet as the bed (-28 LUFS for floor-relax with the bed 20 dB under the voice). So the
# bed is kept this far under the gate, whatever level was asked: see loudest_level().
GATE_MARGIN_DB = 3.0


class LoopedFile(Bed):
    """A user's audio file, looped with a crossfade for as long as the session lasts.

    It is decoded once, into the cache (`decode.decoded`), and read from there by position: looping
    or jumping back reads, never decodes again. The loop turns where the file's end best matches
    its start (within LOOP_SEARCH_S), and the crossfade's two gains keep the level for material
    that correlation: equal power for unrelated sound such as noise, equal gain for a steady tone.
    """

    def __init__(self, path: Path, rate: int, voice_lufs: float, level_db: float, cache: Cache,
                 cap_db: float | None = None):
        super().__init__(str(path), level_db, cap_db)
        self.path = path
        self.rate = rate
        made = decoded(path, rate, cache)
        self.pcm, self.length = made.pcm, made.length
        self.scale = scale_for(made.lufs, voice_lufs, level_db)
        self._fd: int | None = None
        self.fade = min(round(CROSSFADE_S * rate), self.length // 2)
        self.head = self._read(0, self.fade)
        self.period, self.tail_gain, self.head_gain = self._loop()

    def _loop(self) -> tuple[int, np.ndarray, np.ndarray]:
        """Where the loop turns (the period) and the gains of the tail and the head across the
        crossfade. With r the correlation of the head and the tail, a tail gain a and head gain b
        keep the power when a^2 + b^2 + 2 r a b = 1: b rises as a sine, a follows from it."""
        fade, length = self.fade, self.length
        search = max(0, min(round(LOOP_SEARCH_S * self.rate), length - 2 * fade - 1))
        latest = length - fade
        window = self._read(latest - search, fade + search)
        head = self.head
        size = 1 << (window.size - 1).bit_length()  # one product per candidate period, by FFT
        spectrum = np.fft.rfft(window, size) * np.conj(np.fft.rfft(head, size))
        products = np.fft.irfft(spectrum, size)[: search + 1]
        energy = np.concatenate([[0.0], np.cumsum(window ** 2)])
        tails = energy[fade:] - energy[: energy.size - fade]
        correlation = products / np.sqrt(np.maximum(tails * float(head @ head), 1e-30))
        best = int(np.flatnonzero(correlation >= correlation.max() - 1e-9)[-1])  # the latest of the best
        r = float(np.clip(correlation[best], 0.0, 1.0))
        rising = np.sin(0.5 * np.pi * (np.arange(fade) + 0.5) / fade)
        falling = -r * rising + np.sqrt(np.maximum(0.0, 1 - rising ** 2 * (1 - r * r)))
        return latest - search + best, falling, rising

    def samples(self, start: int, end: int) -> np.ndarray:
        out = np.empty(end - start)
        position = start
        while position < end:
            copy, offset = divmod(position, self.period) if position >= self.period else (0, position)
            if copy and offset < self.fade:  # the tail of the copy before fades into this one's head
                take = min(end - position, self.fade - offset)
                tail = self._read(self.period + offset, take)
                out[position - start: position - start + take] = (
                    tail * self.tail_gain[offset: offset + take]
                    + self.head[offset: offset + take] * self.head_gain[offset: offset + take])
            else:
                take = min(end - position, self.period - offset)
                out[position - start: position - start + take] = self._read(offset, take)
            position += take
        return out * self.scale

    def _read(self, at: int, count: int) -> np.ndarray:
        """The decoded file's samples [at, at + count) as floats; silence past its end (a cache
        file changed under us: the length planned with is kept)."""
        if self._fd is None:
            self._fd = os.open(self.pcm, os.O_RDONLY)
        raw = os.pread(self._fd, 2 * count, 44 + 2 * at)
        samples = np.frombuffer(raw[: len(raw) // 2 * 2], "<i2").astype(np.float64) / 32767
        return np.concatenate([samples, np.zeros(count - samples.size)]) if samples.size < count else samples

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


def loudest_level(timeline: Timeline) -> float:
    """The loudest bed level (dB relative to the voice) that the loudness gate still leaves out.

    With a fraction f of the session spoken at power V and the bed at power B between lines, the
    mean of all blocks is about f V + (1 - f) B; the bed is left out while B, GATE_MARGIN_DB
    louder, stays under a tenth of it: B / V < f / (10 k - 1 + f), k the margin as a power ratio.
    Sessions that talk a third of the time or more allow about -17 dB; floor-relax, -24.5."""
    spoken = sum(event.length for event in timeline.events) / max(1, timeline.length)
    margin = 10 ** (GATE_MARGIN_DB / 10)
    return 10 * math.log10(max(spoken, 1e-9) / (10 * margin - 1 + spoken))


class Under:
    """A bed laid under one timeline: mixes it, ducked, into the voice's PCM blocks.

    The voice and tones are kept sample for sample: what is added is the bed alone, rounded; only
    where voice and bed together would pass the voice's own peak ceiling does the bed give way (on
    the voice's loudest peaks: under 0.1% of a session's samples at the default level)."""

    def __init__(self, bed: Bed, timeline: Timeline):
        self.bed = bed
        self.timeline = timeline
        self.ducks = Ducks.of(timeline)
        self.ceiling = 10 ** (CEILING_DBFS / 20) * 32768
        cap = bed.cap_db if bed.cap_db is not None else loudest_level(timeline)
        self.level_db = min(bed.level_db, cap)
        self.trim = 10 ** ((self.level_db - bed.level_db) / 20) * 32768

    def mix(self, pcm: bytes, start: int) -> bytes:
        """16-bit PCM of samples [start, start + len(pcm) / 2) with the bed under it."""
        voice = np.frombuffer(pcm, "<i2").astype(np.float64)
        end = start + voice.size
        bed = self.bed.samples(start, end) * duck_gain(self.timeline, start, end, self.ducks) * self.trim
        room = np.maximum(self.ceiling, np.abs(voice))  # never below what the voice already uses
        added = np.round(np.clip(voice + bed, -room, room) - voice)
        mixed: bytes = (voice + added).astype("<i2").tobytes()
        return mixed
