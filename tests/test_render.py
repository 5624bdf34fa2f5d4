"""Rendering: the WAV read back against its timeline, sample for sample; streams, atomic writes."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import wave
from pathlib import Path

import numpy as np
import pytest
from conftest import interrupt_while_writing

from voicecoach.cache import Cache
from voicecoach.render import Renderer, atomic_output, write_wav
from voicecoach.session import prepare
from voicecoach.settings import Settings


def cli(*args: str, cache: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "voicecoach", "--cache-dir", str(cache), *args],
                          capture_output=True, text=True, timeout=300)


def read_wav(path: Path) -> tuple[int, np.ndarray]:
    with wave.open(str(path)) as handle:
        assert (handle.getnchannels(), handle.getsampwidth()) == (1, 2)
        return handle.getframerate(), np.frombuffer(handle.readframes(handle.getnframes()), np.int16)


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    folder = tmp_path_factory.mktemp("render")
    cache = folder / "cache"
    options = ["desk-break", "--level", "beginner", "--pace", "brisk"]
    result = cli("render", *options, "-o", str(folder / "s.wav"), cache=cache)
    assert result.returncode == 0, result.stderr
    timeline = json.loads(cli("show", *options, "--json", cache=cache).stdout)
    return folder, cache, timeline, options


def test_the_wav_is_the_timeline_sample_for_sample(rendered):
    folder, cache, timeline, _ = rendered
    rate, samples = read_wav(folder / "s.wav")
    assert rate == timeline["sample_rate"]
    assert len(samples) == round(timeline["duration"] * rate)  # exactly as long as the timeline
    session = prepare("desk-break", Settings(level="beginner", pace="brisk"), Cache(cache))
    covered = np.zeros(len(samples), bool)
    for event in timeline["events"]:
        start, end = round(event["start"] * rate), round(event["end"] * rate)
        piece = samples[start:end]
        expected = session.speech.clip(event["text"]) if event["kind"] == "speech" else \
            session.speech.tone(event["text"])
        assert piece.tobytes() == expected, event  # every event at its planned sample
        assert np.sqrt(np.mean(piece.astype(float) ** 2)) > 300, event  # and audible
        covered[start:end] = True
    assert not samples[~covered].any()  # the gaps are silent
    tones = [e for e in timeline["events"] if e["kind"] == "tone"]
    for tone in tones:  # a tone starts on its sample: silence before, sound within 5 ms
        start = round(tone["start"] * rate)
        assert samples[start] == 0 and np.abs(samples[start:start + 110]).max() > 0


def test_streamed_blocks_from_any_offset_match_the_file(rendered):
    folder, cache, timeline, _ = rendered
    _, samples = read_wav(folder / "s.wav")
    session = prepare("desk-break", Settings(level="beginner", pace="brisk"), Cache(cache))
    renderer = Renderer(session.timeline, session.speech)
    for start in (0, 12345, len(samples) // 2, len(samples) - 10):
        streamed = b"".join(renderer.blocks(start=start, block_seconds=0.37))
        assert streamed == samples[start:].tobytes()
    blocks = list(renderer.blocks())
    assert max(len(b) for b in blocks) == session.timeline.sample_rate * 2  # bounded blocks


def test_identical_bytes_across_runs_and_after_the_cache_heals(rendered, tmp_path):
    folder, cache, _, options = rendered
    again = tmp_path / "again.wav"
    assert cli("render", *options, "-o", str(again), cache=cache).returncode == 0
    assert again.read_bytes() == (folder / "s.wav").read_bytes()
    store = Cache(cache)
    for number, path in enumerate(sorted(store.entries())):
        if number % 3 == 0:  # damage a third of the cache in three ways
            blob = path.read_bytes()
            path.write_bytes([blob[: len(blob) // 2], bytes(len(blob)), os.urandom(len(blob))][number % 9 // 3])
    healed = tmp_path / "healed.wav"
    assert cli("render", *options, "-o", str(healed), cache=cache).returncode == 0
    assert healed.read_bytes() == (folder / "s.wav").read_bytes()
    cold = tmp_path / "cold.wav"
    assert cli("render", *options, "-o", str(cold), cache=tmp_path / "empty").returncode == 0
    assert cold.read_bytes() == (folder / "s.wav").read_bytes()


def test_no_progress_bar_when_piped_or_quiet(rendered, tmp_path):
    _, cache, _, options = rendered
    result = cli("render", *options, "-o", str(tmp_path / "p.wav"), cache=cache)
    assert "Rendering" not in result.stderr and "%" not in result.stderr
    quiet = cli("render", *options, "-o", str(tmp_path / "q.wav"), "--quiet", cache=cache)
    assert quiet.returncode == 0 and quiet.stderr == ""


def test_a_failed_write_leaves_the_old_file_and_no_partial(tmp_path):
    target = tmp_path / "out.wav"
    target.write_bytes(b"previous")
    with pytest.raises(RuntimeError):
        with atomic_output(target) as handle:
            handle.write(b"half a sess")
            raise RuntimeError("killed")
    assert target.read_bytes() == b"previous"
    assert [p.name for p in tmp_path.iterdir()] == ["out.wav"]


@pytest.mark.parametrize("how", [signal.SIGTERM, signal.SIGKILL])
def test_a_killed_render_never_leaves_a_torn_file(tmp_path, how):
    cache = tmp_path / "cache"
    assert cli("show", "floor-relax", cache=cache).returncode == 0  # warm the cache
    target = tmp_path / "long.wav"
    target.write_bytes(b"previous")
    stderr = interrupt_while_writing(["render", "floor-relax", "-o", str(target)], cache, target, how)
    assert target.read_bytes() == b"previous"
    partial = list(tmp_path.glob(".long.wav.*"))
    if how == signal.SIGTERM:
        assert partial == [] and b"Traceback" not in stderr


def test_an_unwritable_target_is_one_clear_line(tmp_path, rendered):
    _, cache, _, options = rendered
    result = cli("render", *options, "-o", str(tmp_path / "no" / "such" / "dir" / "x.wav"), cache=cache)
    assert result.returncode == 1
    assert result.stderr.startswith("voicecoach: cannot write ") and "Traceback" not in result.stderr


def test_write_wav_directly(tmp_path):
    session = prepare("desk-break", Settings(), Cache(tmp_path / "c"))
    path = write_wav(tmp_path / "d.wav", session.timeline, session.speech)
    _, samples = read_wav(path)
    assert len(samples) == session.timeline.length
