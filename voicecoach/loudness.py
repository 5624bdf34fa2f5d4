"""Integrated loudness (ITU-R BS.1770) with numpy alone: the K-weighting applied by FFT, 400 ms
blocks every 100 ms, both gates. Speech clips (audio.py) and beds (bed/) are measured with it,
so neither pays for scipy and pyloudnorm, whose imports alone cost about 1.5 s of CPU and 80 MB
(it agrees with pyloudnorm to about a tenth of a dB: tests/test_bed.py, tests/test_speech.py).
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np
import numpy.typing as npt

Response = npt.NDArray[np.complex128]  # a filter's gain and phase at each frequency


def _biquad(b: tuple[float, float, float], a: tuple[float, float, float],
            frequencies: npt.NDArray[np.floating[Any]], rate: int) -> Response:
    z: Response = np.exp(-2j * np.pi * frequencies / rate)
    return (b[0] + b[1] * z + b[2] * z * z) / (a[0] + a[1] * z + a[2] * z * z)


def k_weighting_response(frequencies: npt.NDArray[np.floating[Any]], rate: int) -> Response:
    """The frequency response of BS.1770's K-weighting at `rate`: its high shelf (+4 dB above
    about 1.7 kHz) then its high-pass (about 38 Hz), biquads by the audio EQ cookbook's formulas."""
    gain = 10 ** (3.99984 / 40)
    w0 = 2 * np.pi * 1681.97 / rate
    alpha = np.sin(w0) / (2 * 0.7071752)
    cos, root = np.cos(w0), 2 * np.sqrt(gain) * alpha
    shelf = _biquad(
        (gain * ((gain + 1) + (gain - 1) * cos + root), -2 * gain * ((gain - 1) + (gain + 1) * cos),
         gain * ((gain + 1) + (gain - 1) * cos - root)),
        ((gain + 1) - (gain - 1) * cos + root, 2 * ((gain - 1) - (gain + 1) * cos),
         (gain + 1) - (gain - 1) * cos - root), frequencies, rate)
    w0 = 2 * np.pi * 38.13547 / rate
    alpha, cos = np.sin(w0) / (2 * 0.5003270), np.cos(w0)
    high_pass = _biquad(((1 + cos) / 2, -(1 + cos), (1 + cos) / 2),
                        (1 + alpha, -2 * cos, 1 - alpha), frequencies, rate)
    return shelf * high_pass


class Loudness:
    """Integrated loudness (LUFS) of a signal given block by block, as BS.1770 defines it: the
    K-weighted mean square over 400 ms blocks every 100 ms, gated at -70 LUFS and at 10 LU under
    the mean. The K-weighting is applied by FFT to each block given, with a little of the signal
    before it so the filter has settled (overlap-save); one number is kept per 100 ms."""

    CONTEXT_S = 0.25  # the K-weighting's impulse response has died away well within this
    FFT_SIZE = 1 << 15

    def __init__(self, rate: int):
        self.rate = rate
        self.hop = round(0.1 * rate)
        self.context = round(self.CONTEXT_S * rate)
        self.step = self.FFT_SIZE - self.context
        self.response = k_weighting_response(np.fft.rfftfreq(self.FFT_SIZE, 1 / rate), rate)
        self.pending = np.zeros(self.context)  # what the next FFT starts with
        self.leftover = np.zeros(0)  # weighted samples short of a whole 100 ms
        self.sums: list[np.ndarray] = []  # sum of squares of each 100 ms of the weighted signal

    def add(self, samples: np.ndarray) -> None:
        self.pending = np.concatenate([self.pending, samples])
        while self.pending.size >= self.FFT_SIZE:
            self._weigh(self.pending[: self.FFT_SIZE], self.step)
            self.pending = self.pending[self.step:]

    def _weigh(self, segment: np.ndarray, valid: int) -> None:
        padded = np.concatenate([segment, np.zeros(self.FFT_SIZE - segment.size)])
        weighted = np.fft.irfft(np.fft.rfft(padded) * self.response, n=self.FFT_SIZE)
        squares = np.concatenate([self.leftover, weighted[self.context: self.context + valid] ** 2])
        whole = squares.size // self.hop * self.hop
        self.sums.append(squares[:whole].reshape(-1, self.hop).sum(axis=1))
        self.leftover = squares[whole:]

    def lufs(self) -> float:
        if self.pending.size > self.context:  # the last part, once
            self._weigh(self.pending, self.pending.size - self.context)
            self.pending = self.pending[-self.context:]
        sums = np.concatenate(self.sums) if self.sums else np.zeros(0)
        if sums.size < 4:
            return -math.inf
        powers = (sums[:-3] + sums[1:-2] + sums[2:-1] + sums[3:]) / (4 * self.hop)
        powers = powers[powers > 10 ** ((-70 + 0.691) / 10)]
        if powers.size == 0:
            return -math.inf
        relative = np.mean(powers) * 10 ** (-10 / 10)
        return -0.691 + 10 * math.log10(float(np.mean(powers[powers > relative])))


def loudness(samples: np.ndarray, rate: int) -> float:
    meter = Loudness(rate)
    meter.add(samples)
    return meter.lufs()
