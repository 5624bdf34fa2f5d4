"""Turn a routine and settings into a ready session: its speech made and its timeline planned."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from . import timeline as planner
from .cache import Cache
from .routine import Routine, load
from .settings import Settings
from .speech import Speech, resolve_voice
from .timeline import Timeline

# (total lines to make) -> a callback advanced by one per line made; None when nothing to show
ProgressFactory = Callable[[int], Callable[[int], None] | None]


@dataclass
class Session:
    routine: Routine
    settings: Settings
    speech: Speech
    timeline: Timeline


def prepare(routine_ref: str | Routine, settings: Settings, cache: Cache | None = None,
            progress: ProgressFactory | None = None) -> Session:
    routine = load(routine_ref) if isinstance(routine_ref, str) else routine_ref
    speech = Speech(voice=resolve_voice(settings.voice), rate=settings.rate, cache=cache)
    _make(speech, planner.candidate_texts(routine, settings), progress)
    scale = planner.NO_SCALE
    if settings.minutes is not None:
        estimate = planner.estimate_measure(settings)
        scale = planner.fit(routine, settings, lambda text: speech.known_length(text) or estimate(text))
        _make(speech, planner.candidate_texts(routine, settings, scale), progress)
    timeline = planner.plan(routine, settings, speech.length, scale)
    return Session(routine, settings, speech, timeline)


def _make(speech: Speech, texts: list[str], progress: ProgressFactory | None) -> None:
    missing = speech.missing(texts)
    if missing:
        speech.prepare(missing, progress(len(missing)) if progress else None)
