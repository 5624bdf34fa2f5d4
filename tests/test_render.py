"""Rendering: the WAV read back against its timeline, sample for sample; streams, atomic writes."""
from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys

import numpy as np
import pytest

from voicecoach.cache import Cache
from voicecoach.render import Renderer, atomic_output, write_wav
from voicecoach.session import prepare
from voicecoach.settings import Settings

from helpers import interrupt_while_writing, on_terminal, read_wav, voicecoach


@pytest.fixture(scope="module")
def rendered(tmp_path_factory, speech_cache):
    folder = tmp_path_factory.mktemp("render")
    cache = speech_cache
    options = ["desk-break", "--level", "beginner", "--pace", "brisk"]
    result = voicecoach("render", *options, "-o", str(folder / "s.wav"), cache=cache)
    assert result.returncode == 0, result.stderr
    timeline = json.loads(voicecoach("show", *options, "--json", cache=cache).stdout)
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
    folder, shared, _, options = rendered
    again = tmp_path / "again.wav"
    assert voicecoach("render", *options, "-o", str(again), cache=shared).returncode == 0
    assert again.read_bytes() == (folder / "s.wav").read_bytes()
    cache = tmp_path / "damaged"
    shutil.copytree(shared, cache)  # the other tests keep a whole cache
    store = Cache(cache)
    for number, path in enumerate(sorted(store.entries())):
        if number % 3 == 0:  # damage a third of the cache in three ways
            blob = path.read_bytes()
            damaged = [blob[: len(blob) // 2], bytes(len(blob)), os.urandom(len(blob))]
            path.write_bytes(damaged[number % 9 // 3])
    healed = tmp_path / "healed.wav"
    assert voicecoach("render", *options, "-o", str(healed), cache=cache).returncode == 0
    assert healed.read_bytes() == (folder / "s.wav").read_bytes()


# Making every line of a session in an empty cache takes well over the second after which a
# progress bar shows on a terminal: these runs would show one if they were on a terminal.

def test_a_cold_cache_gives_the_same_bytes_and_no_progress_bar_when_piped(rendered, tmp_path):
    folder, _, _, options = rendered
    cold = tmp_path / "cold.wav"
    result = voicecoach("render", *options, "-o", str(cold), cache=tmp_path / "empty")
    assert result.returncode == 0, result.stderr
    assert result.stderr.startswith(f"wrote {cold} (") and result.stderr.count("\n") == 1, result.stderr
    assert cold.read_bytes() == (folder / "s.wav").read_bytes()


def test_a_progress_bar_on_a_terminal_unless_quiet(rendered, tmp_path):
    folder, _, _, options = rendered
    cold = tmp_path / "cold.wav"
    status, shown = on_terminal("render", *options, "-o", str(cold), cache=tmp_path / "empty")
    assert status == 0, shown
    assert "Making speech" in shown and "100%" in shown, shown
    assert f"wrote {cold}" in shown and "Traceback" not in shown
    assert cold.read_bytes() == (folder / "s.wav").read_bytes()
    quiet, shown = on_terminal("render", *options, "-o", str(cold), "--quiet", cache=tmp_path / "empty2")
    assert quiet == 0 and shown == ""


def test_a_failed_write_leaves_the_old_file_and_no_partial(tmp_path):
    target = tmp_path / "out.wav"
    target.write_bytes(b"previous")
    with pytest.raises(RuntimeError), atomic_output(target) as handle:
        handle.write(b"half a sess")
        raise RuntimeError("killed")
    assert target.read_bytes() == b"previous"
    assert [p.name for p in tmp_path.iterdir()] == ["out.wav"]


@pytest.mark.parametrize("how", [signal.SIGTERM, signal.SIGKILL])
def test_a_killed_render_never_leaves_a_torn_file(tmp_path, speech_cache, how):
    cache = speech_cache
    assert voicecoach("show", "floor-relax", cache=cache).returncode == 0  # warm the cache
    target = tmp_path / "long.wav"
    target.write_bytes(b"previous")
    stderr = interrupt_while_writing(["render", "floor-relax", "-o", str(target)], cache, target, how)
    assert target.read_bytes() == b"previous"
    partial = list(tmp_path.glob(".long.wav.*"))
    if how == signal.SIGTERM:
        assert partial == [] and b"Traceback" not in stderr


BEFORE_THE_FORMAT = """
import os, signal, sys, time, wave
from pathlib import Path
from voicecoach import interrupts
from voicecoach.cache import Cache
from voicecoach.render import write_wav
from voicecoach.session import prepare
from voicecoach.settings import Settings
interrupts.install()
session = prepare("desk-break", Settings(), Cache(Path(sys.argv[1])))
real = wave.Wave_write.setframerate
def setframerate(self, rate):
    os.kill(os.getpid(), signal.SIGTERM)
    time.sleep(0.5)  # a handler not held back runs here, the WAV's format half set
    real(self, rate)
wave.Wave_write.setframerate = setframerate
try:
    write_wav(Path(sys.argv[2]), session.timeline, session.speech)
    print("not stopped")
except KeyboardInterrupt as interrupt:
    interrupts.leave(interrupt)
"""


def test_a_signal_while_the_wav_s_format_is_set_stops_the_write_as_a_signal(tmp_path, speech_cache):
    """SIGTERM while write_wav sets the WAV's format comes out of it as the signal (one line, exit
    143), the previous file untouched. Unheld, the writer is closed on the way out without its
    format and raises wave.Error over the signal's exception: a library caller would see that
    error, not the Ctrl-C or SIGTERM (the command line's catch-all hides it)."""
    target = tmp_path / "out.wav"
    target.write_bytes(b"previous")
    done = subprocess.run([sys.executable, "-c", BEFORE_THE_FORMAT, str(speech_cache), str(target)],
                          capture_output=True, text=True, timeout=120)
    assert (done.returncode, done.stdout, done.stderr) == (143, "", "voicecoach: stopped (SIGTERM)\n")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.wav"]
    assert target.read_bytes() == b"previous"


def test_an_unwritable_target_is_one_clear_line(tmp_path, rendered):
    _, cache, _, options = rendered
    target = tmp_path / "no" / "such" / "dir" / "x.wav"
    result = voicecoach("render", *options, "-o", str(target), cache=cache)
    assert result.returncode == 1
    assert result.stderr.startswith("voicecoach: cannot write ") and "Traceback" not in result.stderr


def test_write_wav_directly(tmp_path, speech_cache):
    session = prepare("desk-break", Settings(), Cache(speech_cache))
    path = write_wav(tmp_path / "d.wav", session.timeline, session.speech)
    _, samples = read_wav(path)
    assert len(samples) == session.timeline.length
