"""The content-addressed audio cache: one WAV per clip, named by the hash of what made it.

Each entry is a mono 16-bit WAV carrying a `vcsm` chunk with the SHA-256 of its samples, so a
truncated, zeroed or garbled entry is detected on read, deleted and made again. Writes go to a
temporary file that is renamed into place, so a killed process or two writers at once never
leave a half file that is later used; a temporary file left by a killed process goes with the
next write of that entry or with `cache clear`.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import struct
from dataclasses import dataclass
from pathlib import Path

from .errors import CacheError
from .files import PARTIAL_SUFFIX, NotRegular, atomic_output, read_regular, remove_stale_partials
from .formats import suffixes

ENV_VAR = "VOICECOACH_CACHE"
CHECKSUM_CHUNK = b"vcsm"
_KEY_CHARS = set("0123456789abcdef")


def default_dir() -> Path:
    """VOICECOACH_CACHE; else an audio_cache/ folder made in the checkout, when running from it;
    else the user cache."""
    if os.environ.get(ENV_VAR):
        return Path(os.environ[ENV_VAR]).expanduser()
    checkout = Path(__file__).resolve().parent.parent
    if (checkout / "pyproject.toml").is_file() and (checkout / "audio_cache").is_dir():
        return checkout / "audio_cache"
    import platformdirs

    return Path(platformdirs.user_cache_dir("voicecoach", appauthor=False))


def make_key(**fields: object) -> str:
    """The key covers everything that changes the audio."""
    return hashlib.sha256(json.dumps(fields, sort_keys=True).encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Entry:
    pcm: bytes  # mono 16-bit little-endian samples
    sample_rate: int

    @property
    def samples(self) -> int:
        return len(self.pcm) // 2


def encode(pcm: bytes, sample_rate: int) -> bytes:
    """A WAV file whose vcsm chunk holds the SHA-256 of its data chunk."""
    fmt = struct.pack("<HHIIHH", 1, 1, sample_rate, sample_rate * 2, 2, 16)
    digest = hashlib.sha256(pcm).digest()
    body = (b"WAVE" + b"fmt " + struct.pack("<I", len(fmt)) + fmt
            + CHECKSUM_CHUNK + struct.pack("<I", len(digest)) + digest
            + b"data" + struct.pack("<I", len(pcm)) + pcm)
    if len(pcm) % 2:
        raise ValueError("16-bit PCM has an even number of bytes")
    return b"RIFF" + struct.pack("<I", len(body)) + body


def decode(blob: bytes) -> Entry | None:
    """The entry if the file is whole and its samples match their checksum, else None."""
    if len(blob) < 12 or blob[:4] != b"RIFF" or blob[8:12] != b"WAVE":
        return None
    if struct.unpack_from("<I", blob, 4)[0] != len(blob) - 8:
        return None
    pos, fmt, digest, data = 12, None, None, None
    while pos + 8 <= len(blob):
        kind = blob[pos:pos + 4]
        (size,) = struct.unpack_from("<I", blob, pos + 4)
        chunk = blob[pos + 8: pos + 8 + size]
        if len(chunk) != size:
            return None
        if kind == b"fmt ":
            fmt = chunk
        elif kind == CHECKSUM_CHUNK:
            digest = chunk
        elif kind == b"data":
            data = chunk
        pos += 8 + size + (size & 1)
    if fmt is None or digest is None or data is None or len(fmt) < 16:
        return None
    audio_format, channels, rate, _, _, bits = struct.unpack_from("<HHIIHH", fmt)
    if (audio_format, channels, bits) != (1, 1, 16) or not rate:
        return None
    if hashlib.sha256(data).digest() != digest or not data:
        return None
    return Entry(bytes(data), rate)


class Cache:
    def __init__(self, root: Path | str | None = None):
        self.root = Path(root) if root is not None else default_dir()

    def path(self, key: str) -> Path:
        return self.root / key[:2] / f"{key}.wav"

    def get(self, key: str) -> Entry | None:
        """A verified entry, or None; a damaged entry is removed so it is made again.

        Only a regular file is read: a FIFO put in its place would block forever, and a folder
        would fail every read; both are damage like any other, removed and made again.
        """
        path = self.path(key)
        try:
            blob = read_regular(path)
        except NotRegular:
            _remove(path)
            return None
        except OSError:  # missing, or unreadable: either way, made again
            return None
        entry = decode(blob)
        if entry is None:
            _remove(path)
        return entry

    def put(self, key: str, pcm: bytes, sample_rate: int) -> Entry:
        path = self.path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.is_file() and (path.exists() or path.is_symlink()):
            _remove(path)  # a folder or a node where the entry goes: the rename would fail
        with atomic_output(path, check=False) as handle:
            handle.write(encode(pcm, sample_rate))
        return Entry(pcm, sample_rate)

    def _folders(self) -> list[Path]:
        try:
            return [folder for folder in self.root.iterdir()
                    if folder.is_dir() and len(folder.name) == 2 and set(folder.name) <= _KEY_CHARS]
        except FileNotFoundError:
            return []
        except OSError as exc:
            raise CacheError(self.root, exc.strerror or str(exc)) from None

    def entries(self) -> list[Path]:
        """Every entry (whatever it has become: a damaged one may be a folder) and temporary file."""
        found: list[Path] = []
        for folder in self._folders():
            try:
                found.extend(p for p in folder.iterdir()
                             if p.suffix == ".wav" or p.name.endswith(PARTIAL_SUFFIX))
            except OSError as exc:
                raise CacheError(folder, exc.strerror or str(exc)) from None
        return found

    def size(self) -> tuple[int, int]:
        """(number of entries, bytes on disk)."""
        return _count_and_bytes(self.entries(), ".wav")

    def episodes(self) -> list[Path]:
        """The files of the episodes `serve` made (in EPISODES, beside the clips), not temporary
        files a live writer may hold."""
        try:
            return [p for p in (self.root / EPISODES).iterdir()
                    if not p.name.endswith(PARTIAL_SUFFIX) and (p.is_file() or p.is_symlink())]
        except (FileNotFoundError, NotADirectoryError):
            return []
        except OSError as exc:
            raise CacheError(self.root / EPISODES, exc.strerror or str(exc)) from None

    def episode_size(self) -> tuple[int, int]:
        """(number of episodes, bytes on disk) that `serve` made."""
        return _count_and_bytes(self.episodes(), suffixes())

    def clear_episodes(self) -> int:
        """Remove the episodes `serve` made (made again when next asked for); how many."""
        files = self.episodes()
        removed, failed, reason = 0, 0, ""
        for path in sorted(files, key=lambda p: p.suffix != ".json"):  # the 'finished' mark first
            try:
                path.unlink()
                removed += path.suffix in suffixes()
            except FileNotFoundError:
                pass
            except OSError as exc:
                failed += 1
                reason = reason or exc.strerror or str(exc)
        if (self.root / EPISODES).is_dir():
            remove_stale_partials(self.root / EPISODES)
        if failed:
            raise CacheError(self.root / EPISODES, reason, removed, failed)
        return removed

    def clear(self) -> int:
        """Remove every entry and every temporary file no live writer holds (and nothing else);
        return how many entries were removed. CacheError says what was left, and why."""
        files = self.entries()
        removed, failed, reason = 0, 0, ""
        for path in files:
            if path.suffix != ".wav":
                continue
            try:
                _remove(path, strict=True)
                removed += 1
            except FileNotFoundError:
                pass
            except OSError as exc:
                failed += 1
                reason = reason or exc.strerror or str(exc)
        beds = self.root / BEDS  # bed files decoded once (bed/decode.py): made again when next used
        if beds.is_dir():
            for path in beds.iterdir():
                if path.suffix in (".wav", ".json") and path.is_file():
                    try:
                        path.unlink()
                    except FileNotFoundError:
                        pass
                    except OSError as exc:
                        failed += 1
                        reason = reason or exc.strerror or str(exc)
            remove_stale_partials(beds)
        for folder in {p.parent for p in files} | set(self._folders()):
            remove_stale_partials(folder)
            remove_stale_partials(folder, suffix=".tmp")  # as older versions named them
            try:
                folder.rmdir()
            except OSError:
                pass
        if failed:
            raise CacheError(self.root, reason, removed, failed)
        return removed


def _count_and_bytes(files: list[Path], suffix: str | set[str]) -> tuple[int, int]:
    """How many of `files` end in `suffix` (or one of them), and the bytes all of them take (gone
    ones: none)."""
    total = 0
    for path in files:
        try:
            total += path.lstat().st_size
        except OSError:
            pass
    wanted = {suffix} if isinstance(suffix, str) else suffix
    return len([p for p in files if p.suffix in wanted]), total


BEDS = "beds"  # bed files decoded at the session rate (bed/decode.py), in the cache folder
EPISODES = "episodes"  # serve's finished episodes, in the cache folder: all can be made again


def _remove(path: Path, strict: bool = False) -> None:
    """Remove an entry, whatever it has become (a file, a node, a folder)."""
    try:
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        else:
            path.unlink()
    except OSError:
        if strict:
            raise
