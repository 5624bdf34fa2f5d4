"""play with no audio device: said at once, before any speech is made, with the options kept."""
from __future__ import annotations

import os

from helpers import voicecoach


def test_no_device_is_found_before_speech_and_the_export_keeps_the_options(tmp_path):
    conf = tmp_path / "none.conf"
    conf.write_text("</usr/share/alsa/alsa.conf>\npcm.!default { type hw card 9 }\n")
    env = dict(os.environ, ALSA_CONFIG_PATH=str(conf))
    cache = tmp_path / "cold-cache"
    options = ["--level", "beginner", "--pace", "slow", "--minutes", "5", "--voice", "gmw/en"]
    result = voicecoach("play", "desk-break", *options, cache=cache, env=env)
    assert result.returncode == 3
    assert result.stderr == ("voicecoach: no audio output: the audio device could not be opened. "
                             "To take the session to a phone instead, run: voicecoach export "
                             f"desk-break {' '.join(options)}\n")
    assert not list(cache.rglob("*.wav"))  # no speech was made first
    for debug_first in (["--debug", "play", "desk-break"], ["play", "desk-break", "--debug"]):
        debug = voicecoach(*debug_first, cache=cache, env=env)
        assert debug.returncode != 0 and "voicecoach: detail: ALSA: " in debug.stderr


def test_safety_play_with_no_device_points_at_the_words_printed(tmp_path):
    conf = tmp_path / "none.conf"
    conf.write_text("</usr/share/alsa/alsa.conf>\npcm.!default { type hw card 9 }\n")
    result = voicecoach("safety", "--play", cache=tmp_path / "cold-cache",
                        env=dict(os.environ, ALSA_CONFIG_PATH=str(conf)))
    assert result.returncode == 3 and result.stdout  # the words, printed
    assert result.stderr == ("voicecoach: no audio output: the audio device could not be opened. "
                             "The safety words are printed above.\n")
    assert not list((tmp_path / "cold-cache").rglob("*.wav"))  # no speech was made first
