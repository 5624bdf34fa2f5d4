"""M4B for audiobook players (BookPlayer, Smart AudioBook Player): AAC in an MP4 file with chapters
and tags, made by the ffmpeg program, the only writer that runs it.

ffmpeg (Debian's, already what the tests measure files with; its native AAC encoder) is fed the PCM
on its standard input, block by block, so memory stays flat however long the session, and reads
the tags and chapters from an FFMETADATA file. It writes both chapter lists players look for: a
QuickTime chapter track (Apple's players) and a Nero `chpl` box (most Android players). The MP4
index goes at the front (+faststart), so a player or a browser streaming it over HTTP can start
before it has the whole file. AAC's own encoder delay is trimmed by an edit list ffmpeg writes.
"""
from __future__ import annotations

import contextlib
import shutil
import subprocess
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import OutputError, VoicecoachError
from .files import atomic_output, scratch_folder

if TYPE_CHECKING:  # the registry imports this module: only its types are needed here
    from .formats import Mark, Tags

SUFFIX = ".m4b"
# audio/mp4 is the registered type for MPEG-4 audio (RFC 4337), the one browsers' <audio> knows
# (canPlayType gives "maybe"; "" for audio/x-m4b) and podcast apps take as audio; audio/x-m4b is
# an unregistered name, and Apple's own list of enclosure types has no .m4b at all.
MIME = "audio/mp4"
# ffmpeg's "fast" AAC coder, not its default "twoloop": on a five-minute session of speech at 64
# kbit/s mono it took a third of the CPU time (1.3 s against 3.7 s) and came closer to the PCM (35
# dB signal to error against 24 dB); twoloop's search pays off at low rates for music, not here.
AAC_CODER = "fast"
AUDIOBOOK = 2  # the iTunes media kind (stik) that files an M4B under audiobooks


class EncoderMissing(VoicecoachError):
    def __init__(self) -> None:
        super().__init__("M4B is made with ffmpeg, which is not installed. Install ffmpeg "
                         "(Debian/Ubuntu: sudo apt-get install ffmpeg), or export as MP3 (--format mp3).")


def _ffmpeg() -> str:
    found = shutil.which("ffmpeg")
    if found is None:
        raise EncoderMissing()
    return found


def check() -> None:
    """Raise EncoderMissing, saying how to install it, if ffmpeg is not there."""
    _ffmpeg()


def _escape(text: str) -> str:
    """A value as FFMETADATA takes it: its special characters escaped, on one line."""
    for char in "\\=;#":
        text = text.replace(char, "\\" + char)
    return " ".join(text.splitlines())


def metadata(chapters: Sequence[Mark], tags: Tags) -> str:
    """The FFMETADATA text for ffmpeg: the tags, then each chapter, in time order."""
    lines = [";FFMETADATA1", f"title={_escape(tags.title)}", f"artist={_escape(tags.artist)}",
             f"album={_escape(tags.album)}", f"genre={_escape(tags.genre)}",
             f"comment={_escape(tags.comment)}", f"media_type={AUDIOBOOK}"]
    if tags.track:
        lines.append(f"track={_escape(tags.track)}")
    for mark in sorted(chapters, key=lambda m: m.start_ms):
        lines += ["", "[CHAPTER]", "TIMEBASE=1/1000", f"START={mark.start_ms}", f"END={mark.end_ms}",
                  f"title={_escape(mark.title)}"]
    return "\n".join(lines) + "\n"


def write(path: Path, blocks: Iterable[bytes], sample_rate: int, samples: int,
          chapters: Sequence[Mark], tags: Tags, bitrate: int) -> None:
    """16-bit mono PCM, in `blocks`, as an M4B at `path` with chapters and tags, written atomically."""
    ffmpeg = _ffmpeg()
    with scratch_folder("voicecoach-m4b-") as scratch, tempfile.TemporaryFile() as said, \
            atomic_output(path) as handle:
        meta = scratch / "chapters.txt"
        meta.write_text(metadata(chapters, tags), encoding="utf-8")
        fd = handle.fileno()
        # ffmpeg writes the hidden temporary file atomic_output renames (through /dev/fd, so it can
        # seek back to put the index first); "M4B " is the brand audiobook files carry.
        command = [ffmpeg, "-nostdin", "-v", "error", "-y",
                   "-f", "s16le", "-ar", str(sample_rate), "-ac", "1", "-i", "pipe:0",
                   "-i", str(meta), "-map", "0:a", "-map_metadata", "1", "-map_chapters", "1",
                   "-c:a", "aac", "-aac_coder", AAC_CODER, "-b:a", f"{bitrate}k",
                   "-movflags", "+faststart",
                   "-brand", "M4B ", "-f", "ipod", f"/dev/fd/{fd}"]
        # Its own session: a Ctrl-C at the terminal reaches voicecoach alone, which stops it below
        # and removes the partial file, rather than ffmpeg dying first and that being an error.
        process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                                   stderr=said, pass_fds=(fd,), start_new_session=True, bufsize=0)
        assert process.stdin is not None
        try:
            try:
                for block in blocks:
                    process.stdin.write(block)
                process.stdin.close()  # the end of the PCM: ffmpeg finishes the file
            except BrokenPipeError:
                pass  # ffmpeg stopped early: what it said is read below
            code = process.wait()
        except BaseException:  # stopped (Ctrl-C, serve stopping): ffmpeg goes too, and the file
            process.kill()
            process.wait()
            raise
        finally:
            with contextlib.suppress(OSError):
                process.stdin.close()
        if code != 0:
            said.seek(0)
            lines = said.read().decode("utf-8", "replace").strip().splitlines()
            raise OutputError(str(path), f"ffmpeg could not make the M4B "
                                         f"({lines[-1] if lines else f'it exited with {code}'})")
