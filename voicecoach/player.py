"""Hands-free playback through simpleaudio: the only importer of simpleaudio.

simpleaudio plays one buffer at a time and cannot pause, so the session is played as a run of
chunks rendered just before they are needed, each cut in a silent gap (never inside a countdown
or a rep), and pausing stops the chunk and remembers the sample reached. What reaches the device
is exactly the rendered session: the chunks tile it, in order.
"""
from __future__ import annotations

import bisect
import contextlib
import ctypes
import functools
import os
import select
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol, TextIO

from .errors import AudioDeviceError, UsageError
from .render import SAMPLE_BYTES, Renderer
from .speech import Speech
from .timeline import Chapter, Event, Role, Timeline, clock

if TYPE_CHECKING:
    from .bed import Bed

CHUNK_TARGET_S = 12.0  # a chunk is cut in the first quiet gap after this much sound...
CHUNK_MAX_S = 90.0  # ...but not inside a countdown or a run of reps until it is this long
GOOD_GAP_S = 0.4

POLL_S = 0.05
MIN_CHUNK_S = 1.0  # with speech still being made, a chunk this short is played rather than waited on
KEY_ACTIONS = {" ": "pause", "n": "next", "b": "back", "q": "quit"}
RESUME_TEXT = "Resuming."  # session.PLAYBACK_LINES makes it with every session


def find_chapter(timeline: Timeline, wanted: str) -> Chapter:
    """The chapter of an exercise named (any case) or numbered (1 = the first exercise)."""
    exercises = [c for c in timeline.chapters if c.exercise]
    if wanted.isascii() and wanted.isdigit() and 1 <= int(wanted) <= len(exercises):  # not '²
        return exercises[int(wanted) - 1]
    for chapter in exercises:
        if (chapter.exercise or "").lower() == wanted.strip().lower():
            return chapter
    names = ", ".join(f"{number} '{c.exercise}'" for number, c in enumerate(exercises, 1))
    raise UsageError(f"no exercise '{wanted}' in this routine; --from takes a name or number: {names}")


def safety_end(timeline: Timeline) -> int:
    """Where the session's safety words end, with the breath after them: `--from` plays up to
    here before it jumps (0 when a session has none)."""
    said = [i for i, e in enumerate(timeline.events) if e.role == Role.SAFETY]
    if not said:
        return 0
    following = timeline.events[said[-1] + 1:]
    return following[0].start if following else timeline.length


def chunk_bounds(timeline: Timeline, start: int) -> Iterator[tuple[int, int]]:
    """[a, b) sample ranges that tile the session from `start`, each ending in a silent gap."""
    rate = timeline.sample_rate
    target, longest, gap = int(CHUNK_TARGET_S * rate), int(CHUNK_MAX_S * rate), int(GOOD_GAP_S * rate)
    events = [e for e in timeline.events if e.end > start]
    position = start
    for before, after in zip(events, [*events[1:], None], strict=True):
        if after is None:
            break
        quiet = after.start - before.end
        rhythmic = after.role.rhythmic and before.role.rhythmic
        cut = before.end + quiet // 2
        if (cut > position and cut - position >= target and quiet >= gap
                and (not rhythmic or cut - position >= longest)):
            yield position, cut
            position = cut
    if position < timeline.length:
        yield position, timeline.length


@functools.cache
def _asound() -> ctypes.CDLL | None:
    """libasound, by its usual name first: ctypes.util.find_library runs `ldconfig -p` in a child
    process, which cost each `play` two processes before its first sound."""
    try:
        return ctypes.CDLL("libasound.so.2")
    except OSError:
        from ctypes.util import find_library

        name = find_library("asound")
        try:
            return ctypes.CDLL(name) if name else None
        except OSError:
            return None


def _quiet_alsa() -> None:
    """ALSA prints its own errors to stderr (no card, unknown PCM): we report one line instead."""
    library = _asound()
    if library is None:
        return
    try:
        handler_type = ctypes.CFUNCTYPE(None, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p,
                                        ctypes.c_int, ctypes.c_char_p)
        handler = handler_type(lambda *args: None)
        library.snd_lib_error_set_handler(handler)
        _quiet_alsa.keep = handler  # type: ignore[attr-defined]  # the callback must outlive us
    except (OSError, AttributeError):
        pass


def _alsa_error(library: ctypes.CDLL, code: int) -> str:
    library.snd_strerror.restype = ctypes.c_char_p
    return (library.snd_strerror(code) or b"").decode("utf-8", "replace")


def _try_alsa(instead: str) -> None:
    """Open and close ALSA's default playback device, as simpleaudio will: a missing device is
    found before any speech is made, not after."""
    library = _asound()
    if library is None:
        return  # simpleaudio will say what is wrong
    handle = ctypes.c_void_p()
    code = library.snd_pcm_open(ctypes.byref(handle), b"default", 0, 0)  # 0: playback, blocking
    if code < 0:
        raise AudioDeviceError("the audio device could not be opened", instead,
                               f"ALSA: {_alsa_error(library, code)}")
    library.snd_pcm_close(handle)


class Device:
    """simpleaudio behind one small interface, its errors turned into ours. Opening it checks
    that a device is there (on Linux), so `play` can say so before making any speech. `instead`:
    what the error suggests doing without a device."""

    def __init__(self, sample_rate: int, instead: str):
        try:
            import simpleaudio
        except ImportError as exc:
            raise AudioDeviceError("simpleaudio is not installed", instead, str(exc)) from None
        if sys.platform.startswith("linux"):
            _quiet_alsa()
            _try_alsa(instead)
        self._simpleaudio = simpleaudio
        self.sample_rate = sample_rate
        self.instead = instead
        self._playing = None

    def start(self, pcm: bytes) -> None:
        try:
            self._playing = self._simpleaudio.play_buffer(pcm, 1, SAMPLE_BYTES, self.sample_rate)
        except Exception as exc:  # SimpleaudioError, or a broken backend
            detail = " ".join(str(exc).split()) or type(exc).__name__
            raise AudioDeviceError("the audio device could not be opened", self.instead,
                                   detail) from None

    def busy(self) -> bool:
        return self._playing is not None and self._playing.is_playing()

    def stop(self) -> None:
        if self._playing is not None:
            self._playing.stop()
            self._playing = None


class Keys:
    """Single key presses from a terminal, without Enter; nothing when stdin is not a terminal."""

    def __init__(self, stream: TextIO):
        self.stream = stream
        self.active = stream is not None and stream.isatty()
        self._saved: list | None = None  # termios attributes to restore

    def __enter__(self) -> Keys:
        if self.active:
            import termios
            import tty

            self._saved = termios.tcgetattr(self.stream.fileno())
            tty.setcbreak(self.stream.fileno())
        return self

    def __exit__(self, *exc) -> None:
        if self._saved is not None:
            import termios

            termios.tcsetattr(self.stream.fileno(), termios.TCSADRAIN, self._saved)

    def read(self, timeout: float) -> str | None:
        if not self.active:
            time.sleep(timeout)
            return None
        ready, _, _ = select.select([self.stream], [], [], timeout)
        if not ready:
            return None
        key = os.read(self.stream.fileno(), 1).decode("utf-8", "ignore")
        if key == "\x1b":  # an arrow or function key: swallow its sequence, it means nothing here
            while select.select([self.stream], [], [], 0.01)[0]:
                os.read(self.stream.fileno(), 16)
            return None
        return key


@dataclass
class Stop:
    """Where playback ended early: the sample reached, its chapter, and why ('quit' or 'interrupt')."""

    position: int
    chapter: Chapter
    reason: str = "quit"


class Growing(Protocol):
    """A plan whose speech is still being made (session.Live)."""

    @property
    def complete(self) -> bool: ...

    def current(self) -> tuple[Timeline, int]: ...

    def wait(self, timeout: float) -> None: ...

    def status(self) -> str: ...


class Player:
    """Plays a timeline; given a Growing plan, it plays what is exact so far and waits, saying so
    on the status line, only when it reaches speech not yet made."""

    def __init__(self, timeline: Timeline, speech: Speech, device: Device,
                 status: Callable[[str], None] | None = None, *, bed: Bed | None = None,
                 growing: Growing | None = None):
        self.speech = speech
        self.device = device
        self.bed = bed
        self.status = status
        self.growing = growing
        self.history: list[tuple[str, int]] = []  # (what the listener did, sample): for tests
        self.waits: list[tuple[int, float]] = []  # (sample, seconds) waited for speech: for tests
        self.position = 0  # the sample reached, kept current while a chunk plays
        self._shown = ""
        self._use(timeline)
        self.exact = timeline.length if growing is None else growing.current()[1]

    def _use(self, timeline: Timeline) -> None:
        self.timeline = timeline
        self.renderer = Renderer(timeline, self.speech, self.bed)
        self._starts = [e.start for e in timeline.events]

    def _refresh(self) -> None:
        """Take the latest plan of a growing session (its prefix never changes)."""
        if self.growing is None:
            return
        timeline, self.exact = self.growing.current()
        if timeline is not self.timeline:
            self._use(timeline)
        if self.growing.complete and self.exact == self.timeline.length:
            self.growing = None

    def _cut(self, position: int, keys: Keys | None) -> int | None:
        """Where the chunk from `position` ends: in a quiet gap, and never past what is exact.
        Waits for speech when too little is exact; None when the listener quits meanwhile."""
        waited_since = None
        while True:
            self._refresh()
            cut = next(chunk_bounds(self.timeline, position))[1]
            if self.growing is None or cut <= self.exact:
                break
            if self.exact - position >= int(MIN_CHUNK_S * self.timeline.sample_rate):
                cut = self.exact  # a breath after a line: the rest follows once it is made
                break
            if waited_since is None:
                waited_since = time.monotonic()
            self.show(self.growing.status())
            self.growing.wait(POLL_S)
            if keys is not None and keys.read(0) in ("q", "Q"):
                return None
        if waited_since is not None:
            self.waits.append((position, time.monotonic() - waited_since))
        return cut

    def whole(self, keys: Keys | None) -> bool:
        """Wait until every line is made (to jump by chapter); False if the listener quits."""
        while self.growing is not None and not (self.growing.complete and self.exact == self.timeline.length):
            self.show(self.growing.status())
            self.growing.wait(POLL_S)
            self._refresh()
            if keys is not None and keys.read(0) in ("q", "Q"):
                return False
        self._refresh()
        return True

    # where we are -----------------------------------------------------------
    def chapter_at(self, position: int) -> Chapter:
        for chapter in self.timeline.chapters:
            if chapter.start <= position < chapter.end:
                return chapter
        return self.timeline.chapters[-1]

    def event_at(self, position: int) -> Event | None:
        """The latest event that began at or before `position`."""
        index = bisect.bisect_right(self._starts, position)
        return self.timeline.events[index - 1] if index else None

    def describe(self, position: int, paused: bool = False) -> str:
        rate = self.timeline.sample_rate
        chapter = self.chapter_at(position)
        event = self.event_at(position)
        parts = [chapter.title]
        if event is not None and event.exercise == chapter.exercise:
            if event.set:
                parts.append(f"set {event.set}")
            if event.side:
                parts.append(event.side)
        parts.append(f"{clock(position / rate)} / {clock(self.timeline.duration)}")
        later = [c for c in self.timeline.chapters if c.start > position]
        if later:
            parts.append(f"next: {later[0].title}")
        line = " | ".join(parts)
        return f"[paused] {line}   space: resume  q: quit" if paused else line

    # playing ------------------------------------------------------------------
    def show(self, text: str) -> None:
        if self.status and text != self._shown:
            self.status(text)
            self._shown = text

    def play(self, start: int = 0, keys: Keys | None = None,
             jump: tuple[int, int] | None = None) -> Stop | None:
        """Play from `start` to the end; a Stop when the listener quits or interrupts. `jump`
        (at, to): on reaching `at`, go on from `to` (--from, after the safety words)."""
        position = self.position = start
        try:
            while position < self.timeline.length:
                cut = self._cut(position, keys)
                if cut is None:
                    return Stop(position, self.chapter_at(position))
                if jump is not None and position < jump[0]:
                    cut = min(cut, jump[0])
                reached, action = self._play_chunk(position, cut, keys)
                position = reached
                if jump is not None and action in ("next", "back"):
                    jump = None  # skipped before it: the listener moves on their own
                elif jump is not None and action is None and position >= jump[0]:
                    position, jump = jump[1], None
                if action == "quit":
                    return Stop(position, self.chapter_at(position))
                if action is not None:
                    if action in ("next", "back") and not self.whole(keys):
                        return Stop(position, self.chapter_at(position))
                    target = self._jump(action, position, keys)
                    if target is None:  # quit while paused
                        return Stop(self._paused_at, self.chapter_at(self._paused_at))
                    position = target
                self._refresh()
        except KeyboardInterrupt:
            return Stop(self.position, self.chapter_at(self.position), "interrupt")
        finally:
            self.device.stop()
        return None

    def _play_chunk(self, start: int, end: int, keys: Keys | None) -> tuple[int, str | None]:
        pcm = b"".join(self.renderer.blocks(start, end))
        self.device.start(pcm)
        began = time.monotonic()
        rate = self.timeline.sample_rate
        while self.device.busy():
            self.position = reached = min(end, start + int((time.monotonic() - began) * rate))
            self.show(self.describe(reached))
            if keys:
                key = keys.read(POLL_S)
            else:
                key = None
                time.sleep(POLL_S)
            action = KEY_ACTIONS.get(key.lower()) if key else None
            if action:
                self.device.stop()
                self.position = min(end, start + int((time.monotonic() - began) * rate))
                return self.position, action
        self.position = end
        return end, None

    def _jump(self, action: str, position: int, keys: Keys | None) -> int | None:
        target = self._target(action, position, keys)
        self.history.append((action, position))
        if target is not None:
            self.history.append(("from", target))
        return target

    def _target(self, action: str, position: int, keys: Keys | None) -> int | None:
        chapters = self.timeline.chapters
        current = self.chapter_at(position)
        if action == "next":
            later = [c for c in chapters if c.start > position]
            return later[0].start if later else self.timeline.length
        if action == "back":
            return current.start
        # pause: wait for space (resume) or q, then say "resuming" and count in
        self._paused_at = position
        self.show(self.describe(position, paused=True))
        while True:
            key = keys.read(0.2) if keys else None
            if key == " ":
                break
            if key and key.lower() == "q":
                return None
        self._count_in()
        event = self.event_at(position)
        if event is not None and event.kind == "speech" and event.start < position < event.end:
            return event.start  # a line cut off by the pause is said again, whole
        return position

    def _count_in(self) -> None:
        """'Resuming', then 3, 2, 1 a second apart, so the listener is ready again."""
        rate = self.timeline.sample_rate
        pieces = [self.speech.clip(RESUME_TEXT)]
        for number in ("3", "2", "1"):
            clip = self.speech.clip(number)
            pieces.append(clip)
            pieces.append(bytes(max(0, rate * SAMPLE_BYTES - len(clip))))
        self.device.start(b"".join(pieces))
        while self.device.busy():
            time.sleep(POLL_S)


@contextlib.contextmanager
def status_line(stream: TextIO, enabled: bool):
    """One status line redrawn in place; left clean when playback ends."""
    if not enabled:
        yield None
        return
    width = 0

    def draw(text: str) -> None:
        nonlocal width
        text = text[:119]
        stream.write("\r" + text.ljust(width))
        stream.flush()
        width = len(text)

    try:
        yield draw
    finally:
        stream.write("\r" + " " * width + "\r")
        stream.flush()
