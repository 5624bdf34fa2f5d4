"""Sessions as episodes for `serve`: which are offered, their stable keys, and each made once, on demand,
through the export path into a folder of finished files.

An episode's key is its routine's id, level and length, then a hash of everything that changes its
sound (the routine's content, the settings, the bit rate, voicecoach's version): the same session
always has the same key, so its URLs, its feed guid and the file on disk stay the same across
restarts, and a routine or program week that changes gets a new one. Every file is written whole
(files.atomic_output) and the episode's `.json` description is written last, so an episode is
finished exactly when that file is there; nothing is ever served from a half-made file.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import os
import re
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import replace
from pathlib import Path
from typing import Any

from . import __version__, phrases
from . import routine as routines
from . import timeline as planner
from .cache import EPISODES, Cache
from .episode import Episode, Made
from .errors import VoicecoachError
from .export import DEFAULT_BITRATE, write_session
from .files import atomic_output, read_regular
from .formats import DEFAULT, Format
from .history import Plan
from .i18n import phrasebook
from .routine import Routine
from .session import load_routine
from .settings import MINUTES_RANGE, Settings
from .vocabulary import LEVELS

FOLDER = EPISODES  # inside the speech cache folder: everything in it can be made again
KEY = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*-[0-9a-f]{12}")  # what make_key gives, and nothing else
LENGTHS = (10, 20, 30)  # minutes offered besides the routine's own length, when it can be fitted
_CLOSE = 0.15  # a length this close to the routine's own is not worth offering


class Stopped(Exception):
    """The server is stopping: the episode being made is abandoned (nothing partial is left)."""


def json_chapters(made: Made) -> dict[str, Any]:
    """Podcasting 2.0 JSON chapters, version 1.2."""
    return {"version": "1.2.0",
            "chapters": [{"startTime": round(start, 3), "title": title} for start, title in made.chapters]}


def make_key(routine: Routine, settings: Settings, bitrate: int = DEFAULT_BITRATE,
             fmt: Format = DEFAULT) -> str:
    """ROUTINE-LEVEL[-Nmin]-HASH: readable, and the same exactly when the sound (and its file
    format) is the same."""
    content = dataclasses.asdict(routine)
    content.pop("path")  # where the file was named from does not change the sound
    bed = settings.bed
    if bed and os.path.isfile(bed):  # a bed file: its content may change under the same name
        info = os.stat(bed)
        bed = f"{os.path.abspath(bed)}:{info.st_size}:{info.st_mtime_ns}"
    sound: dict[str, object] = {"routine": content, "settings": {**dataclasses.asdict(settings), "bed": bed},
             "bitrate": bitrate, "version": __version__}
    if fmt is not DEFAULT:  # named only when not MP3, so an MP3 episode keeps the key (and the
        sound["format"] = fmt.name  # feed guid) it had before there were formats
    digest = hashlib.sha256(json.dumps(sound, sort_keys=True, default=str).encode()).hexdigest()
    name = f"{routine.id}-{settings.level}" + (f"-{settings.minutes:g}min" if settings.minutes else "")
    name = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "session"
    return f"{name}-{digest[:12]}"


def length_choices(routine: Routine, settings: Settings) -> list[int]:
    """The --minutes values worth offering for a routine: a few round lengths it can be fitted to
    (by the length estimate, with some margin) that are not close to its own length."""
    measure = planner.estimate_measure(settings)
    own = planner.plan(routine, settings, measure).duration / 60
    low = planner.plan(routine, settings, measure, (planner.F_MIN, planner.G_MIN)).duration / 60
    high = planner.plan(routine, settings, measure, (planner.F_MAX, planner.G_MAX)).duration / 60
    return [m for m in LENGTHS if low * 1.05 <= m <= high * 0.95 and abs(m - own) > _CLOSE * own
            and MINUTES_RANGE[0] <= m <= MINUTES_RANGE[1]]


def episode(routine: Routine, settings: Settings, log_ref: str | None, today: bool = False,
            fmt: Format = DEFAULT) -> Episode:
    book = phrasebook(routine.language)
    length = book(phrases.LENGTH_IN_TITLE, minutes=f"{settings.minutes:g}") if settings.minutes else ""
    level = book.name(phrases.LEVEL_NAMES, settings.level)
    title = (book(phrases.TITLE_WITH_LEVEL, title=routine.title, level=level, length=length)
             if settings.level != "standard" or length else routine.title)
    return Episode(make_key(routine, settings, fmt=fmt), routine, settings, title, log_ref, today)


def today_episode(plan: Plan | None, base: Settings, level_given: bool,
                  fmt: Format = DEFAULT) -> Episode | None:
    """The active program's session for the day, at its week's level unless one was given."""
    if plan is None:
        return None
    settings = base if level_given else replace(base, level=plan.level)
    found = episode(plan.routine, settings, None, today=True, fmt=fmt)
    book = phrasebook(plan.routine.language)
    return replace(found, title=book(phrases.TODAY_TITLE, title=plan.routine.title,
                                     program=plan.program.title, week=str(plan.position.week),
                                     level=book.name(phrases.LEVEL_NAMES, settings.level)))


class Offer:
    """What the server offers: the routines it was given (every built-in by default), each at the
    base settings (the feed's episodes) and at the other levels and lengths (the page's choices)."""

    def __init__(self, refs: Iterable[str], base: Settings, fmt: Format = DEFAULT):
        self.refs = list(refs) or routines.builtin_ids()
        self.base = base
        self.format = fmt
        self._loaded: dict[str, tuple[object, Routine]] = {}
        self._choices: dict[int, tuple[Routine, list[Episode], float]] = {}  # by id(routine)
        self._lock = threading.Lock()
        self._bad: dict[str, object] = {}  # ref -> the file's stamp when it was found bad
        self.told: Callable[[str], None] = lambda line: None  # where a routine gone bad is said

    def routines(self, strict: bool = False) -> list[tuple[str, Routine]]:
        """(ref, routine) for each routine offered; a routine file is read again when it changes.
        One that has become invalid or gone is left out (said once) and the others still offered;
        with `strict` (as the server starts) it is the error."""
        found = []
        with self._lock:
            for ref in self.refs:
                stamp: object = None
                try:
                    info = os.stat(ref)
                    stamp = (info.st_size, info.st_mtime_ns, info.st_ino)
                except OSError:
                    pass
                cached = self._loaded.get(ref)
                if cached is None or cached[0] != stamp:
                    self._loaded.pop(ref, None)
                    if ref in self._bad and self._bad[ref] == stamp:
                        continue  # still as it was when found bad: said already
                    try:
                        cached = (stamp, load_routine(ref, self.base))  # in --language's
                    except VoicecoachError as error:
                        if strict:
                            raise
                        self._bad[ref] = stamp
                        first, *more = str(error).splitlines() or [ref]
                        also = f"; and {len(more)} more problem{'s' if len(more) > 1 else ''}" \
                            if more else ""
                        self.told(f"voicecoach: {first}{also} (left out of the page and the feed "
                                  "until it is fixed)")
                        continue
                    if self._bad.pop(ref, False) is not False:
                        self.told(f"voicecoach: {ref} is valid again and offered")
                    self._loaded[ref] = cached
                found.append((ref, cached[1]))
        return found

    def feed(self) -> list[Episode]:
        """One episode per routine, at the base settings."""
        return [episode(routine, self.base, ref, fmt=self.format) for ref, routine in self.routines()]

    def choices(self, ref: str, routine: Routine) -> list[Episode]:
        """Every level at the routine's own length (or the base --minutes), then the lengths
        offered at the base level."""
        return self._choices_of(ref, routine)[0]

    def minutes(self, ref: str, routine: Routine) -> float:
        """The routine's estimated length at the base settings."""
        return self._choices_of(ref, routine)[1]

    def _choices_of(self, ref: str, routine: Routine) -> tuple[list[Episode], float]:
        with self._lock:  # planned once per routine loaded: a few plans each
            kept = self._choices.get(id(routine))
            if kept is not None and kept[0] is routine:
                return kept[1], kept[2]
        found = [episode(routine, replace(self.base, level=level), ref, fmt=self.format)
                 for level in LEVELS]
        for minutes in length_choices(routine, replace(self.base, minutes=None)):
            if minutes != self.base.minutes:
                found.append(episode(routine, replace(self.base, minutes=minutes), ref, fmt=self.format))
        own = planner.estimated_seconds(routine, self.base) / 60
        with self._lock:
            self._choices[id(routine)] = (routine, found, own)
        return found, own

    def every(self, today: Episode | None) -> dict[str, Episode]:
        """Every episode offered, by key."""
        found = {e.key: e for ref, routine in self.routines() for e in self.choices(ref, routine)}
        found.update({e.key: e for e in self.feed()})
        if today is not None:
            found[today.key] = today
        return found


class Episodes:
    """The folder of finished episodes: KEY.mp3 (or the suffix of the format served), KEY.vtt (and
    .lrc) from the export path, KEY.chapters.json, and KEY.json, written last, that says it is
    finished."""

    # How long a finished episode is taken as finished before its files are looked at again: a
    # podcast app's range requests come many a second, and reading KEY.json and the audio file's size for
    # each was a sixth of the server's time; an episode removed meanwhile (cache clear) is a 404
    # from the file response, then made again within this.
    RECHECK_S = 1.0

    def __init__(self, cache: Cache, bitrate: int = DEFAULT_BITRATE, fmt: Format = DEFAULT):
        self.cache = cache
        self.folder = cache.root / FOLDER
        self.bitrate = bitrate
        self.format = fmt
        self._seen: dict[str, tuple[float, Made]] = {}  # key -> (when checked, what was found)

    def path(self, key: str, suffix: str) -> Path:
        if not KEY.fullmatch(key):  # only names make_key gives: never a path from elsewhere
            raise ValueError(f"not an episode key: {key!r}")
        return self.folder / f"{key}{suffix}"

    def finished(self, key: str) -> Made | None:
        """The episode's description if it is finished and its audio file is whole, else None (looked
        at again at most every RECHECK_S)."""
        seen = self._seen.get(key)
        now = time.monotonic()
        if seen is not None and now - seen[0] < self.RECHECK_S:
            return seen[1]
        if not KEY.fullmatch(key):
            return None
        try:
            made = Made.from_json(json.loads(read_regular(self.path(key, ".json"), 1 << 20)))
            if self.path(key, self.format.suffix).stat().st_size != made.size or made.key != key:
                return None
        except (OSError, ValueError, KeyError, TypeError):
            self._seen.pop(key, None)
            return None
        self._seen[key] = (now, made)
        return made

    def make(self, episode: Episode, stopping: threading.Event,
             told: Callable[[str], None] = lambda line: None) -> Made:
        """Make the episode through the export path (speech, timeline, the served format's file
        with chapters, captions); `stopping` abandons it at the next line or second of audio."""
        from .session import prepare

        def check(*_: object) -> None:
            if stopping.is_set():
                raise Stopped()

        began = time.monotonic()
        self.folder.mkdir(parents=True, exist_ok=True)
        self._make_speech(episode, stopping)
        session = prepare(episode.routine, episode.settings, self.cache)
        audio = self.path(episode.key, self.format.suffix)
        write_session(audio, session, self.bitrate, captions=True, progress=check, fmt=self.format)
        timeline = session.timeline
        made = Made(episode.key, episode.title, round(timeline.duration, 3), audio.stat().st_size,
                    tuple((round(timeline.seconds(c.start), 3), c.title) for c in timeline.chapters),
                    dt.datetime.now(dt.UTC), episode.routine.summary or "")
        with atomic_output(self.path(episode.key, ".chapters.json"), "w", check=False) as out:
            json.dump(json_chapters(made), out, ensure_ascii=False, indent=1)
        with atomic_output(self.path(episode.key, ".json"), "w", check=False) as out:
            json.dump(made.to_json(), out, ensure_ascii=False, indent=1)
        told(f"made {audio.name} ({planner.clock(made.seconds)} of audio) in "
             f"{time.monotonic() - began:.1f} s")
        return made

    def _make_speech(self, episode: Episode, stopping: threading.Event) -> None:
        """Make the session's lines into the cache first, as prepare() would, but watching
        `stopping`: prepare() waits for its workers without a way to be told to stop, and this
        runs in a thread, where no Ctrl-C arrives. prepare() then finds them made (with --minutes
        it may make a few more, for the scale it fits)."""
        from .speech import Speech

        settings = episode.settings
        speech = Speech.of(settings, self.cache)
        missing = speech.missing(planner.candidate_texts(episode.routine, settings))
        if not missing:
            return
        with speech.making(missing) as making:  # its workers are stopped however this ends
            while not making.wait(missing, timeout=0.2):
                if stopping.is_set():
                    raise Stopped()
