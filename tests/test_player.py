"""Playback: through ALSA's file capture byte for byte, keys on a real terminal, a missing device."""
from __future__ import annotations

import datetime as dt
import json
import os
import pty
import re
import subprocess
import sys
import time
import wave
from itertools import pairwise
from pathlib import Path

import numpy as np
import pytest

from voicecoach import program as programs
from voicecoach.cache import Cache
from voicecoach.errors import UsageError
from voicecoach.player import RESUME_TEXT, Player, Stop, chunk_bounds, find_chapter
from voicecoach.render import Renderer
from voicecoach.session import prepare
from voicecoach.settings import Settings

from helpers import keys_when, on_terminal, voicecoach


@pytest.fixture
def capture(tmp_path) -> tuple[dict, Path]:
    """An ALSA configuration whose default device records everything played into a file."""
    raw = tmp_path / "captured.raw"
    conf = tmp_path / "asound.conf"
    conf.write_text("</usr/share/alsa/alsa.conf>\n"
                    "pcm.!default {\n  type file\n  slave.pcm \"null\"\n"
                    f"  file \"|cat >> {raw}\"\n  format \"raw\"\n}}\n")
    env = dict(os.environ, ALSA_CONFIG_PATH=str(conf))
    return env, raw


def settle(path: Path) -> bytes:
    """The capture goes through a pipe to cat: wait until it stops growing."""
    size = -1
    for _ in range(50):
        time.sleep(0.05)
        if path.exists() and path.stat().st_size == size:
            break
        size = path.stat().st_size if path.exists() else -1
    return path.read_bytes()


@pytest.mark.parametrize("options", [["desk-break"], ["hip-moves", "--level", "beginner", "--pace", "brisk"]])
def test_what_reaches_the_device_is_the_rendered_session(capture, tmp_path, speech_cache, options):
    env, raw = capture
    cache = speech_cache
    played = voicecoach("play", *options, cache=cache, env=env)
    assert played.returncode == 0, played.stderr
    assert played.stdout == "" and "Traceback" not in played.stderr
    # the first session a person plays opens with the full safety screen
    first = tmp_path / "first.wav"
    made = voicecoach("render", *options, "--safety-screen", "-o", str(first), "-q", cache=cache)
    assert made.returncode == 0, made.stderr
    assert settle(raw) == first.read_bytes()[44:]
    # the session records itself: completed, as long as what was played; no pain asked off a terminal
    timeline = json.loads(voicecoach("show", *options, "--safety-screen", "--json", cache=cache).stdout)
    recorded = json.loads(voicecoach("history", "--json").stdout)["sessions"]
    assert [(s["routine"], s["completed"], s["program"]) for s in recorded] == [(options[0], True, None)]
    assert recorded[0]["seconds"] == pytest.approx(timeline["duration"], abs=0.1)
    assert recorded[0]["pain_before"] is None and recorded[0]["pain_after"] is None
    # every later session has the short note
    raw.unlink()
    assert voicecoach("play", *options, cache=cache, env=env).returncode == 0
    rendered = tmp_path / "s.wav"
    assert voicecoach("render", *options, "-o", str(rendered), "-q", cache=cache).returncode == 0
    assert settle(raw) == rendered.read_bytes()[44:]
    assert len(rendered.read_bytes()) < len(first.read_bytes())


PROGRAM = """title: Desk weeks
source: "4 Effective Moves to Relieve Back Pain"
sessions_per_week: 1
weeks:
  - routine: desk-break
    level: beginner
  - routine: desk-break
    changes:
      Stand and reach: {reps: 9}
"""


def test_today_play_plays_the_programs_session_and_counts_it(capture, tmp_path, speech_cache):
    env, raw = capture
    plan = tmp_path / "desk-weeks.yaml"
    plan.write_text(PROGRAM)
    assert voicecoach("program", "start", str(plan)).returncode == 0
    planned = json.loads(voicecoach("today", "--json").stdout)
    assert (planned["week"], planned["level"]) == (1, "beginner")
    played = voicecoach("today", "--play", "--pace", "brisk", cache=speech_cache, env=env)
    assert played.returncode == 0, played.stderr
    # exactly that session reached the device: the program's routine at the week's level, opened
    # by the full safety screen (a program's first session)
    session = prepare(programs.load(str(plan)).week(1).session(0, "desk-weeks"),
                      Settings(level="beginner", pace="brisk", safety_screen=True), Cache(speech_cache))
    assert settle(raw) == b"".join(Renderer(session.timeline, session.speech).blocks())
    recorded = json.loads(voicecoach("history", "--json").stdout)["sessions"]
    assert [(s["routine"], s["program"], s["week"], s["completed"]) for s in recorded] == [
        ("desk-break", "desk-weeks", 1, True)]
    played_on = dt.date.fromisoformat(recorded[0]["date"])  # the week is decided the next day
    same_day = json.loads(voicecoach("today", "--json", "--date", played_on.isoformat()).stdout)
    assert (same_day["week"], same_day["sessions_done"]) == (1, 1)
    assert "This week's sessions are done" in same_day["advice"]
    tomorrow = (played_on + dt.timedelta(days=1)).isoformat()
    after = json.loads(voicecoach("today", "--json", "--date", tomorrow).stdout)
    assert after["week"] == 2
    assert next(e for e in after["exercises"] if e["name"] == "Stand and reach")["reps"] == 9
    mp3 = tmp_path / "today.mp3"
    exported = voicecoach("today", "--export", "-o", str(mp3), cache=speech_cache)
    assert exported.returncode == 0, exported.stderr
    assert mp3.read_bytes()[:3] == b"ID3"


@pytest.mark.parametrize("bed", ["brown", "short.wav"])
def test_with_a_bed_what_reaches_the_device_is_the_rendered_session(capture, tmp_path, speech_cache, bed):
    env, raw = capture
    if bed == "short.wav":  # a file looped many times: each chunk picks it up where the last left it
        t = np.arange(3 * 44100) / 44100
        tone = (0.2 * np.sin(2 * np.pi * 220 * t) * 32767).astype("<i2")
        with wave.open(str(tmp_path / bed), "wb") as out:
            out.setnchannels(1)
            out.setsampwidth(2)
            out.setframerate(44100)
            out.writeframes(tone.tobytes())
        bed = str(tmp_path / bed)
    options = ["desk-break", "--bed", bed]
    assert voicecoach("log", "--routine", "desk-break").returncode == 0  # not a first session
    played = voicecoach("play", *options, cache=speech_cache, env=env)
    assert played.returncode == 0, played.stderr
    rendered = tmp_path / "s.wav"
    assert voicecoach("render", *options, "-o", str(rendered), "-q", cache=speech_cache).returncode == 0
    plain = tmp_path / "plain.wav"
    assert voicecoach("render", "desk-break", "-o", str(plain), "-q", cache=speech_cache).returncode == 0
    captured = settle(raw)
    assert captured == rendered.read_bytes()[44:]
    assert captured != plain.read_bytes()[44:]  # and the bed is in it


@pytest.mark.parametrize("first", [True, False], ids=["first-session", "later"])
def test_play_from_an_exercise_says_the_safety_words_then_plays_the_rest(capture, speech_cache, first):
    env, raw = capture
    cache = speech_cache
    if not first:
        assert voicecoach("log", "--routine", "desk-break").returncode == 0
    played = voicecoach("play", "three-exercises", "--from", "2", cache=cache, env=env)
    assert played.returncode == 0, played.stderr
    session = prepare("three-exercises", Settings(safety_screen=first), Cache(cache))
    timeline = session.timeline
    chapter = find_chapter(timeline, "Side hip lift on hands and knees")
    said = [e for e in timeline.events if e.role == "safety"]
    assert len(said) == (5 if first else 1)
    heard = next(e.start for e in timeline.events if e.start > said[-1].start)  # the breath after
    renderer = Renderer(timeline, session.speech)
    expected = b"".join([*renderer.blocks(0, heard), *renderer.blocks(start=chapter.start)])
    assert settle(raw) == expected


def test_no_audio_device_is_one_line_suggesting_export(tmp_path, speech_cache):
    env = dict(os.environ, ALSA_CONFIG_PATH=str(tmp_path / "none.conf"))
    (tmp_path / "none.conf").write_text("</usr/share/alsa/alsa.conf>\npcm.!default { type hw card 9 }\n")
    result = voicecoach("play", "desk-break", cache=speech_cache, env=env)
    assert result.returncode == 3
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("voicecoach: no audio output: ")
    assert lines[0].endswith("To take the session to a phone instead, run: voicecoach export desk-break")


NO_DEVICE = "</usr/share/alsa/alsa.conf>\npcm.!default { type hw card 9 }\n"


def test_no_audio_hint_names_voicecoach_as_it_can_be_typed_when_it_is_not_on_path(tmp_path):
    # After scripts/setup, voicecoach is .venv/bin/voicecoach in the checkout, not on PATH.
    (tmp_path / "none.conf").write_text(NO_DEVICE)
    env = dict(os.environ, ALSA_CONFIG_PATH=str(tmp_path / "none.conf"), PATH="/usr/bin:/bin")
    script = Path(sys.executable).parent / "voicecoach"
    venv_folder = script.parents[2]
    typed = str(script.relative_to(venv_folder))  # .venv/bin/voicecoach
    for cwd, argv0, shown in [(venv_folder, typed, typed), (tmp_path, str(script), str(script)),
                              (venv_folder, str(script), typed)]:
        result = subprocess.run([argv0, "play", "desk-break", "--pace", "slow"], cwd=cwd, env=env,
                                capture_output=True, text=True, stdin=subprocess.DEVNULL)
        assert result.returncode == 3
        assert result.stderr.endswith(f"To take the session to a phone instead, run: {shown} export "
                                      "desk-break --pace slow\n"), result.stderr
    on_path = subprocess.run(["voicecoach", "play", "desk-break"], capture_output=True, text=True,
                             env=dict(env, PATH=f"{script.parent}:/usr/bin:/bin"))
    assert on_path.stderr.endswith("instead, run: voicecoach export desk-break\n"), on_path.stderr


def test_today_play_on_a_terminal_asks_pain_before_and_after(capture, tmp_path, speech_cache):
    env, _ = capture
    plan = tmp_path / "desk-weeks.yaml"
    plan.write_text(PROGRAM)
    assert voicecoach("program", "start", str(plan)).returncode == 0

    def rate(question: bytes, answer: bytes):
        return lambda output: answer if question in output else None

    status, text = on_terminal("today", "--play", "--pace", "brisk", cache=speech_cache, env=env,
                               answer=[rate(b"Pain before you start, 0-10 (Enter skips)", b"11\r"),
                                       rate(b"a whole number from 0", b"2\r"),
                                       rate(b"Pain now, 0-10 (Enter skips)", b"1\r"),
                                       rate(b"Symptoms", b"9\r"),
                                       rate(b"numbers from 1 to 8", b"2\r")], timeout=120)
    assert status == 0, text
    recorded = json.loads(voicecoach("history", "--json").stdout)["sessions"]
    rows = [(s["week"], s["completed"], s["pain_before"], s["pain_after"], s["symptoms"]) for s in recorded]
    assert rows == [(1, True, 2, 1, ["leg-numb"])]  # 11 and 9 were refused and asked again
    assert "The program is paused: you reported numbness or tingling in a leg" in text
    assert voicecoach("today", "--play", cache=speech_cache, env=env).returncode == 1


# One language from the first question to the last, the session's: the morning after, pain before,
# the status line (playing, paused), pain after, the symptoms and the stop line. A one-key answer
# means what the person meant only then: s is "same" in English and "schlechter" (worse) in German.
ONE_LANGUAGE = {
    # a German program (its session speaks German) in an English locale
    "de": {"options": [], "env": {"LANG": "en_US.UTF-8"}, "same": b"g\r",
           "morning": "b besser, g gleich, s schlechter (Enter zum \u00dcberspringen): ",
           "before": "Schmerz vor dem Start, 0-10 (Enter zum \u00dcberspringen): ",
           "next": " | als N\u00e4chstes: ", "paused": "   Leertaste: weiter  q: beenden",
           "after": "Schmerz jetzt, 0-10 (Enter zum \u00dcberspringen): ",
           "intro": "Hast du etwas davon bemerkt?", "symptoms": "Symptome: ",
           "stopped": "Angehalten bei "},
    # an English program (its session speaks English) in a German locale
    "en": {"options": [], "env": {"LANG": "de_DE.UTF-8"}, "same": b"s\r",
           "morning": "b better, s same, w worse (Enter skips): ",
           "before": "Pain before you start, 0-10 (Enter skips): ",
           "next": " | next: ", "paused": "   space: resume  q: quit",
           "after": "Pain now, 0-10 (Enter skips): ", "intro": "Did you notice any of these?",
           "symptoms": "Symptoms: ", "stopped": "Stopped at "},
}
SHOWN = ("morning", "before", "next", "paused", "after", "intro", "symptoms", "stopped")


def _fixed_words(book) -> list[str]:
    """The words of the terminal's questions, play lines and status line in `book`'s language,
    cut at their placeholders: what a run in another language must not show."""
    from voicecoach import phrases

    said = [value for value in vars(phrases).values() if isinstance(value, phrases.Phrase)
            and value.context in ("prompt", "play", "status line")]
    return [bit.strip() for p in said for bit in re.split(r"\{[^}]*\}", book(p))
            if len(bit.strip()) >= 10]


@pytest.mark.parametrize("language", ONE_LANGUAGE)
def test_today_play_asks_everything_in_the_session_s_language_and_records_what_was_meant(
        capture, speech_cache, language):
    from voicecoach import phrases
    from voicecoach.i18n import phrasebook

    env, _ = capture
    run = ONE_LANGUAGE[language]
    monday, tuesday = "2026-03-02", "2026-03-03"
    started = voicecoach("program", "start", "three-exercises-daily", "--date", monday,
                         *(["--language", "de"] if language == "de" else []))
    assert started.returncode == 0, started.stderr
    assert voicecoach("log", "--date", monday, "--pain-before", "2", "--pain-after", "3").returncode == 0
    status, text = on_terminal("today", "--play", "--pace", "brisk", "--date", tuesday,
                               *run["options"], cache=speech_cache, env={**env, **run["env"]},
                               answer=[keys_when(run["morning"].encode(), run["same"]),
                                       keys_when(run["before"].encode(), b"2\r"),
                                       keys_when(run["next"].encode(), b" "),  # it plays: pause
                                       keys_when(run["paused"].encode(), b"q"),
                                       keys_when(run["after"].encode(), b"3\r"),
                                       keys_when(run["symptoms"].encode(), b"2\r")], timeout=90)
    assert status == 0, text
    for shown in SHOWN:
        assert run[shown] in text, (shown, text)
    other = phrasebook("en" if language == "de" else "de")
    assert [bit for bit in _fixed_words(other) if bit in text] == [], text
    assert other(phrases.STATUS_NEXT, exercise="") not in text
    first, second = json.loads(voicecoach("history", "--json").stdout)["sessions"]
    assert first["next_day"] == "same"  # g in German, s in English: as meant
    assert (second["date"], second["completed"], second["pain_before"], second["pain_after"],
            second["symptoms"]) == (tuesday, False, 2, 3, ["leg-numb"])  # on the day --date says


def test_no_audio_device_for_today_suggests_exporting_today(tmp_path, speech_cache):
    env = dict(os.environ, ALSA_CONFIG_PATH=str(tmp_path / "none.conf"))
    (tmp_path / "none.conf").write_text("</usr/share/alsa/alsa.conf>\npcm.!default { type hw card 9 }\n")
    plan = tmp_path / "desk-weeks.yaml"
    plan.write_text(PROGRAM)
    assert voicecoach("program", "start", str(plan)).returncode == 0
    result = voicecoach("today", "--play", cache=speech_cache, env=env)
    assert result.returncode == 3
    assert result.stderr.strip().endswith("to a phone instead, run: voicecoach today --export")
    recorded = json.loads(voicecoach("history", "--json").stdout)["sessions"]
    assert recorded == []  # nothing played, nothing recorded


def test_unknown_exercise_for_from_is_a_usage_error(speech_cache):
    result = voicecoach("play", "desk-break", "--from", "Handstand", cache=speech_cache)
    assert result.returncode == 2 and "no exercise 'Handstand' in this routine" in result.stderr


@pytest.mark.parametrize("key, code", [(b"q", 0), (b"\x03", 130)], ids=["q", "ctrl-c"])
def test_quitting_on_a_terminal_says_how_to_go_on(capture, speech_cache, key, code):
    env, _ = capture
    options = ["floor-relax", "--level", "beginner"]
    assert voicecoach("show", *options, cache=speech_cache).returncode == 0  # warm

    def quit_in_an_exercise(output: bytes) -> bytes | None:
        return key if b"\rStatic back |" in output else None  # the status line is in an exercise

    def rate_pain(output: bytes) -> bytes | None:
        return b"4\r" if b"Pain now, 0-10 (Enter skips)" in output else None

    def no_symptoms(output: bytes) -> bytes | None:
        return b"\r" if b"Symptoms" in output else None

    status, text = on_terminal("play", *options, cache=speech_cache, env=env,
                               answer=[quit_in_an_exercise, rate_pain, no_symptoms], timeout=60)
    assert status == code, text
    assert "Static back" in text and "next:" in text  # the status line
    assert "Stopped at " in text and "voicecoach play floor-relax --level beginner --from" in text
    assert "Traceback" not in text
    # recorded as partial; pain is asked after q, never after Ctrl-C (that means: let me out)
    recorded = json.loads(voicecoach("history", "--json").stdout)["sessions"]
    assert [(s["routine"], s["completed"]) for s in recorded] == [("floor-relax", False)]
    assert 0 < recorded[0]["seconds"] < 60 * 60
    assert recorded[0]["pain_after"] == (4 if key == b"q" else None)
    assert recorded[0]["symptoms"] == ([] if key == b"q" else None)  # Enter: asked, none
    assert ("Pain now" in text) == (key == b"q")


class FakeDevice:
    """Plays in (fast) real time into a list: for the pure unit tests of the key handling."""

    def __init__(self, rate: int, speed: float = 200.0):
        self.rate, self.speed = rate, speed
        self.played: list[bytes] = []
        self.until = 0.0

    def start(self, pcm: bytes) -> None:
        self.played.append(pcm)
        self.until = time.monotonic() + len(pcm) / 2 / self.rate / self.speed

    def busy(self) -> bool:
        return time.monotonic() < self.until

    def stop(self) -> None:
        self.until = 0.0


class ScriptedKeys:
    def __init__(self, script: list[tuple[float, str]]):
        self.script = list(script)
        self.began = time.monotonic()

    def read(self, timeout: float):
        time.sleep(min(timeout, 0.005))
        if self.script and time.monotonic() - self.began >= self.script[0][0]:
            return self.script.pop(0)[1]
        return None


@pytest.fixture(scope="module")
def session(speech_cache):
    return prepare("three-exercises", Settings(level="beginner"), Cache(speech_cache))


def test_chunks_tile_the_session_and_never_split_a_countdown(session):
    timeline = session.timeline
    bounds = list(chunk_bounds(timeline, 0))
    assert bounds[0][0] == 0 and bounds[-1][1] == timeline.length
    assert all(a[1] == b[0] for a, b in pairwise(bounds))
    for _, cut in bounds[:-1]:
        assert not any(e.start < cut < e.end for e in timeline.events)  # cut in silence
        before = max((e for e in timeline.events if e.end <= cut), key=lambda e: e.end)
        after = min((e for e in timeline.events if e.start >= cut), key=lambda e: e.start)
        assert not (before.role == "countdown" and after.role in ("countdown", "start"))


def test_pause_resume_counts_in_and_repeats_the_cut_line(session):
    device = FakeDevice(session.timeline.sample_rate)
    player = Player(session.timeline, session.speech, device)
    keys = ScriptedKeys([(0.02, " "), (0.1, " "), (0.3, "q")])
    stop = player.play(0, keys)
    assert isinstance(stop, Stop) and stop.reason == "quit"
    resume = session.speech.clip(RESUME_TEXT)
    count_in = [p for p in device.played if p.startswith(resume)]
    assert len(count_in) == 1
    assert session.speech.clip("3") in count_in[0] and session.speech.clip("1") in count_in[0]
    after = device.played[device.played.index(count_in[0]) + 1]
    (action, paused_at), (_, resumed_at) = player.history[:2]
    assert action == "pause"
    cut = [e for e in session.timeline.events if e.kind == "speech" and e.start < paused_at < e.end]
    assert resumed_at == (cut[0].start if cut else paused_at)  # a line cut off is said whole
    renderer = Renderer(session.timeline, session.speech)
    assert after == b"".join(renderer.blocks(resumed_at, resumed_at + len(after) // 2))


def test_next_skips_to_the_following_exercise_and_back_restarts_it(session):
    timeline = session.timeline
    device = FakeDevice(timeline.sample_rate, speed=50.0)
    player = Player(timeline, session.speech, device)
    player.play(0, ScriptedKeys([(0.01, "n"), (0.03, "n"), (0.06, "b"), (0.09, "q")]))
    chapter_starts = [c.start for c in timeline.chapters]
    moves = player.history
    assert [m[0] for m in moves][:6] == ["next", "from", "next", "from", "back", "from"]
    first_skip, second_skip, back = moves[1][1], moves[3][1], moves[5][1]
    assert first_skip == min(s for s in chapter_starts if s > moves[0][1])
    assert second_skip == min(s for s in chapter_starts if s > moves[2][1])
    assert back == max(s for s in chapter_starts if s <= moves[4][1])
    renderer = Renderer(timeline, session.speech)
    assert device.played[1] == b"".join(renderer.blocks(first_skip, first_skip + len(device.played[1]) // 2))


def test_find_chapter_by_name_or_number(session):
    timeline = session.timeline
    assert find_chapter(timeline, "1").exercise == "Press up and sit back"
    assert find_chapter(timeline, "good MORNING").exercise == "Good morning"
    with pytest.raises(UsageError, match="--from takes a name or number"):
        find_chapter(timeline, "9")


def test_ctrl_c_reports_the_sample_reached_not_the_chunk_start(session):
    class Interrupting(ScriptedKeys):
        def read(self, timeout):
            if time.monotonic() - self.began > 0.3:
                raise KeyboardInterrupt
            return super().read(timeout)

    player = Player(session.timeline, session.speech, FakeDevice(session.timeline.sample_rate, speed=1))
    stop = player.play(0, Interrupting([]))
    first_chunk = next(chunk_bounds(session.timeline, 0))
    assert stop.reason == "interrupt"
    assert first_chunk[0] < stop.position < first_chunk[1]  # inside the first chunk, not its start
    assert stop.chapter == player.chapter_at(stop.position)


def test_arrow_keys_mean_nothing_and_letters_still_work():
    from voicecoach.player import Keys

    master, slave = pty.openpty()
    with os.fdopen(slave, "r") as terminal, Keys(terminal) as keys:
        os.write(master, b"\x1b[B")  # down arrow: its B must not become 'b' (back)
        assert keys.read(0.5) is None
        os.write(master, b"n")
        assert keys.read(0.5) == "n"
    os.close(master)


# ---------------------------------------------------------------------------
# What playing says on the terminal, in the session's language

SPANISH_PROGRAM = """\
language: es
title: Semanas de escritorio
sessions_per_week: 3
weeks:
  - routine: desk-break
    level: beginner
"""


def test_a_paused_program_is_told_before_a_free_session_in_its_language(tmp_path):
    (tmp_path / "none.conf").write_text(NO_DEVICE)
    env = dict(os.environ, ALSA_CONFIG_PATH=str(tmp_path / "none.conf"))
    assert voicecoach("program", "start", "strength-20-30-40").returncode == 0
    assert voicecoach("log", "--pain-after", "2", "--symptom", "leg-weak").returncode == 0  # urgent
    result = voicecoach("play", "desk-break", "--language", "de", env=env)
    assert result.returncode == 3  # no device: nothing more is said
    assert result.stderr.startswith("Bevor du anfängst: Das Programm ist pausiert: nach der Einheit "
                                    "am "), result.stderr
    assert "Geh jetzt sofort in eine Notaufnahme und fahr nicht selbst dorthin." in result.stderr
    english = voicecoach("play", "desk-break", env=env)
    assert english.stderr.startswith("Before you play: The program is paused: you reported a leg "
                                     "growing weak after the session on ")


def test_high_pain_before_asks_in_spanish_then_a_stop_says_where_in_spanish(capture, tmp_path,
                                                                              speech_cache):
    env, _ = capture
    plan = tmp_path / "semanas.yaml"
    plan.write_text(SPANISH_PROGRAM)
    assert voicecoach("program", "start", str(plan)).returncode == 0
    first = json.loads(voicecoach("show", "desk-break", "--language", "es", "--level", "beginner",
                                  "--pace", "brisk", "--json", cache=speech_cache).stdout)
    exercise = first["chapters"][1]["title"]  # "De pie, brazos arriba"; the show warms the cache
    pain = keys_when(b"Dolor antes de empezar, 0-10 (Enter para saltar)", b"7\r")
    anyway = "Antes de empezar, tu dolor ya está en 7 sobre 10. Hoy descansa, o da un paseo " \
        "tranquilo, y haz la siguiente sesión cuando tu espalda vuelva a estar como siempre.\r\n" \
        "¿Quieres empezar la sesión de todos modos? [s/N]: "
    status, text = on_terminal("today", "--play", "--pace", "brisk", cache=speech_cache, env=env,
                               answer=[pain, keys_when(anyway.encode(), b"n\r")], timeout=60)
    assert status == 0, text
    assert "No se ha reproducido ni registrado nada." in text
    assert json.loads(voicecoach("history", "--json").stdout)["sessions"] == []
    status, text = on_terminal("today", "--play", "--pace", "brisk", "--from", "1",
                               cache=speech_cache, env=env,
                               answer=[pain, keys_when(anyway.encode(), b"s\r"),
                                       keys_when(f"\r{exercise} |".encode(), b"q"),
                                       keys_when(b"Dolor ahora, 0-10", b"3\r"),
                                       keys_when(b"S\xc3\xadntomas", b"\r")], timeout=90)
    assert status == 0, text
    stopped = re.search(r"Sesión detenida en \d\d:\d\d, en el ejercicio '([^']+)'\. Para seguir "
                        r"desde ahí: voicecoach today --play --pace brisk --from '([^']+)'", text)
    assert stopped is not None and stopped[1] == stopped[2] == exercise, text
    recorded = json.loads(voicecoach("history", "--json").stdout)["sessions"]
    assert [(s["completed"], s["pain_before"], s["pain_after"]) for s in recorded] == [(False, 7, 3)]
