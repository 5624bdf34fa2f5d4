"""Sound on 16-bit mono PCM: what an engine wrote decoded, resampled (python-soxr), trimmed, brought
to the session loudness (ITU-R BS.1770, loudness.py) under a peak limiter and faded; and the cue
tones made from their recipes. The only importer of soxr and pydub.

Run once per clip, when it enters the cache, so playback and export never pay for it. Only the
cold path imports this module, and only in the speech workers (speech.py), or to decode a WAV bed
at another rate (bed/decode.py): numpy, soxr and pydub take about 0.15 s of CPU, which a process
that should make a sound first never spends. It uses no scipy or pyloudnorm (1.5 s of CPU and
80 MB to import).
"""
from __future__ import annotations

import io
import warnings

import numpy as np
import numpy.typing as npt
import soxr
from numpy.lib.stride_tricks import sliding_window_view

from .loudness import Loudness
from .settings import CEILING_DBFS, TARGET_LUFS
from .sounds import TONES, tone_samples

with warnings.catch_warnings():  # pydub warns about ffmpeg at import; WAV and tones need no ffmpeg
    warnings.simplefilter("ignore", RuntimeWarning)
    from pydub import AudioSegment
    from pydub.generators import Sine

# TARGET_LUFS and CEILING_DBFS live in settings.py: the bed (bed/) is set against them too.
LIMITER_WINDOW_S = 0.004  # look-ahead and release of the limiter
RESAMPLE_QUALITY = "HQ"  # python-soxr's high quality, for clips and bed files alike
SILENCE_DBFS = -48.0  # quieter than this at a clip's edges is trimmed away
EDGE_PAD_S = 0.01
FADE_IN_MS = 4
FADE_OUT_MS = 12

Samples = npt.NDArray[np.int16]  # 16-bit PCM, as clips are kept
Signal = npt.NDArray[np.float64]  # the same in [-1, 1], while it is measured and limited


def db_to_gain(db: float) -> float:
    return float(10 ** (db / 20))


def trim(samples: Samples, rate: int) -> Samples:
    """Drop the engine's leading and trailing silence, keeping a few ms of room for fades."""
    threshold = db_to_gain(SILENCE_DBFS) * 32768
    loud = np.flatnonzero(np.abs(samples.astype(np.int32)) > threshold)
    if loud.size == 0:
        return samples[:0]
    pad = int(EDGE_PAD_S * rate)
    return samples[max(0, loud[0] - pad): loud[-1] + 1 + pad]


def integrated_loudness(signal: Signal, rate: int) -> float:
    """LUFS of a float clip in [-1, 1]; a clip shorter than one 400 ms block is measured looped."""
    block = int(0.4 * rate) + 1
    if signal.size < block:
        signal = np.tile(signal, block // max(1, signal.size) + 1)
    meter = Loudness(rate)
    meter.add(signal)
    return meter.lufs()


def limit(signal: Signal, rate: int, ceiling_db: float = CEILING_DBFS) -> Signal:
    """A look-ahead peak limiter: gain falls smoothly before each peak above the ceiling."""
    ceiling = db_to_gain(ceiling_db)
    peaks = np.abs(signal)
    if peaks.size == 0 or peaks.max() <= ceiling:
        return signal
    needed: Signal = np.minimum(1.0, ceiling / np.maximum(peaks, 1e-12))
    width = max(1, int(LIMITER_WINDOW_S * rate))
    # the minimum over +-width, then a box of width: every average stays below what each sample needs
    gain: Signal = sliding_window_view(np.pad(needed, width, mode="edge"), 2 * width + 1).min(axis=1)
    box = width + 1
    padded = np.concatenate([[0.0], np.cumsum(np.pad(gain, (box // 2, (box - 1) // 2), mode="edge"))])
    gain = (padded[box:] - padded[:-box]) / box
    gain = np.minimum(gain, needed)
    return signal * gain


def normalize(samples: Samples, rate: int, target_lufs: float = TARGET_LUFS,
              ceiling_db: float = CEILING_DBFS) -> Samples:
    """int16 samples at target loudness, peaks limited to the ceiling; silence stays silence."""
    signal = samples.astype(np.float64) / 32768.0
    if signal.size == 0 or not np.any(signal):
        return samples.astype(np.int16)
    for _ in range(3):  # limiting takes a little loudness away: measure again and make it up
        loudness = integrated_loudness(signal, rate)
        if not np.isfinite(loudness) or abs(loudness - target_lufs) < 0.1:
            break
        signal = limit(signal * db_to_gain(target_lufs - loudness), rate, ceiling_db)
    # every clip under the ceiling, however near its target its first measurement was
    signal = limit(signal, rate, ceiling_db)
    return np.clip(np.round(signal * 32768.0), -32768, 32767).astype(np.int16)


class UnreadableAudio(ValueError):
    """The engine's file could not be decoded; speech.py turns it into a SpeechError."""


def read_clip(raw: bytes) -> tuple[bytes, int]:
    """Mono 16-bit PCM and its rate, from the WAV or AIFF file an engine wrote."""
    try:
        if raw[:4] == b"RIFF":  # espeak and SAPI5 write WAV: pydub reads it without ffmpeg
            segment = AudioSegment.from_wav(io.BytesIO(raw))
        else:  # macOS writes AIFF whatever the name says
            segment = AudioSegment.from_file(io.BytesIO(raw), format="aiff")
    except Exception as exc:  # pydub raises whatever its reader met
        lines = str(exc).strip().splitlines()
        raise UnreadableAudio(lines[0] if lines else type(exc).__name__) from None
    return bytes(segment.set_channels(1).set_sample_width(2).raw_data), int(segment.frame_rate)


def resample(pcm: bytes, rate: int, sample_rate: int) -> bytes:
    """16-bit PCM from `rate` to `sample_rate` by python-soxr at its high quality (a linear-phase
    low-pass at the lower Nyquist rate): no images from flite's 16 kHz up to 22050, and the same
    samples every time. Unchanged when the rates already agree."""
    if rate == sample_rate or not pcm:
        return pcm
    samples = np.frombuffer(pcm, dtype=np.int16).astype(np.float64)
    out: Signal = soxr.resample(samples, rate, sample_rate, quality=RESAMPLE_QUALITY)  # soxr has no types
    return np.clip(np.round(out), -32768, 32767).astype(np.int16).tobytes()


def stream_resampler(rate: int, sample_rate: int) -> soxr.ResampleStream:
    """The same resampling as `resample`, for float32 mono given a block at a time
    (`resample_chunk(block)`, then `resample_chunk(empty, last=True)` for what it holds back): a
    bed file is decoded in bounded memory however long it is (bed/decode.py)."""
    return soxr.ResampleStream(rate, sample_rate, 1, dtype="float32", quality=RESAMPLE_QUALITY)


def decode(raw: bytes, sample_rate: int) -> bytes:
    """Mono 16-bit PCM at sample_rate from the file an engine wrote."""
    pcm, rate = read_clip(raw)
    return resample(pcm, rate, sample_rate)


def finish(pcm: bytes, sample_rate: int, trim_edges: bool) -> bytes:
    """Trim (when asked), bring to the session loudness under the limiter, fade both ends to
    exact zero. Empty when nothing is left after trimming."""
    samples = np.frombuffer(pcm, dtype=np.int16)
    if trim_edges:
        samples = trim(samples, sample_rate)
    if samples.size == 0:
        return b""
    samples = normalize(samples, sample_rate)
    segment = AudioSegment(samples.tobytes(), frame_rate=sample_rate, sample_width=2, channels=1)
    segment = segment.fade_in(FADE_IN_MS).fade_out(FADE_OUT_MS)
    out = np.frombuffer(segment.raw_data, dtype=np.int16).copy()
    out[0] = 0
    out[-1] = 0
    return out.tobytes()


def tone(name: str, sample_rate: int) -> bytes:
    """The cue tone, finished like a spoken clip, exactly tone_samples() long: the timeline places
    what follows it on that length."""
    recipe = TONES[name]
    length_ms = recipe.seconds * 1000
    mixed: AudioSegment | None = None
    for frequency, level_db in recipe.partials:
        partial = Sine(frequency, sample_rate=sample_rate, bit_depth=16).to_audio_segment(
            duration=length_ms, volume=-6.0 + level_db)
        mixed = partial if mixed is None else mixed.overlay(partial)
    assert mixed is not None
    mixed = mixed.set_channels(1).set_frame_rate(sample_rate).set_sample_width(2)
    mixed = mixed.fade_in(recipe.fade_in_ms).fade_out(recipe.fade_out_ms)
    want = tone_samples(name, sample_rate) * 2
    return _exactly(finish(_exactly(mixed.raw_data, want), sample_rate, trim_edges=False), want)


def _exactly(pcm: bytes, size: int) -> bytes:
    """`size` bytes of PCM, cut or padded with silence, its first and last samples zero."""
    samples = np.frombuffer(pcm[:size].ljust(size, b"\0"), dtype=np.int16).copy()
    samples[0] = 0
    samples[-1] = 0
    return samples.tobytes()

