"""Plan a session: every spoken line and tone of a routine, placed to the sample, never overlapping.

`plan()` does no I/O: it is given `measure(text) -> samples`, the exact length of each spoken clip,
by the speech layer (or an estimate, for `list`), and returns a Timeline that rendering, playback
and export consume.

The session is planned as the listener lives it, eyes closed: the talk that gets them ready
(what comes next, how to move there, the setup, how the movement goes) is placed at the end of a
rest so that it ends in the count-in; the rest line says the time to the next start tone; reps
keep their rhythm (each tempo word on its phase) and quiet moments carry the form cues.
"""
from __future__ import annotations

import bisect
import functools
import heapq
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, replace

from . import phrases, safety
from .errors import FitError, Problem, RoutineError
from .i18n import ENGLISH, Phrasebook, phrasebook
from .routine import Exercise, Range, Routine, phase_of, wordings
from .settings import MINUTES_RANGE, SAMPLE_RATE, Settings
from .sounds import tone_samples
from .vocabulary import COUNTDOWN, MAX_SESSION_SECONDS, SOURCE, UPRIGHT, Level, Role, Sound

Measure = Callable[[str], int]

LEAD_IN = 0.5  # silence before the first word: players swallow the first moment
GAP = 0.3  # breath between consecutive lines
SHORT_GAP = 0.12  # between a rep count and its phase word
TAIL = 1.5  # silence after the finish tone
TONE_GAP = 0.15  # from the start tone to the first rep
READY = 1.0  # from the last line of talk to the "3" of the count-in
QUIET_REST = 5.0  # a rest is called a rest when it leaves at least this much quiet before the talk
FIRST_WORD_WITHIN = 1.0  # a rep's first tempo word follows its number within this
HALFWAY_MIN = 20.0
REMAINING_MIN = 30.0
REMAINING_AT = 10.0
AUTO_CHECK_IN = 300.0  # on work this long or longer, a check-in this often
SHORT_WORK = 5.0
CUE_MIN_EVERY, CUE_MAX_EVERY = 10.0, 90.0
CUE_CLEAR = 4.0  # in timed work, a cue keeps this far from other spoken lines
CUE_BEFORE_COUNT_IN = 6.0  # at most one cue is said in the talk this close to a count-in
MOST_SAID = 5  # no sentence of a cue is said more often than this in a session
# Time to move after the last word of a change of side, at normal pace, by where the body is: a
# change on the floor or on hands and knees, a kneeling switch or a turn on one leg; each further
# sentence of the change (a roll, then a setup) asks 2 s more. The pace scales it (Pace.move).
MOVE_BY_POSITION = {"kneeling": 10.0, "standing": 10.0}
MOVE_ON_FLOOR = 8.0
MOVE_PER_SENTENCE = 2.0
MOVE_MOST = 12.0  # never more silence than this: a longer change is said in more steps
FIT_TOLERANCE = 0.05
F_MIN, F_MAX = 0.5, 2.0  # how far --minutes may scale holds, timed work and rests
G_MIN, G_MAX = 0.5, 2.0  # how far --minutes may scale reps and sets
START_POSITION = "standing"  # where a listener is when a session begins

# Every word below that the session says is the phrasebook's (phrases.py, i18n.py): the planner
# asks a Phrasebook for it in the routine's language, and never builds a sentence itself.
SAFETY = safety.NOTE  # the short note every session speaks (safety.note(): how to stop varies)
OUTROS = {  # when a routine has no outro of its own: where the body is decides what to say
    "standing": phrases.OUTRO_STANDING,
    "sitting": phrases.OUTRO_SITTING,
    None: phrases.OUTRO_FLOOR,
}


@dataclass(frozen=True)
class Event:
    start: int  # in samples
    length: int
    kind: Sound
    role: Role
    text: str  # the spoken text, or the tone's name
    exercise: str | None = None
    set: int | None = None
    side: str | None = None

    @property
    def end(self) -> int:
        return self.start + self.length


@dataclass(frozen=True)
class Chapter:
    start: int
    end: int
    title: str
    exercise: str | None = None


@dataclass(frozen=True)
class Note:
    """Something that will work but sound wrong; `check` shows it as a located warning."""

    exercise: Exercise | None
    key: str
    message: str


@dataclass(frozen=True)
class Timeline:
    routine_id: str
    title: str
    sample_rate: int
    length: int
    events: tuple[Event, ...]
    chapters: tuple[Chapter, ...]
    notes: tuple[Note, ...] = ()
    language: str = SOURCE  # what it speaks: playback says its own lines (resuming) in it too

    @property
    def duration(self) -> float:
        return self.length / self.sample_rate

    def seconds(self, samples: int) -> float:
        return samples / self.sample_rate

    def to_json(self) -> dict[str, object]:
        at = self.seconds
        return {
            "routine": self.routine_id,
            "title": self.title,
            "duration": at(self.length),
            "sample_rate": self.sample_rate,
            "events": [
                {"start": at(e.start), "end": at(e.end), "kind": e.kind, "role": e.role.value,
                 "text": e.text, "exercise": e.exercise, "set": e.set, "side": e.side}
                for e in self.events
            ],
            "chapters": [
                {"start": at(c.start), "end": at(c.end), "title": c.title} for c in self.chapters
            ],
        }


# ---------------------------------------------------------------------------
# What each exercise amounts to at this level and scale


@dataclass(frozen=True)
class Work:
    exercise: Exercise
    seconds: float  # one set of timed work
    reps: int
    sets: int
    rest: float  # between sets and sides, and before the next exercise


def resolve(routine: Routine, settings: Settings, f: float = 1.0, g: float = 1.0) -> list[Work]:
    """Pick from ranges by level, then move time by f and counts by g (for --minutes) within each
    exercise's own ranges: F_MIN or G_MIN takes it to the low end of its range, F_MAX or G_MAX to
    the high end, and a fixed number stays as it is. Rests, which are ours, scale by f."""
    works = []
    for exercise in routine.exercises:
        amount = _within(exercise.amount, exercise.amount.pick(settings.level),
                         f if exercise.timed else g, exercise.timed)
        sets = int(round(_within(exercise.sets, exercise.sets.pick(settings.level), g, False)))
        seconds, reps = 0.0, 0
        if exercise.timed:
            seconds = max(float(round(amount)), 1.0)
        else:
            reps = max(1, round(amount))
            if exercise.alternate and reps % 2:  # each side gets the same work: up, unless
                span = exercise.amount  # that leaves the range and down does not
                reps += -1 if reps + 1 > span.high and reps - 1 >= max(span.low, 2) else 1
        works.append(Work(exercise, seconds, reps, sets, _scaled_rest(routine.rest_after(exercise), f)))
    return works


def _within(span: Range, picked: float, scale: float, timed: bool) -> float:
    """The level's pick moved toward the low end of `span` (scale below 1) or the high end."""
    low, high = (F_MIN, F_MAX) if timed else (G_MIN, G_MAX)
    if scale < 1:
        return picked - (picked - span.low) * min(1.0, (1 - scale) / (1 - low))
    return picked + (span.high - picked) * min(1.0, (scale - 1) / (high - 1))


def _scaled_rest(rest: float, f: float) -> float:
    return max(float(round(rest * f)), min(rest, 5.0))


def clock(seconds: float) -> str:
    """mm:ss, as the script and the status line show times."""
    minutes, secs = divmod(int(seconds), 60)
    return f"{minutes:02d}:{secs:02d}"


def spoken_duration(seconds: float, book: Phrasebook = ENGLISH) -> str:
    """'1 minute 30 seconds', '45 seconds', '20 minutes', in the phrasebook's language."""
    return book.duration(seconds)


def rep_sides(exercise: Exercise, book: Phrasebook = ENGLISH) -> tuple[str, str]:
    """The two sides of alternating reps, first side first: the routine's own names, or the
    phrasebook's left and right."""
    if len(exercise.alternate_sides) == 2:
        return exercise.alternate_sides[0], exercise.alternate_sides[1]
    return book(phrases.LEFT), book(phrases.RIGHT)


def sentence(text: str) -> str:
    """A line as shown and captioned: its first letter a capital. A translation may begin with a
    spelled number ("sechs Wiederholungen"); English lines begin with a digit or a capital and
    are left as they are."""
    return text[:1].upper() + text[1:]


def work_line(work: Work, book: Phrasebook = ENGLISH) -> str:
    return sentence(_work_line(work, book))


def _work_line(work: Work, book: Phrasebook) -> str:
    exercise = work.exercise
    in_sets = book.counted(phrases.SETS, work.sets, sets=work.sets) if work.sets > 1 else ""
    if exercise.alternate:
        reps = book.counted(phrases.REPS, work.reps, reps=work.reps)
        return book(phrases.ALTERNATE, amount=reps, each=work.reps // 2,
                    in_sets=book(phrases.ALTERNATE_SETS, in_sets=in_sets) if in_sets else "",
                    first=rep_sides(exercise, book)[0])
    if exercise.kind == "hold":
        amount = book(phrases.HOLD, duration=book.duration(work.seconds))
    elif exercise.kind == "duration":
        amount = book(phrases.KEEP_GOING, duration=book.duration(work.seconds))
    else:
        amount = book.counted(phrases.REPS, work.reps, reps=work.reps)
    template = ((phrases.WORK_SETS_EACH_SIDE if in_sets else phrases.WORK_EACH_SIDE)
                if exercise.sides else (phrases.WORK_SETS if in_sets else phrases.WORK))
    return book(template, amount=amount, in_sets=in_sets)


def side_line(label: str, first: bool, book: Phrasebook = ENGLISH) -> str:
    return book(phrases.START_WITH if first else phrases.SWITCH_TO, side=label)


def side_alone(side: str, book: Phrasebook = ENGLISH) -> str:
    """A side named on its own on a rep: 'Left.'"""
    return sentence(book(phrases.SIDE_ALONE, side=side))


def count_line(rep: int, last: bool, side: str | None = None, book: Phrasebook = ENGLISH) -> str:
    """A rep's number as said on the rep: '4', '4, right leg', '8, left, last one.'; the first
    rep of alternating work says its side alone (the start tone stands in for its number)."""
    if rep == 1:
        return side_alone(side, book) if side else book(phrases.COUNT, rep=1)
    named = book(phrases.COUNT_SIDE, rep=rep, side=side) if side else book(phrases.COUNT, rep=rep)
    return book(phrases.COUNT_LAST, count=named) if last else named


def rounded_rest(seconds: float) -> float:
    """A rest as it is said: whole seconds up to 20, then the nearest 5 (off by 2.5 s at most)."""
    return float(round(seconds)) if seconds <= 20 else 5.0 * round(seconds / 5)


def rest_line(seconds: float, book: Phrasebook = ENGLISH) -> str:
    return book(phrases.REST_FOR, duration=book.duration(seconds))


def next_line(seconds: float, book: Phrasebook = ENGLISH) -> str:
    """Instead of a rest line when the rest is all talk: true, and no promise of quiet."""
    return book(phrases.NEXT_STARTS_IN, duration=book.duration(seconds))


def switch_line(exercise: Exercise, label: str, book: Phrasebook = ENGLISH) -> str:
    return exercise.switch or side_line(label, False, book)


def check_in_line(done: float, left: float, turn: int = 0, book: Phrasebook = ENGLISH) -> str:
    """A check-in, worded in turn so that a long hold does not hear one sentence over and over."""
    return sentence(book(phrases.CHECK_INS[turn % len(phrases.CHECK_INS)],
                         done=book.duration(done), left=book.duration(left)))


# After a rest in a position that tires, how to rest there, and how to come back into it
REST_HOW = {"hands-and-knees": phrases.REST_HOW_HANDS_AND_KNEES,
            "kneeling": phrases.REST_HOW_KNEELING}
BACK_INTO = {"hands-and-knees": phrases.BACK_INTO_HANDS_AND_KNEES,
             "kneeling": phrases.BACK_INTO_KNEELING}


# ---------------------------------------------------------------------------
# Moving between positions


@dataclass(frozen=True)
class Step:
    """One spoken step of a change of position, and the time (at normal pace) to do it."""

    text: str
    seconds: float


# The safe ways from one position to a neighbour: to come up from lying, roll to the side first;
# to go down from standing, kneel, with a hand on the chair when the routine has one. Longer
# changes go through these. The seconds are the time to do the step after its last word, at
# normal pace: a roll or a move on the floor 8, a double roll 10, down to kneeling 10, up to
# standing 12.
@dataclass(frozen=True)
class _Way:
    """A step as the tables keep it: its phrase, its seconds, and when it ends lying on one side,
    the same step naming the left or the right side."""

    said: phrases.Phrase
    seconds: float
    left: phrases.Phrase | None = None
    right: phrases.Phrase | None = None


_P = phrases
_STEPS: dict[tuple[str, str], _Way] = {
    ("lying-back", "lying-side"): _Way(_P.STEP_BACK_TO_SIDE, 8, _P.STEP_BACK_TO_LEFT_SIDE,
                                       _P.STEP_BACK_TO_RIGHT_SIDE),
    ("lying-side", "lying-back"): _Way(_P.STEP_SIDE_TO_BACK, 8),
    ("lying-side", "lying-front"): _Way(_P.STEP_SIDE_TO_FRONT, 8),
    ("lying-front", "lying-side"): _Way(_P.STEP_FRONT_TO_SIDE, 8, _P.STEP_FRONT_TO_LEFT_SIDE,
                                        _P.STEP_FRONT_TO_RIGHT_SIDE),
    ("lying-back", "lying-front"): _Way(_P.STEP_BACK_TO_FRONT, 10),
    ("lying-front", "lying-back"): _Way(_P.STEP_FRONT_TO_BACK, 10),
    ("lying-side", "hands-and-knees"): _Way(_P.STEP_SIDE_TO_HANDS_AND_KNEES, 8),
    ("lying-front", "hands-and-knees"): _Way(_P.STEP_FRONT_TO_HANDS_AND_KNEES, 8),
    ("hands-and-knees", "lying-front"): _Way(_P.STEP_HANDS_AND_KNEES_TO_FRONT, 8),
    ("hands-and-knees", "lying-side"): _Way(_P.STEP_HANDS_AND_KNEES_TO_SIDE, 8,
                                            _P.STEP_HANDS_AND_KNEES_TO_LEFT_SIDE,
                                            _P.STEP_HANDS_AND_KNEES_TO_RIGHT_SIDE),
    ("hands-and-knees", "kneeling"): _Way(_P.STEP_HANDS_AND_KNEES_TO_KNEELING, 8),
    ("kneeling", "hands-and-knees"): _Way(_P.STEP_KNEELING_TO_HANDS_AND_KNEES, 8),
    ("kneeling", "standing"): _Way(_P.STEP_KNEELING_TO_STANDING, 12),
    ("standing", "kneeling"): _Way(_P.STEP_STANDING_TO_KNEELING, 10),
    ("hands-and-knees", "sitting"): _Way(_P.STEP_HANDS_AND_KNEES_TO_SITTING, 8),
    ("sitting", "hands-and-knees"): _Way(_P.STEP_SITTING_TO_HANDS_AND_KNEES, 8),
    ("sitting", "lying-side"): _Way(_P.STEP_SITTING_TO_SIDE, 8, _P.STEP_SITTING_TO_LEFT_SIDE,
                                    _P.STEP_SITTING_TO_RIGHT_SIDE),
    ("lying-side", "sitting"): _Way(_P.STEP_SIDE_TO_SITTING, 8),
    ("sitting", "lying-back"): _Way(_P.STEP_SITTING_TO_BACK, 8),
}
# the same steps with a hand on the chair, for a routine that lists one in its equipment
_CHAIR_STEPS: dict[tuple[str, str], _Way] = {
    ("kneeling", "standing"): _Way(_P.STEP_KNEELING_TO_STANDING_CHAIR, 12),
    ("standing", "kneeling"): _Way(_P.STEP_STANDING_TO_KNEELING_CHAIR, 10),
}


def _side_named(setup: str, book: Phrasebook) -> str | None:
    """'left' or 'right' when the setup's words name the side to lie on ('... on your left
    side'), by the phrasebook's words for it in the routine's language."""
    found = []  # (where, side): the first named wins, as the listener reads it
    for side, words in (("left", phrases.SETUP_LEFT_SIDE), ("right", phrases.SETUP_RIGHT_SIDE)):
        spellings = "|".join(re.escape(w.strip()) for w in book(words).split("|") if w.strip())
        match = re.search(rf"\b(?:{spellings})\b", setup, re.IGNORECASE) if spellings else None
        if match:
            found.append((match.start(), side))
    return min(found)[1] if found else None


def transition_steps(before: str | None, after: str | None, chair: bool = False,
                     setup: str = "", book: Phrasebook = ENGLISH) -> list[Step]:
    """The steps from one position to the next, fewest seconds first; none when either is unknown.
    With a chair, the steps to and from standing use it; when the setup names the side to lie on,
    the roll onto it says which."""
    if before is None or after is None or before == after:
        return []
    steps = {**_STEPS, **_CHAIR_STEPS} if chair else _STEPS
    best: dict[str, tuple[float, list[_Way]]] = {before: (0.0, [])}
    frontier = [before]
    while frontier:  # Dijkstra over a graph of seven positions: a plain scan is enough
        here = min(frontier, key=lambda p: best[p][0])
        frontier.remove(here)
        cost, path = best[here]
        for (a, b), step in steps.items():
            if a == here and (b not in best or cost + step.seconds < best[b][0]):
                best[b] = (cost + step.seconds, path + [step])
                frontier.append(b)
    path = best[after][1] if after in best else []
    named = _side_named(setup, book) if path and after == "lying-side" else None
    said = [way.said for way in path]
    if named:
        said[-1] = (path[-1].left if named == "left" else path[-1].right) or said[-1]
    return [Step(book(phrase), way.seconds) for phrase, way in zip(said, path, strict=True)]


def _named_phase(cue: str, exercise: Exercise) -> str | None:
    """The tempo phase a cue's words name: the phase word, or its first word of 4 letters or
    more ('press' for 'press up') when no other phase starts with it, as a whole word."""
    heads = [p.word.split()[0].lower() if p.word else "" for p in exercise.tempo]
    for phase in exercise.tempo:
        head = phase.word.split()[0] if phase.word else ""
        head = head if heads.count(head.lower()) == 1 else ""
        for word in (phase.word, head if len(head) >= 4 else ""):
            if word and re.search(rf"\b{re.escape(word)}\b", cue, re.IGNORECASE):
                return phase.word
    return None


def outro_for(routine: Routine, book: Phrasebook = ENGLISH) -> str:
    if routine.outro:
        return routine.outro
    last = routine.exercises[-1].position
    return book(OUTROS.get(last if last in ("standing", "sitting") else None, OUTROS[None]))


def book_of(routine: Routine) -> Phrasebook:
    """The phrasebook a routine's session speaks from: its own language's."""
    return phrasebook(routine.language)


# ---------------------------------------------------------------------------
# Layout: a track of busy spans, talk that ends in a count-in, and the work itself


@dataclass(frozen=True)
class Context:
    """Which part of the routine an event belongs to."""

    exercise: str | None = None
    set: int | None = None
    side: str | None = None


@dataclass(frozen=True)
class Line:
    """A line of talk, the pause that follows it (time to move, or a breath), and whose it is."""

    text: str
    role: Role
    pause: float = GAP
    context: Context = Context()


@dataclass(frozen=True)
class Mark:
    """A sound placed within one round of work, at an offset from its start tone."""

    offset: int
    role: Role
    text: str


class Track:
    """The busy spans of one round of work: where a line still fits with a breath either side.

    Spans never overlap (nothing talks over anything else), so kept sorted by start their ends
    are sorted too, and each question is a binary search: planning stays linear in length."""

    def __init__(self, low: int, high: int, gap: int):
        self.low, self.high, self.gap = low, high, gap
        self.busy: tuple[list[int], list[int]] = ([], [])  # starts, ends
        self.spoken: tuple[list[int], list[int]] = ([], [])  # the spans that are words, not tones

    def take(self, at: int, length: int, spoken: bool = False) -> None:
        for starts, ends in (self.busy, self.spoken) if spoken else (self.busy,):
            index = bisect.bisect(starts, at)
            starts.insert(index, at)
            ends.insert(index, at + length)

    def free(self, at: int, length: int, spoken: bool = False) -> None:
        """Give back a span taken with `take`."""
        for starts, ends in (self.busy, self.spoken) if spoken else (self.busy,):
            index = bisect.bisect_left(starts, at)
            while ends[index] != at + length:
                index += 1
            del starts[index], ends[index]

    def fits(self, at: int, length: int, clear: int = 0) -> bool:
        """Room for `length` at `at`: a breath from every sound, and `clear` from every word."""
        if at < self.low or at + length > self.high:
            return False
        return all(self._apart(spans, at, length, margin)
                   for spans, margin in ((self.busy, self.gap), (self.spoken, clear)))

    @staticmethod
    def _apart(spans: tuple[list[int], list[int]], at: int, length: int, margin: int) -> bool:
        starts, ends = spans
        before = bisect.bisect_left(starts, at + length + margin)  # spans that begin too early...
        return before == 0 or ends[before - 1] + margin <= at  # ...must all have ended in time

    def first_fit(self, at: int, length: int, clear: int = 0) -> int | None:
        """The earliest place from `at` where `length` fits: `at` itself, or just after a span."""
        after_sounds = (end + self.gap for end in self._ends_from(self.busy[1], at - self.gap))
        after_words = (end + clear for end in self._ends_from(self.spoken[1], at - clear))
        for place in heapq.merge((at,), after_sounds, after_words):
            if place + length > self.high:
                return None
            if place >= at and self.fits(place, length, clear):
                return place
        return None

    @staticmethod
    def _ends_from(ends: list[int], low: int) -> Iterator[int]:
        return (ends[k] for k in range(bisect.bisect_left(ends, low), len(ends)))


class Round:
    """The sounds of one round (a set on a side) of one exercise, relative to its start tone."""

    def __init__(self, plan: _Planner):
        self.plan = plan
        self.marks: list[Mark] = []
        self.length = 0  # from the start tone to the end of the work
        self.tail = 0  # from the start tone to the end of the last sound
        self.track = Track(0, 0, 0)  # where cues may still go
        self.cue_from = 0  # no cue before this offset
        self.rep_length = 0  # counted reps: one rep, and its phases, in samples
        self.unheard: list[str] = []  # cues that found no room in it
        self.phases: list[int] = []

    def add(self, offset: int, role: Role, text: str) -> Mark:
        """Place a sound; its track then keeps other sounds a breath away from it."""
        mark = Mark(offset, role, text)
        self.marks.append(mark)
        length = self.plan.sound_length(role, text)
        self.track.take(offset, length, spoken=role.kind == Sound.SPEECH)
        self.tail = max(self.tail, offset + length)
        return mark

    def word_in(self, begin: int, end: int) -> Mark | None:
        """The tempo word said in [begin, end), if any."""
        return next((m for m in self.marks if begin <= m.offset < end and m.role == Role.PHASE),
                    None)

    def instead(self, mark: Mark, role: Role, text: str) -> bool:
        """Say `text` in place of `mark` if it fits there; whether it did."""
        length = self.plan.sound_length(mark.role, mark.text)
        self.track.free(mark.offset, length, spoken=True)
        if not self.track.fits(mark.offset, self.plan.length(text)):
            self.track.take(mark.offset, length, spoken=True)
            return False
        self.marks.remove(mark)
        self.add(mark.offset, role, text)
        return True


class _TooLong(Exception):
    """Planning passed its limit; how far it had got, in seconds."""

    def __init__(self, seconds: float):
        super().__init__(seconds)
        self.seconds = seconds


class _Planner:
    """Lays out one session. Events go down in time order of the listener's experience; every
    placement asks the measure for the real length of a line, so nothing overlaps."""

    def __init__(self, routine: Routine, settings: Settings, measure: Measure, sample_rate: int):
        self.routine = routine
        self.settings = settings
        self.book = book_of(routine)
        self._measure = measure
        self._lengths: dict[str, int] = {}
        self.sample_rate = sample_rate
        self.events: list[Event] = []
        self.notes: list[Note] = []
        self.cursor = self.s(LEAD_IN)
        self.limit: int | None = None  # stop planning past this sample (see estimated_seconds)
        # which wording of each cue comes next, by its wordings (two exercises may share a cue)
        self._cue_turns: dict[tuple[str, ...], int] = {}
        self._said: dict[str, int] = {}  # how often each wording of a cue has been said

    # units ---------------------------------------------------------------
    def s(self, seconds: float) -> int:
        return int(round(seconds * self.sample_rate))

    def length(self, text: str) -> int:
        if text not in self._lengths:
            self._lengths[text] = int(self._measure(text))
        return self._lengths[text]

    def sound_length(self, role: Role, text: str) -> int:
        return tone_samples(text, self.sample_rate) if role.kind == Sound.TONE else self.length(text)

    def note(self, exercise: Exercise | None, key: str, message: str) -> None:
        note = Note(exercise, key, message)
        if note not in self.notes:
            self.notes.append(note)

    def move_seconds(self, seconds: float) -> float:
        """Time to move, as the pace asks for it, never more silence than MOVE_MOST."""
        return min(MOVE_MOST, seconds * self.settings.move_factor)

    def change_seconds(self, exercise: Exercise, text: str) -> float:
        """Time to move after the last word of a change of side (`text`): more for a bigger
        change (kneeling, or a turn on one leg) and for each further step it says."""
        base = MOVE_BY_POSITION.get(exercise.position or "", MOVE_ON_FLOOR)
        sentences = max(1, len(re.findall(r"[.!?](?:\s|$)", text)))
        return self.move_seconds(base + MOVE_PER_SENTENCE * (sentences - 1))

    def wording(self, cue: str) -> str | None:
        """The cue's next wording in turn, or None when each has been said MOST_SAID times."""
        options = wordings(cue)
        start = self._cue_turns.get(options, 0)
        last = self.last_said(cue) if len(set(options)) > 1 else None  # never twice running
        for k in range(len(options)):
            text = options[(start + k) % len(options)]
            if self._said.get(text, 0) < MOST_SAID and text != last:
                return text
        return None

    def last_said(self, cue: str) -> str | None:
        """The wording of this cue said last, so that the next is another (None: not said)."""
        turn = self._cue_turns.get(wordings(cue))
        return None if turn is None else wordings(cue)[turn - 1]

    def said_cue(self, cue: str, text: str) -> None:
        self._cue_turns[wordings(cue)] = wordings(cue).index(text) + 1
        self._said[text] = self._said.get(text, 0) + 1

    # placing -------------------------------------------------------------
    def put(self, role: Role, text: str, at: int, context: Context) -> Event:
        event = Event(at, self.sound_length(role, text), role.kind, role, text,
                      context.exercise, context.set, context.side)
        self.events.append(event)
        return event

    def say(self, line: Line) -> Event:
        """The line at the cursor; the cursor moves past it and its pause."""
        event = self.put(line.role, line.text, self.cursor, line.context)
        self.cursor = max(self.cursor, event.end + self.s(line.pause))
        return event

    def talk_length(self, lines: Iterable[Line]) -> int:
        return sum(self.length(line.text) + self.s(line.pause) for line in lines)

    # the session ---------------------------------------------------------
    def build(self, works: list[Work]) -> Timeline:
        routine = self.routine
        nobody = Context()
        book = self.book
        chapters: list[tuple[int, str, str | None]] = [(0, book(phrases.INTRODUCTION), None)]
        self.say(Line(book(phrases.TITLE, title=routine.title), Role.TITLE, 0.6))
        # a session done on the floor is stopped on your side; one done upright, sitting down
        floor = any(w.exercise.position not in UPRIGHT for w in works)
        short = safety.note(on_the_floor=floor, book=book)
        for text in safety.screen_lines(book) if self.settings.safety_screen else [short]:
            self.say(Line(text, Role.SAFETY, 0.6))
        if routine.intro:
            self.say(Line(routine.intro, Role.INTRO, 0.8))

        position: str | None = START_POSITION
        rest: float | None = None  # the rest owed before the next start tone
        rest_context = nobody
        chair = "chair" in routine.equipment
        for index, work in enumerate(works):
            exercise = work.exercise
            self.check(work, any(w.exercise.position for w in works))
            rounds = [(side, number) for side in (exercise.sides or (None,))
                      for number in range(1, work.sets + 1)]
            turn = 0  # which cue comes next, across the rounds of this exercise
            said_before = dict(self._said)
            how_to_rest = REST_HOW.get(exercise.position or "") if len(rounds) > 1 else None
            rested = book(how_to_rest) if how_to_rest else None
            for round_index, (side, number) in enumerate(rounds):
                context = Context(exercise.name, number if work.sets > 1 else None, side)
                marks = self.rhythm(work)
                rhythm_end = max(marks.tail + self.s(GAP), marks.length)  # cues never move it
                # reps: each cue once in the first round, then a few in each later one; long
                # timed work keeps its cues coming, spaced out, to keep the listener company
                most = None if exercise.timed else (
                    len(exercise.cues) if round_index == 0 else (len(exercise.cues) + 1) // 2)
                turn = self.cues(marks, work, turn, most)
                if round_index == 0:
                    unheard = [*marks.unheard, *exercise.cues[turn:]]
                    lines = self.prelude(work, index == 0, position, context, unheard[:2], chair)
                    said = sum(line.role == Role.CUE for line in lines)
                    later = exercise.timed and len(rounds) > 1  # later rounds say the rest
                    turn = turn + said if later else max(turn, len(exercise.cues))
                else:
                    lines = []
                    back_into = BACK_INTO.get(exercise.position or "")
                    back = exercise.again or (book(back_into) if rested and back_into else None)
                    if number == 1:  # the same work again, on the next side
                        text = switch_line(exercise, side or "", book)
                        if back and not exercise.switch:
                            lines.append(Line(back, Role.TRANSITION, self.move_seconds(
                                MOVE_ON_FLOOR), context))
                        lines.append(Line(text, Role.SIDE, self.change_seconds(exercise, text),
                                          context))
                    else:
                        lines.append(Line(book(phrases.SET_OF, number=number, sets=work.sets),
                                          Role.SET, context=context))
                        if back:
                            lines.append(Line(back, Role.TRANSITION, self.change_seconds(
                                exercise, back), context))
                talk_at, start = self.talk_into(lines, rest, rest_context,
                                                rested if round_index > 0 else None)
                if round_index == 0:
                    chapters.append((talk_at, exercise.name, exercise.name))
                self.countdown_into(start, context)
                for mark in marks.marks:
                    self.put(mark.role, mark.text, start + mark.offset, context)
                self.cursor = start + rhythm_end
                if self.limit is not None and self.cursor > self.limit:
                    raise _TooLong(self.cursor / self.sample_rate)
                self.say(Line(book(phrases.RELEASE), Role.RELEASE, context=context))
                rest, rest_context = work.rest, context
            position = exercise.position or position
            unheard = [cue for cue in exercise.cues if all(  # not said here, though it could be
                self._said.get(text, 0) == said_before.get(text, 0) for text in wordings(cue))
                and any(self._said.get(text, 0) < MOST_SAID for text in wordings(cue))]
            if unheard:
                self.note(exercise, "cues", f"{len(unheard)} of its cues find no room in the "
                          f"work at {self.settings.pace} pace and are not said; give a cue a "
                          "'phase', or make a tempo phase longer")

        self.cursor += self.s(0.7)
        chapters.append((self.cursor, book(phrases.FINISH), None))
        self.say(Line(outro_for(routine, book), Role.OUTRO, 0.4))
        finish = self.put(Role.FINISH, "finish", self.cursor, nobody)
        length = finish.end + self.s(TAIL)

        bounds = [start for start, _, _ in chapters] + [length]
        tiles = tuple(Chapter(bounds[i], bounds[i + 1], title, exercise_name)
                      for i, (_, title, exercise_name) in enumerate(chapters))
        events = tuple(sorted(self.events, key=lambda e: (e.start, e.end)))
        return Timeline(routine.id, routine.title, self.sample_rate, length, events, tiles,
                        tuple(self.notes), routine.language)

    def check(self, work: Work, positions_used: bool) -> None:
        """Notes on what will work but sound wrong, for `check` to warn about."""
        exercise = work.exercise
        if exercise.number == 1 and self.routine.language == SOURCE:  # it knows English nouns only
            intro = (self.routine.intro or "").lower()
            missing = [item for item in self.routine.equipment if item not in intro]
            if missing:
                self.note(None, "equipment", f"the intro does not say to have the "
                          f"{' and the '.join(missing)} ready; say what to have and where before "
                          "the session starts")
        if exercise.position is None and positions_used:
            self.note(exercise, "name", "no 'position' given, so nothing tells the listener "
                      "how to get there from the exercise before; add one of lying-back, "
                      "lying-front, lying-side, hands-and-knees, kneeling, sitting, standing")
        if exercise.timed and work.seconds < SHORT_WORK:
            self.note(exercise, exercise.kind,
                      f"'{exercise.kind}' of {work.seconds:g}s is shorter than {SHORT_WORK:g}s; "
                      "it is clearer as a tempo phase of reps, and its countdown is shortened")
        for cue in exercise.cues:
            named = _named_phase(cue, exercise)
            if named and (phase_of(cue) or "").lower() != named.lower():
                self.note(exercise, "cues", f"cue '{cue}' names the '{named}' phase but is not "
                          f"tied to it, so it may be said in another; write it as "
                          f"{{text: ..., phase: {named}}}")
        if not exercise.timed and not exercise.how and not exercise.cues:
            self.note(exercise, "reps", "a rep exercise with neither 'how' nor 'cues': "
                      "nothing tells the listener how to move; add 'how'")

    def prelude(self, work: Work, first: bool, position: str | None, context: Context,
                unheard: Sequence[str], chair: bool = False) -> list[Line]:
        """What gets the listener from wherever they are into the first count-in of an exercise:
        what it is, how to get there, the setup with time to settle, how the movement goes."""
        exercise = work.exercise
        mine = Context(exercise.name)  # the side is not named until its own line
        lines = [Line(self.book(phrases.FIRST if first else phrases.NEXT_UP, exercise=exercise.name),
                      Role.ANNOUNCE, context=mine)]
        for step in transition_steps(position, exercise.position, chair, exercise.setup, self.book):
            lines.append(Line(step.text, Role.TRANSITION, self.move_seconds(step.seconds), mine))
        lines.append(Line(exercise.setup, Role.SETUP, context=mine))
        if context.side is not None:
            lines.append(Line(side_line(context.side, True, self.book), Role.SIDE, context=context))
        lines[-1] = replace(lines[-1], pause=self.settings.position_seconds)  # time to settle
        early = len(lines)
        if exercise.how:
            lines.append(Line(exercise.how, Role.HOW, context=mine))
        if exercise.caution:
            lines.append(Line(exercise.caution, Role.CAUTION, context=mine))
        # cues the work has no room for: one just before the work line, one before the movement
        # if the talk after it keeps it out of the last seconds before the count-in
        said = [self.wording(cue) for cue in unheard]
        if said and said[0]:
            self.said_cue(unheard[0], said[0])
            lines.append(Line(said[0], Role.CUE, context=mine))
        lines.append(Line(work_line(work, self.book), Role.WORK, context=mine))
        if len(said) > 1 and said[1]:
            cue = Line(said[1], Role.CUE, context=mine)
            after = [cue, *lines[early:-1], replace(lines[-1], pause=READY)]
            if self.talk_length(after) > self.s(CUE_BEFORE_COUNT_IN):
                self.said_cue(unheard[1], said[1])
                lines.insert(early, cue)
        return lines

    def talk_into(self, lines: list[Line], rest: float | None, rest_context: Context,
                  rest_how: str | None = None) -> tuple[int, int]:
        """Rest, then the talk, ending one breath before the count-in; return where the talk
        begins and where the start tone comes.

        The rest line is true: the start tone comes that long after it, talk included. When the
        talk fills the rest, the line says when the next one starts rather than promising quiet."""
        lines = [*lines[:-1], replace(lines[-1], pause=max(READY, lines[-1].pause))]
        need = self.talk_length(lines) + self.s(COUNTDOWN)
        if rest is None:
            start = self.cursor + need
        else:
            owed = max(self.s(rest), need + self.s(GAP))  # a breath after the rest line
            seconds = rounded_rest(owed / self.sample_rate)
            quiet = owed - need - self.s(GAP) >= self.s(QUIET_REST)
            text = rest_line(seconds, self.book) if quiet else next_line(seconds, self.book)
            said = self.say(Line(f"{text} {rest_how}" if rest_how else text, Role.REST,
                                 context=rest_context))
            start = said.end + owed
        talk_at = self.cursor = start - need
        for line in lines:
            self.say(line)
        return talk_at, start

    def countdown_into(self, start: int, context: Context) -> None:
        """'3, 2, 1', each number on its second; the start tone comes with the round's marks."""
        for number in range(COUNTDOWN, 0, -1):
            self.put(Role.COUNTDOWN, self.book(phrases.COUNTDOWN, number=number),
                     start - self.s(number), context)

    # one round of work ---------------------------------------------------
    def rhythm(self, work: Work) -> Round:
        return self.timed(work) if work.exercise.timed else self.reps(work)

    def timed(self, work: Work) -> Round:
        seconds = work.seconds
        marks = Round(self)
        end = self.s(seconds)
        second = self.s(1.0)
        gap = self.s(GAP)
        tone = tone_samples("start", self.sample_rate)
        marks.track = Track(tone + gap, end - gap, gap)
        marks.add(0, Role.START, "start")
        for number in range(COUNTDOWN, 0, -1):  # the closing countdown: as many as fit
            at = end - number * second
            said = self.book(phrases.COUNTDOWN, number=number)
            if at >= tone + gap and at + self.length(said) <= end:
                marks.add(at, Role.COUNTDOWN, said)
        marks.add(end, Role.END, "end")
        marks.length = end

        def offer(text: str, role: Role, at: int) -> None:
            if marks.track.fits(at, self.length(text)):
                marks.add(at, role, text)

        if seconds >= REMAINING_MIN:
            offer(self.book(phrases.LEFT_IN_WORK, duration=self.book.duration(REMAINING_AT)),
                  Role.REMAINING, end - self.s(REMAINING_AT))
        every = work.exercise.check_in or (AUTO_CHECK_IN if seconds >= AUTO_CHECK_IN else None)
        check_ins: list[float] = []
        if every:
            k = 1
            while every * k <= seconds - 20:
                check_ins.append(every * k)
                k += 1
        if seconds >= HALFWAY_MIN:
            text = self.book(phrases.HALFWAY)
            if any(abs(t - seconds / 2) < 10 for t in check_ins):
                text = f"{text} {check_in_line(seconds / 2, seconds / 2, 0, self.book)}"
                check_ins = [t for t in check_ins if abs(t - seconds / 2) >= 10]
            offer(text, Role.HALFWAY, self.s(seconds / 2))
        for k, done in enumerate(check_ins):
            offer(check_in_line(done, seconds - done, k, self.book), Role.CHECK_IN, self.s(done))
        marks.cue_from = tone + gap + self.s(0.6)
        return marks

    def reps(self, work: Work) -> Round:
        exercise = work.exercise
        marks = Round(self)
        phases = [self.s(p.seconds) for p in exercise.tempo]
        rep_length = sum(phases)
        tone = tone_samples("start", self.sample_rate)
        tick = tone_samples("tick", self.sample_rate)
        small = self.s(SHORT_GAP)
        # the first rep begins on the start tone, which stands in for its number: "3, 2, 1" is
        # never followed by a spoken "1" that could be taken for a fourth beat of the count-in
        marks.length = work.reps * rep_length
        marks.rep_length, marks.phases = rep_length, phases
        marks.track = Track(0, marks.length - self.s(GAP), self.s(GAP))
        marks.add(0, Role.START, "start")
        last_end = tone
        for phase, length in zip(exercise.tempo, phases, strict=True):
            if phase.word and self.length(phase.word) + small > length:
                said = self.length(phase.word) / self.sample_rate
                self.note(exercise, "tempo",
                          f"tempo word '{phase.word}' takes {said:.1f}s "
                          f"to say and does not fit its {phase.seconds:g}s phase at "
                          f"{self.settings.pace} pace; a tick sounds instead")
        sides = rep_sides(exercise, self.book) if exercise.alternate else None
        for rep in range(1, work.reps + 1):
            rep_start = (rep - 1) * rep_length
            side = sides[(rep - 1) % 2] if sides else None
            count = count_line(rep, False, side, self.book)
            if rep == work.reps and rep > 1:  # "last one", in the quiet just before it
                combined = count_line(rep, True, side, self.book)
                self.length(combined)  # asked for either way, so the speech layer makes it
                last_one = self.book(phrases.LAST_ONE)
                said_before = rep_start - small - self.length(last_one)
                if said_before >= last_end + small:
                    marks.add(said_before, Role.LAST_REP, last_one)
                elif self._leaves_room(combined, exercise.tempo[0].word, phases[0]):
                    count = combined  # "7, last one.", when the first word still follows in time
            lead_end = rep_start + tone if rep == 1 else rep_start
            if rep > 1 or side:
                spoken = self._rep_count(count, rep, side, exercise, rep_length)
                if spoken:
                    at = lead_end + small if rep == 1 else rep_start
                    marks.add(at, Role.COUNT, spoken)
                    lead_end = at + self.length(spoken)
            phase_start = rep_start
            for index, (phase, length) in enumerate(zip(exercise.tempo, phases, strict=True)):
                word = phase.word if phase.word and self.length(phase.word) + small <= length else ""
                counted = lead_end > rep_start
                if index == 0 and counted:  # the word follows the number
                    last_end = lead_end
                    at = lead_end + small
                    if word and at - rep_start <= self.s(FIRST_WORD_WITHIN) and \
                            at + self.length(word) + small <= phase_start + length:
                        marks.add(at, Role.PHASE, word)
                        last_end = at + self.length(word)
                elif counted and phase_start < lead_end + small:
                    pass  # a fast rep: its number is still being said; it marks this phase
                elif word:
                    marks.add(phase_start, Role.PHASE, word)
                    last_end = phase_start + self.length(word)
                elif tick + small <= length:
                    marks.add(phase_start, Role.TICK, "tick")
                    last_end = phase_start + tick
                else:
                    self.note(exercise, "tempo", f"a {phase.seconds:g}s tempo phase is too short "
                              "for even a tick; it passes in silence")
                phase_start += length
        marks.cue_from = tone + self.s(GAP)
        return marks

    def _leaves_room(self, count: str, word: str, phase: int) -> bool:
        """Whether `count` at a rep's start leaves the first tempo word its place within 1 s."""
        small = self.s(SHORT_GAP)
        after = self.length(count) + small
        if not word or self.length(word) + small > phase:
            return after <= phase
        return after <= self.s(FIRST_WORD_WITHIN) and after + self.length(word) + small <= phase

    def _rep_count(self, count: str, rep: int, side: str | None, exercise: Exercise,
                   rep_length: int) -> str | None:
        """What is said on a rep: its number (and side) if it fits in the rep, which a fast rep's
        phases then share; else the side alone, or the number alone; None (with a note) if not
        even that fits. An alternating rep always names its side, so it never says the number
        alone."""
        small = self.s(SHORT_GAP)
        room = rep_length - (self.s(SHORT_GAP) + tone_samples("start", self.sample_rate)
                             if rep == 1 else 0)
        choices = [count]
        if side and rep > 1:
            choices.append(side_alone(side, self.book))
        for text in choices:
            if self.length(text) + small <= room:
                return text
        self.note(exercise, "tempo", f"a rep of {rep_length / self.sample_rate:g}s is too short "
                  f"to say '{choices[-1]}' in at {self.settings.pace} pace; the reps are not "
                  "counted aloud" + (" and their sides are not named" if side else ""))
        return None

    def cues(self, marks: Round, work: Work, turn: int, most: int | None = None) -> int:
        """Form reminders in the quiet of the work, in turn, spaced so that it is not chatty;
        `most` of them, if given. Returns the turn of the next cue; cues that find no room are
        the caller's to say."""
        cues = work.exercise.cues
        if not cues:
            return turn
        if not work.exercise.timed:
            return self.rep_cues(marks, work, turn, len(cues) if most is None else most)
        stop = turn + most if most is not None else None
        track = marks.track
        span = (marks.length - marks.cue_from) / self.sample_rate
        every = self.s(min(CUE_MAX_EVERY, max(CUE_MIN_EVERY, span / (2 * len(cues) + 1))))
        at = marks.cue_from
        # in timed work a cue keeps its distance from "halfway" and the like
        clear = self.s(CUE_CLEAR)
        tried = 0
        while (stop is None or turn < stop) and tried < len(cues):
            cue = cues[turn % len(cues)]
            text = self.wording(cue)
            if text is None:  # said often enough: the next cue takes its turn
                turn, tried = turn + 1, tried + 1
                continue
            length = self.length(text)
            spot = track.first_fit(at, length, clear)
            if spot is None:
                return turn
            marks.add(spot, Role.CUE, text)
            self.said_cue(cue, text)
            turn, tried = turn + 1, 0
            at = spot + max(every, length + track.gap)
        return turn

    def rep_cues(self, marks: Round, work: Work, turn: int, count: int) -> int:
        """Cues spread over the reps of a round: the k-th of n in the middle of the k-th n-th of
        the reps; a cue tied to a phase starts inside that phase, after its word."""
        exercise = work.exercise
        cues = exercise.cues
        words = [p.word.lower() for p in exercise.tempo]
        offsets = [sum(marks.phases[:k]) for k in range(len(marks.phases))]
        for k in range(count):
            cue = cues[turn % len(cues)]
            turn += 1
            text = self.wording(cue)
            if text is None:
                continue
            target = (2 * k + 1) * work.reps // (2 * count)
            order = [*range(target, work.reps), *range(target - 1, -1, -1)]
            # its wording in turn, else a shorter one of its wordings that fits
            shorter = sorted((t for t in wordings(cue) if t not in (text, self.last_said(cue)) and
                              self._said.get(t, 0) < MOST_SAID), key=self.length)
            for option in (text, *shorter):
                if self._place_rep_cue(marks, option, phase_of(cue), order, words, offsets):
                    self.said_cue(cue, option)
                    break
            else:
                marks.unheard.append(cue)  # the caller's to say, or to note
        return turn

    def _place_rep_cue(self, marks: Round, text: str, phase: str | None, order: list[int],
                       words: list[str], offsets: list[int]) -> bool:
        length = self.length(text)
        if phase is not None and phase.lower() in words:
            index = words.index(phase.lower())
            for rep in order:
                begin = rep * marks.rep_length + offsets[index]
                found = marks.track.first_fit(max(begin, marks.cue_from), length)
                if found is not None and found < begin + marks.phases[index]:
                    marks.add(found, Role.CUE, text)
                    return True
        else:
            for at in (order[0] * marks.rep_length, 0):
                spot = marks.track.first_fit(max(at, marks.cue_from), length)
                if spot is not None:
                    marks.add(spot, Role.CUE, text)
                    return True
        return self._cue_on_a_phase(marks, text, phase, order, words)

    def _cue_on_a_phase(self, marks: Round, text: str, phase: str | None, order: list[int],
                        words: list[str]) -> bool:
        """When the quiet between the words is too short: the cue is said where a tempo word
        would be (its own phase's, if it has one; a later phase's before the first, which
        follows the rep number), so it marks the beat too."""
        offsets = [sum(marks.phases[:k]) for k in range(len(marks.phases))]
        indexes = [words.index(phase.lower())] if phase is not None else \
            [*range(1, len(words)), 0]
        for rep in order:
            for index in indexes:
                begin = rep * marks.rep_length + offsets[index]
                word = marks.word_in(begin, begin + marks.phases[index])
                if word is not None and marks.instead(word, Role.CUE, text):
                    return True
        return False


# ---------------------------------------------------------------------------
# Entry points


def layout(routine: Routine, settings: Settings, measure: Measure, works: list[Work],
           sample_rate: int = SAMPLE_RATE) -> Timeline:
    return _Planner(routine, settings, measure, sample_rate).build(works)


Scale = tuple[float, float]  # (f, g): how --minutes scaled time and counts
NO_SCALE = (1.0, 1.0)


def candidate_texts(routine: Routine, settings: Settings, scale: Scale = NO_SCALE) -> list[str]:
    """Every line a plan of this routine may speak, so the speech layer can make them at once."""
    asked: list[str] = []

    def record(text: str) -> int:
        asked.append(text)
        return 1

    layout(routine, settings, record, resolve(routine, settings, *scale))
    return list(dict.fromkeys(asked))


def plan(routine: Routine, settings: Settings, measure: Measure, scale: Scale = NO_SCALE,
         sample_rate: int = SAMPLE_RATE) -> Timeline:
    """The session's timeline at the settings' level and pace, with time and counts scaled."""
    return layout(routine, settings, measure, resolve(routine, settings, *scale), sample_rate)


def one_line(text: str, length: int, sample_rate: int = SAMPLE_RATE) -> Timeline:
    """A timeline of one spoken line and nothing else (`say`)."""
    return spoken_lines(text, [text], lambda _: length, sample_rate)


def spoken_lines(title: str, texts: Sequence[str], measure: Measure,
                 sample_rate: int = SAMPLE_RATE) -> Timeline:
    """Lines said in turn, a pause between them, and nothing else (`say`, `safety --play`)."""
    events: list[Event] = []
    at = 0
    for text in texts:
        if events:
            at += round(0.8 * sample_rate)
        events.append(Event(at, measure(text), Sound.SPEECH, Role.TITLE, text))
        at = events[-1].end
    return Timeline("say", title, sample_rate, at, tuple(events), (Chapter(0, at, title),))


def plan_partial(routine: Routine, settings: Settings, known: Callable[[str], int | None],
                 estimate: Measure, sample_rate: int = SAMPLE_RATE) -> tuple[Timeline, int]:
    """The plan while its speech is still being made, and the sample up to which it is exact.

    Lines not yet made (`known` gives None) are planned with `estimate`. The planner places
    events in the order the listener hears them, and nothing it places after measuring a line
    starts before its cursor at that moment, so every event before the cursor at the first
    unknown line was placed with real lengths only: it is where the finished plan will have it.
    That cursor is always in a breath after a line, so playback can stop there and go on later."""
    planner = _Planner(routine, settings, estimate, sample_rate)
    exact: list[int] = []

    def measure(text: str) -> int:
        length = known(text)
        if length is None:
            if not exact:
                exact.append(planner.cursor)
            return estimate(text)
        return length

    planner._measure = measure
    timeline = planner.build(resolve(routine, settings))
    return timeline, (exact[0] if exact else timeline.length)


def fit(routine: Routine, settings: Settings, measure: Measure,
        sample_rate: int = SAMPLE_RATE) -> Scale:
    """The scale that brings the session within 5% of --minutes, or FitError with the range."""
    assert settings.minutes is not None
    wanted = settings.minutes
    target = wanted * 60 * sample_rate

    lengths: dict[Scale, int] = {}

    def length(scale: Scale) -> int:
        if scale not in lengths:
            lengths[scale] = plan(routine, settings, measure, scale, sample_rate).length
        return lengths[scale]

    def miss(scale: Scale) -> float:
        return abs(length(scale) - target)

    def search(lo: float, hi: float, scale_of: Callable[[float], Scale]) -> tuple[Scale, ...]:
        """Bisect on a monotone scale; the best found and the two that bracket the target.
        At most 12 plans: fitting costs a fixed number of plans, so it is linear in the length."""
        best = min((scale_of(lo), scale_of(hi)), key=miss)
        for _ in range(10):
            mid = (lo + hi) / 2
            scale = scale_of(mid)
            if miss(scale) < miss(best):
                best = scale
            if length(scale) < target:
                lo = mid
            else:
                hi = mid
        return best, scale_of(lo), scale_of(hi)

    shortest, longest = length((F_MIN, G_MIN)), length((F_MAX, G_MAX))

    def impossible() -> FitError:
        minutes = sorted(n / sample_rate / 60 for n in lengths.values())
        below = [m for m in minutes if m * 60 * sample_rate < target]
        above = [m for m in minutes if m * 60 * sample_rate > target]
        nearest = (below[-1], above[0]) if below and above else None
        return FitError(routine.named, wanted, minutes[0], minutes[-1], nearest,
                        minutes_range=MINUTES_RANGE)

    if not shortest * (1 - FIT_TOLERANCE) <= target <= longest * (1 + FIT_TOLERANCE):
        lengths = {(F_MIN, G_MIN): shortest, (F_MAX, G_MAX): longest}
        raise impossible()
    # time and counts move together, from both lows through the level's own numbers to both highs
    best, low, high = search(0.0, 1.0, _together)
    if miss(best) > FIT_TOLERANCE * target:
        # a count stepped over the target: keep the counts either side of it and tune time alone
        for g in dict.fromkeys((low[1], high[1])):
            best = min(best, search(F_MIN, F_MAX, functools.partial(_time_scale, g=g))[0], key=miss)
    if miss(best) > FIT_TOLERANCE * target:
        raise impossible()
    return best


def _together(t: float) -> Scale:
    if t <= 0.5:
        k = 2 * t
        return F_MIN + (1 - F_MIN) * k, G_MIN + (1 - G_MIN) * k
    k = 2 * t - 1
    return 1 + (F_MAX - 1) * k, 1 + (G_MAX - 1) * k


def _time_scale(f: float, g: float) -> Scale:
    return f, g


def fits(timeline: Timeline, settings: Settings) -> bool:
    """Whether the timeline is within 5% of --minutes."""
    assert settings.minutes is not None
    return abs(timeline.duration - settings.minutes * 60) <= FIT_TOLERANCE * settings.minutes * 60


def fit_error(routine: Routine, settings: Settings, measure: Measure) -> FitError:
    """The error for --minutes that real speech lengths kept out of reach, with the range."""
    assert settings.minutes is not None
    low = plan(routine, settings, measure, (F_MIN, G_MIN)).duration / 60
    high = plan(routine, settings, measure, (F_MAX, G_MAX)).duration / 60
    return FitError(routine.named, settings.minutes, low, high, minutes_range=MINUTES_RANGE)


def refuse_too_long(routine: Routine) -> None:
    """Refuse a routine whose session would last over MAX_SESSION_SECONDS at its longest level,
    as a located problem in the file, before any speech is made for it (session.py asks)."""
    longest = estimated_seconds(routine, Settings(level=Level.ADVANCED), MAX_SESSION_SECONDS)
    if longest > MAX_SESSION_SECONDS:
        hours = MAX_SESSION_SECONDS // 3600
        raise RoutineError([Problem(routine.path, routine.exercises_line,
                                    f"the session would last over {hours} hours at the advanced "
                                    f"level; keep a routine under {hours} hours")])


def estimated_seconds(routine: Routine, settings: Settings, limit: float | None = None) -> float:
    """The session's length, planned with speech lengths estimated from the text: no synthesis.
    The one estimate there is: `list` shows it, and refuse_too_long refuses a routine over four
    hours with it. Past `limit` seconds planning stops, so a huge routine is refused at once."""
    planner = _Planner(routine, settings, estimate_measure(settings, book=book_of(routine)),
                       SAMPLE_RATE)
    if limit is not None:
        planner.limit = planner.s(limit)
    try:
        return planner.build(resolve(routine, settings)).duration
    except _TooLong as too_long:
        return too_long.seconds


def estimate_measure(settings: Settings, sample_rate: int = SAMPLE_RATE,
                     book: Phrasebook = ENGLISH) -> Measure:
    """A length estimate from the text alone, for `list`: the language's characters a word
    (English about 5.5, German words are longer)."""
    per_char = 60.0 / (settings.spoken_wpm * book.info.chars_per_word)

    def measure(text: str) -> int:
        return int(sample_rate * (0.15 + len(text) * per_char))

    return measure


__all__ = ["Role", "Event", "Chapter", "Timeline", "Note", "plan", "plan_partial", "one_line", "fit",
           "candidate_texts", "resolve", "layout", "estimate_measure"]
