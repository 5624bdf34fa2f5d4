"""Spoken commands ("coach pause", "coach next"...): the microphone and the offline recognizer,
the only importer of pocketsphinx.

pocketsphinx ships its US English model inside its wheel, so nothing is downloaded, and what the
microphone hears never leaves this process nor is written anywhere. It spots a few two-word
phrases (keyword search). It listens only while the session is silent, with a margin around
every line and tone, so the session's own words ("lie on your back", "stop if...") can never
reach it: what the microphone hears while the session speaks is dropped unheard.
"""
from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import math
import os
import threading
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

from .files import scratch_folder
from .player import Command, Controls

if TYPE_CHECKING:
    from .player import Player
    from .session import Session

RATE = 16000  # what the model was trained on
BLOCK = RATE // 10  # 0.1 s read at a time
RECENT_BLOCKS = 25  # the grammar decides over the last 2.5 s
AFTER_BLOCKS = 3  # ...0.3 s after the phrase was noticed, so its last sound is in
LEAD_S = 0.3  # stop listening this long before a line or tone...
TAIL_S = 0.6  # ...and start again this long after it (the room's echo, the device's delay)
PHRASES = {  # what to say, what it does; the threshold: lower hears more, and more falsely (the
    # grammar then decides which phrase it was, so a low one does not confuse them)
    "coach pause": (Command.PAUSE, 1e-50),  # these two are heard less readily than the others
    "coach resume": (Command.PLAY, 1e-40),
    "coach next": (Command.NEXT, 1e-40),
    "coach back": (Command.BACK, 1e-40),
    "coach repeat": (Command.REPEAT, 1e-50),
    "coach stop": (Command.QUIT, 1e-40),
}


class NoMicrophone(Exception):
    """The capture device could not be opened (or read)."""


class Spotter:
    """Finds the phrases in 16 kHz mono 16-bit audio, fed a block at a time; pure, no device.

    Two steps: keyword search notices that a phrase was said (and ignores other speech); then,
    a moment later, a grammar of the six phrases decides which one it was, over the last few
    seconds heard: keyword search alone mistakes 'coach pause' for 'coach back' in some voices.
    """

    def __init__(self) -> None:
        from pocketsphinx import Decoder

        with scratch_folder("voicecoach-") as folder:
            phrases = os.path.join(folder, "phrases.kws")
            with open(phrases, "w") as out:
                out.writelines(f"{phrase} /{threshold:g}/\n" for phrase, (_, threshold) in PHRASES.items())
            self._spotting = Decoder(kws=phrases, loglevel="FATAL", samprate=RATE)
        self._choosing = Decoder(loglevel="FATAL", samprate=RATE)
        words = " | ".join(phrase.split()[1] for phrase in PHRASES)
        self._choosing.add_jsgf_string("commands", "#JSGF V1.0;\ngrammar commands;\n"
                                       f"public <command> = coach ( {words} );\n")
        self._choosing.activate_search("commands")
        self._spotting.start_utt()
        self._recent: list[bytes] = []  # the last RECENT_S heard
        self._spotted: str | None = None  # a phrase noticed, to be decided after AFTER_BLOCKS
        self._after = 0

    def feed(self, pcm: bytes) -> Command | None:
        """The command heard by the end of this block, if any."""
        self._recent = [*self._recent, pcm][-RECENT_BLOCKS:]
        if self._spotted is not None:
            self._after -= 1
            if self._after > 0:
                return None
            return self._decide()
        self._spotting.process_raw(pcm, False, False)
        hypothesis = self._spotting.hyp()
        if hypothesis is None:
            return None
        self._spotted = hypothesis.hypstr.strip().split("  ")[0].strip()
        self._after = AFTER_BLOCKS
        return None

    def _decide(self) -> Command | None:
        self._choosing.start_utt()
        self._choosing.process_raw(b"".join(self._recent), False, True)
        self._choosing.end_utt()
        chosen = self._choosing.hyp()
        phrase = chosen.hypstr.strip() if chosen is not None and chosen.hypstr.strip() in PHRASES \
            else self._spotted
        self.reset()  # each command once
        found = PHRASES.get(phrase or "")
        return found[0] if found else None

    def reset(self) -> None:
        """Forget what was heard so far (the session spoke over it, or a command was taken)."""
        self._spotting.end_utt()
        self._spotting.start_utt()
        self._recent, self._spotted, self._after = [], None, 0


class Microphone:
    """ALSA's default capture device through libasound (ctypes), 16 kHz mono 16-bit."""

    def __init__(self) -> None:
        try:  # by its usual name: find_library would start a child process (ldconfig -p)
            self._alsa = ctypes.CDLL("libasound.so.2")
        except OSError:
            name = ctypes.util.find_library("asound")
            if not name:
                raise NoMicrophone("libasound is not installed") from None
            self._alsa = ctypes.CDLL(name)
        self._alsa.snd_strerror.restype = ctypes.c_char_p
        self._handle = ctypes.c_void_p()
        code = self._alsa.snd_pcm_open(ctypes.byref(self._handle), b"default", 1, 0)  # 1: capture
        if code < 0:
            raise NoMicrophone(self._error(code))
        # S16_LE (2), interleaved read/write (3), 1 channel, resampled if need be, 0.5 s latency
        code = self._alsa.snd_pcm_set_params(self._handle, 2, 3, 1, RATE, 1, 500_000)
        if code < 0:
            self.close()
            raise NoMicrophone(self._error(code))
        self._buffer = ctypes.create_string_buffer(BLOCK * 2)

    def _error(self, code: int) -> str:
        return (self._alsa.snd_strerror(code) or b"").decode("utf-8", "replace")

    def read(self) -> bytes:
        """The next block; b"" when the device has no more (a file that ended)."""
        got = self._alsa.snd_pcm_readi(self._handle, self._buffer, BLOCK)
        if got < 0:
            got = self._alsa.snd_pcm_recover(self._handle, got, 1)
            if got < 0:
                raise NoMicrophone(self._error(got))
            return bytes(BLOCK * 2)
        return self._buffer.raw[:got * 2]

    def close(self) -> None:
        if self._handle:
            self._alsa.snd_pcm_close(self._handle)
            self._handle = ctypes.c_void_p()


class Listener:
    """Hears the microphone on a thread of its own; a phrase said while the session is silent is
    sent to the player's Controls as the matching key would be."""

    def __init__(self, player: Player, controls: Controls, microphone: Microphone, spotter: Spotter):
        self.player, self.controls = player, controls
        self.microphone, self.spotter = microphone, spotter
        self.heard: list[tuple[Command, int]] = []  # (command, sample reached): for the benchmark
        self.failed: str | None = None
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._run, name="listen", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._done.set()
        self._thread.join(timeout=5)
        self.microphone.close()

    def _run(self) -> None:
        listening = True
        try:
            while not self._done.is_set():
                block = self.microphone.read()
                if not block:
                    return
                if not self.player.quiet(LEAD_S, TAIL_S):
                    if listening:
                        self.spotter.reset()  # the session spoke over it: drop it unheard
                    listening = False
                    continue
                listening = True
                command = self.spotter.feed(block)
                if command is not None:
                    self.heard.append((command, self.player.position))
                    self.controls.send(command, acknowledge=True)
        except NoMicrophone as exc:
            self.failed = str(exc)


def to_microphone_rate(pcm: bytes, rate: int) -> bytes:
    """16-bit mono PCM at `rate` as the listener hears it (16 kHz)."""
    import numpy as np
    from scipy.signal import resample_poly

    common = math.gcd(RATE, rate)
    samples = resample_poly(np.frombuffer(pcm, "<i2").astype(np.float64), RATE // common, rate // common)
    return np.clip(samples, -32768, 32767).astype("<i2").tobytes()


def echoed_commands(session: Session, delay_s: float = 0.1,
                    gated: bool = True) -> list[tuple[Command, float]]:
    """The commands the listener would take if the loudspeaker reached the microphone, `delay_s`
    late, for the whole session: [] is the promise. `gated=False` listens throughout, as a
    listener that did not know when the session speaks would (for the benchmark)."""
    from .player import Player
    from .render import Renderer

    timeline, rate = session.timeline, session.timeline.sample_rate
    player = Player(timeline, session.speech, device=None)  # type: ignore[arg-type]  # never plays
    renderer, spotter = Renderer(timeline, session.speech, session.bed), Spotter()
    delay, step, stretch = int(delay_s * rate), BLOCK * rate // RATE, 30 * rate
    heard = []
    for start in range(0, timeline.length, stretch):
        end = min(timeline.length, start + stretch)
        played = b"".join(renderer.blocks(max(0, start - delay), max(0, end - delay)))
        played = bytes(2 * (end - start) - len(played)) + played  # the delay's silence at the start
        microphone = to_microphone_rate(played, rate)
        for at in range(0, end - start, step):
            player.position = start + at
            if gated and not player.quiet(LEAD_S, TAIL_S):
                spotter.reset()
                continue
            low = at * RATE // rate * 2
            found = spotter.feed(microphone[low:low + BLOCK * 2])
            if found is not None:
                heard.append((found, (start + at) / rate))
    return heard


@contextlib.contextmanager
def listening(player: Player, controls: Controls, report: Callable[[str], None]) -> Iterator[Listener | None]:
    """Spoken commands while the block runs; no microphone: one line through `report`, and the
    session plays on without them."""
    try:
        microphone = Microphone()
    except NoMicrophone as exc:
        report(f"--listen: no microphone ({exc}); playing on without spoken commands")
        yield None
        return
    listener = Listener(player, controls, microphone, Spotter())
    listener.start()
    try:
        yield listener
    finally:
        listener.stop()
