"""Spoken commands: `play --listen` hears a microphone that is ALSA's file plugin reading a FIFO
this test speaks into (our own voices saying "coach pause", the session's bed under them); what
it does is read back over MPRIS on a private bus. And the session itself, heard by the
microphone from end to end, never makes a command."""
from __future__ import annotations

import os
import queue
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from voicecoach import routine as routines
from voicecoach.bed import open_bed
from voicecoach.cache import Cache
from voicecoach.listen import (
    BLOCK,
    LEAD_S,
    PHRASES,
    RATE,
    TAIL_S,
    Spotter,
    echoed_commands,
    to_microphone_rate,
)
from voicecoach.player import ACKNOWLEDGE_TONE, RESUME_TEXT
from voicecoach.render import SAMPLE_BYTES
from voicecoach.session import prepare, say_lines
from voicecoach.settings import Settings

from helpers import command, voicecoach
from test_mpris import named, paced_capture, position, samples, session_bus, status, title, until, voiced

__all__ = ["paced_capture", "session_bus"]  # fixtures shared with test_mpris
VOICES = ("flite:slt", "flite:rms")
BREATH_S = 0.8
FULL_SCALE = 32768.0  # a bed's samples are floats, full scale 1
TWO_HOLDS = """\
title: Two long holds
rest: 5s
exercises:
  - name: Knee hug
    setup: Lie on your back and hug one knee to your chest.
    hold: 40s
  - name: Both knees hug
    setup: Stay on your back and hug both knees.
    hold: 40s
"""


def said(phrase: str, voice: str, cache: Path, bed_db: float | None = -24.0) -> bytes:
    """`phrase` in one of our voices at 16 kHz, with the brown bed under it as a room would."""
    speech = say_lines([phrase], Settings(voice=voice), Cache(cache)).speech
    voice_16k = np.frombuffer(to_microphone_rate(speech.clip(phrase), speech.sample_rate), "<i2")
    if bed_db is not None:
        voice_16k = voice_16k + FULL_SCALE * open_bed("brown", RATE, bed_db).samples(0, voice_16k.size)
    return np.clip(voice_16k, -32768, 32767).astype("<i2").tobytes()


class Mouth:
    """Speaks into the microphone's FIFO in real time: silence, or a phrase when given one."""

    def __init__(self, fifo: Path):
        self.fd = os.open(fifo, os.O_RDWR)  # never blocks, and the device's reads never end
        self.phrases: queue.SimpleQueue[bytes] = queue.SimpleQueue()
        self.done = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def say(self, pcm: bytes) -> None:
        self.phrases.put(pcm)

    def _run(self) -> None:
        began, sent = time.monotonic(), 0
        pending = b""
        while not self.done.is_set():
            if not pending:
                try:
                    pending = self.phrases.get_nowait()
                except queue.Empty:
                    pending = bytes(BLOCK * 2)
            block, pending = pending[:BLOCK * 2], pending[BLOCK * 2:]
            try:
                os.write(self.fd, block)
            except BlockingIOError:
                pass
            sent += len(block) // 2
            time.sleep(max(0.0, sent / RATE - (time.monotonic() - began)))

    def close(self) -> None:
        self.done.set()
        self.thread.join(timeout=10)
        os.close(self.fd)


@pytest.fixture
def microphone(tmp_path) -> Path:
    fifo = tmp_path / "microphone.fifo"
    os.mkfifo(fifo)
    return fifo


@pytest.fixture
def mouth(microphone) -> Iterator[Mouth]:
    speaking = Mouth(microphone)
    yield speaking
    speaking.close()


@pytest.mark.parametrize("paced_capture", ["microphone.fifo"], indirect=True)
@pytest.mark.parametrize("voice", VOICES[:1])  # live, in real time: one voice proves the path;
# every phrase in both voices is proved by test_every_phrase_is_heard_in_both_voices
def test_spoken_commands_pause_resume_and_skip(session_bus, microphone, paced_capture, mouth, tmp_path,
                                               speech_cache, voice):
    env, captured_audio = paced_capture
    env["DBUS_SESSION_BUS_ADDRESS"] = session_bus
    assert voicecoach("log", "--routine", "desk-break").returncode == 0  # not a first session
    routine = tmp_path / "two-holds.yaml"  # real time: long silences early, and a next exercise
    routine.write_text(TWO_HOLDS)
    session = prepare(str(routine), Settings(), Cache(speech_cache))
    timeline = session.timeline
    rate, events = timeline.sample_rate, timeline.events
    gaps = [(a.end / rate, b.start / rate) for a, b in zip(events, events[1:], strict=False)
            if b.start - a.end >= 3.5 * rate]
    log = tmp_path / "stderr.txt"
    with open(log, "w") as stderr:
        process = subprocess.Popen(command("play", str(routine), "--listen", cache=speech_cache), env=env,
                                   stdin=subprocess.DEVNULL, stderr=stderr)

    def seconds() -> float:
        return position(session_bus) / 1e6

    def in_a_silence() -> bool:
        """Far enough into a quiet gap to be heard, with time enough left for a breath and the
        phrase."""
        now = seconds()
        return any(start + TAIL_S + 0.3 <= now <= end - LEAD_S - BREATH_S - 2.0 for start, end in gaps)

    def say(phrase: str) -> None:
        """A breath (it listens from a moment after the session's last sound, or the tone that
        answered the last command), then the phrase."""
        mouth.say(bytes(int(BREATH_S * RATE) * 2) + said(phrase, voice, speech_cache))

    try:
        until(lambda: named(session_bus), process, "its name on the bus")
        until(in_a_silence, process, "a silence")
        say("coach pause")
        until(lambda: status(session_bus) == "Paused", process, "'coach pause' to pause", timeout=30)
        paused_at = samples(position(session_bus), rate)
        say("coach resume")  # paused, it listens throughout
        until(lambda: status(session_bus) == "Playing", process, "'coach resume' to resume", timeout=30)
        until(lambda: samples(position(session_bus), rate) > paused_at, process, "the count-in to end")
        until(in_a_silence, process, "a silence after resuming")
        exercise = title(session_bus)
        following = next(c for c in timeline.chapters if c.start > samples(position(session_bus), rate))
        say("coach next")
        until(lambda: title(session_bus) != exercise, process, "'coach next' to skip", timeout=30)
        assert title(session_bus) == following.title
        until(in_a_silence, process, "a silence in the next exercise")
        say("coach stop")
        until(lambda: process.poll() is not None, process, "'coach stop'", timeout=30)
    except AssertionError:
        process.kill()
        raise
    finally:
        process.wait(timeout=60)
    assert process.returncode == 0
    assert f"in {following.title!r}" in log.read_text()  # 'Stopped at ... in ...'
    # 'coach resume' was answered with a tone, then 'resuming, 3, 2, 1'
    second = rate * SAMPLE_BYTES
    count_in = session.speech.clip(RESUME_TEXT) + b"".join(
        clip + bytes(max(0, second - len(clip))) for clip in map(session.speech.clip, "321"))
    # (from the tone's first 0.03 s on: the pause stopped a buffer, whose last period may land
    # after the next buffer's first, as test_mpris.py says)
    assert voiced(session.speech.tone(ACKNOWLEDGE_TONE) + count_in)[1500:] in voiced(captured_audio())


def test_without_a_microphone_it_says_so_once_and_plays_on(tmp_path, speech_cache):
    conf = tmp_path / "asound.conf"  # playback captured; capture from a card that is not there
    conf.write_text("</usr/share/alsa/alsa.conf>\npcm.!default { type asym  playback.pcm { type file  "
                    f"slave.pcm \"null\"  file \"|cat >> {tmp_path / 'played.raw'}\"  format \"raw\" }}  "
                    "capture.pcm { type hw  card 9 } }\n")
    env = dict(os.environ, ALSA_CONFIG_PATH=str(conf))
    result = voicecoach("play", "desk-break", "--listen", cache=speech_cache, env=env)
    assert result.returncode == 0, result.stderr
    assert result.stderr.startswith("voicecoach: --listen: no microphone (")
    assert result.stderr.endswith("); playing on without spoken commands\n")
    assert result.stderr.count("\n") == 1
    assert (tmp_path / "played.raw").stat().st_size > 0


@pytest.mark.parametrize("routine_name", routines.builtin_ids())
def test_a_whole_session_heard_by_the_microphone_makes_no_command(routine_name, speech_cache):
    """Every built-in session, from its loudspeaker to the microphone 0.1 s late, heard where the
    player listens: not one command."""
    assert echoed_commands(prepare(routine_name, Settings(), Cache(speech_cache))) == []


def test_every_phrase_is_heard_in_both_voices(speech_cache):
    """The recognizer alone, each phrase said once with the bed under it."""
    for voice in VOICES:
        for phrase, (command_meant, _) in PHRASES.items():
            spotter = Spotter()
            audio = bytes(RATE) + said(phrase, voice, speech_cache) + bytes(RATE)
            found = [spotter.feed(audio[i:i + BLOCK * 2]) for i in range(0, len(audio), BLOCK * 2)]
            assert [f for f in found if f is not None] == [command_meant], (voice, phrase)
