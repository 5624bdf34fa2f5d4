"""The commands' use cases as library calls, without click or a terminal: the settings chosen from
options, the config and a program's week; today's session; playing and recording a session with
scripted answers, through ALSA's file capture; exporting every routine."""
from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from voicecoach import history
from voicecoach import program as programs
from voicecoach.cache import Cache
from voicecoach.config import Defaults
from voicecoach.errors import FitError
from voicecoach.render import Renderer
from voicecoach.session import prepare
from voicecoach.settings import Settings
from voicecoach.store import Store
from voicecoach.usecases import Options, export_all, today_session

PROGRAM = """\
title: Desk weeks
source: Our own test program
sessions_per_week: 3
weeks:
  - routine: desk-break
    level: beginner
  - routine: desk-break
    level: advanced
"""


def test_an_option_given_wins_then_a_week_s_level_then_the_config_then_the_default():
    config = Defaults(pace="slow", level="beginner", bed="brown", bed_level=-30.0, voice="flite:slt")
    assert Options().settings(Defaults()) == Settings()
    assert Options().settings(config) == Settings(level="beginner", pace="slow", voice="flite:slt",
                                                  bed="brown", bed_level=-30.0)
    assert Options().settings(config, week_level="advanced").level == "advanced"
    typed = Options(level="standard", pace="brisk", bed="NONE", bed_level=-10.0, minutes=12.0)
    chosen = typed.settings(config, week_level="advanced")
    assert (chosen.level, chosen.pace, chosen.bed, chosen.bed_level, chosen.minutes) == (
        "standard", "brisk", None, -10.0, 12.0)


def _program(tmp_path: Path) -> tuple[Store, dt.date]:
    path = tmp_path / "desk-weeks.yaml"
    path.write_text(PROGRAM)
    store = Store(tmp_path / "history.sqlite")
    day = dt.date(2026, 3, 2)
    history.start(store, str(path), day, lambda active: True)
    return store, day


def test_today_is_at_the_week_s_level_unless_one_is_given_and_suggests_only_what_was_given(tmp_path):
    store, day = _program(tmp_path)
    config = Defaults(level="advanced", pace="slow")  # the config's level never beats the week's
    plain = today_session(store, day, Options(), config)
    assert (plain.settings.level, plain.settings.pace) == ("beginner", "slow")
    assert plain.given == ["--pace", "slow"]
    typed = today_session(store, day, Options(level="standard"), config)
    assert typed.settings.level == "standard"
    assert typed.given[:2] == ["--level", "standard"]


def test_today_is_refused_without_a_program_and_while_it_is_paused(tmp_path):
    empty = Store(tmp_path / "empty.sqlite")
    with pytest.raises(history.NoActiveProgram):
        today_session(empty, dt.date(2026, 3, 2), Options(), Defaults())
    store, day = _program(tmp_path)
    history.log(store, day, None, 2, 3, symptoms=("leg-numb",))
    with pytest.raises(history.ProgramPaused, match="physiotherapist or doctor"):
        today_session(store, day + dt.timedelta(days=1), Options(), Defaults())


def test_today_with_language_asked_plays_a_built_in_program_s_translation_and_refuses_a_file_s(tmp_path):
    """A built-in program started in English, `today --language de`: the same week and routine,
    in German, asked and said in German; a program file in English cannot be said in German."""
    store, day = Store(tmp_path / "history.sqlite"), dt.date(2026, 3, 2)
    history.start(store, "cobra-progression", day, lambda active: True)
    english = today_session(store, day, Options(), Defaults())
    german = today_session(store, day, Options(language="de"), Defaults())
    translation = programs.load("cobra-progression", "de")
    assert (english.plan.routine.language, german.plan.routine.language) == ("en", "de")
    assert german.plan.program.title == translation.title != english.plan.program.title
    assert german.plan.routine.id == english.plan.routine.id  # the same session, as recorded
    assert [e.name for e in german.plan.routine.exercises] == \
        [e.name for e in translation.week(1).session(0, translation.id).exercises]
    assert german.book.language == "de" and german.settings.language == "de"
    (tmp_path / "file").mkdir()
    store, day = _program(tmp_path / "file")
    with pytest.raises(history.LanguageMismatch, match="desk-weeks.yaml is in English"):
        today_session(store, day, Options(language="de"), Defaults())


def test_export_all_skips_what_cannot_fit_and_writes_the_rest(tmp_path, speech_cache):
    written, skipped, made = [], [], []

    def make(name, settings):
        made.append(name)
        return prepare(name, settings, Cache(speech_cache))

    # five minutes: the desk break fits, the hour-long floor-relax cannot
    missed = export_all(["desk-break", "floor-relax"], Settings(level="beginner", minutes=5.0), make,
                        tmp_path / "out", 32, False, False, lambda session: None, written.append,
                        lambda name, error: skipped.append((name, error)))
    assert missed == ["floor-relax"] == [name for name, _ in skipped] and made == [
        "desk-break", "floor-relax"]
    assert isinstance(skipped[0][1], FitError)
    assert [w.routine_id for w in written] == ["desk-break"]
    assert (tmp_path / "out" / "desk-break-beginner-5min.mp3").read_bytes()[:3] == b"ID3"
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["desk-break-beginner-5min.mp3"]


def settle(path: Path, size: int) -> bytes:
    """The capture goes through a pipe to cat: wait (a minute at most) until it has `size` bytes."""
    for _ in range(1200):
        if path.exists() and path.stat().st_size >= size:
            break
        time.sleep(0.05)
    return path.read_bytes()


PLAY = textwrap.dedent("""\
    import datetime as dt, json, sys
    from pathlib import Path
    from voicecoach import history, usecases
    from voicecoach.cache import Cache
    from voicecoach.config import Defaults
    from voicecoach.store import Store

    class Scripted:  # the answers a person would type
        def __init__(self):
            self.asked = []
        def pain(self, question):
            self.asked.append(question)
            return {"Pain before you start": 2, "Pain now": 3}[question]
        def next_day(self, session):
            self.asked.append("next day")
            return None
        def symptoms(self):
            self.asked.append("symptoms")
            return ()
        def confirm(self, question):
            raise AssertionError("nothing to confirm at pain 2")

    store, day = Store(Path(sys.argv[1])), dt.date.fromisoformat(sys.argv[2])
    plan = history.plan_for(store, day)
    asker, told = Scripted(), []
    playback = usecases.Playback(asker=asker, tell=told.append, no_device_hint="export instead")
    settings = usecases.Options().settings(Defaults(), plan.level)
    played = usecases.play_session(plan.routine, settings, Cache(sys.argv[3]), playback, plan=plan,
                                   store=store, day=day)
    print(json.dumps({"asked": asker.asked, "told": told, "stopped": played.stop is not None,
                      "seconds": played.seconds, "length": played.timeline.duration}))
""")


def test_play_session_plays_through_the_device_asks_through_the_asker_and_records(tmp_path,
                                                                                   speech_cache):
    store, day = _program(tmp_path)
    raw, conf = tmp_path / "captured.raw", tmp_path / "asound.conf"
    conf.write_text("</usr/share/alsa/alsa.conf>\npcm.!default {\n  type file\n  slave.pcm \"null\"\n"
                    f"  file \"|cat >> {raw}\"\n  format \"raw\"\n}}\n")
    script = tmp_path / "play.py"
    script.write_text(PLAY)
    ran = subprocess.run([sys.executable, str(script), str(store.path), day.isoformat(), str(speech_cache)],
                         capture_output=True, text=True, timeout=600,
                         env=dict(os.environ, ALSA_CONFIG_PATH=str(conf)))
    assert ran.returncode == 0, ran.stderr
    result = json.loads(ran.stdout)
    assert result["asked"] == ["Pain before you start", "Pain now", "symptoms"]
    assert not result["stopped"] and result["seconds"] == result["length"]
    # what reached the device is the week's session, opened by the full safety screen (the
    # program's first session), byte for byte
    routine = programs.load(str(tmp_path / "desk-weeks.yaml")).week(1).session(0, "desk-weeks")
    session = prepare(routine, Settings(level="beginner", safety_screen=True), Cache(speech_cache))
    expected = b"".join(Renderer(session.timeline, session.speech).blocks())
    assert settle(raw, len(expected)) == expected
    [record] = Store(store.path).sessions()
    assert (record.routine, record.pain_before, record.pain_after, record.completed) == (
        "desk-break", 2, 3, True)
