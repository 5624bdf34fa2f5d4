"""Bring one clip to the session loudness (ITU-R BS.1770 via pyloudnorm) under a peak limiter.

Run once per clip, when it enters the cache, so playback and export never pay for it. Imports
numpy, scipy and pyloudnorm (about 0.7 s), so only the cold path imports this module.
"""
from __future__ import annotations

import numpy as np
import pyloudnorm
from scipy.ndimage import minimum_filter1d, uniform_filter1d

# Integrated loudness of every clip and tone. A session of them, measured whole with gating,
# lands about a decibel lower (pauses inside the 400 ms blocks), near -17.5 LUFS: inside the
# -19 to -16 LUFS asked of a mono spoken-word file.
TARGET_LUFS = -16.5
# Sample-peak ceiling: leaves room for inter-sample peaks and MP3 overshoot under -1 dBTP.
CEILING_DBFS = -2.5
LIMITER_WINDOW_S = 0.004  # look-ahead and release of the limiter
SILENCE_DBFS = -48.0  # quieter than this at a clip's edges is trimmed away
EDGE_PAD_S = 0.01


def db_to_gain(db: float) -> float:
    return float(10 ** (db / 20))


def trim(samples: np.ndarray, rate: int) -> np.ndarray:
    """Drop the engine's leading and trailing silence, keeping a few ms of room for fades."""
    threshold = db_to_gain(SILENCE_DBFS) * 32768
    loud = np.flatnonzero(np.abs(samples.astype(np.int32)) > threshold)
    if loud.size == 0:
        return samples[:0]
    pad = int(EDGE_PAD_S * rate)
    return samples[max(0, loud[0] - pad): loud[-1] + 1 + pad]


def integrated_loudness(signal: np.ndarray, rate: int) -> float:
    """LUFS of a float clip in [-1, 1]; a clip shorter than one 400 ms block is measured looped."""
    block = int(0.4 * rate) + 1
    if signal.size < block:
        signal = np.tile(signal, block // max(1, signal.size) + 1)
    return float(pyloudnorm.Meter(rate).integrated_loudness(signal))


def limit(signal: np.ndarray, rate: int, ceiling_db: float = CEILING_DBFS) -> np.ndarray:
    """A look-ahead peak limiter: gain falls smoothly before each peak above the ceiling."""
    ceiling = db_to_gain(ceiling_db)
    peaks = np.abs(signal)
    if peaks.size == 0 or peaks.max() <= ceiling:
        return signal
    needed = np.minimum(1.0, ceiling / np.maximum(peaks, 1e-12))
    width = max(1, int(LIMITER_WINDOW_S * rate))
    # the minimum over +-width, then a box of width: every average stays below what each sample needs
    gain = minimum_filter1d(needed, size=2 * width + 1, mode="nearest")
    gain = uniform_filter1d(gain, size=width + 1, mode="nearest")
    gain = np.minimum(gain, needed)
    return signal * gain


def normalize(samples: np.ndarray, rate: int, target_lufs: float = TARGET_LUFS,
              ceiling_db: float = CEILING_DBFS) -> np.ndarray:
    """int16 samples at target loudness, peaks limited to the ceiling; silence stays silence."""
    signal = samples.astype(np.float64) / 32768.0
    if signal.size == 0 or not np.any(signal):
        return samples.astype(np.int16)
    for _ in range(3):  # limiting takes a little loudness away: measure again and make it up
        loudness = integrated_loudness(signal, rate)
        if not np.isfinite(loudness) or abs(loudness - target_lufs) < 0.1:
            break
        signal = limit(signal * db_to_gain(target_lufs - loudness), rate, ceiling_db)
    return np.clip(np.round(signal * 32768.0), -32768, 32767).astype(np.int16)
