"""The command line at its edge: exit codes, exact messages, help text on every command."""
from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from click.testing import CliRunner

from voicecoach import routine as routines
from voicecoach.cli import cli

from helpers import CHECKOUT, voicecoach

BAD = "title: T\nexercises:\n  - name: Cobra\n    setup: s\n    hodl: 30s\n"


def test_every_command_has_help_with_examples():
    runner = CliRunner()
    commands = [([name], command) for name, command in cli.commands.items()]
    for path, group in list(commands):  # and the commands of groups (program list, cache clear)
        commands += [([*path, name], command) for name, command in getattr(group, "commands", {}).items()]
    for path, command in commands:
        result = runner.invoke(cli, [*path, "--help"])
        assert result.exit_code == 0, path
        assert command.help and "Examples:" in result.output, path


def test_list_table_and_json():
    result = voicecoach("list")
    assert result.returncode == 0
    lines = result.stdout.splitlines()
    assert lines[0].split()[:2] == ["ID", "TITLE"]
    assert len(lines) == len(routines.builtin_ids()) + 1
    assert any(line.startswith("three-exercises ") and "3 Exercises to Reduce Back Pain" in line
               for line in lines)
    rows = json.loads(voicecoach("list", "--json").stdout)
    assert {r["id"] for r in rows} == set(routines.builtin_ids())
    assert all({"id", "title", "source", "summary"} <= set(r) for r in rows)


def test_readme_names_each_built_in_routines_article_and_links_only_what_is_here():
    readme = (CHECKOUT / "README.md").read_text()
    for routine in routines.all_builtin():
        assert re.search(rf"^\| `{routine.id}` \| {re.escape(routine.source or '')}( \(.*\))? \|$",
                         readme, re.MULTILINE), routine.id
    for target in re.findall(r"\]\(([^)#]+)\)", readme):  # [text](path): a file in the repository
        assert target.startswith("http") or (CHECKOUT / target).exists(), target
    assert "seeds/" not in readme  # the articles are not in the repository: they are named by title


def test_check_valid_routines_exit_zero():
    # Two built-ins whose speech other tests make anyway; every built-in is loaded and validated
    # in test_routine.py, and planned by `list` above.
    names = ["desk-break", "three-exercises"]
    result = voicecoach("check", *names)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stderr.splitlines() == [f"{name}: ok" for name in names]


def test_check_reports_one_located_line_and_exits_one(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text(BAD)
    result = voicecoach("check", str(path))
    assert result.returncode == 1
    assert result.stdout == f"{path}:5: exercise 1 (Cobra): unknown key 'hodl'; did you mean 'hold'?\n"
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("text, says", [
    ("title: T\nexercises:\n\t- name: A\n", ":3: not valid YAML: found character that cannot start "
     "any token; indent with spaces: YAML does not allow tabs"),
    ("title: T\nexercises:\n  - name: A\n    setup: s\n\thold: 20s\n", ":5: not valid YAML: found a tab "
     "character that violates indentation; indent with spaces: YAML does not allow tabs"),
    ("title: T\nexercises:\n  - {name: A, setup: s, hold: 20s, position: on my back}\n",
     ":3: exercise 1 (A): 'position' must be one of lying-back, lying-front, lying-side, "
     "hands-and-knees, kneeling, sitting, standing, got 'on my back'; did you mean 'lying-back'?"),
])
def test_check_says_what_to_do_about_a_newcomers_mistakes(tmp_path, text, says):
    path = tmp_path / "mine.yaml"
    path.write_text(text)
    result = voicecoach("check", str(path))
    assert (result.returncode, result.stdout) == (1, f"{path}{says}\n")


def test_check_warns_when_an_unquoted_comma_split_a_cue_wording(tmp_path, speech_cache):
    """[a, b c, d] in YAML is three wordings: the fragment after the comma would be said alone."""
    path = tmp_path / "mine.yaml"
    path.write_text("title: T\nexercises:\n  - name: Hold it\n    setup: Lie on your back.\n"
                    "    hold: 20s\n    cues:\n      - text: [Breathe out, and let go, Soft jaw]\n")
    result = voicecoach("check", str(path), cache=speech_cache)
    assert result.returncode == 0  # a warning, not a problem
    assert f"{path}:7: exercise 1 (Hold it): warning: the cue wording 'and let go' begins in lower " \
           "case" in result.stdout
    path.write_text(path.read_text().replace("[Breathe out, and let go, Soft jaw]",
                                             '["Breathe out, and let go", Soft jaw]'))
    assert "lower case" not in voicecoach("check", str(path), cache=speech_cache).stdout


def test_check_a_file_that_does_not_exist_has_no_line_number(tmp_path):
    result = voicecoach("check", str(tmp_path / "missing.yaml"))
    assert (result.returncode, result.stdout) == (1, f"{tmp_path / 'missing.yaml'}: no such file\n")


@pytest.mark.parametrize("content", [b"", b"\x00\xff\x00", b"{{{{", b"a: &a [*a]"])
def test_check_any_input_no_traceback(tmp_path, content):
    path = tmp_path / "x.yaml"
    path.write_bytes(content)
    result = voicecoach("check", str(path))
    assert result.returncode == 1
    assert result.stdout.startswith(f"{path}:") and "Traceback" not in result.stderr


def test_check_usage_errors_exit_two():
    assert voicecoach("check").returncode == 2
    result = voicecoach("check", "no-such-routine")
    assert result.returncode == 2
    assert "no routine file or built-in routine named 'no-such-routine'" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("args, says", [
    (["log", "--pain-before", "11"], "--pain-before must be from 0 to 10, got 11"),
    (["log", "--date", "2026-02-30"], "--date must be a day on the calendar, YYYY-MM-DD such as "
                                      f"{dt.date.today().isoformat()}, got '2026-02-30'"),
    (["history", "--date", "2026-13-01"], "--date must be a day on the calendar, YYYY-MM-DD such as "
                                          f"{dt.date.today().isoformat()}, got '2026-13-01'"),
    (["show", "desk-break", "--minutes", "300"], "--minutes must be from 1 to 240, got 300"),
    (["show", "desk-break", "--pace", "fast"], "--pace must be one of slow, normal, brisk, got 'fast'"),
    (["log", "--partial", "-1"], "--partial must be from 0 to 14400 seconds (no session is longer than "
                                 "4 hours), got -1"),
    (["check"], "missing FILE-or-NAME... (see 'voicecoach check --help')"),
    (["play", "--fro", "2"], "no such option '--fro'; did you mean '--from'? (see 'voicecoach play "
                             "--help')"),
    (["nosuch"], "no such command 'nosuch' (see 'voicecoach --help')"),
    (["log", "--pain-before"], "option '--pain-before' requires an argument"),
])
def test_a_usage_error_is_one_line_naming_the_option_the_value_and_what_is_allowed(args, says):
    result = voicecoach(*args)
    assert (result.returncode, result.stdout, result.stderr) == (2, "", f"voicecoach: {says}\n")


def test_a_group_without_its_command_shows_its_help():
    result = voicecoach("program")
    assert result.returncode == 2 and "Commands:" in result.stdout + result.stderr


def test_minutes_must_be_a_number():
    result = voicecoach("show", "desk-break", "--minutes", "nan")
    assert result.returncode == 2 and "must be a number of minutes" in result.stderr


def test_show_takes_a_name_or_a_file(tmp_path):
    by_name = voicecoach("show", "desk-break")
    assert by_name.returncode == 0 and "Desk break" in by_name.stdout
    path = tmp_path / "mine.yaml"
    path.write_text("title: Mine\nexercises:\n  - {name: Bridge, setup: Lie down., hold: 20s}\n")
    by_file = voicecoach("show", str(path))
    assert by_file.returncode == 0 and "Bridge" in by_file.stdout


def test_list_keeps_its_rows_until_a_built_in_routine_changes(tmp_path, monkeypatch):
    """`list` reads, checks and plans every built-in routine once, then shows what it kept
    (in the cache folder) while the files and this version are the same."""
    runner = CliRunner()
    first = runner.invoke(cli, ["--cache-dir", str(tmp_path), "list", "--json"])
    assert first.exit_code == 0 and (tmp_path / "list.json").is_file()

    def no_loading():
        raise AssertionError("the routines were loaded again")

    monkeypatch.setattr(routines, "all_builtin", no_loading)
    again = runner.invoke(cli, ["--cache-dir", str(tmp_path), "list", "--json"])
    assert again.exit_code == 0 and again.output == first.output
    (tmp_path / "list.json").write_text('{"identity": {"version": "0"}, "rows": []}')  # another version's
    assert runner.invoke(cli, ["--cache-dir", str(tmp_path), "list"]).exit_code != 0  # loads again
    monkeypatch.undo()
    (tmp_path / "list.json").write_text("{damaged")
    assert runner.invoke(cli, ["--cache-dir", str(tmp_path), "list", "--json"]).output == first.output
    kept = json.loads((tmp_path / "list.json").read_text())
    del kept["rows"][0]["minutes"]  # this version's file, one row damaged: made again, not shown
    (tmp_path / "list.json").write_text(json.dumps(kept))
    assert runner.invoke(cli, ["--cache-dir", str(tmp_path), "list", "--json"]).output == first.output
    assert "minutes" in json.loads((tmp_path / "list.json").read_text())["rows"][0]


def test_every_minutes_example_in_the_help_can_be_typed(speech_cache):
    """A --minutes example in a command's help is one a person can type as it stands: its routine
    fits that length (floor-relax's fixed 20-minute holds never fit 30, which four examples said)."""
    example = re.compile(r"voicecoach \w+ ([a-z-]+) [^\n]*--minutes (\d+)")
    examples = {found.groups() for command in cli.commands.values()
                for found in example.finditer(command.help or "")}
    assert len(examples) >= 1, "no --minutes example found: the pattern is out of date"
    for routine, minutes in sorted(examples):
        shown = voicecoach("show", routine, "--minutes", minutes, cache=speech_cache)
        assert shown.returncode == 0, (routine, minutes, shown.stderr)
