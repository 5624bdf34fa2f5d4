"""A damaged cache heals whatever sits where an entry was; `cache clear` says what it really did."""
from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from voicecoach.cache import Cache

from helpers import CHECKOUT, Unprivileged, unprivileged
from helpers import voicecoach as run_voicecoach

SHORT = "title: Short\nexercises:\n  - {name: Bridge, setup: Lie on your back., hold: 5s}\n"


def voicecoach(*args: str, cache: Path, user: Unprivileged | None = None, timeout: float = 120):
    """Run voicecoach with the cache named by VOICECOACH_CACHE; with `user`, as that unprivileged
    user."""
    env = dict(os.environ, VOICECOACH_CACHE=str(cache))
    if user is not None:
        # The tests' own config file sits in root's temporary folder: that user has none.
        return user.voicecoach(*args, env={**env, "VOICECOACH_CONFIG": os.devnull}, timeout=timeout)
    return run_voicecoach(*args, timeout=timeout, cwd=CHECKOUT, env=env)


@pytest.fixture(scope="module")
def user() -> Iterator[Unprivileged | None]:
    """Root ignores file permissions: as root, these tests run voicecoach as uid 65534 (from a copy
    it can read); as anyone else, as themselves."""
    if os.geteuid() != 0:
        yield None
        return
    if not shutil.which("setpriv"):
        pytest.skip("root ignores file permissions, and setpriv (util-linux) is missing to drop them")
    copy = unprivileged()
    yield copy
    shutil.rmtree(copy.folder)


@pytest.fixture()
def filled(tmp_path):
    """A cache holding the speech of a short routine, and that routine's file."""
    routine = tmp_path / "short.yaml"
    routine.write_text(SHORT)
    cache = tmp_path / "cache"
    assert voicecoach("render", str(routine), "-o", str(tmp_path / "before.wav"), cache=cache).returncode == 0
    return routine, cache


def entries(cache: Path) -> list[Path]:
    return sorted(cache.glob("??/*.wav"))


@pytest.mark.parametrize("damage", ["fifo", "folder"])
def test_an_entry_that_became_a_fifo_or_a_folder_heals(filled, tmp_path, damage):
    routine, cache = filled
    for entry in entries(cache):
        entry.unlink()
        if damage == "fifo":
            os.mkfifo(entry)
        else:
            (entry / "inside").mkdir(parents=True)
    result = voicecoach("render", str(routine), "-o", str(tmp_path / "after.wav"), cache=cache,
                        timeout=60)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "after.wav").read_bytes() == (tmp_path / "before.wav").read_bytes()
    assert all(entry.is_file() for entry in entries(cache))


def test_clear_removes_damaged_entries_and_stale_temporary_files(filled):
    _, cache = filled
    first, second, *_ = entries(cache)
    first.unlink()
    (first / "x").mkdir(parents=True)
    stale = second.parent / f".{second.name}.0badf00d.partial"
    stale.write_bytes(b"left by a killed process")
    count = len(entries(cache))
    result = voicecoach("cache", "clear", cache=cache)
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"removed {count} clips from {cache}\n"
    assert list(cache.rglob("*")) == []


def test_clear_removes_the_episodes_serve_made_and_says_so(tmp_path):
    cache = tmp_path / "cache"
    episodes = cache / "episodes"
    episodes.mkdir(parents=True)
    for name in ("desk-break-0123456789ab", "floor-relax-beginner-ba9876543210"):
        for suffix in (".mp3", ".vtt", ".chapters.json", ".json"):
            (episodes / f"{name}{suffix}").write_bytes(b"x" * 1000)
    (episodes / ".desk-break-1111111111ab.mp3.0badf00d.partial").write_bytes(b"left by a kill")
    shown = voicecoach("cache", cache=cache)
    assert shown.stdout == f"{cache}\n0 clips, 0.0 MB; 2 episodes made for serve, 0.0 MB\n"
    result = voicecoach("cache", "clear", cache=cache)
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"removed 0 clips and 2 episodes made for serve from {cache}\n"
    assert list(episodes.iterdir()) == []


@pytest.fixture()
def shared_cache(filled):
    """The filled cache, moved where an unprivileged user can reach it."""
    _, cache = filled
    folder = Path(tempfile.mkdtemp(prefix="vc-cache-"))
    os.chmod(folder, 0o755)
    moved = folder / "cache"
    shutil.copytree(cache, moved)
    for path in [moved, *moved.rglob("*")]:
        os.chmod(path, 0o755 if path.is_dir() else 0o644)
    yield moved
    for path in [moved, *moved.rglob("*")]:
        if path.is_dir():
            os.chmod(path, 0o755)
    shutil.rmtree(folder)


def test_clear_on_a_read_only_cache_says_what_it_did_and_fails(shared_cache, user):
    count = len(entries(shared_cache))
    result = voicecoach("cache", "clear", cache=shared_cache, user=user)
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr == (f"voicecoach: could not clear the cache at {shared_cache}: removed 0 "
                             f"clips, {count} could not be removed (Permission denied)\n")
    assert len(entries(shared_cache)) == count


@pytest.mark.parametrize("args", [["cache"], ["cache", "clear"]])
@pytest.mark.parametrize("locked", ["root", "subfolder"])
def test_an_unreadable_cache_is_one_line(shared_cache, user, args, locked):
    folder = shared_cache if locked == "root" else entries(shared_cache)[0].parent
    os.chmod(folder, 0o000)
    result = voicecoach(*args, cache=shared_cache, user=user)
    assert result.returncode == 1
    assert result.stderr == f"voicecoach: cannot read the cache at {folder}: Permission denied\n"


def test_a_live_writers_temporary_file_survives_clear(tmp_path):
    cache = Cache(tmp_path / "c")
    cache.put("ab" + "0" * 62, b"\x01\x00" * 10, 22050)
    folder = tmp_path / "c" / "ab"
    live = folder / ".x.wav.12345678.partial"
    import fcntl
    fd = os.open(live, os.O_RDWR | os.O_CREAT)
    fcntl.flock(fd, fcntl.LOCK_EX)
    try:
        assert cache.clear() == 1
        assert [p.name for p in folder.iterdir()] == [live.name]
    finally:
        os.close(fd)
