"""Load a program file (YAML): a plan of weeks over routines, validated with located problems; and
apply a week's changes to its routine (pure)."""
from __future__ import annotations

import difflib
import os
from dataclasses import dataclass, replace
from importlib import resources
from pathlib import Path

from . import phrases
from . import routine as routines
from .errors import Problem, RoutineError, RoutineNotFound, UsageError
from .i18n import ENGLISH, NotTranslated, Phrasebook
from .routine import (
    Exercise,
    Range,
    Routine,
    _Checker,
    _describe,
    _Key,
    _ListOf,
    _Node,
    _Reading,
    _show,
    _text,
)
from .vocabulary import LEVELS, SOURCE

PROGRAM_KEYS = ("title", "source", "summary", "sessions_per_week", "weeks", "language")
WEEK_KEYS = ("routine", "level", "changes", "note")
CHANGE_KEYS = ("reps", "sets", "hold", "duration", "rest", "swap")
SWAP_KEYS = ("name", "setup", "how", "cues", "caution")
MAX_WEEKS = 104
MAX_SESSIONS_PER_WEEK = 14
MAX_ROUTINES_A_WEEK = 7
TEXT_LIMIT_NOTE = 300


class ProgramNotFound(UsageError):
    def __init__(self, name: str, known: list[str]):
        hint = f" Built-in programs: {', '.join(known)}." if known else ""
        super().__init__(f"no program file or built-in program named '{name}'.{hint} "
                         "Run 'voicecoach program list' to see them.")


@dataclass(frozen=True)
class Swap:
    """A variant that takes an exercise's place: a new name and whatever words change."""

    name: str
    setup: str | None = None
    how: str | None = None
    cues: tuple[str, ...] | None = None
    caution: str | None = None


@dataclass(frozen=True)
class Change:
    """What a week changes from its routine's own values for one named exercise."""

    exercise: str
    reps: Range | None = None
    sets: Range | None = None
    hold: Range | None = None
    duration: Range | None = None
    rest: float | None = None
    swap: Swap | None = None


@dataclass(frozen=True)
class Week:
    number: int  # 1-based
    routines: tuple[Routine, ...]  # done in turn, session by session
    level: str = "standard"
    changes: tuple[Change, ...] = ()
    note: str | None = None
    line: int = 0

    def routine_for(self, done: int) -> Routine:
        """The routine of the week's next session, after `done` sessions of it."""
        return self.routines[done % len(self.routines)]

    def session(self, done: int, program_id: str) -> Routine:
        """The routine of the next session with this week's changes applied."""
        return apply_changes(self.routine_for(done), self.changes,
                             f"{program_id}-week{self.number}")


@dataclass(frozen=True)
class Program:
    id: str
    path: str
    title: str
    sessions_per_week: int
    weeks: tuple[Week, ...]
    source: str | None = None
    summary: str | None = None
    builtin: bool = False
    language: str = SOURCE  # its text's, and its built-in routines' (their translations)

    def week(self, number: int) -> Week:
        return self.weeks[min(number, len(self.weeks)) - 1]

    def plan_text(self) -> str:
        """The plan week by week, as `program show` prints it."""
        lines = [f"{self.title} ({self.id}): {len(self.weeks)} weeks, {self.sessions_per_week} "
                 "sessions a week"]
        if self.source:
            lines.append(f"From: {self.source}")
        if self.summary:
            lines.append(self.summary)
        for week in self.weeks:
            names = " then ".join(r.id for r in week.routines)
            lines.append("")
            lines.append(f"Week {week.number}: {names}, {week.level} level")
            if week.note:
                lines.append(f"  {week.note}")
            for turn in range(len(week.routines)):
                rows = resolved(week.session(turn, self.id), week.level)
                width = max(len(row["name"]) for row in rows)
                lines += [f"  {row['name']:<{width}}  {describe_numbers(row)}" for row in rows]
        return "\n".join(lines)


def apply_changes(routine: Routine, changes: tuple[Change, ...], routine_id: str) -> Routine:
    """The routine with each named exercise's numbers (or the whole of it, for a swap) changed;
    exercises a change does not name are untouched."""
    by_name = {change.exercise.lower(): change for change in changes}
    exercises = []
    for exercise in routine.exercises:
        change = by_name.get(exercise.name.lower())
        exercises.append(_changed(exercise, change) if change else exercise)
    return replace(routine, id=routine_id, exercises=tuple(exercises))


def _changed(exercise: Exercise, change: Change) -> Exercise:
    amount = {"reps": change.reps, "hold": change.hold, "duration": change.duration}[exercise.kind]
    exercise = replace(exercise, amount=amount or exercise.amount, sets=change.sets or exercise.sets,
                       rest=change.rest if change.rest is not None else exercise.rest)
    if change.swap:
        swap = change.swap
        exercise = replace(exercise, name=swap.name, setup=swap.setup or exercise.setup,
                           how=swap.how or exercise.how, caution=swap.caution or exercise.caution,
                           cues=swap.cues if swap.cues is not None else exercise.cues)
    return exercise


def resolved(routine: Routine, level: str) -> list[dict]:
    """Each exercise's numbers as the level picks them: name, reps, sets, hold, duration, rest."""
    rows = []
    for exercise in routine.exercises:
        amount = _whole_if_whole(exercise.amount.pick(level))
        rows.append({
            "name": exercise.name,
            "reps": int(amount) if exercise.kind == "reps" else None,
            "sets": int(exercise.sets.pick(level)),
            "hold": amount if exercise.kind == "hold" else None,
            "duration": amount if exercise.kind == "duration" else None,
            "rest": _whole_if_whole(routine.rest_after(exercise)),
            "sides": list(exercise.sides),
        })
    return rows


def _whole_if_whole(value: float) -> float | int:
    return int(value) if float(value).is_integer() else value


def describe_numbers(row: dict, book: Phrasebook = ENGLISH) -> str:
    """'3 x 20 reps', '45 s', '2 x 30 s hold, each side' for a row of `resolved`, in `book`'s
    language, with digits (it is read on the screen)."""
    def seconds(value: float) -> str:
        minutes, rest = divmod(value, 60)
        if not minutes:
            return book(phrases.SCREEN_SECONDS, seconds=f"{rest:g}")
        if not rest:
            return book(phrases.SCREEN_MINUTES, minutes=f"{minutes:g}")
        return book(phrases.SCREEN_MINUTES_SECONDS, minutes=f"{minutes:g}", seconds=f"{rest:g}")

    if row["reps"] is not None:
        work = book.counted(phrases.SCREEN_REPS, row["reps"], reps=str(row["reps"]))
    elif row["hold"] is not None:
        work = book(phrases.SCREEN_HOLD, time=seconds(row["hold"]))
    else:
        work = seconds(row["duration"])
    if row["sets"] > 1:
        work = book(phrases.SCREEN_SETS, sets=str(row["sets"]), work=work)
    if row["sides"]:
        work = book(phrases.SCREEN_EACH_SIDE, work=work)
    return work


# ---------------------------------------------------------------------------
# Loading and validation


class _ProgramChecker(_Checker):
    """Routine checks, with each message led by where in the plan it is ('week 2, Push ups: ')."""

    where = ""

    def add(self, line: int, message: str, exercise: tuple[int, str] | None = None) -> None:
        self.problems.append(Problem(self.path, line, self.where + message))


def builtin_ids() -> list[str]:
    return routines.builtin_ids("programs")


def load(name_or_path: str, language: str | None = None) -> Program:
    """A built-in program by id (in another `language` than English, its translation
    programs/LANGUAGE/ID.yaml), or a program file by path."""
    candidate = Path(name_or_path)
    looks_like_path = candidate.suffix in (".yaml", ".yml") or "/" in name_or_path or "\\" in name_or_path
    known = builtin_ids()
    if looks_like_path or (name_or_path not in known and os.path.lexists(name_or_path)):
        data = routines.read_file(candidate, name_or_path, "program")
        return load_text(data, name_or_path, candidate.resolve().parent)
    if name_or_path in known:
        folder = "programs" if language in (None, SOURCE) else f"programs/{language}"
        resource = resources.files("voicecoach").joinpath(*folder.split("/"), f"{name_or_path}.yaml")
        if not resource.is_file():
            raise NotTranslated("program", name_or_path, language or SOURCE)
        return load_text(resource.read_bytes(), f"{folder}/{name_or_path}.yaml", None,
                         name_or_path, builtin=True)
    raise ProgramNotFound(name_or_path, known)


def load_text(data: bytes, path: str, folder: Path | None, program_id: str | None = None,
              builtin: bool = False) -> Program:
    """Validate a program; `folder` is where routine files it names by path are looked for."""
    if not data.strip():
        raise RoutineError([Problem(path, 1, "the file is empty; a program needs at least "
                                    "'title', 'sessions_per_week' and 'weeks'")])
    root = routines.read_yaml(data, path)
    return _validate(root, path, program_id or routines._id_from(path), folder, builtin)


def _validate(root: _Node, path: str, program_id: str, folder: Path | None,
              builtin: bool) -> Program:
    check = _ProgramChecker(path)
    if not isinstance(root.value, dict):
        raise RoutineError([Problem(path, root.line, "a program must be a mapping with 'title', "
                                    f"'sessions_per_week' and 'weeks', got {_describe(root.value)}")])
    top: dict = root.value
    check.unknown_keys(top, PROGRAM_KEYS, "program")
    title = check.text(top, "title", True, root.line)
    source = check.text(top, "source", False, root.line)
    summary = check.text(top, "summary", False, root.line)
    language = routines._language(check, top)
    per_week = None
    if _present(check, top, "sessions_per_week", PROGRAM_KEYS, root.line,
                f"1 to {MAX_SESSIONS_PER_WEEK}"):
        per_week = _whole(check, top["sessions_per_week"][1], "sessions_per_week", 1,
                          MAX_SESSIONS_PER_WEEK)
    weeks: list[Week] = []
    if _present(check, top, "weeks", PROGRAM_KEYS, root.line, "a list of at least one week"):
        key_node, list_node = top["weeks"]
        if not isinstance(list_node.value, list) or not list_node.value:
            check.add(list_node.line, "'weeks' must be a list of weeks, each naming its "
                      f"'routine', got {_describe(list_node.value)}")
        elif len(list_node.value) > MAX_WEEKS:
            check.add(key_node.line, f"{len(list_node.value)} weeks; a program holds at most "
                      f"{MAX_WEEKS}")
        else:
            for number, node in enumerate(list_node.value, start=1):
                check.where = f"week {number}: "
                week = _week(check, node, number, folder, language)
                check.where = ""
                if week is not None:
                    weeks.append(week)
    if check.problems:
        raise RoutineError(check.problems)
    assert title is not None and per_week is not None
    return Program(program_id, path, title, per_week, tuple(weeks), source, summary, builtin,
                   language)


def _present(check: _Checker, mapping: dict, key: str, allowed: tuple[str, ...], line: int,
             expected: str) -> bool:
    """Whether a required key is there; if not, says so, unless an unknown key close to it (a
    typo, already reported as unknown) stands in its place."""
    if key in mapping:
        return True
    misspelt = any(k not in allowed and difflib.get_close_matches(k, [key], n=1, cutoff=0.6)
                   for k in mapping)
    if not misspelt:
        check.add(line, f"'{key}' is missing; it is required ({expected})")
    return False


def _whole(check: _Checker, node: _Node, what: str, low: int, high: int) -> int | None:
    value = node.value
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        check.add(node.line, f"'{what}' must be a whole number from {low} to {high}, "
                  f"got {_show(value) if not isinstance(value, (dict, list)) else _describe(value)}")
        return None
    return value


def _week(check: _ProgramChecker, node: _Node, number: int, folder: Path | None,
          language: str = SOURCE) -> Week | None:
    if not isinstance(node.value, dict):
        check.add(node.line, f"a week must be a mapping with 'routine', got {_describe(node.value)}")
        return None
    mapping: dict = node.value
    before = len(check.problems)
    check.unknown_keys(mapping, WEEK_KEYS, "week")
    level = "standard"
    if "level" in mapping:
        level_node = mapping["level"][1]
        if level_node.value in LEVELS:
            level = level_node.value
        else:
            close = difflib.get_close_matches(str(level_node.value), LEVELS, n=1, cutoff=0.6)
            hint = f"did you mean '{close[0]}'? " if close else ""
            check.add(level_node.line, f"'level' must be one of {', '.join(LEVELS)}; {hint}"
                      f"got {_describe(level_node.value)}")
    note = None
    if "note" in mapping:
        note = check.text_value(mapping["note"][1], "note", None, "caution")
    found: list[Routine] = []
    if _present(check, mapping, "routine", WEEK_KEYS, node.line,
                "a built-in routine's id or a routine file"):
        found = _routines(check, mapping["routine"][1], folder, language)
    changes: list[Change] = []
    if "changes" in mapping and found:
        changes = _changes(check, mapping["changes"][1], found)
    if len(check.problems) > before or not found:
        return None
    return Week(number, tuple(found), level, tuple(changes), note, node.line)


def _routines(check: _ProgramChecker, node: _Node, folder: Path | None,
              language: str = SOURCE) -> list[Routine]:
    names = node.value if isinstance(node.value, list) else [_Node(node.value, node.line)]
    if not names or len(names) > MAX_ROUTINES_A_WEEK:
        check.add(node.line, f"'routine' must name a routine, or a list of 1 to "
                  f"{MAX_ROUTINES_A_WEEK} done in turn, got {_describe(node.value)}")
        return []
    found = []
    for name_node in names:
        name = name_node.value
        if not isinstance(name, str) or not name.strip():
            check.add(name_node.line, f"'routine' must be a routine's id or file, got "
                      f"{_describe(name)}")
            continue
        if "/" in name or "\\" in name:
            check.add(name_node.line, "'routine' must be a built-in routine's id or the name of a "
                      f"file beside the program (such as mine.yaml), got {_show(name)}")
            continue
        try:
            found.append(_routine(name.strip(), folder, language))
        except RoutineNotFound:
            known = routines.builtin_ids()
            close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
            hint = f"did you mean '{close[0]}'?" if close else f"built-in routines: {', '.join(known)}"
            check.add(name_node.line, f"unknown routine {_show(name)}; {hint}")
        except RoutineError as error:
            check.add(name_node.line, f"routine {_show(name)} cannot be used: {error.problems[0]}")
        except NotTranslated as error:  # a program in German names a routine not yet in German
            check.add(name_node.line, str(error))
    return found


def _routine(name: str, folder: Path | None, language: str = SOURCE) -> Routine:
    """A week's routine: a file beside the program, or a built-in in the program's language."""
    looks_like_path = name.endswith((".yaml", ".yml"))
    if looks_like_path and folder is not None:
        return routines.load_file(folder / name, name)
    if looks_like_path and folder is None:
        raise RoutineNotFound(name, routines.builtin_ids())  # a built-in program names built-ins
    return routines.load(name, language)


def _changes(check: _ProgramChecker, node: _Node, found: list[Routine]) -> list[Change]:
    if not isinstance(node.value, dict):
        check.add(node.line, "'changes' must map exercise names to what changes, such as "
                  f"'Push ups: {{reps: 12}}', got {_describe(node.value)}")
        return []
    by_name = {e.name.lower(): e for r in found for e in r.exercises}
    week_where = check.where
    changes = []
    for name, (key_node, value_node) in node.value.items():
        exercise = by_name.get(name.lower())
        if exercise is None:
            names = sorted({e.name for r in found for e in r.exercises})
            close = difflib.get_close_matches(name, names, n=1, cutoff=0.5)
            hint = f"did you mean '{close[0]}'?" if close else f"its exercises are: {', '.join(names)}"
            check.add(key_node.line, f"no exercise {_show(name)} in "
                      f"{', '.join(r.id for r in found)}; {hint}")
            continue
        check.where = f"{week_where.rstrip(': ')}, {exercise.name}: "
        change = _change(check, value_node, exercise, found)
        check.where = week_where
        if change is not None:
            changes.append(change)
    return changes


def _change(check: _ProgramChecker, node: _Node, exercise: Exercise,
            found: list[Routine]) -> Change | None:
    if not isinstance(node.value, dict) or not node.value:
        check.add(node.line, f"a change must be a mapping of {', '.join(CHANGE_KEYS)}, "
                  f"got {_describe(node.value)}")
        return None
    mapping: dict = node.value
    before = len(check.problems)
    check.unknown_keys(mapping, CHANGE_KEYS, "change")
    values: dict = {}
    for kind in ("reps", "hold", "duration"):
        if kind not in mapping:
            continue
        if kind != exercise.kind:
            check.add(mapping[kind][0].line, f"this exercise's work is '{exercise.kind}', so change "
                      f"'{exercise.kind}', not '{kind}'")
            continue
        values[kind] = check.bounded(mapping[kind][1], kind, kind, None, count=(kind == "reps"))
    if "sets" in mapping:
        values["sets"] = check.bounded(mapping["sets"][1], "sets", "sets", None, count=True)
    if "rest" in mapping:
        rest = check.bounded(mapping["rest"][1], "rest", "rest", None, allow_range=False)
        values["rest"] = rest.low if rest else None
    if "swap" in mapping:
        values["swap"] = _swap(check, mapping["swap"][1], exercise, found)
    if len(check.problems) > before:
        return None
    return Change(exercise.name, **values)


def _swap(check: _ProgramChecker, node: _Node, exercise: Exercise,
          found: list[Routine]) -> Swap | None:
    if not isinstance(node.value, dict):
        check.add(node.line, "'swap' must be a mapping with the variant's 'name' and what it "
                  f"says differently ({', '.join(SWAP_KEYS[1:])}), got {_describe(node.value)}")
        return None
    mapping: dict = node.value
    check.unknown_keys(mapping, SWAP_KEYS, "swap")
    name = check.text(mapping, "name", True, node.line)
    others = {e.name.lower() for r in found for e in r.exercises if e is not exercise}
    if name and name.lower() in others:
        check.add(mapping["name"][1].line, f"the variant's name {_show(name)} is already an "
                  "exercise of this routine; give it its own name")
    reading = _Reading(check, mapping, node.line)
    for row in _SWAP_TABLE:
        row.apply(reading)
    if name is None:
        return None
    return Swap(name, **reading.values)


def _plain_cue(reading: _Reading, node: _Node, kept: list[str]) -> str | None:
    return reading.check.text_value(node, "cues", reading.where, "cue", required=True)


# What a swap says differently (its name, required, is read before: it must be a new one).
_SWAP_TABLE = (
    _Key("setup", _text),
    _Key("how", _text),
    _Key("caution", _text),
    _Key("cues", _ListOf("a list of short reminders", _plain_cue, fewest=1)),
)


def all_builtin() -> list[Program]:
    return [load(program_id) for program_id in builtin_ids()]
