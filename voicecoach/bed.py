"""A calm sound bed under the voice: where it ducks (planned from the timeline) and what it is (a
generated bed or the user's own audio file, looped), as float blocks from any sample.

Nothing here listens to the voice: the timeline says to the sample when every line and tone
sounds, so the bed goes down before each one and comes back after it, exactly, and never pumps
the way a sidechain compressor does. `duck_gain()` is pure; a `Bed` decodes or generates its
sound in blocks, so an hour of bed under an hour of session keeps memory bounded.

Like audio.py this module imports numpy; it is imported only when a bed is asked for, so a
session without one never pays for it. It stays off scipy and pyloudnorm on purpose: their imports
alone take 99 MB, where numpy takes 25, and the bed has to fit an hour's session in 100 MB. So the
filtering is done with numpy's FFT: spectral shaping for the noise, band-limited resampling, and
BS.1770 loudness with the K-weighting applied by FFT (it agrees with pyloudnorm to about a tenth
of a dB: tests/test_bed.py).
"""
from __future__ import annotations

import bisect
import json
import math
import os
import shutil
import stat
import struct
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from . import files
from .cache import BEDS, Cache, make_key
from .errors import BedError, BedNotFound
from .loudness import Loudness
from .settings import CEILING_DBFS, DEFAULT_BED_LEVEL, TARGET_LUFS
from .timeline import Timeline
from .vocabulary import MAX_SESSION_SECONDS

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
CROSSFADE_S = 0.5  # where a file bed loops
SHORTEST_FILE_S = 1.0
SILENT_DBFS = -70.0  # a file whose peak stays under this has nothing to hear
# A file's integrated loudness (BS.1770) leaves out every 400 ms block more than 10 LU under the
# mean of all blocks. In a session that is mostly quiet (floor-relax is 93% holds), blocks of bed
# alone are most of the blocks: above that gate they are counted, and the whole file measures
# nearly as quiet as the bed (-28 LUFS for floor-relax with the bed 20 dB under the voice). So the
# bed is kept this far under the gate, whatever level was asked: see loudest_level().
GATE_MARGIN_DB = 3.0


@dataclass(frozen=True)
class BuiltIn:
    name: str
    description: str


BUILT_IN = {
    "brown": BuiltIn("brown", "soft low-passed brown noise: a distant, steady rush, like wind "
                              "behind a window"),
    "pad": BuiltIn("pad", "a slow, soft chord on D that breathes in and out over several "
                          "seconds; no beat, no melody"),
}


# -- ducking: pure, from the timeline ----------------------------------------------------------

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


# -- the bed's sound ---------------------------------------------------------------------------

class Bed:
    """A sound that goes on as long as it is asked for: samples(start, end) gives float samples
    at the session rate, scaled so that at full gain its loudness is `level_db` relative to the
    voice's. Reading any range gives the same samples as reading it as part of a longer one."""

    name: str
    scale: float
    level_db: float  # its loudness at full gain, relative to the voice's
    # The most `level_db` may be in this session, when fixed before its speech is made (a session
    # played while its speech is made: session.bed_for); None: from the finished timeline.
    cap_db: float | None = None

    def samples(self, start: int, end: int) -> np.ndarray:
        raise NotImplementedError

    def close(self) -> None:
        pass


def _scale_for(loudness: float, voice_lufs: float, level_db: float) -> float:
    return float(10 ** ((voice_lufs + level_db - loudness) / 20))


class _Generated(Bed):
    """A built-in bed: one loop of LOOP_S seconds made from a seeded generator when the bed is
    opened, exactly periodic by construction (every partial and every breath a whole number of
    cycles in the loop, the noise made by an inverse FFT), so it repeats without a seam and any
    length streams from it. A minute of soft noise or slow chord repeating is not heard as a loop
    (frozen noise is recognised when it repeats within seconds); making it once is what keeps an
    hour's render fast (made block by block from a generator it cost about 15 s an hour) and
    small (5.3 MB as float32)."""

    SEED = 16
    LOOP_S = 60

    def __init__(self, name: str, rate: int, voice_lufs: float, level_db: float):
        self.name = name
        self.rate = rate
        self.level_db = level_db
        size = self.LOOP_S * rate
        loop = self._brown(size) if name == "brown" else self._pad(size)
        meter = Loudness(rate)
        for at in range(0, size, 10 * rate):
            meter.add(loop[at: at + 10 * rate])
        self.scale = _scale_for(meter.lufs(), voice_lufs, level_db)
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

    def _random(self, stream: int) -> np.random.Generator:
        return np.random.Generator(np.random.PCG64([self.SEED, stream]))

    def _brown(self, size: int) -> np.ndarray:
        """Soft brown noise: white noise's spectrum falling 6 dB an octave, softened further by a
        gentle low-pass (600 Hz, 12 dB an octave), with a high-pass (40 Hz) that keeps inaudible
        rumble out of the headroom."""
        noise = self._random(0).standard_normal(size + 2, dtype=np.float32)
        f = np.maximum(np.fft.rfftfreq(size, 1 / self.rate).astype(np.float32), 1.0)
        shape = (1 / f) / np.sqrt(1 + (f / 600) ** 4) * (f / 40) / np.sqrt(1 + (f / 40) ** 2)
        shape[0] = 0.0
        loop = np.fft.irfft((noise[0::2] + 1j * noise[1::2]) * shape, n=size)
        return (0.1 / np.sqrt(np.mean(loop ** 2))) * loop

    # (frequency Hz, level dB, breathing period s): D2 A2 D3 F#3 A3 and a quiet E4; each note two
    # sines 0.12 Hz apart so the chord shimmers, each breathing at its own slow pace
    PAD_NOTES = ((73.42, -3.0, 12.0), (110.0, -4.0, 15.0), (146.83, -6.0, 10.0),
                 (185.0, -9.0, 20.0), (220.0, -10.0, 7.5), (329.63, -16.0, 30.0))

    def _pad(self, size: int) -> np.ndarray:
        """The chord made in the frequency domain: each note's two sines, each breathing (a slow
        swell of its amplitude: 0.65 + 0.35 sin), are a carrier and two side partials, and every
        one of them falls on an FFT bin of the loop (moved by under 0.01 Hz to get there)."""
        spectrum = np.zeros(size // 2 + 1, np.complex64)

        def partial(hz: float, amplitude: float, phase: float) -> None:  # amplitude cos(2 pi hz t + phase)
            spectrum[round(hz * self.LOOP_S)] += size / 2 * amplitude * np.exp(1j * phase)

        phases = self._random(1).uniform(0, 2 * np.pi, (len(self.PAD_NOTES), 3))
        for (frequency, level, period), (p1, p2, swell) in zip(self.PAD_NOTES, phases, strict=True):
            amplitude = 10 ** (level / 20)
            for hz, phase in ((frequency - 0.06, p1), (frequency + 0.06, p2)):
                # a (0.65 + 0.35 sin(W t + s)) sin(w t + p)
                #   = 0.65 a cos(w t + p - pi/2) + 0.175 a [cos((w - W) t + p - s) - cos((w + W) t + p + s)]
                partial(hz, 0.65 * amplitude, phase - np.pi / 2)
                partial(hz - 1 / period, 0.175 * amplitude, phase - swell)
                partial(hz + 1 / period, 0.175 * amplitude, phase + swell + np.pi)
        return np.fft.irfft(spectrum, n=size)  # float32, as the spectrum is complex64


# -- a user's file, decoded once into the cache --------------------------------------------------

# A header is checked against these before anything is decoded: a file may say anything.
MAX_CHANNELS = 64
RATES = (1000, 768_000)  # Hz
BLOCK_BYTES = 1 << 22  # a WAV is read 4 MiB at a time, whatever its rate and channels
BED_FORMAT = 1  # bump when the decoding (downmix, resampler, measurement) changes
# A session lasts at most MAX_SESSION_SECONDS: no more of a file than that can ever be heard
LONGEST_S = MAX_SESSION_SECONDS + FADE_OUT_S
LOOP_SEARCH_S = 0.05  # how much earlier than the file's end a loop may turn, to match the material


@dataclass(frozen=True)
class _Layout:
    """What a WAV file's header says, checked: where its samples are and how to read them."""

    floating: bool
    channels: int
    rate: int
    width: int  # bytes a sample
    offset: int  # of the first sample
    frames: int  # as many as the file really holds


def _wav_layout(path: Path, handle) -> _Layout | None:
    """The layout of a PCM or float WAV, or None for another kind of WAV (ffmpeg reads it);
    BedError when the header asks for what no audio file needs."""
    size = os.fstat(handle.fileno()).st_size
    position, fmt = 12, None
    for _ in range(10_000):  # chunks before the samples: a file of only chunk headers ends here
        handle.seek(position)
        header = handle.read(8)
        if len(header) < 8:
            break
        kind, length = header[:4], struct.unpack("<I", header[4:])[0]
        if kind == b"fmt ":
            if length < 16 or position + 8 + length > size:
                raise BedError(str(path), f"its WAV header is damaged (a format chunk of {length} bytes)")
            fmt = handle.read(min(length, 40))
        elif kind == b"data":
            if fmt is None:
                break
            tag, channels, rate, _, align, bits = struct.unpack("<HHIIHH", fmt[:16])
            if tag == 0xFFFE and len(fmt) >= 26:  # WAVE_FORMAT_EXTENSIBLE: the real tag follows
                tag = struct.unpack("<H", fmt[24:26])[0]
            if not 1 <= channels <= MAX_CHANNELS:
                raise BedError(str(path), f"its header says {channels} channels (at most {MAX_CHANNELS})")
            if not RATES[0] <= rate <= RATES[1]:
                raise BedError(str(path), f"its header says {rate} Hz (a bed may be "
                                          f"{RATES[0]} to {RATES[1]} Hz)")
            floating = tag == 3
            if (tag, bits) not in ((1, 8), (1, 16), (1, 24), (1, 32), (3, 32), (3, 64)):
                return None
            width = bits // 8
            frames = min(length, size - position - 8) // (width * channels)
            return _Layout(floating, channels, rate, width, position + 8, frames)
        position += 8 + length + (length & 1)
        if position > size:
            break
    raise BedError(str(path), "it is not a WAV file that can be read (no format or no samples)")


def _wav_blocks(path: Path, handle, layout: _Layout, rate: int) -> Iterator[np.ndarray]:
    """Float32 mono at `rate` from a WAV's samples, read and resampled in bounded blocks."""
    import soxr

    channels, width = layout.channels, layout.width
    per_block = max(1, BLOCK_BYTES // (width * channels))
    resampler = None if layout.rate == rate else soxr.ResampleStream(layout.rate, rate, 1, dtype="float32",
                                                                      quality="HQ")
    wanted = min(layout.frames, math.ceil(LONGEST_S * layout.rate))
    handle.seek(layout.offset)
    done = 0
    while done < wanted:
        count = min(per_block, wanted - done)
        raw = handle.read(count * width * channels)
        count = len(raw) // (width * channels)
        if count == 0:
            break
        done += count
        raw = raw[: count * width * channels]
        values: np.ndarray
        if layout.floating:
            values = np.frombuffer(raw, "<f4" if width == 4 else "<f8").astype(np.float32)
            values = np.nan_to_num(values, nan=0.0, posinf=1.0, neginf=-1.0)
        elif width == 1:  # unsigned 8-bit
            values = (np.frombuffer(raw, np.uint8).astype(np.float32) - 128) / np.float32(128)
        elif width == 3:  # 24-bit: each sample into the top three bytes of an int32
            padded = np.zeros((count * channels, 4), np.uint8)
            padded[:, 1:] = np.frombuffer(raw, np.uint8).reshape(-1, 3)
            values = padded.view("<i4").ravel().astype(np.float32) / np.float32(2 ** 31)
        else:
            ints = np.frombuffer(raw, "<i2" if width == 2 else "<i4")
            values = ints.astype(np.float32) / np.float32(2 ** (8 * width - 1))
        if channels > 1:  # summed a channel at a time: a mean over the interleaved axis is 10x slower
            mono = values[0::channels].copy()
            for channel in range(1, channels):
                mono += values[channel::channels]
            values = mono * np.float32(1 / channels)
        yield values if resampler is None else resampler.resample_chunk(values)
    if resampler is not None:
        yield resampler.resample_chunk(np.zeros(0, np.float32), last=True)


def _ffmpeg_blocks(path: Path, rate: int, block_s: float = 10.0) -> Iterator[np.ndarray]:
    """Float32 mono at `rate` from anything ffmpeg decodes (MP3, FLAC, Ogg, M4A...), in blocks;
    ffmpeg downmixes and resamples in the same pass."""
    ffmpeg = shutil.which("ffmpeg")
    if ffmpeg is None:
        raise BedError(str(path), "only WAV files can be read without ffmpeg; install ffmpeg "
                                  "(Debian/Ubuntu: sudo apt-get install ffmpeg) or convert it to WAV")
    process = subprocess.Popen(
        [ffmpeg, "-nostdin", "-v", "error", "-i", str(path), "-vn", "-sn", "-dn", "-ac", "1",
         "-ar", str(rate), "-t", f"{LONGEST_S:.0f}", "-f", "f32le", "-"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert process.stdout is not None and process.stderr is not None
    try:
        size = round(block_s * rate) * 4
        while chunk := process.stdout.read(size):
            yield np.nan_to_num(np.frombuffer(chunk[: len(chunk) // 4 * 4], "<f4"),
                                nan=0.0, posinf=1.0, neginf=-1.0)
        error = process.stderr.read(65536).decode(errors="replace").strip()
        if process.wait() != 0:
            last = error.splitlines()[-1] if error else f"ffmpeg exited with {process.returncode}"
            raise BedError(str(path), f"it is not audio that ffmpeg can decode "
                                      f"(ffmpeg: {last.split(': ')[-1]})")
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        process.stdout.close()
        process.stderr.close()


def decode_stream(path: Path, rate: int) -> Iterator[np.ndarray]:
    """The file's sound as float32 mono blocks at `rate` (at most LONGEST_S of it): a PCM or float
    WAV read here, after its header is checked; anything else by ffmpeg."""
    with path.open("rb") as handle:
        head = handle.read(12)
        layout = _wav_layout(path, handle) if head[:4] == b"RIFF" and head[8:12] == b"WAVE" else None
        if layout is not None:
            yield from _wav_blocks(path, handle, layout, rate)
            return
    yield from _ffmpeg_blocks(path, rate)


@dataclass(frozen=True)
class _Decoded:
    """A bed file decoded once, as the session hears it: mono 16-bit at the session rate."""

    pcm: Path  # a WAV in the cache; its samples start at byte 44
    length: int
    lufs: float


def _decoded(path: Path, rate: int, cache: Cache) -> _Decoded:
    """The file decoded, measured and checked, from the cache when this very file (its path, size,
    time and inode) was decoded before at this rate; otherwise decoded now, once, in blocks."""
    info = path.stat()
    key = make_key(kind="bed", path=str(path.resolve()), size=info.st_size, mtime=info.st_mtime_ns,
                   inode=info.st_ino, device=info.st_dev, rate=rate, format=BED_FORMAT)
    folder = cache.root / BEDS
    pcm, described = folder / f"{key}.wav", folder / f"{key}.json"
    try:
        known = json.loads(files.read_regular(described, 4096))
        decoded = _Decoded(pcm, int(known["length"]), float(known["lufs"]))
        if pcm.stat().st_size == 44 + 2 * decoded.length and math.isfinite(decoded.lufs):
            return decoded
    except (OSError, ValueError, KeyError, TypeError, files.NotRegular):
        pass  # not decoded yet, or damaged: decoded again
    folder.mkdir(parents=True, exist_ok=True)
    meter = Loudness(rate)
    length, peak = 0, 0.0
    with files.atomic_output(pcm, check=False) as out:
        out.write(bytes(44))
        for block in decode_stream(path, rate):
            if not block.size:
                continue
            length += block.size
            peak = max(peak, float(np.abs(block).max()))
            meter.add(block.astype(np.float64))
            out.write(np.clip(np.round(block * 32767), -32768, 32767).astype("<i2").tobytes())
        lufs = meter.lufs()
        if length == 0:
            raise BedError(str(path), "it has no sound in it (empty)")
        if length < SHORTEST_FILE_S * rate:
            raise BedError(str(path), f"it is too short to loop ({length / rate:.2f} s; "
                                      f"at least {SHORTEST_FILE_S:g} s)")
        if peak < 10 ** (SILENT_DBFS / 20) or not math.isfinite(lufs):
            raise BedError(str(path), "it is silent")
        out.seek(0)
        out.write(b"RIFF" + struct.pack("<I", 36 + 2 * length) + b"WAVEfmt " + struct.pack(
            "<IHHIIHH", 16, 1, 1, rate, 2 * rate, 2, 16) + b"data" + struct.pack("<I", 2 * length))
    with files.atomic_output(described, "w", check=False) as out:
        json.dump({"length": length, "lufs": lufs, "source": str(path)}, out)
    return _Decoded(pcm, length, lufs)


class _File(Bed):
    """A user's audio file, looped with a crossfade for as long as the session lasts.

    It is decoded once, into the cache (`_decoded`), and read from there by position: looping
    or jumping back reads, never decodes again. The loop turns where the file's end best matches
    its start (within LOOP_SEARCH_S), and the crossfade's two gains keep the level for material
    that correlation: equal power for unrelated sound such as noise, equal gain for a steady tone.
    """

    def __init__(self, path: Path, rate: int, voice_lufs: float, level_db: float, cache: Cache):
        self.name = str(path)
        self.path = path
        self.rate = rate
        self.level_db = level_db
        decoded = _decoded(path, rate, cache)
        self.pcm, self.length = decoded.pcm, decoded.length
        self.scale = _scale_for(decoded.lufs, voice_lufs, level_db)
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


def open_bed(choice: str, rate: int, level_db: float = DEFAULT_BED_LEVEL,
             voice_lufs: float = TARGET_LUFS, cache: Cache | None = None) -> Bed:
    """A built-in bed by name or an audio file by path, checked before anything is written; a
    file is decoded into `cache` (the default cache when None)."""
    if choice in BUILT_IN:
        return _Generated(choice, rate, voice_lufs, level_db)
    path = Path(choice).expanduser()
    if not path.exists():
        raise BedNotFound(choice, list(BUILT_IN))
    try:
        mode = path.stat().st_mode
        if not stat.S_ISREG(mode):
            raise BedError(choice, f"it is {files.kind_of(mode)}, not an audio file")
        if not files.read_regular(path, 1):  # never blocks, even on a FIFO swapped in since
            raise BedError(choice, "the file is empty")
        return _File(path, rate, voice_lufs, level_db, cache or Cache())
    except OSError as exc:
        raise BedError(choice, exc.strerror or str(exc)) from None
    except (ValueError, MemoryError, struct.error, RuntimeError) as exc:  # a decoder met something odd
        raise BedError(choice, f"it could not be decoded ({type(exc).__name__}: {exc})"[:300]) from None


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
        return (voice + added).astype("<i2").tobytes()
