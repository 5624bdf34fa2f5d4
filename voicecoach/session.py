"""Turn a routine and settings into a ready session: its speech made and its timeline planned."""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from . import phrases, safety
from . import timeline as planner
from .cache import Cache
from .errors import Problem, SpeechEngineMissing, UsageError
from .i18n import LANGUAGES, LanguageMismatch, NotTranslated, VoiceLanguage, speaks
from .routine import Cue, Routine, load
from .settings import SAMPLE_RATE, Settings
from .speech import Making, ProgressFactory, Speech, list_voices, resolve_voice
from .timeline import Role, Timeline, clock
from .vocabulary import MAX_SESSION_SECONDS, SOURCE, Sound

if TYPE_CHECKING:
    from .bed import Bed

# What `play` may say beyond this plan: "Resuming." and the count-in after a pause, and the full
# safety screen at a first session. `render` and `export` make them too, so the first `play` after
# an export finds every line it needs cached.
def playback_lines(routine: Routine) -> tuple[str, ...]:
    from .player import resume_lines  # simpleaudio: only where playback is

    book = planner.book_of(routine)
    return (*safety.screen_lines(book), *resume_lines(book))


@dataclass
class Session:
    routine: Routine
    settings: Settings
    speech: Speech
    timeline: Timeline
    bed: Bed | None = None  # what render, play and export lay under the voice

    def script(self) -> str:
        """The session as `show` prints it: every line and tone at its time, by exercise; a
        change of position is marked with an arrow, as the listener is moved somewhere new. The
        lines around the script are in the session's language."""
        timeline, settings, routine = self.timeline, self.settings, self.routine
        book = planner.book_of(routine)
        out = [book(phrases.SHOW_HEADER, title=routine.title,
                    level=book.name(phrases.LEVEL_NAMES, settings.level),
                    pace=book.name(phrases.PACE_NAMES, settings.pace),
                    length=clock(timeline.duration))]
        if routine.source:
            out.append(book(phrases.SHOW_SOURCE, source=routine.source))
        events = iter(timeline.events)
        pending = next(events, None)
        for chapter in timeline.chapters:
            out.append("")
            out.append(f"{chapter.title}  [{clock(timeline.seconds(chapter.start))}]")
            context = None
            while pending is not None and pending.start < chapter.end:
                event = pending
                if (event.side, event.set) != context and (event.side or event.set):
                    context = (event.side, event.set)
                    label = ", ".join(x for x in (event.side, f"set {event.set}" if event.set
                                                  else None) if x)
                    out.append(f"   -- {label} --")
                text = event.text if event.kind == Sound.SPEECH else f"[{event.text} tone]"
                if event.role == Role.TRANSITION:
                    text = f"-> {text}"
                out.append(f"  {clock(timeline.seconds(event.start))}  {event.role:<10} {text}")
                pending = next(events, None)
        out.append("")
        out.append(book(phrases.SHOW_TOTAL, length=clock(timeline.duration)))
        return "\n".join(out)


def load_routine(routine_ref: str, settings: Settings) -> Routine:
    """The routine a session is made of, in the language asked for: a built-in's translation
    (when the language came from the locale and there is none, the English), or a file, which is
    in its own language: --language naming another is an error; a default just follows it."""
    asked = settings.language
    if asked is None or asked == SOURCE and settings.language_from != "option":
        return load(routine_ref)
    try:
        routine = load(routine_ref, asked)
    except NotTranslated:
        if settings.language_from != "locale":
            raise
        return load(routine_ref)
    if settings.language_from == "option" and routine.language != asked:
        raise LanguageMismatch(routine.path, asked, routine.language)
    return routine


def speaking(language: str, settings: Settings) -> Settings:
    """The settings with a voice that speaks `language`: espeak-ng's for it when no voice is
    asked for; a voice asked for that cannot speak it is refused, naming those that can."""
    if language == SOURCE:
        return settings
    if settings.voice is None:
        return replace(settings, voice=LANGUAGES[language].voice if language in LANGUAGES
                       else language)
    choice = resolve_voice(settings.voice)
    spoken = choice.voice.languages if choice.voice else (SOURCE,)
    if not any(speaks(code, language) for code in spoken):
        able = [voice.id for voice in list_voices()
                if any(speaks(code, language) for code in voice.languages)]
        raise VoiceLanguage(choice.id, language, able)
    return settings


def prepare(routine_ref: str | Routine, settings: Settings, cache: Cache | None = None,
            progress: ProgressFactory | None = None) -> Session:
    routine = load_routine(routine_ref, settings) if isinstance(routine_ref, str) else routine_ref
    planner.refuse_too_long(routine)  # before any speech is made for it
    settings = speaking(routine.language, settings)
    bed = bed_for(settings, routine, cache)  # a bed that cannot be used is said before any speech is made
    speech = Speech.of(settings, cache)
    speech.prepare([*planner.candidate_texts(routine, settings), *playback_lines(routine)], progress)
    scale = planner.NO_SCALE
    if settings.minutes is not None:
        # Fitting plans many scales, so lines not yet made are estimated from their text; the
        # scale found is then planned with real lengths, and fitted again if that moved it out.
        estimate = planner.estimate_measure(settings)
        aim = settings.minutes
        for _ in range(3):
            scale = planner.fit(routine, replace(settings, minutes=aim),
                                lambda text: speech.known_length(text) or estimate(text))
            speech.prepare(planner.candidate_texts(routine, settings, scale), progress)
            timeline = planner.plan(routine, settings, speech.length, scale)
            over = timeline.duration - MAX_SESSION_SECONDS
            if over > 0:  # a fit near 4 hours may land a little past them: aim that much lower
                aim -= (over + 1) / 60
            elif planner.fits(timeline, settings):
                break
        else:
            raise planner.fit_error(routine, settings, speech.length)
        return Session(routine, settings, speech, timeline, bed)
    return Session(routine, settings, speech, planner.plan(routine, settings, speech.length), bed)


def bed_for(settings: Settings, routine: Routine, cache: Cache | None = None) -> Bed | None:
    """The session's bed, or None. Without --minutes its level cap (bed.loudest_level) is fixed
    from the plan with estimated lengths, known before any speech is made: `play` starts before
    all speech is made and must lay the bed exactly as `render` and `export` do. A bed file is
    decoded once into the cache."""
    if settings.bed is None:
        return None
    from .bed import loudest_level, open_bed  # numpy: only with a bed

    cap = None
    if settings.minutes is None:
        cap = loudest_level(planner.plan(routine, settings, planner.estimate_measure(settings)))
    return open_bed(settings.bed, SAMPLE_RATE, settings.bed_level, cache=cache, cap_db=cap)


class Live:
    """A session whose speech is still being made, for `play`: the plan so far is exact up to a
    sample (timeline.plan_partial) and is planned again as the lengths of more lines arrive."""

    def __init__(self, routine: Routine, settings: Settings, speech: Speech, making: Making):
        self.routine, self.settings, self.speech, self.making = routine, settings, speech, making
        self._estimate = planner.estimate_measure(settings)
        self._seen = -1
        self._plan: tuple[Timeline, int] | None = None

    @property
    def complete(self) -> bool:
        return self.making.done

    def current(self) -> tuple[Timeline, int]:
        """The latest plan and the sample it is exact up to (its length once all is made)."""
        made = self.making.made
        if self._plan is None or made != self._seen:
            self._seen = made
            unknown: list[str] = []

            def known(text: str) -> int | None:
                length = self.speech.known_length(text)
                if length is None:
                    unknown.append(text)
                return length

            self._plan = planner.plan_partial(self.routine, self.settings, known, self._estimate)
            # Real lengths can call for a line no candidate was (a rest that is all talk says
            # when the next one starts). The first line not yet made was asked for with every
            # length before it real, so the finished plan asks for it too: it is made next. Later
            # ones were asked for on estimates and may never be said.
            self.making.first(unknown[:1], add=True)
        return self._plan

    def wait(self, timeout: float) -> None:
        """Until another line is made (or the timeout passes); a line's error is raised here."""
        self.making.wait_more(self._seen, timeout)

    def status(self) -> str:
        """What the player waits for, in the session's language."""
        making = self.making
        doing = f": {making.current[:40]!r}" if making.current else ""
        return planner.book_of(self.routine)(phrases.STATUS_MAKING, made=str(making.made),
                                             total=str(making.total), doing=doing)


def start(routine_ref: str | Routine, settings: Settings, cache: Cache | None = None,
          also: tuple[str, ...] = (), progress: ProgressFactory | None = None) -> tuple[Session, Live | None]:
    """A session for playing at once: its lines are made in the background in the order they are
    heard (then `also`), and the plan is exact for what is made so far. With --minutes, fitting
    needs every line's length first: that is `prepare`, with `progress` told. The Live (None when
    every line was cached) must be closed: `live.making.close()`."""
    routine = load_routine(routine_ref, settings) if isinstance(routine_ref, str) else routine_ref
    planner.refuse_too_long(routine)  # before any speech is made for it
    settings = speaking(routine.language, settings)
    if settings.minutes is not None:
        session = prepare(routine, settings, cache, progress)
        session.speech.prepare(also)
        return session, None
    bed = bed_for(settings, routine, cache)  # a bed that cannot be used is said before any speech is made
    speech = Speech.of(settings, cache)
    texts = [*planner.candidate_texts(routine, settings), *playback_lines(routine), *also]
    if not speech.missing(texts):
        timeline = planner.plan(routine, settings, speech.length)
        return Session(routine, settings, speech, timeline, bed), None
    live = Live(routine, settings, speech, speech.making(texts, tones=True))
    return Session(routine, settings, speech, live.current()[0], bed), live


def say_line(text: str, settings: Settings, cache: Cache | None = None) -> Session:
    """One line made as a session makes it, as a session of that line alone (for `say`)."""
    if not text.strip():
        raise UsageError("say needs some text to say")
    return say_lines([text], settings, cache)


def say_lines(texts: list[str], settings: Settings, cache: Cache | None = None) -> Session:
    """Lines made as a session makes them, said in turn (for `say` and `safety --play`)."""
    speech = Speech.of(settings, cache)
    speech.prepare(texts)
    timeline = planner.spoken_lines(texts[0], texts, speech.length, speech.sample_rate)
    return Session(Routine(id="say", path="say", title=texts[0], exercises=()), settings, speech,
                   timeline)


def check_warnings(routine: Routine, cache: Cache | None = None) -> list[Problem]:
    """What will work but sound wrong, found by planning the session with real speech (or with
    lengths estimated from the text when there is no speech engine), as located warnings. A
    routine too long to play is refused (RoutineError), as the loader refuses a broken one."""
    planner.refuse_too_long(routine)
    settings = speaking(routine.language, Settings())  # measured with a voice of its language
    try:
        notes = prepare(routine, settings, cache).timeline.notes
    except SpeechEngineMissing:
        notes = planner.plan(routine, settings, planner.estimate_measure(settings)).notes
    problems = []
    for note in notes:
        exercise = note.exercise
        line = exercise.line_of(note.key) if exercise else 1
        where = (exercise.number, exercise.name) if exercise else None
        problems.append(Problem(routine.path, line, note.message, where, severity="warning"))
    for exercise in routine.exercises:  # [a, b, c]: an unquoted comma makes two wordings of one
        for cue in exercise.cues:
            wordings = cue.wordings if isinstance(cue, Cue) else (cue,)
            fragments = [w for w in wordings if w[:1].islower()]
            if len(wordings) > 1 and fragments:
                problems.append(Problem(
                    routine.path, exercise.line_of("cues"),
                    f"the cue wording {fragments[0]!r} begins in lower case, so it is said as a "
                    "line of its own: if a comma split one wording in two, put that wording in "
                    "quotes", (exercise.number, exercise.name), severity="warning"))
    return problems
