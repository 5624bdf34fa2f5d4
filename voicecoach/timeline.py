"""Plan a session: every spoken line and tone of a routine, placed to the sample, never overlapping.

`plan()` does no I/O: it is given `measure(text) -> samples`, the exact length of each spoken clip,
by the speech layer (or an estimate, for `list`), and returns a Timeline that rendering, playback
and export consume.
"""
from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass

from .errors import FitError
from .routine import Exercise, Routine
from .settings import SAMPLE_RATE, Settings
from .sounds import tone_samples

Measure = Callable[[str], int]

LEAD_IN = 0.5  # silence before the first word: players swallow the first moment
GAP = 0.3  # breath between consecutive lines
SHORT_GAP = 0.12  # between a rep count and its phase word
TAIL = 1.5  # silence after the finish tone
TONE_GAP = 0.15  # from the start tone to the first rep
COUNTDOWN = 3  # numbers in a countdown
HALFWAY_MIN = 20.0
REMAINING_MIN = 30.0
REMAINING_AT = 10.0
AUTO_CHECK_IN = 300.0  # on work this long or longer, a check-in this often
SHORT_WORK = 5.0
CUE_MIN_EVERY, CUE_MAX_EVERY = 10.0, 90.0
FIT_TOLERANCE = 0.05
F_MIN, F_MAX = 0.5, 2.0  # how far --minutes may scale holds, timed work and rests
G_MIN, G_MAX = 0.5, 2.0  # how far --minutes may scale reps and sets
SETS_STAY = (0.75, 1.5)  # while counts scale within this, only reps change

SAFETY = (
    "A word on safety. Move gently and within comfort. Stop if you feel sharp pain, pain "
    "that spreads down a leg, or numbness or tingling, and see a clinician if it persists."
)
DEFAULT_OUTRO = "That is the end of the session. Take your time before you get up."
RELEASE = "And relax."

SPEECH_ROLES = (
    "title", "safety", "intro", "announce", "setup", "caution", "work", "side", "set",
    "countdown", "count", "phase", "cue", "halfway", "remaining", "check_in", "release",
    "rest", "outro",
)
TONE_ROLES = ("start", "end", "tick", "finish")


@dataclass(frozen=True)
class Event:
    start: int  # in samples
    length: int
    kind: str  # "speech" | "tone"
    role: str
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

    @property
    def duration(self) -> float:
        return self.length / self.sample_rate

    def seconds(self, samples: int) -> float:
        return samples / self.sample_rate

    def to_json(self) -> dict:
        at = self.seconds
        return {
            "routine": self.routine_id,
            "title": self.title,
            "duration": at(self.length),
            "sample_rate": self.sample_rate,
            "events": [
                {"start": at(e.start), "end": at(e.end), "kind": e.kind, "role": e.role,
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
    """Pick from ranges by level, then scale time by f and counts by g (for --minutes)."""
    works = []
    for exercise in routine.exercises:
        amount = exercise.amount.pick(settings.level)
        sets = int(exercise.sets.pick(settings.level))
        seconds, reps = 0.0, 0
        if exercise.timed:
            seconds = float(round(amount * f))
            seconds = max(seconds, min(amount, SHORT_WORK), 1.0)
        else:
            reps = max(1, round(amount * g))
        if not SETS_STAY[0] <= g <= SETS_STAY[1]:  # reps move first, in fine steps; sets last
            sets = max(1, round(sets * g))
        works.append(Work(exercise, seconds, reps, sets, _scaled_rest(routine.rest_after(exercise), f)))
    return works


def _scaled_rest(rest: float, f: float) -> float:
    return max(float(round(rest * f)), min(rest, 5.0))


def clock(seconds: float) -> str:
    """mm:ss, as the script and the status line show times."""
    minutes, secs = divmod(int(seconds), 60)
    return f"{minutes:02d}:{secs:02d}"


def spoken_duration(seconds: float) -> str:
    """'1 minute 30 seconds', '45 seconds', '20 minutes' (numbers as digits read well)."""
    seconds = int(round(seconds))
    minutes, secs = divmod(seconds, 60)
    parts = []
    if minutes:
        parts.append(f"{minutes} minute{'s' if minutes != 1 else ''}")
    if secs or not minutes:
        parts.append(f"{secs} second{'s' if secs != 1 else ''}")
    return " ".join(parts)


def work_line(work: Work) -> str:
    exercise = work.exercise
    sets = f", {work.sets} sets" if work.sets > 1 else ""
    each = " on each side" if exercise.sides else ""
    if exercise.kind == "hold":
        return f"Hold for {spoken_duration(work.seconds)}{sets}{each}."
    if exercise.kind == "duration":
        return f"Keep going for {spoken_duration(work.seconds)}{sets}{each}."
    return f"{work.reps} {'rep' if work.reps == 1 else 'reps'}{sets}{each}."


def side_line(label: str, first: bool) -> str:
    return f"Start with your {label}." if first else f"Switch to your {label}."


def count_line(rep: int, last: bool) -> str:
    return f"{rep}, last one." if last and rep > 1 else str(rep)


def check_in_line(done: float, left: float) -> str:
    return f"{spoken_duration(done)} done, {spoken_duration(left)} to go."


# ---------------------------------------------------------------------------
# Layout


class _Layout:
    def __init__(self, routine: Routine, settings: Settings, measure: Measure, rate: int):
        self.routine = routine
        self.settings = settings
        self._measure = measure
        self._lengths: dict[str, int] = {}
        self.rate = rate
        self.events: list[Event] = []
        self.notes: list[Note] = []
        self.cursor = self.s(LEAD_IN)
        self.exercise: str | None = None
        self.set: int | None = None
        self.side: str | None = None

    # units -------------------------------------------------------------
    def s(self, seconds: float) -> int:
        return int(round(seconds * self.rate))

    def measure(self, text: str) -> int:
        if text not in self._lengths:
            self._lengths[text] = int(self._measure(text))
        return self._lengths[text]

    def tone_length(self, name: str) -> int:
        return tone_samples(name, self.rate)

    # placing -----------------------------------------------------------
    def event(self, kind: str, role: str, text: str, start: int, length: int) -> Event:
        event = Event(start, length, kind, role, text, self.exercise, self.set, self.side)
        self.events.append(event)
        return event

    def say(self, text: str, role: str, at: int | None = None, gap: float = GAP) -> Event:
        start = self.cursor if at is None else at
        event = self.event("speech", role, text, start, self.measure(text))
        self.cursor = max(self.cursor, event.end + self.s(gap))
        return event

    def tone(self, name: str, at: int) -> Event:
        return self.event("tone", name, name, at, self.tone_length(name))

    def note(self, exercise: Exercise | None, key: str, message: str) -> None:
        note = Note(exercise, key, message)
        if note not in self.notes:
            self.notes.append(note)

    # the session -------------------------------------------------------
    def build(self, works: list[Work]) -> Timeline:
        routine = self.routine
        chapters: list[tuple[int, str, str | None]] = [(0, "Introduction", None)]
        self.say(f"{routine.title}.", "title", gap=0.6)
        self.say(SAFETY, "safety", gap=0.6)
        if routine.intro:
            self.say(routine.intro, "intro", gap=0.8)

        rest_end = self.cursor
        for index, work in enumerate(works):
            self.exercise, self.set, self.side = work.exercise.name, None, None
            chapters.append((self.cursor, work.exercise.name, work.exercise.name))
            rest_before = works[index - 1].rest if index else None
            rest_end = self.exercise_block(work, first=(index == 0), rest_end=rest_end,
                                           rest_before=rest_before)
            last = index == len(works) - 1
            self.exercise, self.set, self.side = None, None, None
            if not last:
                self.exercise = work.exercise.name
                self.say(f"Rest for {spoken_duration(work.rest)}.", "rest")
                rest_end = max(rest_end + self.s(work.rest), self.cursor)
                self.exercise = None

        self.cursor += self.s(0.7)
        chapters.append((self.cursor, "Finish", None))
        self.say(routine.outro or DEFAULT_OUTRO, "outro", gap=0.4)
        finish = self.tone("finish", self.cursor)
        length = finish.end + self.s(TAIL)

        bounds = [start for start, _, _ in chapters] + [length]
        tiles = tuple(
            Chapter(bounds[i], bounds[i + 1], title, exercise)
            for i, (_, title, exercise) in enumerate(chapters)
        )
        events = tuple(sorted(self.events, key=lambda e: (e.start, e.end)))
        return Timeline(routine.id, routine.title, self.rate, length, events, tiles,
                        tuple(self.notes))

    def exercise_block(self, work: Work, first: bool, rest_end: int,
                       rest_before: float | None) -> int:
        """Announce, set up and run every side and set of one exercise; return when work ended."""
        exercise = work.exercise
        self.say(f"{'First' if first else 'Next up'}: {exercise.name}.", "announce")
        self.say(exercise.setup, "setup")
        if exercise.caution:
            self.say(exercise.caution, "caution")
        self.say(work_line(work), "work")
        if exercise.timed and work.seconds < SHORT_WORK:
            self.note(exercise, exercise.kind,
                      f"'{exercise.kind}' of {work.seconds:g}s is shorter than {SHORT_WORK:g}s; "
                      "it is clearer as a tempo phase of reps, and its countdown is shortened")
        if rest_before is not None and self.measure(exercise.setup) > self.s(rest_before):
            self.note(exercise, "setup",
                      f"the setup takes {self.measure(exercise.setup) / self.rate:.0f}s to say, "
                      f"longer than the {rest_before:g}s rest before it; that rest is lengthened "
                      "to fit it")
        rounds = [(side, number) for side in (exercise.sides or (None,))
                  for number in range(1, work.sets + 1)]
        end = rest_end
        cue_turn = 0
        for index, (side, set_number) in enumerate(rounds):
            if index == 0:
                self.side, self.set = side, (set_number if work.sets > 1 else None)
                if side is not None:
                    self.say(side_line(side, True), "side")
                ready = self.cursor + self.s(self.settings.position_seconds)
                start = max(rest_end, ready + self.s(COUNTDOWN))
            else:
                self.say(RELEASE, "release")  # still in the round that just ended
                rest_until = end + self.s(work.rest)
                self.side, self.set = side, (set_number if work.sets > 1 else None)
                if set_number == 1 and side is not None:  # the same work again, on the next side
                    self.say(side_line(side, False), "side")
                    ready = self.cursor + self.s(self.settings.position_seconds)
                    start = max(rest_until, ready + self.s(COUNTDOWN))
                else:
                    self.say(f"Rest for {spoken_duration(work.rest)}.", "rest")
                    set_text = f"Set {set_number} of {work.sets}."
                    tail = self.s(GAP) + self.measure(set_text) + self.s(GAP) + self.s(COUNTDOWN)
                    if exercise.cues:  # a form reminder, when the rest has room for it
                        cue = exercise.cues[cue_turn % len(exercise.cues)]
                        if self.cursor + self.s(1.0) + self.measure(cue) + tail <= rest_until:
                            self.say(cue, "cue", at=self.cursor + self.s(1.0))
                            cue_turn += 1
                    start = max(rest_until, self.cursor + tail - self.s(GAP))
                    at = start - self.s(COUNTDOWN) - self.s(GAP) - self.measure(set_text)
                    self.say(set_text, "set", at=max(at, self.cursor))
            self.countdown_into(start)
            end = self.run(work, start)
        self.say(RELEASE, "release")
        return end

    def countdown_into(self, start: int) -> None:
        """'3, 2, 1', each number on its second, and the start tone on the beat after '1'."""
        second = self.s(1.0)
        for number in range(COUNTDOWN, 0, -1):
            self.say(str(number), "countdown", at=start - number * second, gap=0)
        self.tone("start", start)
        self.cursor = start + self.tone_length("start") + self.s(TONE_GAP)

    def run(self, work: Work, start: int) -> int:
        if work.exercise.timed:
            return self.timed(work, start)
        return self.reps(work, start)

    # timed work --------------------------------------------------------
    def timed(self, work: Work, start: int) -> int:
        exercise = work.exercise
        seconds = work.seconds
        end = start + self.s(seconds)
        second = self.s(1.0)
        gap = self.s(GAP)
        busy: list[tuple[int, int]] = [(start, start + self.tone_length("start"))]

        def free(at: int, length: int) -> bool:
            if at < busy[0][1] + gap or at + length > end - gap:
                return False
            return all(at + length + gap <= b0 or at >= b1 + gap for b0, b1 in busy)

        def place(text: str, role: str, at: int) -> bool:
            length = self.measure(text)
            if not free(at, length):
                return False
            self.say(text, role, at=at, gap=0)
            busy.append((at, at + length))
            return True

        # the closing countdown: as many numbers as fit after the start tone
        for number in range(COUNTDOWN, 0, -1):
            at = end - number * second
            text = str(number)
            if at >= busy[0][1] + gap and at + self.measure(text) <= end:
                self.say(text, "countdown", at=at, gap=0)
                busy.append((at, at + self.measure(text)))
        self.tone("end", end)

        if seconds >= REMAINING_MIN:
            place(f"{spoken_duration(REMAINING_AT)} left.", "remaining",
                  end - self.s(REMAINING_AT))
        every = exercise.check_in or (AUTO_CHECK_IN if seconds >= AUTO_CHECK_IN else None)
        halfway = start + self.s(seconds / 2)
        check_ins = []
        if every:
            k = 1
            while every * k <= seconds - 20:
                check_ins.append(every * k)
                k += 1
        if seconds >= HALFWAY_MIN:
            text = "Halfway."
            if any(abs(t - seconds / 2) < 10 for t in check_ins):
                text = f"Halfway. {check_in_line(seconds / 2, seconds / 2)}"
                check_ins = [t for t in check_ins if abs(t - seconds / 2) >= 10]
            place(text, "halfway", halfway)
        for done in check_ins:
            place(check_in_line(done, seconds - done), "check_in", start + self.s(done))

        self.cues(work, start, end, busy, free, place)
        self.cursor = max(self.cursor, end + self.tone_length("end") + self.s(TONE_GAP))
        return end

    def cues(self, work: Work, start: int, end: int, busy: list, free, place) -> None:
        """Form reminders in the free gaps, in turn, spaced so that long work is not chatty."""
        cues = work.exercise.cues
        if not cues:
            return
        span = (end - start) / self.rate
        every = self.s(min(CUE_MAX_EVERY, max(CUE_MIN_EVERY, span / (2 * len(cues) + 1))))
        step = self.s(0.5)
        at = busy[0][1] + self.s(GAP) + self.s(0.6)
        turn = 0
        while at < end:
            text = cues[turn % len(cues)]
            length = self.measure(text)
            if at + length > end:
                break
            if free(at, length):
                place(text, "cue", at)
                turn += 1
                at += max(every, length + self.s(GAP))
            else:
                at += step

    # reps --------------------------------------------------------------
    def reps(self, work: Work, start: int) -> int:
        exercise = work.exercise
        tempo = exercise.tempo
        phase_lengths = [self.s(p.seconds) for p in tempo]
        rep_length = sum(phase_lengths)
        first = start + self.tone_length("start") + self.s(TONE_GAP)
        last_end = first  # end of the latest sound placed
        tick = self.tone_length("tick")
        small = self.s(SHORT_GAP)
        for rep in range(1, work.reps + 1):
            rep_start = first + (rep - 1) * rep_length
            phase_start = rep_start
            for index, (phase, length) in enumerate(zip(tempo, phase_lengths, strict=True)):
                phase_end = phase_start + length
                word_length = self.measure(phase.word) if phase.word else 0
                if phase.word and word_length + small > length:
                    self.note(exercise, "tempo",
                              f"tempo word '{phase.word}' takes {word_length / self.rate:.1f}s "
                              f"to say and does not fit its {phase.seconds:g}s phase at "
                              f"{self.settings.pace} pace; a tick sounds instead")
                if index == 0:
                    count = count_line(rep, rep == work.reps)
                    if phase_start >= last_end:
                        spoken = self.say(count, "count", at=phase_start, gap=0)
                    else:  # the previous line ran long: the number still comes, just after it
                        spoken = self.say(count, "count", at=last_end + small, gap=0)
                    last_end = spoken.end
                    if phase.word:
                        at = last_end + small
                        if at + word_length + small <= phase_end:
                            last_end = self.say(phase.word, "phase", at=at, gap=0).end
                elif phase.word and word_length + small <= length and phase_start >= last_end + small:
                    last_end = self.say(phase.word, "phase", at=phase_start, gap=0).end
                elif phase_start >= last_end + small and tick <= length:
                    last_end = self.tone("tick", phase_start).end
                phase_start = phase_end
        end = first + work.reps * rep_length
        self.cursor = max(self.cursor, last_end + self.s(GAP), end)
        return max(end, last_end)


# ---------------------------------------------------------------------------
# Entry points


def layout(routine: Routine, settings: Settings, measure: Measure, works: list[Work],
           sample_rate: int = SAMPLE_RATE) -> Timeline:
    return _Layout(routine, settings, measure, sample_rate).build(works)


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
        """Bisect on a monotone scale; the best found and the two that bracket the target."""
        best = min((scale_of(lo), scale_of(hi)), key=miss)
        for _ in range(20):
            mid = (lo + hi) / 2
            scale = scale_of(mid)
            if miss(scale) < miss(best):
                best = scale
            if length(scale) < target:
                lo = mid
            else:
                hi = mid
            if hi - lo < 1e-3:
                break
        return best, scale_of(lo), scale_of(hi)

    shortest, longest = length((F_MIN, G_MIN)), length((F_MAX, G_MAX))

    def impossible() -> FitError:
        minutes = sorted(n / sample_rate / 60 for n in lengths.values())
        below = [m for m in minutes if m * 60 * sample_rate < target]
        above = [m for m in minutes if m * 60 * sample_rate > target]
        nearest = (below[-1], above[0]) if below and above else None
        return FitError(routine.id, wanted, minutes[0], minutes[-1], nearest)

    if not shortest * (1 - FIT_TOLERANCE) <= target <= longest * (1 + FIT_TOLERANCE):
        lengths = {(F_MIN, G_MIN): shortest, (F_MAX, G_MAX): longest}
        raise impossible()
    best = search(F_MIN, F_MAX, lambda f: (f, 1.0))[0]
    if miss(best) > FIT_TOLERANCE * target:
        # time alone cannot reach it: scale reps and sets too, then fine-tune time again
        too_short = length(best) < target
        f_edge = F_MAX if too_short else F_MIN
        lo, hi = (1.0, G_MAX) if too_short else (G_MIN, 1.0)
        candidates = list(search(lo, hi, lambda g: (f_edge, g)))
        for g in {c[1] for c in candidates}:
            candidates.append(search(F_MIN, F_MAX, functools.partial(_time_scale, g=g))[0])
        best = min(candidates, key=miss)
    if miss(best) > FIT_TOLERANCE * target:
        raise impossible()
    return best


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
    return FitError(routine.id, settings.minutes, low, high)


def estimate_measure(settings: Settings, sample_rate: int = SAMPLE_RATE) -> Measure:
    """A length estimate from the text alone, for `list`: about 5.5 characters a word."""
    per_char = 60.0 / (settings.words_per_minute * 5.5)

    def measure(text: str) -> int:
        return int(sample_rate * (0.15 + len(text) * per_char))

    return measure


__all__ = ["Event", "Chapter", "Timeline", "Note", "plan", "fit", "candidate_texts", "resolve",
           "layout", "estimate_measure"]
