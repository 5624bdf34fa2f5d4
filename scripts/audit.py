"""Listen to every built-in routine as the person on the floor would, and report what would confuse them.

For each built-in routine at every level and pace, planned with the real speech lengths, it measures:
- the longest silence right before a count-in ("3, 2, 1" into work),
- the worst offset of a tempo phase word (or tick) from its phase start, the first phase of a rep
  (which follows the rep number) apart from the others, and phases that get no word or tick,
- cues that are never spoken in their exercise,
- rest lines whose stated time is not the time to the next start tone (tolerance 20% or 3 s),
- rep counts of "1" straight after a count-in, and alternating exercises with unequal sides,
- alternating reps whose side is named on the rep, cues said outside the tempo phase their words
  name, the least time to move after a change of side and after a step of a change of position,
- with --minutes (at 0.6, 0.8, 1.25 and 1.6 times the standard length), exercises taken out of
  their own ranges, and lengths refused,
- words per minute while speaking (lines of 8 words or more), by pace.

    .venv/bin/python scripts/audit.py [--cache-dir DIR] [ROUTINE...]

Run by hand; the issue notes quote its figures before and after a change to the planner.
"""
from __future__ import annotations

import argparse
import re
import sys
from itertools import pairwise
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from voicecoach import routine as routines  # noqa: E402
from voicecoach import timeline as planner  # noqa: E402
from voicecoach.cache import Cache  # noqa: E402
from voicecoach.errors import FitError  # noqa: E402
from voicecoach.session import prepare  # noqa: E402
from voicecoach.settings import PACES, Settings  # noqa: E402
from voicecoach.vocabulary import LEVELS  # noqa: E402

REST = re.compile(r"^(?:Rest for|The next one starts in) (.+)\.$")


def seconds_of(text: str) -> float:
    total = 0.0
    for number, unit in re.findall(r"(\d+) (minute|second)", text):
        total += int(number) * (60 if unit == "minute" else 1)
    return total


def names_phase(cue: str, tempo) -> str | None:
    """The tempo phase a cue's words name (the same test as `check`'s warning)."""
    heads = [p.word.split()[0].lower() if p.word else "" for p in tempo]
    for phase in tempo:
        head = phase.word.split()[0] if phase.word else ""
        head = head if heads.count(head.lower()) == 1 and len(head) >= 4 else ""
        for word in (phase.word, head):
            if word and re.search(rf"\b{re.escape(word)}\b", cue, re.IGNORECASE):
                return phase.word
    return None


def sides_of(exercise) -> tuple[str, str]:
    return getattr(exercise, "rep_sides", ("left", "right"))


def coaching(timeline, works, rate: int) -> dict:
    """The figures of issue 21: sides named, cues in phase, time to move after a change."""
    events = list(timeline.events)
    result = {"alternating_reps": 0, "sides_named": 0, "cues_out_of_phase": 0,
              "move_after_switch": None, "move_after_step": None}
    by_name = {w.exercise.name: w for w in works}
    for tone in (e for e in events if e.role == "start"):
        work = by_name.get(tone.exercise)
        if work is None or work.exercise.timed:
            continue
        phases = [round(p.seconds * rate) for p in work.exercise.tempo]
        rep_length = sum(phases)
        mine = [e for e in events if e.exercise == tone.exercise and
                tone.start <= e.start < tone.start + work.reps * rep_length]
        if getattr(work.exercise, "alternate", False):
            for rep in range(work.reps):
                side = sides_of(work.exercise)[rep % 2].lower()
                said = [e.text.lower() for e in mine if e.role == "count" and
                        rep * rep_length <= e.start - tone.start < (rep + 1) * rep_length]
                result["alternating_reps"] += 1
                result["sides_named"] += any(side in text for text in said)
        for cue in (e for e in mine if e.role == "cue"):
            named = names_phase(cue.text, work.exercise.tempo)
            if named is None:
                continue
            at = (cue.start - tone.start) % rep_length
            index = next(k for k in range(len(phases)) if at < sum(phases[:k + 1]))
            result["cues_out_of_phase"] += work.exercise.tempo[index].word != named
    for index, event in enumerate(events[:-1]):
        gap = (events[index + 1].start - event.end) / rate
        key = None
        if event.role == "side" and not event.text.startswith("Start with"):
            key = "move_after_switch"
        elif event.role == "transition":
            key = "move_after_step"
        if key:
            result[key] = gap if result[key] is None else min(result[key], gap)
    return result


def minutes_departures(routine, measure_of) -> tuple[int, int, int]:
    """(fitted lengths, exercises out of their ranges in them, lengths refused)."""
    base = planner.plan(routine, Settings(), measure_of(Settings())).duration / 60
    fitted = outside = refused = 0
    for factor in (0.6, 0.8, 1.25, 1.6):
        settings = Settings(minutes=max(1, round(base * factor)))
        try:
            scale = planner.fit(routine, settings, measure_of(settings))
        except FitError:
            refused += 1
            continue
        fitted += 1
        for work in planner.resolve(routine, settings, *scale):
            exercise = work.exercise
            amount = work.seconds if exercise.timed else work.reps
            low, high = exercise.amount.low, exercise.amount.high
            if getattr(exercise, "alternate", False):
                low, high = low + low % 2 - 2 * (low % 2 and low + 1 > high), high + high % 2
            outside += not (low <= amount <= high and exercise.sets.low <= work.sets <= exercise.sets.high)
    return fitted, outside, refused


def words_per_minute(timeline, length) -> tuple[int, float]:
    words = seconds = 0.0
    for event in timeline.events:
        if event.kind == "speech" and len(event.text.split()) >= 8:
            words += len(event.text.split())
            seconds += length(event.text) / timeline.sample_rate
    return int(words), seconds


def audit(timeline, works, rate: int) -> dict:
    events = list(timeline.events)
    starts = [e for e in events if e.role == "start"]
    result = {"silence_before_countdown": 0.0, "silence_in_talk": 0.0, "first_phase_offset": 0.0,
              "phase_offset": 0.0,
              "unmarked_phases": 0, "cues_never_heard": [], "untrue_rests": [],
              "count_one_after_countin": 0, "unequal_alternation": []}
    # silence right before each count-in, and the longest in the talk that leads to it
    talk_roles = ("announce", "side", "set")
    for tone in starts:
        three = next((e for e in events if e.role == "countdown" and e.text == "3"
                      and e.start == tone.start - 3 * rate), None)
        if three is None:
            continue
        before = [e.end for e in events if e.end <= three.start]
        last = max((e for e in events if e.end <= three.start), key=lambda e: e.end, default=None)
        if last is not None and (last.role == "transition" or last.role == "side" and
                                 not last.text.startswith("Start with")):
            before = []  # time to move after a change: reported below, on its own
        if before:
            result["silence_before_countdown"] = max(result["silence_before_countdown"],
                                                     (three.start - max(before)) / rate)
        talk_from = max([e.start for e in events if e.role in talk_roles and e.start < tone.start],
                        default=three.start)
        talk = [e for e in events if talk_from <= e.start <= three.start]
        for a, b in pairwise(talk):
            result["silence_in_talk"] = max(result["silence_in_talk"], (b.start - a.end) / rate)
    # tempo markers, rep by rep
    by_name = {w.exercise.name: w for w in works}
    for tone in starts:
        work = by_name.get(tone.exercise)
        if work is None or work.exercise.timed:
            continue
        phases = [round(p.seconds * rate) for p in work.exercise.tempo]
        first = tone.start  # the first rep begins on the start tone
        # a word or a tick, a cue said in a word's place, or a fast rep's number still being said
        markers = [e for e in events if e.role in ("phase", "tick", "cue") and
                   e.exercise == tone.exercise]
        counts = [e for e in events if e.role == "count" and e.exercise == tone.exercise]
        rep_start = first
        for _rep in range(work.reps):
            phase_start = rep_start
            for index, length in enumerate(phases):
                if index > 0 and any(c.start < phase_start <= c.end + 0.12 * rate for c in counts):
                    phase_start += length  # a fast rep's number, still being said, marks it
                    continue
                inside = [e for e in markers if phase_start <= e.start < phase_start + length]
                word = work.exercise.tempo[index].word
                if inside:
                    offset = (inside[0].start - phase_start) / rate
                    key = "first_phase_offset" if index == 0 else "phase_offset"
                    result[key] = max(result[key], offset)
                elif index > 0 or not word:
                    result["unmarked_phases"] += 1
                phase_start += length
            rep_start += sum(phases)
        after = [e for e in events if e.start > tone.start and e.role == "count"]
        if after and after[0].text.split(",")[0] == "1" and after[0].start - tone.start < 2 * rate:
            result["count_one_after_countin"] += 1
    # cues heard
    for work in works:
        spoken = {e.text for e in events if e.exercise == work.exercise.name}
        result["cues_never_heard"] += [f"{work.exercise.name}: {c}" for c in work.exercise.cues
                                       if not set(getattr(c, "wordings", (c,))) & spoken]
        if getattr(work.exercise, "alternate", False) and work.reps % 2:
            result["unequal_alternation"].append(work.exercise.name)
        if not getattr(work.exercise, "alternate", False) and re.search(
                r"switch (legs|sides) each time|each side in turn", " ".join(
                    [work.exercise.setup, *work.exercise.cues]).lower()) and work.reps % 2:
            result["unequal_alternation"].append(work.exercise.name)
    # rest lines tell the truth
    for event in events:
        match = REST.match(event.text) if event.kind == "speech" else None
        if not match:
            continue
        said = seconds_of(match.group(1))
        later = [e.start for e in starts if e.start >= event.end]
        if not later:
            continue
        real = (later[0] - event.end) / rate
        if abs(real - said) > max(3.0, 0.2 * said):
            result["untrue_rests"].append(f"said {said:g}s, got {real:.1f}s")
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("routines", nargs="*")
    parser.add_argument("--cache-dir", type=Path, default=None)
    args = parser.parse_args()
    cache = Cache(args.cache_dir) if args.cache_dir else Cache()
    names = args.routines or routines.builtin_ids()
    worst = {"silence": 0.0, "talk": 0.0, "first": 0.0, "phase": 0.0, "unmarked": 0, "cues": set(),
             "rests": 0, "ones": 0, "unequal": set(), "alternating": 0, "named": 0,
             "out_of_phase": 0, "switch": None, "step": None, "fitted": 0, "outside": 0,
             "refused": 0}
    speaking = {pace: [0, 0.0] for pace in PACES}
    print(f"{'routine':<20} {'level':<9} {'pace':<6} {'silence':>8} {'1st ph':>7} {'phase':>6} "
          f"{'unmark':>6} {'cues':>5} {'rests':>5} {'ones':>4}")
    for name in names:
        routine = routines.load(name)
        for level in LEVELS:
            for pace in PACES:
                settings = Settings(level=level, pace=pace)
                session = prepare(routine, settings, cache)
                works = planner.resolve(routine, settings)
                r = audit(session.timeline, works, session.timeline.sample_rate)
                print(f"{name:<20} {level:<9} {pace:<6} {r['silence_before_countdown']:>7.1f}s "
                      f"{r['first_phase_offset']:>6.2f}s {r['phase_offset']:>5.2f}s "
                      f"{r['unmarked_phases']:>6} {len(r['cues_never_heard']):>5} "
                      f"{len(r['untrue_rests']):>5} {r['count_one_after_countin']:>4}")
                worst["silence"] = max(worst["silence"], r["silence_before_countdown"])
                worst["talk"] = max(worst["talk"], r["silence_in_talk"])
                worst["first"] = max(worst["first"], r["first_phase_offset"])
                worst["phase"] = max(worst["phase"], r["phase_offset"])
                worst["unmarked"] += r["unmarked_phases"]
                worst["cues"].update(f"{name}/{c}" for c in r["cues_never_heard"])
                worst["rests"] += len(r["untrue_rests"])
                worst["ones"] += r["count_one_after_countin"]
                worst["unequal"].update(f"{name}/{e}" for e in r["unequal_alternation"])
                c = coaching(session.timeline, works, session.timeline.sample_rate)
                worst["alternating"] += c["alternating_reps"]
                worst["named"] += c["sides_named"]
                worst["out_of_phase"] += c["cues_out_of_phase"]
                for key, mine in (("switch", "move_after_switch"), ("step", "move_after_step")):
                    if c[mine] is not None:
                        worst[key] = c[mine] if worst[key] is None else min(worst[key], c[mine])
                words, seconds = words_per_minute(session.timeline, session.speech.length)
                speaking[pace][0] += words
                speaking[pace][1] += seconds
        fitted, outside, refused = minutes_departures(routine, planner.estimate_measure)
        worst["fitted"] += fitted
        worst["outside"] += outside
        worst["refused"] += refused
    exercises_with_unheard = {c.split(":")[0] for c in worst["cues"]}
    print()
    print(f"longest silence before a count-in (other than time to move after a change): "
          f"{worst['silence']:.1f} s")
    print(f"longest silence from 'next up' (or a side or set line) to its count-in: "
          f"{worst['talk']:.1f} s")
    print(f"worst first-phase word offset from the rep start: {worst['first']:.2f} s")
    print(f"worst later-phase word offset from the phase start: {worst['phase']:.2f} s")
    print(f"phases with no word or tick (all levels and paces): {worst['unmarked']}")
    print(f"cues never heard (at some level and pace): {len(worst['cues'])}, in "
          f"{len(exercises_with_unheard)} exercises")
    print(f"rest lines off by more than 20% or 3 s: {worst['rests']}")
    print(f"rep count '1' straight after a count-in: {worst['ones']}")
    print(f"alternating exercises with unequal sides: {sorted(worst['unequal']) or 'none'}")
    print(f"alternating reps with their side named on the rep: {worst['named']} of "
          f"{worst['alternating']}")
    print(f"cues said outside the phase their words name: {worst['out_of_phase']}")
    def least(seconds: float | None) -> str:
        return "none made" if seconds is None else f"{seconds:.1f} s"

    print(f"least time to move after a change of side: {least(worst['switch'])}; after a step of "
          f"a change of position: {least(worst['step'])} (all levels and paces)")
    print(f"--minutes at 0.6/0.8/1.25/1.6 times: {worst['fitted']} fitted, {worst['outside']} "
          f"exercises out of their own ranges, {worst['refused']} lengths refused")
    for pace, (words, seconds) in speaking.items():
        asked = getattr(PACES[pace], "spoken", PACES[pace].words_per_minute)
        print(f"words per minute while speaking at {pace} ({asked} asked): "
              f"{60 * words / seconds if seconds else 0:.0f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
