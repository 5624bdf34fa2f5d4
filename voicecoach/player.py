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
import queue
import select
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Protocol, TextIO

from . import phrases
from .errors import AudioDeviceError, UsageError
from .i18n import ENGLISH, Phrasebook, phrasebook
from .render import SAMPLE_BYTES, Renderer
from .speech import Speech
from .timeline import Chapter, Event, Role, Timeline, clock
from .vocabulary import COUNTDOWN, Sound

if TYPE_CHECKING:
    from .bed import Bed


def resume_lines(book: Phrasebook = ENGLISH) -> tuple[str, ...]:
    """What a resumed session says before it goes on: 'Resuming.', then a count-in."""
    return (book(phrases.RESUMING),
            *(book(phrases.COUNTDOWN, number=n) for n in range(COUNTDOWN, 0, -1)))

CHUNK_TARGET_S = 12.0  # a chunk is cut in the first quiet gap after this much sound...
CHUNK_MAX_S = 90.0  # ...but not inside a countdown or a run of reps until it is this long
GOOD_GAP_S = 0.4

POLL_S = 0.05
MIN_CHUNK_S = 1.0  # with speech still being made, a chunk this short is played rather than waited on
RESUME_TEXT = ENGLISH(phrases.RESUMING)  # session.playback_lines() makes it with every session
ACKNOWLEDGE_TONE = "tick"
PREVIOUS_GRACE_S = 3.0  # 'previous' this close to an exercise's start goes to the one before


class Command(StrEnum):
    """What the listener asks of playback, whatever it came from: a key, a media key or headset
    button (MPRIS), a spoken command."""

    TOGGLE = "toggle"  # space, a headset's one button: pause when playing, resume when paused
    PLAY = "play"  # resume; nothing while playing
    PAUSE = "pause"  # nothing while paused
    NEXT = "next"  # the next exercise
    BACK = "back"  # restart this exercise
    PREVIOUS = "previous"  # restart this exercise, or the one before when at its start
    REPEAT = "repeat"  # say the current instruction again
    QUIT = "quit"


MOVES = (Command.NEXT, Command.BACK, Command.PREVIOUS, Command.REPEAT)  # jumps in the timeline
KEY_COMMANDS = {" ": Command.TOGGLE, "n": Command.NEXT, "b": Command.BACK, "r": Command.REPEAT,
                "q": Command.QUIT}
# what "repeat" says again: the latest of these lines (not a count, a tick or "halfway")
INSTRUCTIONS = frozenset({Role.TITLE, Role.SAFETY, Role.INTRO, Role.ANNOUNCE, Role.TRANSITION, Role.SETUP,
                          Role.HOW, Role.CAUTION, Role.WORK, Role.CUE, Role.CHECK_IN, Role.RELEASE,
                          Role.REST, Role.OUTRO})


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


class KeyReader(Protocol):
    """Single key presses (Keys, or a script of them in tests)."""

    def read(self, timeout: float) -> str | None: ...


class Controls:
    """The one source of commands playback reads: key presses, and commands that other threads
    send (the MPRIS service, the spoken-command listener), in the order they arrive."""

    def __init__(self, keys: KeyReader | None = None):
        self.keys = keys
        self._sent: queue.SimpleQueue[tuple[Command, bool]] = queue.SimpleQueue()
        self.acknowledge = False  # the command last read asks for a tone (a spoken one does)

    def send(self, command: Command, acknowledge: bool = False) -> None:
        """From any thread. `acknowledge`: the player answers it with a short tone first."""
        self._sent.put((command, acknowledge))

    def read(self, timeout: float) -> Command | None:
        """The next command, waiting up to `timeout` seconds for one."""
        self.acknowledge = False
        try:
            return self._take(self._sent.get_nowait())
        except queue.Empty:
            pass
        if self.keys is None:
            try:
                return self._take(self._sent.get(timeout=timeout))
            except queue.Empty:
                return None
        key = self.keys.read(timeout)
        if key:
            return KEY_COMMANDS.get(key.lower())
        try:
            return self._take(self._sent.get_nowait())
        except queue.Empty:
            return None

    def _take(self, sent: tuple[Command, bool]) -> Command:
        command, self.acknowledge = sent
        return command


def controls_for(keys: KeyReader | Controls | None) -> Controls:
    return keys if isinstance(keys, Controls) else Controls(keys)


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
        # read by other threads (MPRIS, the listener): paused, and playing something outside the
        # timeline ('resuming, 3, 2, 1', the tone that answers a spoken command)
        self.paused = False
        self.aside = False
        self._aside_ended = 0.0
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

    def _cut(self, position: int, controls: Controls) -> int | None:
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
            if controls.read(0) == Command.QUIT:
                return None
        if waited_since is not None:
            self.waits.append((position, time.monotonic() - waited_since))
        return cut

    def whole(self, keys: KeyReader | Controls | None) -> bool:
        """Wait until every line is made (to jump by chapter); False if the listener quits."""
        controls = controls_for(keys)
        while self.growing is not None and not (self.growing.complete and self.exact == self.timeline.length):
            self.show(self.growing.status())
            self.growing.wait(POLL_S)
            self._refresh()
            if controls.read(0) == Command.QUIT:
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
        """The status line at `position`, in the session's language."""
        rate, book = self.timeline.sample_rate, phrasebook(self.timeline.language)
        chapter = self.chapter_at(position)
        event = self.event_at(position)
        parts = [chapter.title]
        if event is not None and event.exercise == chapter.exercise:
            if event.set:
                parts.append(book(phrases.STATUS_SET, number=str(event.set)))
            if event.side:
                parts.append(event.side)
        parts.append(f"{clock(position / rate)} / {clock(self.timeline.duration)}")
        later = [c for c in self.timeline.chapters if c.start > position]
        if later:
            parts.append(book(phrases.STATUS_NEXT, exercise=later[0].title))
        line = " | ".join(parts)
        return book(phrases.STATUS_PAUSED, line=line) if paused else line

    # playing ------------------------------------------------------------------
    def show(self, text: str) -> None:
        if self.status and text != self._shown:
            self.status(text)
            self._shown = text

    def quiet(self, lead: float, tail: float) -> bool:
        """Whether the session is silent from `tail` seconds ago to `lead` seconds ahead (or
        paused, and not counting in): when a listener may hear the room without hearing us."""
        if self.aside or time.monotonic() - self._aside_ended < tail:
            return False
        if self.paused:
            return True
        rate = self.timeline.sample_rate
        position, events = self.position, self.timeline.events
        since, until = position - int(tail * rate), position + int(lead * rate)
        index = bisect.bisect_right(self._starts, until)
        # events never last more than a line or a tone: look back a few
        return not any(e.end > since for e in events[max(0, index - 8):index])

    def play(self, start: int = 0, keys: KeyReader | Controls | None = None,
             jump: tuple[int, int] | None = None) -> Stop | None:
        """Play from `start` to the end; a Stop when the listener quits or interrupts. `jump`
        (at, to): on reaching `at`, go on from `to` (--from, after the safety words). `keys`:
        a Controls, or a bare key reader."""
        controls = controls_for(keys)
        position = self.position = start
        try:
            while position < self.timeline.length:
                cut = self._cut(position, controls)
                if cut is None:
                    return Stop(position, self.chapter_at(position))
                if jump is not None and position < jump[0]:
                    cut = min(cut, jump[0])
                reached, action = self._play_chunk(position, cut, controls)
                position = reached
                if jump is not None and action in MOVES:
                    jump = None  # skipped before it: the listener moves on their own
                elif jump is not None and action is None and position >= jump[0]:
                    position, jump = jump[1], None
                if action == Command.QUIT:
                    return Stop(position, self.chapter_at(position))
                if action is not None:
                    if action in MOVES and not self.whole(controls):
                        return Stop(position, self.chapter_at(position))
                    target = self._jump(action, position, controls)
                    if target is None:  # quit while paused
                        return Stop(self._paused_at, self.chapter_at(self._paused_at))
                    position = target
                self._refresh()
        except KeyboardInterrupt:
            return Stop(self.position, self.chapter_at(self.position), "interrupt")
        finally:
            self.device.stop()
        return None

    def _play_chunk(self, start: int, end: int, controls: Controls) -> tuple[int, Command | None]:
        pcm = b"".join(self.renderer.blocks(start, end))
        self.device.start(pcm)
        began = time.monotonic()
        rate = self.timeline.sample_rate
        while self.device.busy():
            self.position = reached = min(end, start + int((time.monotonic() - began) * rate))
            self.show(self.describe(reached))
            action = controls.read(POLL_S)
            if action == Command.TOGGLE:
                action = Command.PAUSE
            if action is not None and action != Command.PLAY:  # 'play' while playing: nothing
                self.device.stop()
                self.position = min(end, start + int((time.monotonic() - began) * rate))
                if controls.acknowledge:
                    self._acknowledge()
                return self.position, action
        self.position = end
        return end, None

    def _jump(self, action: Command, position: int, controls: Controls) -> int | None:
        target = self._target(action, position, controls)
        self.history.append((action.value, position))
        if target is not None:
            self.history.append(("from", target))
        return target

    def _target(self, action: Command, position: int, controls: Controls) -> int | None:
        chapters = self.timeline.chapters
        current = self.chapter_at(position)
        if action == Command.NEXT:
            later = [c for c in chapters if c.start > position]
            return later[0].start if later else self.timeline.length
        if action == Command.BACK:
            return current.start
        if action == Command.PREVIOUS:
            earlier = [c for c in chapters if c.start < current.start]
            near_start = position - current.start < PREVIOUS_GRACE_S * self.timeline.sample_rate
            return earlier[-1].start if near_start and earlier else current.start
        if action == Command.REPEAT:
            said = [e for e in self.timeline.events[:bisect.bisect_right(self._starts, position)]
                    if e.role in INSTRUCTIONS]
            return said[-1].start if said else current.start
        # pause: wait for space (resume) or q, then say "resuming" and count in
        self._paused_at = position
        self.paused = True
        self.show(self.describe(position, paused=True))
        try:
            while True:
                command = controls.read(0.2)
                if command in (Command.TOGGLE, Command.PLAY):
                    acknowledge = controls.acknowledge
                    break
                if command == Command.QUIT:
                    return None
            self.aside = True
        finally:
            self.paused = False
        try:
            if acknowledge:
                self._acknowledge()
            self._count_in()
        finally:
            self.aside, self._aside_ended = False, time.monotonic()
        event = self.event_at(position)
        if event is not None and event.kind == Sound.SPEECH and event.start < position < event.end:
            return event.start  # a line cut off by the pause is said again, whole
        return position

    def _acknowledge(self) -> None:
        """A short tone: the spoken command was heard (the listener cannot see the screen)."""
        aside, self.aside = self.aside, True
        try:
            self.device.start(self.speech.tone(ACKNOWLEDGE_TONE))
            while self.device.busy():
                time.sleep(POLL_S / 5)
        finally:
            self.aside, self._aside_ended = aside, time.monotonic()

    def _count_in(self) -> None:
        """'Resuming', then 3, 2, 1 a second apart, so the listener is ready again."""
        rate = self.timeline.sample_rate
        said = resume_lines(phrasebook(self.timeline.language))
        pieces = [self.speech.clip(said[0])]
        for number in said[1:]:
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
