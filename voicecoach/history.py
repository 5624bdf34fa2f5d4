"""Where you are in a program and how your back has been: today's session, logging, streaks.

The rules (which week, whether it is held, the streak) are pure functions of what was recorded;
the functions that read or write the store keep each read-then-write in one transaction."""
from __future__ import annotations

import datetime as dt
import math
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from . import program as programs
from . import routine as routines
from .errors import UsageError, VoicecoachError
from .program import Program, Week
from .routine import MAX_SESSION_SECONDS, Routine
from .store import Logged, Run, Store

PAIN_SCALE = (0, 10)
START_HINT = ("No active program. Start one with 'voicecoach program start NAME' "
              "('voicecoach program list' shows them).")


class NoActiveProgram(UsageError):
    def __init__(self, what: str):
        super().__init__(f"no active program, so {what}. Start one with 'voicecoach program "
                         "start NAME' ('voicecoach program list' shows them).")


# ---------------------------------------------------------------------------
# The rules, pure


@dataclass(frozen=True)
class Position:
    """Where a run of a program stands: its week, the sessions done in it, and why it is held."""

    week: int  # 1-based
    done: int  # completed sessions so far in this go at the week
    held: str | None = None  # why the week is being done again
    finished: bool = False  # every week passed; the last one goes on


def worse(week_sessions: Sequence[Logged]) -> str | None:
    """Why pain was worse across a week's sessions, or None: a session that ended with more pain
    than it began with, or ratings (before, or after, sessions) that end the week higher than
    they began it."""
    for session in week_sessions:
        if (session.pain_before is not None and session.pain_after is not None
                and session.pain_after > session.pain_before):
            return (f"pain after the session on {session.date} ({session.pain_after}) was higher "
                    f"than before it ({session.pain_before})")
    for when in ("before", "after"):
        rated = [getattr(s, f"pain_{when}") for s in week_sessions
                 if getattr(s, f"pain_{when}") is not None]
        if len(rated) >= 2 and rated[-1] > rated[0]:
            return f"pain {when} sessions rose from {rated[0]} to {rated[-1]} over the week"
    return None


def position(program: Program, sessions: Sequence[Logged]) -> Position:
    """Walk a run's sessions in date order: each time a week's planned sessions are completed,
    move on, unless pain was worse across them, which holds the program on that week."""
    return _walk(program, sessions)[0]


def weeks_done_in(program: Program, sessions: Sequence[Logged]) -> dict[int, int]:
    """The program week each session (by id) was done in, as the walk finds it: a session logged
    late, with an earlier date, can move the sessions after it into another week."""
    return _walk(program, sessions)[1]


def _walk(program: Program, sessions: Sequence[Logged]) -> tuple[Position, dict[int, int]]:
    week, block, held, finished = 1, [], None, False
    weeks: dict[int, int] = {}
    for session in sessions:
        weeks[session.id] = week
        if not session.completed:
            continue  # a partial session is recorded, but does not count towards the week
        block.append(session)
        if len(block) < program.sessions_per_week:
            continue
        reason = worse(block)
        if reason:
            held = f"week {week} goes on: {reason}"
        elif week < len(program.weeks):
            week, held = week + 1, None
        else:
            finished, held = True, None
        block = []
    return Position(week, len(block), held, finished), weeks


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
        return self.week.level

    def to_json(self) -> dict:
        return {
            "date": self.date.isoformat(), "program": self.program.id, "title": self.program.title,
            "started": self.run.started.isoformat(), "week": self.position.week,
            "weeks": len(self.program.weeks), "routine": self.routine_name, "level": self.level,
            "sessions_per_week": self.program.sessions_per_week,
            "sessions_done": self.position.done, "held": self.position.held,
            "finished": self.position.finished, "note": self.week.note,
            "exercises": programs.resolved(self.routine, self.level),
        }

    def text(self) -> str:
        info = self.to_json()
        lines = [f"{info['title']} ({info['program']}), started {info['started']}",
                 f"Week {info['week']} of {info['weeks']}: {info['routine']}, {info['level']} level; "
                 f"{info['sessions_done']} of {info['sessions_per_week']} sessions done this week"]
        if info["finished"]:
            lines.append("Every week of the plan is done; its last week goes on until you start "
                         "another program.")
        if info["held"]:
            lines.append(f"Holding: {info['held']}.")
        if info["note"]:
            lines.append(info["note"])
        width = max(len(e["name"]) for e in info["exercises"])
        lines += [f"  {e['name']:<{width}}  {programs.describe_numbers(e)}" for e in info["exercises"]]
        lines.append("Play it with 'voicecoach today --play', or take it to a phone with "
                     "'voicecoach today --export', then 'voicecoach log'.")
        return "\n".join(lines)


def _program_of(run: Run) -> Program:
    """The active run's program, from its built-in id or the file it was started from."""
    if Path(run.ref).is_absolute() and not Path(run.ref).exists():
        raise VoicecoachError(f"the active program '{run.program}' was started from {run.ref}, which "
                              "is no longer there; put it back, or start another program with "
                              "'voicecoach program start NAME --yes'")
    return programs.load(run.ref)


def plan_for(store: Store, on: dt.date) -> Plan | None:
    """Today's session of the active program, counting what was done up to `on`."""
    run = store.active_run()
    if run is None:
        return None
    program = _program_of(run)
    sessions = [s for s in store.sessions(run.id) if s.date <= on]
    return Plan(run, program, position(program, sessions), on)


# ---------------------------------------------------------------------------
# Writing


def start(store: Store, ref: str, on: dt.date, replace_active: Callable[[Run], bool]) -> Run | None:
    """Make a program (a built-in id or a file) the active one. The program is checked first, so
    a mistake changes nothing; `replace_active` is asked before another active one is ended,
    and None comes back if it says no."""
    program = programs.load(ref)
    active = store.active_run()
    if active is not None and not replace_active(active):
        return None
    stored = program.id if program.builtin else str(Path(ref).resolve())
    return store.start_run(program.id, stored, program.title, program.sessions_per_week, on)


def check_pain(value: int | None, what: str) -> int | None:
    low, high = PAIN_SCALE
    if value is not None and not low <= value <= high:
        raise UsageError(f"{what} must be from {low} (none) to {high} (worst), got {value}")
    return value


def check_partial(seconds: float | None) -> float | None:
    """The seconds a stopped session lasted: a finite number, at most the longest session there
    can be (no session is planned past MAX_SESSION_SECONDS, whatever --minutes asks)."""
    if seconds is not None and not (math.isfinite(seconds) and 0 <= seconds <= MAX_SESSION_SECONDS):
        raise UsageError(f"--partial must be the seconds done, from 0 to {MAX_SESSION_SECONDS:g} "
                         f"(no session is longer than {MAX_SESSION_SECONDS // 3600} hours), "
                         f"got {seconds:g}")
    return seconds


def log(store: Store, on: dt.date, routine_ref: str | None = None, pain_before: int | None = None,
        pain_after: int | None = None, partial: float | None = None,
        note: str | None = None, length: float | None = None) -> tuple[Logged, Plan | None]:
    """Record a session done outside `play` (from an MP3, say): by default today's program
    session, completed. A routine of the current week counts for the program; any other routine
    is recorded on its own. `length`: the completed session's seconds when known (serve knows the
    episode played), else estimated. Returns the record and the plan as it stands after it."""
    check_pain(pain_before, "pain before")
    check_pain(pain_after, "pain after")
    check_partial(partial)
    given = routines.load(routine_ref) if routine_ref else None
    with store.transaction():  # the week is read and the session written under one lock
        plan = plan_for(store, on)
        if given is None and plan is None:
            raise NoActiveProgram("give the routine done with --routine")
        in_program = plan is not None and (
            given is None or given.id in [r.id for r in plan.week.routines])
        if in_program:
            assert plan is not None
            name, run, week, session = plan.routine_name, plan.run.id, plan.position.week, plan.routine
            if given is not None and given.id != name:  # the week's other routine, done instead
                name = given.id
                session = programs.apply_changes(given, plan.week.changes, session.id)
            level = plan.level
        else:
            assert given is not None
            name, run, week, session, level = given.id, None, None, given, "standard"
        seconds = partial if partial is not None else length if length is not None \
            else _estimated(session, level)
        record_id = store.add_session(on, name, run, week, partial is None, seconds, pain_before,
                                      pain_after, note)
        if plan is not None and run is not None:
            _renumber(store, plan)
    after = plan_for(store, on)
    return next(s for s in store.sessions() if s.id == record_id), after


def _renumber(store: Store, plan: Plan) -> None:
    """Keep each session's stored week true to the walk, inside the writer's transaction."""
    store.set_weeks(weeks_done_in(plan.program, store.sessions(plan.run.id)))


def logged_text(record: Logged, plan: Plan | None) -> str:
    """What `log` says: what was recorded, and where the program stands after it."""
    done = "completed" if record.completed else f"partial, {_minutes(record.seconds)}"
    line = f"Logged {record.routine} on {record.date} ({done})"
    if record.program:
        line += f" for {record.program}, week {record.week}"
    if plan is None or record.program is None:
        return line + "."
    position = plan.position
    line += (f". Now week {position.week} of {len(plan.program.weeks)}, {position.done} of "
             f"{plan.program.sessions_per_week} sessions done.")
    if position.held:
        line += f" Holding: {position.held}."
    return line


def _estimated(routine: Routine, level: str) -> float:
    from .settings import Settings
    from .timeline import estimated_seconds

    return round(estimated_seconds(routine, Settings(level=level)))


def record_played(store: Store, routine_id: str, plan: Plan | None, on: dt.date, seconds: float,
                  completed: bool, pain_before: int | None, pain_after: int | None) -> Logged:
    """Record a session `play` played: completed when it reached the end, else how far it went.
    A program session (`today --play`) counts for the program's week."""
    check_pain(pain_before, "pain before")
    check_pain(pain_after, "pain after")
    with store.transaction():
        if plan is not None:
            record_id = store.add_session(on, plan.routine_name, plan.run.id, plan.position.week,
                                          completed, round(seconds, 1), pain_before, pain_after, None)
            _renumber(store, plan)
        else:
            record_id = store.add_session(on, routine_id, None, None, completed, round(seconds, 1),
                                          pain_before, pain_after, None)
    return next(s for s in store.sessions() if s.id == record_id)


# ---------------------------------------------------------------------------
# Reading


def session_json(session: Logged) -> dict:
    return {"date": session.date.isoformat(), "routine": session.routine,
            "program": session.program, "week": session.week, "completed": session.completed,
            "seconds": session.seconds, "pain_before": session.pain_before,
            "pain_after": session.pain_after, "note": session.note}


def history_json(store: Store, today: dt.date) -> dict:
    sessions = store.sessions()
    return {"sessions": [session_json(s) for s in sessions],
            "streak_weeks": streak_weeks(sessions, store.runs(), today)}


def history_text(store: Store, today: dt.date) -> str:
    sessions = store.sessions()
    if not sessions:
        return "No sessions recorded yet. 'voicecoach play' records one, or 'voicecoach log'."
    lines = [f"{'DATE':<10}  {'ROUTINE':<18}  {'PROGRAM':<22}  {'WEEK':>4}  {'DONE':<12}  PAIN"]
    for s in sessions:
        done = "completed" if s.completed else f"partial {_minutes(s.seconds)}"
        pain = "-" if s.pain_before is None and s.pain_after is None else (
            f"{'-' if s.pain_before is None else s.pain_before} -> "
            f"{'-' if s.pain_after is None else s.pain_after}")
        lines.append(f"{s.date.isoformat():<10}  {s.routine:<18}  {s.program or '-':<22}  "
                     f"{s.week or '-':>4}  {done:<12}  {pain}")
    streak = streak_weeks(sessions, store.runs(), today)
    lines.append(f"Streak: {streak} week{'s' if streak != 1 else ''} in a row with the planned "
                 "sessions")
    return "\n".join(lines)


def _minutes(seconds: float | None) -> str:
    if seconds is None or not math.isfinite(seconds):
        return "?"
    return f"{int(seconds // 60)}:{int(seconds % 60):02d}"
