"""What every engine shares: the Clip it returns, the Voice it lists and the Engine protocol it
follows. A leaf: each engine's module imports it, and the registry (__init__.py) imports them."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

Clip = tuple[bytes, int]  # 16-bit mono little-endian PCM, and its sample rate


@dataclass(frozen=True)
class Voice:
    engine: str  # the registry's name for the engine: "espeak", "flite"
    name: str  # the voice's short name within its engine: "en-us", "slt"
    native: str  # what the engine itself calls it (pyttsx3's id "gmw/en-us"; flite's "slt")
    label: str  # for people: "English (America)"
    languages: tuple[str, ...]
    licence: str

    @property
    def id(self) -> str:
        return f"{self.engine}:{self.name}"


class Engine(Protocol):
    name: str
    default_voice: str  # the short name used when a session names no voice

    def identity(self) -> str:
        """Engine name and version: part of every cache key, so clips of two engines or two
        versions never mix. Raises SpeechEngineMissing when the engine is not installed."""
        ...

    def voices(self) -> list[Voice]:
        """The voices installed for this engine."""
        ...

    def synthesize(self, text: str, voice: Voice | None, words_per_minute: int) -> Clip:
        """One line, spoken at words_per_minute (as espeak-ng means it) by `voice`, or by the
        engine's default voice when None. The same arguments give the same samples every time."""
        ...
