"""Speech engines behind one small protocol, and the registry that turns a voice id into one.

An engine turns one line of text into PCM: `synthesize(text, voice, words_per_minute)` returns
16-bit mono samples and their rate, whatever the engine writes natively. `speech.py` resamples,
trims, fades, loudness-matches and caches them the same way for every engine, so an engine's
module holds only what is peculiar to it (espeak's forked takes, flite's binary and its pace,
Piper's model, loaded once per process).

Voice ids are `ENGINE:VOICE` (`espeak:en-us`, `flite:slt`, `piper:en_US-joe-medium`); a bare name
is an espeak voice, as it was before there was more than one engine. Piper is optional (the
`piper` extra): without it, its voices are not listed and a `piper:` id says how to install it.
"""
from __future__ import annotations

from dataclasses import dataclass

from ..errors import SpeechEngineMissing, UnknownVoice
from .base import Clip, Engine, Voice
from .espeak import Espeak
from .flite import Flite
from .piper import Piper


def registry() -> dict[str, Engine]:
    """Every engine voicecoach knows, by name; whether each is installed is for it to say."""
    return {"espeak": Espeak(), "flite": Flite(), "piper": Piper()}


@dataclass(frozen=True)
class Choice:
    """The engine and voice a session speaks with; voice None is the engine's default."""

    engine: Engine
    voice: Voice | None

    @property
    def id(self) -> str:
        return self.voice.id if self.voice else f"{self.engine.name}:{self.engine.default_voice}"


def all_voices() -> list[Voice]:
    """The voices of every installed engine; an error naming what to install when there is none."""
    found: list[Voice] = []
    missing: list[SpeechEngineMissing] = []
    for engine in registry().values():
        try:
            engine.identity()
        except SpeechEngineMissing as error:
            missing.append(error)
            continue
        found.extend(engine.voices())
    if not found and missing:
        raise missing[0]
    return found


def resolve(wanted: str | None) -> Choice:
    """The engine and voice for a voice id (`flite:slt`), an espeak voice's name or id (`en-us`,
    `gmw/en-US`, `English (America)`), or None for espeak's default voice."""
    engines = registry()
    if not wanted:
        return Choice(engines["espeak"], None)
    engine_name, _, name = wanted.partition(":")
    if not name:
        engine_name, name = "espeak", wanted
    engine = engines.get(engine_name.strip().lower())
    if engine is None:
        raise UnknownVoice(wanted)
    engine.identity()  # an engine that is not installed says what to install
    lowered = name.strip().lower()
    for voice in engine.voices():
        if lowered in (voice.name.lower(), voice.native.lower(), voice.label.lower()):
            return Choice(engine, voice)
    raise UnknownVoice(wanted)


__all__ = ["Clip", "Voice", "Engine", "Choice", "registry", "all_voices", "resolve"]
