"""The user's config file: defaults for voice, pace and level; the command line wins; a bad file is
one located line."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from voicecoach import config

from helpers import voicecoach


def run_with(config_text: str | None, tmp_path, *args: str):
    path = tmp_path / "config.toml"
    if config_text is not None:
        path.write_text(config_text)
    return voicecoach(*args, env=dict(os.environ, VOICECOACH_CONFIG=str(path)))


def test_the_config_sets_defaults_and_options_win(tmp_path):
    text = 'pace = "slow"\nlevel = "beginner"\n'
    shown = run_with(text, tmp_path, "show", "desk-break")
    assert shown.returncode == 0, shown.stderr
    assert "beginner level, slow pace" in shown.stdout.splitlines()[0]
    given = run_with(text, tmp_path, "show", "desk-break", "--pace", "brisk", "--level", "standard")
    assert "standard level, brisk pace" in given.stdout.splitlines()[0]


def test_the_config_voice_is_used(tmp_path):
    path = tmp_path / "c.toml"
    path.write_text('voice = "flite:slt"\n')
    assert config.load(path).voice == "flite:slt"
    bad_voice = run_with('voice = "flite:nobody"\n', tmp_path, "show", "desk-break")
    assert bad_voice.returncode == 2 and "unknown voice 'flite:nobody'" in bad_voice.stderr


def test_no_config_file_is_no_config(tmp_path, monkeypatch):
    monkeypatch.delenv(config.ENV_VAR, raising=False)
    assert config.load(tmp_path / "absent.toml") == config.Defaults()


def test_listen_in_the_config_file(tmp_path):
    (tmp_path / "config.toml").write_text("listen = true\n")
    assert config.load(tmp_path / "config.toml") == config.Defaults(listen=True)


@pytest.mark.parametrize("text, line, message", [
    ('pace = "slow"\nlevel = beginner\n', 2, "'level' is text, so it needs quotes: level = \"beginner\""),
    ('voice = flite:rms  # my voice\n', 1, "'voice' is text, so it needs quotes: voice = \"flite:rms\""),
    ('pace = "slow"\nlevel = [1, \n', 2, "not valid TOML: Invalid value"),
    ('pace = "slow"\n\ncolour = "blue"\n', 3, "unknown setting 'colour'; the settings are voice, pace, "
                                              "level, bed, bed_level, voices, listen and language"),
    ('listen = "yes"\n', 1, "'listen' must be true or false, such as listen = true"),
    ('pase = "slow"\n', 1, "unknown setting 'pase'; did you mean 'pace'?"),
    ('bed = 5\n', 1, "'bed' must be a quoted name, such as bed = \"brown\""),
    pytest.param('a = ' + '[' * 20000 + ']' * 20000 + '\n', 1,
                 "nested too deeply; a config file is a few 'name = value' lines", id="deep"),
    pytest.param('pace = "slow"\n' + '# ' + 'x' * 70000 + '\n', 1,
                 "the file is over 64 KB; a config file holds a few settings", id="huge"),
    ('pace = "slow"\nvoice = "flite:bogus"\n', 2, "unknown voice 'flite:bogus'. Run 'voicecoach voices' "
                                                   "to list the voices you can use."),
    ('pace = "sluggish"\n', 1, "'pace' must be one of slow, normal, brisk, got 'sluggish'"),
    ('level = 3\n', 1, "'level' must be a quoted name, such as level = \"beginner\""),
    ('bed = "pad"\nbed_level = -60\n', 2, "'bed_level' must be a number of dB from -40 to -6, such "
                                           "as bed_level = -24"),
])
def test_a_bad_config_is_one_located_line(tmp_path, text, line, message):
    result = run_with(text, tmp_path, "show", "desk-break")
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.strip() == f"voicecoach: {tmp_path / 'config.toml'}:{line}: {message}"


def test_a_bad_config_stops_every_command_but_not_its_help(tmp_path):
    for args in (["list"], ["voices"], ["beds"], ["history"]):
        result = run_with('pase = "slow"\n', tmp_path, *args)
        assert result.returncode == 2 and result.stdout == "", args
        assert result.stderr.strip() == (f"voicecoach: {tmp_path / 'config.toml'}:1: unknown setting "
                                         "'pase'; did you mean 'pace'?")
    helped = run_with('pase = "slow"\n', tmp_path, "list", "--help")
    assert helped.returncode == 0 and helped.stdout.startswith("Usage: voicecoach list")


def test_a_config_that_is_no_file_is_refused_at_once(tmp_path):
    """A FIFO (which would block forever), a device (which /dev/zero would fill memory from), a
    folder: each one located line, read with a cap on memory in case one is read after all."""
    import subprocess
    import sys

    fifo = tmp_path / "fifo.toml"
    os.mkfifo(fifo)
    limit = 1 << 30  # 1 GiB of address space: far more than voicecoach needs to say it
    cap = f"import resource; resource.setrlimit(resource.RLIMIT_AS, ({limit}, {limit}))"
    for given, kind in ((fifo, "a FIFO (named pipe)"), (Path("/dev/zero"), "a device"),
                        (tmp_path, "a folder")):
        result = subprocess.run(
            [sys.executable, "-c", f"{cap}; from voicecoach.__main__ import main; main()", "list"],
            env=dict(os.environ, VOICECOACH_CONFIG=str(given)), capture_output=True, text=True,
            timeout=60)
        assert result.returncode == 2, result.stderr
        assert result.stderr.strip() == (f"voicecoach: {given}:1: this is {kind}, not a regular "
                                         "file; a config file is a TOML text file")
    nothing = voicecoach("show", "desk-break", env=dict(os.environ, VOICECOACH_CONFIG=os.devnull))
    assert nothing.returncode == 0, nothing.stderr  # /dev/null: no config, on purpose


def test_a_config_named_but_missing_is_an_error(tmp_path):
    result = run_with(None, tmp_path, "show", "desk-break")
    assert result.returncode == 2
    assert result.stderr.strip() == (f"voicecoach: {tmp_path / 'config.toml'}:1: no such file "
                                     "(named by VOICECOACH_CONFIG; unset it, or make the file)")


def test_the_config_bed_is_used_and_bed_none_turns_it_off(tmp_path):
    """The config's bed and level make the same bytes as the options; --bed none is no bed."""
    text = 'bed = "brown"\nbed_level = -24\n'
    from_config = run_with(text, tmp_path, "render", "desk-break", "-o", str(tmp_path / "c.wav"),
                           "--quiet")
    assert from_config.returncode == 0, from_config.stderr
    (tmp_path / "bare").mkdir()
    given = run_with('pace = "normal"\n', tmp_path / "bare", "render", "desk-break", "--bed", "brown",
                     "--bed-level", "-24", "-o", str(tmp_path / "o.wav"), "--quiet")
    plain = run_with(text, tmp_path, "render", "desk-break", "--bed", "none", "-o",
                     str(tmp_path / "n.wav"), "--quiet")
    bare = run_with('pace = "normal"\n', tmp_path / "bare", "render", "desk-break", "-o",
                    str(tmp_path / "b.wav"), "--quiet")
    for result in (given, plain, bare):
        assert result.returncode == 0, result.stderr
    assert (tmp_path / "c.wav").read_bytes() == (tmp_path / "o.wav").read_bytes()
    assert (tmp_path / "n.wav").read_bytes() == (tmp_path / "b.wav").read_bytes()
    assert (tmp_path / "c.wav").read_bytes() != (tmp_path / "n.wav").read_bytes()
