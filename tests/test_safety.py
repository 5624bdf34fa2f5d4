"""Nothing lost: outputs never replace an input, a node or a link; partial files never pile up."""
from __future__ import annotations

import fcntl
import os
import shutil
import signal
import socket
import stat
import subprocess
import sys
import wave
from pathlib import Path

import pytest

from voicecoach.files import atomic_output, read_regular

from helpers import interrupt_while_writing, one_line, voicecoach

SHORT = "title: Short\nexercises:\n  - {name: Bridge, setup: Lie on your back., hold: 5s}\n"


@pytest.fixture(scope="module")
def warm(tmp_path_factory):
    """A short routine file and a cache already holding its speech."""
    folder = tmp_path_factory.mktemp("safety")
    routine = folder / "short.yaml"
    routine.write_text(SHORT)
    cache = folder / "cache"
    assert voicecoach("show", str(routine), cache=cache).returncode == 0
    return routine, cache


@pytest.mark.parametrize("command, name", [("render", "r.wav"), ("export", "r.mp3")])
def test_an_output_that_is_the_routine_file_is_refused(warm, tmp_path, command, name):
    _, cache = warm
    routine = tmp_path / name  # a routine file that happens to carry the output's extension
    routine.write_text(SHORT)
    result = voicecoach(command, str(routine), "-o", str(routine), cache=cache)
    assert result.returncode == 1
    assert one_line(result) == (f"voicecoach: cannot write {routine}: it is the routine file this "
                                "command reads; choose another output name")
    assert routine.read_text() == SHORT


@pytest.mark.parametrize("args, expected", [
    (["render", "-o", "x.mp3"], "a WAV file is written, so the name must end in .wav (for example x.wav)"),
    (["export", "-o", "x.wav"], "an MP3 file is written, so the name must end in .mp3 (for example x.mp3)"),
    (["export", "--captions", "-o", "x.vtt"], "an MP3 file is written, so the name must end in .mp3 "
                                              "(for example x.mp3)"),
])
def test_an_output_name_must_match_its_format(warm, tmp_path, args, expected):
    routine, cache = warm
    command, *rest = args
    result = voicecoach(command, str(routine), *rest, cache=cache, cwd=tmp_path)
    assert result.returncode == 1
    assert one_line(result) == f"voicecoach: cannot write {rest[-1]}: {expected}"
    assert [p.name for p in tmp_path.iterdir()] == []


def test_captions_sit_beside_the_mp3_without_replacing_it(warm, tmp_path):
    routine, cache = warm
    result = voicecoach("export", str(routine), "--captions", "-o", "x.mp3", cache=cache, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["x.lrc", "x.mp3", "x.vtt"]
    assert (tmp_path / "x.mp3").read_bytes()[:3] == b"ID3"


def test_a_fifo_a_device_or_a_socket_is_never_replaced(warm, tmp_path):
    routine, cache = warm
    fifo = tmp_path / "pipe.wav"
    os.mkfifo(fifo)
    result = voicecoach("render", str(routine), "-o", str(fifo), cache=cache)
    assert result.returncode == 1
    assert one_line(result) == (f"voicecoach: cannot write {fifo}: it is a FIFO (named pipe); "
                                "give the name of a regular file")
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    sock_path = tmp_path / "s.mp3"
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(sock_path))
    result = voicecoach("export", str(routine), "-o", str(sock_path), cache=cache)
    assert result.returncode == 1 and "it is a socket" in one_line(result)
    assert stat.S_ISSOCK(os.lstat(sock_path).st_mode)
    server.close()
    if os.geteuid() == 0:  # a null device of our own, never the system's /dev/null
        node = tmp_path / "null.wav"
        os.mknod(node, stat.S_IFCHR | 0o666, os.makedev(1, 3))
        result = voicecoach("render", str(routine), "-o", str(node), cache=cache)
        assert result.returncode == 1 and "it is a device" in one_line(result)
        assert stat.S_ISCHR(os.lstat(node).st_mode)
        bare = tmp_path / "null"  # as /dev/null: refused as a device, not for its extension
        os.mknod(bare, stat.S_IFCHR | 0o666, os.makedev(1, 3))
        for command in ("export", "render"):
            result = voicecoach(command, str(routine), "-o", str(bare), cache=cache)
            assert one_line(result) == (f"voicecoach: cannot write {bare}: it is a device; give the "
                                        "name of a regular file")


def test_a_symlink_is_written_through_and_stays_a_link(warm, tmp_path):
    routine, cache = warm
    real = tmp_path / "real"
    real.mkdir()
    (real / "target.wav").write_bytes(b"previous")
    link = tmp_path / "link.wav"
    link.symlink_to(real / "target.wav")
    result = voicecoach("render", str(routine), "-o", str(link), cache=cache)
    assert result.returncode == 0, result.stderr
    assert link.is_symlink() and os.readlink(link) == str(real / "target.wav")
    with wave.open(str(real / "target.wav")) as handle:
        assert handle.getnframes() > 0
    assert sorted(p.name for p in real.iterdir()) == ["target.wav"]


def test_split_makes_only_the_last_folder(warm, tmp_path):
    routine, cache = warm
    target = tmp_path / "nonexistent" / "dir" / "sp"
    result = voicecoach("export", str(routine), "--split", "-o", str(target), cache=cache)
    assert result.returncode == 1
    assert one_line(result) == (f"voicecoach: cannot write {target}: the folder {target.parent} "
                                "does not exist")
    assert not (tmp_path / "nonexistent").exists()
    made = voicecoach("export", str(routine), "--split", "-o", str(tmp_path / "sp"), cache=cache)
    assert made.returncode == 0, made.stderr
    assert sorted(p.name for p in (tmp_path / "sp").iterdir()) == [
        "01 Introduction.mp3", "02 Bridge.mp3", "03 Finish.mp3", "short.m3u8"]


def test_an_output_name_near_the_file_system_limit_works(warm, tmp_path):
    routine, cache = warm
    name = "n" * (255 - len(".wav")) + ".wav"
    result = voicecoach("render", str(routine), "-o", str(tmp_path / name), cache=cache)
    assert result.returncode == 0, result.stderr
    assert [p.name for p in tmp_path.iterdir()] == [name]


def _hold_partial(path: Path) -> subprocess.Popen:
    """Another process that holds a writer's lock on `path`, as a live writer does."""
    code = ("import fcntl, os, sys, time; fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT); "
            "fcntl.flock(fd, fcntl.LOCK_EX); print('locked', flush=True); time.sleep(60)")
    holder = subprocess.Popen([sys.executable, "-c", code, str(path)], stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline() == "locked\n"
    return holder


def test_the_next_write_removes_stale_partials_but_not_a_live_writers(tmp_path):
    target = tmp_path / "out.wav"
    stale = [tmp_path / f".out.wav.{n:08x}.partial" for n in range(3)]
    for path in stale:
        path.write_bytes(b"killed half way")
    live = tmp_path / ".out.wav.11111111.partial"
    other = tmp_path / ".other.wav.22222222.partial"
    other.write_bytes(b"another target's")
    holder = _hold_partial(live)
    try:
        with atomic_output(target) as handle:
            handle.write(b"whole")
        assert target.read_bytes() == b"whole"
        assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
            [target.name, live.name, other.name])
    finally:
        holder.kill()
        holder.wait()


def test_partials_of_killed_writes_do_not_pile_up(tmp_path):
    cache = tmp_path / "cache"
    assert voicecoach("show", "floor-relax", cache=cache).returncode == 0
    target = tmp_path / "long.wav"
    for _ in range(2):
        interrupt_while_writing(["render", "floor-relax", "-o", str(target)], cache, target,
                                signal.SIGKILL)
    assert len(list(tmp_path.glob(".long.wav.*.partial"))) >= 1
    result = voicecoach("render", "desk-break", "-o", str(target), cache=cache)
    assert result.returncode == 0, result.stderr
    assert list(tmp_path.glob(".long.wav.*.partial")) == []


def test_a_writer_holds_its_partial_locked_until_it_is_renamed(tmp_path):
    target = tmp_path / "out.wav"
    with atomic_output(target) as handle:
        handle.write(b"x")
        (partial,) = tmp_path.glob(".out.wav.*.partial")
        fd = os.open(partial, os.O_RDONLY)
        with pytest.raises(BlockingIOError):
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        os.close(fd)
    assert [p.name for p in tmp_path.iterdir()] == ["out.wav"]


def test_only_regular_files_are_read(tmp_path):
    fifo = tmp_path / "f"
    os.mkfifo(fifo)
    with pytest.raises(OSError, match="FIFO"):
        read_regular(fifo)
    (tmp_path / "r").write_bytes(b"abc")
    assert read_regular(tmp_path / "r", limit=2) == b"ab"


@pytest.mark.parametrize("args", [["render", "-o", "{missing}/x.wav"], ["export", "-o", "{missing}/x.mp3"],
                                  ["export", "--split", "-o", "{missing}/parts"]])
def test_a_missing_output_folder_is_said_before_any_speech_is_made(tmp_path, args):
    routine = tmp_path / "short.yaml"
    routine.write_text(SHORT)
    cache = tmp_path / "cold"
    missing = tmp_path / "no" / "such"
    given = [a.format(missing=missing) for a in args]
    result = voicecoach(given[0], str(routine), *given[1:], cache=cache)
    assert result.returncode == 1
    assert one_line(result).endswith(f"the folder {missing} does not exist")
    assert not list(cache.rglob("*.wav"))  # refused before the work, not after it
    assert not (tmp_path / "no").exists()


def _noise_wav(path: Path, seconds: float = 2.0, rate: int = 22050) -> None:
    import numpy as np

    samples = (np.random.default_rng(7).standard_normal(int(seconds * rate)) * 3000).astype("<i2")
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(samples.tobytes())


@pytest.mark.parametrize("command, target, says", [
    (["history", "--chart", "{out}.png"], "history.sqlite3", "the history database"),
    (["render", "{routine}", "-o", "{out}.wav"], "history.sqlite3", "the history database"),
    (["export", "{routine}", "-o", "{out}.mp3"], "serve-token", "serve's token file"),
    (["export", "{routine}", "-o", "{out}.mp3"], "history.sqlite3-wal", "the history database's journal"),
    (["render", "{routine}", "-o", "{out}.wav"], "notes.txt", "inside voicecoach's data folder ({data})"),
    (["export", "{routine}", "-o", "{out}.mp3"], "{entry}", "inside the speech cache ({cache})"),
    (["render", "{routine}", "-o", "{out}.wav"], "{config}", "the config file"),
])
def test_an_output_that_leads_to_a_file_voicecoach_keeps_is_refused(warm, tmp_path, history_data,
                                                                     monkeypatch, command, target, says):
    """Whatever link leads there: the history and its journal, the token, the data folder, the
    speech cache, the config file. Each is named, and left exactly as it was."""
    routine, cache = warm
    assert voicecoach("log", "--routine", "desk-break").returncode == 0
    (history_data / "serve-token").write_text("x" * 32 + "\n")
    (history_data / "notes.txt").write_text("mine\n")
    config = tmp_path / "config.toml"
    config.write_text('pace = "normal"\n')
    monkeypatch.setenv("VOICECOACH_CONFIG", str(config))
    entry = next(p for p in cache.rglob("*.wav"))
    places = {"entry": entry, "config": config}
    victim = Path(target.format(**places)) if target.startswith("{") else history_data / target
    link = tmp_path / ("out" + Path(command[-1]).suffix)
    link.symlink_to(victim)
    before = victim.read_bytes() if victim.exists() else None
    args = [a.format(routine=routine, out=tmp_path / "out") for a in command]
    result = voicecoach(*args, cache=cache)
    assert result.returncode == 1
    assert one_line(result) == (f"voicecoach: cannot write {link}: it is "
                                f"{says.format(data=history_data, cache=cache)}; choose another output name")
    assert (victim.read_bytes() if victim.exists() else None) == before
    assert link.is_symlink()


def test_today_export_through_a_link_to_the_history_is_refused(tmp_path, history_data):
    assert voicecoach("program", "start", "three-exercises-daily", "--yes").returncode == 0
    database = history_data / "history.sqlite3"
    before = database.read_bytes()
    link = tmp_path / "x.mp3"
    link.symlink_to(database)
    result = voicecoach("today", "--export", "-o", str(link))
    assert result.returncode == 1
    assert one_line(result) == (f"voicecoach: cannot write {link}: it is the history database; "
                                "choose another output name")
    assert database.read_bytes() == before


def test_an_output_that_is_the_bed_file_is_named_as_the_bed(warm, tmp_path):
    routine, cache = warm
    bed = tmp_path / "mybed.wav"
    _noise_wav(bed)
    before = bed.read_bytes()
    result = voicecoach("render", str(routine), "--bed", str(bed), "-o", str(bed), cache=cache)
    assert result.returncode == 1
    assert one_line(result) == (f"voicecoach: cannot write {bed}: it is the bed file this command "
                                "reads; choose another output name")
    assert bed.read_bytes() == before


def test_internal_files_are_never_written_through_a_link(warm, tmp_path, history_data):
    """A history database or a speech cache entry that is a link to another file: that file is
    left as it was (the history is refused, the entry is made again in the link's place)."""
    routine, cache = warm
    victim = tmp_path / "victim.txt"
    victim.write_text("precious\n")
    empty = tmp_path / "empty"  # SQLite would take an empty file for a new database
    empty.write_bytes(b"")
    history_data.mkdir()
    (history_data / "history.sqlite3").symlink_to(empty)
    result = voicecoach("log", "--routine", str(routine))
    assert result.returncode == 1
    assert one_line(result).startswith(f"voicecoach: {history_data / 'history.sqlite3'}: this is a link; "
                                       "voicecoach never writes its history through a link")
    assert empty.read_bytes() == b""
    own = tmp_path / "cache"
    shutil.copytree(cache, own)
    entry = next(own.rglob("*.wav"))
    entry.unlink()
    entry.symlink_to(victim)
    assert voicecoach("render", str(routine), "-o", str(tmp_path / "r.wav"), cache=own).returncode == 0
    assert victim.read_text() == "precious\n"
    assert not entry.is_symlink() and entry.read_bytes()[:4] == b"RIFF"
