"""Export for phones: a session (or each of its chapters) streamed from the renderer into a file
of any registered format (formats.py: MP3, M4B), with its chapters and tags, and captions beside it.

Loudness is set where clips enter the cache (audio.py): every clip and tone at -16.5 LUFS under
a peak limiter, which puts a whole session near -17.5 LUFS integrated and under -1 dBTP. A bed
(bed/) is set against that known voice loudness, 20 dB under it between lines by default and
ducked under every line, and gives way at the voice's peak ceiling: the export keeps both figures.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from . import phrases
from .files import atomic_output, make_folder
from .formats import DEFAULT, Format, Mark, Tags
from .i18n import phrasebook
from .mp3 import ENCODER_DELAY as ENCODER_DELAY  # where they lived; the MP3 tests read them here
from .mp3 import info_frame as info_frame
from .render import SAMPLE_BYTES, Renderer
from .routine import Routine
from .settings import Settings
from .speech import Speech
from .timeline import Chapter, Timeline
from .vocabulary import Sound

if TYPE_CHECKING:
    from .session import Session

DEFAULT_BITRATE = 64  # kbit/s: plenty for mono speech at 22.05 kHz, in MP3 or AAC
ARTIST = "voicecoach"
GENRE = "Fitness"

Progress = Callable[[int], None]


@dataclass(frozen=True)
class Written:
    path: Path
    seconds: float


def _comment(routine: Routine, settings: Settings) -> str:
    """Where the routine comes from, its level and pace, in the routine's language."""
    book = phrasebook(routine.language)
    source = book(phrases.FROM_ARTICLE, source=routine.source) if routine.source else ""
    return source + book(phrases.MADE_AT, level=book.name(phrases.LEVEL_NAMES, settings.level),
                         pace=book.name(phrases.PACE_NAMES, settings.pace))


def _ms(timeline: Timeline, samples: int) -> int:
    """Where a sample of the session plays in the file, in ms (players trim the encoder delay)."""
    return round(samples * 1000 / timeline.sample_rate)


def _counted(blocks: Iterable[bytes], progress: Progress | None) -> Iterator[bytes]:
    """The blocks, telling `progress` the samples of each once the writer has taken it."""
    for block in blocks:
        yield block
        if progress:
            progress(len(block) // SAMPLE_BYTES)


def write_file(path: Path, routine: Routine, settings: Settings, timeline: Timeline, speech: Speech,
               bitrate: int = DEFAULT_BITRATE, progress: Progress | None = None,
               span: Chapter | None = None, track: str | None = None,
               renderer: Renderer | None = None, fmt: Format = DEFAULT) -> Written:
    """The session (or one chapter of it) as a tagged file of `fmt`, written atomically."""
    renderer = renderer or Renderer(timeline, speech)
    start, end = (span.start, span.end) if span else (0, timeline.length)
    if span is None:
        chapters = [Mark(_ms(timeline, c.start), _ms(timeline, c.end), c.title) for c in timeline.chapters]
        title = routine.title
    else:
        chapters = []
        title = span.title
    album = routine.title if span else phrasebook(routine.language)(phrases.SHOW_TITLE)
    tags = Tags(title, ARTIST, album, GENRE, _comment(routine, settings), track)
    fmt.write(Path(path), _counted(renderer.blocks(start, end), progress), timeline.sample_rate,
              end - start, chapters, tags, bitrate)
    return Written(Path(path), (end - start) / timeline.sample_rate)


def safe_name(text: str) -> str:
    """A file name that works on phones and every desktop: no separators or reserved marks."""
    name = re.sub(r'[\\/:*?"<>|\x00-\x1f]+', " ", text)
    name = re.sub(r"\s+", " ", name).strip(" .")
    return name[:80] or "part"


def write_split(folder: Path, routine: Routine, settings: Settings, timeline: Timeline,
                speech: Speech, bitrate: int = DEFAULT_BITRATE,
                progress: Progress | None = None, renderer: Renderer | None = None,
                fmt: Format = DEFAULT) -> list[Written]:
    """One numbered file per chapter and an .m3u8 playlist in order, for players without chapters."""
    make_folder(folder)
    written: list[Written] = []
    total = len(timeline.chapters)
    renderer = renderer or Renderer(timeline, speech)  # one clip memory for every part
    for number, chapter in enumerate(timeline.chapters, start=1):
        path = folder / f"{number:02d} {safe_name(chapter.title)}{fmt.suffix}"
        written.append(write_file(path, routine, settings, timeline, speech, bitrate, progress,
                                  span=chapter, track=f"{number}/{total}", renderer=renderer, fmt=fmt))
    lines = ["#EXTM3U", f"#PLAYLIST:{routine.title}"]
    for item, chapter in zip(written, timeline.chapters, strict=True):
        lines.append(f"#EXTINF:{round(item.seconds)},{routine.title} - {chapter.title}")
        lines.append(item.path.name)
    playlist = folder / f"{routine.id}.m3u8"
    with atomic_output(playlist, "w") as handle:
        handle.write("\n".join(lines) + "\n")
    return written


def _vtt_stamp(seconds: float) -> str:
    millis = round(seconds * 1000)
    hours, rest = divmod(millis, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    secs, millis = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}.{millis:03d}"


def _lrc_stamp(seconds: float) -> str:
    """[mm:ss.xx], rounded to the hundredth before it is split, so it never reads ss = 60."""
    hundredths = round(seconds * 100)
    minutes, rest = divmod(hundredths, 6000)
    return f"[{minutes:02d}:{rest // 100:02d}.{rest % 100:02d}]"


_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")


def _one_line(text: str) -> str:
    """A caption on one line, without control characters: a line break would end the cue."""
    return " ".join(_CONTROL.sub(" ", text).split())


def _vtt_text(text: str) -> str:
    """Cue text as WebVTT wants it: '&', '<' and '>' escaped, so '-->' or a '<' in a line is text,
    never a timing line or a tag."""
    return _one_line(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def write_captions(audio: Path, routine: Routine, timeline: Timeline,
                   span: Chapter | None = None) -> list[Path]:
    """An .lrc (lyrics-aware phone players) and a .vtt beside the audio file: every spoken line at
    its time."""
    start, end = (span.start, span.end) if span else (0, timeline.length)
    lines = [(timeline.seconds(e.start - start), timeline.seconds(e.end - start), e.text)
             for e in timeline.events if e.kind == Sound.SPEECH and start <= e.start < end]
    total = timeline.seconds(end - start)
    album = phrasebook(routine.language)(phrases.SHOW_TITLE)
    lrc = [f"[ti:{routine.title}]", f"[ar:{ARTIST}]", f"[al:{album}]",
           f"[length:{int(total // 60):02d}:{int(total % 60):02d}]"]
    for at, _, text in lines:
        lrc.append(f"{_lrc_stamp(at)}{_one_line(text)}")
    vtt = ["WEBVTT", ""]
    for at, until, text in lines:
        vtt += [f"{_vtt_stamp(at)} --> {_vtt_stamp(until)}", _vtt_text(text), ""]
    paths = []
    for suffix, body in ((".lrc", "\n".join(lrc) + "\n"), (".vtt", "\n".join(vtt))):
        path = audio.with_suffix(suffix)
        with atomic_output(path, "w") as handle:
            handle.write(body)
        paths.append(path)
    return paths


def write_session(target: Path, session: Session, bitrate: int = DEFAULT_BITRATE, split: bool = False,
                  captions: bool = False, progress: Progress | None = None,
                  fmt: Format = DEFAULT) -> str:
    """Export a prepared session: one file of `fmt` at `target`, or with `split` a folder of parts
    and a playlist; captions beside each file when asked. Returns what was written, for the user."""
    routine, timeline, settings = session.routine, session.timeline, session.settings
    renderer = Renderer(timeline, session.speech, session.bed)
    if split:
        written = write_split(target, routine, settings, timeline, session.speech, bitrate, progress,
                              renderer, fmt)
        if captions:
            for item, chapter in zip(written, timeline.chapters, strict=True):
                write_captions(item.path, routine, timeline, span=chapter)
        return f"{len(written)} files and {routine.id}.m3u8 in {target}/"
    write_file(target, routine, settings, timeline, session.speech, bitrate, progress, renderer=renderer,
               fmt=fmt)
    if captions:
        write_captions(target, routine, timeline)
    return f"{target} ({len(timeline.chapters)} chapters)"
