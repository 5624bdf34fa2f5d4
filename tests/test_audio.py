"""Sound processing: what an engine writes decoded, silence trimmed away (tones: test_speech.py)."""
from __future__ import annotations

import io
import wave

import numpy as np
import pytest

from voicecoach import audio
from voicecoach.settings import SAMPLE_RATE


def wav_bytes(samples: np.ndarray, rate: int, channels: int) -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(channels)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(samples.astype(np.int16).tobytes())
    return buffer.getvalue()


def test_decode_brings_any_wav_to_mono_at_the_session_rate():
    one_second = (np.sin(np.arange(44100) * 2 * np.pi * 440 / 44100) * 8000).astype(np.int16)
    stereo = np.repeat(one_second, 2)
    pcm = audio.decode(wav_bytes(stereo, 44100, channels=2), SAMPLE_RATE)
    assert abs(len(pcm) // 2 - SAMPLE_RATE) <= 1


def test_an_unreadable_file_is_our_error_not_the_decoders():
    with pytest.raises(audio.UnreadableAudio):
        audio.decode(b"RIFF" + bytes(40), SAMPLE_RATE)


def test_finish_trims_silence_and_leaves_nothing_of_a_silent_take():
    silence = np.zeros(SAMPLE_RATE, np.int16)
    assert audio.finish(silence.tobytes(), SAMPLE_RATE, trim_edges=True) == b""
    burst = np.concatenate([silence, (np.sin(np.arange(4410) * 0.3) * 9000).astype(np.int16), silence])
    finished = np.frombuffer(audio.finish(burst.tobytes(), SAMPLE_RATE, trim_edges=True), np.int16)
    padding = int(audio.EDGE_PAD_S * SAMPLE_RATE)
    assert 4410 <= len(finished) <= 4410 + 2 * padding
    assert finished[0] == 0 and finished[-1] == 0

