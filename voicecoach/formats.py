"""The output formats a session can be written in: each a name, a file suffix, a MIME type and a
writer, registered once here and used alike by export, serve's episodes, the feed and the page.

A writer turns the session's PCM blocks (16-bit mono, streamed: never the whole session at once),
its chapters and its tags into a file, atomically. Adding a format is one module with a `write`
and one line in FORMATS.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from . import m4b, mp3
from .errors import UsageError


@dataclass(frozen=True)
class Tags:
    """What a file says about itself, in whatever tags its format has."""

    title: str
    artist: str
    album: str
    genre: str
    comment: str
    track: str | None = None  # "3/7" for one part of a split session


@dataclass(frozen=True)
class Mark:
    """One chapter as written into a file: where it starts and ends (ms of the file), its title."""

    start_ms: int
    end_ms: int
    title: str


class Writer(Protocol):
    def __call__(self, path: Path, blocks: Iterable[bytes], sample_rate: int, samples: int,
                 chapters: Sequence[Mark], tags: Tags, bitrate: int) -> None: ...


@dataclass(frozen=True)
class Format:
    name: str  # what --format takes
    label: str  # what a person reads: "MP3"
    suffix: str  # ".mp3"
    mime: str  # the Content-Type served and the feed's enclosure type
    write: Writer
    check: Callable[[], None]  # raises a VoicecoachError naming what to install, if anything is missing

    @property
    def what(self) -> str:
        """'an MP3 file', for messages."""
        return f"an {self.label} file"


FORMATS: dict[str, Format] = {f.name: f for f in (
    Format("mp3", "MP3", mp3.SUFFIX, mp3.MIME, mp3.write, mp3.check),
    Format("m4b", "M4B", m4b.SUFFIX, m4b.MIME, m4b.write, m4b.check),
)}
DEFAULT = FORMATS["mp3"]


def names() -> list[str]:
    return list(FORMATS)


def suffixes() -> set[str]:
    """Every suffix a format writes: the audio files among others (captions, descriptions)."""
    return {f.suffix for f in FORMATS.values()}


def by_name(name: str) -> Format:
    try:
        return FORMATS[name]
    except KeyError:
        raise UsageError(f"--format must be one of {', '.join(FORMATS)}, got {name!r}") from None


def by_suffix(path: Path) -> Format | None:
    """The format a file name's suffix names, if any."""
    return next((f for f in FORMATS.values() if f.suffix == path.suffix.lower()), None)


def for_output(name: str | None, output: Path | None) -> Format:
    """The format to write: the one given, else the one `output`'s suffix names, else MP3. A name
    whose suffix is another format's contradicts --format: refused, saying both. (A name with no
    format's suffix is refused by the caller's suffix check, files.check_suffix.)"""
    named = by_suffix(output) if output is not None else None
    if name is None:
        return named or DEFAULT
    fmt = by_name(name)
    if named is not None and named is not fmt:
        raise UsageError(f"--format {fmt.name} writes {fmt.suffix} files, but -o {output} ends in "
                         f"{named.suffix}: change the name or leave out --format")
    return fmt
