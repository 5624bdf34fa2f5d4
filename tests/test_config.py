"""The user's config file: defaults for voice, pace and level; the command line wins; a bad file is
one located line."""
from __future__ import annotations

import os

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


@pytest.mark.parametrize("text, line, message", [
    ('pace = "slow"\nlevel = beginner\n', 2, "not valid TOML: Invalid value"),
    ('pace = "slow"\n\ncolour = "blue"\n', 3, "unknown setting 'colour'; the settings are voice, pace, "
                                              "level, bed, bed_level and voices"),
    ('pace = "sluggish"\n', 1, "'pace' must be one of slow, normal, brisk, got 'sluggish'"),
    ('level = 3\n', 1, "'level' must be a quoted name, such as level = \"beginner\""),
    ('bed = "pad"\nbed_level = -60\n', 2, "'bed_level' must be a number of dB from -40 to -6, such "
                                           "as bed_level = -24"),
])
def test_a_bad_config_is_one_located_line(tmp_path, text, line, message):
    result = run_with(text, tmp_path, "show", "desk-break")
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.strip() == f"voicecoach: {tmp_path / 'config.toml'}:{line}: {message}"


def test_a_config_named_but_missing_is_an_error(tmp_path):
    result = run_with(None, tmp_path, "show", "desk-break")
    assert result.returncode == 2
    assert result.stderr.strip() == (f"voicecoach: {tmp_path / 'config.toml'}:1: no such file "
                                     "(named by VOICECOACH_CONFIG)")


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
