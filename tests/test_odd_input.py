"""Odd input a person may type: one clear line and a sensible exit code, never a traceback."""
from __future__ import annotations

import os
import re

import pytest
from click.testing import CliRunner

from voicecoach.cli import cli
from voicecoach.errors import FitError
from voicecoach.routine import load

from helpers import one_line, voicecoach


@pytest.mark.parametrize("command", ["show", "check"])
def test_a_very_long_routine_name_is_an_unknown_routine(tmp_path, command):
    name = ("a" if command == "show" else "b") * 300
    result = voicecoach(command, name, cache=tmp_path / "cache")
    assert result.returncode == 2
    assert one_line(result).startswith(f"voicecoach: no routine file or built-in routine named '{name}'.")


@pytest.mark.parametrize("number", ["²", "①", "٣"])
def test_from_takes_plain_digits_only(tmp_path, number):
    result = voicecoach("play", "desk-break", "--from", number, cache=tmp_path / "cache")
    assert result.returncode == 2
    assert one_line(result).startswith(f"voicecoach: no exercise '{number}' in this routine; "
                                       "--from takes a name or number: ")


def test_from_out_of_range_lists_the_exercises_with_their_numbers(tmp_path):
    result = voicecoach("play", "desk-break", "--from", "9", cache=tmp_path / "cache")
    assert result.returncode == 2
    exercises = [exercise.name for exercise in load("desk-break").exercises]
    assert one_line(result) == ("voicecoach: no exercise '9' in this routine; --from takes a name or "
                                "number: " + ", ".join(f"{n} '{title}'" for n, title in
                                                       enumerate(exercises, 1)))


def test_a_fifo_as_routine_file_is_refused_at_once(tmp_path):
    fifo = tmp_path / "f.yaml"
    os.mkfifo(fifo)
    result = voicecoach("check", str(fifo), cache=tmp_path / "cache", timeout=30)
    assert result.returncode == 1
    assert result.stdout == (f"{fifo}: this is a FIFO (named pipe), not a regular file; "
                             "give a routine file (.yaml)\n")


def test_tempo_with_both_reps_and_duration_names_the_keys_given(tmp_path):
    path = tmp_path / "both.yaml"
    path.write_text("title: T\nexercises:\n  - name: A\n    setup: s\n    reps: 3\n    duration: 20s\n"
                    "    tempo:\n      - up: 1s\n")
    result = voicecoach("check", str(path), cache=tmp_path / "cache")
    assert result.returncode == 1
    assert result.stdout.splitlines() == [
        f"{path}:6: exercise 1 (A): both 'reps' and 'duration' given; an exercise has exactly one "
        "of hold, reps or duration",
        f"{path}:7: exercise 1 (A): 'tempo' paces counted reps; it does not go with 'duration'",
    ]


def test_quick_tempo_phases_are_accepted_with_a_warning_down_to_a_floor(tmp_path):
    quick = tmp_path / "quick.yaml"
    quick.write_text("title: T\nexercises:\n  - name: Pulses\n    setup: s\n    reps: 3\n    tempo:\n"
                     "      - up: 0.3s\n      - down: 0.2s\n")
    result = voicecoach("check", str(quick), cache=tmp_path / "cache")
    assert result.returncode == 0, result.stdout + result.stderr
    assert re.search(r"warning: tempo word 'up' takes [\d.]+s to say and does not fit its 0.3s phase",
                     result.stdout)
    assert re.fullmatch(rf"{re.escape(str(quick))}: ok \(\d+ warnings\)\n", result.stderr)
    too_quick = tmp_path / "too-quick.yaml"
    too_quick.write_text(quick.read_text().replace("0.2s", "0.1s"))
    refused = voicecoach("check", str(too_quick), cache=tmp_path / "cache")
    assert refused.returncode == 1
    assert refused.stdout == (f"{too_quick}:8: exercise 1 (Pulses): tempo phase 'down' must be at "
                              "least 0.2 seconds, got '0.1s'\n")


def test_minutes_out_of_reach_names_a_routine_file_by_its_title_and_file(tmp_path):
    mine = tmp_path / "mine.yaml"
    mine.write_text("title: My fine routine\nexercises:\n  - {name: A, setup: Sit tall., hold: 20s}\n")
    result = voicecoach("show", str(mine), "--minutes", "60", cache=tmp_path / "cache")
    assert result.returncode == 2
    assert one_line(result).startswith(f"voicecoach: cannot fit 'My fine routine' ({mine}) into 60 "
                                       "minutes; it can be made from ")


def test_fit_messages_say_one_minute_and_quote_only_lengths_allowed():
    assert str(FitError("'desk-break'", 1, 3.3, 12.6, minutes_range=(1, 240))) == (
        "cannot fit 'desk-break' into 1 minute; it can be made from 3.3 to 12.6 minutes long.")
    assert str(FitError("'long'", 30, 51.1, 706.6, minutes_range=(1, 240))) == (
        "cannot fit 'long' into 30 minutes; it can be made from 51.1 to 240.0 minutes long.")
    assert "nearest it comes is 238.0 or 240.0 minutes (its range is 0.5" not in str(
        FitError("x", 239, 0.5, 300, (238.0, 250.0), minutes_range=(1, 240)))
    assert str(FitError("x", 239, 0.5, 300, (238.0, 250.0), minutes_range=(1, 240))).endswith(
        "the nearest it comes is 238.0 or 240.0 minutes (its range is 1.0 to 240.0).")


def test_a_fit_message_quotes_only_the_range_it_is_given():
    assert str(FitError("x", 5, 0.5, 300, minutes_range=(2, 100))) == (
        "cannot fit x into 5 minutes; it can be made from 2.0 to 100.0 minutes long.")
    assert str(FitError("x", 5, 0.5, 300, (1.5, 120.0), minutes_range=(2, 100))).endswith(
        "the nearest it comes is 2.0 or 100.0 minutes (its range is 2.0 to 100.0).")


def test_minutes_240_never_goes_past_four_hours(tmp_path):
    # --minutes stays inside each exercise's ranges, so the longest a routine can be made is its
    # advanced level, which the loader keeps under four hours: this one comes close
    long = tmp_path / "long.yaml"
    long.write_text("title: Long\nexercises:\n" + "".join(
        f"  - {{name: Hold {n}, setup: Lie still., hold: 5-29m}}\n" for n in range(1, 9)))
    result = voicecoach("show", str(long), "--minutes", "240", cache=tmp_path / "cache")
    assert result.returncode == 0, result.stderr
    total = result.stdout.strip().splitlines()[-1]
    minutes, seconds = map(int, total.removeprefix("Total: ").split(":"))
    assert 228 <= minutes + seconds / 60 <= 240, total


def test_the_voices_help_example_works(tmp_path):
    help_text = CliRunner().invoke(cli, ["voices", "--help"]).output
    example = next(line.split()[1:] for line in help_text.splitlines()
                   if line.strip().startswith("voicecoach") and "--voice" in line)
    result = voicecoach(*example, cache=tmp_path / "cache")
    assert result.returncode == 0, result.stderr
