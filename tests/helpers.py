"""What the tests share: one way to run the real command (piped or on a terminal), the real server
(`serve`) on loopback, one WAV reader."""
from __future__ import annotations

import http.client
import json
import os
import pty
import re
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import wave
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import numpy as np
import pytest

CHECKOUT = Path(__file__).resolve().parents[1]
NOBODY = ("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups")  # no privileges, no groups


def command(*args: str, cache: Path | None = None) -> list[str]:
    """`python -m voicecoach [--cache-dir CACHE] ARGS`, the entry point a user runs."""
    cache_option = ["--cache-dir", str(cache)] if cache is not None else []
    return [sys.executable, "-m", "voicecoach", *cache_option, *args]


def voicecoach(*args: str, cache: Path | None = None, env: dict[str, str] | None = None,
               cwd: Path | None = None, stdin: int | None = subprocess.DEVNULL,
               wrapper: Sequence[str] = (), timeout: float = 300) -> subprocess.CompletedProcess[str]:
    """Run voicecoach in a subprocess with its output piped, as a script would; `wrapper` goes
    before the command (e.g. a namespace that hides a library)."""
    return subprocess.run([*wrapper, *command(*args, cache=cache)], capture_output=True, text=True,
                          timeout=timeout, env=env, cwd=cwd, stdin=stdin)


def on_terminal(*args: str, cache: Path | None = None, env: dict[str, str] | None = None,
                answer: Callable[[bytes], bytes | None] | Sequence[Callable[[bytes], bytes | None]] = (),
                timeout: float = 120) -> tuple[int, str]:
    """Run voicecoach on a real terminal (a pty for stdin, stdout and stderr); return its exit code
    and everything it wrote. `answer` sees the output so far and returns keys to type, once; a
    list of them answer in turn (a key, then a question asked after it)."""
    answers = [answer] if callable(answer) else list(answer)
    argv = command(*args, cache=cache)
    pid, fd = pty.fork()
    if pid == 0:  # the child: voicecoach on the terminal
        os.execve(argv[0], argv, env if env is not None else dict(os.environ))
    output = b""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.05)
        if not ready:
            continue
        try:
            chunk = os.read(fd, 4096)
        except OSError:  # the terminal closes when voicecoach exits
            break
        if not chunk:
            break
        output += chunk
        keys = answers[0](output) if answers else None
        if keys:
            os.write(fd, keys)
            answers.pop(0)
    else:
        os.kill(pid, 9)
    _, status = os.waitpid(pid, 0)
    os.close(fd)
    return os.waitstatus_to_exitcode(status), output.decode(errors="replace")


def keys_when(prompt: bytes, keys: bytes) -> Callable[[bytes], bytes | None]:
    """An `answer` for on_terminal: type `keys` once `prompt` has been written."""
    return lambda output: keys if prompt in output else None


@dataclass(frozen=True)
class Unprivileged:
    """voicecoach run as uid 65534 (for a test of file permissions, which root ignores) from a copy
    of the package and its libraries that this user can read: the checkout may sit in a private
    folder (a clone in /root, mode 0700), and so may the virtualenv in it."""

    folder: Path  # voicecoach/ and site-packages/, readable and searchable by everyone
    python: str  # the interpreter itself, not the virtualenv's link to it inside the checkout

    def voicecoach(self, *args: str, env: dict[str, str],
                   timeout: float = 120) -> subprocess.CompletedProcess[str]:
        path = os.pathsep.join([str(self.folder), str(self.folder / "site-packages")])
        return subprocess.run([*NOBODY, self.python, "-m", "voicecoach", *args], capture_output=True,
                              text=True, timeout=timeout, cwd=self.folder, stdin=subprocess.DEVNULL,
                              env={**env, "PYTHONPATH": path})


def unprivileged() -> Unprivileged:
    """Makes the copy (files hard-linked where the file system allows, else copied); skips the
    test, saying why, when uid 65534 cannot run the interpreter. Remove `folder` when done."""
    import yaml  # any library installed beside voicecoach: its folder is the site-packages to copy

    import voicecoach

    python = os.path.realpath(sys.executable)
    if subprocess.run([*NOBODY, python, "-c", "import encodings"], capture_output=True,
                      cwd="/").returncode != 0:
        pytest.skip(f"uid 65534 cannot run {python} (a folder above it is private): the tests "
                    "that drop privileges need an interpreter every user can run")
    folder = Path(tempfile.mkdtemp(prefix="vc-unprivileged-"))
    folder.chmod(0o755)

    def link(source: str, target: str) -> None:
        try:
            os.link(source, target)
        except OSError:  # another file system
            shutil.copy2(source, target)

    shutil.copytree(Path(voicecoach.__file__).parent, folder / "voicecoach", copy_function=link,
                    ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(Path(yaml.__file__).parents[1], folder / "site-packages", copy_function=link,
                    symlinks=True, ignore=shutil.ignore_patterns("voicecoach", "__editable__*"))
    return Unprivileged(folder, python)


def one_line(result: subprocess.CompletedProcess[str]) -> str:
    """The one line a failing command printed, with no traceback."""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    return lines[0]


def interrupt_while_writing(args: list[str], cache: Path, target: Path, how: int,
                            settle: float = 0.0) -> bytes:
    """Start `voicecoach ARGS`, send `how` once its partial output file appears; return stderr."""
    process = subprocess.Popen(command(*args, cache=cache), stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while not list(target.parent.glob(f".{target.name}.*.partial")) and time.monotonic() < deadline:
        time.sleep(0.001)
    time.sleep(settle)
    process.send_signal(how)
    _, stderr = process.communicate(timeout=60)
    return stderr


@dataclass
class Running:
    process: subprocess.Popen
    url: str  # http://127.0.0.1:PORT/TOKEN/
    stderr: Path

    @property
    def host(self) -> str:
        return urlsplit(self.url).netloc

    @property
    def token(self) -> str:
        return urlsplit(self.url).path.strip("/")

    def request(self, method: str, path: str, headers: dict[str, str] | None = None,
                body: bytes | None = None) -> tuple[int, dict[str, str], bytes]:
        """`path` as given, sent as it is (no normalising): relative to the token unless it
        starts with a slash."""
        raw = path if path.startswith("/") else f"/{self.token}/{path}"
        connection = http.client.HTTPConnection(self.host, timeout=120)
        try:
            connection.request(method, raw, body=body, headers=headers or {})
            response = connection.getresponse()
            return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
        finally:
            connection.close()

    def get(self, path: str, **headers: str) -> tuple[int, dict[str, str], bytes]:
        return self.request("GET", path, {k.replace("_", "-"): v for k, v in headers.items()})

    def stop(self, how: int = signal.SIGINT) -> tuple[int, str]:
        if self.process.poll() is None:
            self.process.send_signal(how)
        code = self.process.wait(timeout=60)
        return code, self.stderr.read_text()


def serving(data: Path, *args: str, log: Path, wrapper: Sequence[str] = ()) -> Running:
    """The real `voicecoach serve` on loopback, a free port; its address read from its first line.
    `wrapper` goes before the command (e.g. prlimit)."""
    env = {**os.environ, "VOICECOACH_DATA": str(data)}
    with open(log, "w") as stderr:
        process = subprocess.Popen([*wrapper, *command("serve", "--host", "127.0.0.1", "--port", "0",
                                                       "--no-qr", *args)],
                                   stdout=subprocess.PIPE, stderr=stderr, text=True, env=env)
    assert process.stdout is not None
    ready, _, _ = select.select([process.stdout], [], [], 60)
    line = process.stdout.readline() if ready else ""
    if not re.fullmatch(r"http://127\.0\.0\.1:\d+/[A-Za-z0-9_-]{16,}/\n", line):
        process.kill()
        process.wait()
        pytest.fail(f"no address line: {line!r}; stderr: {log.read_text()}")
    return Running(process, line.strip(), log)


def read_wav(path: Path) -> tuple[int, np.ndarray]:
    """(sample rate, int16 samples) of a WAV, which must be mono 16-bit as everything we write is."""
    with wave.open(str(path)) as handle:
        assert (handle.getnchannels(), handle.getsampwidth()) == (1, 2), path
        return handle.getframerate(), np.frombuffer(handle.readframes(handle.getnframes()), np.int16)


def loudness(path: Path) -> tuple[float, float]:
    """Integrated loudness (LUFS) and true peak (dBTP) of the decoded file, by ffmpeg's ebur128."""
    result = subprocess.run(["ffmpeg", "-hide_banner", "-nostats", "-i", str(path), "-af",
                             "ebur128=peak=true", "-f", "null", "-"], capture_output=True, text=True)
    summary = result.stderr.replace("\r", "\n").split("Summary:")[-1]
    integrated = float(re.search(r"I:\s+(-?[\d.]+) LUFS", summary).group(1))
    peak = float(re.search(r"Peak:\s+(-?[\d.]+|-inf) dBFS", summary).group(1))
    return integrated, peak


def probe(path: Path) -> dict:
    """ffprobe's reading of a media file: format, streams and chapters."""
    out = subprocess.run(["ffprobe", "-v", "error", "-show_format", "-show_streams", "-show_chapters",
                          "-of", "json", str(path)], capture_output=True, text=True, check=True)
    return json.loads(out.stdout)
