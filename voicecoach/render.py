"""Render a timeline to PCM as a stream of blocks: the one engine that playback and export consume.

The session is silence with clips at planned samples, and clips never overlap, so the stream is
built by walking the events in order: no mixing, no whole-session buffer, linear in length and
bounded in memory whatever the session's length. A sound bed, when there is one, is added under
each block (bed/mix.py): the voice and tones stay what they are, sample for sample.
"""
from __future__ import annotations

import bisect
import wave
from collections import OrderedDict
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from . import interrupts
from .files import atomic_output, entered_whole
from .speech import Speech
from .timeline import Event, Timeline
from .vocabulary import Sound

if TYPE_CHECKING:  # the bed package imports numpy: only a session with a bed loads it
    from .bed import Bed

BLOCK_SECONDS = 1.0
SAMPLE_BYTES = 2
_CLIP_MEMORY = 96  # distinct clips kept decoded: counts and countdown numbers come back often


class Renderer:
    def __init__(self, timeline: Timeline, speech: Speech, bed: Bed | None = None):
        self.timeline = timeline
        self.speech = speech
        self._under = None
        if bed is not None:
            from .bed import Under

            self._under = Under(bed, timeline)
        self._clips: OrderedDict[tuple[str, str], bytes] = OrderedDict()
        self._ends = [e.end for e in timeline.events]  # sorted: events never overlap

    def pcm_of(self, event: Event) -> bytes:
        key = (event.kind, event.text)
        pcm = self._clips.get(key)
        if pcm is None:
            pcm = self.speech.clip(event.text) if event.kind == Sound.SPEECH else self.speech.tone(event.text)
            want = event.length * SAMPLE_BYTES
            if len(pcm) != want:  # the plan and the cache disagree: never shift what follows
                pcm = pcm[:want].ljust(want, b"\0")
            self._clips[key] = pcm
            if len(self._clips) > _CLIP_MEMORY:
                self._clips.popitem(last=False)
        else:
            self._clips.move_to_end(key)
        return pcm

    def blocks(self, start: int = 0, end: int | None = None,
               block_seconds: float = BLOCK_SECONDS) -> Iterator[bytes]:
        """The session's 16-bit mono PCM from sample `start` to `end`, in blocks, in order."""
        if self._under is not None:
            position = start
            for voice in self._voice_blocks(start, end, block_seconds):
                yield self._under.mix(voice, position)
                position += len(voice) // SAMPLE_BYTES
            return
        yield from self._voice_blocks(start, end, block_seconds)

    def _voice_blocks(self, start: int, end: int | None, block_seconds: float) -> Iterator[bytes]:
        block = max(1, int(block_seconds * self.timeline.sample_rate)) * SAMPLE_BYTES
        pending = bytearray()
        for piece in self._pieces(start, end, block):
            pending += piece
            interrupts.check()  # long work: stop here even if a library swallowed the Ctrl-C
            while len(pending) >= block:
                yield bytes(pending[:block])
                del pending[:block]
        if pending:
            yield bytes(pending)

    def _pieces(self, start: int, end: int | None, most: int) -> Iterator[bytes]:
        """The PCM in order: each gap's silence (in pieces of at most `most` bytes), each clip."""
        end = self.timeline.length if end is None else min(end, self.timeline.length)
        silence, step = bytes(most), most // SAMPLE_BYTES

        def gap(since: int, until: int) -> Iterator[bytes]:
            for at in range(since, until, step):
                yield silence[: min(until - at, step) * SAMPLE_BYTES]

        position = start
        events = self.timeline.events
        for index in range(bisect.bisect_right(self._ends, start), len(events)):
            event = events[index]  # from the first event still sounding at `start`
            if event.start >= end:
                break
            yield from gap(position, event.start)
            position = max(position, event.start)
            stop = min(event.end, end)
            yield self.pcm_of(event)[(position - event.start) * SAMPLE_BYTES:
                                     (stop - event.start) * SAMPLE_BYTES]
            position = stop
        yield from gap(position, end)


@entered_whole
def _wav_writer(handle: BinaryIO, timeline: Timeline) -> Iterator[wave.Wave_write]:
    """A WAV writer on `handle` with its format set. wave's writer raises from close() when it is
    closed before its format is set: entered_whole holds a Ctrl-C or SIGTERM until it is."""
    with wave.open(handle, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(SAMPLE_BYTES)
        out.setframerate(timeline.sample_rate)
        out.setnframes(timeline.length)  # known up front: the header is never rewritten
        yield out


def write_wav(path: Path, timeline: Timeline, speech: Speech,
              progress: Callable[[int], None] | None = None, bed: Bed | None = None) -> Path:
    """The whole session (with its bed, if any) as a 16-bit mono WAV at the timeline's rate,
    written atomically."""
    renderer = Renderer(timeline, speech, bed)
    with atomic_output(path) as handle, _wav_writer(handle, timeline) as out:
        for block in renderer.blocks():
            out.writeframesraw(block)
            if progress:
                progress(len(block) // SAMPLE_BYTES)
    return Path(path)
