"""Playing before all speech is made: lines made in session order, the plan exact for what is
made, playback that starts at once and plays exactly the finished session. A deliberately slow
fake engine tests the ordering logic; flite, the real engine, the path a user takes."""
from __future__ import annotations

import math
import os
import struct
import subprocess
import sys
import time
from pathlib import Path

import pytest
from test_player import FakeDevice, capture, settle  # noqa: F401 - capture is a fixture

from voicecoach import timeline as planner
from voicecoach.cache import Cache
from voicecoach.engines import Choice
from voicecoach.player import Player
from voicecoach.render import Renderer
from voicecoach.routine import builtin_ids, load
from voicecoach.session import Live, bed_for, prepare, start
from voicecoach.settings import Settings
from voicecoach.speech import Speech

from helpers import read_wav, voicecoach


class SlowEngine:
    """Speaks a hum as long as the text, after a pause: for the pure tests of the ordering."""

    name = "slow"
    default_voice = "hum"

    def __init__(self, seconds: float = 0.02):
        self.seconds = seconds

    def identity(self) -> str:
        return f"slow-{self.seconds}"

    def voices(self) -> list:
        return []

    def synthesize(self, text, voice, words_per_minute):
        time.sleep(self.seconds)
        count = 1600 + 40 * len(text)
        pcm = b"".join(struct.pack("<h", int(8000 * math.sin(i * 0.12))) for i in range(count))
        return pcm, 16000


def slow_speech(tmp_path: Path, seconds: float = 0.02, jobs: int = 2) -> Speech:
    return Speech(Choice(SlowEngine(seconds), None), cache=Cache(tmp_path / "slow"), jobs=jobs)


def test_lines_are_made_in_the_order_asked_and_first_moves_them_ahead(tmp_path):
    speech = slow_speech(tmp_path, jobs=1)
    texts = [f"Line {n}." for n in range(8)]
    order: list[str] = []
    with speech.making(texts, lambda step, text: order.append(text)) as making:
        making.first(["Line 6.", "Line 5."])
        making.wait(texts)
    assert order[0] == "Line 0."  # already handed to the worker
    assert order[1:3] == ["Line 6.", "Line 5."]
    assert sorted(order) == sorted(texts) and len(order) == len(texts)
    assert speech.missing(texts) == []


def test_lines_are_made_on_every_core_and_lengths_arrive_as_they_are_made(tmp_path):
    speech = slow_speech(tmp_path, seconds=0.3, jobs=2)
    texts = [f"Line {n}." for n in range(4)]
    began = time.monotonic()
    with speech.making(texts) as making:
        assert not making.wait(texts[:1], timeout=0.05)  # nothing made yet
        making.wait(texts[:2])
        assert making.made >= 2 and speech.known_length(texts[0]) is not None
        making.wait(texts)
    assert time.monotonic() - began < 0.3 * 4  # two at a time, not one after another


@pytest.mark.parametrize("routine_id", builtin_ids())
def test_the_plan_is_exact_up_to_the_first_line_not_made(routine_id):
    routine, settings = load(routine_id), Settings()
    measure = planner.estimate_measure(Settings(pace="slow"))  # "real" lengths, unlike the estimate
    full = planner.plan(routine, settings, measure)
    texts = planner.candidate_texts(routine, settings)
    for made in range(0, len(texts) + 1, max(1, len(texts) // 12)):
        known = set(texts[:made])
        partial, exact = planner.plan_partial(
            routine, settings, lambda text, known=known: measure(text) if text in known else None,
            planner.estimate_measure(settings))
        before = [e for e in partial.events if e.start < exact]
        assert before == [e for e in full.events if e.start < exact]
        assert not any(e.start < exact < e.end for e in partial.events)  # a cut in silence
        if made == 0:
            assert exact == int(round(planner.LEAD_IN * partial.sample_rate))
    assert planner.plan_partial(routine, settings, measure, measure)[1] == full.length


class CountingDevice(FakeDevice):
    """A fast device that notes how many lines were made when each chunk began."""

    def __init__(self, rate: int, making, speed: float = 200.0):
        super().__init__(rate, speed)
        self.making = making
        self.made_at_start: list[int] = []

    def start(self, pcm: bytes) -> None:
        self.made_at_start.append(self.making.made)
        super().start(pcm)


@pytest.mark.parametrize("bed_name", [None, "brown"])
def test_play_starts_before_speech_is_made_and_plays_the_finished_session(tmp_path, bed_name):
    speech = slow_speech(tmp_path, seconds=0.05)
    routine, settings = load("desk-break"), Settings()
    bed = bed_for(Settings(bed=bed_name), routine) if bed_name else None
    with speech.making(planner.candidate_texts(routine, settings)) as making:
        live = Live(routine, settings, speech, making)
        device = CountingDevice(speech.sample_rate, making)
        player = Player(live.current()[0], speech, device, bed=bed, growing=live)
        assert player.play() is None
        assert device.made_at_start[0] < making.total  # sounding before all speech was made
        finished = planner.plan(routine, settings, speech.length)
    assert player.timeline == finished
    assert b"".join(device.played) == b"".join(Renderer(finished, speech, bed).blocks())


def test_flite_plays_while_speech_is_made_exactly_as_a_render(tmp_path):
    session, live = start("desk-break", Settings(voice="flite:slt"), Cache(tmp_path / "cold"))
    assert live is not None  # an empty cache: speech is being made
    try:
        device = CountingDevice(session.speech.sample_rate, live.making, speed=30)
        player = Player(session.timeline, session.speech, device, growing=live)
        player.play()
        assert device.made_at_start[0] < live.making.total
    finally:
        live.making.close()
    # Every line the session says was made while it played (what only a pause or a first session
    # says, made last, may still have been on its way when playback ended and making closed).
    spoken = [e.text for e in player.timeline.events if e.kind == "speech"]
    assert Speech.of(Settings(voice="flite:slt"), Cache(tmp_path / "cold")).missing(spoken) == []
    warm = prepare("desk-break", Settings(voice="flite:slt"), Cache(tmp_path / "cold"))
    assert player.timeline == warm.timeline
    assert b"".join(device.played) == b"".join(Renderer(warm.timeline, warm.speech).blocks())


def test_play_with_flite_on_a_cold_cache_reaches_the_device_as_rendered(capture, tmp_path):  # noqa: F811
    env, raw = capture
    cache = tmp_path / "cold"
    played = voicecoach("play", "three-exercises", "--voice", "flite:slt", cache=cache, env=env)
    assert played.returncode == 0, played.stderr
    assert played.stdout == "" and "Traceback" not in played.stderr
    rendered = tmp_path / "s.wav"
    again = voicecoach("render", "three-exercises", "--voice", "flite:slt", "--safety-screen",
                       "-o", str(rendered), "-q", cache=cache)  # a first session: the full screen
    assert again.returncode == 0, again.stderr
    assert settle(raw) == rendered.read_bytes()[44:]


def test_play_with_a_bed_on_a_cold_cache_reaches_the_device_as_rendered(capture, tmp_path):  # noqa: F811
    env, raw = capture
    cache = tmp_path / "cold"
    played = voicecoach("play", "desk-break", "--bed", "pad", cache=cache, env=env)
    assert played.returncode == 0, played.stderr
    rendered = tmp_path / "s.wav"
    again = voicecoach("render", "desk-break", "--bed", "pad", "--safety-screen", "-o", str(rendered),
                       "-q", cache=cache)  # a first session: the full screen
    assert again.returncode == 0, again.stderr
    assert settle(raw) == rendered.read_bytes()[44:]


def test_a_routine_renders_and_exports_with_a_flite_voice(tmp_path, speech_cache):
    wav, mp3 = tmp_path / "s.wav", tmp_path / "s.mp3"
    assert voicecoach("render", "desk-break", "--voice", "flite:rms", "-o", str(wav), "-q").returncode == 0
    exported = voicecoach("export", "desk-break", "--voice", "flite:rms", "-o", str(mp3), "-q")
    assert exported.returncode == 0, exported.stderr
    rate, samples = read_wav(wav)
    session = prepare("desk-break", Settings(voice="flite:rms"), Cache(speech_cache))
    assert rate == 22050 and len(samples) == session.timeline.length
    probed = subprocess.run(["ffprobe", "-v", "error", "-show_entries", "format=duration", "-of",
                             "csv=p=0", str(mp3)], capture_output=True, text=True, check=True)
    assert abs(float(probed.stdout) - session.timeline.duration) < 0.2
    assert os.path.getsize(mp3) > 1000


FIRST_SOUND_IMPORTS = """
import sys
from voicecoach.cache import Cache
from voicecoach.player import RESUME_TEXT, Player
from voicecoach.session import start
from voicecoach.settings import Settings
class Device:
    def start(self, pcm):
        heavy = sorted(m for m in ("numpy", "scipy", "pyloudnorm", "soxr") if m in sys.modules)
        print("first sound", live is not None, heavy)
        raise KeyboardInterrupt
    def busy(self):
        return False
    def stop(self):
        pass
session, live = start("desk-break", Settings(voice=sys.argv[2] or None), Cache(sys.argv[1]),
                      (RESUME_TEXT, "3", "2", "1"))
try:
    Player(session.timeline, session.speech, Device(), growing=live).play()
except KeyboardInterrupt:
    pass
finally:
    if live is not None:
        live.making.close()
"""


@pytest.mark.parametrize("voice", ["", "flite:slt"])
def test_play_reaches_its_first_sound_without_numpy_and_is_warm_after_an_export(voice, tmp_path):
    """The parent never imports numpy, scipy or pyloudnorm before the first sound, on a cold cache
    (the workers do); an export makes every line play may say, "Resuming." included."""
    cache = tmp_path / "cache"
    cold = subprocess.run([sys.executable, "-c", FIRST_SOUND_IMPORTS, str(cache), voice],
                          capture_output=True, text=True, check=True)
    assert cold.stdout.strip() == "first sound True []", cold.stderr
    exported = voicecoach("export", "desk-break", "--quiet", "-o", str(tmp_path / "s.mp3"),
                          *(["--voice", voice] if voice else []), cache=cache)
    assert exported.returncode == 0, exported.stderr
    warm = subprocess.run([sys.executable, "-c", FIRST_SOUND_IMPORTS, str(cache), voice],
                          capture_output=True, text=True, check=True)
    assert warm.stdout.strip() == "first sound False []", warm.stderr
