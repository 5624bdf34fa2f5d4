"""scripts/setup on a machine where it cannot install: it says what to install and how."""
from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

SETUP = Path(__file__).parent.parent / "scripts" / "setup"


@pytest.mark.skipif(os.geteuid() != 0 or not shutil.which("setpriv") or shutil.which("sudo"),
                    reason="runs as an unprivileged user on a machine without sudo")
def test_setup_without_root_or_sudo_names_the_packages():
    # A fresh machine: dpkg-query finds none of the packages (the only stand-in; the rest is real).
    # The folder is where the unprivileged user can reach it (pytest's tmp_path is root's only).
    folder = Path(tempfile.mkdtemp(prefix="vc-setup-"))
    fake = folder / "bin"
    fake.mkdir()
    (fake / "dpkg-query").write_text("#!/bin/sh\nexit 1\n")
    for path in (folder, fake, fake / "dpkg-query"):
        path.chmod(0o755)
    result = subprocess.run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                             "env", f"PATH={fake}:/usr/bin:/bin", "bash", str(SETUP)],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    lines = result.stderr.splitlines()
    assert lines[0].startswith("voicecoach setup: these system packages are missing: espeak-ng flite gcc "
                               "libasound2-dev")
    assert lines[1] == "Install them as root, then run scripts/setup again:"
    assert lines[2].startswith("    su -c 'apt-get update && apt-get install -y --no-install-recommends "
                               "espeak-ng flite gcc libasound2-dev")
    assert "command not found" not in result.stderr
    shutil.rmtree(folder)
