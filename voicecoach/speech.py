"""Offline speech: the only importer of pyttsx3. Text in, cached clip of exact length out.

espeak-ng keeps state from one utterance to the next (the same text comes out a few samples
different the second time in a process), so every clip is synthesized as the first utterance of
a freshly forked child that initialises the engine itself. That makes a clip depend only on its
text, voice and speaking rate: a healed cache entry, or one made by another process, is the same bytes.
Forked children also let synthesis use every core without pickling anything.
"""
from __future__ import annotations

import contextlib
import ctypes
import functools
import io
import json
import os
import platform
import tempfile
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from . import interrupts
from .cache import Cache, Entry, make_key
from .errors import SpeechEngineMissing, SpeechError, UnknownVoice
from .settings import PACES, SAMPLE_RATE
from .sounds import TONE_FORMAT, TONES

FORMAT_VERSION = 3  # bump when the clip pipeline (audio.py: trim, loudness, fades) changes
CHILD_TIMEOUT_S = 60.0
AGREEING_TAKES = 2
MAX_TAKES = 6

Progress = Callable[[int], None]
# (lines to make) -> a callback advanced by one per line made, or None to show nothing
ProgressFactory = Callable[[int], Progress | None]


@dataclass(frozen=True)
class VoiceInfo:
    id: str
    name: str
    languages: tuple[str, ...]


def engine_identity() -> str:
    """Engine name and version, part of every cache key; a clear error when there is none."""
    system = platform.system()
    try:
        from importlib.metadata import version

        import pyttsx3  # noqa: F401  (fails here when the platform driver cannot load)

        pyttsx3_version = version("pyttsx3")
    except Exception as exc:  # pragma: no cover - pyttsx3 is a dependency
        raise SpeechEngineMissing(f"pyttsx3 cannot be imported ({exc})") from None
    if system in ("Darwin", "Windows"):
        return f"pyttsx3-{pyttsx3_version}-{system.lower()}-{platform.release()}"
    try:
        with _quiet_stdout():
            from pyttsx3.drivers import _espeak
        raw = _espeak.Info(None)
    except Exception as exc:
        raise SpeechEngineMissing(f"libespeak-ng could not be loaded ({_first_line(exc)})") from None
    engine_version = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)
    return f"espeak-ng-{engine_version}-pyttsx3-{pyttsx3_version}"


def _agreed(takes: list[bytes]) -> bytes | None:
    """The file that two takes share, if any."""
    for i, take in enumerate(takes):
        if take in takes[i + 1:]:
            return take
    return None


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


@contextlib.contextmanager
def _quiet_stdout():
    with contextlib.redirect_stdout(io.StringIO()):
        yield


def _engine(voice: str | None, words_per_minute: int):
    import pyttsx3

    engine = pyttsx3.init()
    if voice:
        engine.setProperty("voice", voice)
    engine.setProperty("rate", words_per_minute)  # pyttsx3's "rate" is words per minute
    return engine


def _silence_fds() -> None:
    """In a child: the driver prints 'Audio saved to ...' and espeak may print to stderr."""
    null = os.open(os.devnull, os.O_WRONLY)
    os.dup2(null, 1)
    os.dup2(null, 2)


def _fork(work: Callable[[], None]) -> int:
    with interrupts.held():  # no signal handler may run inside fork's own bookkeeping
        pid = os.fork()
        if pid != 0:
            return pid
        # the child: do the work, never return into the parent's code; a signal just ends it
        code = 1
        try:
            interrupts.in_child()
            _silence_fds()
            work()
            code = 0
        except BaseException:
            code = 1
        finally:
            os._exit(code)


def _samples_before_events(engine) -> None:
    """Make pyttsx3's espeak driver keep the last buffer of every line.

    Its callback handles the end-of-message event (writing the file) before it appends the
    samples delivered with that event, so a line would lose its last buffer whenever espeak
    delivered both together. Found by reading the driver, not seen here (espeak 1.51 sent the
    event with no samples); appending first makes it impossible.
    """
    driver = getattr(getattr(engine, "proxy", None), "_driver", None)
    on_synth = getattr(driver, "_onSynth", None)
    if driver is None or on_synth is None or not hasattr(driver, "_data_buffer"):
        return  # not the espeak driver
    from pyttsx3.drivers import _espeak

    def in_order(wav, numsamples, events):
        if numsamples > 0 and driver._speaking:
            driver._data_buffer += ctypes.string_at(wav, numsamples * ctypes.sizeof(ctypes.c_short))
        return on_synth(wav, 0, events)

    _espeak.SetSynthCallback(in_order)


def _synthesize_to(text: str, voice: str | None, words_per_minute: int, path: str) -> None:
    engine = _engine(voice, words_per_minute)
    _samples_before_events(engine)
    # On espeak, runAndWait() can return before a longer line is written (pyttsx3 #149, #219):
    # the file is complete only when the driver reports the utterance finished.
    finished = threading.Event()
    engine.connect("finished-utterance", lambda **_: finished.set())
    with _quiet_stdout():
        engine.save_to_file(text, path)
        engine.runAndWait()
        if not finished.wait(CHILD_TIMEOUT_S):
            raise TimeoutError("the speech engine did not finish")


def list_voices() -> list[VoiceInfo]:
    """What the engine offers, asked in a child so this process never initialises espeak."""
    engine_identity()
    if not hasattr(os, "fork"):
        return _voices_here()
    read_end, write_end = os.pipe()

    def report() -> None:
        with os.fdopen(write_end, "w") as out:
            json.dump([v.__dict__ for v in _voices_here()], out)

    pid = None
    try:
        with interrupts.held():  # the pid is known before any signal can stop us
            pid = _fork(report)
        os.close(write_end)
        with os.fdopen(read_end) as incoming:
            payload = incoming.read()
        _, status = os.waitpid(pid, 0)
    except BaseException:
        if pid is not None:
            with interrupts.held(), contextlib.suppress(OSError):
                os.kill(pid, 9)
                os.waitpid(pid, 0)
        raise
    interrupts.raise_for_child(status)
    if status != 0 or not payload:
        raise SpeechEngineMissing("the speech engine failed to start")
    return [VoiceInfo(v["id"], v["name"], tuple(v["languages"])) for v in json.loads(payload)]


def _voices_here() -> list[VoiceInfo]:
    import pyttsx3

    with _quiet_stdout():
        voices = pyttsx3.init().getProperty("voices")
    found = []
    for voice in voices:
        languages = []
        for language in getattr(voice, "languages", None) or []:
            if isinstance(language, bytes):
                language = language.decode("utf-8", "ignore").lstrip("\x05")
            languages.append(str(language))
        found.append(VoiceInfo(str(voice.id), str(voice.name or voice.id), tuple(languages)))
    return found


def resolve_voice(wanted: str | None) -> str | None:
    """The engine's id for a voice given by id or name; None keeps the engine's default."""
    if not wanted:
        return None
    voices = list_voices()
    lowered = wanted.lower()
    for voice in voices:
        if lowered in (voice.id.lower(), voice.name.lower()):
            return voice.id
    raise UnknownVoice(wanted)


class Speech:
    """Spoken lines and cue tones as cached, loudness-matched clips at the session's rate."""

    def __init__(self, voice: str | None = None,
                 words_per_minute: int = PACES["normal"].words_per_minute, cache: Cache | None = None,
                 sample_rate: int = SAMPLE_RATE, jobs: int | None = None):
        self.voice = voice
        self.words_per_minute = words_per_minute
        self.cache = cache or Cache()
        self.sample_rate = sample_rate
        self.jobs = max(1, jobs or os.cpu_count() or 1)
        self._engine_id: str | None = None
        self._lengths: dict[str, int] = {}
        self.synthesized = 0  # clips made by this instance: tests and benchmarks read it

    # keys ----------------------------------------------------------------
    @property
    def engine_id(self) -> str:
        if self._engine_id is None:
            self._engine_id = engine_identity()
        return self._engine_id

    def key(self, text: str) -> str:
        # "rate" is the key's name for words per minute since the first cache: kept, so caches stay valid
        return make_key(kind="speech", engine=self.engine_id, voice=self.voice, rate=self.words_per_minute,
                        text=text, format=FORMAT_VERSION, sample_rate=self.sample_rate)

    def tone_key(self, name: str) -> str:
        tone = TONES[name]
        return make_key(kind="tone", tone=repr(tone), format=TONE_FORMAT,
                        clip_format=FORMAT_VERSION, sample_rate=self.sample_rate)

    # lines ---------------------------------------------------------------
    def prepare(self, texts: Iterable[str], progress: ProgressFactory | None = None) -> int:
        """Make every line not yet cached, on all cores; return how many were made."""
        missing = self.missing(texts)
        if missing:
            self._synthesize(missing, progress(len(missing)) if progress else None)
        return len(missing)

    def missing(self, texts: Iterable[str]) -> list[str]:
        """The lines not yet cached (their lengths are learnt for the ones that are)."""
        missing = []
        for text in dict.fromkeys(texts):
            if text not in self._lengths:
                entry = self.cache.get(self.key(text))  # the key covers the sample rate
                if entry is not None:
                    self._lengths[text] = entry.samples
                else:
                    missing.append(text)
        return missing

    def known_length(self, text: str) -> int | None:
        return self._lengths.get(text)

    def length(self, text: str) -> int:
        """The exact length of the line's clip, in samples at the session's rate."""
        if text not in self._lengths:
            self.prepare([text])
        return self._lengths[text]

    def clip(self, text: str) -> bytes:
        """The line's PCM; a damaged entry is made again, to the same bytes."""
        entry = self.cache.get(self.key(text))
        if entry is None:
            self._synthesize([text], None)
            entry = self.cache.get(self.key(text))
            if entry is None:
                raise SpeechError(text, f"the cache at {self.cache.root} cannot keep clips")
        return entry.pcm

    def tone(self, name: str) -> bytes:
        key = self.tone_key(name)
        entry = self.cache.get(key)
        if entry is None:
            from . import audio

            entry = self._store(key, audio.tone(name, self.sample_rate))
        return entry.pcm

    # making clips --------------------------------------------------------
    def _store(self, key: str, pcm: bytes) -> Entry:
        try:
            return self.cache.put(key, pcm, self.sample_rate)
        except OSError as exc:
            from .errors import OutputError

            raise OutputError(str(self.cache.root), exc.strerror or str(exc)) from None

    def _synthesize(self, texts: list[str], progress: Progress | None) -> None:
        _ = self.engine_id  # fail early, with one clear line, when there is no engine
        with tempfile.TemporaryDirectory(prefix="voicecoach-") as scratch:
            if hasattr(os, "fork"):
                self._synthesize_forked(texts, Path(scratch), progress)
            else:  # pragma: no cover - Windows
                for index, text in enumerate(texts):
                    raw = Path(scratch) / f"{index}.wav"
                    _synthesize_to(text, self.voice, self.words_per_minute, str(raw))
                    self._finish_raw(text, raw.read_bytes())
                    if progress:
                        progress(1)

    def _synthesize_forked(self, texts: list[str], scratch: Path,
                           progress: Progress | None) -> None:
        """Each line is made by two children and kept when both agree.

        Under load, espeak now and then speaks a line at its default rate instead of the one set
        (about one line in a hundred here, whatever the order of calls). A line both children made
        alike is the line as asked; when they differ, more are made until two agree.
        """
        takes: dict[int, list[bytes]] = {index: [] for index in range(len(texts))}
        pending = [index for index in takes for _ in range(AGREEING_TAKES)]
        running: dict[int, tuple[int, Path, float]] = {}
        serial = 0
        try:
            while pending or running:
                interrupts.check()
                while pending and len(running) < self.jobs:
                    index = pending.pop(0)
                    serial += 1
                    raw = scratch / f"{index}-{serial}.wav"
                    with interrupts.held():  # recorded before a signal can stop us
                        pid = _fork(functools.partial(_synthesize_to, texts[index], self.voice,
                                                      self.words_per_minute, str(raw)))
                        running[pid] = (index, raw, time.monotonic())
                done = self._reap(running)
                if done is None:
                    time.sleep(0.002)
                    continue
                pid, status = done
                index, raw, _ = running.pop(pid)
                text = texts[index]
                interrupts.raise_for_child(status)
                if status != 0 or not raw.exists():
                    if self.voice:
                        raise SpeechError(text, f"the engine failed with voice '{self.voice}'")
                    raise SpeechError(text, "the speech engine failed")
                takes[index].append(raw.read_bytes())
                raw.unlink()
                agreed = _agreed(takes[index])
                if agreed is not None:
                    self._finish_raw(text, agreed)
                    takes[index] = []
                    if progress:
                        progress(1)
                elif len(takes[index]) >= MAX_TAKES:
                    raise SpeechError(text, "the speech engine gave a different result each time")
                elif len(takes[index]) >= AGREEING_TAKES and index not in pending and not any(
                        job[0] == index for job in running.values()):
                    pending.insert(0, index)
        finally:
            with interrupts.held():  # a second Ctrl-C must not leave a child running
                for pid in running:
                    with contextlib.suppress(OSError):
                        os.kill(pid, 9)
                        os.waitpid(pid, 0)

    @staticmethod
    def _reap(running: dict[int, tuple[int, Path, float]]) -> tuple[int, int] | None:
        now = time.monotonic()
        for pid, (_, _, began) in running.items():
            finished, status = os.waitpid(pid, os.WNOHANG)
            if finished:
                return pid, status
            if now - began > CHILD_TIMEOUT_S:
                os.kill(pid, 9)
                os.waitpid(pid, 0)
                return pid, 1
        return None

    def _finish_raw(self, text: str, raw: bytes) -> None:
        from . import audio

        try:
            pcm = audio.decode(raw, self.sample_rate)
        except audio.UnreadableAudio as exc:
            raise SpeechError(text, f"the engine wrote an unreadable file ({exc})") from None
        pcm = audio.finish(pcm, self.sample_rate, trim_edges=True)
        if not pcm:
            raise SpeechError(text, "the engine produced no sound for it")
        entry = self._store(self.key(text), pcm)
        self._lengths[text] = entry.samples
        self.synthesized += 1


__all__ = ["Speech", "VoiceInfo", "list_voices", "resolve_voice", "engine_identity"]
