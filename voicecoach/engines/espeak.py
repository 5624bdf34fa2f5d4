"""pyttsx3 on espeak-ng (NSSpeechSynthesizer on macOS, SAPI5 on Windows): the only importer of
pyttsx3, with espeak's workarounds, which no other engine needs.

espeak-ng keeps state from one utterance to the next (the same text comes out a few samples
different the second time in a process), so every line is the first utterance of a freshly
forked child that initialises the engine itself. That makes a clip depend only on its text, voice
and rate: a healed cache entry, or one made by another process, is the same bytes, and one take
is enough.

On Linux the child drives libespeak-ng through pyttsx3's own ctypes binding in espeak's
synchronous mode, not through pyttsx3's driver. The driver starts espeak in its asynchronous
mode, where `SetParameter` is a command queued for espeak's own thread, and its `runAndWait()`
ends with `stop()`, which calls `espeak_Cancel()` whenever that thread is still busy: under load
the queued rate was then dropped and the line spoken at the driver's initial 200 words a minute
(1 take in 150 with six CPU burners here; 0 in 300 in synchronous mode, which has no thread and
writes the same bytes). That race is why two agreeing takes were once needed.

MBROLA voices (`mb-us1`, ...) are listed where their database is installed; pyttsx3 labels their
16 kHz samples 22050 Hz (pyttsx3 #220), so the rate is asked of libespeak-ng instead.
"""
from __future__ import annotations

import contextlib
import ctypes
import functools
import glob
import io
import json
import os
import platform
import threading
import time
import wave
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING

from .. import interrupts
from ..errors import SpeechEngineMissing, SpeechError
from ..files import scratch_folder
from .base import Clip, Voice

if TYPE_CHECKING:  # pyttsx3 ships no type hints: to mypy its Engine is Any, named here for the reader
    from pyttsx3.engine import Engine

CHILD_TIMEOUT_S = 60.0
LICENCE = "GPL-3.0-or-later (espeak-ng); what it says is yours to use"
MBROLA_LICENCE = ("MBROLA voice: non-commercial use only; may not be sold or put in a product "
                  "that is sold")
MBROLA_FOLDERS = ("/usr/share/mbrola", "/usr/local/share/mbrola")
MBROLA_RATE = 16000  # every English MBROLA database; used when libespeak-ng cannot say


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


@contextlib.contextmanager
def _quiet_stdout() -> Iterator[None]:
    with contextlib.redirect_stdout(io.StringIO()):
        yield


def _silence_fds() -> None:
    """In a child: the driver prints 'Audio saved to ...' and espeak may print to stderr."""
    null = os.open(os.devnull, os.O_WRONLY)
    os.dup2(null, 1)
    os.dup2(null, 2)


# libespeak-ng (1.51) opens an audio device even when it only hands samples back, and its audio
# library tries PulseAudio first, which makes ~/.config/pulse/ in the user's home: the children
# are pointed at a sound server that cannot exist, so they never open one.
NO_SOUND_SERVER = {"PULSE_SERVER": "unix:/dev/null/no-sound-server"}


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
            os.environ.update(NO_SOUND_SERVER)
            work()
            code = 0
        except BaseException:
            code = 1
        finally:
            os._exit(code)


def _is_mbrola(native: str | None) -> bool:
    return native is not None and native.split("/")[-1].startswith("mb-")


def _mbrola_installed(name: str) -> bool:
    database = name.removeprefix("mb-").split("-")[0]
    return any(Path(folder, database).exists() for folder in MBROLA_FOLDERS)


def _engine(native: str | None, words_per_minute: int) -> Engine:
    import pyttsx3

    engine = pyttsx3.init()
    if native:
        engine.setProperty("voice", native)
    engine.setProperty("rate", words_per_minute)  # pyttsx3's "rate" is words per minute
    return engine


def _samples_before_events(engine: Engine) -> None:
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

    def in_order(wav: ctypes._Pointer[ctypes.c_short], numsamples: int, events: object) -> int:
        if numsamples > 0 and driver._speaking:
            driver._data_buffer += ctypes.string_at(wav, numsamples * ctypes.sizeof(ctypes.c_short))
        handled: int = on_synth(wav, 0, events)  # the driver's own answer, passed on unchanged
        return handled

    _espeak.SetSynthCallback(in_order)


def _real_rate() -> int | None:
    """The rate libespeak-ng synthesizes at for the voice selected (MBROLA: 16000)."""
    try:
        from pyttsx3.drivers import _espeak

        rate = int(_espeak.dll.espeak_ng_GetSampleRate())
    except Exception:
        return None
    return rate if rate > 0 else None


def _take(text: str, native: str | None, words_per_minute: int, path: str) -> None:
    """One take, written to `path` (and, for MBROLA, its true rate to `path`.rate), in a child
    that has never spoken."""
    try:
        with _quiet_stdout():
            from pyttsx3.drivers import _espeak
    except (ImportError, OSError, RuntimeError):  # pragma: no cover - macOS, Windows: no libespeak
        _take_by_driver(text, native, words_per_minute, path)
        return
    _synchronous_take(_espeak, text, native, words_per_minute, path)


def _synchronous_take(_espeak: ModuleType, text: str, native: str | None, words_per_minute: int,
                      path: str) -> None:
    """libespeak-ng in its synchronous mode: every call runs in this thread, in order, so the rate
    set is the rate spoken. The same calls as pyttsx3's driver makes, so the same samples."""
    if _espeak.Initialize(_espeak.AUDIO_OUTPUT_SYNCHRONOUS, 1000) == -1:
        raise RuntimeError("could not initialize espeak")
    current = _espeak.GetCurrentVoice()
    if current and current.contents.name:  # what pyttsx3's driver selects first
        _espeak.SetVoiceByName(current.contents.name)
    _espeak.SetParameter(_espeak.VOLUME, 100, 0)
    if native and _espeak.SetVoiceByName(native.encode("utf-8")) != 0:
        raise ValueError(f"espeak has no voice {native!r}")
    _espeak.SetParameter(_espeak.RATE, words_per_minute, 0)
    chunks: list[bytes] = []

    def on_samples(wav: ctypes._Pointer[ctypes.c_short], numsamples: int, events: object) -> int:
        if numsamples > 0:
            chunks.append(ctypes.string_at(wav, numsamples * ctypes.sizeof(ctypes.c_short)))
        return 0

    _espeak.SetSynthCallback(on_samples)
    if _espeak.Synth(text.encode("utf-8"), flags=_espeak.ENDPAUSE | _espeak.CHARS_UTF8) != 0:
        raise RuntimeError("espeak could not speak the line")
    with wave.open(path, "wb") as out:  # labelled as pyttsx3 labels it; MBROLA's rate beside it
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(22050)
        out.writeframes(b"".join(chunks))
    if _is_mbrola(native):
        Path(path + ".rate").write_text(str(_real_rate() or MBROLA_RATE))


def _take_by_driver(text: str, native: str | None, words_per_minute: int,
                    path: str) -> None:  # pragma: no cover - macOS and Windows
    """One take through pyttsx3's driver (NSSpeechSynthesizer, SAPI5)."""
    engine = _engine(native, words_per_minute)
    _samples_before_events(engine)
    # runAndWait() can return before a longer line is written (pyttsx3 #149, #219): the file is
    # complete only when the driver reports the utterance finished.
    finished = threading.Event()
    engine.connect("finished-utterance", lambda **_: finished.set())
    with _quiet_stdout():
        engine.save_to_file(text, path)
        engine.runAndWait()
        if not finished.wait(CHILD_TIMEOUT_S):
            raise TimeoutError("the speech engine did not finish")


def _read_take(path: Path) -> Clip:
    from .. import audio  # numpy, soxr, pydub: only in the process that speaks, never at start-up

    pcm, rate = audio.read_clip(path.read_bytes())
    sidecar = Path(str(path) + ".rate")
    if sidecar.exists():
        rate = int(sidecar.read_text())
        sidecar.unlink()
    path.unlink()
    return pcm, rate


class Espeak:
    name = "espeak"
    default_voice = "default"

    def __init__(self) -> None:
        self._identity: str | None = None
        self._voices: list[Voice] | None = None

    def identity(self) -> str:
        if self._identity is None:
            self._identity = self._find_identity()
        return self._identity

    @staticmethod
    def _find_identity() -> str:
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
        # the key espeak clips have had since the first cache: unchanged, so caches stay valid
        return f"espeak-ng-{engine_version}-pyttsx3-{pyttsx3_version}"

    # voices ------------------------------------------------------------------
    def voices(self) -> list[Voice]:
        """What the engine offers, asked in a child so this process never initialises espeak."""
        if self._voices is None:
            self.identity()
            self._voices = self._listed() + self._mbrola()
        return list(self._voices)

    def _listed(self) -> list[Voice]:
        if not hasattr(os, "fork"):  # pragma: no cover - Windows
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
        return [Voice(v["engine"], v["name"], v["native"], v["label"], tuple(v["languages"]),
                      v["licence"]) for v in json.loads(payload)]

    @staticmethod
    def _mbrola() -> list[Voice]:
        """MBROLA voices whose database is installed (pyttsx3 does not list them)."""
        found: list[Voice] = []
        data = _espeak_data()
        if data is None:
            return found
        for definition in sorted((data / "voices" / "mb").glob("mb-*")):
            name = definition.name
            if not _mbrola_installed(name):
                continue
            language = ""
            with contextlib.suppress(OSError):
                for line in definition.read_text(errors="replace").splitlines():
                    if line.startswith("language"):
                        language = line.split()[1]
                        break
            found.append(Voice("espeak", name, f"mb/{name}", f"MBROLA {name.removeprefix('mb-')}",
                               (language,) if language else (), MBROLA_LICENCE))
        return found

    # speaking ------------------------------------------------------------------
    def synthesize(self, text: str, voice: Voice | None, words_per_minute: int) -> Clip:
        native = voice.native if voice else None
        with scratch_folder("voicecoach-espeak-") as scratch:
            path = scratch / "take.wav"
            if not hasattr(os, "fork"):  # pragma: no cover - Windows: in this process
                _take(text, native, words_per_minute, str(path))
            else:
                self._in_child(text, native, words_per_minute, path)
            return _read_take(path)

    def _in_child(self, text: str, native: str | None, words_per_minute: int, path: Path) -> None:
        """One take, in a freshly forked child (which never returns into our code)."""
        pid = None
        try:
            with interrupts.held():  # the pid is recorded before a signal can stop us
                pid = _fork(functools.partial(_take, text, native, words_per_minute, str(path)))
            began = time.monotonic()
            while True:
                interrupts.check()
                finished, status = os.waitpid(pid, os.WNOHANG)
                if finished:
                    pid = None
                    break
                if time.monotonic() - began > CHILD_TIMEOUT_S:
                    status = 1
                    break
                time.sleep(0.002)
        finally:
            if pid is not None:
                # a second Ctrl-C must not leave a child running
                with interrupts.held(), contextlib.suppress(OSError):
                    os.kill(pid, 9)
                    os.waitpid(pid, 0)
        interrupts.raise_for_child(status)
        if status != 0 or not path.exists():
            reason = f"the engine failed with voice '{native}'" if native else "the speech engine failed"
            raise SpeechError(text, reason)


def _espeak_data() -> Path | None:
    """espeak-ng's data folder (voice definitions), where the usual installs put it."""
    folders = [*sorted(glob.glob("/usr/lib/*/espeak-ng-data")), "/usr/share/espeak-ng-data",
               "/usr/local/share/espeak-ng-data", "/usr/lib/espeak-ng-data"]
    return next((Path(f) for f in folders if Path(f, "voices").is_dir()), None)


def _voices_here() -> list[Voice]:
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
        native = str(voice.id)
        found.append(Voice("espeak", native.split("/")[-1].lower(), native, str(voice.name or native),
                           tuple(languages), LICENCE))
    return found
