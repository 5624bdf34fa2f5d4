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
import math
import shutil
import stat
import subprocess
import wave
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from . import files
from .errors import BedError, BedNotFound
from .loudness import Loudness
from .settings import CEILING_DBFS, DEFAULT_BED_LEVEL, TARGET_LUFS
from .timeline import Timeline

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


# -- a user's file, decoded as a stream --------------------------------------------------------

def _wav_stream(path: Path, rate: int, block_s: float = 4.0) -> Iterator[np.ndarray]:
    """Float mono at `rate` from a PCM WAV, decoded and resampled in blocks (wave + numpy)."""
    with wave.open(str(path), "rb") as source:
        channels, width, source_rate = source.getnchannels(), source.getsampwidth(), source.getframerate()
        if width not in (1, 2, 3, 4) or source_rate <= 0 or channels <= 0:
            raise wave.Error(f"unsupported WAV ({width * 8}-bit, {channels} channels)")
        divisor = math.gcd(rate, source_rate)

        def frames(count: int) -> np.ndarray:
            raw = source.readframes(count)
            raw = raw[: len(raw) // (width * channels) * width * channels]
            # float32 throughout: a bed sits 20 dB and more under the voice, and numpy's FFT
            # takes half the time and memory on it
            if width == 1:  # unsigned 8-bit
                values = (np.frombuffer(raw, np.uint8).astype(np.float32) - 128) / 128
            elif width == 3:  # 24-bit: each sample into the top three bytes of an int32
                padded = np.zeros((len(raw) // 3, 4), np.uint8)
                padded[:, 1:] = np.frombuffer(raw, np.uint8).reshape(-1, 3)
                values = padded.view("<i4").ravel().astype(np.float32) / 2 ** 31
            else:
                ints = np.frombuffer(raw, "<i2" if width == 2 else "<i4")
                values = ints.astype(np.float32) / 2 ** (8 * width - 1)
            if channels == 1:
                return values
            return values.reshape(-1, channels) @ np.full(channels, 1 / channels, np.float32)

        yield from resample_stream(frames, rate // divisor, source_rate // divisor,
                                   round(block_s * source_rate))


def resample_stream(read: Callable[[int], np.ndarray], up: int, down: int,
                    block: int) -> Iterator[np.ndarray]:
    """What `read(n)` returns (empty at the end), resampled by up/down, block by block.

    Band-limited resampling by FFT over overlapping segments: each segment is two hops of input
    under a periodic Hann window (the windows at half overlap sum to exactly one), resampled by
    keeping its spectrum below the lower of the two Nyquist frequencies, and overlap-added. Every
    output sample depends on the input around it only, so any length streams in bounded memory."""
    if up == down:
        while (piece := read(block)).size:
            yield piece
        return
    hop = down * max(1, round(block / 2 / down))  # input samples; a whole number of output ones
    out_hop = hop * up // down
    window = (0.5 - 0.5 * np.cos(np.pi * np.arange(2 * hop) / hop)).astype(np.float32)
    keep = min(hop, out_hop) + 1  # bins kept: up to the lower Nyquist
    buffered = np.zeros(hop, np.float32)  # input from one hop before the first sample: zeros
    total, ended, produced = 0, False, 0
    previous = None  # the second half of the last segment, waiting for the next one's first
    while True:
        while not ended and buffered.size < 2 * hop:
            piece = read(hop)
            ended = piece.size == 0
            total += piece.size
            buffered = np.concatenate([buffered, piece])
        segment = np.concatenate([buffered[: 2 * hop], np.zeros(max(0, 2 * hop - buffered.size), np.float32)])
        spectrum = np.fft.rfft(segment * window)[:keep]
        if keep > out_hop:
            spectrum[-1] = spectrum[-1].real  # the output's Nyquist bin is real
        resampled = np.fft.irfft(spectrum, n=2 * out_hop) * (out_hop / hop)
        if previous is not None:  # the first segment's first half is before the signal
            wanted = out_hop if not ended else min(out_hop, -(-total * up // down) - produced)
            if wanted <= 0:
                return
            yield (previous + resampled[:out_hop])[:wanted]
            produced += wanted
        previous = resampled[out_hop:]
        buffered = buffered[hop:]


def _ffmpeg_stream(path: Path, rate: int, block_s: float = 10.0) -> Iterator[np.ndarray]:
    """Float mono at `rate` from anything ffmpeg decodes (MP3, FLAC, Ogg, M4A...), in blocks."""
    ffmpeg = shutil.which("ffmpeg")
    if ffmpeg is None:
        raise BedError(str(path), "only WAV files can be read without ffmpeg; install ffmpeg "
                                  "(Debian/Ubuntu: sudo apt-get install ffmpeg) or convert it to WAV")
    process = subprocess.Popen(
        [ffmpeg, "-nostdin", "-v", "error", "-i", str(path), "-vn", "-sn", "-dn", "-ac", "1",
         "-ar", str(rate), "-f", "f32le", "-"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert process.stdout is not None and process.stderr is not None
    try:
        size = round(block_s * rate) * 4
        while chunk := process.stdout.read(size):
            yield np.frombuffer(chunk[: len(chunk) // 4 * 4], "<f4").astype(np.float64)
        error = process.stderr.read().decode(errors="replace").strip()
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
    """The file's sound as float mono blocks at `rate`: WAV with the wave module, else ffmpeg."""
    head = files.read_regular(path, 12)
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        try:
            yield from _wav_stream(path, rate)
            return
        except (wave.Error, EOFError):  # a WAV the wave module cannot read (float, extensible)
            pass
    yield from _ffmpeg_stream(path, rate)


class _File(Bed):
    """A user's audio file, looped with an equal-power crossfade for as long as the session lasts.

    Opening it scans it once (its length, whether there is anything to hear, its loudness);
    after that it is read as a stream, in order, and decoded again from the top when it loops
    or when playback jumps back."""

    def __init__(self, path: Path, rate: int, voice_lufs: float, level_db: float):
        self.name = str(path)
        self.path = path
        self.rate = rate
        self.level_db = level_db
        self.length, loudness, self.head = self._scan()
        self.fade = min(round(CROSSFADE_S * rate), self.length // 2)
        self.period = self.length - self.fade
        self.scale = _scale_for(loudness, voice_lufs, level_db)
        self._reader: Iterator[np.ndarray] | None = None
        self._at = 0  # file position of the first sample in _pending
        self._pending = np.zeros(0)

    def _scan(self) -> tuple[int, float, np.ndarray]:
        """The file's length at the session rate, its loudness and its first crossfade's worth of
        samples; refused if there is nothing (or not enough) to hear."""
        meter = Loudness(self.rate)
        length, peak, head = 0, 0.0, np.zeros(0)
        fade = round(CROSSFADE_S * self.rate)
        try:
            for block in decode_stream(self.path, self.rate):
                length += block.size
                if block.size:
                    peak = max(peak, float(np.abs(block).max()))
                if head.size < fade:
                    head = np.concatenate([head, block[: fade - head.size]])
                meter.add(block)
        except OSError as exc:
            raise BedError(str(self.path), exc.strerror or str(exc)) from None
        if length == 0:
            raise BedError(str(self.path), "it has no sound in it (empty)")
        if length < SHORTEST_FILE_S * self.rate:
            raise BedError(str(self.path), f"it is too short to loop ({length / self.rate:.2f} s; "
                                           f"at least {SHORTEST_FILE_S:g} s)")
        if peak < 10 ** (SILENT_DBFS / 20) or not math.isfinite(meter.lufs()):
            raise BedError(str(self.path), "it is silent")
        return length, meter.lufs(), head

    def samples(self, start: int, end: int) -> np.ndarray:
        out = np.empty(end - start)
        position = start
        while position < end:
            copy, offset = divmod(position, self.period) if position >= self.period else (0, position)
            if copy and offset < self.fade:  # the tail of the copy before fades into this one's head
                take = min(end - position, self.fade - offset)
                x = (np.arange(offset, offset + take) + 0.5) / self.fade
                tail = self._read(self.period + offset, take)
                head = self.head[offset: offset + take]
                out[position - start: position - start + take] = (
                    tail * np.cos(0.5 * np.pi * x) + head * np.sin(0.5 * np.pi * x))
            else:
                take = min(end - position, self.period - offset)
                out[position - start: position - start + take] = self._read(offset, take)
            position += take
        return out * self.scale

    def _read(self, at: int, count: int) -> np.ndarray:
        """The file's samples [at, at + count), from the open stream when it has not passed them."""
        if self._reader is None or at < self._at:
            self.close()
            self._reader = decode_stream(self.path, self.rate)
            self._at, self._pending = 0, np.zeros(0)
        while self._at + self._pending.size < at + count:
            block = next(self._reader, None)
            if block is None:  # the file changed under us: keep the length we planned with
                block = np.zeros(at + count - self._at - self._pending.size)
            self._pending = np.concatenate([self._pending, block])
            drop = min(at - self._at, self._pending.size)  # keep nothing before `at`
            self._pending, self._at = self._pending[drop:], self._at + drop
        lo = at - self._at
        piece = self._pending[lo: lo + count]
        self._pending, self._at = self._pending[lo + count:], at + count
        return piece

    def close(self) -> None:
        if self._reader is not None:
            close = getattr(self._reader, "close", None)
            if close:
                close()
            self._reader = None


def open_bed(choice: str, rate: int, level_db: float = DEFAULT_BED_LEVEL,
             voice_lufs: float = TARGET_LUFS) -> Bed:
    """A built-in bed by name or an audio file by path, checked before anything is written."""
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
    except OSError as exc:
        raise BedError(choice, exc.strerror or str(exc)) from None
    return _File(path, rate, voice_lufs, level_db)


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
