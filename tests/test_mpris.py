"""Media keys and headset buttons: `play` as an MPRIS player on a private session bus (never the
user's), steered with dbus-send as a desktop would, heard through ALSA's file capture paced like
a sound card."""
from __future__ import annotations

import os
import re
import select
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest

from voicecoach.cache import Cache
from voicecoach.player import RESUME_TEXT
from voicecoach.render import SAMPLE_BYTES, Renderer
from voicecoach.session import prepare
from voicecoach.settings import Settings

from helpers import command, voicecoach

NAME = "org.mpris.MediaPlayer2.voicecoach"
PLAYER = "org.mpris.MediaPlayer2.Player"
# Reads the FIFO ALSA writes into no faster than a sound card plays, into a file; every PCM the
# player opens writes straight into the one FIFO, so the order is kept across pauses. SIGUSR1:
# take what is left at once, then end.
PACER = """import os, select, signal, sys, time
fifo, out, rate = os.open(sys.argv[1], os.O_RDWR), open(sys.argv[2], "ab", buffering=0), int(sys.argv[3])
draining = False
def drain(*_):
    global draining
    draining = True
signal.signal(signal.SIGUSR1, drain)
print("ready", flush=True)
began, total = time.monotonic(), 0
while True:
    if not select.select([fifo], [], [], 0.1)[0]:
        if draining:
            break
        began, total = time.monotonic(), 0  # silence: the card waits, it does not catch up
        continue
    chunk = os.read(fifo, 4096)
    out.write(chunk)
    total += len(chunk)
    if not draining:
        time.sleep(max(0.0, total / rate - (time.monotonic() - began)))
"""


@pytest.fixture
def session_bus() -> Iterator[str]:
    """A private session bus; its address is the readiness mark."""
    assert shutil.which("dbus-daemon"), "Debian's dbus is needed: scripts/setup --test installs it"
    daemon = subprocess.Popen(["dbus-daemon", "--session", "--nofork", "--print-address=1"],
                              stdout=subprocess.PIPE, text=True)
    assert daemon.stdout is not None
    ready, _, _ = select.select([daemon.stdout], [], [], 30)
    address = daemon.stdout.readline().strip() if ready else ""
    try:
        assert address.startswith("unix:"), address
        yield address
    finally:
        daemon.terminate()
        daemon.wait(timeout=30)


@pytest.fixture
def paced_capture(tmp_path, request) -> Iterator[tuple[dict[str, str], Callable[[], bytes]]]:
    """ALSA's default device records what is played no faster than a card plays it (44100 bytes
    a second: 22050 Hz mono 16-bit), so there is time to press a button mid-session. Gives the
    environment and a function that returns everything captured once playing has ended.
    Parametrized (indirect) with a FIFO, the device's microphone reads from it."""
    raw, fifo, pacer, conf = (tmp_path / name for name in ("captured.raw", "device.fifo", "pacer.py",
                                                             "asound.conf"))
    os.mkfifo(fifo)
    pacer.write_text(PACER)
    microphone = getattr(request, "param", None)  # a name in tmp_path
    conf.write_text(alsa_conf(fifo, tmp_path / microphone if microphone else None))
    reader = subprocess.Popen([sys.executable, str(pacer), str(fifo), str(raw), "44100"],
                              stdout=subprocess.PIPE, text=True)
    assert reader.stdout is not None and reader.stdout.readline() == "ready\n"

    def captured() -> bytes:
        reader.send_signal(signal.SIGUSR1)
        reader.wait(timeout=60)
        return raw.read_bytes()

    try:
        yield dict(os.environ, ALSA_CONFIG_PATH=str(conf)), captured
    finally:
        if reader.poll() is None:
            reader.kill()
            reader.wait()


def alsa_conf(played: Path, microphone: Path | None = None) -> str:
    """The default device writes what is played into `played` and, given one, hears
    `microphone` (16 kHz mono 16-bit, as the listener asks), through ALSA's file plugin."""
    output = f"{{ type file  slave.pcm \"null\"  file \"{played}\"  format \"raw\" }}"
    if microphone is None:
        return f"</usr/share/alsa/alsa.conf>\npcm.!default {output}\n"
    heard = (f"{{ type file  slave.pcm \"null\"  file \"/dev/null\"  infile \"{microphone}\""
             "  format \"raw\" }")
    return (f"</usr/share/alsa/alsa.conf>\n"
            f"pcm.!default {{ type asym  playback.pcm {output}  capture.pcm {heard} }}\n")


def dbus(address: str, *args: str) -> str:
    result = subprocess.run(["dbus-send", f"--bus={address}", "--print-reply", *args],
                            capture_output=True, text=True, timeout=30)
    assert result.returncode == 0, result.stderr
    return result.stdout


def prop(address: str, name: str) -> str:
    return dbus(address, f"--dest={NAME}", "/org/mpris/MediaPlayer2",
                "org.freedesktop.DBus.Properties.Get", f"string:{PLAYER}", f"string:{name}")


def title(address: str) -> str:
    found = re.search(r'string "xesam:title"\s+variant\s+string "([^"]*)"', prop(address, "Metadata"))
    assert found
    return found.group(1)


def position(address: str) -> int:
    found = re.search(r"int64 (\d+)", prop(address, "Position"))
    assert found
    return int(found.group(1))


def status(address: str) -> str:
    found = re.search(r'string "(\w+)"', prop(address, "PlaybackStatus"))
    assert found
    return found.group(1)


def send(address: str, method: str) -> None:
    dbus(address, f"--dest={NAME}", "/org/mpris/MediaPlayer2", f"{PLAYER}.{method}")


def until(condition: Callable[[], bool], process: subprocess.Popen, what: str, timeout: float = 120) -> None:
    """Wait for a state the player reports (the readiness mark), failing if it ends first."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert process.poll() is None, f"play ended before {what}"
        assert time.monotonic() < deadline, f"waited {timeout} s for {what}"
        time.sleep(0.05)


def samples(microseconds: int, rate: int) -> int:
    """The sample the player reported: it sends floor(sample * 10^6 / rate), and 10^6 > rate."""
    return -(-microseconds * rate // 1_000_000)


def named(address: str) -> bool:
    return "boolean true" in dbus(address, "--dest=org.freedesktop.DBus", "/org/freedesktop/DBus",
                                  "org.freedesktop.DBus.NameHasOwner", f"string:{NAME}")


def test_media_keys_pause_resume_with_the_count_in_skip_and_restart(session_bus, paced_capture, tmp_path,
                                                                    speech_cache):
    env, captured_audio = paced_capture
    env["DBUS_SESSION_BUS_ADDRESS"] = session_bus
    assert voicecoach("log", "--routine", "desk-break").returncode == 0  # not a first session
    session = prepare("desk-break", Settings(), Cache(speech_cache))
    timeline, rate = session.timeline, session.timeline.sample_rate
    renderer = Renderer(timeline, session.speech)
    chapters = timeline.chapters
    log, signals = tmp_path / "stderr.txt", tmp_path / "signals.txt"
    with open(signals, "w") as heard:  # what a desktop widget hears, without asking
        monitor = subprocess.Popen(["stdbuf", "-oL", "dbus-monitor", "--address", session_bus,
                                    "type='signal',interface='org.freedesktop.DBus.Properties'",
                                    "type='signal',member='NameOwnerChanged'"],
                                   stdout=heard, stderr=subprocess.DEVNULL)
    with open(log, "w") as stderr:
        process = subprocess.Popen(command("play", "desk-break", cache=speech_cache), env=env,
                                   stdin=subprocess.DEVNULL, stderr=stderr)
    try:
        until(lambda: named(session_bus), process, "its name on the bus")
        until(lambda: NAME in signals.read_text(), process, "the monitor to see the name taken")
        assert title(session_bus) == chapters[0].title
        assert status(session_bus) == "Playing"

        send(session_bus, "PlayPause")
        until(lambda: status(session_bus) == "Paused", process, "pause")
        paused_at = position(session_bus)
        assert paused_at == position(session_bus)  # while paused, it stays put
        send(session_bus, "PlayPause")
        until(lambda: status(session_bus) == "Playing", process, "resume")
        until(lambda: position(session_bus) > paused_at + 1_000_000, process, "a second after it")
        send(session_bus, "Next")
        following = next(c for c in chapters if c.start > samples(paused_at, rate))
        until(lambda: title(session_bus) == following.title, process, "the next exercise")
        # well into the exercise, Previous restarts it
        until(lambda: position(session_bus) > (following.start / rate + 3.5) * 1e6, process, "3.5 s in")
        send(session_bus, "Previous")
        until(lambda: position(session_bus) < (following.start / rate + 3) * 1e6, process, "the restart")
        assert title(session_bus) == following.title
        until(lambda: position(session_bus) > (following.start / rate + 1.5) * 1e6, process, "1.5 s in again")
        send(session_bus, "Stop")
        assert process.wait(timeout=60) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        monitor.terminate()
        monitor.wait(timeout=30)
    changes = signals.read_text()  # PropertiesChanged: paused, playing, the next exercise's title
    assert re.search(r'string "PlaybackStatus"\s+variant\s+string "Paused"', changes)
    assert re.search(r'string "PlaybackStatus"\s+variant\s+string "Playing"', changes)
    assert re.search(rf'string "xesam:title"\s+variant\s+string "{re.escape(following.title)}"', changes)
    said = log.read_text()
    assert "Traceback" not in said and f"in {following.title!r}" in said  # 'Stopped at ... in ...'

    # what was heard, its silent samples left out, compared a short stretch at a time: fed through a
    # pipe that blocks, ALSA's file plugin sometimes slips in a few zeros, or a stopped buffer's
    # last period lands after the next buffer's first (never with a pipe that does not block, as
    # in test_player.py)
    captured = voiced(captured_audio())
    second = rate * SAMPLE_BYTES
    # the pause: 'resuming, 3, 2, 1', then on from where it paused (or the line it cut, whole)
    # (from its first 0.03 s on: the pause stopped a buffer, whose last period may land after the
    # count-in's first, as with Next and Previous below; seen once in nine loaded runs)
    count_in = voiced(session.speech.clip(RESUME_TEXT) + b"".join(
        clip + bytes(max(0, second - len(clip))) for clip in map(session.speech.clip, "321")))[1500:]
    assert captured.count(count_in) == 1
    after = captured.index(count_in) + len(count_in)
    at = samples(paused_at, rate)
    cut = [e.start for e in timeline.events if e.kind == "speech" and e.start < at < e.end]
    resumed_at = cut[0] if cut else at
    resumed = voiced(b"".join(renderer.blocks(resumed_at, resumed_at + rate // 10)))
    assert captured[after:after + len(resumed)] == resumed
    # Next: the following exercise from its start; Previous, 3.5 s into it: from its start again
    # (its first 0.03 s: simpleaudio stops a buffer on its own thread, so the file plugin may still
    # write the stopped buffer's last period after the new one has begun; a card would drop it)
    opening = voiced(b"".join(renderer.blocks(following.start, following.start + rate)))[:1500]
    assert len(opening) == 1500  # the exercise opens with its name said
    assert captured.count(opening) == 2
    assert captured.index(opening) > after


def voiced(pcm: bytes) -> bytes:
    samples = np.frombuffer(pcm, "<i2")
    return samples[samples != 0].tobytes()


def test_without_a_session_bus_it_plays_as_before_with_one_line_under_debug(tmp_path, speech_cache):
    raw, conf = tmp_path / "captured.raw", tmp_path / "asound.conf"
    conf.write_text("</usr/share/alsa/alsa.conf>\n"
                    "pcm.!default {\n  type file\n  slave.pcm \"null\"\n"
                    f"  file \"|cat >> {raw}\"\n  format \"raw\"\n}}\n")
    env = dict(os.environ, ALSA_CONFIG_PATH=str(conf))
    env.pop("DBUS_SESSION_BUS_ADDRESS", None)
    quiet = voicecoach("play", "desk-break", cache=speech_cache, env=env)
    assert quiet.returncode == 0 and quiet.stderr == ""
    said = voicecoach("--debug", "play", "desk-break", cache=speech_cache, env=env)
    assert said.returncode == 0
    assert said.stderr == "voicecoach: media keys (MPRIS) are off: no D-Bus session bus\n"
