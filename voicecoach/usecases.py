"""What the commands do, as library calls: choose the settings, play a session and record it, say
today's session, export one or every routine. Typed, and usable without click or a terminal: what
needs a person (a pain rating, a yes) comes through an `Asker`, what is said through `tell`.
The command line (cli.py) parses, calls one of these and prints."""
from __future__ import annotations

import datetime as dt
import io
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, TextIO

from . import files, formats, history, phrases
from . import routine as routines
from .cache import Cache
from .config import Defaults
from .errors import FitError, VoicecoachError
from .formats import Format
from .i18n import ENGLISH, NotTranslated, Phrasebook, available, from_locale, phrasebook
from .settings import SAMPLE_RATE, Settings
from .store import Run, Store
from .vocabulary import DEFAULT_LEVEL, NO_BED, SOURCE

if TYPE_CHECKING:
    from .player import Stop
    from .session import Session
    from .store import Logged
    from .timeline import Timeline

Tell = Callable[[str], None]


@dataclass(frozen=True)
class Options:
    """The session choices as given on the command line (or a form): None where not given, so the
    config file, or a program week's level, fills them in `settings`."""

    level: str | None = None
    pace: str | None = None
    minutes: float | None = None
    voice: str | None = None
    safety_screen: bool = False
    bed: str | None = None
    bed_level: float | None = None
    language: str | None = None

    def settings(self, defaults: Defaults, week_level: str | None = None) -> Settings:
        """The one place a Settings is built from options and the config file: an option given
        wins, then a program week's level, then the config file's, then the built-in default.
        A bed of 'none' is no bed, e.g. to turn off the config file's. The language: the option,
        the config file's, then the locale's (LANG), noting which (a routine file's own language
        yields only to an option)."""
        bed = self.bed if self.bed is not None else defaults.bed
        language, language_from = self.language, "option"
        if language is None:
            language, language_from = defaults.language, "config"
        if language is None:
            language, language_from = from_locale(), "locale"
        return Settings(level=self.level or week_level or defaults.level,
                        pace=self.pace or defaults.pace, minutes=self.minutes,
                        voice=self.voice or defaults.voice, safety_screen=self.safety_screen,
                        bed=None if bed is None or bed.lower() == NO_BED else bed,
                        bed_level=self.bed_level if self.bed_level is not None else defaults.bed_level,
                        language=language, language_from=language_from if language else "")


class Asker(Protocol):
    """What a session asks the person, on a terminal or in a test; None (or False) when they skip
    or cannot be asked."""

    def pain(self, question: str) -> int | None: ...

    def next_day(self, session: Logged) -> str | None: ...

    def symptoms(self) -> tuple[str, ...] | None: ...

    def confirm(self, question: str) -> bool: ...


class NoOne:
    """An Asker for where no one can answer (not a terminal): every question is skipped."""

    def pain(self, question: str) -> int | None:
        return None

    def next_day(self, session: Logged) -> str | None:
        return None

    def symptoms(self) -> tuple[str, ...] | None:
        return None

    def confirm(self, question: str) -> bool:
        return False


def rate_the_morning_after(store: Store, plan: history.Plan, asker: Asker) -> None:
    """Ask how the morning after the last session was, when it has not been said, and record it."""
    if plan.unrated is not None:
        word = asker.next_day(plan.unrated)
        if word:
            history.rate_next_day(store, plan.unrated, word)


AskerIn = Callable[[Phrasebook], Asker]  # an Asker that asks in the phrasebook's language


def session_book(routine: routines.Routine) -> Phrasebook:
    """The language a session speaks (its routine's own), and so the language of every word said
    to the person and every answer asked of them while it runs: what they hear, they answer in."""
    return phrasebook(routine.language)


@dataclass(frozen=True)
class Today:
    """Today's session in the active program: its plan, the settings it is played at, the
    options to repeat in a command suggested to the person (the week's level is not repeated),
    and the one language the run speaks to the person in, the session's (session_book)."""

    plan: history.Plan
    settings: Settings
    given: list[str]
    book: Phrasebook


def terminal_book(options: Options, defaults: Defaults, own: str = SOURCE) -> Phrasebook:
    """The language the terminal speaks to the person in (shown_book)."""
    return shown_book(options.settings(defaults), own)


def shown_book(settings: Settings, own: str = SOURCE) -> Phrasebook:
    """The language words are shown to the person in, on the terminal or the page, chosen as a
    session's is: --language, then a program or routine file's own language, then the config
    file's, then the locale's; English when none of them has a phrasebook."""
    chosen = settings.language
    if settings.language_from != "option" and own != SOURCE:
        chosen = own
    return phrasebook(chosen) if chosen in available() else ENGLISH


def start_program(store: Store, ref: str, day: dt.date, replace_active: Callable[[Run], bool],
                  options: Options, defaults: Defaults) -> Run | None:
    """`program start`: a built-in program in the language asked for, as a routine's is chosen
    (--language must have a translation; a config or locale language falls back to the English
    when there is none); a program file is in its own language, and --language naming another
    is refused (a config or locale language just follows the file)."""
    settings = options.settings(defaults)
    asked = settings.language if settings.language not in (None, SOURCE) else None
    named = settings.language if settings.language_from == "option" else None
    try:
        return history.start(store, ref, day, replace_active, asked, named)
    except NotTranslated:
        if settings.language_from == "option":
            raise
        return history.start(store, ref, day, replace_active)


def today_plan(store: Store, day: dt.date, options: Options, defaults: Defaults,
               ask: AskerIn | None = None) -> history.Plan | None:
    """Today's plan, its reasons and advice in the terminal's language (terminal_book); with
    `ask`, the morning after the last session is asked first, in that language (it may hold the
    week), unless the program is paused. --language asks for the program in that language: a
    built-in's translation (a program file in another language is refused)."""
    plan = history.plan_for(store, day, language=options.language)
    if plan is None:
        return None
    book = terminal_book(options, defaults, plan.program.language)
    if ask is not None and plan.unrated is not None and not plan.position.paused:
        rate_the_morning_after(store, plan, ask(book))
    elif book is ENGLISH:
        return plan
    return history.plan_for(store, day, book, options.language)


def today_session(store: Store, day: dt.date, options: Options, defaults: Defaults,
                  ask: AskerIn | None = None) -> Today:
    """Today's program session, to play or export: refused while no program is active or while it
    is paused; at the week's level unless a level was given. The run speaks one language, the
    session's: with `ask`, the morning after the last session is asked in it before the session
    is chosen (it may hold the week), and the plan's advice is said in it."""
    plan = today_plan(store, day, options, defaults)  # a refusal in the terminal's language
    if plan is None:
        raise history.NoActiveProgram("there is no session to play or export",
                                      terminal_book(options, defaults)(phrases.NOTHING_TO_PLAY))
    if plan.position.paused:
        raise history.ProgramPaused(plan.advice)
    book = session_book(plan.routine)
    if ask is not None:
        rate_the_morning_after(store, plan, ask(book))
    plan = history.plan_for(store, day, book, options.language) or plan  # the same run, in its language
    if plan.position.paused:  # no morning-after answer pauses a program, but none plays paused
        raise history.ProgramPaused(plan.advice)
    settings = options.settings(defaults, week_level=plan.level)
    given = replace(settings, level=DEFAULT_LEVEL).option_args()  # the week's level is not repeated
    if options.level is not None:  # a level given overrides the week's, standard too
        given = ["--level", settings.level, *given]
    return Today(plan, settings, given, book)


@dataclass(frozen=True)
class Played:
    """How a played session went: where it stopped (None: to the end), what was heard, and the
    answers recorded after it."""

    timeline: Timeline
    stop: Stop | None
    seconds: float
    pain_after: int | None
    symptoms: tuple[str, ...] | None
    advice: str | None  # what to do about the pain or symptoms reported, if anything


@dataclass(frozen=True)
class Playback:
    """What playing needs beyond the session: the keys and status line of a terminal (or none),
    where to say the optional lines and in which language, and the hint given when there is no
    audio device."""

    asker: Asker
    tell: Tell
    no_device_hint: str
    keys_from: TextIO | None = None  # a terminal's stdin, for Keys; None: no keys
    status_to: TextIO | None = None  # a terminal's stderr, for the status line; None: none
    listen: bool = False
    debug: Tell = lambda line: None
    book: Phrasebook = ENGLISH  # the language of what is told: the session's


def play_session(routine: routines.Routine, settings: Settings, cache: Cache, playback: Playback,
                 *, plan: history.Plan | None = None, from_exercise: str | None = None,
                 store: Store | None = None, day: dt.date | None = None) -> Played | None:
    """Play a session (free, or a program's `plan`) and record it: completed, or how far it went.
    It asks pain before a program session and pain and symptoms after (through the Asker), and
    may end before playing (None) when pain before is too high and the person says not to play."""
    # The planner, the player and the engines: loaded when a session plays, not for every command
    from . import timeline as planner
    from .handsfree import steering
    from .player import Controls, Device, Keys, Player, find_chapter, safety_end, status_line
    from .session import start as start_session

    day = day or dt.date.today()
    if from_exercise:  # a mistyped --from is found before anything else, from a plan without speech
        find_chapter(planner.plan(routine, settings, planner.estimate_measure(settings)),
                     from_exercise)
    store = store or Store.default()  # a damaged history is reported before the session, not after
    if plan is not None and plan.position.paused:
        raise history.ProgramPaused(plan.advice)
    book = playback.book
    try:
        active = plan or history.plan_for(store, day, book)
    except VoicecoachError:  # a program whose file is gone does not stop a free session
        active = None
    if active is not None and active.position.urgent:  # any session, not only the program's
        playback.tell(book(phrases.BEFORE_YOU_PLAY, advice=active.advice))
    device = Device(SAMPLE_RATE, playback.no_device_hint)  # before any speech is made
    asker = playback.asker  # the morning after was asked before the plan was chosen (today_session)
    pain_before = asker.pain(phrases.PAIN_BEFORE.text) if plan is not None else None
    if pain_before is not None and pain_before >= history.SETTLE_FIRST:
        playback.tell(book(phrases.PAIN_HIGH_BEFORE, pain=str(pain_before),
                           rest=book(phrases.REST_TODAY)))
        if not asker.confirm(phrases.PLAY_ANYWAY.text):
            playback.tell(book(phrases.NOTHING_PLAYED))
            return None
    if history.first_session(store, plan):  # the full safety screen, once
        settings = replace(settings, safety_screen=True)
    nowhere = io.StringIO()  # not a terminal: no keys, no status line
    with Keys(playback.keys_from or nowhere) as keys, \
            status_line(playback.status_to or nowhere, playback.status_to is not None) as status:
        fitting = _Fitting(status, settings) if settings.minutes is not None else None
        session, live = start_session(routine, settings, cache, (), fitting)
        try:
            player = Player(session.timeline, session.speech, device, status, bed=session.bed,
                            growing=live)
            controls = Controls(keys)
            with steering(player, controls, routine.title, playback.debug, playback.listen,
                          lambda line: playback.tell(f"voicecoach: {line}")):
                # chapters move until every line is made: --from waits for them; the safety
                # words are said before the jump
                start, jump = 0, None
                if from_exercise and player.whole(controls):
                    jump = (safety_end(player.timeline),
                            find_chapter(player.timeline, from_exercise).start)
                stop = player.play(start, controls, jump)
            timeline = player.timeline
        finally:
            if live is not None:
                live.making.close()
    reached = timeline.length if stop is None else stop.position
    return _record(store, routine, plan, day, timeline, stop, reached - start, jump, reached,
                   pain_before, asker, book)


class _Fitting:
    """A ProgressFactory for play --minutes: the status line says why nothing sounds yet, in the
    session's language."""

    def __init__(self, status: Callable[[str], None] | None, settings: Settings,
                 book: Phrasebook = ENGLISH):
        self.status = status
        self.minutes = settings.minutes
        self.book = book

    def __call__(self, total: int) -> Callable[..., None] | None:
        if self.status is None:
            return None
        status, made = self.status, [0]

        def advance(step: int, text: str = "") -> None:
            made[0] += step
            status(self.book(phrases.STATUS_FITTING, minutes=f"{self.minutes:g}", made=str(made[0]),
                             total=str(total)))

        advance(0)
        return advance


def _record(store: Store, routine: routines.Routine, plan: history.Plan | None, day: dt.date,
            timeline: Timeline, stop: Stop | None, played: int, jump: tuple[int, int] | None,
            reached: int, pain_before: int | None, asker: Asker, book: Phrasebook = ENGLISH) -> Played:
    """Ask pain and symptoms after a session (not after Ctrl-C) and record what was heard; the
    advice on what was reported is in `book`'s language."""
    asked = stop is None or stop.reason != "interrupt"
    pain_after = asker.pain(phrases.PAIN_NOW.text) if asked else None
    symptoms = asker.symptoms() if asked else None
    if jump is not None:  # what was heard: the safety words, and after the jump
        played = jump[0] + reached - jump[1] if reached >= jump[1] else min(reached, jump[0])
    seconds = max(0, played) / timeline.sample_rate
    history.record_played(store, routine.id, plan, day, seconds, stop is None, pain_before,
                          pain_after, symptoms)
    advice = None
    if symptoms or (pain_after is not None and pain_after > history.ACCEPTABLE_PAIN):
        after = history.plan_for(store, day, book) if plan is not None else None
        advice = after.advice if after is not None else history.symptom_advice(symptoms, book)
    return Played(timeline, stop, seconds, pain_after, symptoms, advice or None)


@dataclass(frozen=True)
class Exported:
    routine_id: str
    summary: str  # what was written, for the person: "FILE (N chapters)"
    duration: float  # seconds


MakeSession = Callable[[str | routines.Routine, Settings], "Session"]
ProgressFor = Callable[["Session"], "Callable[[int], None] | None"]


def export_session(session: Session, output: Path | None, folder: Path | None, bitrate: int,
                   split: bool, captions: bool, progress: Callable[[int], None] | None,
                   inputs: Sequence[tuple[str, str]] = (), fmt: Format = formats.DEFAULT) -> Exported:
    """Write one session's file in `fmt` (or a folder of parts with `split`), named after it by
    default."""
    from . import export as exporter  # the encoders: loaded only to export

    default = session.settings.default_output(session.routine.id, "" if split else fmt.suffix)
    target = (folder / default) if folder else (output or default)
    with files.protecting(list(inputs)):
        summary = exporter.write_session(target, session, bitrate, split, captions, progress, fmt)
    return Exported(session.routine.id, summary, session.timeline.duration)


def export_all(names: Sequence[str], settings: Settings, make: MakeSession, folder: Path,
               bitrate: int, split: bool, captions: bool, progress_for: ProgressFor,
               on_written: Callable[[Exported], None], on_skipped: Callable[[str, FitError], None],
               fmt: Format = formats.DEFAULT) -> list[str]:
    """Export each routine into `folder`; a routine that cannot fit --minutes is skipped (and
    told) while the others are still written. Returns the skipped routines."""
    files.make_folder(folder)
    skipped = []
    for name in names:
        try:
            session = make(name, settings)
        except FitError as error:
            on_skipped(name, error)
            skipped.append(name)
            continue
        on_written(export_session(session, None, folder, bitrate, split, captions,
                                  progress_for(session), input_files(name, settings), fmt))
    return skipped


def input_files(routine_name: str, settings: Settings | None = None,
                program_file: str = "") -> list[tuple[str, str]]:
    """The routine, bed and program files a command reads, if it names them: never written over."""
    bed = settings.bed if settings is not None else None
    named = [(routine_name, "the routine file this command reads"),
             (bed, "the bed file this command reads"),
             (program_file, "the program file this command reads")]
    return [(name, what) for name, what in named if name and os.path.isfile(name)]
