"""The cue tones, generated in code at the session's rate: start, end, tick and finish."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Tone:
    """A short chord of sine partials with a soft attack and decay, so it never clicks."""

    name: str
    seconds: float
    partials: tuple[tuple[float, float], ...]  # (frequency Hz, relative level dB)
    fade_in_ms: int
    fade_out_ms: int


# Lengths are whole multiples of 20 ms, so pydub's millisecond fades keep every sample at 22050 Hz.
TONES = {
    # rising, bright: work begins
    "start": Tone("start", 0.36, ((880.0, 0.0), (1320.0, -9.0)), 8, 120),
    # lower and longer: timed work is over, let go
    "end": Tone("end", 0.6, ((587.33, 0.0), (880.0, -10.0)), 8, 350),
    # a short wood-block-like tap for a tempo beat
    "tick": Tone("tick", 0.08, ((1760.0, 0.0),), 3, 60),
    # a warm two-note chime for the end of the session
    "finish": Tone("finish", 1.4, ((523.25, 0.0), (659.25, -3.0), (783.99, -5.0)), 10, 900),
}

TONE_FORMAT = 1  # bump when a tone's recipe changes: the cache key covers it


def tone_samples(name: str, sample_rate: int) -> int:
    return round(TONES[name].seconds * sample_rate)


def synthesize_tone(name: str, sample_rate: int):
    """The tone as a mono 16-bit pydub AudioSegment at sample_rate, exactly tone_samples long."""
    from pydub import AudioSegment
    from pydub.generators import Sine

    tone = TONES[name]
    length_ms = tone.seconds * 1000
    mixed: AudioSegment | None = None
    for frequency, level_db in tone.partials:
        partial = Sine(frequency, sample_rate=sample_rate, bit_depth=16).to_audio_segment(
            duration=length_ms, volume=-6.0 + level_db)
        mixed = partial if mixed is None else mixed.overlay(partial)
    assert mixed is not None
    mixed = mixed.set_channels(1).set_frame_rate(sample_rate).set_sample_width(2)
    mixed = mixed.fade_in(tone.fade_in_ms).fade_out(tone.fade_out_ms)
    want = tone_samples(name, sample_rate)
    frames = mixed.get_array_of_samples()[:want]
    if len(frames) < want:
        frames.extend([0] * (want - len(frames)))
    frames[0] = 0
    frames[-1] = 0
    return mixed._spawn(frames.tobytes())
