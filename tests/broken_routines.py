"""A large, deterministic set of routine texts, most of them broken: each exercise key given a wrong
type, a value out of its limits, unknown and missing keys, the keys that go together wrongly, the
items of cues, sides, tempo and equipment, and a program's changes and swaps.
`tests/routine_messages.json` holds what the loader said about each (its exact messages, or what
it made), captured before validation became a table; `tests/test_routine_messages.py` checks the
loader still says exactly that.

Run `python tests/broken_routines.py` to see the count; `--capture` rewrites the JSON from the
loader as it is now (only when a message is meant to change, and say so in the commit)."""
from __future__ import annotations

import json
import sys
from pathlib import Path

MESSAGES = Path(__file__).with_name("routine_messages.json")

# Values every key is tried with, written as JSON (which YAML reads the same way).
VALUES: list[object] = [
    None, True, False, 0, -1, 1, 2, 1.5, 0.1, 12, 5000, 10**30, "", "   ", "thirty", "30s", "0s",
    "2h", "7-5", "5-7", "10-20s", "20-40s", "1m30s", "-5", "5 to 7", "2.5", "x" * 700, "y" * 130,
    "Breathe \u0001out", "Relax \u009b", "!!!", "lying back", "standing", "sittng", "Knees bent.",
    [], ["a"], ["left", "right"], ["left", "Left"], ["a", "b", "c"], ["a", "b", "c", "d", "e"],
    [1, 2], [None, "b"], [["a"], "b"], [{"up": "2s"}], [{"up": "2s"}, {"down": "fast"}],
    [{"text": "Low", "phase": "up"}], [{"a": 1, "b": 2}], [{"up": 0}], [{"up": "0.1s"}],
    [{"up": "40s"}], ["up"], {}, {"a": 1}, {"text": "x"},
]

EXERCISE_KEYS = (
    "name", "position", "setup", "how", "cues", "caution", "sides", "switch", "alternate", "sets",
    "rest", "hold", "reps", "duration", "tempo", "check_in", "again",
)
WORKS = {"hold": "30s", "reps": 5, "duration": "1m"}


def _yaml(exercises: list[dict[str, object]], top: dict[str, object] | None = None) -> str:
    """A routine with one line per key, so every key and value has its own line number."""
    lines = []
    for key, value in (top or {"title": "T"}).items():
        lines.append(f"{key}: {json.dumps(value)}")
    lines.append("exercises:")
    for exercise in exercises:
        first = True
        for key, value in exercise.items():
            lines.append(("  - " if first else "    ") + f"{key}: {json.dumps(value)}")
            first = False
        if not exercise:
            lines.append("  - {}")
    return "\n".join(lines) + "\n"


def _base(work: str) -> dict[str, object]:
    return {"name": "A", "setup": "Lie down.", work: WORKS[work]}


def _every_key_every_value() -> dict[str, str]:
    cases = {}
    for work in WORKS:
        for key in EXERCISE_KEYS:
            for number, value in enumerate(VALUES):
                exercise = _base(work)
                exercise[key] = value
                cases[f"{work}/{key}/{number}"] = _yaml([exercise])
    return cases


def _items() -> dict[str, str]:
    """Each value as an item of a list key: a cue, a side, a tempo phase's time, a cue's wording
    and phase, an equipment name."""
    cases = {}
    for number, value in enumerate(VALUES):
        reps = {"name": "A", "setup": "s", "reps": 5, "tempo": [{"up": "2s"}, {"down": "1s"}]}
        cases[f"cue item/{number}"] = _yaml([{**reps, "cues": ["Plain", value]}])
        cases[f"cue text/{number}"] = _yaml([{**reps, "cues": [{"text": value}]}])
        cases[f"cue phase/{number}"] = _yaml([{**reps, "cues": [{"text": "Low", "phase": value}]}])
        cases[f"cue wording/{number}"] = _yaml([{**reps, "cues": [{"text": ["Low", value]}]}])
        cases[f"side item/{number}"] = _yaml([{**reps, "sides": ["left", value]}])
        cases[f"alternate side/{number}"] = _yaml([{**reps, "alternate": True, "sides": [value, "b"]}])
        cases[f"tempo time/{number}"] = _yaml([{**reps, "tempo": [{"up": value}]}])
        cases[f"tempo phase/{number}"] = _yaml([{**reps, "tempo": [value]}])
        cases[f"equipment item/{number}"] = _yaml([_base("hold")],
                                                  {"title": "T", "equipment": ["mat", value]})
        cases[f"equipment/{number}"] = _yaml([_base("hold")], {"title": "T", "equipment": value})
        cases[f"routine rest/{number}"] = _yaml([_base("hold")], {"title": "T", "rest": value})
        cases[f"title/{number}"] = _yaml([_base("hold")], {"title": value})
        cases[f"exercise/{number}"] = f"title: T\nexercises:\n  - {json.dumps(value)}\n"
    return cases


def _shapes() -> dict[str, str]:
    """Missing, unknown and misspelt keys, keys that do not go together, and files with many
    problems at once."""
    reps = {"name": "A", "setup": "s", "reps": 6, "tempo": [{"press up": "2s"}, {"sit back": "2s"}]}
    cases = {
        "empty exercise": _yaml([{}]),
        "no name": _yaml([{"setup": "s", "hold": "5s"}]),
        "no setup": _yaml([{"name": "A", "hold": "5s"}]),
        "no name, no setup": _yaml([{"hold": "5s"}]),
        "no work": _yaml([{"name": "A", "setup": "s"}]),
        "only a misspelt work": _yaml([{"name": "A", "setup": "s", "hodl": "5s"}]),
        "misspelt reps": _yaml([{"name": "A", "setup": "s", "rep": 5}]),
        "misspelt and right work": _yaml([{"name": "A", "setup": "s", "rep": 5, "hold": "5s"}]),
        "unrelated unknown key": _yaml([{"name": "A", "setup": "s", "hold": "5s", "colour": "red"}]),
        "unknown key, capital": _yaml([{"Name": "A", "setup": "s", "hold": "5s"}]),
        "unknown key cue": _yaml([{"name": "A", "setup": "s", "hold": "5s", "cue": "x"}]),
        "hold and reps": _yaml([{"name": "A", "setup": "s", "hold": "5s", "reps": 5}]),
        "all three works": _yaml([{"name": "A", "setup": "s", "hold": "5s", "reps": 5, "duration": "1m"}]),
        "reps and duration with tempo": _yaml([{**reps, "duration": "20s"}]),
        "hold with tempo": _yaml([{"name": "A", "setup": "s", "hold": "5s", "tempo": [{"up": "1s"}]}]),
        "no work with tempo": _yaml([{"name": "A", "setup": "s", "tempo": [{"up": "1s"}]}]),
        "no work with check_in": _yaml([{"name": "A", "setup": "s", "check_in": "1m"}]),
        "reps with check_in": _yaml([{**reps, "check_in": "1m"}]),
        "reps with bad check_in": _yaml([{**reps, "check_in": "often"}]),
        "alternate with hold": _yaml([{"name": "A", "setup": "s", "hold": "5s", "alternate": True}]),
        "alternate with duration and switch": _yaml([{"name": "A", "setup": "s", "duration": "1m",
                                                      "alternate": True, "switch": "Other side."}]),
        "alternate, three sides": _yaml([{**reps, "alternate": True, "sides": ["a", "b", "c"]}]),
        "alternate, bad sides": _yaml([{**reps, "alternate": True, "sides": "both"}]),
        "alternate, switch": _yaml([{**reps, "alternate": True, "switch": "Other side."}]),
        "alternate, no sides": _yaml([{**reps, "alternate": True}]),
        "alternate false, switch": _yaml([{**reps, "alternate": False, "switch": "Other side."}]),
        "switch without sides": _yaml([{**reps, "switch": "Other side."}]),
        "bad switch without sides": _yaml([{**reps, "switch": 3.5}]),
        "cue phase, no tempo": _yaml([{"name": "A", "setup": "s", "reps": 6,
                                        "cues": [{"text": "Low", "phase": "up"}]}]),
        "cue phase, right word": _yaml([{**reps, "cues": [{"text": "Low", "phase": "Press Up"}]}]),
        "cue phase, wrong word": _yaml([{**reps, "cues": [{"text": "Low", "phase": "lift"}]}]),
        "cue phase on a hold": _yaml([{"name": "A", "setup": "s", "hold": "5s",
                                       "cues": [{"text": "Still", "phase": "up"}]}]),
        "cue phase, bad tempo": _yaml([{**reps, "tempo": "slow", "cues": [{"text": "Low", "phase": "up"}]}]),
        "cue without text": _yaml([{**reps, "cues": [{"phase": "press up"}]}]),
        "cue unknown key": _yaml([{**reps, "cues": [{"text": "Low", "when": "press up"}]}]),
        "cue seven wordings": _yaml([{**reps, "cues": [{"text": list("abcdefg")}]}]),
        "cue no wordings": _yaml([{**reps, "cues": [{"text": []}]}]),
        "cue wording and bad phase": _yaml([{**reps, "cues": [{"text": ["", "b"], "phase": 3}]}]),
        "thirteen cues": _yaml([{**reps, "cues": [f"cue {i}" for i in range(13)]}]),
        "twelve cues": _yaml([{**reps, "cues": [f"cue {i}" for i in range(12)]}]),
        "five sides": _yaml([{**reps, "sides": ["a", "b", "c", "d", "e"]}]),
        "sides twice": _yaml([{**reps, "sides": ["Left leg", "left  leg", "LEFT LEG"]}]),
        "nine phases": _yaml([{**reps, "tempo": [{f"w{i}": "1s"} for i in range(9)]}]),
        "empty tempo": _yaml([{**reps, "tempo": []}]),
        "tempo word empty": _yaml([{**reps, "tempo": [{"": "1s"}]}]),
        "tempo word no words": _yaml([{**reps, "tempo": [{"!!": "1s"}]}]),
        "tempo word long": _yaml([{**reps, "tempo": [{"w" * 40: "1s"}]}]),
        "tempo two pairs": _yaml([{**reps, "tempo": [{"up": "1s", "down": "1s"}]}]),
        "tempo range": _yaml([{**reps, "tempo": [{"up": "1-2s"}]}]),
        "tempo phase minutes": _yaml([{**reps, "tempo": [{"up": "1m"}]}]),
        "tempo phase quick": _yaml([{**reps, "tempo": [{"up": "0.2s"}]}]),
        "check_in too often": _yaml([{"name": "A", "setup": "s", "hold": "5m", "check_in": "5s"}]),
        "check_in range": _yaml([{"name": "A", "setup": "s", "hold": "5m", "check_in": "1-2m"}]),
        "rest range": _yaml([{"name": "A", "setup": "s", "hold": "5m", "rest": "10-20s"}]),
        "rest fraction": _yaml([{"name": "A", "setup": "s", "hold": "5m", "rest": "10.6s"}]),
        "hold fraction": _yaml([{"name": "A", "setup": "s", "hold": "10.4-20.6s"}]),
        "duration minutes range": _yaml([{"name": "A", "setup": "s", "duration": "1-2m"}]),
        "position with spaces": _yaml([{"name": "A", "setup": "s", "hold": "5s",
                                        "position": " Lying Back "}]),
        "position close": _yaml([{"name": "A", "setup": "s", "hold": "5s", "position": "lyng-side"}]),
        "name with spaces": _yaml([{"name": "  A   long\tname  " + "z" * 70, "setup": "s", "hold": "x"}]),
        "name not text, problem": _yaml([{"name": ["A"], "setup": "s", "hold": "x"}]),
        "name a number": _yaml([{"name": 3, "setup": "s", "hold": "5s"}]),
        "every key": _yaml([{**reps, "position": "kneeling", "how": "Press.", "caution": "Stop if it hurts.",
                             "sides": ["left", "right"], "switch": "Other side.", "sets": "2-3",
                             "rest": "30s", "again": "Back down.",
                             "cues": ["Plain", {"text": ["Hips low", "Low hips"], "phase": "press up"}]}]),
        "every key, alternate": _yaml([{**reps, "alternate": True, "sides": ["right arm", "left arm"],
                                        "again": "Knees under hips.",
                                        "cues": [{"text": "Breathe", "phase": "sit back"}]}]),
        "timed every key": _yaml([{"name": "A", "setup": "s", "hold": "1m", "check_in": "20s",
                                   "sides": ["left", "right"], "cues": ["Breathe"], "sets": 2}]),
        "many problems": _yaml([{"name": "", "setup": 3, "hold": "x", "sets": 0, "rest": "y", "cues": "z",
                                 "sides": ["a"], "tempo": "t", "check_in": -1, "alternate": "yes",
                                 "position": "upside down", "switch": "", "caution": [], "again": {},
                                 "how": "!!", "colour": 1}]),
        "two exercises, both broken": _yaml([{"name": "A", "setup": "s", "hold": "thirty"},
                                             {"name": "B", "setup": "s", "reps": 0}]),
        "twin names": _yaml([{"name": "Twin", "setup": "s", "hold": "5s"},
                             {"name": "twin", "setup": "s", "hold": "5s"}]),
        "broken then twin": _yaml([{"name": "Twin", "setup": "s"},
                                   {"name": "Twin", "setup": "s", "hold": "5s"}]),
        "days long": _yaml([{"name": f"E{i}", "setup": "s", "hold": "30m", "sets": 10} for i in range(3)]),
        "fifty-one exercises": _yaml([{"name": f"E{i}", "setup": "s", "hold": "5s"} for i in range(51)]),
        "unknown routine key": "title: T\nexcercises: []\n",
        "routine keys": _yaml([_base("reps")], {"title": "T", "source": "S", "summary": "Sum.",
                                                "intro": "Hi.", "outro": "Bye.", "rest": "15s",
                                                "equipment": ["Mat", "chair", "mat"]}),
        "equipment misspelt": _yaml([_base("hold")], {"title": "T", "equipment": ["mat", "chiar", "sofa"]}),
        "flow mapping": "title: T\nexercises:\n  - {name: A, setup: s, hold: 5s, sides: [l], cues: 3}\n",
    }
    return cases


def _program(change: object) -> str:
    """A program whose one week changes desk-break's first exercise (reps) as given."""
    return ("title: P\nsessions_per_week: 3\nweeks:\n  - routine: desk-break\n    changes:\n"
            f"      Stand and reach: {json.dumps(change)}\n")


def _programs() -> dict[str, str]:
    """Each value as a week's change and as each part of a swap."""
    cases = {}
    for number, value in enumerate(VALUES):
        for key in ("reps", "hold", "sets", "rest"):
            cases[f"program change {key}/{number}"] = _program({key: value})
        cases[f"program swap/{number}"] = _program({"swap": value})
        for key in ("name", "setup", "how", "caution", "cues"):
            cases[f"program swap {key}/{number}"] = _program({"swap": {"name": "Reach up", key: value}})
        cases[f"program swap cue/{number}"] = _program({"swap": {"name": "R", "cues": ["Tall", value]}})
    cases["program swap, taken name"] = _program({"swap": {"name": "easy walk", "how": 3}})
    cases["program swap, unknown key"] = _program({"swap": {"name": "R", "tempo": 3}})
    cases["program swap, no name"] = _program({"swap": {"how": "Up.", "cues": []}})
    cases["program change, empty"] = _program({})
    cases["program change, all"] = _program({"reps": "8-10", "sets": 2, "rest": "40s", "duration": 1,
                                             "swap": {"name": "R", "cues": ["Tall", "Breathe"]}})
    return {name: "program:" + text for name, text in cases.items()}


def cases() -> dict[str, str]:
    found = {**_every_key_every_value(), **_items(), **_shapes(), **_programs()}
    return found


def outcome(text: str) -> dict[str, object]:
    """What the loader says about one text: its messages in order, or the routine (or the
    program's first week's changes) it made. A routine too long to play is refused by the
    planner's door (timeline.refuse_too_long) since the loader stopped planning; its message is
    the one the loader gave."""
    from voicecoach import program
    from voicecoach.errors import RoutineError
    from voicecoach.routine import load_text
    from voicecoach.timeline import refuse_too_long

    if text.startswith("program:"):
        try:
            made = program.load_text(text.removeprefix("program:").encode(), "p.yaml", None)
        except RoutineError as error:
            return {"messages": [str(p) for p in error.problems]}
        return {"changes": repr(made.weeks[0].changes)}
    try:
        routine = load_text(text, "r.yaml")
        refuse_too_long(routine)
    except RoutineError as error:
        return {"messages": [str(p) for p in error.problems]}
    return {"routine": {
        "title": routine.title, "rest": routine.rest, "equipment": list(routine.equipment),
        "exercises": [_exercise(e) for e in routine.exercises],
    }}


def _exercise(exercise: object) -> dict[str, object]:
    """Every field of an exercise that is not its default, as JSON has it."""
    from dataclasses import MISSING, fields

    from voicecoach.routine import phase_of, wordings

    shown: dict[str, object] = {}
    for f in fields(exercise):  # type: ignore[arg-type]
        value = getattr(exercise, f.name)
        if f.default is not MISSING and value == f.default and f.name != "cues":
            continue
        if f.name == "cues":
            value = [[str(c), phase_of(c), list(wordings(c))] for c in value]
        elif f.name in ("amount", "sets"):
            value = [value.low, value.high]
        elif f.name == "tempo":
            value = [[p.word, p.seconds] for p in value]
        elif isinstance(value, tuple):
            value = [list(v) if isinstance(v, tuple) else v for v in value]
        shown[f.name] = value
    return shown


if __name__ == "__main__":
    everything = cases()
    broken = sum(1 for text in everything.values() if "messages" in outcome(text))
    print(f"{len(everything)} routines, {broken} of them refused")
    if "--capture" in sys.argv:
        captured = {name: outcome(text) for name, text in everything.items()}
        rows = [f"{json.dumps(name)}: {json.dumps(seen, ensure_ascii=False)}"
                for name, seen in captured.items()]
        MESSAGES.write_text("{\n" + ",\n".join(rows) + "\n}\n")  # a line a case: diffs read well
        print(f"wrote {MESSAGES}")
