"""Turn a routine and settings into a ready session: its speech made and its timeline planned."""
from __future__ import annotations

from dataclasses import dataclass, replace

from . import timeline as planner
from .cache import Cache
from .routine import MAX_SESSION_SECONDS, Routine, load
from .settings import Settings
from .speech import ProgressFactory, Speech, resolve_voice
from .timeline import Timeline


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
    speech.prepare(planner.candidate_texts(routine, settings), progress)
    scale = planner.NO_SCALE
    if settings.minutes is not None:
        # Fitting plans many scales, so lines not yet made are estimated from their text; the
        # scale found is then planned with real lengths, and fitted again if that moved it out.
        estimate = planner.estimate_measure(settings)
        aim = settings
        for _ in range(3):
            scale = planner.fit(routine, aim,
                                lambda text: speech.known_length(text) or estimate(text))
            speech.prepare(planner.candidate_texts(routine, settings, scale), progress)
            timeline = planner.plan(routine, settings, speech.length, scale)
            over = timeline.duration - MAX_SESSION_SECONDS
            if over > 0:  # a fit near 4 hours may land a little past them: aim that much lower
                aim = replace(aim, minutes=aim.minutes - (over + 1) / 60)
            elif planner.fits(timeline, settings):
                break
        else:
            raise planner.fit_error(routine, settings, speech.length)
        return Session(routine, settings, speech, timeline)
    return Session(routine, settings, speech, planner.plan(routine, settings, speech.length))
