"""Offline speech, whatever the engine: text in, cached clip of exact length out.

An engine (`engines/`) speaks a line at its own sample rate; here it is resampled to the session's,
trimmed, brought to the session loudness and faded (audio.py), and kept in the content-addressed
cache under a key naming the engine and its version, the voice, the pace and the text. Lines are
made by forked worker processes, one per core, in the order they are asked for; their lengths
arrive as they are made, so playback can start before the last line exists (`Making`). What is
known of the lines, their lengths and which are on their way, has one owner (`Lengths`) behind one
lock: the making thread writes it, the player's thread and the planner read it.
"""
from __future__ import annotations

import contextlib
import json
import os
import select
import signal
import struct
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from typing import NotRequired, TypedDict

from . import interrupts
from .cache import Cache, Entry, make_key
from .engines import Choice, Voice, all_voices, resolve
from .errors import OutputError, SpeechError, VoicecoachError
from .settings import PACES, SAMPLE_RATE, Settings
from .sounds import TONE_FORMAT, TONES

# bump when the clip pipeline (audio.py: resampling, trim, loudness, limiter, fades) changes; 4: loudness
# by loudness.py, not pyloudnorm; soxr, not scipy; the limiter on every clip
FORMAT_VERSION = 4
POLL_S = 0.1
STOP_WAIT_S = 5.0

# (lines made, the line just made) -> None; a ProgressFactory makes one for a number of lines
Progress = Callable[..., None]
ProgressFactory = Callable[[int], Progress | None]


def list_voices() -> list[Voice]:
    """Every installed engine's voices."""
    return all_voices()


def resolve_voice(wanted: str | None) -> Choice:
    """The engine and voice for a voice id or an espeak voice's name; UnknownVoice if none."""
    return resolve(wanted)


class Lengths:
    """What is known of a Speech's lines: each one's length in samples, which are on their way
    (claimed by a Making), and how many were made here. One lock guards it all, and its condition
    is the one every waiter waits on: a Making keeps its own state under it too, so a line that
    arrives wakes whoever waits for it, whichever Making made it."""

    def __init__(self) -> None:
        self.changed = threading.Condition()  # reentrant: a Making holds it while it asks here
        self._samples: dict[str, int] = {}
        self._coming: set[str] = set()
        self._made = 0

    def get(self, text: str) -> int | None:
        with self.changed:
            return self._samples.get(text)

    def __contains__(self, text: object) -> bool:
        with self.changed:
            return text in self._samples

    @property
    def made(self) -> int:
        with self.changed:
            return self._made

    def coming(self, text: str) -> bool:
        with self.changed:
            return text in self._coming

    def claim(self, texts: Iterable[str]) -> list[str]:
        """The lines neither known nor on their way, each once and in order, now on their way."""
        with self.changed:
            claimed = [t for t in dict.fromkeys(texts) if t not in self._samples and t not in self._coming]
            self._coming.update(claimed)
            return claimed

    def learn(self, text: str, samples: int, made: bool = False) -> None:
        """A line's length, from the cache or (`made`) just made; whoever waits for it is woken."""
        with self.changed:
            self._samples[text] = samples
            self._coming.discard(text)
            self._made += made
            self.changed.notify_all()

    def release(self, texts: Iterable[str]) -> None:
        """Lines a Making will not make after all (it stopped or failed): no longer on their way."""
        with self.changed:
            self._coming.difference_update(texts)
            self.changed.notify_all()

    def settled(self, texts: Iterable[str]) -> bool:
        """Every line known, or one that is neither known nor on its way (nobody will make it)."""
        with self.changed:
            return all(t in self._samples for t in texts) or any(
                t not in self._samples and t not in self._coming for t in texts)


class Speech:
    """Spoken lines and cue tones as cached, loudness-matched clips at the session's rate."""

    def __init__(self, voice: str | Choice | None = None,
                 words_per_minute: int = PACES["normal"].words_per_minute, cache: Cache | None = None,
                 sample_rate: int = SAMPLE_RATE, jobs: int | None = None):
        self.choice = voice if isinstance(voice, Choice) else resolve(voice)
        self.words_per_minute = words_per_minute
        self.cache = cache or Cache()
        self.sample_rate = sample_rate
        self.jobs = max(1, jobs or os.cpu_count() or 1)
        self.lengths = Lengths()

    @classmethod
    def of(cls, settings: Settings, cache: Cache | None = None) -> Speech:
        """The speech a session at these settings uses: its voice and pace."""
        return cls(voice=settings.voice, words_per_minute=settings.words_per_minute, cache=cache)

    @property
    def synthesized(self) -> int:
        """Clips made for this instance (by its workers or here): tests and benchmarks read it."""
        return self.lengths.made

    # keys ----------------------------------------------------------------
    @property
    def engine_id(self) -> str:
        return self.choice.engine.identity()

    @property
    def voice(self) -> str | None:
        """The engine's own name for the voice (None: its default), as the cache key holds it."""
        return self.choice.voice.native if self.choice.voice else None

    def key(self, text: str) -> str:
        # "rate" is the key's name for words per minute since the first cache: kept, so caches stay
        # valid; espeak keys are unchanged since there was one engine (the engine id names it)
        return make_key(kind="speech", engine=self.engine_id, voice=self.voice, rate=self.words_per_minute,
                        text=text, format=FORMAT_VERSION, sample_rate=self.sample_rate)

    def tone_key(self, name: str) -> str:
        tone = TONES[name]
        return make_key(kind="tone", tone=repr(tone), format=TONE_FORMAT,
                        clip_format=FORMAT_VERSION, sample_rate=self.sample_rate)

    # lines ---------------------------------------------------------------
    def prepare(self, texts: Iterable[str], progress: ProgressFactory | None = None) -> int:
        """Make every line not yet cached, on all cores; return how many were missing. A line
        another Making has on its way is waited for, not made again."""
        missing = self.missing(texts)
        left = missing
        while left:  # again only for a line another Making gave up on (it stopped or failed)
            with self.making(left, progress(len(left)) if progress else None) as making:
                making.wait(left)
            left = self.missing(left)
        return len(missing)

    def making(self, texts: Iterable[str], progress: Progress | None = None,
               tones: bool = False) -> Making:
        """Start making the lines not yet cached in the background, in this order (and the cue
        tones, when asked, after the first line)."""
        return Making(self, self.missing(texts), progress, tones)

    def missing(self, texts: Iterable[str]) -> list[str]:
        """The lines not yet cached (their lengths are learnt for the ones that are); a line on
        its way is among them until it is made."""
        missing = []
        for text in dict.fromkeys(texts):
            if text not in self.lengths:
                entry = self.cache.get(self.key(text))  # the key covers the sample rate
                if entry is not None:
                    self.lengths.learn(text, entry.samples)
                else:
                    missing.append(text)
        return missing

    def known_length(self, text: str) -> int | None:
        return self.lengths.get(text)

    def length(self, text: str) -> int:
        """The exact length of the line's clip, in samples at the session's rate (made, or waited
        for while a Making has it on its way, when it is not known yet)."""
        known = self.lengths.get(text)
        if known is None:
            self.prepare([text])
            known = self.lengths.get(text)
        assert known is not None, text  # prepare() raises rather than leave a line unknown
        return known

    def clip(self, text: str) -> bytes:
        """The line's PCM; a damaged entry is made again, to the same bytes."""
        entry = self.cache.get(self.key(text))
        if entry is None:
            self.lengths.learn(text, self.make(text), made=True)
            entry = self.cache.get(self.key(text))
            if entry is None:
                raise SpeechError(text, f"the cache at {self.cache.root} cannot keep clips")
        return entry.pcm

    def tone(self, name: str) -> bytes:
        key = self.tone_key(name)
        entry = self.cache.get(key)
        if entry is None:
            from . import audio  # numpy, soxr, pydub: for making sound only, never at start-up

            entry = self._store(key, audio.tone(name, self.sample_rate))
        return entry.pcm

    # making clips --------------------------------------------------------
    def make(self, text: str) -> int:
        """Speak one line with the engine, finish it and cache it; its length in samples. Runs in
        a worker process or, to heal one entry, in this one (engines never keep state here).
        The caller counts it (Lengths.learn)."""
        from . import audio  # numpy, soxr, pydub: for making sound only, never at start-up

        pcm, rate = self.choice.engine.synthesize(text, self.choice.voice, self.words_per_minute)
        if len(pcm) % 2:
            raise SpeechError(text, "the engine wrote an unreadable file (an odd number of bytes)")
        pcm = audio.finish(audio.resample(pcm, rate, self.sample_rate), self.sample_rate, trim_edges=True)
        if not pcm:
            raise SpeechError(text, "the engine produced no sound for it")
        return self._store(self.key(text), pcm).samples

    def _store(self, key: str, pcm: bytes) -> Entry:
        try:
            return self.cache.put(key, pcm, self.sample_rate)
        except OSError as exc:
            raise OutputError(str(self.cache.root), exc.strerror or str(exc)) from None


class Making:
    """Lines made in the background, in the order asked, by forked workers (one per core).

    The workers are forked when this is made, before its thread starts, so no process is forked
    from a process with a second thread; the thread hands each idle worker the next line and
    records each length as it arrives, in the speech's Lengths. A line already on its way in
    another Making is not made again. `wait()` blocks until the lines asked for exist; `first()`
    moves lines to the front of the queue. Use it as a context manager: leaving stops the workers.
    Its own state is kept under the Lengths' lock, the one lock of everything it shares.
    """

    def __init__(self, speech: Speech, texts: list[str], progress: Progress | None = None,
                 tones: bool = False):
        self.speech = speech
        self._lengths = speech.lengths
        self._changed = speech.lengths.changed
        texts = self._lengths.claim(texts)
        self.total = len(texts)
        self.made = 0
        self.current: str | None = None  # the latest line handed to a worker, for a status line
        self.error: VoicecoachError | None = None
        self._queue = deque(texts)
        self._busy: dict[int, str] = {}  # worker index -> the line it is making
        self._progress = progress
        self._stopping = False
        self._workers: list[_Worker] = []
        self._thread: threading.Thread | None = None
        if not texts:
            return
        speech.engine_id  # noqa: B018 - fail here, with one clear line, when there is no engine
        # audio.py (numpy, soxr) is imported by each worker as it makes its first line, never
        # here: a parent that plays as soon as the first line exists must not wait for it
        if not hasattr(os, "fork"):  # pragma: no cover - Windows: one line after another, here
            try:
                while self._queue:
                    self._record(self._queue[0], speech.make(self._queue[0]))
                    self._queue.popleft()
            finally:
                self._lengths.release(self._queue)
            return
        self._results, results_in = os.pipe()
        try:
            for index in range(min(speech.jobs, len(texts))):
                self._workers.append(_Worker.fork(index, speech, results_in, self._results,
                                                  tones and index == 0))
        except BaseException:
            self._lengths.release(texts)
            for worker in self._workers:
                worker.stop()
            os.close(self._results)
            raise
        finally:
            os.close(results_in)
        self._thread = threading.Thread(target=self._run, name="voicecoach-making", daemon=True)
        self._thread.start()

    def __enter__(self) -> Making:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def done(self) -> bool:
        return self.made >= self.total or self.error is not None

    def add(self, texts: Iterable[str]) -> None:
        """Make these lines too, after the others, unless they are made or on their way (here
        or in another Making)."""
        with self._changed:
            if self._stopping or self.error is not None:
                return
            added = self._lengths.claim(texts)
            self._queue.extend(added)
            self.total += len(added)

    def first(self, texts: Iterable[str], add: bool = False) -> None:
        """Make these lines before the others still waiting (adding them, if asked)."""
        texts = list(texts)
        if add:
            self.add(texts)
        with self._changed:
            wanted = [t for t in dict.fromkeys(texts) if t in self._queue]
            for text in reversed(wanted):
                self._queue.remove(text)
                self._queue.appendleft(text)

    def wait(self, texts: Iterable[str], timeout: float | None = None) -> bool:
        """Until every line given has its length (True), or the timeout passes (False); the
        first error of any line is raised here. Also False as soon as a line given is neither
        known nor on its way (another Making that had it stopped or failed): nobody will make it."""
        wanted = list(texts)
        lengths = self._lengths
        with self._changed:
            self._changed.wait_for(lambda: self.error is not None or self._stopping
                                   or lengths.settled(wanted), timeout)
            if self.error is not None:
                raise self.error
            return all(t in lengths for t in wanted)

    def wait_more(self, seen: int, timeout: float) -> None:
        """Until more than `seen` lines are made, all are, or the timeout passes."""
        with self._changed:
            self._changed.wait_for(lambda: self.made > seen or self.done or self._stopping, timeout)
            if self.error is not None:
                raise self.error

    def close(self) -> None:
        with self._changed:
            self._stopping = True
            self._changed.notify_all()
        if self._thread is not None:
            self._thread.join()
        with self._changed:  # what it will not make is no longer on its way: another may make it
            self._lengths.release([*self._queue, *self._busy.values()])
            self._queue.clear()
            self._busy.clear()
        for worker in self._workers:
            worker.stop()
        self._workers = []
        if self._thread is not None:
            os.close(self._results)
            self._thread = None

    # the thread ----------------------------------------------------------
    def _record(self, text: str, samples: int) -> None:
        with self._changed:
            self._lengths.learn(text, samples, made=True)  # wakes every waiter
            self.made += 1
        if self._progress:
            self._progress(1, text)

    def _fail(self, error: VoicecoachError) -> None:
        with self._changed:
            self.error = error
            self._lengths.release([*self._queue, *self._busy.values()])
            self._queue.clear()
            self._busy.clear()
            self._changed.notify_all()

    def _run(self) -> None:
        busy = self._busy
        reader = _Messages(self._results)
        try:
            while not self._stopping:  # lines may be added until it is closed
                with self._changed:
                    for index, worker in enumerate(self._workers):
                        if index not in busy and self._queue:
                            busy[index] = self.current = self._queue.popleft()
                            worker.give(busy[index])
                for message in reader.read(POLL_S):
                    if "error" in message:
                        self._fail(VoicecoachError(message["error"]))
                        return
                    with self._changed:
                        text = busy.pop(message["worker"])
                    self._record(text, message["samples"])
                for index in list(busy):
                    if not self._workers[index].alive():
                        self._fail(SpeechError(busy[index], "the speech engine stopped unexpectedly"))
                        return
        except OSError as exc:  # a pipe to a worker broke: report it, never hang a waiter
            self._fail(SpeechError(self.current or "", f"a speech worker failed ({exc})"))


class _Message(TypedDict):
    """What a worker says of the line it was given: its length, or why it could not be made."""

    worker: int
    samples: NotRequired[int]
    error: NotRequired[str]


class _Messages:
    """Newline-delimited JSON from the workers' shared pipe (each message one atomic write)."""

    def __init__(self, fd: int):
        self.fd = fd
        self.pending = b""

    def read(self, timeout: float) -> Iterator[_Message]:
        ready, _, _ = select.select([self.fd], [], [], timeout)
        if ready:
            self.pending += os.read(self.fd, 65536)
        while b"\n" in self.pending:
            line, self.pending = self.pending.split(b"\n", 1)
            yield json.loads(line)


class _Worker:
    """One forked process: reads lines from its own pipe, makes each, reports on the shared pipe."""

    def __init__(self, pid: int, lines_out: int):
        self.pid = pid
        self.lines_out = lines_out

    @classmethod
    def fork(cls, index: int, speech: Speech, results_in: int, results_out: int,
             tones: bool) -> _Worker:
        lines_in, lines_out = os.pipe()
        with interrupts.held():  # no signal handler may run inside fork's own bookkeeping
            pid = os.fork()
            if pid == 0:
                cls._serve_forever(speech, lines_in, lines_out, results_in, results_out, index, tones)
        os.close(lines_in)
        return cls(pid, lines_out)

    @staticmethod
    def _serve_forever(speech: Speech, lines_in: int, lines_out: int, results_in: int,
                       results_out: int, index: int, tones: bool) -> None:
        """The worker process: never returns into the parent's code."""
        code = 0
        try:
            # Ctrl-C and SIGTERM unwind the line being made (its scratch files removed, its
            # own children ended), as in the parent; close() stops a worker with SIGTERM
            interrupts.in_child()
            interrupts.install()
            os.close(lines_out)
            os.close(results_out)
            null = os.open(os.devnull, os.O_WRONLY)
            os.dup2(null, 1)
            os.dup2(null, 2)
            _serve(speech, lines_in, results_in, index, tones)
        except BaseException:
            code = 1
        finally:
            os._exit(code)

    def give(self, text: str) -> None:
        data = text.encode("utf-8")
        os.write(self.lines_out, struct.pack("<I", len(data)) + data)

    def alive(self) -> bool:
        try:
            finished, _ = os.waitpid(self.pid, os.WNOHANG)
        except ChildProcessError:
            return False
        if finished:
            self.pid = 0
        return not finished

    def stop(self) -> None:
        """SIGTERM, so the line being made unwinds; SIGKILL if it has not ended in a few seconds
        (a line half made is never cached: writes are atomic)."""
        with contextlib.suppress(OSError):
            os.close(self.lines_out)
        if not self.pid:
            return
        with contextlib.suppress(OSError):
            os.kill(self.pid, signal.SIGTERM)
            deadline = time.monotonic() + STOP_WAIT_S
            while not os.waitpid(self.pid, os.WNOHANG)[0]:
                if time.monotonic() > deadline:
                    os.kill(self.pid, signal.SIGKILL)
                    os.waitpid(self.pid, 0)
                    break
                time.sleep(0.005)
        self.pid = 0


def _read_exactly(fd: int, size: int) -> bytes | None:
    data = b""
    while len(data) < size:
        chunk = os.read(fd, size - len(data))
        if not chunk:
            return None
        data += chunk
    return data


def _serve(speech: Speech, lines_in: int, results_in: int, index: int, tones_due: bool) -> None:
    """A worker's loop: until the parent closes its pipe, make each line and say how long it is;
    the cue tones too after the first line, when asked (for playback, which should not stop to
    make them)."""
    while True:
        header = _read_exactly(lines_in, 4)
        if header is None:
            return
        data = _read_exactly(lines_in, struct.unpack("<I", header)[0])
        if data is None:
            return
        text = data.decode("utf-8")
        try:
            message: _Message = {"worker": index, "samples": speech.make(text)}
        except VoicecoachError as error:
            message = {"worker": index, "error": str(error)[:1000]}
        except Exception as exc:  # noqa: BLE001 - reported as the line's error, never a hang
            failed = SpeechError(text, f"{type(exc).__name__}: {exc}")
            message = {"worker": index, "error": str(failed)[:1000]}
        os.write(results_in, json.dumps(message).encode("utf-8") + b"\n")
        if tones_due:
            tones_due = False
            with contextlib.suppress(VoicecoachError):  # the player makes any that failed, later
                for name in TONES:
                    speech.tone(name)


__all__ = ["Speech", "Making", "Voice", "list_voices", "resolve_voice"]
