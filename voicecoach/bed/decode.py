"""A user's bed file decoded once, into the cache: its header checked against sane limits before
anything is read (a file may say anything), then decoded in bounded blocks, so an hour of bed
keeps memory bounded: a PCM or float WAV here (downmixed, and resampled by audio.py's resampler),
anything else by an `ffmpeg` child that downmixes and resamples in the same pass. What the
session hears is kept in the cache's `beds/` folder as 16-bit mono at the session rate, with its
loudness (loudness.py)."""
from __future__ import annotations

import json
import math
import os
import shutil
import struct
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import numpy as np

from .. import files
from ..cache import BEDS, Cache, make_key
from ..errors import BedError
from ..loudness import Loudness
from ..vocabulary import MAX_SESSION_SECONDS
from .duck import FADE_OUT_S

# A header is checked against these before anything is decoded: a file may say anything.
MAX_CHANNELS = 64
RATES = (1000, 768_000)  # Hz
BLOCK_BYTES = 1 << 22  # a WAV is read 4 MiB at a time, whatever its rate and channels
BED_FORMAT = 1  # bump when the decoding (downmix, resampler, measurement) changes
SHORTEST_FILE_S = 1.0  # a shorter file cannot loop with its crossfade
SILENT_DBFS = -70.0  # a file whose peak stays under this has nothing to hear
# A session lasts at most MAX_SESSION_SECONDS: no more of a file than that can ever be heard
LONGEST_S = MAX_SESSION_SECONDS + FADE_OUT_S


@dataclass(frozen=True)
class _Layout:
    """What a WAV file's header says, checked: where its samples are and how to read them."""

    floating: bool
    channels: int
    rate: int
    width: int  # bytes a sample
    offset: int  # of the first sample
    frames: int  # as many as the file really holds


def _wav_layout(path: Path, handle: BinaryIO) -> _Layout | None:
    """The layout of a PCM or float WAV, or None for another kind of WAV (ffmpeg reads it);
    BedError when the header asks for what no audio file needs."""
    size = os.fstat(handle.fileno()).st_size
    position, fmt = 12, None
    for _ in range(10_000):  # chunks before the samples: a file of only chunk headers ends here
        handle.seek(position)
        header = handle.read(8)
        if len(header) < 8:
            break
        kind, length = header[:4], struct.unpack("<I", header[4:])[0]
        if kind == b"fmt ":
            if length < 16 or position + 8 + length > size:
                raise BedError(str(path), f"its WAV header is damaged (a format chunk of {length} bytes)")
            fmt = handle.read(min(length, 40))
        elif kind == b"data":
            if fmt is None:
                break
            tag, channels, rate, _, align, bits = struct.unpack("<HHIIHH", fmt[:16])
            if tag == 0xFFFE and len(fmt) >= 26:  # WAVE_FORMAT_EXTENSIBLE: the real tag follows
                tag = struct.unpack("<H", fmt[24:26])[0]
            if not 1 <= channels <= MAX_CHANNELS:
                raise BedError(str(path), f"its header says {channels} channels (at most {MAX_CHANNELS})")
            if not RATES[0] <= rate <= RATES[1]:
                raise BedError(str(path), f"its header says {rate} Hz (a bed may be "
                                          f"{RATES[0]} to {RATES[1]} Hz)")
            floating = tag == 3
            if (tag, bits) not in ((1, 8), (1, 16), (1, 24), (1, 32), (3, 32), (3, 64)):
                return None
            width = bits // 8
            frames = min(length, size - position - 8) // (width * channels)
            return _Layout(floating, channels, rate, width, position + 8, frames)
        position += 8 + length + (length & 1)
        if position > size:
            break
    raise BedError(str(path), "it is not a WAV file that can be read (no format or no samples)")


def _wav_blocks(path: Path, handle: BinaryIO, layout: _Layout, rate: int) -> Iterator[np.ndarray]:
    """Float32 mono at `rate` from a WAV's samples, read and resampled in bounded blocks."""
    channels, width = layout.channels, layout.width
    per_block = max(1, BLOCK_BYTES // (width * channels))
    resampler = None
    if layout.rate != rate:
        from ..audio import stream_resampler  # soxr (and pydub): only for a WAV at another rate

        resampler = stream_resampler(layout.rate, rate)
    wanted = min(layout.frames, math.ceil(LONGEST_S * layout.rate))
    handle.seek(layout.offset)
    done = 0
    while done < wanted:
        count = min(per_block, wanted - done)
        raw = handle.read(count * width * channels)
        count = len(raw) // (width * channels)
        if count == 0:
            break
        done += count
        raw = raw[: count * width * channels]
        values: np.ndarray
        if layout.floating:
            values = np.frombuffer(raw, "<f4" if width == 4 else "<f8").astype(np.float32)
            values = np.nan_to_num(values, nan=0.0, posinf=1.0, neginf=-1.0)
        elif width == 1:  # unsigned 8-bit
            values = (np.frombuffer(raw, np.uint8).astype(np.float32) - 128) / np.float32(128)
        elif width == 3:  # 24-bit: each sample into the top three bytes of an int32
            padded = np.zeros((count * channels, 4), np.uint8)
            padded[:, 1:] = np.frombuffer(raw, np.uint8).reshape(-1, 3)
            values = padded.view("<i4").ravel().astype(np.float32) / np.float32(2 ** 31)
        else:
            ints = np.frombuffer(raw, "<i2" if width == 2 else "<i4")
            values = ints.astype(np.float32) / np.float32(2 ** (8 * width - 1))
        if channels > 1:  # summed a channel at a time: a mean over the interleaved axis is 10x slower
            mono = values[0::channels].copy()
            for channel in range(1, channels):
                mono += values[channel::channels]
            values = mono * np.float32(1 / channels)
        yield values if resampler is None else resampler.resample_chunk(values)
    if resampler is not None:
        yield resampler.resample_chunk(np.zeros(0, np.float32), last=True)


def _ffmpeg_blocks(path: Path, rate: int, block_s: float = 10.0) -> Iterator[np.ndarray]:
    """Float32 mono at `rate` from anything ffmpeg decodes (MP3, FLAC, Ogg, M4A...), in blocks;
    ffmpeg downmixes and resamples in the same pass."""
    ffmpeg = shutil.which("ffmpeg")
    if ffmpeg is None:
        raise BedError(str(path), "only WAV files can be read without ffmpeg; install ffmpeg "
                                  "(Debian/Ubuntu: sudo apt-get install ffmpeg) or convert it to WAV")
    process = subprocess.Popen(
        [ffmpeg, "-nostdin", "-v", "error", "-i", str(path), "-vn", "-sn", "-dn", "-ac", "1",
         "-ar", str(rate), "-t", f"{LONGEST_S:.0f}", "-f", "f32le", "-"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert process.stdout is not None and process.stderr is not None
    try:
        size = round(block_s * rate) * 4
        while chunk := process.stdout.read(size):
            yield np.nan_to_num(np.frombuffer(chunk[: len(chunk) // 4 * 4], "<f4"),
                                nan=0.0, posinf=1.0, neginf=-1.0)
        error = process.stderr.read(65536).decode(errors="replace").strip()
        if process.wait() != 0:
            last = error.splitlines()[-1] if error else f"ffmpeg exited with {process.returncode}"
            raise BedError(str(path), f"it is not audio that ffmpeg can decode "
                                      f"(ffmpeg: {last.split(': ')[-1]})")
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        process.stdout.close()
        process.stderr.close()


def decode_stream(path: Path, rate: int) -> Iterator[np.ndarray]:
    """The file's sound as float32 mono blocks at `rate` (at most LONGEST_S of it): a PCM or float
    WAV read here, after its header is checked; anything else by ffmpeg."""
    with path.open("rb") as handle:
        head = handle.read(12)
        layout = _wav_layout(path, handle) if head[:4] == b"RIFF" and head[8:12] == b"WAVE" else None
        if layout is not None:
            yield from _wav_blocks(path, handle, layout, rate)
            return
    yield from _ffmpeg_blocks(path, rate)


@dataclass(frozen=True)
class Decoded:
    """A bed file decoded once, as the session hears it: mono 16-bit at the session rate."""

    pcm: Path  # a WAV in the cache; its samples start at byte 44
    length: int
    lufs: float


def decoded(path: Path, rate: int, cache: Cache) -> Decoded:
    """The file decoded, measured and checked, from the cache when this very file (its path, size,
    time and inode) was decoded before at this rate; otherwise decoded now, once, in blocks."""
    info = path.stat()
    key = make_key(kind="bed", path=str(path.resolve()), size=info.st_size, mtime=info.st_mtime_ns,
                   inode=info.st_ino, device=info.st_dev, rate=rate, format=BED_FORMAT)
    folder = cache.root / BEDS
    pcm, described = folder / f"{key}.wav", folder / f"{key}.json"
    try:
        known = json.loads(files.read_regular(described, 4096))
        decoded = Decoded(pcm, int(known["length"]), float(known["lufs"]))
        if pcm.stat().st_size == 44 + 2 * decoded.length and math.isfinite(decoded.lufs):
            return decoded
    except (OSError, ValueError, KeyError, TypeError, files.NotRegular):
        pass  # not decoded yet, or damaged: decoded again
    folder.mkdir(parents=True, exist_ok=True)
    meter = Loudness(rate)
    length, peak = 0, 0.0
    with files.atomic_output(pcm, check=False) as out:
        out.write(bytes(44))
        for block in decode_stream(path, rate):
            if not block.size:
                continue
            length += block.size
            peak = max(peak, float(np.abs(block).max()))
            meter.add(block.astype(np.float64))
            out.write(np.clip(np.round(block * 32767), -32768, 32767).astype("<i2").tobytes())
        lufs = meter.lufs()
        if length == 0:
            raise BedError(str(path), "it has no sound in it (empty)")
        if length < SHORTEST_FILE_S * rate:
            raise BedError(str(path), f"it is too short to loop ({length / rate:.2f} s; "
                                      f"at least {SHORTEST_FILE_S:g} s)")
        if peak < 10 ** (SILENT_DBFS / 20) or not math.isfinite(lufs):
            raise BedError(str(path), "it is silent")
        out.seek(0)
        out.write(b"RIFF" + struct.pack("<I", 36 + 2 * length) + b"WAVEfmt " + struct.pack(
            "<IHHIIHH", 16, 1, 1, rate, 2 * rate, 2, 16) + b"data" + struct.pack("<I", 2 * length))
    with files.atomic_output(described, "w", check=False) as out:
        json.dump({"length": length, "lufs": lufs, "source": str(path)}, out)
    return Decoded(pcm, length, lufs)
