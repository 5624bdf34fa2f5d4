"""Where you are in a program and how your back has been: today's session, logging, streaks.

The rules (which week, whether it is held, the streak) are pure functions of what was recorded;
the functions that read or write the store keep each read-then-write in one transaction."""
from __future__ import annotations

import datetime as dt
import math
import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum
from pathlib import Path

from . import phrases
from . import program as programs
from . import routine as routines
from .errors import UsageError, VoicecoachError
from .i18n import ENGLISH, LanguageMismatch, Phrasebook
from .program import Program, Week
from .routine import Routine
from .settings import Settings
from .store import Logged, Run, Store
from .vocabulary import LEVELS, MAX_SESSION_SECONDS, NEXT_DAY, NO_SYMPTOM, PAIN_SCALE, SOURCE, SYMPTOM_NAMES

START_HINT = ENGLISH(phrases.NO_PROGRAM)  # --json's message, which stays English


class ProgramPaused(VoicecoachError):
    """A paused program offers no session: the advice says why and what to do."""

    exit_code = 1


class NoActiveProgram(UsageError):
    """No program is active, so `what` cannot be done; `said` is the whole message when a command
    says it in the person's language."""

    def __init__(self, what: str, said: str | None = None):
        super().__init__(said or f"no active program, so {what}. Start one with 'voicecoach "
                                 "program start NAME' ('voicecoach program list' shows them).")


# ---------------------------------------------------------------------------
# The rules, pure


# The pain-monitoring rule (README, "How a program listens to your back"). Some pain during and
# after exercise is fine while it stays moderate and settles by the next morning; the load goes
# down when it does not, and leg, saddle, bladder or bowel symptoms are not pain to work through.
ACCEPTABLE_PAIN = 5  # pain after a session at most this ...
ACCEPTABLE_RISE = 2  # ... and at most this much above pain before it
STEP_BACK_PAIN = 7  # a session that ends at this or more steps the program back at once
PAUSE_PAIN = 8  # pain at this or more in PAUSE_SESSIONS sessions pauses the program
PAUSE_SESSIONS = 2
NOT_ACCEPTABLE_IN_A_ROW = 2  # this many sessions in a row over the rule step back

# The warning symptoms `log --symptom` takes, in plain words. Urgent ones (signs of cauda equina
# syndrome, or a nerve losing strength) need an emergency department now; fever and night pain a
# doctor soon; leg pain or numbness a physiotherapist or doctor soon.
SYMPTOMS = {name: said.text for name, said in phrases.SYMPTOM_TEXTS.items()}  # English
URGENT = frozenset({"leg-weak", "both-legs", "saddle-numb", "bladder-bowel"})
SEE_A_DOCTOR = frozenset({"fever", "night-pain"})  # not for a physiotherapist first
if tuple(SYMPTOMS) != SYMPTOM_NAMES or not set(SYMPTOMS) >= URGENT | SEE_A_DOCTOR:  # pragma: no cover
    raise ImportError("history.SYMPTOMS must describe vocabulary.SYMPTOM_NAMES, in order")
SETTLE_FIRST = 6  # pain before a session at this or more: rest today instead


class Decision(StrEnum):
    """What the rule last did with a program, as `today --json` names it."""

    START = "start"
    ADVANCE = "advance"
    HOLD = "hold"
    STEP_BACK = "step_back"
    PAUSE = "pause"
    FINISHED = "finished"


@dataclass(frozen=True)
class Position:
    """Where a run of a program stands: its week and level, the sessions done in this go at the
    week, and the rule's last decision with its reason."""

    week: int  # 1-based
    done: int  # completed sessions so far in this go at the week
    decision: Decision = Decision.START
    reason: str | None = None  # why, in plain words, for every decision but start
    levels_down: int = 0  # how far a step back in week 1 lowered the week's level
    decided_after: int = 0  # sessions in the go the decision ended (shown until the next one)
    urgent: bool = False  # paused for a symptom that needs medical help now
    doctor: bool = False  # paused for a symptom a doctor should see first (fever, night pain)
    last_over: str | None = None  # why the latest session, not yet decided on, was over the rule

    @property
    def held(self) -> str | None:
        return f"week {self.week} goes on: {self.reason}" if self.decision == Decision.HOLD else None

    @property
    def finished(self) -> bool:
        return self.decision == Decision.FINISHED

    @property
    def paused(self) -> bool:
        return self.decision == Decision.PAUSE


def _pains(session: Logged) -> list[int]:
    return [p for p in (session.pain_before, session.pain_after) if p is not None]


def over_the_rule(session: Logged, book: Phrasebook = ENGLISH) -> str | None:
    """Why a session was not acceptable under the pain rule, or None. Unrated pain is taken as
    acceptable, except in a session stopped early: that may have been the pain. Numbers are given
    as text: the terminal shows digits, in every language."""
    on = str(session.date)
    before, after = session.pain_before, session.pain_after
    if after is not None and after > ACCEPTABLE_PAIN:
        return book(phrases.PAIN_AFTER_ABOVE, date=on, pain=str(after), limit=str(ACCEPTABLE_PAIN))
    if before is not None and after is not None and after - before > ACCEPTABLE_RISE:
        return book(phrases.PAIN_ROSE, before=str(before), after=str(after), date=on,
                    rise=str(ACCEPTABLE_RISE))
    if session.next_day == "worse":
        return book(phrases.WORSE_MORNING, date=on)
    if session.symptoms:
        return book(phrases.SYMPTOMS_AFTER, symptoms=described(session.symptoms, book), date=on)
    if not session.completed and after is None:
        return book(phrases.STOPPED_EARLY, date=on)
    return None


def described(symptoms: Sequence[str], book: Phrasebook = ENGLISH) -> str:
    """The symptoms in plain words, joined as a list."""
    words = [book(phrases.SYMPTOM_TEXTS[name]) if name in phrases.SYMPTOM_TEXTS else name
             for name in symptoms]
    if len(words) == 1:
        return words[0]
    return book(phrases.AND_LAST, first=", ".join(words[:-1]), last=words[-1])


def worse(week_sessions: Sequence[Logged], book: Phrasebook = ENGLISH) -> str | None:
    """Why a week's sessions do not let the program move on: the first one over the rule, or
    ratings (before, or after, sessions) that end the week higher than they began it: pain
    rising session on session is not settling, even while each session is within the rule."""
    for session in week_sessions:
        reason = over_the_rule(session, book)
        if reason:
            return reason
    for when in ("before", "after"):
        rated = [getattr(s, f"pain_{when}") for s in week_sessions
                 if getattr(s, f"pain_{when}") is not None]
        if len(rated) >= 2 and rated[-1] > rated[0]:
            rose = phrases.WEEK_ROSE_BEFORE if when == "before" else phrases.WEEK_ROSE_AFTER
            return book(rose, first=str(rated[0]), last=str(rated[-1]))
    return None


def position(program: Program, sessions: Sequence[Logged], resumes: Sequence[int] = (),
             on: dt.date | None = None, book: Phrasebook = ENGLISH) -> Position:
    """Walk a run's sessions in date order under the pain rule. A week moves on when its planned
    sessions are completed (one a day counts) and each was within the rule, and is held
    otherwise; it is decided once the morning after its last session has come (`on`: today). A
    session that ends at STEP_BACK_PAIN or more, or NOT_ACCEPTABLE_IN_A_ROW over the rule, steps
    back a week (in week 1, a level) at once; a warning symptom, or PAUSE_PAIN in PAUSE_SESSIONS
    sessions, pauses the program until it is resumed. `resumes`: the newest session id at each
    `program resume`; a resume goes on one step easier, and what came before it no longer
    pauses. The reasons are said in `book`'s language."""
    return _walk(program, sessions, resumes, on, book)[0]


def weeks_done_in(program: Program, sessions: Sequence[Logged],
                  resumes: Sequence[int] = ()) -> dict[int, int]:
    """The program week each session (by id) was done in, as the walk finds it: a session logged
    late, with an earlier date, can move the sessions after it into another week."""
    return _walk(program, sessions, resumes, None, ENGLISH)[1]


def _walk(program: Program, sessions: Sequence[Logged], resumes: Sequence[int],
          on: dt.date | None, book: Phrasebook) -> tuple[Position, dict[int, int]]:
    lowest = LEVELS.index(program.weeks[0].level)  # how far week 1's level can go down
    resumed_after = max(resumes, default=0)
    # where each resume falls in the walk: after the last session recorded before it
    resume_points = {max((s.id for s in sessions if s.id <= r), default=0) for r in resumes}
    at = Position(1, 0)
    block: list[Logged] = []  # the completed sessions that count towards this go at the week
    tried: list[Logged] = []  # every session in this go, partial ones and repeats of a day too
    in_a_row = severe = 0
    pause: Position | None = None
    weeks: dict[int, int] = {}

    def reported(session: Logged, urgent: bool) -> Position:
        said = book(phrases.REPORTED, symptoms=described(session.symptoms or (), book),
                    date=str(session.date))
        doctor = bool(set(session.symptoms or ()) & SEE_A_DOCTOR)
        return Position(at.week, 0, Decision.PAUSE, said, urgent=urgent, doctor=doctor)

    def easier(reason: str) -> Position:
        week, down = (at.week - 1, 0) if at.week > 1 else (1, min(at.levels_down + 1, lowest))
        return Position(week, 0, Decision.STEP_BACK, reason, down)

    if 0 in resume_points:
        at = easier(book(phrases.RESUMED))
    for session in sessions:
        weeks[session.id] = at.week
        fresh = session.id > resumed_after  # what was reported before a resume no longer pauses
        urgent = [name for name in session.symptoms or () if name in URGENT]
        doctor = bool(set(session.symptoms or ()) & SEE_A_DOCTOR)
        if pause is not None:  # a paused program stays where it stopped, whatever is logged
            if fresh and urgent and not pause.urgent:  # but an urgent symptom is always said,
                pause = reported(session, urgent=True)
            elif fresh and doctor and not (pause.urgent or pause.doctor):  # and one for a doctor
                pause = reported(session, urgent=False)
            continue
        if fresh:
            if session.symptoms:
                pause = reported(session, urgent=bool(urgent))
            if _pains(session) and max(_pains(session)) >= PAUSE_PAIN:
                severe += 1
                if severe >= PAUSE_SESSIONS and pause is None:
                    pause = Position(at.week, 0, Decision.PAUSE, book(
                        phrases.SEVERE, pain=str(PAUSE_PAIN), sessions=str(PAUSE_SESSIONS),
                        date=str(session.date)))
        reason = over_the_rule(session, book)
        in_a_row = in_a_row + 1 if reason else 0
        step = None
        if session.pain_after is not None and session.pain_after >= STEP_BACK_PAIN:
            step = book(phrases.STEP_BACK_PAIN, pain=str(session.pain_after), date=str(session.date))
        elif in_a_row >= NOT_ACCEPTABLE_IN_A_ROW:
            step = book(phrases.IN_A_ROW, count=str(NOT_ACCEPTABLE_IN_A_ROW), reason=reason)
        if session.id in resume_points:  # the resume itself: what was before it starts easier
            step = step or book(phrases.RESUMED)
        if step:
            at = easier(step)
            block, tried, in_a_row = [], [], 0
            continue
        if pause is not None:
            continue
        tried.append(session)
        if reason:  # the latest session did not go well: said until the week is decided
            at = replace(at, last_over=reason)
        if not session.completed or (block and block[-1].date == session.date):
            continue  # its pain counts, but a partial session or a second one a day does not
        block.append(session)
        if len(block) < program.sessions_per_week:
            at = replace(at, done=len(block))
            continue
        if on is not None and session.date >= on:  # the morning after it has not come yet
            at = replace(at, done=len(block))
            continue
        reason = worse(tried, book)
        if reason:
            at = Position(at.week, 0, Decision.HOLD, reason, at.levels_down, len(block))
        elif at.levels_down:  # back up the way it came down, a level at a time
            at = Position(1, 0, Decision.ADVANCE, book(phrases.WITHIN), at.levels_down - 1, len(block))
        elif at.week < len(program.weeks):
            at = Position(at.week + 1, 0, Decision.ADVANCE, book(phrases.WITHIN), 0, len(block))
        else:
            at = Position(at.week, 0, Decision.FINISHED, book(phrases.ALL_DONE), 0,
                          len(block))
        block, tried = [], []
    if len(block) >= program.sessions_per_week:  # the week's sessions are done; decided tomorrow
        at = replace(at, done=len(block))
    if pause is not None:
        at = replace(pause, week=at.week, done=at.done, levels_down=at.levels_down)
    return at, weeks


def week_start(day: dt.date) -> dt.date:
    """The Monday of the calendar week a day falls in."""
    return day - dt.timedelta(days=day.weekday())


def planned(week: dt.date, runs: Sequence[Run]) -> int:
    """Sessions planned in the calendar week starting `week`: the sessions_per_week of the program
    active then (the latest started, if two), or one when no program was."""
    end = week + dt.timedelta(days=6)
    active = [r for r in runs if r.started <= end and (r.ended is None or r.ended >= week)]
    return max(active, key=lambda r: (r.started, r.id)).sessions_per_week if active else 1


def streak_weeks(sessions: Sequence[Logged], runs: Sequence[Run], today: dt.date) -> int:
    """Calendar weeks in a row, up to this one, each with at least the planned completed
    sessions. This week counts once it has them; until it is over, falling short does not break
    the streak."""
    counts = Counter(week_start(s.date) for s in sessions if s.completed and s.date <= today)
    current = week_start(today)
    streak = 1 if counts[current] >= planned(current, runs) else 0
    week = current - dt.timedelta(weeks=1)
    while counts[week] and counts[week] >= planned(week, runs):
        streak += 1
        week -= dt.timedelta(weeks=1)
    return streak


# ---------------------------------------------------------------------------
# Today's session


@dataclass(frozen=True)
class Plan:
    """What to do on a day: the active program's week, its next routine with the week's changes."""

    run: Run
    program: Program
    position: Position
    date: dt.date
    unrated: Logged | None = None  # the last session before the day, if its next day is not said
    book: Phrasebook = ENGLISH  # the language of the position's reasons and of the advice

    @property
    def week(self) -> Week:
        return self.program.week(self.position.week)

    @property
    def routine_name(self) -> str:
        return self.week.routine_for(self.position.done).id

    @property
    def routine(self) -> Routine:
        return self.week.session(self.position.done, self.program.id)

    @property
    def level(self) -> str:
        """The week's level, lowered by any step back taken in week 1."""
        return LEVELS[max(0, LEVELS.index(self.week.level) - self.position.levels_down)]

    @property
    def advice(self) -> str:
        """What the rule's last decision means for the person, in plain words."""
        at, book = self.position, self.book
        if at.decision == Decision.PAUSE:
            if at.urgent:
                return book(phrases.PAUSED_URGENT, reason=at.reason, emergency=book(phrases.EMERGENCY))
            return book(phrases.PAUSED_DOCTOR if at.doctor else phrases.PAUSED, reason=at.reason,
                        keep_active=book(phrases.KEEP_ACTIVE))
        return " ".join(part for part in (self._decided(), self._today()) if part)

    def _today(self) -> str | None:
        """A word on today itself: the week's sessions are done, or the last one went badly."""
        at, book = self.position, self.book
        if at.last_over and at.decision != Decision.STEP_BACK:
            return book(phrases.NOT_SETTLED, reason=at.last_over, rest=book(phrases.REST_TODAY))
        if at.done >= self.program.sessions_per_week:
            return book(phrases.WEEK_DONE)
        return None

    def _level_name(self) -> str:
        return self.book.name(phrases.LEVEL_NAMES, self.level)

    def _decided(self) -> str:
        """The rule's last decision, in plain words."""
        at, book = self.position, self.book
        if at.decision == Decision.STEP_BACK:
            to = (book(phrases.TO_WEEK_ONE_AT, level=self._level_name()) if at.week == 1 else
                  book(phrases.TO_WEEK, week=str(at.week)))
            lowest = at.week == 1 and self.level == LEVELS[0]
            if at.reason == book(phrases.RESUMED):
                return book(phrases.GOING_ON, to=to, reason=at.reason)
            return " ".join((book(phrases.STEPPED_BACK, to=to, reason=at.reason),
                             book(phrases.LOWEST, rest=book(phrases.REST_TODAY)) if lowest else
                             book(phrases.TAKE_IT_EASIER)))
        if at.decision == Decision.HOLD:
            return book(phrases.HELD, week=str(at.week), reason=at.reason)
        if at.decision == Decision.ADVANCE:
            if at.levels_down:
                return book(phrases.ON_TO_WEEK_AT, week=str(at.week), level=self._level_name(),
                            reason=at.reason)
            return book(phrases.ON_TO_WEEK, week=str(at.week), reason=at.reason)
        if at.decision == Decision.FINISHED:
            return book(phrases.FINISHED)
        return book(phrases.RULE, limit=str(ACCEPTABLE_PAIN), rise=str(ACCEPTABLE_RISE))

    def to_json(self) -> dict[str, object]:
        at = self.position
        return {
            "date": self.date.isoformat(), "program": self.program.id, "title": self.program.title,
            "started": self.run.started.isoformat(), "week": at.week,
            "weeks": len(self.program.weeks), "routine": self.routine_name, "level": self.level,
            "sessions_per_week": self.program.sessions_per_week,
            "sessions_done": at.done, "decision": str(at.decision), "reason": at.reason,
            "advice": self.advice, "paused": at.paused, "urgent": at.urgent, "held": at.held,
            "finished": at.finished, "note": self.week.note,
            "next_day_unrated": self.unrated.date.isoformat() if self.unrated else None,
            "exercises": programs.resolved(self.routine, self.level),
        }

    def counts(self) -> str:
        """The sessions done, said so that a decision just made does not read as nothing done: a
        step back starts the easier week again, so its count is of the sessions since then, and a
        paused program counts none."""
        at, book = self.position, self.book
        per_week, done = str(self.program.sessions_per_week), str(at.done)
        if at.done == 0 and at.decided_after and at.decision == Decision.HOLD:
            return book(phrases.WEEK_COUNT_HELD, done=str(at.decided_after), per_week=per_week)
        if at.done == 0 and at.decided_after and at.decision == Decision.ADVANCE:
            return book(phrases.WEEK_COUNT_ADVANCED, done=str(at.decided_after), per_week=per_week)
        if at.paused:
            return book(phrases.WEEK_PAUSED)
        if at.decision == Decision.STEP_BACK:
            return book(phrases.WEEK_COUNT_STEPPED_BACK, done=done, per_week=per_week)
        return book(phrases.WEEK_COUNT, done=done, per_week=per_week)

    def text(self) -> str:
        book, at = self.book, self.position
        lines = [book(phrases.HEADER, title=self.program.title, id=self.program.id,
                      date=self.run.started.isoformat()),
                 book(phrases.WEEK_LINE, week=str(at.week), weeks=str(len(self.program.weeks)),
                      routine=self.routine_name, level=self._level_name(), counts=self.counts())]
        lines.append(self.advice)
        if at.paused:
            return "\n".join(lines)
        if self.unrated:
            lines.append(book(phrases.UNRATED, date=str(self.unrated.date),
                              choices="|".join(NEXT_DAY)))
        if self.week.note:
            lines.append(self.week.note)
        exercises = programs.resolved(self.routine, self.level)
        width = max(len(e["name"]) for e in exercises)
        lines += [f"  {e['name']:<{width}}  {programs.describe_numbers(e, book)}" for e in exercises]
        lines.append(book(phrases.PLAY_IT))
        return "\n".join(lines)


@dataclass(frozen=True)
class ProgramRef:
    """A run's program as its ref names it: a built-in in a language, or a program file."""

    builtin: str | None = None  # a built-in program's id
    language: str = SOURCE  # the built-in's translation; SOURCE: the built-in itself
    file: Path | None = None  # a program file, by its absolute path


def encode_ref(program: Program) -> str:
    """What a run keeps to find its program again: a built-in's id (LANGUAGE/ID for its
    translation: an id has no slash), or the program file's absolute path."""
    if program.builtin:
        return program.id if program.language == SOURCE else f"{program.language}/{program.id}"
    return str(Path(program.path).resolve())


def decode_ref(ref: str) -> ProgramRef:
    """A run's ref read back, as encode_ref wrote it."""
    if Path(ref).is_absolute():
        return ProgramRef(file=Path(ref))
    language, _, name = ref.rpartition("/")
    return ProgramRef(builtin=name, language=language or SOURCE)


def _program_of(run: Run, language: str | None = None) -> Program:
    """The active run's program, from its built-in id or the file it was started from; with
    `language` (asked for by name), a built-in's translation into it, the same weeks and
    routines (NotTranslated when there is none), and a file in another is refused."""
    named = decode_ref(run.ref)
    if named.file is not None:
        if not named.file.exists():
            raise VoicecoachError(f"the active program '{run.program}' was started from {run.ref}, "
                                  "which is no longer there; put it back, or start another program "
                                  "with 'voicecoach program start NAME --yes'")
        program = programs.load(str(named.file))
        if language is not None and language != program.language:
            raise LanguageMismatch(program.path, language, program.language, "program")
        return program
    assert named.builtin is not None
    return programs.load(named.builtin, language or named.language)


def program_language(run: Run | None) -> str:
    """The own language of a run's program (SOURCE for none): a built-in's from its ref, a
    file's from the file; SOURCE when the file cannot be read (`today` says why)."""
    if run is None:
        return SOURCE
    named = decode_ref(run.ref)
    if named.file is None:
        return named.language
    try:
        return programs.load(str(named.file)).language
    except VoicecoachError:
        return SOURCE


def plan_for(store: Store, on: dt.date, book: Phrasebook = ENGLISH,
             language: str | None = None) -> Plan | None:
    """Today's session of the active program, counting what was done up to `on`; its reasons
    and advice said in `book`'s language (JSON keeps English: plan_for without a book). With
    `language`, asked for by name, the session is in it: a built-in program's translation."""
    run = store.active_run()
    if run is None:
        return None
    program = _program_of(run, language)
    sessions = [s for s in store.sessions(run.id) if run.started <= s.date <= on]
    before = [s for s in sessions if s.date < on]
    unrated = before[-1] if before and before[-1].next_day is None else None
    at = position(program, sessions, store.resumes(run.id), on, book)
    return Plan(run, program, at, on, unrated, book)


# ---------------------------------------------------------------------------
# Writing


def start(store: Store, ref: str, on: dt.date, replace_active: Callable[[Run], bool],
          language: str | None = None, named: str | None = None) -> Run | None:
    """Make a program (a built-in id or a file) the active one: a built-in in `language`, its
    translation (NotTranslated when it has none; a file is in its own). `named`: the language
    asked for by name (--language), which a file in another language cannot be said in
    (LanguageMismatch). The program is checked first, so a mistake changes nothing;
    `replace_active` is asked before another active one is ended, and None comes back if it
    says no."""
    program = programs.load(ref, language)
    if named is not None and program.language != named:  # a built-in is in the language asked
        raise LanguageMismatch(program.path, named, program.language, "program")
    active = store.active_run()
    if active is not None and not replace_active(active):
        return None
    return store.start_run(program.id, encode_ref(program), program.title,
                           program.sessions_per_week, on)


def check_pain(value: int | None, what: str) -> int | None:
    low, high = PAIN_SCALE
    if value is not None and not low <= value <= high:
        raise UsageError(f"{what} must be from {low} (none) to {high} (worst), got {value}")
    return value


def check_partial(seconds: float | None) -> float | None:
    """The seconds a stopped session lasted: a finite number, at most the longest session there
    can be (no session is planned past MAX_SESSION_SECONDS, whatever --minutes asks)."""
    if seconds is not None and not (math.isfinite(seconds) and 0 <= seconds <= MAX_SESSION_SECONDS):
        raise UsageError(f"--partial must be from 0 to {MAX_SESSION_SECONDS:g} seconds (no session "
                         f"is longer than {MAX_SESSION_SECONDS // 3600} hours), got {seconds:g}")
    return seconds


def check_symptoms(names: Sequence[str]) -> tuple[str, ...] | None:
    """The symptoms given (`none` alone: asked, and none), or None when none were given."""
    if not names:
        return None
    unknown = [n for n in names if n != NO_SYMPTOM and n not in SYMPTOMS]
    if unknown:
        raise UsageError(f"unknown symptom '{unknown[0]}'; give one of {', '.join(SYMPTOMS)}, or "
                         f"'{NO_SYMPTOM}'")
    if NO_SYMPTOM in names and len(set(names)) > 1:
        raise UsageError(f"'--symptom {NO_SYMPTOM}' says there were none, so give it alone")
    return tuple(dict.fromkeys(n for n in names if n != NO_SYMPTOM))


def log(store: Store, on: dt.date, routine_ref: str | None = None, pain_before: int | None = None,
        pain_after: int | None = None, partial: float | None = None,
        note: str | None = None, length: float | None = None, next_day: str | None = None,
        symptoms: tuple[str, ...] | None = None,
        today: dt.date | None = None, book: Phrasebook = ENGLISH) -> tuple[Logged | None, Plan | None]:
    """Record a session done outside `play` (from an MP3, say): by default today's program
    session, completed. A routine of the current week counts for the program; any other routine
    is recorded on its own. `length`: the completed session's seconds when known (serve knows the
    episode played), else estimated. `next_day` is how the back was the morning after the last
    session logged before this one. Given alone, `next_day` and `symptoms` go with the last
    session logged, and no session is added (None comes back for it). Returns the record and
    the plan as it stands today, its reasons and advice in `book`'s language."""
    check_pain(pain_before, "pain before")
    check_pain(pain_after, "pain after")
    if next_day is not None and next_day not in NEXT_DAY:
        raise UsageError(f"--next-day must be one of {', '.join(NEXT_DAY)}, got '{next_day}'")
    check_partial(partial)
    about_last = (routine_ref is None and pain_before is None and pain_after is None
                  and partial is None and note is None and length is None
                  and (next_day is not None or symptoms is not None))
    given = routines.load(routine_ref) if routine_ref else None
    record_id = None
    with store.transaction():  # the week is read and the session written under one lock
        earlier = [s for s in store.sessions() if s.date <= on]
        if about_last or next_day is not None:
            if not earlier:
                raise UsageError("no session is recorded yet for --next-day or --symptom to go with; "
                                 "log the session itself first")
            store.set_after(earlier[-1].id, next_day, symptoms if about_last else None)
        if not about_last:
            record_id = _add(store, on, given, pain_before, pain_after, partial, note, length,
                             symptoms)
    after = plan_for(store, max(on, today or dt.date.today()), book)
    if record_id is None:
        return None, after
    return next(s for s in store.sessions() if s.id == record_id), after


def _add(store: Store, on: dt.date, given: Routine | None, pain_before: int | None,
         pain_after: int | None, partial: float | None, note: str | None, length: float | None,
         symptoms: tuple[str, ...] | None) -> int:
    """Add one session inside the caller's transaction: the program's when it belongs to it."""
    plan = plan_for(store, on)
    if plan is not None and on < plan.run.started:  # done before the program: not part of it
        if given is None:
            raise UsageError(f"the active program started on {plan.run.started}, after {on}; "
                             "give the routine done that day with --routine")
        plan = None
    if given is None and plan is None:
        raise NoActiveProgram("give the routine done with --routine")
    in_program = plan is not None and (
        given is None or given.id in [r.id for r in plan.week.routines])
    if in_program:
        assert plan is not None
        name, run_id, week, session = plan.routine_name, plan.run.id, plan.position.week, plan.routine
        if given is not None and given.id != name:  # the week's other routine, done instead
            name = given.id
            session = programs.apply_changes(given, plan.week.changes, session.id)
        level = plan.level
    else:
        assert given is not None
        name, run_id, week, session, level = given.id, None, None, given, "standard"
    seconds = partial if partial is not None else length if length is not None \
        else _estimated(session, level)
    record_id = store.add_session(on, name, run_id, week, partial is None, seconds, pain_before,
                                  pain_after, note, symptoms)
    if plan is not None and run_id is not None:
        _renumber(store, plan)
    return record_id


def rate_next_day(store: Store, session: Logged, next_day: str) -> None:
    """Record how the back was the morning after a session (asked by `today` and `play`)."""
    if next_day not in NEXT_DAY:
        raise UsageError(f"the next day must be one of {', '.join(NEXT_DAY)}, got '{next_day}'")
    with store.transaction():
        store.set_after(session.id, next_day, None)


def first_session(store: Store, plan: Plan | None) -> bool:
    """Whether the session about to be played is a first: the first a person ever plays, or the
    first of a program. It then opens with the full safety screen."""
    if plan is not None:
        return not store.sessions(plan.run.id)
    return not store.sessions()


def resume(store: Store, on: dt.date) -> Plan:
    """Continue the active program after a pause; what was reported so far no longer pauses it."""
    plan = plan_for(store, on)
    if plan is None:
        raise NoActiveProgram("there is nothing to resume")
    store.resume(plan.run.id, on)
    after = plan_for(store, on)
    assert after is not None
    return after


def _renumber(store: Store, plan: Plan) -> None:
    """Keep each session's stored week true to the walk, inside the writer's transaction."""
    store.set_weeks(weeks_done_in(plan.program, store.sessions(plan.run.id),
                                  store.resumes(plan.run.id)))


def symptom_advice(symptoms: Sequence[str] | None, book: Phrasebook = ENGLISH) -> str | None:
    """What to do about symptoms reported, program or not: urgent ones need help now."""
    if not symptoms:
        return None
    urgent = [name for name in symptoms if name in URGENT]
    if urgent:
        return book(phrases.YOU_REPORTED_URGENT, symptoms=described(urgent, book),
                    emergency=book(phrases.EMERGENCY))
    see = (phrases.YOU_REPORTED_DOCTOR if set(symptoms) & SEE_A_DOCTOR else
           phrases.YOU_REPORTED_CLINICIAN)
    return book(see, symptoms=described(symptoms, book))


# Words in a note that may mean a warning symptom was written down instead of reported
_WARNING_WORDS = re.compile(r"\b(leg|legs|numb\w*|tingl\w*|weak\w*|bladder|bowel\w*|groin|saddle|"
                            r"fever\w*|night|sciatic\w*)\b", re.IGNORECASE)


def note_hint(note: str | None, symptoms: Sequence[str] | None,
              book: Phrasebook = ENGLISH) -> str | None:
    """When a note reads like a warning symptom that was not reported as one, how to report it."""
    found = _WARNING_WORDS.search(note or "")
    if not found or symptoms is not None:
        return None
    return book(phrases.NOTE_HINT, word=found.group(0))


def logged_text(record: Logged | None, plan: Plan | None, book: Phrasebook = ENGLISH) -> str:
    """What `log` says: what was recorded, and where the program stands after it (the plan's
    advice is in the plan's own language: plan_for with the same book)."""
    if record is None:
        line = book(phrases.RECORDED_NEXT_DAY)
    else:
        done = (book(phrases.COMPLETED) if record.completed else
                book(phrases.PARTIAL_AFTER, minutes=_minutes(record.seconds)))
        line = (book(phrases.LOGGED_FOR, routine=record.routine, date=str(record.date), done=done,
                     program=record.program, week=str(record.week)) if record.program else
                book(phrases.LOGGED, routine=record.routine, date=str(record.date), done=done))
    lines = [line]
    if plan is not None and (record is None or record.program is not None):
        lines.append(book(phrases.NOW_WEEK, week=str(plan.position.week),
                          weeks=str(len(plan.program.weeks)), counts=plan.counts()))
        lines.append(plan.advice)
    if record is not None and record.symptoms and not (plan and plan.position.paused):
        lines.append(symptom_advice(record.symptoms, book) or "")
    hint = note_hint(record.note, record.symptoms, book) if record is not None else None
    if hint:
        lines.append(hint)
    return "\n".join(lines)


def _estimated(routine: Routine, level: str) -> float:
    from .timeline import estimated_seconds  # the planner: cli imports this module at start-up

    return round(estimated_seconds(routine, Settings(level=level)))


def record_played(store: Store, routine_id: str, plan: Plan | None, on: dt.date, seconds: float,
                  completed: bool, pain_before: int | None, pain_after: int | None,
                  symptoms: tuple[str, ...] | None = None) -> Logged:
    """Record a session `play` played: completed when it reached the end, else how far it went.
    A program session (`today --play`) counts for the program's week."""
    check_pain(pain_before, "pain before")
    check_pain(pain_after, "pain after")
    with store.transaction():
        if plan is not None:
            record_id = store.add_session(on, plan.routine_name, plan.run.id, plan.position.week,
                                          completed, round(seconds, 1), pain_before, pain_after, None,
                                          symptoms)
            _renumber(store, plan)
        else:
            record_id = store.add_session(on, routine_id, None, None, completed, round(seconds, 1),
                                          pain_before, pain_after, None, symptoms)
    return next(s for s in store.sessions() if s.id == record_id)


# ---------------------------------------------------------------------------
# Reading


def session_json(session: Logged) -> dict[str, object]:
    return {"date": session.date.isoformat(), "routine": session.routine,
            "program": session.program, "week": session.week, "completed": session.completed,
            "seconds": session.seconds, "pain_before": session.pain_before,
            "pain_after": session.pain_after, "note": session.note, "next_day": session.next_day,
            "symptoms": list(session.symptoms) if session.symptoms is not None else None}


def history_json(store: Store, today: dt.date) -> dict[str, object]:
    sessions = store.sessions()
    return {"sessions": [session_json(s) for s in sessions],
            "streak_weeks": streak_weeks(sessions, store.runs(), today)}


def history_text(store: Store, today: dt.date, book: Phrasebook = ENGLISH) -> str:
    """The `history` table: headings and words in `book`'s language, the data as recorded; each
    column as wide as its heading or its widest cell, in any language."""
    sessions = store.sessions()
    if not sessions:
        return book(phrases.NO_SESSIONS)
    rows = [[book(said) for said in phrases.HISTORY_HEADINGS]]
    for s in sessions:
        done = (book(phrases.COMPLETED) if s.completed else
                book(phrases.PARTIAL, minutes=_minutes(s.seconds)))
        pain = "-" if s.pain_before is None and s.pain_after is None else (
            f"{'-' if s.pain_before is None else s.pain_before} -> "
            f"{'-' if s.pain_after is None else s.pain_after}")
        symptoms = "-" if s.symptoms is None else ", ".join(s.symptoms) or book(phrases.NO_SYMPTOMS)
        rows.append([s.date.isoformat(), s.routine, s.program or "-", str(s.week or "-"), done,
                     pain, s.next_day or "-", symptoms])
    widths = [max(len(cell) for cell in column) for column in zip(*rows, strict=True)]

    def row(cells: Sequence[str]) -> str:
        padded = [cell.rjust(width) if n == 3 else cell.ljust(width)  # the week, right aligned
                  for n, (cell, width) in enumerate(zip(cells[:-1], widths[:-1], strict=True))]
        return "  ".join([*padded, cells[-1]])  # the last column is not padded

    lines = [row(cells) for cells in rows]
    streak = streak_weeks(sessions, store.runs(), today)
    lines.append(book.counted(phrases.STREAK, streak, count=str(streak)))
    return "\n".join(lines)


def _minutes(seconds: float | None) -> str:
    if seconds is None or not math.isfinite(seconds):
        return "?"
    return f"{int(seconds // 60)}:{int(seconds % 60):02d}"
