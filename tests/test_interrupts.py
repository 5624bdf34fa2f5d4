"""Ctrl-C and SIGTERM at any moment, a closed output pipe: one line, the right exit code, no traceback,
no child left running, nothing left in TMPDIR."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

VOICECOACH = [sys.executable, "-m", "voicecoach"]


def _group_gone(pgid: int) -> bool:
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.02)
    return False


def interrupt(tmp_path: Path, how: int, when: str | float) -> tuple[subprocess.Popen, str]:
    """Export with a cold cache in its own process group; signal the whole group (as a terminal
    does on Ctrl-C) after `when` seconds, or once speech is being made ("speech")."""
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    env = dict(os.environ, TMPDIR=str(scratch))
    process = subprocess.Popen([*VOICECOACH, "--cache-dir", str(tmp_path / "cache"), "export",
                                "floor-relax", "-o", str(tmp_path / "out.mp3")],
                               stderr=subprocess.PIPE, text=True, env=env, start_new_session=True)
    if when == "speech":
        deadline = time.monotonic() + 60
        while not list(scratch.glob("voicecoach-*/*.wav")) and time.monotonic() < deadline:
            time.sleep(0.001)
        assert time.monotonic() < deadline, "speech was never made"
    else:
        time.sleep(when)
    os.killpg(process.pid, how)
    _, stderr = process.communicate(timeout=60)
    return process, stderr


@pytest.mark.parametrize("how", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
@pytest.mark.parametrize("when", [0.1, 0.2, 0.35, "speech"])
def test_a_signal_at_any_moment_ends_cleanly(tmp_path, how, when):
    process, stderr = interrupt(tmp_path, how, when)
    assert process.returncode == 128 + how, stderr
    name = "Ctrl-C" if how == signal.SIGINT else "SIGTERM"
    assert stderr == f"voicecoach: stopped ({name})\n"
    assert _group_gone(process.pid), "a forked child is still running"
    assert list((tmp_path / "tmp").iterdir()) == []
    assert not (tmp_path / "out.mp3").exists()
    assert list(tmp_path.glob(".out.mp3.*")) == []


@pytest.mark.parametrize("args", [["voices"], ["list"], ["show", "floor-relax"],
                                  ["show", "floor-relax", "--json"], ["--help"]])
def test_a_closed_output_pipe_ends_quietly(tmp_path, args):
    pipeline = subprocess.run(
        f"{' '.join(VOICECOACH)} --cache-dir {tmp_path / 'cache'} {' '.join(args)} | head -c 1 "
        f">/dev/null; echo \"${{PIPESTATUS[0]}}\"", shell=True, executable="/bin/bash",
        capture_output=True, text=True, timeout=120)
    assert pipeline.stdout == "0\n"
    assert pipeline.stderr == ""
