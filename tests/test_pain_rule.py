"""Safe to hand to a patient: the pain-monitoring rule over generated logs, the scenarios a
physiotherapist would try through the real command on a real SQLite file, and the safety words."""
from __future__ import annotations

import datetime as dt
import json
import os
import re
import sqlite3
import subprocess

import pytest
from hypothesis import given
from hypothesis import strategies as st

from voicecoach import program as programs
from voicecoach.history import Decision, plan_for, position
from voicecoach.safety import NOTE, SCREEN, screen_text
from voicecoach.store import APPLICATION_ID, FILE_NAME, MIGRATIONS, Logged, Store
from voicecoach.vocabulary import LEVELS

from helpers import keys_when, on_terminal, one_line, voicecoach

MONDAY = dt.date(2026, 3, 2)
URGENT = ("bladder-bowel", "saddle-numb", "both-legs", "leg-weak")
NAMES = ("leg-pain", "leg-numb", "leg-weak", "both-legs", "saddle-numb", "bladder-bowel", "fever",
         "night-pain")


def acceptable(session: Logged) -> bool:
    """The rule as README states it, written out here on its own: pain after at most 5 and at most
    2 above pain before, not worse the next morning, no warning symptom; a session stopped early
    needs a pain rating after it."""
    before, after = session.pain_before, session.pain_after
    return ((after is None or after <= 5)
            and (before is None or after is None or after - before <= 2)
            and session.next_day != "worse" and not session.symptoms
            and (session.completed or after is not None))


# Mostly weeks a back takes well, so that programs move on and the rule is tried at every edge
pain = st.one_of(st.none(), st.integers(0, 7), st.integers(0, 10))
sessions = st.lists(st.tuples(pain, pain, st.sampled_from([True, True, True, False]),
                              st.sampled_from([None, "better", "same", "same", "worse"]),
                              st.one_of(st.none(), st.just([]), st.just([]),
                                        st.lists(st.sampled_from(NAMES), max_size=2))),
                    max_size=40)


def logs(drawn) -> list[Logged]:
    return [Logged(n + 1, MONDAY + dt.timedelta(days=n), "r", 1, "p", None, completed, 600.0, before,
                   after, None, next_day, tuple(symptoms) if symptoms is not None else None)
            for n, (before, after, completed, next_day, symptoms) in enumerate(drawn)]


PROGRAMS = [programs.load(name) for name in programs.builtin_ids()]


def rank(program: programs.Program, at) -> tuple[int, int]:
    """How far along a position is: its week, then its level (a step back in week 1 lowers it)."""
    return at.week, LEVELS.index(program.weeks[0].level) - at.levels_down


@pytest.mark.parametrize("week", [
    [(4, 6), (3, 3), (3, 3)],  # pain after above 5, though falling over the week
    [(2, 5), (2, 2), (2, 2)],  # a rise of 3 in one session
])
def test_a_week_with_one_session_over_the_rule_does_not_move_on(week):
    program = programs.load("strength-20-30-40")
    logged = [Logged(n + 1, MONDAY + dt.timedelta(days=2 * n), "r", 1, "p", None, True, 600.0, before,
                     after) for n, (before, after) in enumerate(week)]
    assert not all(acceptable(s) for s in logged)
    held = position(program, logged)
    assert (held.week, held.decision) == (1, Decision.HOLD)


def test_one_session_a_day_counts_and_the_week_waits_for_the_next_morning():
    program = programs.load("strength-20-30-40")
    same_day = [Logged(n + 1, MONDAY, "r", 1, "p", None, True, 600.0, 2, 2) for n in range(3)]
    assert (position(program, same_day).week, position(program, same_day).done) == (1, 1)
    week = [Logged(n + 1, MONDAY + dt.timedelta(days=2 * n), "r", 1, "p", None, True, 600.0, 2, 2)
            for n in range(3)]
    friday = week[-1].date
    waiting = position(program, week, on=friday)  # the evening of the last session
    assert (waiting.week, waiting.done, waiting.decision) == (1, 3, Decision.START)
    assert position(program, week, on=friday + dt.timedelta(days=1)).week == 2
    resumed = position(program, week, resumes=[3], on=friday + dt.timedelta(days=3))
    assert (resumed.week, resumed.decision) == (1, Decision.STEP_BACK)  # one step easier


@given(st.sampled_from(PROGRAMS), sessions)
def test_never_advances_past_a_session_that_was_not_acceptable(program, drawn):
    logged = logs(drawn)
    since: list[Logged] = []  # the sessions since the program last moved
    before = position(program, [])
    for n in range(1, len(logged) + 1):
        after = position(program, logged[:n])
        since.append(logged[n - 1])
        if rank(program, after) > rank(program, before):
            assert all(acceptable(s) for s in since), (since, after)
            assert after.decision == Decision.ADVANCE
        decided = (after.decision, after.reason) != (before.decision, before.reason)
        if rank(program, after) != rank(program, before) or decided:
            since = []  # moved, held or stepped back in place (already the easiest): a new go
        before = after


@given(st.sampled_from(PROGRAMS), sessions, st.integers(0, 40), st.sampled_from(URGENT),
       st.lists(st.sampled_from(NAMES), max_size=3))
def test_an_urgent_symptom_always_pauses_whatever_else_was_logged(program, drawn, where, urgent, others):
    logged = logs(drawn)
    at = min(where, len(logged))
    logged.insert(at, Logged(999, MONDAY + dt.timedelta(days=at), "r", 1, "p", None, True, 600.0, 0, 0,
                             None, "better", tuple([*others, urgent])))
    paused = position(program, logged)
    assert paused.decision == Decision.PAUSE and paused.urgent
    # resumed after everything logged so far (ids up to 999): nothing before it pauses it
    assert position(program, logged, resumes=[999]).decision != Decision.PAUSE


@given(st.sampled_from(PROGRAMS), sessions)
def test_a_step_back_never_goes_below_week_1_or_the_lowest_level(program, drawn):
    logged = logs(drawn)
    for n in range(len(logged) + 1):
        at = position(program, logged[:n])
        assert 1 <= at.week <= len(program.weeks)
        assert LEVELS.index(program.weeks[0].level) - at.levels_down >= 0
        assert at.levels_down == 0 or at.week == 1


@given(st.sampled_from(PROGRAMS), sessions, st.integers(7, 10))
def test_a_session_ending_at_7_or_more_steps_back_at_once(program, drawn, high):
    logged = logs(drawn)
    before = position(program, logged)
    logged.append(Logged(999, MONDAY + dt.timedelta(days=99), "r", 1, "p", None, True, 600.0, None,
                         high, None, None, None))
    after = position(program, logged)
    assert after.decision in (Decision.STEP_BACK, Decision.PAUSE)
    assert rank(program, after) <= rank(program, before)
    if before.decision != Decision.PAUSE and rank(program, before) > (1, 0):
        assert rank(program, after) < rank(program, before)  # paused, it stays where it stopped


# ---------------------------------------------------------------------------
# Through the real command, on a real SQLite file


def vc(*args: str) -> subprocess.CompletedProcess[str]:
    return voicecoach(*args)


def today(date: dt.date) -> dict:
    result = vc("today", "--json", "--date", date.isoformat())
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def log_three(*options: str) -> None:
    for n in (0, 2, 4):
        result = vc("log", "--date", (MONDAY + dt.timedelta(days=n)).isoformat(), *options)
        assert result.returncode == 0, result.stderr


def test_pain_of_9_three_times_does_not_advance_and_advises_a_clinician():
    assert vc("program", "start", "strength-20-30-40", "--date", MONDAY.isoformat()).returncode == 0
    log_three("--pain-before", "9", "--pain-after", "9", "--note", "leg numb")
    week_2 = MONDAY + dt.timedelta(days=7)
    got = today(week_2)
    assert (got["week"], got["level"], got["decision"]) == (1, "beginner", "pause")
    assert "see a physiotherapist or doctor" in got["advice"].lower()
    shown = vc("today", "--date", week_2.isoformat()).stdout
    assert "Week 1 of 10" in shown and "paused" in shown and "today --play" not in shown
    assert vc("today", "--play", "--date", week_2.isoformat()).returncode == 1


def test_pain_of_3_to_4_three_times_advances():
    assert vc("program", "start", "strength-20-30-40", "--date", MONDAY.isoformat()).returncode == 0
    log_three("--pain-before", "3", "--pain-after", "4", "--symptom", "none")
    got = today(MONDAY + dt.timedelta(days=7))
    assert (got["week"], got["decision"], got["paused"]) == (2, "advance", False)
    shown = vc("today", "--date", (MONDAY + dt.timedelta(days=7)).isoformat()).stdout
    assert "0 of 3 sessions done this week (3 of 3 done the week before)" in shown
    assert "On to week 2: each session of the week was within the pain rule." in shown


def test_a_worse_next_morning_holds_the_week_and_a_second_bad_session_steps_back():
    assert vc("program", "start", "strength-20-30-40", "--date", MONDAY.isoformat()).returncode == 0
    log_three("--pain-before", "3", "--pain-after", "4")
    monday = MONDAY + dt.timedelta(days=7)
    assert today(monday)["week"] == 2
    said = vc("log", "--next-day", "worse", "--date", monday.isoformat())  # after Friday's session
    assert said.returncode == 0 and said.stdout.startswith("Recorded how your last session went.")
    held = today(monday)
    assert (held["week"], held["decision"]) == (1, "hold")
    assert held["reason"] == "your back was worse the morning after the session on 2026-03-06"
    assert "3 of 3 sessions done; the week is held, so do it again" in vc(
        "today", "--date", monday.isoformat()).stdout
    assert len(json.loads(vc("history", "--json").stdout)["sessions"]) == 3  # no session added
    assert vc("log", "--date", monday.isoformat(), "--pain-before", "2", "--pain-after", "6").returncode == 0
    back = today(monday)  # the week 1 level is already the lowest: it stays there
    assert (back["week"], back["level"], back["decision"]) == (1, "beginner", "step_back")
    assert "2 sessions in a row were over the pain rule" in back["reason"]


def test_an_urgent_symptom_pauses_until_the_program_is_resumed(tmp_path):
    assert vc("program", "start", "three-exercises-daily", "--date", MONDAY.isoformat()).returncode == 0
    logged = vc("log", "--date", MONDAY.isoformat(), "--pain-before", "2", "--pain-after", "2",
                "--symptom", "bladder-bowel")
    assert logged.returncode == 0, logged.stderr
    assert "emergency care now" in logged.stdout
    got = today(MONDAY)
    assert got["decision"] == "pause" and got["urgent"] is True
    assert "go to an emergency department, and do not drive yourself" in got["advice"]
    for command in (["today", "--play"], ["today", "--export", "-o", str(tmp_path / "x.mp3")]):
        refused = vc(*command, "--date", MONDAY.isoformat())
        assert refused.returncode == 1 and "emergency care now" in refused.stderr
        assert "Traceback" not in refused.stderr
    asked = vc("program", "resume", "--date", MONDAY.isoformat())  # not on a terminal: needs --yes
    assert asked.returncode == 2 and "--yes" in asked.stderr
    assert today(MONDAY)["decision"] == "pause"
    resumed = vc("program", "resume", "--yes", "--date", MONDAY.isoformat())
    assert resumed.returncode == 0 and "Resumed" in resumed.stdout
    assert today(MONDAY)["decision"] != "pause"
    symptoms = json.loads(vc("history", "--json").stdout)["sessions"][0]["symptoms"]
    assert symptoms == ["bladder-bowel"]  # the answer is kept after the resume


def test_symptoms_and_next_day_values_are_checked_and_change_nothing():
    assert vc("program", "start", "three-exercises-daily", "--date", MONDAY.isoformat()).returncode == 0
    for options, message in ((["--symptom", "headache"], "unknown symptom 'headache'"),
                             (["--symptom", "none", "--symptom", "fever"], "give it alone"),
                             (["--next-day", "awful"], "awful")):
        result = vc("log", "--date", MONDAY.isoformat(), "--pain-after", "2", *options)
        assert result.returncode == 2 and message in result.stderr and "Traceback" not in result.stderr
    assert json.loads(vc("history", "--json").stdout)["sessions"] == []
    alone = vc("log", "--next-day", "same")
    assert alone.returncode == 2 and "no session is recorded yet" in alone.stderr


def test_sessions_before_a_program_started_are_not_its_week_1():
    start = MONDAY + dt.timedelta(days=3)
    assert vc("program", "start", "three-exercises-daily", "--date", start.isoformat()).returncode == 0
    early = vc("log", "--date", MONDAY.isoformat(), "--routine", "three-exercises")
    assert early.returncode == 0, early.stderr
    assert "for three-exercises-daily" not in early.stdout
    assert today(start)["sessions_done"] == 0
    bare = vc("log", "--date", MONDAY.isoformat())
    assert bare.returncode == 2 and "started on 2026-03-05, after 2026-03-02" in bare.stderr


def test_a_history_from_the_first_schema_migrates_and_keeps_every_row(history_data):
    history_data.mkdir()
    path = history_data / FILE_NAME
    db = sqlite3.connect(path)
    for statement in MIGRATIONS[0]:  # the first release's schema, as it shipped
        db.execute(statement)
    db.execute("INSERT INTO runs VALUES (1, 'strength-20-30-40', 'strength-20-30-40', 'Strength', 3, "
               "'2026-03-02', NULL)")
    db.execute("INSERT INTO sessions VALUES (1, '2026-03-02', 'strength-basics', 1, 1, 1, 600, 3, 4, "
               "'fine', '2026-03-02T10:00:00+00:00')")
    db.execute("INSERT INTO sessions VALUES (2, '2026-03-03', 'desk-break', NULL, NULL, 0, 120, NULL, "
               "2, NULL, '2026-03-03T10:00:00+00:00')")
    db.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    db.execute("PRAGMA user_version = 1")
    db.commit()
    db.close()
    rows = json.loads(vc("history", "--json").stdout)["sessions"]
    assert [(r["date"], r["routine"], r["completed"], r["pain_before"], r["pain_after"], r["note"],
             r["next_day"], r["symptoms"]) for r in rows] == [
        ("2026-03-02", "strength-basics", True, 3, 4, "fine", None, None),
        ("2026-03-03", "desk-break", False, None, 2, None, None, None)]
    assert sqlite3.connect(path).execute("PRAGMA user_version").fetchone()[0] == 2
    assert vc("log", "--next-day", "better", "--date", "2026-03-04").returncode == 0
    assert json.loads(vc("history", "--json").stdout)["sessions"][-1]["next_day"] == "better"


# ---------------------------------------------------------------------------
# The safety words


def test_the_full_screen_names_every_sign_to_see_a_doctor_first_and_how_to_stop():
    text = screen_text().lower()
    for sign in ("fever", "feel unwell", "cancer", "losing weight without trying", "fall or injury",
                 "osteoporosis", "steroids", "immune system", "pregnant", "back surgery",
                 "constant", "at night", "getting worse", "five out of ten", "two points",
                 "usual level by the next morning", "your pain goes above five",
                 "bend your knees, and roll onto your side in one piece", "hands and knees",
                 "numbness or tingling", "private parts", "hard to pee", "bladder or bowels",
                 "both legs", "emergency department now", "do not drive yourself"):
        assert sign in text, sign
    assert not re.search(r"\d", text + NOTE)  # spoken: numbers are words
    printed = vc("safety")
    assert printed.returncode == 0 and printed.stdout.strip() == screen_text()
    assert all(heading in printed.stdout for heading, _ in SCREEN)


@pytest.mark.parametrize("pace, limit", [("slow", 25), ("normal", 20), ("brisk", 18)])
def test_every_session_opens_with_the_short_note_and_a_first_one_with_the_screen(pace, limit):
    plain = json.loads(vc("show", "three-exercises", "--pace", pace, "--json").stdout)
    said = [e for e in plain["events"] if e["role"] == "safety"]
    assert [e["text"] for e in said] == [NOTE]
    text = NOTE.lower()
    for sign in ("five out of ten", "settles by morning", "sharp or leg pain, numbness or tingling",
                 "stop and rest on your side", "numb groin", "trouble peeing", "weak leg",
                 "emergency care now"):
        assert sign in text, sign
    assert said[0]["end"] - said[0]["start"] < limit  # real espeak-ng at that pace
    first = json.loads(vc("show", "desk-break", "--pace", pace, "--safety-screen", "--json").stdout)
    screen = [e["text"] for e in first["events"] if e["role"] == "safety"]
    assert screen == [f"{heading}. {text}" for heading, text in SCREEN]
    standing = json.loads(vc("show", "desk-break", "--pace", pace, "--json").stdout)
    upright = [e["text"] for e in standing["events"] if e["role"] == "safety"]
    assert upright == [NOTE.replace("Stop and rest on your side", "Stop and sit down")]


def test_a_note_that_reads_like_a_symptom_says_how_to_report_it():
    noted = vc("log", "--routine", "desk-break", "--note", "left leg numb after")
    assert noted.returncode == 0 and "Your note mentions 'leg'" in noted.stdout
    assert "--symptom" in noted.stdout
    reported = vc("log", "--routine", "desk-break", "--note", "left leg numb", "--symptom", "leg-numb")
    assert "Your note mentions" not in reported.stdout
    assert "see a physiotherapist or doctor soon" in reported.stdout
    assert "Your note mentions" not in vc("log", "--routine", "desk-break", "--note", "felt fine").stdout


def test_today_on_a_terminal_asks_how_the_morning_after_was_and_records_it():
    assert vc("program", "start", "strength-20-30-40", "--date", MONDAY.isoformat()).returncode == 0
    assert vc("log", "--date", MONDAY.isoformat(), "--pain-before", "2", "--pain-after", "3").returncode == 0
    tuesday = (MONDAY + dt.timedelta(days=1)).isoformat()

    def worse(output: bytes) -> bytes | None:
        return b"w\r" if b"b better, s same, w worse" in output else None

    status, text = on_terminal("today", "--date", tuesday, answer=worse)
    assert status == 0, text
    assert "was your back better, the same or worse than before it?" in text
    assert ("Your back has not settled yet: your back was worse the morning after the session on "
            "2026-03-02") in text
    assert json.loads(vc("history", "--json").stdout)["sessions"][0]["next_day"] == "worse"
    asked_again, text = on_terminal("today", "--date", tuesday)  # rated now: not asked again
    assert asked_again == 0 and "better, the same or worse" not in text


# ---------------------------------------------------------------------------
# `today` in the listener's language, and what its count says


TERMINAL_CONTEXTS = {"reason", "advice", "today", "symptom", "symptom list", "level name", "log",
                     "session state", "history", "history heading", "prompt", "play", "program"}


def english_fragments() -> set[str]:
    """The English words of every terminal phrase, cut at their placeholders: none may be left in
    a German or Spanish `today` (short bits such as ' of ' could be in a name, so are not asked)."""
    from voicecoach import phrases

    said = [value for value in vars(phrases).values() if isinstance(value, phrases.Phrase)]
    said += [*phrases.SYMPTOM_TEXTS.values(), *phrases.LEVEL_NAMES.values(),
             *phrases.HISTORY_HEADINGS, phrases.Phrase("history", phrases.STREAK.singular),
             phrases.Phrase("history", phrases.STREAK.plural)]
    return {bit.strip() for p in said if p.context in TERMINAL_CONTEXTS
            for bit in re.split(r"\{[^}]*\}", p.text) if len(bit.strip()) >= 12}


@pytest.mark.parametrize(("language", "emergency", "clinician"), [
    ("de", "Geh jetzt sofort in eine Notaufnahme und fahr nicht selbst dorthin.",
     "Lass dich physiotherapeutisch oder ärztlich untersuchen"),
    ("es", "ve ahora mismo a urgencias y no conduzcas tú.",
     "Consulta con un fisioterapeuta o un médico"),
])
def test_today_speaks_the_listener_s_language_and_says_the_pause_advice_in_it(language, emergency,
                                                                              clinician):
    assert vc("program", "start", "strength-20-30-40", "--date", MONDAY.isoformat()).returncode == 0
    log_three("--pain-before", "9", "--pain-after", "9")  # paused: see a clinician
    week_2 = MONDAY + dt.timedelta(days=7)
    paused = vc("today", "--date", week_2.isoformat(), "--language", language)
    assert paused.returncode == 0, paused.stderr
    assert clinician in paused.stdout and "'voicecoach program resume'" in paused.stdout
    refused = vc("today", "--play", "--date", week_2.isoformat(), "--language", language)
    assert refused.returncode == 1 and clinician in refused.stderr, refused.stderr
    assert vc("log", "--date", week_2.isoformat(), "--pain-after", "2", "--symptom",
              "bladder-bowel").returncode == 0
    urgent = vc("today", "--date", week_2.isoformat(), "--language", language).stdout
    assert emergency in urgent
    for shown in (paused.stdout, refused.stderr, urgent):
        left = [bit for bit in english_fragments() if bit in shown]
        assert left == [], shown
    assert today(week_2)["advice"].startswith("The program is paused: ")  # --json stays English


def test_lang_chooses_the_language_of_today_and_a_step_back_counts_from_itself():
    assert vc("program", "start", "three-exercises-daily", "--date", MONDAY.isoformat()).returncode == 0
    assert vc("log", "--date", MONDAY.isoformat(), "--pain-before", "4", "--pain-after", "8").returncode == 0
    tuesday = MONDAY + dt.timedelta(days=1)
    assert vc("log", "--date", tuesday.isoformat(), "--pain-before", "3", "--pain-after", "3").returncode == 0
    shown = vc("today", "--date", tuesday.isoformat()).stdout
    assert "1 of 7 sessions done since the step back" in shown and "this week" not in shown
    assert "Stepped back to week 1 at the beginner level: pain was 8 of 10 after the session on " \
        "2026-03-02." in shown
    spanish = voicecoach("today", "--date", tuesday.isoformat(),
                         env={**os.environ, "LANG": "es_ES.UTF-8"}).stdout
    assert "1 de 7 sesiones hechas desde el paso atrás" in spanish
    assert "Un paso atrás, a la semana 1 en el nivel principiante: el dolor fue de 8 sobre 10" in spanish
    assert vc("log", "--date", tuesday.isoformat(), "--pain-after", "3", "--symptom", "fever").returncode == 0
    paused = vc("today", "--date", tuesday.isoformat()).stdout
    assert "beginner level; paused, so no sessions count until it is resumed" in paused
    assert "See a doctor before you do these exercises again." in paused  # fever: a doctor first
    assert "physiotherapist" not in paused


def test_a_pause_for_pain_then_a_fever_sends_the_person_to_a_doctor_and_urgent_wins():
    monday = MONDAY.isoformat()
    assert vc("program", "start", "three-exercises-daily", "--date", monday).returncode == 0
    assert vc("log", "--date", monday, "--pain-after", "2", "--symptom", "leg-pain").returncode == 0
    assert "See a physiotherapist or doctor before" in today(MONDAY)["advice"]
    assert vc("log", "--date", MONDAY.isoformat(), "--symptom", "night-pain").returncode == 0
    advice = today(MONDAY)["advice"]
    assert "See a doctor before" in advice and "night" in advice, advice
    assert vc("log", "--date", MONDAY.isoformat(), "--symptom", "bladder-bowel").returncode == 0
    assert "emergency department" in today(MONDAY)["advice"]
    assert vc("log", "--date", MONDAY.isoformat(), "--symptom", "fever").returncode == 0
    assert "emergency department" in today(MONDAY)["advice"]  # an urgent pause stays urgent


def test_log_and_history_speak_the_listener_s_language_and_keep_the_data():
    assert vc("program", "start", "strength-20-30-40", "--date", MONDAY.isoformat()).returncode == 0
    logged = vc("log", "--date", MONDAY.isoformat(), "--pain-before", "2", "--pain-after", "3",
                "--symptom", "leg-numb", "--note", "leg numb", "--language", "es")
    assert logged.returncode == 0, logged.stderr
    assert logged.stdout.startswith("Registrada la sesión strength-basics del 2026-03-02 (completa) "
                                    "para strength-20-30-40, semana 1.\n")
    assert "Consulta con un fisioterapeuta o un médico antes de volver a hacer estos ejercicios." \
        in logged.stdout
    urgent = vc("log", "--date", MONDAY.isoformat(), "--symptom", "saddle-numb", "--language", "de")
    assert "Geh jetzt sofort in eine Notaufnahme und fahr nicht selbst dorthin." in urgent.stdout
    shown = vc("history", "--language", "es").stdout
    lines = shown.splitlines()
    assert lines[0].split() == ["FECHA", "RUTINA", "PROGRAMA", "SEMANA", "HECHA", "DOLOR", "DÍA",
                                "SIGUIENTE", "SÍNTOMAS"]
    assert lines[1].split() == ["2026-03-02", "strength-basics", "strength-20-30-40", "1", "completa",
                                "2", "->", "3", "-", "leg-numb,", "saddle-numb"]  # data as recorded
    assert lines[-1] == "Racha: 0 semanas seguidas con las sesiones previstas"
    for said in (logged.stdout, urgent.stdout, shown):
        assert [bit for bit in english_fragments() if bit in said] == [], said
    assert vc("history").stdout.startswith("DATE        ROUTINE ")  # English by default (LANG=C)


def test_history_speaks_the_active_program_s_language_as_today_does(tmp_path):
    """`history` chooses its words' language as `today` does: --language, else the active
    program's own (a built-in started in German, a German program file), else the config file's
    or LANG; with the program file gone it is still shown."""
    monday = MONDAY.isoformat()
    assert vc("program", "start", "strength-20-30-40", "--language", "de", "--date", monday).returncode == 0
    assert vc("log", "--date", monday, "--pain-before", "2", "--pain-after", "3").returncode == 0
    shown = vc("history", "--date", monday).stdout.splitlines()
    assert shown[0].split()[:3] == ["DATUM", "ROUTINE", "PROGRAMM"], shown
    assert shown[-1] == "Serie: 0 Wochen in Folge mit den geplanten Einheiten"
    assert vc("history", "--language", "en").stdout.startswith("DATE ")
    assert vc("history", "--language", "es").stdout.startswith("FECHA ")
    spanish_locale = {**os.environ, "LANG": "es_ES.UTF-8"}
    said_today = voicecoach("today", "--date", monday, env=spanish_locale).stdout
    assert "Woche 1 von 10" in said_today, said_today
    assert voicecoach("history", env=spanish_locale).stdout.startswith("DATUM ")  # as today

    german = tmp_path / "rueckenwochen.yaml"
    german.write_text("language: de\ntitle: Rückenwochen\nsessions_per_week: 3\nweeks:\n"
                      "  - routine: desk-break\n")
    assert vc("program", "start", str(german), "--date", monday, "--yes").returncode == 0
    assert vc("history").stdout.startswith("DATUM ")
    german.unlink()
    gone = vc("history")
    assert gone.returncode == 0 and gone.stdout.startswith("DATE "), gone.stderr
    assert "2026-03-02  strength-basics" in gone.stdout


def test_a_symptom_logged_without_a_program_is_advised_in_the_listener_s_language():
    logged = vc("log", "--routine", "desk-break", "--date", MONDAY.isoformat(), "--symptom", "fever",
                "--language", "de")
    assert logged.returncode == 0, logged.stderr
    assert logged.stdout.splitlines()[-1] == (
        "Du hast Folgendes gemeldet: Fieber oder allgemeines Unwohlsein. Lass die Übungen weg, die "
        "das auslösen, und geh bald zu einer Ärztin oder einem Arzt.")


def test_today_on_a_terminal_asks_the_morning_after_in_spanish_with_spanish_keys():
    assert vc("program", "start", "strength-20-30-40", "--date", MONDAY.isoformat()).returncode == 0
    assert vc("log", "--date", MONDAY.isoformat(), "--pain-before", "2", "--pain-after", "3").returncode == 0
    tuesday = (MONDAY + dt.timedelta(days=1)).isoformat()

    def worse(output: bytes) -> bytes | None:  # p: peor (w is no answer in Spanish)
        return b"p\r" if b"m mejor, i igual, p peor" in output else None

    status, text = on_terminal("today", "--date", tuesday, "--language", "es", answer=worse)
    assert status == 0, text
    assert "¿tenías la espalda mejor, igual o peor que antes?" in text
    assert "Tu espalda todavía no se ha calmado: la mañana después de la sesión del 2026-03-02 " \
        "tenías la espalda peor." in text
    assert json.loads(vc("history", "--json").stdout)["sessions"][0]["next_day"] == "worse"


# ---------------------------------------------------------------------------
# `program start` and `program resume` ask in the listener's language, with its own yes and no


def test_starting_another_program_asks_in_spanish_and_takes_s_for_yes():
    assert vc("program", "start", "strength-20-30-40", "--date", MONDAY.isoformat()).returncode == 0
    question = ("¿Terminar 'strength-20-30-40' (activo desde el 2026-03-02) y empezar "
                "'cobra-progression'? [s/N]: ").encode()
    status, text = on_terminal("program", "start", "cobra-progression", "--language", "es",
                               answer=[keys_when(question, b"y\r"),  # y is no answer in Spanish
                                       keys_when(b"s para s\xc3\xad, n o Enter para no", b"n\r")])
    assert status == 1 and "Todo sigue igual." in text, text
    assert "[y/N]" not in text
    assert today(MONDAY)["program"] == "strength-20-30-40"
    status, text = on_terminal("program", "start", "cobra-progression", "--language", "es",
                               "--date", MONDAY.isoformat(), answer=keys_when(question, b"s\r"))
    assert status == 0, text
    assert ("Has empezado Progresión de la cobra, de baja a antebrazos (cobra-progression) el 2026-03-02. "
            "'voicecoach today' te dice qué toca hoy." in text), text  # the Spanish program
    assert today(MONDAY)["program"] == "cobra-progression"


def test_a_program_file_in_german_asks_in_german_and_takes_the_whole_word(tmp_path):
    german = tmp_path / "rueckenwochen.yaml"
    german.write_text("language: de\ntitle: Rückenwochen\nsessions_per_week: 3\nweeks:\n"
                      "  - routine: desk-break\n    level: beginner\n")
    assert vc("program", "start", "strength-20-30-40", "--date", MONDAY.isoformat()).returncode == 0
    question = ("'strength-20-30-40' (aktiv seit 2026-03-02) beenden und "
                f"'{german}' starten? [j/N]: ").encode()
    status, text = on_terminal("program", "start", str(german), "--date", MONDAY.isoformat(),
                               answer=keys_when(question, b"Ja\r"))
    assert status == 0, text
    assert "Rückenwochen (rueckenwochen) am 2026-03-02 gestartet." in text
    assert today(MONDAY)["program"] == "rueckenwochen"


def test_a_program_file_is_refused_in_another_language_asked_for_by_name(tmp_path):
    """A program file's own text is never translated: --language naming another language is one
    clear line and changes nothing; a config file's or the locale's language falls back to the
    file's own quietly, and a built-in still starts its translation."""
    german = tmp_path / "rueckenwochen.yaml"
    german.write_text("language: de\ntitle: Rückenwochen\nsessions_per_week: 3\nweeks:\n"
                      "  - routine: desk-break\n    level: beginner\n")
    monday = MONDAY.isoformat()
    assert vc("program", "start", "strength-20-30-40", "--date", monday).returncode == 0
    for asked, name in (("es", "Spanish"), ("en", "English")):
        refused = vc("program", "start", str(german), "--language", asked, "--date", monday, "--yes")
        assert refused.returncode == 2 and refused.stdout == ""
        assert one_line(refused) == (
            f"voicecoach: {german} is in German ('language: de'); it cannot be said in {name}: drop "
            f"--language {asked}, or give a program written in {name}")
    assert today(MONDAY)["program"] == "strength-20-30-40"  # nothing changed

    config = tmp_path / "config.toml"
    config.write_text('language = "es"\n')
    for env in ({"VOICECOACH_CONFIG": str(config)}, {"LANG": "es_ES.UTF-8"}):
        started = voicecoach("program", "start", str(german), "--date", monday, "--yes",
                             env={**os.environ, **env})
        assert started.returncode == 0, started.stderr
        assert started.stdout.startswith("Rückenwochen (rueckenwochen) am 2026-03-02 gestartet."), \
            started.stdout
    started = vc("program", "start", "cobra-progression", "--language", "es", "--date", monday, "--yes")
    assert started.returncode == 0 and started.stdout.startswith("Has empezado Progresión de la cobra")
    assert today(MONDAY)["title"].startswith("Progresión de la cobra")


@pytest.mark.parametrize(("language", "question", "yes", "resumed"), [
    ("de", "Hast du von physiotherapeutischer oder ärztlicher Seite das Okay bekommen, "
           "weiterzumachen? [j/N]: ", b"j\r",
     "Strength towards 20, 30 and 40 geht weiter, einen Schritt leichter: Woche 1, Stufe "
     "Einsteiger. 'voicecoach today' sagt dir, was heute dran ist. Mach langsam und hör auf, wenn "
     "die Beschwerden wiederkommen."),
    ("es", "¿Te ha dicho un fisioterapeuta o un médico que puedes seguir? [s/N]: ", b"si\r",
     "Strength towards 20, 30 and 40 sigue, un paso más fácil: semana 1, nivel principiante. "
     "'voicecoach today' te dice qué toca hoy. Ve con calma y para si vuelven los síntomas."),
])
def test_resuming_asks_in_the_listener_s_language_and_n_changes_nothing(language, question, yes,
                                                                        resumed):
    assert vc("program", "start", "strength-20-30-40", "--date", MONDAY.isoformat()).returncode == 0
    log_three("--pain-before", "9", "--pain-after", "9")  # paused: see a clinician
    week_2 = (MONDAY + dt.timedelta(days=7)).isoformat()
    status, text = on_terminal("program", "resume", "--date", week_2, "--language", language,
                               answer=keys_when(question.encode(), b"n\r"))
    assert status == 1, text
    assert ("Es bleibt alles, wie es war." if language == "de" else "Todo sigue igual.") in text
    assert [bit for bit in english_fragments() if bit in text] == [], text  # the advice too
    assert today(MONDAY + dt.timedelta(days=7))["paused"] is True
    status, text = on_terminal("program", "resume", "--date", week_2, "--language", language,
                               answer=keys_when(question.encode(), yes))
    assert status == 0 and resumed in text, text
    again = vc("program", "resume", "--date", week_2, "--language", language)
    title = "Strength towards 20, 30 and 40"  # the program's own, as its file has it
    assert again.stdout == (f"{title} ist nicht pausiert; es bleibt alles, wie es war. 'voicecoach "
                            "today' sagt dir, was heute dran ist.\n" if language == "de" else
                            f"{title} no está en pausa; todo sigue igual. 'voicecoach today' te dice "
                            "qué toca hoy.\n")


def test_a_built_in_program_started_in_german_is_its_translation_from_then_on():
    """`program start ID --language de` makes the German program the active one: `today` gives its
    title and German routines without being asked again, and the English original only when asked."""
    started = vc("program", "start", "strength-20-30-40", "--language", "de", "--date", MONDAY.isoformat())
    assert started.returncode == 0 and started.stdout.startswith("Kraft auf dem Weg zu zwanzig"), started
    shown = vc("today", "--date", MONDAY.isoformat()).stdout
    assert shown.startswith("Kraft auf dem Weg zu zwanzig, dreißig und vierzig (strength-20-30-40), "
                            "gestartet am "), shown
    store = Store.default()
    try:
        plan = plan_for(store, MONDAY)
    finally:
        store.close()
    assert plan is not None and (plan.program.language, plan.routine.language) == ("de", "de")
    english = vc("today", "--date", MONDAY.isoformat(), "--language", "en").stdout
    # asked for by name, the program is its English original: the same run, week and routine
    assert english.startswith("Strength towards 20, 30 and 40 (strength-20-30-40), started "), english
    assert "Week 1 of 10: strength-basics" in english, english
    as_json = json.loads(vc("today", "--json", "--date", MONDAY.isoformat(), "--language", "en").stdout)
    assert as_json["title"] == "Strength towards 20, 30 and 40", as_json  # not the German one's
    german = json.loads(vc("today", "--json", "--date", MONDAY.isoformat()).stdout)
    assert german["title"].startswith("Kraft auf dem Weg"), german
