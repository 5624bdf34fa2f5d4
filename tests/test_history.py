"""History and programs over weeks: the rules (pure), then the whole contract through the real
command with dates, a real SQLite file, concurrent processes and kill -9."""
from __future__ import annotations

import datetime as dt
import json
import os
import re
import signal
import sqlite3
import struct
import subprocess
import sys
import time
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import pytest

from voicecoach import program as programs
from voicecoach.history import ProgramRef, decode_ref, encode_ref, position, streak_weeks, worse
from voicecoach.store import APPLICATION_ID, FILE_NAME, SCHEMA_VERSION, Logged, Run, Store

from helpers import on_terminal, one_line, voicecoach

MONDAY = dt.date(2026, 3, 2)


def day(n: int) -> dt.date:
    return MONDAY + dt.timedelta(days=n)


def logged(n: int, before: int | None = 3, after: int | None = 3, completed: bool = True,
           session_id: int = 0) -> Logged:
    return Logged(session_id or n + 1, day(n), "strength-basics", 1, "p", None, completed, 600.0,
                  before, after)


# ---------------------------------------------------------------------------
# The rules


def test_a_week_with_steady_pain_moves_on_and_a_partial_session_does_not_count():
    program = programs.load("strength-20-30-40")
    three = [logged(0), logged(2), logged(4)]
    assert position(program, three[:2]) == position(program, three[:2] + [logged(3, completed=False)])
    assert position(program, three[:2]).week == 1 and position(program, three[:2]).done == 2
    moved = position(program, three)
    assert (moved.week, moved.done, moved.held) == (2, 0, None)


@pytest.mark.parametrize("week, why", [
    ([logged(0), logged(2, 3, 6), logged(4)], "pain after the session on 2026-03-04 was 6 of 10, above 5"),
    ([logged(0), logged(2, 1, 4), logged(4)], "pain rose from 1 to 4 during the session on 2026-03-04, more than 2 points"),
    ([logged(0, 2, 2), logged(2, 3, 3), logged(4, 4, 4)], "pain before sessions rose from 2 to 4 over the week"),
    ([logged(0, None, 1), logged(2, None, 2), logged(4, None, 2)], "pain after sessions rose from 1 to 2 over the week"),
])
def test_a_week_with_worse_pain_is_held(week, why):
    assert worse(week) == why
    program = programs.load("strength-20-30-40")
    held = position(program, week)
    assert held.week == 1 and held.held == f"week 1 goes on: {why}"
    better = [logged(7 + n, 2, 2, session_id=10 + n) for n in (0, 2, 4)]
    assert position(program, week + better).week == 2  # a good week after it moves on


def test_falling_or_unrated_pain_is_not_worse():
    assert worse([logged(0, 5, 4), logged(2, 4, 3), logged(4, 3, 3)]) is None
    assert worse([logged(0, None, None), logged(2, None, None)]) is None


def test_the_last_week_goes_on_once_the_plan_is_done():
    program = programs.load("three-exercises-daily")
    sessions = [logged(n) for n in range(7 * len(program.weeks) + 2)]
    at = position(program, sessions)
    assert at.finished and at.week == len(program.weeks) and at.done == 2


def test_streak_counts_weeks_in_a_row_with_grace_for_this_week():
    runs = [Run(1, "p", "p", "p", 3, MONDAY)]
    full_weeks = [logged(7 * w + n, session_id=10 * w + n + 1) for w in range(3) for n in (0, 2, 4)]
    assert streak_weeks(full_weeks, runs, day(7 * 2 + 6)) == 3
    # on the Tuesday of week 4 with nothing done yet, the week is not over: still 3
    assert streak_weeks(full_weeks, runs, day(7 * 3 + 1)) == 3
    # once week 4 is over short of 3 sessions, the streak is broken
    short = full_weeks + [logged(7 * 3, session_id=99)]
    assert streak_weeks(short, runs, day(7 * 4 + 1)) == 0
    # a short week in the middle breaks it: only the weeks after count
    gap = [s for s in full_weeks if s.date != day(7 + 2)]
    assert streak_weeks(gap, runs, day(7 * 2 + 6)) == 1
    # with no program, one session a week keeps a streak
    assert streak_weeks([logged(0), logged(7)], [], day(8)) == 2


# ---------------------------------------------------------------------------
# The contract, through the real command


def vc(*args: str, env: dict | None = None) -> subprocess.CompletedProcess[str]:
    return voicecoach(*args, env=env)


def history(env: dict | None = None) -> dict:
    result = vc("history", "--json", env=env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def today(date: dt.date) -> dict:
    result = vc("today", "--json", "--date", date.isoformat())
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def log_week(start: int, pains: list[tuple[int, int]]) -> None:
    for n, (before, after) in zip((0, 2, 4), pains, strict=True):
        result = vc("log", "--date", day(start + n).isoformat(), "--pain-before", str(before),
                    "--pain-after", str(after))
        assert result.returncode == 0, result.stderr


def test_start_log_a_steady_week_then_today_shows_week_2_built_up_and_a_worse_week_holds():
    program = programs.load("strength-20-30-40")
    assert "No active program. Start one with 'voicecoach program start NAME'" in vc("today").stdout
    started = vc("program", "start", "strength-20-30-40", "--date", MONDAY.isoformat())
    assert started.returncode == 0, started.stderr
    first = today(MONDAY)
    assert (first["program"], first["week"], first["sessions_done"]) == ("strength-20-30-40", 1, 0)
    assert first["sessions_per_week"] == program.sessions_per_week and first["routine"] == "strength-basics"

    log_week(0, [(3, 3), (3, 2), (3, 3)])
    second = today(day(7))
    assert (second["week"], second["sessions_done"], second["held"]) == (2, 0, None)
    expected = {row["name"]: row for row in programs.resolved(
        program.week(2).session(0, program.id), program.week(2).level)}
    got = {row["name"]: row for row in second["exercises"]}
    assert got == expected
    before = {row["name"]: row for row in first["exercises"]}
    assert got["Push ups"]["reps"] > before["Push ups"]["reps"]
    assert got["Superman, opposite arm and leg"]["duration"] > before["Superman, legs down"]["duration"]

    log_week(7, [(2, 2), (2, 5), (2, 2)])  # one session rose 3 points: over the pain rule
    held = today(day(14))
    assert held["week"] == 2 and held["sessions_done"] == 0 and held["decision"] == "hold"
    assert held["held"] == "week 2 goes on: pain rose from 2 to 5 during the session on 2026-03-11, more than 2 points"
    shown = vc("today", "--date", day(14).isoformat()).stdout
    assert "3 of 3 sessions done; the week is held, so do it again" in shown
    assert "Week 2 again at the same numbers: pain rose from 2 to 5" in shown

    sessions = history()["sessions"]
    assert [(s["date"], s["week"], s["completed"]) for s in sessions] == [
        (day(n).isoformat(), 1 if n < 7 else 2, True) for n in (0, 2, 4, 7, 9, 11)]
    assert all(s["program"] == "strength-20-30-40" and s["routine"] == "strength-basics" for s in sessions)
    assert [s["pain_after"] for s in sessions] == [3, 2, 3, 2, 5, 2]


def test_streak_in_history_json_across_weeks():
    assert vc("program", "start", "strength-20-30-40", "--date", MONDAY.isoformat()).returncode == 0
    log_week(0, [(3, 3)] * 3)
    log_week(7, [(3, 3)] * 3)
    result = vc("history", "--json", "--date", day(13).isoformat())
    assert json.loads(result.stdout)["streak_weeks"] == 2
    result = vc("history", "--json", "--date", day(15).isoformat())  # week 3 under way: grace
    assert json.loads(result.stdout)["streak_weeks"] == 2
    result = vc("history", "--json", "--date", day(22).isoformat())  # week 3 over, none done
    assert json.loads(result.stdout)["streak_weeks"] == 0


def test_partial_log_and_a_routine_outside_the_program():
    assert vc("program", "start", "three-exercises-daily", "--date", MONDAY.isoformat()).returncode == 0
    assert vc("log", "--date", MONDAY.isoformat(), "--partial", "300", "--note", "phone rang").returncode == 0
    assert vc("log", "--date", MONDAY.isoformat(), "--routine", "desk-break").returncode == 0
    first, other = history()["sessions"]
    assert (first["completed"], first["seconds"], first["note"], first["week"]) == (False, 300, "phone rang", 1)
    assert (other["routine"], other["program"], other["week"], other["completed"]) == ("desk-break", None, None, True)
    assert other["seconds"] > 0
    assert today(MONDAY)["sessions_done"] == 0  # neither counts towards the program's week


def _png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


def test_chart_png_and_svg_are_real_images(tmp_path):
    assert vc("program", "start", "strength-20-30-40", "--date", MONDAY.isoformat()).returncode == 0
    log_week(0, [(4, 3), (3, 3), (3, 2)])
    log_week(7, [(3, 2), (2, 2), (2, 1)])
    png, svg = tmp_path / "pain.png", tmp_path / "pain.svg"
    empty = vc("history", "--chart", str(png), env=dict(os.environ, VOICECOACH_DATA=str(tmp_path / "none")))
    assert empty.returncode == 2 and "nothing to chart" in empty.stderr and not png.exists()
    assert vc("history", "--chart", str(png)).returncode == 0
    width, height = _png_size(png.read_bytes())
    assert width >= 600 and height >= 400
    assert vc("history", "--chart", str(svg)).returncode == 0
    root = ElementTree.parse(svg).getroot()
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    text = svg.read_text()
    assert "pain before the session" in text and "sessions a week" in text  # matplotlib keeps text as text
    assert "the week's plan met" in text and "short of the plan (or the week not over)" in text  # grey
    wrong = vc("history", "--chart", str(tmp_path / "pain.jpg"))
    assert wrong.returncode == 2 and "--chart draws a .png or an .svg file" in wrong.stderr
    assert sorted(p.name for p in tmp_path.glob("pain*")) == ["pain.png", "pain.svg"]  # no partial left


def _sqlite_file(path: Path, statements: list[str]) -> None:
    db = sqlite3.connect(path)
    for statement in statements:
        db.execute(statement)
    db.commit()
    db.close()


@pytest.mark.parametrize("kind", ["random bytes", "foreign sqlite", "newer schema"])
def test_a_damaged_or_foreign_database_is_refused_and_kept(history_data, kind):
    history_data.mkdir()
    path = history_data / FILE_NAME
    if kind == "random bytes":
        path.write_bytes(os.urandom(4096))
    elif kind == "foreign sqlite":
        _sqlite_file(path, ["CREATE TABLE notes (body TEXT)", "INSERT INTO notes VALUES ('mine')"])
    else:
        _sqlite_file(path, [f"PRAGMA application_id = {APPLICATION_ID}",
                            f"PRAGMA user_version = {SCHEMA_VERSION + 1}", "CREATE TABLE later (x)"])
    original = path.read_bytes()
    for args in (["log", "--routine", "desk-break"], ["history"], ["today"],
                 ["program", "start", "strength-20-30-40", "--yes"]):
        result = vc(*args)
        assert result.returncode == 1, (args, result.stderr)
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith(f"voicecoach: {path}: "), result.stderr
        assert "left untouched" in lines[0]
        assert ("Upgrade voicecoach" if kind == "newer schema" else "Move it aside") in lines[0]
        assert path.read_bytes() == original


def test_bad_input_changes_nothing(tmp_path):
    assert vc("program", "start", "strength-20-30-40", "--date", MONDAY.isoformat()).returncode == 0
    assert vc("log", "--date", MONDAY.isoformat()).returncode == 0
    before = history()
    bad_program = tmp_path / "bad.yaml"
    bad_program.write_text("title: B\nsessions_per_week: 3\nweeks:\n  - routine: nowhere\n")
    for args, code, says in [
        (["log", "--pain-after", "11"], 2, "voicecoach: --pain-after must be from 0 to 10, got 11\n"),
        (["log", "--date", "2026-02-30"], 2, "voicecoach: --date must be a day on the calendar, "
                                             "YYYY-MM-DD such as "),
        (["log", "--date", "2026-W10-1"], 2, ", got '2026-W10-1'\n"),
        (["log", "--pain-after", "\u0665"], 2, "voicecoach: --pain-after must be from 0 to 10, got '\u0665'\n"),
        (["log", "--pain-before", "1_0"], 2, "voicecoach: --pain-before must be from 0 to 10, got '1_0'\n"),
        (["log", "--pain-before", " 7 "], 2, "voicecoach: --pain-before must be from 0 to 10, got ' 7 '\n"),
        (["log", "--date", "0001-01-01"], 2, "voicecoach: --date must be a day from 1900-01-01 to "
                                             "2999-12-31, got '0001-01-01'\n"),
        (["log", "--date", "9999-12-31"], 2, "--date must be a day from 1900-01-01 to 2999-12-31"),
        (["history", "--date", "\u0662\u0660\u0662\u0666-03-02"], 2, "--date must be a day on the calendar"),
        (["log", "--routine", "no-such-routine"], 2, "no routine file or built-in routine named"),
        (["program", "start", "no-such-program", "--yes"], 2, "no program file or built-in program named"),
        (["program", "start", str(bad_program), "--yes"], 1, f"{bad_program}:4: week 1: unknown routine 'nowhere'"),
        (["program", "start", "cobra-progression"], 2, "Add --yes to start it anyway"),
    ]:
        result = vc(*args)
        assert result.returncode == code, (args, result.stderr)
        assert says in result.stderr and "Traceback" not in result.stderr, result.stderr
    assert history() == before
    assert today(MONDAY)["program"] == "strength-20-30-40"
    switched = vc("program", "start", "cobra-progression", "--yes", "--date", day(1).isoformat())
    assert switched.returncode == 0 and today(day(1))["program"] == "cobra-progression"


def test_eight_logs_at_once_all_land(history_data):
    assert vc("program", "start", "three-exercises-daily", "--date", MONDAY.isoformat()).returncode == 0
    # all at once, so each must read the week's count and write its session under one lock (a day
    # each: one session a day counts towards a week)
    processes = [subprocess.Popen([sys.executable, "-m", "voicecoach", "log", "--date", day(n).isoformat(),
                                   "--note", f"log {n}"], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
                 for n in range(8)]
    results = [(p.wait(timeout=120), p.stderr.read().decode()) for p in processes]  # type: ignore[union-attr]
    assert all(code == 0 for code, _ in results), results
    sessions = history()["sessions"]
    assert sorted(s["note"] for s in sessions) == [f"log {n}" for n in range(8)]
    # each was counted into the program in turn: seven make week 1, the eighth is in week 2
    assert sorted(s["week"] for s in sessions) == [1] * 7 + [2]


def test_eight_logs_at_once_on_a_new_database_all_land(history_data):
    processes = [subprocess.Popen([sys.executable, "-m", "voicecoach", "log", "--routine", "desk-break",
                                   "--date", day(n).isoformat()], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
                 for n in range(8)]
    results = [(p.wait(timeout=120), p.stderr.read().decode()) for p in processes]  # type: ignore[union-attr]
    assert all(code == 0 for code, _ in results), results
    assert sorted(s["date"] for s in history()["sessions"]) == [day(n).isoformat() for n in range(8)]


def test_starting_another_program_asks_on_a_terminal():
    assert vc("program", "start", "strength-20-30-40", "--date", MONDAY.isoformat()).returncode == 0

    def say(answer: bytes):
        return lambda output: answer if b"[y/N]" in output else None

    status, text = on_terminal("program", "start", "cobra-progression", answer=say(b"n\r"))
    assert status == 1 and "End 'strength-20-30-40' (active since 2026-03-02)" in text and "Nothing changed." in text
    assert today(MONDAY)["program"] == "strength-20-30-40"
    status, text = on_terminal("program", "start", "cobra-progression", answer=say(b"y\r"))
    assert status == 0 and "Started Cobra progression" in text
    assert today(day(1))["program"] == "cobra-progression"


def test_log_without_a_program_needs_a_routine():
    result = vc("log")
    assert result.returncode == 2
    assert result.stderr == ("voicecoach: no active program, so give the routine done with --routine. Start one "
                             "with 'voicecoach program start NAME' ('voicecoach program list' shows them).\n")


WRITER = """
import datetime, sys
from pathlib import Path
from voicecoach.store import Store
store = Store(Path(sys.argv[1]))
n = 0
while True:
    with store.transaction():
        store.add_session(datetime.date(2026, 3, 2), "desk-break", None, None, True, 60.0, 2, 1, "x" * 2000)
    n += 1
    print(n, flush=True)
"""


def test_kill_9_mid_write_loses_nothing_recorded(history_data):
    path = history_data / FILE_NAME
    writer = subprocess.Popen([sys.executable, "-c", WRITER, str(path)], stdout=subprocess.PIPE, text=True)
    assert writer.stdout is not None
    reported = 0
    deadline = time.monotonic() + 60
    while reported < 200 and time.monotonic() < deadline:
        reported = int(writer.stdout.readline())
    writer.send_signal(signal.SIGKILL)  # somewhere inside the next write
    writer.wait()
    store = Store(path)
    assert store.db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    assert len(store.sessions()) >= reported >= 200
    store.close()
    assert len(history()["sessions"]) >= reported


def test_a_new_database_is_ours_at_the_current_schema_and_reopens_with_its_data(history_data):
    assert vc("log", "--routine", "desk-break", "--date", MONDAY.isoformat()).returncode == 0
    db = sqlite3.connect(history_data / FILE_NAME)
    assert db.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID
    assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    db.close()
    assert [s["routine"] for s in history()["sessions"]] == ["desk-break"]


def test_a_file_at_the_first_schema_is_migrated_with_its_data(history_data):
    from voicecoach.store import MIGRATIONS

    history_data.mkdir()
    _sqlite_file(history_data / FILE_NAME, [
        *MIGRATIONS[0], f"PRAGMA application_id = {APPLICATION_ID}", "PRAGMA user_version = 1",
        "INSERT INTO sessions (date, routine, completed, seconds, pain_after, recorded_at) "
        "VALUES ('2026-03-02', 'floor-relax', 1, 3600, 2, '2026-03-02T20:00:00+00:00')"])
    assert [(s["routine"], s["pain_after"]) for s in history()["sessions"]] == [("floor-relax", 2)]
    db = sqlite3.connect(history_data / FILE_NAME)
    assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    db.close()


def test_an_active_program_whose_file_is_gone_says_so(tmp_path):
    plan = tmp_path / "mine.yaml"
    plan.write_text("title: Mine\nsessions_per_week: 2\nweeks:\n  - routine: desk-break\n")
    assert vc("program", "start", str(plan)).returncode == 0
    assert today(dt.date.today())["program"] == "mine"
    plan.unlink()
    result = vc("today")
    assert result.returncode == 1
    assert result.stderr == (f"voicecoach: the active program 'mine' was started from {plan}, which is no longer "
                             "there; put it back, or start another program with 'voicecoach program start NAME "
                             "--yes'\n")


@pytest.mark.parametrize("language", ["de", "es"])
def test_history_columns_line_up_whatever_the_words_and_names(tmp_path, language):
    """Each column of the `history` table is as wide as its heading or its widest cell ("teilweise
    5:30", a long routine name): every row's columns start where its heading's do (WEEK, right
    aligned, ends where its heading does)."""
    routine = tmp_path / "evening-stretch-for-the-lower-back.yaml"
    routine.write_text("title: Evening stretch\nexercises:\n  - name: Knee hug\n"
                       "    position: lying-back\n    setup: Lie on your back.\n    hold: 20s\n")
    assert vc("program", "start", "three-exercises-daily", "--date", MONDAY.isoformat()).returncode == 0
    for n, args in enumerate((["--partial", "330", "--pain-before", "2", "--pain-after", "3"],
                              ["--routine", str(routine), "--symptom", "none"],
                              ["--pain-after", "2", "--next-day", "better"])):
        logged = vc("log", "--date", day(n).isoformat(), *args)
        assert logged.returncode == 0, logged.stderr
    shown = vc("history", "--language", language, "--date", day(7).isoformat()).stdout
    table = shown.splitlines()[:-1]  # the streak line after it
    assert len(table) == 4 and "5:30" in shown and "evening-stretch-for-the-lower-back" in shown
    edges = []
    for line in table:
        cells = list(re.finditer(r"\S+(?: \S+)*", line))  # cells are two spaces or more apart
        assert len(cells) == 8, line
        edges.append([cell.end() if n == 3 else cell.start() for n, cell in enumerate(cells)])
    assert all(row == edges[0] for row in edges), shown


def test_a_run_s_ref_reads_back_as_the_program_it_was_written_for(tmp_path, monkeypatch):
    """A built-in is kept by its id (LANGUAGE/ID for a translation), a program file by its absolute
    path, whatever folder it was started from, and each reads back as itself."""
    english, spanish = programs.load("cobra-progression"), programs.load("cobra-progression", "es")
    assert encode_ref(english) == "cobra-progression" and encode_ref(spanish) == "es/cobra-progression"
    assert decode_ref(encode_ref(english)) == ProgramRef(builtin="cobra-progression", language="en")
    assert decode_ref(encode_ref(spanish)) == ProgramRef(builtin="cobra-progression", language="es")
    (tmp_path / "plans").mkdir()
    (tmp_path / "plans" / "mine.yaml").write_text(
        "title: Mine\nsessions_per_week: 2\nweeks:\n  - routine: desk-break\n")
    monkeypatch.chdir(tmp_path)
    mine = programs.load("plans/mine.yaml")
    assert encode_ref(mine) == str(tmp_path / "plans" / "mine.yaml")
    assert decode_ref(encode_ref(mine)) == ProgramRef(file=tmp_path / "plans" / "mine.yaml")


def test_today_export_keeps_a_program_file_and_only_a_file_from_being_written_over(tmp_path):
    """The program file `today --export` reads is never written over; a file here that is only
    named like a built-in program's ref (de/ID) is not that program, so an -o linked to it is
    written as asked."""
    named_like = tmp_path / "de" / "three-exercises-daily"
    named_like.parent.mkdir()
    named_like.write_text("not a program\n")
    (tmp_path / "today.mp3").symlink_to(named_like)
    started = vc("program", "start", "three-exercises-daily", "--language", "de", "--yes")
    assert started.returncode == 0, started.stderr
    exported = voicecoach("today", "--export", "-q", "-o", "today.mp3", cwd=tmp_path)
    assert exported.returncode == 0, exported.stderr
    assert named_like.read_bytes()[:3] == b"ID3"

    mine = tmp_path / "mine.yaml"
    mine.write_text("title: Mine\nsessions_per_week: 2\nweeks:\n  - routine: desk-break\n")
    (tmp_path / "mine.mp3").symlink_to(mine)
    assert vc("program", "start", str(mine), "--yes").returncode == 0
    refused = voicecoach("today", "--export", "-q", "-o", "mine.mp3", cwd=tmp_path)
    assert refused.returncode == 1
    assert one_line(refused) == ("voicecoach: cannot write mine.mp3: it is the program file this "
                                 "command reads; choose another output name")
    assert mine.read_text().startswith("title: Mine\n")


def test_a_session_logged_late_moves_the_weeks_of_those_after_it():
    assert vc("program", "start", "strength-20-30-40", "--date", MONDAY.isoformat()).returncode == 0
    for n in (0, 2, 7):  # the third session of week 1 is forgotten, then logged late
        assert vc("log", "--date", day(n).isoformat()).returncode == 0
    assert [s["week"] for s in history()["sessions"]] == [1, 1, 1]
    assert vc("log", "--date", day(4).isoformat()).returncode == 0
    sessions = history()["sessions"]
    assert [(s["date"], s["week"]) for s in sessions] == [
        (day(0).isoformat(), 1), (day(2).isoformat(), 1), (day(4).isoformat(), 1), (day(7).isoformat(), 2)]
    assert today(day(8))["week"] == 2 and today(day(8))["sessions_done"] == 1


@pytest.mark.parametrize("partial", ["inf", "nan", "1e308", "-inf", "14401"])
def test_a_partial_past_any_session_length_is_refused_and_changes_nothing(partial):
    assert vc("log", "--routine", "desk-break", "--date", MONDAY.isoformat()).returncode == 0
    before = history()
    result = vc("log", "--routine", "desk-break", "--partial", partial)
    assert result.returncode == 2 and "Traceback" not in result.stderr, result.stderr
    assert "--partial" in result.stderr and "14400" in result.stderr, result.stderr
    assert history() == before


def test_history_reads_past_a_row_it_cannot_use_with_a_warning(history_data):
    """A row an older version could write (an infinite length, a date that is none) is left out
    with one warning; the other sessions are shown, as text, JSON and a chart."""
    for n in range(2):
        assert vc("log", "--routine", "desk-break", "--date", day(n).isoformat()).returncode == 0
    with sqlite3.connect(history_data / FILE_NAME) as db:
        db.execute("UPDATE sessions SET seconds = ? WHERE id = 1", (float("inf"),))
        db.execute("INSERT INTO sessions (date, routine, completed, recorded_at) "
                   "VALUES ('someday', 'desk-break', 1, '2026-03-02')")
    db.close()
    path = history_data / FILE_NAME
    warning = f"voicecoach: warning: {path}: left out 2 sessions that cannot be read (id 1, 3)"
    as_json = vc("history", "--json")
    assert as_json.returncode == 0 and as_json.stderr.strip() == warning
    assert [s["date"] for s in json.loads(as_json.stdout)["sessions"]] == [day(1).isoformat()]
    as_text = vc("history")
    assert as_text.returncode == 0 and as_text.stderr.strip() == warning
    assert day(1).isoformat() in as_text.stdout and day(0).isoformat() not in as_text.stdout
