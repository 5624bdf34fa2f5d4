"""A pace is what it says: the words a minute heard while the real engines speak a session."""
from __future__ import annotations

from itertools import pairwise

import pytest

from voicecoach import timeline as planner
from voicecoach.cache import Cache
from voicecoach.routine import load
from voicecoach.settings import PACES, Settings
from voicecoach.speech import Speech


def spoken_wpm(speech: Speech, settings: Settings) -> float:
    """Words a minute over the lines of 8 words or more of desk-break, as scripts/audit.py
    measures it for every built-in."""
    timeline = planner.plan(load("desk-break"), settings, planner.estimate_measure(settings))
    lines = {e.text for e in timeline.events if e.kind == "speech" and len(e.text.split()) >= 8}
    words = sum(len(text.split()) for text in lines)
    return 60 * words * speech.sample_rate / sum(speech.length(text) for text in lines)


@pytest.mark.parametrize("voice", ["espeak:en-us", "flite:slt", "piper:en_US-joe-medium"])
@pytest.mark.parametrize("pace", list(PACES))
def test_speech_is_within_ten_percent_of_its_pace(pace, voice, speech_cache):
    settings = Settings(pace=pace)
    speech = Speech(voice, settings.words_per_minute, Cache(speech_cache))
    heard = spoken_wpm(speech, settings)
    assert abs(heard - PACES[pace].spoken) <= 0.10 * PACES[pace].spoken, heard


def test_the_paces_are_apart():
    spoken = [PACES[pace].spoken for pace in ("slow", "normal", "brisk")]
    assert spoken == sorted(spoken) and min(b - a for a, b in pairwise(spoken)) >= 15
