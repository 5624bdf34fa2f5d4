# mypy: disallow-untyped-calls=False
# (mutagen's frame classes carry no types on their constructors; what they build is checked by the tests)
"""MP3 for phones and podcast apps: the only importer of lameenc and mutagen.

The session is encoded block by block with lameenc (LAME bundled, no ffmpeg needed, faster than
ffmpeg's libmp3lame here), at a constant bit rate, behind an ID3v2.3 tag written first: title,
artist, album, genre, a comment naming the source article, and one CHAP frame per chapter under a
top-level ordered CTOC, so podcast players can skip exercises. A Xing "Info" frame with LAME's
extension comes first, so players show the exact length and trim the encoder's delay.
"""
from __future__ import annotations

import struct
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from .files import atomic_output

if TYPE_CHECKING:  # the registry imports this module: only its types are needed here
    from .formats import Mark, Tags

SUFFIX = ".mp3"
MIME = "audio/mpeg"
# LAME puts 576 samples of its own before the first sample given, and decoders add 529 of theirs.
# The Info frame written first tells players both, so they trim them (and LAME's padding at the
# end): the decoded file starts on the session's first sample and is exactly as long.
ENCODER_DELAY = 576
DECODER_DELAY = 529
LAME_QUALITY = 5  # LAME's -q: 5 is its speed/quality balance


def encode(blocks: Iterable[bytes], sample_rate: int, bitrate: int) -> Iterator[bytes]:
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


def id3_tag(tags: Tags, chapters: Sequence[Mark]) -> bytes:
    """An ID3v2.3 tag as bytes, its CHAP frames stored in time order under an ordered CTOC."""
    import io

    from mutagen.id3 import CHAP, COMM, CTOC, ID3, TALB, TCON, TIT2, TPE1, TRCK, CTOCFlags, Frame

    tag = ID3()
    frames: list[Frame] = [TIT2(encoding=3, text=[tags.title]), TPE1(encoding=3, text=[tags.artist]),
              TALB(encoding=3, text=[tags.album]), TCON(encoding=3, text=[tags.genre]),
              COMM(encoding=3, lang="eng", desc="", text=[tags.comment])]
    if tags.track:
        frames.append(TRCK(encoding=3, text=[tags.track]))
    if chapters:
        ids = [f"chp{index}" for index in range(len(chapters))]
        frames.append(CTOC(element_id="toc", flags=CTOCFlags.TOP_LEVEL | CTOCFlags.ORDERED,
                           child_element_ids=ids, sub_frames=[TIT2(encoding=3, text=[tags.title])]))
        for element_id, mark in zip(ids, chapters, strict=True):
            frames.append(CHAP(element_id=element_id, start_time=mark.start_ms, end_time=mark.end_ms,
                               start_offset=0xFFFFFFFF, end_offset=0xFFFFFFFF,
                               sub_frames=[TIT2(encoding=3, text=[mark.title])]))
    for frame in frames:
        tag.add(frame)
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
        start: int = struct.unpack_from(">I", body, body.index(b"\0") + 1)[0]
        return start

    others = [f for f in frames if f[:4] != b"CHAP"]
    chapters = sorted((f for f in frames if f[:4] == b"CHAP"), key=start_time)
    return tag[:10] + b"".join(others + chapters) + tag[position:]


def check() -> None:
    """Nothing to check: lameenc and mutagen are installed with voicecoach."""


def write(path: Path, blocks: Iterable[bytes], sample_rate: int, samples: int,
          chapters: Sequence[Mark], tags: Tags, bitrate: int) -> None:
    """`samples` of 16-bit mono PCM, in `blocks`, as a tagged MP3 at `path`, written atomically."""
    tag = id3_tag(tags, chapters)
    with atomic_output(path) as handle:
        handle.write(tag)
        placeholder = info_frame(sample_rate, bitrate)
        handle.write(placeholder)
        count = _FrameCount()
        for frames in encode(blocks, sample_rate, bitrate):
            count.add(frames)
            handle.write(frames)
        handle.seek(len(tag))
        handle.write(info_frame(sample_rate, bitrate, count.frames, len(placeholder) + count.bytes,
                                samples))
