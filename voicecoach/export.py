"""MP3 export for phones: the only importer of lameenc and mutagen.

The session is encoded block by block from the streaming renderer with lameenc (LAME bundled, no
ffmpeg needed, faster than ffmpeg's libmp3lame here), at a constant bit rate, behind an ID3v2.3
tag written first: title, artist, album, genre, a comment naming the source article, and one
CHAP frame per chapter under a top-level ordered CTOC, so podcast players can skip exercises.
Loudness is set where clips enter the cache (audio.py): every clip and tone at -16.5 LUFS under
a peak limiter, which puts a whole session near -17.5 LUFS integrated and under -1 dBTP.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from .errors import OutputError
from .render import SAMPLE_BYTES, Renderer, atomic_output
from .routine import Routine
from .settings import Settings
from .speech import Speech
from .timeline import Chapter, Timeline

DEFAULT_BITRATE = 64  # kbit/s: plenty for mono speech at 22.05 kHz
# LAME puts 576 + 529 samples of its own before the first sample given, and lameenc writes no
# LAME/Info header that would let a player trim them; chapter and caption times move with them.
ENCODER_DELAY = 1105
LAME_QUALITY = 5  # LAME's -q: 5 is its speed/quality balance
ARTIST = "voicecoach"
ALBUM = "voicecoach back-care sessions"
GENRE = "Fitness"

Progress = Callable[[int], None]


@dataclass(frozen=True)
class Written:
    path: Path
    seconds: float


def encode(blocks: Iterable[bytes], sample_rate: int, bitrate: int,
           progress: Progress | None = None) -> Iterable[bytes]:
    """MP3 frames for 16-bit mono PCM blocks, at a constant bit rate."""
    import lameenc

    encoder = lameenc.Encoder()
    encoder.set_bit_rate(bitrate)
    encoder.set_in_sample_rate(sample_rate)
    encoder.set_channels(1)
    encoder.set_quality(LAME_QUALITY)
    for block in blocks:
        frames = encoder.encode(block)
        if progress:
            progress(len(block) // SAMPLE_BYTES)
        if frames:
            yield bytes(frames)
    yield bytes(encoder.flush())


def id3_tag(title: str, album: str, comment: str, chapters: list[tuple[int, int, str]],
            track: str | None = None) -> bytes:
    """An ID3v2.3 tag as bytes; chapters are (start ms, end ms, title)."""
    import io

    from mutagen.id3 import CHAP, COMM, CTOC, ID3, TALB, TCON, TIT2, TPE1, TRCK, CTOCFlags

    tag = ID3()
    tag.add(TIT2(encoding=3, text=[title]))
    tag.add(TPE1(encoding=3, text=[ARTIST]))
    tag.add(TALB(encoding=3, text=[album]))
    tag.add(TCON(encoding=3, text=[GENRE]))
    tag.add(COMM(encoding=3, lang="eng", desc="", text=[comment]))
    if track:
        tag.add(TRCK(encoding=3, text=[track]))
    if chapters:
        ids = [f"chp{index}" for index in range(len(chapters))]
        tag.add(CTOC(element_id="toc", flags=CTOCFlags.TOP_LEVEL | CTOCFlags.ORDERED,
                     child_element_ids=ids, sub_frames=[TIT2(encoding=3, text=[title])]))
        for element_id, (start, end, name) in zip(ids, chapters, strict=True):
            tag.add(CHAP(element_id=element_id, start_time=start, end_time=end,
                         start_offset=0xFFFFFFFF, end_offset=0xFFFFFFFF,
                         sub_frames=[TIT2(encoding=3, text=[name])]))
    out = io.BytesIO()
    tag.save(out, v2_version=3, padding=lambda info: 0)
    return out.getvalue()


def _comment(routine: Routine, settings: Settings) -> str:
    source = f"From the article \u201c{routine.source}\u201d. " if routine.source else ""
    return f"{source}Level {settings.level}, {settings.pace} pace. Made by voicecoach."


def _ms(timeline: Timeline, samples: int) -> int:
    """Where a sample of the session plays in the MP3, in ms; the very start stays at zero."""
    return 0 if samples == 0 else round((samples + ENCODER_DELAY) * 1000 / timeline.sample_rate)


def write_mp3(path: Path, routine: Routine, settings: Settings, timeline: Timeline, speech: Speech,
              bitrate: int = DEFAULT_BITRATE, progress: Progress | None = None,
              span: Chapter | None = None, track: str | None = None,
              renderer: Renderer | None = None) -> Written:
    """The session (or one chapter of it) as a tagged MP3, written atomically."""
    renderer = renderer or Renderer(timeline, speech)
    start, end = (span.start, span.end) if span else (0, timeline.length)
    if span is None:
        chapters = [(_ms(timeline, c.start), _ms(timeline, c.end), c.title) for c in timeline.chapters]
        title = routine.title
    else:
        chapters = []
        title = span.title
    album = routine.title if span else ALBUM
    tag = id3_tag(title, album, _comment(routine, settings), chapters, track)
    with atomic_output(path) as handle:
        handle.write(tag)
        for frames in encode(renderer.blocks(start, end), timeline.sample_rate, bitrate, progress):
            handle.write(frames)
    return Written(Path(path), (end - start) / timeline.sample_rate)


def safe_name(text: str) -> str:
    """A file name that works on phones and every desktop: no separators or reserved marks."""
    name = re.sub(r'[\\/:*?"<>|\x00-\x1f]+', " ", text)
    name = re.sub(r"\s+", " ", name).strip(" .")
    return name[:80] or "part"


def make_folder(folder: Path) -> None:
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(str(folder), exc.strerror or "cannot make this folder") from None


def write_split(folder: Path, routine: Routine, settings: Settings, timeline: Timeline,
                speech: Speech, bitrate: int = DEFAULT_BITRATE,
                progress: Progress | None = None) -> list[Written]:
    """One numbered MP3 per chapter and an .m3u8 playlist in order, for players without chapters."""
    make_folder(folder)
    written = []
    total = len(timeline.chapters)
    renderer = Renderer(timeline, speech)  # one clip memory for every part
    for number, chapter in enumerate(timeline.chapters, start=1):
        path = folder / f"{number:02d} {safe_name(chapter.title)}.mp3"
        written.append(write_mp3(path, routine, settings, timeline, speech, bitrate, progress,
                                 span=chapter, track=f"{number}/{total}", renderer=renderer))
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


def write_captions(mp3: Path, routine: Routine, timeline: Timeline,
                   span: Chapter | None = None) -> list[Path]:
    """An .lrc (lyrics-aware phone players) and a .vtt beside the MP3: every spoken line at its time."""
    start, end = (span.start, span.end) if span else (0, timeline.length)
    delay = ENCODER_DELAY
    lines = [(timeline.seconds(e.start - start + delay), timeline.seconds(e.end - start + delay), e.text)
             for e in timeline.events if e.kind == "speech" and start <= e.start < end]
    total = timeline.seconds(end - start)
    lrc = [f"[ti:{routine.title}]", f"[ar:{ARTIST}]", f"[al:{ALBUM}]",
           f"[length:{int(total // 60):02d}:{int(total % 60):02d}]"]
    for at, _, text in lines:
        lrc.append(f"{_lrc_stamp(at)}{text}")
    vtt = ["WEBVTT", ""]
    for at, until, text in lines:
        vtt += [f"{_vtt_stamp(at)} --> {_vtt_stamp(until)}", text, ""]
    paths = []
    for suffix, body in ((".lrc", "\n".join(lrc) + "\n"), (".vtt", "\n".join(vtt))):
        path = mp3.with_suffix(suffix)
        with atomic_output(path, "w") as handle:
            handle.write(body)
        paths.append(path)
    return paths


def write_session(target: Path, session, bitrate: int = DEFAULT_BITRATE, split: bool = False,
                  captions: bool = False, progress: Progress | None = None) -> str:
    """Export a prepared session: one MP3 at `target`, or with `split` a folder of parts and a
    playlist; captions beside each MP3 when asked. Returns what was written, for the user."""
    routine, timeline, settings = session.routine, session.timeline, session.settings
    if split:
        written = write_split(target, routine, settings, timeline, session.speech, bitrate, progress)
        if captions:
            for item, chapter in zip(written, timeline.chapters, strict=True):
                write_captions(item.path, routine, timeline, span=chapter)
        return f"{len(written)} files and {routine.id}.m3u8 in {target}/"
    write_mp3(target, routine, settings, timeline, session.speech, bitrate, progress)
    if captions:
        write_captions(target, routine, timeline)
    return f"{target} ({len(timeline.chapters)} chapters)"
