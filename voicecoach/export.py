"""MP3 export for phones: the only importer of lameenc and mutagen.

The session is encoded block by block from the streaming renderer with lameenc (LAME bundled, no
ffmpeg needed, faster than ffmpeg's libmp3lame here), at a constant bit rate, behind an ID3v2.3
tag written first: title, artist, album, genre, a comment naming the source article, and one
CHAP frame per chapter under a top-level ordered CTOC, so podcast players can skip exercises.
Loudness is set where clips enter the cache (audio.py): every clip and tone at -16.5 LUFS under
a peak limiter, which puts a whole session near -17.5 LUFS integrated and under -1 dBTP. A bed
(bed/) is set against that known voice loudness, 20 dB under it between lines by default and
ducked under every line, and gives way at the voice's peak ceiling: the export keeps both figures.
"""
from __future__ import annotations

import re
import struct
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from .files import atomic_output, make_folder
from .render import SAMPLE_BYTES, Renderer
from .routine import Routine
from .settings import Settings
from .speech import Speech
from .timeline import Chapter, Timeline

DEFAULT_BITRATE = 64  # kbit/s: plenty for mono speech at 22.05 kHz
# LAME puts 576 samples of its own before the first sample given, and decoders add 529 of theirs.
# The Info frame written first tells players both, so they trim them (and LAME's padding at the
# end): the decoded file starts on the session's first sample and is exactly as long.
ENCODER_DELAY = 576
DECODER_DELAY = 529
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
    # LAME would resample to 16 kHz at 24 kbit/s and below: the session's rate keeps every
    # sample where the timeline, the chapters and the Info frame put it.
    encoder.set_out_sample_rate(sample_rate)
    encoder.set_channels(1)
    encoder.set_quality(LAME_QUALITY)
    for block in blocks:
        frames = encoder.encode(block)
        if progress:
            progress(len(block) // SAMPLE_BYTES)
        if frames:
            yield bytes(frames)
    yield bytes(encoder.flush())


# MPEG audio layer III, as the Info frame needs it: (version bits, rates, kbit/s by index, side info
# bytes for mono, samples per frame). lameenc writes no Info frame itself.
_LAYER3 = {
    3: ((44100, 48000, 32000), (0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320), 17, 1152),
    2: ((22050, 24000, 16000), (0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160), 9, 576),
    0: ((11025, 12000, 8000), (0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160), 9, 576),
}
_INFO_BYTES = 4 + 4 + 4 + 100 + 4  # "Info", flags, frames, bytes, table of contents, quality
_LAME_BYTES = 36
LAME_VERSION = b"LAME3.100"  # the LAME that lameenc bundles


def _frame_length(header: bytes | bytearray) -> int:
    """The length in bytes of the MPEG layer III frame whose 4-byte header is given."""
    version = header[1] >> 3 & 3
    rates, kbits, _, samples = _LAYER3[version]
    kbit = kbits[header[2] >> 4]
    return samples // 8 * kbit * 1000 // rates[header[2] >> 2 & 3] + (header[2] >> 1 & 1)


class _FrameCount:
    """Counts the frames and bytes of an MP3 stream as it goes by."""

    def __init__(self) -> None:
        self.frames = 0
        self.bytes = 0
        self._pending = bytearray()

    def add(self, data: bytes) -> None:
        self.bytes += len(data)
        self._pending += data
        while len(self._pending) >= 4:
            length = _frame_length(self._pending[:4])
            if len(self._pending) < length:
                break
            del self._pending[:length]
            self.frames += 1


def _crc16(data: bytes, crc: int = 0) -> int:
    """CRC-16 (polynomial 0x8005, reflected), as LAME's tag carries it."""
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0xA001 if crc & 1 else crc >> 1
    return crc


def info_frame(sample_rate: int, bitrate: int, frames: int = 0, audio_bytes: int = 0,
               samples: int = 0) -> bytes:
    """A silent first frame carrying a Xing "Info" tag (constant bit rate) with LAME's extension.

    It gives the number of frames and bytes, so players show the exact duration, and the encoder
    delay and padding, so gapless players (and ffmpeg) trim them. `frames`, `audio_bytes` (the
    frames that follow, plus this one) and `samples` (the samples encoded) are known only after
    encoding: write it with zeros first, then again in its place.
    """
    version = next(v for v, (rates, *_) in _LAYER3.items() if sample_rate in rates)
    rates, kbits, side_info, per_frame = _LAYER3[version]
    needed = 4 + side_info + _INFO_BYTES + _LAME_BYTES
    # The stream's own bit rate where the tag fits (as LAME does), else the least that holds it.
    index = next(i for i in range(kbits.index(bitrate), len(kbits))
                 if per_frame // 8 * kbits[i] * 1000 // sample_rate >= needed)
    header = bytes([0xFF, 0xE0 | version << 3 | 1 << 1 | 1, index << 4 | rates.index(sample_rate) << 2,
                    0b11 << 6 | 1 << 2])  # layer III, no CRC; mono, original
    length = _frame_length(header)
    padding = frames * per_frame - ENCODER_DELAY - samples if frames else 0
    if not 0 <= padding < 4096:
        raise ValueError(f"encoder padding {padding} does not fit the LAME tag")
    toc = bytes(min(255, i * 256 // 100) for i in range(100))  # constant bit rate: a straight line
    quality = 100 - 10 * 4 - LAME_QUALITY  # as LAME computes it for its default VBR quality, 4
    info = b"Info" + struct.pack(">III", 0x0F, frames, audio_bytes) + toc + struct.pack(">I", quality)
    lame = (LAME_VERSION + bytes([0x01, 0]) + bytes(4 + 2 + 2 + 1)  # revision 0, CBR; no gains
            + bytes([min(bitrate, 255)])
            + (ENCODER_DELAY << 12 | padding).to_bytes(3, "big")
            + bytes(1 + 1 + 2) + struct.pack(">I", audio_bytes) + bytes(2))  # music CRC not given
    frame = header + bytes(side_info) + info + lame
    frame += struct.pack(">H", _crc16(frame))
    return frame.ljust(length, b"\0")


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
    return _chapters_in_time_order(out.getvalue())


def _chapters_in_time_order(tag: bytes) -> bytes:
    """The same ID3v2.3 tag with its CHAP frames stored in time order.

    mutagen stores frames by size, and ffmpeg (so ffprobe and conversions to M4B) lists chapters
    in stored order, not by their times or the CTOC. The frames are moved as whole byte runs, so
    nothing in them changes; mutagen writes v2.3 with no extended header or unsynchronisation.
    """
    if tag[:4] != b"ID3\x03" or tag[5] & 0xC0:
        raise ValueError("expected a plain ID3v2.3 tag")
    frames, position = [], 10
    while position + 10 <= len(tag) and tag[position] != 0:
        (size,) = struct.unpack_from(">I", tag, position + 4)
        frames.append(tag[position: position + 10 + size])
        position += 10 + size

    def start_time(frame: bytes) -> int:
        body = frame[10:]
        return struct.unpack_from(">I", body, body.index(b"\0") + 1)[0]

    others = [f for f in frames if f[:4] != b"CHAP"]
    chapters = sorted((f for f in frames if f[:4] == b"CHAP"), key=start_time)
    return tag[:10] + b"".join(others + chapters) + tag[position:]


def _comment(routine: Routine, settings: Settings) -> str:
    source = f"From the article \u201c{routine.source}\u201d. " if routine.source else ""
    return f"{source}Level {settings.level}, {settings.pace} pace. Made by voicecoach."


def _ms(timeline: Timeline, samples: int) -> int:
    """Where a sample of the session plays in the MP3, in ms (players trim the encoder delay)."""
    return round(samples * 1000 / timeline.sample_rate)


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
    rate = timeline.sample_rate
    with atomic_output(path) as handle:
        handle.write(tag)
        placeholder = info_frame(rate, bitrate)
        handle.write(placeholder)
        count = _FrameCount()
        for frames in encode(renderer.blocks(start, end), rate, bitrate, progress):
            count.add(frames)
            handle.write(frames)
        handle.seek(len(tag))
        handle.write(info_frame(rate, bitrate, count.frames, len(placeholder) + count.bytes,
                                end - start))
    return Written(Path(path), (end - start) / rate)


def safe_name(text: str) -> str:
    """A file name that works on phones and every desktop: no separators or reserved marks."""
    name = re.sub(r'[\\/:*?"<>|\x00-\x1f]+', " ", text)
    name = re.sub(r"\s+", " ", name).strip(" .")
    return name[:80] or "part"


def write_split(folder: Path, routine: Routine, settings: Settings, timeline: Timeline,
                speech: Speech, bitrate: int = DEFAULT_BITRATE,
                progress: Progress | None = None, renderer: Renderer | None = None) -> list[Written]:
    """One numbered MP3 per chapter and an .m3u8 playlist in order, for players without chapters."""
    make_folder(folder)
    written = []
    total = len(timeline.chapters)
    renderer = renderer or Renderer(timeline, speech)  # one clip memory for every part
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


_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")


def _one_line(text: str) -> str:
    """A caption on one line, without control characters: a line break would end the cue."""
    return " ".join(_CONTROL.sub(" ", text).split())


def _vtt_text(text: str) -> str:
    """Cue text as WebVTT wants it: '&', '<' and '>' escaped, so '-->' or a '<' in a line is text,
    never a timing line or a tag."""
    return _one_line(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def write_captions(mp3: Path, routine: Routine, timeline: Timeline,
                   span: Chapter | None = None) -> list[Path]:
    """An .lrc (lyrics-aware phone players) and a .vtt beside the MP3: every spoken line at its time."""
    start, end = (span.start, span.end) if span else (0, timeline.length)
    lines = [(timeline.seconds(e.start - start), timeline.seconds(e.end - start), e.text)
             for e in timeline.events if e.kind == "speech" and start <= e.start < end]
    total = timeline.seconds(end - start)
    lrc = [f"[ti:{routine.title}]", f"[ar:{ARTIST}]", f"[al:{ALBUM}]",
           f"[length:{int(total // 60):02d}:{int(total % 60):02d}]"]
    for at, _, text in lines:
        lrc.append(f"{_lrc_stamp(at)}{_one_line(text)}")
    vtt = ["WEBVTT", ""]
    for at, until, text in lines:
        vtt += [f"{_vtt_stamp(at)} --> {_vtt_stamp(until)}", _vtt_text(text), ""]
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
    renderer = Renderer(timeline, session.speech, session.bed)
    if split:
        written = write_split(target, routine, settings, timeline, session.speech, bitrate, progress,
                              renderer)
        if captions:
            for item, chapter in zip(written, timeline.chapters, strict=True):
                write_captions(item.path, routine, timeline, span=chapter)
        return f"{len(written)} files and {routine.id}.m3u8 in {target}/"
    write_mp3(target, routine, settings, timeline, session.speech, bitrate, progress, renderer=renderer)
    if captions:
        write_captions(target, routine, timeline)
    return f"{target} ({len(timeline.chapters)} chapters)"
