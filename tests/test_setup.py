"""scripts/setup on a machine where it cannot install: it says what to install and how; scripts/quickstart
without audio output."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from helpers import NOBODY

SETUP = Path(__file__).parent.parent / "scripts" / "setup"


@pytest.mark.skipif(os.geteuid() != 0 or not shutil.which("setpriv") or shutil.which("sudo"),
                    reason="runs as an unprivileged user on a machine without sudo")
def test_setup_without_root_or_sudo_names_the_packages():
    # A fresh machine: dpkg-query finds none of the packages (the only stand-in; the rest is real).
    # The folder, and a copy of the script in it, are where the unprivileged user can reach them:
    # pytest's tmp_path is root's only, and so may be the checkout (a clone in /root).
    folder = Path(tempfile.mkdtemp(prefix="vc-setup-"))
    fake, scripts = folder / "bin", folder / "scripts"
    fake.mkdir()
    scripts.mkdir()
    (fake / "dpkg-query").write_text("#!/bin/sh\nexit 1\n")
    shutil.copy(SETUP, scripts / "setup")
    for path in (folder, fake, fake / "dpkg-query", scripts, scripts / "setup"):
        path.chmod(0o755)
    try:
        result = subprocess.run([*NOBODY, "env", f"PATH={fake}:/usr/bin:/bin", "bash",
                                 str(scripts / "setup")],
                                capture_output=True, text=True, timeout=60, cwd=folder)
    finally:
        shutil.rmtree(folder)
    assert result.returncode == 1
    lines = result.stderr.splitlines()
    assert lines[0].startswith("voicecoach setup: these system packages are missing: espeak-ng flite gcc "
                               "libasound2-dev")
    assert lines[1] == "Install them as root, then run scripts/setup again:"
    assert lines[2].startswith("    su -c 'apt-get update && apt-get install -y --no-install-recommends "
                               "espeak-ng flite gcc libasound2-dev")
    assert "command not found" not in result.stderr


def test_quickstart_without_audio_exports_and_says_how_to_run_the_next_command(tmp_path):
    # A checkout whose scripts/setup has already run (the one stand-in: it does nothing here);
    # its .venv/bin/voicecoach is the real one, and not on PATH, as after a first setup.
    checkout = tmp_path / "voicecoach"
    (checkout / "scripts").mkdir(parents=True)
    (checkout / ".venv" / "bin").mkdir(parents=True)
    shutil.copy(SETUP.parent / "quickstart", checkout / "scripts" / "quickstart")
    (checkout / "scripts" / "setup").write_text("#!/bin/sh\nexit 0\n")
    (checkout / "scripts" / "setup").chmod(0o755)
    (checkout / ".venv" / "bin" / "voicecoach").symlink_to(Path(sys.executable).parent / "voicecoach")
    (tmp_path / "none.conf").write_text("</usr/share/alsa/alsa.conf>\npcm.!default { type hw card 9 }\n")
    env = dict(os.environ, ALSA_CONFIG_PATH=str(tmp_path / "none.conf"), PATH="/usr/bin:/bin")
    result = subprocess.run(["scripts/quickstart", "desk-break"], cwd=checkout, env=env,
                            capture_output=True, text=True, timeout=300, stdin=subprocess.DEVNULL)
    assert result.returncode == 0, result.stderr
    lines = result.stderr.splitlines()
    assert lines[0].endswith("To take the session to a phone instead, run: .venv/bin/voicecoach "
                             "export desk-break")
    assert lines[-2:] == [
        f"voicecoach: your session is in {checkout}/desk-break.mp3",
        "voicecoach: next, run it as .venv/bin/voicecoach (it is not on your PATH): "
        "'.venv/bin/voicecoach list' shows the routines, '.venv/bin/voicecoach --help' the commands."]
    assert (checkout / "desk-break.mp3").stat().st_size > 0


@pytest.mark.parametrize("pip_status", [0, 1])
def test_setup_says_each_step_and_shows_what_pip_fetches(tmp_path, pip_status):
    # The stand-ins: dpkg-query finds every package installed, and the virtualenv's python is a
    # script that answers as pip does (so no download, and the test's own .venv is not touched).
    checkout, fake = tmp_path / "voicecoach", tmp_path / "bin"
    for folder in (checkout / "scripts", checkout / ".venv" / "bin", fake):
        folder.mkdir(parents=True)
    shutil.copy(SETUP, checkout / "scripts" / "setup")
    (fake / "dpkg-query").write_text("#!/bin/sh\necho 'install ok installed'\n")
    pip = ("#!/bin/sh\n[ \"$4\" = pip ] && exit 0  # --upgrade pip\n"
           "echo 'Collecting numpy>=1.26 (from voicecoach==0.1.0)'\n"
           "echo '  Downloading numpy-2.4.6-cp311-manylinux.whl (16.8 MB)'\n"
           "echo 'Requirement already satisfied: click>=8.1 in ./.venv/lib'\n"
           "echo 'Installing collected packages: numpy, voicecoach'\n"
           f"exit {pip_status}\n")
    (checkout / ".venv" / "bin" / "python").write_text(pip)
    for script in (fake / "dpkg-query", checkout / ".venv" / "bin" / "python"):
        script.chmod(0o755)
    result = subprocess.run(["bash", str(checkout / "scripts" / "setup")], capture_output=True,
                            text=True, timeout=60, env=dict(os.environ, PATH=f"{fake}:/usr/bin:/bin"))
    lines = result.stderr.splitlines()
    assert lines[:6] == [
        "voicecoach setup: upgrading pip in .venv",
        "voicecoach setup: installing voicecoach and the Python packages it needs into .venv "
        "(pip install -e .)",
        "    Collecting numpy>=1.26 (from voicecoach==0.1.0)",
        "    Downloading numpy-2.4.6-cp311-manylinux.whl (16.8 MB)",
        "    Installing collected packages: numpy, voicecoach",
        "voicecoach setup: ready (.venv/bin/voicecoach)" if pip_status == 0 else
        "Collecting numpy>=1.26 (from voicecoach==0.1.0)"]  # a failure shows pip's whole log
    assert result.returncode == pip_status
    if pip_status:
        assert lines[-1] == ("voicecoach setup: installing the Python packages failed (log above, "
                             "also in .venv/pip.log)")
