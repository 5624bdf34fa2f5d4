"""The speech engines with the real programs: espeak-ng through pyttsx3, and flite. Each lists its
voices, gives the same bytes every time, keeps its clips apart from the other's in the cache."""
from __future__ import annotations

import os
import time
import wave

import numpy as np
import pytest

from voicecoach.cache import Cache
from voicecoach.engines import espeak as espeak_module
from voicecoach.engines import flite as flite_module
from voicecoach.engines import registry, resolve
from voicecoach.errors import SpeechEngineMissing, UnknownVoice
from voicecoach.settings import PACES, SAMPLE_RATE
from voicecoach.speech import Speech

from helpers import read_wav, voicecoach

VOICES = ["espeak:en-us", "flite:slt", "flite:kal16"]
LINES = ["Halfway.", "Lie on your back with your knees bent.", "3"]


@pytest.mark.parametrize("engine, expected", [("espeak", {"en-us", "en-gb-x-rp"}),
                                              ("flite", {"slt", "rms", "awb", "kal16"})])
def test_each_engine_lists_its_voices(engine, expected):
    voices = registry()[engine].voices()
    assert expected <= {v.name for v in voices}
    assert all(v.id == f"{engine}:{v.name}" and v.licence for v in voices)
    assert not [v for v in voices if v.name.endswith("_time")]  # flite's talking clock: no


@pytest.mark.parametrize("voice", VOICES)
def test_the_same_line_is_the_same_bytes_every_time(voice, tmp_path):
    first = Speech(voice, cache=Cache(tmp_path / "a"))
    assert first.prepare(LINES) == len(LINES)
    again = Speech(voice, cache=Cache(tmp_path / "b"), jobs=1)
    again.prepare(list(reversed(LINES)))  # another order, other processes
    for text in LINES:
        assert first.clip(text) == again.clip(text)
        rate, samples = read_wav(first.cache.path(first.key(text)))
        assert rate == SAMPLE_RATE and len(samples) == first.length(text)
        assert samples[0] == 0 and samples[-1] == 0 and np.abs(samples.astype(int)).max() > 1000


def test_the_cache_keeps_engines_apart(tmp_path):
    store = Cache(tmp_path / "c")
    espeak, flite = Speech("espeak:en-us", cache=store), Speech("flite:slt", cache=store)
    assert espeak.engine_id.startswith("espeak-ng-") and flite.engine_id.startswith("flite-2")
    assert espeak.key("Halfway.") != flite.key("Halfway.")
    assert Speech("flite:rms", cache=store).key("Halfway.") != flite.key("Halfway.")
    flite.prepare(["Halfway."])
    assert espeak.missing(["Halfway."]) == ["Halfway."]  # flite's clip is not espeak's
    assert espeak.clip("Halfway.") != flite.clip("Halfway.")


def test_flite_is_resampled_without_images_above_its_own_band(speech_cache):
    """flite speaks at 16 kHz: a proper resampler leaves nothing between 8 and 11 kHz, where a
    sample-and-hold or linear rate change would leave images of the speech."""
    speech = Speech("flite:slt", cache=Cache(speech_cache))
    samples = np.frombuffer(speech.clip(LINES[1]), np.int16).astype(float)
    power = np.abs(np.fft.rfft(samples)) ** 2
    frequencies = np.fft.rfftfreq(len(samples), 1 / SAMPLE_RATE)
    above = power[frequencies > 8300].sum() / power.sum()
    assert above < 1e-4, above


def test_flite_speaks_slower_at_a_slower_pace_near_espeak(speech_cache):
    text = "Breathe out as you lift your hips, and keep your ribs down."
    cache = Cache(speech_cache)
    lengths = {pace: Speech("flite:slt", PACES[pace].words_per_minute, cache).length(text)
               for pace in PACES}
    assert lengths["slow"] > lengths["normal"] > lengths["brisk"]
    espeak = Speech("espeak:en-us", PACES["normal"].words_per_minute, cache).length(text)
    assert 0.8 < lengths["normal"] / espeak < 1.25  # a pace sounds alike on both engines


def test_voice_ids_and_bare_espeak_names():
    assert resolve("flite:slt").voice.native == "slt"
    assert resolve("FLITE:RMS").voice.name == "rms"
    assert resolve("en-us").voice.id == "espeak:en-us"
    assert resolve("English (America)").voice.id == "espeak:en-us"
    assert resolve(None).voice is None and resolve(None).id == "espeak:default"
    for unknown in ("flite:nobody", "festival:slt", "espeak:no-such-voice"):
        with pytest.raises(UnknownVoice, match="voicecoach voices"):
            resolve(unknown)


def test_text_reaches_flite_as_text_never_through_a_shell(tmp_path):
    marker = tmp_path / "pwned"
    text = f'Rest. "$(touch {marker})" `touch {marker}`; touch {marker} & -o /dev/null'
    pcm, rate = registry()["flite"].synthesize(text, None, 155)
    assert rate == 16000 and len(pcm) > 16000 and not marker.exists()


def test_flite_missing_names_the_package(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(SpeechEngineMissing, match=r"Install flite \(Debian/Ubuntu: sudo apt-get "
                                                  r"install flite\)"):
        flite_module.Flite().identity()


def test_mbrola_voices_are_listed_only_where_installed(monkeypatch, tmp_path):
    assert not [v for v in registry()["espeak"].voices() if v.name.startswith("mb-")
                and not espeak_module._mbrola_installed(v.name)]
    (tmp_path / "us1").mkdir()
    monkeypatch.setattr(espeak_module, "MBROLA_FOLDERS", (str(tmp_path),))
    listed = {v.name: v for v in espeak_module.Espeak._mbrola()}
    if espeak_module._espeak_data() is None:
        pytest.skip("espeak-ng's voice definitions are not where this test looks")
    assert "mb-us1" in listed and "mb-us2" not in listed
    assert listed["mb-us1"].native == "mb/mb-us1" and "non-commercial" in listed["mb-us1"].licence


def test_flite_rates_are_read_from_the_file(tmp_path):
    pcm, rate = registry()["flite"].synthesize("Hello.", resolve("flite:kal").voice, 155)
    assert rate == 8000  # kal is an 8 kHz voice: the rate is read, never assumed
    out = tmp_path / "x.wav"
    with wave.open(str(out), "wb") as handle:
        handle.setnchannels(1)
        handle.setsampwidth(2)
        handle.setframerate(rate)
        handle.writeframes(pcm)
    assert read_wav(out)[0] == 8000


def test_say_writes_the_clip_a_session_would_use(tmp_path, speech_cache):
    out = tmp_path / "halfway.wav"
    result = voicecoach("say", "Halfway.", "--voice", "flite:slt", "-o", str(out))
    assert result.returncode == 0, result.stderr
    assert result.stderr.strip() == f"wrote {out}"
    rate, samples = read_wav(out)
    assert rate == SAMPLE_RATE
    assert samples.tobytes() == Speech("flite:slt", cache=Cache(speech_cache)).clip("Halfway.")


def test_say_with_an_unknown_voice_exits_two():
    result = voicecoach("say", "Halfway.", "--voice", "flite:nobody")
    assert result.returncode == 2
    assert result.stderr.strip() == ("voicecoach: unknown voice 'flite:nobody'. Run 'voicecoach "
                                     "voices' to list the voices you can use.")


def test_making_speech_leaves_a_private_home_untouched(tmp_path):
    # espeak-ng's audio library would open PulseAudio, which makes ~/.config/pulse/ (seen after
    # an export under pipx); a cold cache, so espeak really runs, in its forked children
    home = tmp_path / "home"
    home.mkdir()
    env = dict(os.environ, HOME=str(home))
    env.pop("XDG_CONFIG_HOME", None)
    result = voicecoach("say", "Lie on your back.", "-o", str(tmp_path / "x.wav"),
                        cache=tmp_path / "cold-cache", env=env)
    assert result.returncode == 0, result.stderr
    assert list(home.rglob("*")) == []


def test_say_with_no_audio_device_suggests_writing_a_wav(tmp_path, speech_cache):
    conf = tmp_path / "none.conf"
    conf.write_text("</usr/share/alsa/alsa.conf>\npcm.!default { type hw card 9 }\n")
    result = voicecoach("say", "Rest for 30 seconds.", "--voice", "flite:slt",
                        env=dict(os.environ, ALSA_CONFIG_PATH=str(conf)))
    assert result.returncode == 3
    assert result.stderr == ("voicecoach: no audio output: the audio device could not be opened. To "
                             "hear it from a file instead, run: voicecoach say 'Rest for 30 seconds.' "
                             "--voice flite:slt -o FILE.wav\n")


def test_say_plays_the_clip_through_the_device(tmp_path, speech_cache):
    raw = tmp_path / "captured.raw"
    conf = tmp_path / "asound.conf"
    conf.write_text("</usr/share/alsa/alsa.conf>\npcm.!default {\n  type file\n  slave.pcm \"null\"\n"
                    f"  file \"|cat >> {raw}\"\n  format \"raw\"\n}}\n")
    result = voicecoach("say", "Rest for 30 seconds.", "--voice", "flite:awb",
                        env=dict(os.environ, ALSA_CONFIG_PATH=str(conf)))
    assert result.returncode == 0 and result.stdout == "" and result.stderr == "", result.stderr
    clip = Speech("flite:awb", cache=Cache(speech_cache)).clip("Rest for 30 seconds.")
    for _ in range(50):  # the capture goes through a pipe to cat
        if raw.exists() and raw.stat().st_size >= len(clip):
            break
        time.sleep(0.05)
    assert raw.read_bytes() == clip


def test_espeak_makes_each_line_once(monkeypatch):
    """One take a line: the rate it is spoken at no longer depends on a race (espeak.py's
    docstring), so there is no second take to agree with."""
    forks = []
    real_fork = espeak_module._fork
    monkeypatch.setattr(espeak_module, "_fork", lambda work: forks.append(1) or real_fork(work))
    pcm, rate = registry()["espeak"].synthesize("Halfway.", None, PACES["normal"].words_per_minute)
    assert len(forks) == 1 and rate == 22050 and len(pcm) > 2000


@pytest.mark.parametrize("voice", ["en-us", "en-gb-x-rp"])
def test_espeak_in_synchronous_mode_speaks_what_pyttsx3s_driver_speaks(voice, tmp_path):
    """The same samples as a take through pyttsx3's driver, so clips already in a cache stay
    valid. The driver's take is the one two of its takes agree on: on a loaded machine its rate
    is now and then lost (the race espeak.py's docstring describes), which is the point."""
    espeak = registry()["espeak"]
    native = next(v.native for v in espeak.voices() if v.name == voice)
    serial = iter(range(1000))

    def take(way, text):
        path = tmp_path / f"take-{next(serial)}.wav"
        pid = espeak_module._fork(lambda: way(text, native, 130, str(path)))
        assert os.waitpid(pid, 0)[1] == 0
        return espeak_module._read_take(path)

    for text in ["Halfway.", "Lie on your back with your knees bent."]:
        ours = {take(espeak_module._take, text) for _ in range(3)}
        assert len(ours) == 1
        drivers: list = []
        while len(drivers) < 6 and not any(drivers.count(t) > 1 for t in drivers):
            drivers.append(take(espeak_module._take_by_driver, text))
        assert ours.pop() in drivers and len(drivers[0][0]) > 2000
