"""Load a routine file (YAML) into a validated, immutable Routine, or report located problems."""
from __future__ import annotations

import difflib
import math
import os
import re
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from .errors import Problem, RoutineError, RoutineNotFound
from .files import NotRegular, read_regular
from .vocabulary import EQUIPMENT, POSITIONS, SOURCE, WORK_KINDS

try:  # libyaml keeps even a large hostile file well under a second
    _Loader: Any = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - wheels ship libyaml
    _Loader = yaml.SafeLoader

MAX_FILE_BYTES = 256 * 1024
MAX_DEPTH = 16
MAX_EVENTS = 20_000

ROUTINE_KEYS = ("title", "source", "summary", "intro", "outro", "rest", "equipment", "exercises",
                "language")
EXERCISE_KEYS = (
    "name", "position", "setup", "how", "cues", "caution", "sides", "switch", "alternate", "sets",
    "rest", "hold", "reps", "duration", "tempo", "check_in", "again",
)
# POSITIONS: where the body is for an exercise; the planner talks the listener from one to the
# next. EQUIPMENT: what a routine may ask the listener to have at hand; the planner uses the chair
# in a change of position only when the routine lists one (both in vocabulary.py).
MAX_WORDINGS = 6  # ways of saying one cue

TEXT_LIMITS = {
    "title": 100, "source": 200, "summary": 1000, "intro": 600, "outro": 600,
    "name": 60, "setup": 600, "how": 400, "switch": 300, "again": 300, "caution": 300,
    "cue": 120, "side": 30, "word": 30,
}
MAX_EXERCISES = 50
MAX_CUES = 12
MAX_SIDES = 4
MAX_PHASES = 8
# (smallest, largest) allowed for each number a routine can carry
BOUNDS = {
    "hold": (1, 30 * 60), "duration": (1, 60 * 60), "reps": (1, 200), "sets": (1, 20),
    "rest": (1, 10 * 60), "check_in": (10, 30 * 60), "phase": (0.2, 30),
}
DEFAULT_REST = 20.0
DEFAULT_TEMPO_WORD = ""
DEFAULT_TEMPO_SECONDS = 3.0


@dataclass(frozen=True)
class Range:
    """A number or a range such as 5-7 reps or 20-40s; the level picks from it."""

    low: float
    high: float

    def pick(self, level: str) -> float:
        if level == "beginner":
            return self.low
        if level == "advanced":
            return self.high
        return math.floor((self.low + self.high) / 2 + 0.5)

    def __str__(self) -> str:
        return f"{self.low:g}" if self.low == self.high else f"{self.low:g}-{self.high:g}"


@dataclass(frozen=True)
class Phase:
    """One tempo phase of a rep: the word spoken at its start and how long it lasts."""

    word: str
    seconds: float


class Cue(str):
    """A form reminder: its first wording, as text, with the tempo phase it belongs to (spoken at
    that phase's start) and every wording it has (said in turn, so a long hold does not repeat).

    A str, so a cue given as plain text (or a program's swapped cues) is a cue with no phase."""

    phase: str | None
    wordings: tuple[str, ...]

    def __new__(cls, text: str, phase: str | None = None, wordings: tuple[str, ...] = ()) -> Cue:
        cue = super().__new__(cls, text)
        cue.phase = phase
        cue.wordings = wordings or (text,)
        return cue


def wordings(cue: str) -> tuple[str, ...]:
    return cue.wordings if isinstance(cue, Cue) else (cue,)


def phase_of(cue: str) -> str | None:
    return cue.phase if isinstance(cue, Cue) else None


@dataclass(frozen=True)
class Exercise:
    name: str
    setup: str
    kind: str  # one of WORK_KINDS
    amount: Range  # seconds for hold/duration, a count for reps
    cues: tuple[str, ...] = ()
    caution: str | None = None
    sides: tuple[str, ...] = ()
    sets: Range = Range(1, 1)
    rest: float | None = None
    tempo: tuple[Phase, ...] = ()
    check_in: float | None = None
    position: str | None = None  # one of POSITIONS
    how: str | None = None  # the movement itself, spoken once before the first count-in
    switch: str | None = None  # spoken on changing sides, instead of "Switch to your ..."
    again: str | None = None  # how to get back into position before each set after the first
    alternate: bool = False  # each rep switches sides; counts per side are equal
    # with alternate: what the two sides are called, first side first (the file's `sides`)
    alternate_sides: tuple[str, ...] = ()
    line: int = 0
    number: int = 0  # 1-based position in the routine
    lines: tuple[tuple[str, int], ...] = field(default=(), compare=False, repr=False)

    def line_of(self, key: str) -> int:
        return dict(self.lines).get(key, self.line)

    @property
    def timed(self) -> bool:
        return self.kind in ("hold", "duration")

    @property
    def rep_sides(self) -> tuple[str, str]:
        """With alternate: the side of odd reps and of even reps, as each rep says it."""
        if len(self.alternate_sides) == 2:
            return self.alternate_sides[0], self.alternate_sides[1]
        return "left", "right"


@dataclass(frozen=True)
class Routine:
    id: str
    path: str  # as shown in messages: the file given, or library/ID.yaml
    title: str
    exercises: tuple[Exercise, ...]
    source: str | None = None
    summary: str | None = None
    intro: str | None = None
    outro: str | None = None
    rest: float | None = None
    builtin: bool = False
    equipment: tuple[str, ...] = ()
    exercises_line: int = 1  # where the exercises begin in the file, for a problem with them all
    language: str = SOURCE  # the language its text is in, and its session speaks (i18n.py)

    @property
    def named(self) -> str:
        """How a message names it: a built-in by its id, a file of one's own by its title and
        file (its id is only the file's stem)."""
        return f"'{self.id}'" if self.builtin else f"'{self.title}' ({self.path})"

    def rest_after(self, exercise: Exercise) -> float:
        if exercise.rest is not None:
            return exercise.rest
        return self.rest if self.rest is not None else DEFAULT_REST


# ---------------------------------------------------------------------------
# Values

_UNITS = {
    "h": 3600, "hr": 3600, "hrs": 3600, "hour": 3600, "hours": 3600,
    "m": 60, "min": 60, "mins": 60, "minute": 60, "minutes": 60,
    "s": 1, "sec": 1, "secs": 1, "second": 1, "seconds": 1,
}
_PART = re.compile(r"\s*(\d+(?:\.\d+)?)\s*([a-z]+)?\s*")


def parse_duration(text: str, default_unit: str | None = "s") -> float | None:
    """Seconds in '30s', '2m', '1m30s', '90 seconds', '20 min' or '45'; None if not a duration."""
    text = text.strip().lower()
    if not text:
        return None
    total, pos, parts = 0.0, 0, 0
    while pos < len(text):
        match = _PART.match(text, pos)
        if not match or match.end() == pos:
            return None
        number, unit = match.groups()
        if unit is None:
            if default_unit is None or parts or match.end() != len(text):
                return None
            unit = default_unit
        if unit not in _UNITS:
            return None
        total += float(number) * _UNITS[unit]
        pos, parts = match.end(), parts + 1
    return total


def _unit_of(text: str) -> str | None:
    match = re.search(r"([a-z]+)\s*$", text.strip().lower())
    return match.group(1) if match and match.group(1) in _UNITS else None


class ValueProblem(Exception):
    """Raised inside value parsing; becomes a located Problem."""


def to_seconds(value: Any, what: str, allow_range: bool) -> Range:
    expected = "a duration such as 30s, 2m or 1m30s"
    if not what.startswith("tempo phase"):
        what = f"'{what}'"
    if allow_range:
        expected += ", or a range such as 20-40s"
    if isinstance(value, bool) or value is None:
        raise ValueProblem(f"{what} must be {expected}, got {_show(value)}")
    if isinstance(value, (int, float)):
        if not math.isfinite(value):
            raise ValueProblem(f"{what} must be {expected}, got {_show(value)}")
        return Range(float(value), float(value))
    if not isinstance(value, str):
        raise ValueProblem(f"{what} must be {expected}, got {_describe(value)}")
    pieces = _split_range(value)
    if len(pieces) == 2 and allow_range:
        unit = _unit_of(pieces[1]) or "s"
        low = parse_duration(pieces[0], default_unit=unit)
        high = parse_duration(pieces[1])
        if low is None or high is None:
            raise ValueProblem(f"{what} must be {expected}, got {_show(value)}")
        if low > high:
            raise ValueProblem(f"{what} range {_show(value)} runs backwards; write the low end first")
        return Range(low, high)
    seconds = parse_duration(value) if len(pieces) == 1 else None
    if seconds is None:
        raise ValueProblem(f"{what} must be {expected}, got {_show(value)}")
    return Range(seconds, seconds)


def to_count(value: Any, what: str) -> Range:
    expected = "a whole number such as 5, or a range such as 5-7"
    if isinstance(value, bool) or value is None:
        raise ValueProblem(f"'{what}' must be {expected}, got {_show(value)}")
    if isinstance(value, int):
        return Range(value, value)
    if isinstance(value, float) and value.is_integer():
        return Range(value, value)
    if isinstance(value, str):
        pieces = _split_range(value)
        try:
            numbers = [int(p.strip()) for p in pieces]
        except ValueError:
            numbers = []
        if len(numbers) == 1:
            return Range(numbers[0], numbers[0])
        if len(numbers) == 2:
            if numbers[0] > numbers[1]:
                raise ValueProblem(
                    f"'{what}' range {_show(value)} runs backwards; write the low end first"
                )
            return Range(numbers[0], numbers[1])
    raise ValueProblem(f"'{what}' must be {expected}, got {_describe(value)}")


def _split_range(text: str) -> list[str]:
    text = text.strip()
    if text.startswith("-"):
        return [text]  # a negative number, judged by the bounds check
    return re.split(r"\s*(?:-|–|\bto\b)\s*", text, maxsplit=1)


def _show(value: Any) -> str:
    if isinstance(value, str):
        shown = value if len(value) <= 40 else value[:37] + "..."
        return repr(shown)
    if value is None:
        return "nothing"
    return repr(value)


def _describe(value: Any) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return _show(value)


# ---------------------------------------------------------------------------
# Reading YAML safely, with the line of every value


class _Node:
    """A plain value with the line it came from."""

    __slots__ = ("value", "line")

    def __init__(self, value: Any, line: int):
        self.value = value
        self.line = line


Where = tuple[int, str] | None  # the exercise a message names (number, name), or None
_Mapping = dict[str, tuple[_Node, _Node]]  # a YAML mapping: key -> (key node, value node)


def _scan(text: str, path: str) -> None:
    """Refuse what could hurt before composing: aliases, tags, deep nesting, huge documents."""
    depth = 0
    documents = 0
    for count, event in enumerate(yaml.parse(text, Loader=_Loader)):
        line = event.start_mark.line + 1 if event.start_mark else 1
        if count > MAX_EVENTS:
            raise RoutineError([Problem(path, line, "the file is too large to be a routine")])
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
            raise RoutineError([Problem(
                path, line, "YAML anchors and aliases (& and *) are not allowed in a routine; "
                "write each value out")])
        tag = getattr(event, "tag", None)
        if tag is not None and not _implicit(event):
            raise RoutineError([Problem(
                path, line, f"YAML tags such as '{tag}' are not allowed in a routine")])
        if isinstance(event, yaml.DocumentStartEvent):
            documents += 1
            if documents > 1:
                raise RoutineError([Problem(
                    path, line, "a routine file holds one YAML document; found a second '---'")])
        if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
            depth += 1
            if depth > MAX_DEPTH:
                raise RoutineError([Problem(
                    path, line, f"nested more than {MAX_DEPTH} levels deep; a routine is "
                    "a mapping with a list of exercises")])
        elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
            depth -= 1


def _implicit(event: Any) -> bool:
    implicit = getattr(event, "implicit", None)
    if isinstance(implicit, tuple):
        return any(implicit)
    return bool(implicit)


def _plain(node: yaml.Node, path: str, constructor: yaml.SafeLoader) -> _Node:
    line = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        mapping: dict[str, tuple[_Node, _Node]] = {}
        for key_node, value_node in node.value:
            key = _plain(key_node, path, constructor)
            if not isinstance(key.value, str):
                raise RoutineError([Problem(
                    path, key.line, f"keys must be words such as 'name' or 'hold', got "
                    f"{_describe(key.value)}")])
            if key.value in mapping:
                raise RoutineError([Problem(
                    path, key.line, f"key {_show(key.value)} is given twice in the same mapping")])
            mapping[key.value] = (key, _plain(value_node, path, constructor))
        return _Node(mapping, line)
    if isinstance(node, yaml.SequenceNode):
        return _Node([_plain(item, path, constructor) for item in node.value], line)
    return _Node(constructor.construct_object(node, deep=True), line)


def read_yaml(data: bytes, path: str) -> _Node:
    if len(data) > MAX_FILE_BYTES:
        raise RoutineError([Problem(
            path, 1, f"the file is {len(data) // 1024} KB; a routine file is at most "
            f"{MAX_FILE_BYTES // 1024} KB")])
    if b"\x00" in data:
        line = data[: data.index(b"\x00")].count(b"\n") + 1
        raise RoutineError([Problem(path, line, "this is a binary file, not a YAML routine")])
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise RoutineError([Problem(
            path, line, "the file is not UTF-8 text; save the routine as UTF-8")]) from None
    try:
        _scan(text, path)
        node = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        reason = exc.problem or exc.context or "unreadable"
        lines = text.splitlines()
        indent = lines[line - 1][: len(lines[line - 1]) - len(lines[line - 1].lstrip())] \
            if line <= len(lines) else ""
        if "\t" in indent:
            reason += "; indent with spaces: YAML does not allow tabs"
        raise RoutineError([Problem(path, line, f"not valid YAML: {reason}")]) from None
    except yaml.YAMLError as exc:
        raise RoutineError([Problem(path, 1, f"not valid YAML: {_one_line(exc)}")]) from None
    except RecursionError:
        raise RoutineError([Problem(path, 1, "nested too deeply to be a routine")]) from None
    if node is None:
        raise RoutineError([Problem(
            path, 1, "the file is empty; a routine needs at least 'title' and 'exercises'")])
    try:
        return _plain(node, path, yaml.SafeLoader(""))
    except (yaml.YAMLError, ValueError, OverflowError) as exc:
        raise RoutineError([Problem(path, 1, f"not valid YAML: {_one_line(exc)}")]) from None


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split())[:200]


# ---------------------------------------------------------------------------
# Validation


class _Checker:
    def __init__(self, path: str):
        self.path = path
        self.problems: list[Problem] = []

    def add(self, line: int, message: str, exercise: Where = None) -> None:
        self.problems.append(Problem(self.path, line, message, exercise))

    def unknown_keys(self, mapping: _Mapping, allowed: tuple[str, ...], where: str,
                     exercise: Where = None) -> None:
        for key, (key_node, _) in mapping.items():
            if key in allowed:
                continue
            close = difflib.get_close_matches(key, allowed, n=1, cutoff=0.6)
            hint = f"; did you mean '{close[0]}'?" if close else f"; {where} keys are: {', '.join(allowed)}"
            self.add(key_node.line, f"unknown key {_show(key)}{hint}", exercise)

    def text(self, mapping: _Mapping, key: str, required: bool, line: int,
             exercise: Where = None, limit_name: str | None = None) -> str | None:
        if key not in mapping:
            if required:
                self.add(line, f"'{key}' is missing; it is required", exercise)
            return None
        node = mapping[key][1]
        return self.text_value(node, key, exercise, limit_name or key, required)

    def text_value(self, node: _Node, what: str, exercise: Where,
                   limit_name: str, required: bool = False) -> str | None:
        value = node.value
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            value = f"{value:g}"
        if not isinstance(value, str):
            self.add(node.line, f"'{what}' must be text, got {_describe(value)}", exercise)
            return None
        value = " ".join(value.split())
        control = next((ch for ch in value if unicodedata.category(ch) == "Cc"), None)
        if control is not None:
            self.add(node.line, f"'{what}' holds the control character U+{ord(control):04X}; "
                     "write plain text (it would reach the captions and the feed)", exercise)
            return None
        if not value:
            if required:
                self.add(node.line, f"'{what}' is empty; it needs some text", exercise)
            return None
        limit = TEXT_LIMITS[limit_name]
        if len(value) > limit:
            self.add(node.line, f"'{what}' is {len(value)} characters long; "
                     f"keep it to {limit} or fewer", exercise)
            return None
        if not any(ch.isalnum() for ch in value):
            self.add(node.line, f"'{what}' has no words to speak, got {_show(value)}", exercise)
            return None
        return value

    def bounded(self, node: _Node, what: str, bound: str, exercise: Where, count: bool = False,
                allow_range: bool = True) -> Range | None:
        try:
            value = to_count(node.value, what) if count else to_seconds(node.value, what, allow_range)
        except ValueProblem as exc:
            self.add(node.line, str(exc), exercise)
            return None
        low, high = BOUNDS[bound]
        unit = "" if count else " seconds"
        label = what if what.startswith("tempo phase") else f"'{what}'"
        if value.low <= 0:
            self.add(node.line, f"{label} must be more than zero, got {_show(node.value)}", exercise)
            return None
        if value.low < low:
            self.add(node.line, f"{label} must be at least {low:g}{unit}, got {_show(node.value)}",
                     exercise)
            return None
        if value.high > high:
            limit = f"{high:g}{unit}" if count or high < 120 else _minutes(high)
            self.add(node.line, f"{label} must be at most {limit}, got {_show(node.value)}",
                     exercise)
            return None
        if not count and value.low != int(value.low) and bound != "phase":
            value = Range(round(value.low), round(value.high))
        return value


def _minutes(seconds: float) -> str:
    return f"{seconds / 60:g} minutes"


def validate(root: _Node, path: str, routine_id: str, builtin: bool = False) -> Routine:
    check = _Checker(path)
    if not isinstance(root.value, dict):
        raise RoutineError([Problem(
            path, root.line, f"a routine must be a mapping with 'title' and 'exercises', "
            f"got {_describe(root.value)}")])
    top: _Mapping = root.value
    check.unknown_keys(top, ROUTINE_KEYS, "routine")
    title = check.text(top, "title", True, root.line)
    source = check.text(top, "source", False, root.line)
    summary = check.text(top, "summary", False, root.line)
    intro = check.text(top, "intro", False, root.line)
    outro = check.text(top, "outro", False, root.line)
    language = _language(check, top)
    rest = None
    if "rest" in top:
        value = check.bounded(top["rest"][1], "rest", "rest", None, allow_range=False)
        rest = value.low if value else None
    reading = _Reading(check, top, root.line)
    _EQUIPMENT.apply(reading)
    equipment: tuple[str, ...] = reading.values["equipment"]

    exercises: list[Exercise] = []
    if "exercises" not in top:
        check.add(root.line, "'exercises' is missing; it is required (a list of at least one)")
    else:
        key_node, list_node = top["exercises"]
        if not isinstance(list_node.value, list):
            check.add(list_node.line, f"'exercises' must be a list of exercises, got "
                      f"{_describe(list_node.value)}")
        elif not list_node.value:
            check.add(key_node.line, "'exercises' is empty; a routine needs at least one exercise")
        elif len(list_node.value) > MAX_EXERCISES:
            check.add(key_node.line, f"{len(list_node.value)} exercises; a routine holds at most "
                      f"{MAX_EXERCISES}")
        else:
            for number, item in enumerate(list_node.value, start=1):
                exercise = _exercise(check, item, number)
                if exercise is not None:
                    exercises.append(exercise)
            seen: set[str] = set()
            for exercise in exercises:
                if exercise.name.lower() in seen:
                    check.add(exercise.line, f"the name {_show(exercise.name)} is used twice; "
                              "each exercise needs its own name (chapters are titled by it)",
                              (exercise.number, exercise.name))
                seen.add(exercise.name.lower())

    if not check.problems:
        routine = Routine(id=routine_id, path=path, title=title or "", exercises=tuple(exercises),
                          source=source, summary=summary, intro=intro, outro=outro, rest=rest,
                          builtin=builtin, equipment=tuple(equipment), language=language,
                          exercises_line=top["exercises"][0].line)
        return routine  # its length is the planner's to judge: timeline.refuse_too_long
    raise RoutineError(check.problems)


def _language(check: _Checker, top: dict[str, Any]) -> str:
    """The file's `language:`, one with a phrasebook (i18n.py); English when it has none."""
    from .i18n import available

    if "language" not in top:
        return SOURCE
    node = top["language"][1]
    known = available()
    value = node.value.strip().lower() if isinstance(node.value, str) else None
    if value not in known:
        check.add(node.line, f"'language' must be one of {', '.join(known)} (the languages with a "
                  f"phrasebook), got {_describe(node.value)}")
        return SOURCE
    return value


# ---------------------------------------------------------------------------
# A table of keys: each row says how one key's value is read (its type and limits, and what a
# message says when it is wrong), its value when absent, whether it is required, and what it does
# not go with. `_Key.apply` is the one loop body; the rules after a table are the checks that
# need several keys at once.


class _Reading:
    """One mapping being read by a table: the values read so far (named as the model's fields),
    the lines of the items each list key kept, and the exercise messages name."""

    def __init__(self, check: _Checker, mapping: _Mapping, line: int, where: Where = None):
        self.check = check
        self.mapping = mapping
        self.line = line
        self.where = where
        self.values: dict[str, Any] = {}
        self.item_lines: dict[str, list[int]] = {}
        self.works: tuple[str, ...] = ()  # the work keys given (hold, reps, duration), one or not

    def add(self, line: int, message: str) -> None:
        self.check.add(line, message, self.where)

    def key_line(self, key: str) -> int:
        return self.mapping[key][0].line


_Read = Callable[[_Reading, "_Key", _Node], Any]  # a value, or None once it said what is wrong


@dataclass(frozen=True)
class _Key:
    """A row: the key, its reader, its value when absent or refused, whether it must be given, and
    what makes it clash with keys read before it (said at the key, before its value is read)."""

    name: str
    read: _Read
    default: Any = None
    required: bool = False
    clashes: Callable[[_Reading], str | None] | None = None

    def apply(self, reading: _Reading) -> None:
        if self.name not in reading.mapping:
            if self.required:
                reading.add(reading.line, f"'{self.name}' is missing; it is required")
            reading.values[self.name] = self.default
            return
        key_node, node = reading.mapping[self.name]
        clash = self.clashes(reading) if self.clashes else None
        if clash:
            reading.add(key_node.line, clash)
        value = self.read(reading, self, node)
        reading.values[self.name] = self.default if value is None else value


def _text(reading: _Reading, key: _Key, node: _Node) -> str | None:
    """Spoken text, one line, within TEXT_LIMITS for the key."""
    return reading.check.text_value(node, key.name, reading.where, key.name, key.required)


def _flag(reading: _Reading, key: _Key, node: _Node) -> bool | None:
    if isinstance(node.value, bool):
        return node.value
    reading.add(node.line, f"'{key.name}' must be true or false, got {_describe(node.value)}")
    return None


def _count(reading: _Reading, key: _Key, node: _Node) -> Range | None:
    """A whole number or a range of them, within BOUNDS for the key."""
    return reading.check.bounded(node, key.name, key.name, reading.where, count=True)


def _seconds(reading: _Reading, key: _Key, node: _Node) -> float | None:
    """A duration (not a range), within BOUNDS for the key."""
    value = reading.check.bounded(node, key.name, key.name, reading.where, allow_range=False)
    return value.low if value else None


def _closest(value: str | None, choices: tuple[str, ...]) -> str | None:
    close = difflib.get_close_matches(value or "", choices, n=1, cutoff=0.6)
    return close[0] if close else None


def _position(reading: _Reading, key: _Key, node: _Node) -> str | None:
    """One of POSITIONS, written with spaces or hyphens, in any case."""
    value = node.value.strip().lower().replace(" ", "-") if isinstance(node.value, str) else None
    if value in POSITIONS:
        return value
    close = _closest(value, POSITIONS)
    hint = f"; did you mean '{close}'?" if close else ""
    reading.add(node.line, f"'{key.name}' must be one of {', '.join(POSITIONS)}, got "
                f"{_describe(node.value)}{hint}")
    return None


_Item = Callable[[_Reading, _Node, list[Any]], Any]  # an item, given those kept before it


@dataclass(frozen=True)
class _ListOf:
    """A reader for a list: its length checked, then each item read in turn and kept unless its
    reader returned nothing (having said why, or quietly for a repeat it drops)."""

    expected: str  # what the list must be, as a message says it
    item: _Item
    fewest: int = 0
    most: int | None = None
    too_many: str | None = None  # said when over `most` ({count}, {most}); else `expected` is

    def __call__(self, reading: _Reading, key: _Key, node: _Node) -> tuple[Any, ...]:
        items = node.value if isinstance(node.value, list) else None
        over = items is not None and self.most is not None and len(items) > self.most
        if items is None or len(items) < self.fewest or (over and self.too_many is None):
            reading.add(node.line, f"'{key.name}' must be {self.expected}, got "
                        f"{_describe(node.value)}")
            return ()
        if over and self.too_many is not None:
            reading.add(node.line, self.too_many.format(count=len(items), most=self.most))
            return ()
        kept: list[Any] = []
        lines: list[int] = []
        for item_node in items:
            item = self.item(reading, item_node, kept)
            if item:
                kept.append(item)
                lines.append(item_node.line)
        reading.item_lines[key.name] = lines
        return tuple(kept)


def _side(reading: _Reading, node: _Node, kept: list[Any]) -> str | None:
    side = reading.check.text_value(node, "sides", reading.where, "side", required=True)
    if side and side.lower() in (s.lower() for s in kept):
        reading.add(node.line, f"side {_show(side)} is listed twice")
    return side


def _equipment_item(reading: _Reading, node: _Node, kept: list[Any]) -> str | None:
    """One of EQUIPMENT, in any case; a repeat is dropped."""
    name = node.value.strip().lower() if isinstance(node.value, str) else None
    if name in EQUIPMENT:
        return None if name in kept else name
    close = _closest(name, EQUIPMENT)
    hint = f"did you mean '{close}'? " if close else ""
    reading.add(node.line, f"'equipment' items are some of {', '.join(EQUIPMENT)}; "
                f"{hint}got {_describe(node.value)}")
    return None


def _cue(reading: _Reading, node: _Node, kept: list[Any]) -> Cue | None:
    """A cue: text, or a mapping {text: ..., phase: ...} whose text may be a list of wordings."""
    check, where = reading.check, reading.where
    if not isinstance(node.value, dict):
        text = check.text_value(node, "cues", where, "cue", required=True)
        return Cue(text) if text else None
    mapping: _Mapping = node.value
    check.unknown_keys(mapping, ("text", "phase"), "cue", where)
    if "text" not in mapping:
        reading.add(node.line, "a cue given as a mapping needs 'text' (and may have 'phase')")
        return None
    text_node = mapping["text"][1]
    items = text_node.value if isinstance(text_node.value, list) else [text_node]
    if not items or len(items) > MAX_WORDINGS:
        reading.add(text_node.line, f"a cue's 'text' is one wording or a list of 1 to "
                    f"{MAX_WORDINGS}, got {_describe(text_node.value)}")
        return None
    said = [check.text_value(item, "cues", where, "cue", required=True) for item in items]
    phase = None
    if "phase" in mapping:
        phase = check.text_value(mapping["phase"][1], "phase", where, "word", required=True)
        if phase is None:
            return None
    if any(text is None for text in said):
        return None
    texts = tuple(text for text in said if text)
    return Cue(texts[0], phase, texts)


def _tempo(reading: _Reading, key: _Key, node: _Node) -> tuple[Phase, ...]:
    expected = "a list of phases, each 'word: duration' such as '- press up: 2s'"
    if not isinstance(node.value, list) or not node.value:
        reading.add(node.line, f"'tempo' must be {expected}, got {_describe(node.value)}")
        return ()
    if len(node.value) > MAX_PHASES:
        reading.add(node.line, f"'tempo' has {len(node.value)} phases; keep to {MAX_PHASES} or "
                    "fewer")
        return ()
    phases = []
    for phase_node in node.value:
        if not isinstance(phase_node.value, dict) or len(phase_node.value) != 1:
            reading.add(phase_node.line, f"each tempo phase must be one 'word: duration' pair "
                        f"such as 'press up: 2s', got {_describe(phase_node.value)}")
            continue
        (word, (key_node, value_node)), = phase_node.value.items()
        word_text = reading.check.text_value(_Node(word, key_node.line), "tempo word",
                                             reading.where, "word", required=True)
        seconds = reading.check.bounded(value_node, f"tempo phase {_show(word)}", "phase",
                                        reading.where, allow_range=False)
        if word_text and seconds:
            phases.append(Phase(word_text, seconds.low))
    return tuple(phases)


class _Work:
    """The row for hold, reps or duration: exactly one of them, read as the exercise's kind of
    work and its amount (values 'kind' and 'amount')."""

    def apply(self, reading: _Reading) -> None:
        mapping = reading.mapping
        kinds = tuple(k for k in WORK_KINDS if k in mapping)
        reading.works = kinds
        kind, amount = "hold", Range(1, 1)
        misspelt = any(_closest(key, WORK_KINDS) and key not in EXERCISE_KEYS for key in mapping)
        if not kinds and misspelt:
            pass  # the unknown-key line already points at it
        elif not kinds:
            reading.add(reading.line, "no work given; add exactly one of 'hold' (a timed hold), "
                        "'reps' (counted repetitions) or 'duration' (timed work)")
        elif len(kinds) > 1:
            reading.add(reading.key_line(kinds[1]), f"both {' and '.join(repr(k) for k in kinds)} "
                        "given; an exercise has exactly one of hold, reps or duration")
        else:
            kind = kinds[0]
            amount = reading.check.bounded(mapping[kind][1], kind, kind, reading.where,
                                           count=(kind == "reps")) or amount
        reading.values["kind"], reading.values["amount"] = kind, amount


def _tempo_clashes(reading: _Reading) -> str | None:
    others = [k for k in reading.works if k != "reps"]
    if others:
        return ("'tempo' paces counted reps; it does not go with "
                f"{' or '.join(repr(k) for k in others)}")
    return None


def _check_in_clashes(reading: _Reading) -> str | None:
    if reading.works and reading.values["kind"] == "reps":
        return "'check_in' goes with timed work ('hold' or 'duration'), not with 'reps'"
    return None


_CUES = _ListOf("a list of short reminders", _cue, most=MAX_CUES,
                too_many="{count} cues; keep to {most} or fewer")
_SIDES = _ListOf(f"a list of 2 to {MAX_SIDES} labels such as [left, right]", _side, fewest=2,
                 most=MAX_SIDES)
_EQUIPMENT = _Key("equipment", _ListOf("a list such as [mat, chair]", _equipment_item), ())

# In the order they are checked (and their problems listed); EXERCISE_KEYS is the order a
# message lists them in. A key's value is named as the Exercise field of the same name.
_EXERCISE_TABLE: tuple[_Key | _Work, ...] = (
    _Key("name", _text, required=True),
    _Key("setup", _text, required=True),
    _Key("caution", _text),
    _Key("how", _text),
    _Key("switch", _text),
    _Key("again", _text),
    _Key("position", _position),
    _Key("alternate", _flag, False),
    _Key("cues", _CUES, ()),
    _Key("sides", _SIDES, ()),
    _Key("sets", _count, Range(1, 1)),
    _Key("rest", _seconds),
    _Work(),
    _Key("tempo", _tempo, (), clashes=_tempo_clashes),
    _Key("check_in", _seconds, clashes=_check_in_clashes),
)


# The checks that need several keys, in the order their problems are listed.

def _alternate_names_two_sides(reading: _Reading) -> None:
    if reading.values["alternate"] and "sides" in reading.mapping and len(reading.values["sides"]) != 2:
        reading.add(reading.key_line("sides"), "with 'alternate', 'sides' names the two sides the "
                    "reps switch between, first side first, such as [left leg, right leg]")


def _alternate_has_no_switch(reading: _Reading) -> None:
    if reading.values["alternate"] and "switch" in reading.mapping:
        reading.add(reading.key_line("switch"), "'switch' is spoken once on changing sides; with "
                    "'alternate' every rep names its side instead")


def _cue_phases_are_tempo_words(reading: _Reading) -> None:
    values = reading.values
    tempo_words = {p.word.lower() for p in values["tempo"] if p.word}
    for cue, line in zip(values["cues"], reading.item_lines.get("cues", ()), strict=True):
        if cue.phase is not None and (values["kind"] != "reps"
                                      or cue.phase.lower() not in tempo_words):
            words = ", ".join(sorted(tempo_words)) or "none"
            reading.add(line, f"cue phase {_show(cue.phase)} must be one of the exercise's tempo "
                        f"words ({words})")


def _alternate_goes_with_reps(reading: _Reading) -> None:
    kind = reading.values["kind"]
    if reading.values["alternate"] and reading.works and kind != "reps":
        reading.add(reading.key_line("alternate"), "'alternate' switches sides on every rep; it "
                    f"goes with 'reps', not with '{kind}'")


def _switch_needs_sides(reading: _Reading) -> None:
    values = reading.values
    if values["switch"] and "sides" not in reading.mapping and not values["alternate"]:
        reading.add(reading.key_line("switch"), "'switch' is spoken when changing sides; it needs "
                    "'sides' such as [left leg, right leg]")


_EXERCISE_RULES: tuple[Callable[[_Reading], None], ...] = (
    _alternate_names_two_sides, _alternate_has_no_switch, _cue_phases_are_tempo_words,
    _alternate_goes_with_reps, _switch_needs_sides,
)


def _exercise(check: _Checker, item: _Node, number: int) -> Exercise | None:
    if not isinstance(item.value, dict):
        check.add(item.line, f"exercise {number} must be a mapping with 'name', 'setup' and one of "
                  f"hold, reps or duration, got {_describe(item.value)}")
        return None
    mapping: _Mapping = item.value
    before = len(check.problems)
    name_node = mapping.get("name", (None, None))[1]
    raw_name = name_node.value if name_node is not None and isinstance(name_node.value, str) else ""
    reading = _Reading(check, mapping, item.line, (number, " ".join(raw_name.split())[:60]))
    check.unknown_keys(mapping, EXERCISE_KEYS, "exercise", reading.where)
    for row in _EXERCISE_TABLE:
        row.apply(reading)
    for rule in _EXERCISE_RULES:
        rule(reading)
    if len(check.problems) > before:
        return None
    values = reading.values
    if values["kind"] == "reps" and not values["tempo"]:
        values["tempo"] = (Phase(DEFAULT_TEMPO_WORD, DEFAULT_TEMPO_SECONDS),)
    values["alternate_sides"] = ()
    if values["alternate"]:  # the reps name their sides; the work is not done a side at a time
        values["alternate_sides"], values["sides"] = values["sides"] or ("left", "right"), ()
    lines = tuple((key, value_node.line) for key, (_, value_node) in mapping.items())
    return Exercise(**values, line=item.line, number=number, lines=lines)



# ---------------------------------------------------------------------------
# Finding routines


def builtin_ids(folder_name: str = "library") -> list[str]:
    """The ids of the YAML files shipped in a package folder: routines, or (`programs`) programs."""
    folder = resources.files("voicecoach") / folder_name
    return sorted(p.name[:-5] for p in folder.iterdir() if p.name.endswith(".yaml"))


def load_text(data: bytes | str, path: str, routine_id: str | None = None,
              builtin: bool = False) -> Routine:
    if isinstance(data, str):
        data = data.encode("utf-8", "surrogatepass")
    routine_id = routine_id or _id_from(path)
    return validate(read_yaml(data, path), path, routine_id, builtin)


def _id_from(path: str) -> str:
    stem = Path(path).stem.lower()
    return re.sub(r"[^a-z0-9]+", "-", stem).strip("-") or "routine"


def load(name_or_path: str, language: str | None = None) -> Routine:
    """A built-in routine by id, or a routine file by path. A built-in in another `language`
    than English is its translation, library/LANGUAGE/ID.yaml (NotTranslated when there is none);
    a file is in its own language whatever is asked (session.load_routine checks)."""
    candidate = Path(name_or_path)
    looks_like_path = candidate.suffix in (".yaml", ".yml") or "/" in name_or_path or "\\" in name_or_path
    known = builtin_ids()
    if looks_like_path or (name_or_path not in known and os.path.lexists(name_or_path)):
        return load_file(candidate, name_or_path)
    if name_or_path in known:  # a built-in id wins over a folder of the same name (export --split)
        folder = "library" if language in (None, SOURCE) else f"library/{language}"
        resource = resources.files("voicecoach").joinpath(*folder.split("/"), f"{name_or_path}.yaml")
        if not resource.is_file():
            from .i18n import NotTranslated

            raise NotTranslated("routine", name_or_path, language or SOURCE)
        return load_text(resource.read_bytes(), f"{folder}/{name_or_path}.yaml", name_or_path,
                         builtin=True)
    raise RoutineNotFound(name_or_path, known)


def load_file(path: Path, shown: str | None = None) -> Routine:
    shown = shown or str(path)
    return load_text(read_file(path, shown, "routine"), shown)


def read_file(path: Path, shown: str, what: str) -> bytes:
    """A YAML file's bytes (a little past the size limit, so read_yaml can refuse it), or a
    located problem saying why it cannot be read; `what` names the kind of file expected."""
    try:  # line 0: a file that cannot be read has no line to point at
        if path.is_dir():
            raise RoutineError([Problem(shown, 0, f"this is a folder; give a {what} file (.yaml)")])
        return read_regular(path, MAX_FILE_BYTES + 1)  # a FIFO would block: regular files only
    except NotRegular as exc:
        raise RoutineError([Problem(shown, 0, f"{exc.strerror}; give a {what} file (.yaml)")]) from None
    except FileNotFoundError:
        raise RoutineError([Problem(shown, 0, "no such file")]) from None
    except PermissionError:
        raise RoutineError([Problem(shown, 0, "permission denied; the file cannot be read")]) from None
    except OSError as exc:
        raise RoutineError([Problem(shown, 0, f"cannot read the file: {exc.strerror or exc}")]) from None


def all_builtin() -> Iterator[Routine]:
    for routine_id in builtin_ids():
        yield load(routine_id)
