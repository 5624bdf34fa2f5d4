"""Shared test set-up: a quick hypothesis profile, one speech cache for the whole run, a history
folder per test, and a guard that no test writes into the checkout."""
from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from voicecoach.cache import ENV_VAR
from voicecoach.config import ENV_VAR as CONFIG_VAR

from helpers import CHECKOUT

settings.register_profile(
    "voicecoach", deadline=None, max_examples=150,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "voicecoach"))

# What the tools keep in the checkout (all in .gitignore), not what a test wrote; leaving .venv out
# also keeps the listing quick.
TOOL_CACHES = (".venv", ".pytest_cache", ".hypothesis", ".mypy_cache", ".ruff_cache", "**/__pycache__")


def pytest_sessionstart(session: pytest.Session) -> None:
    """The phrasebook's compiled catalogs brought up to date with the .po files, as an install
    does: after a pull or a merge, a checkout's editable install still holds the .mo files of
    before, and the tests would hear the old phrases (once, before any worker starts)."""
    if os.environ.get("PYTEST_XDIST_WORKER") or not (CHECKOUT / ".git").exists():
        return
    stale = [po for po in (CHECKOUT / "voicecoach" / "locale").glob("*/LC_MESSAGES/voicecoach.po")
             if not po.with_suffix(".mo").exists()
             or po.with_suffix(".mo").stat().st_mtime_ns < po.stat().st_mtime_ns]
    if stale:
        subprocess.run([sys.executable, str(CHECKOUT / "scripts" / "phrasebook"), "compile"],
                       check=True, capture_output=True)


@pytest.fixture(scope="session", autouse=True)
def speech_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The speech cache every test shares unless it tests the cache itself: each line is made once
    a run, not once a test. It is also VOICECOACH_CACHE, so a voicecoach started without
    --cache-dir uses it rather than the checkout's audio_cache/. Under pytest-xdist every worker
    shares one (the cache is safe for many writers: entries are written atomically, and the
    same key always holds the same bytes)."""
    if os.environ.get("PYTEST_XDIST_WORKER"):
        root = tmp_path_factory.getbasetemp().parent / "speech-cache"
        root.mkdir(exist_ok=True)
    else:
        root = tmp_path_factory.mktemp("speech-cache")
    patch = pytest.MonkeyPatch()
    patch.setenv(ENV_VAR, str(root))
    yield root
    patch.undo()


@pytest.fixture(scope="session", autouse=True)
def english_locale() -> Iterator[None]:
    """A locale that names no language with a phrasebook, so a developer's own (LANG=de_DE.UTF-8)
    never turns the sessions the tests make into German; tests of the locale pass their own."""
    patch = pytest.MonkeyPatch()
    for name in ("LC_ALL", "LC_MESSAGES"):
        patch.delenv(name, raising=False)
    patch.setenv("LANG", "C.UTF-8")
    yield
    patch.undo()


@pytest.fixture(scope="session", autouse=True)
def no_user_config(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """An empty config file for every test, so a developer's own defaults (voice, pace, level)
    never change what the tests see; tests of the config file set VOICECOACH_CONFIG themselves."""
    empty = tmp_path_factory.mktemp("config") / "config.toml"
    empty.write_text("")
    patch = pytest.MonkeyPatch()
    patch.setenv(CONFIG_VAR, str(empty))
    yield
    patch.undo()

@pytest.fixture(scope="session", autouse=True)
def installed_on_path() -> Iterator[None]:
    """The virtualenv's bin/ first on PATH, as for an installed voicecoach, so the commands it
    suggests read `voicecoach ...` whatever the developer's PATH; tests of the other case take it
    off."""
    patch = pytest.MonkeyPatch()
    patch.setenv("PATH", os.pathsep.join([str(Path(sys.executable).parent), os.environ["PATH"]]))
    yield
    patch.undo()


@pytest.fixture(autouse=True)
def history_data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Each test its own history folder (VOICECOACH_DATA), so sessions `play` records never land
    in the user's own history, nor in another test's."""
    folder = tmp_path / "history-data"
    monkeypatch.setenv("VOICECOACH_DATA", str(folder))
    monkeypatch.delenv("DBUS_SESSION_BUS_ADDRESS", raising=False)  # never the user's bus (MPRIS)
    return folder


def _checkout_files() -> set[str]:
    """What git sees in the checkout beyond its commit, ignored files included."""
    leave_out = [f":(exclude,glob){cache}/**" for cache in TOOL_CACHES]
    listed = subprocess.run(["git", "status", "--porcelain", "--ignored", "--untracked-files=all",
                             "--", ".", *leave_out],
                            cwd=CHECKOUT, capture_output=True, text=True, check=True).stdout
    return set(listed.splitlines())


@pytest.fixture(scope="module", autouse=True)
def checkout_untouched(request: pytest.FixtureRequest) -> Iterator[None]:
    """Fails the last test of a module whose tests left a file in the checkout (audio_cache/
    included). Once a module, not once a test: asking git takes about 40 ms."""
    if not (CHECKOUT / ".git").exists():  # an unpacked sdist: nothing to compare with
        yield
        return
    before = _checkout_files()
    yield
    written = _checkout_files() - before
    assert not written, f"a test in {request.module.__name__} wrote into the checkout: {sorted(written)}"
