"""Program files: the built-ins keep their articles' numbers, changes apply purely, every mistake
is one located line."""
from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from voicecoach import program as programs
from voicecoach import routine as routines
from voicecoach.errors import RoutineError
from voicecoach.program import apply_changes, resolved

from helpers import voicecoach


def numbers(program: programs.Program, week: int) -> dict[str, dict]:
    plan = program.week(week)
    return {row["name"]: row for row in resolved(plan.session(0, program.id), plan.level)}


def test_every_builtin_program_loads_and_cites_the_article_of_its_routines():
    ids = programs.builtin_ids()
    assert len(ids) >= 3
    for program in programs.all_builtin():
        assert program.source and program.summary
        for week in program.weeks:
            for routine in week.routines:
                assert routine.source == program.source, (program.id, week.number)


def test_strength_builds_to_20_30_40_in_sets_and_the_superman_to_two_minutes_in_short_rounds():
    program = programs.load("strength-20-30-40")
    counted = ("Push ups", "Sit ups", "Squats")
    first = numbers(program, 1)
    base = {row["name"]: row for row in resolved(routines.load("strength-basics"), "beginner")}
    assert first["Superman, legs down"] == {**base.pop("Superman back arch"), "name": "Superman, legs down"}
    assert {name: row for name, row in first.items() if name != "Superman, legs down"} == base
    goals_reached = {}
    previous = first
    supermen = []
    for week in range(1, len(program.weeks) + 1):
        now = numbers(program, week)
        for name in counted:
            total = now[name]["reps"] * now[name]["sets"]
            assert total >= previous[name]["reps"] * previous[name]["sets"]  # never steps back
            assert now[name]["reps"] <= 17  # never a long run of bends in one set
        superman = next(row for name, row in now.items() if name.startswith("Superman"))
        supermen.append(superman["name"])
        assert superman["duration"] <= 30  # short rounds, never a long hold in one go
        assert superman["duration"] * superman["sets"] <= 120  # "a couple of minutes"
        for goal in (20, 30, 40):
            if all(now[name]["reps"] * now[name]["sets"] == goal for name in counted):
                goals_reached.setdefault(goal, week)
        previous = now
    assert sorted(goals_reached) == [20, 30, 40]
    assert goals_reached[20] < goals_reached[30] < goals_reached[40] == len(program.weeks)
    at_30 = numbers(program, goals_reached[30])["Superman back arch"]
    assert at_30["duration"] * at_30["sets"] == 120
    # the Superman gets harder a step at a time: legs down, then opposite arm and leg, then full
    assert supermen[:4] == ["Superman, legs down", "Superman, opposite arm and leg",
                            "Superman, opposite arm and leg", "Superman back arch"]


def test_three_exercises_daily_goes_from_5_to_7_reps_in_3_sets():
    program = programs.load("three-exercises-daily")
    assert program.sessions_per_week == 7
    reps = [{row["reps"] for row in numbers(program, w).values()} for w in range(1, len(program.weeks) + 1)]
    assert reps[0] == {5} and reps[-1] == {7}
    assert all(row["sets"] == 3 for w in range(1, len(program.weeks) + 1)
               for row in numbers(program, w).values())


def test_cobra_starts_low_and_moves_onto_the_forearms():
    program = programs.load("cobra-progression")
    names = [[row["name"] for row in numbers(program, w).values() if "obra" in row["name"]][0]
             for w in range(1, len(program.weeks) + 1)]
    assert names[0] == "Low cobra" and names[-1] == "Forearm cobra"
    first = program.week(1).session(0, program.id)
    cobra = next(e for e in first.exercises if e.name == "Low cobra")
    assert "forearm" not in (cobra.how or "").lower()


def test_floor_relax_nightly_reaches_the_articles_twenty_minutes():
    program = programs.load("floor-relax-nightly")
    assert program.sessions_per_week == 7
    last = numbers(program, len(program.weeks))
    assert last["Static back"]["hold"] == 20 * 60 and last["Supine groin stretch"]["hold"] == 20 * 60
    assert numbers(program, 1)["Static back"]["hold"] < 20 * 60


def test_changes_apply_purely():
    program = programs.load("strength-20-30-40")
    base = routines.load("strength-basics")
    week = program.week(2)
    changed = apply_changes(base, week.changes, "x-week2")
    assert base == routines.load("strength-basics")  # the routine itself is untouched
    assert changed.id == "x-week2"
    push_ups = next(c for c in week.changes if c.exercise == "Push ups")
    assert push_ups.reps is not None
    assert next(e for e in changed.exercises if e.name == "Push ups").amount == push_ups.reps
    unchanged = apply_changes(base, (), "y")
    assert unchanged.exercises == base.exercises


GOOD = """title: Mine
sessions_per_week: 2
weeks:
  - routine: desk-break
  - routine: strength-basics
    level: advanced
    changes:
      Push ups: {reps: 12, sets: 2}
"""


@pytest.mark.parametrize("text, line, message", [
    (GOOD.replace("sessions_per_week", "sessions_a_week"), 2,
     "unknown key 'sessions_a_week'; did you mean 'sessions_per_week'?"),
    (GOOD.replace("routine: desk-break", "routine: desk-brake"), 4,
     "week 1: unknown routine 'desk-brake'; did you mean 'desk-break'?"),
    (GOOD.replace("Push ups:", "Push-ups:"), 8,
     "week 2: no exercise 'Push-ups' in strength-basics; did you mean 'Push ups'?"),
    (GOOD.replace("reps: 12", "hold: 12"), 8,
     "week 2, Push ups: this exercise's work is 'reps', so change 'reps', not 'hold'"),
    (GOOD.replace("reps: 12", "reps: -3"), 8,
     "week 2, Push ups: 'reps' must be more than zero, got -3"),
    (GOOD.replace("reps: 12", "reps: twelve"), 8,
     "week 2, Push ups: 'reps' must be a whole number such as 5, or a range such as 5-7, got 'twelve'"),
    (GOOD.replace("sessions_per_week: 2", "sessions_per_week: 0"), 2,
     "'sessions_per_week' must be a whole number from 1 to 14, got 0"),
    (GOOD.replace("level: advanced", "level: advnced"), 6,
     "week 2: 'level' must be one of beginner, standard, advanced; did you mean 'advanced'? "
     "got 'advnced'"),
    (GOOD.replace("sets: 2", "sest: 2"), 8, "week 2, Push ups: unknown key 'sest'; did you mean 'sets'?"),
    (GOOD.replace("{reps: 12, sets: 2}", "{swap: {name: Squats}}"), 8,
     "week 2, Push ups: the variant's name 'Squats' is already an exercise of this routine; "
     "give it its own name"),
    ("title: T\nsessions_per_week: 3\n", 1, "'weeks' is missing; it is required (a list of at least one week)"),
    (GOOD.replace("routine: desk-break", "routine: ../x.yaml"), 4,
     "week 1: 'routine' must be a built-in routine's id or the name of a file beside the program "
     "(such as mine.yaml), got '../x.yaml'"),
    (GOOD.replace("routine: desk-break", "routine: /etc/x.yaml"), 4,
     "week 1: 'routine' must be a built-in routine's id or the name of a file beside the program "
     "(such as mine.yaml), got '/etc/x.yaml'"),
    (GOOD.replace("title: Mine", 'title: "Mine\\e[2J"'), 1,
     "'title' holds the control character U+001B; write plain text (it would reach the captions "
     "and the feed)"),
])
def test_each_mistake_is_one_located_line(tmp_path, text, line, message):
    path = tmp_path / "mine.yaml"
    path.write_text(text)
    with pytest.raises(RoutineError) as caught:
        programs.load(str(path))
    assert [str(p) for p in caught.value.problems] == [f"{path}:{line}: {message}"]


def test_a_routine_file_is_found_beside_the_program(tmp_path):
    (tmp_path / "mine.yaml").write_text("title: Mine\nexercises:\n  - {name: Bridge, setup: Lie down., hold: 20s}\n")
    (tmp_path / "plan.yaml").write_text("title: P\nsessions_per_week: 1\nweeks:\n  - routine: mine.yaml\n"
                                        "    changes:\n      Bridge: {hold: 30s}\n")
    program = programs.load(str(tmp_path / "plan.yaml"))
    assert numbers(program, 1)["Bridge"]["hold"] == 30


@given(st.binary(max_size=400))
def test_any_bytes_give_a_program_or_located_problems(data):
    try:
        programs.load_text(data, "p.yaml", None)
    except RoutineError as error:
        assert error.problems and all(str(p).startswith("p.yaml:") for p in error.problems)


def test_program_list_and_show_on_the_command_line():
    listed = voicecoach("program", "list", "--json")
    assert listed.returncode == 0, listed.stderr
    rows = json.loads(listed.stdout)
    assert {r["id"] for r in rows} == set(programs.builtin_ids())
    assert all({"id", "title", "weeks", "sessions_per_week", "source"} <= set(r) for r in rows)
    shown = voicecoach("program", "show", "strength-20-30-40")
    assert shown.returncode == 0
    assert "Week 10: strength-basics" in shown.stdout and "4 x 10 reps" in shown.stdout
    missing = voicecoach("program", "show", "no-such-plan")
    assert missing.returncode == 2
    assert missing.stderr.startswith("voicecoach: no program file or built-in program named 'no-such-plan'")


def test_the_readme_example_is_a_valid_program(tmp_path):
    from helpers import CHECKOUT

    readme = (CHECKOUT / "README.md").read_text()
    start = readme.index("```yaml", readme.index("### The program format")) + len("```yaml\n")
    path = tmp_path / "example.yaml"
    path.write_text(readme[start:readme.index("```", start)])
    program = programs.load(str(path))
    assert [len(w.routines) for w in program.weeks] == [1, 1, 2]
    assert numbers(program, 3)["Forearm cobra"]["hold"] == 60


def test_every_session_of_every_builtin_program_plans_without_warnings():
    from voicecoach import timeline as planner
    from voicecoach.settings import Settings

    for program in programs.all_builtin():
        for week in program.weeks:
            for turn in range(len(week.routines)):
                settings = Settings(level=week.level)
                timeline = planner.plan(week.session(turn, program.id), settings,
                                        planner.estimate_measure(settings))
                assert timeline.duration > 0
                assert [n.message for n in timeline.notes] == [], (program.id, week.number)
