"""The pure side of the program (what a page, a feed or a plan is) never imports the side that
makes, stores or plays things, so it can be read, tested and changed on its own."""
from __future__ import annotations

import subprocess
import sys

import pytest

EFFECTFUL = {"cache", "episodes", "export", "history", "player", "render", "server", "session",
             "speech", "store"}


@pytest.mark.parametrize("module", ["page", "feed", "timeline", "routine", "settings", "vocabulary"])
def test_a_pure_module_imports_nothing_that_makes_stores_or_plays(module):
    loaded = subprocess.run(
        [sys.executable, "-c", f"import sys, voicecoach.{module}; "
                               "print(*(m[11:] for m in sys.modules if m.startswith('voicecoach.')))"],
        capture_output=True, text=True, check=True).stdout.split()
    assert module in loaded  # the module itself, so an empty list cannot pass
    assert sorted(EFFECTFUL & set(loaded)) == []
