"""The content-addressed audio cache: one WAV per clip, named by the hash of what made it.

Each entry is a mono 16-bit WAV carrying a `vcsm` chunk with the SHA-256 of its samples, so a
truncated, zeroed or garbled entry is detected on read, deleted and made again. Writes go to a
temporary file that is renamed into place, so a killed process or two writers at once never
leave a half file that is later used.
"""
from __future__ import annotations

import hashlib
import json
import os
import struct
import tempfile
from dataclasses import dataclass
from pathlib import Path

ENV_VAR = "VOICECOACH_CACHE"
CHECKSUM_CHUNK = b"vcsm"
_KEY_CHARS = set("0123456789abcdef")


def default_dir() -> Path:
    """VOICECOACH_CACHE; else audio_cache/ when running from the checkout; else the user cache."""
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
        """A verified entry, or None; a damaged entry is removed so it is made again."""
        path = self.path(key)
        try:
            blob = path.read_bytes()
        except OSError:  # missing, or unreadable: either way, made again
            return None
        entry = decode(blob)
        if entry is None:
            try:
                path.unlink()
            except OSError:
                pass
        return entry

    def put(self, key: str, pcm: bytes, sample_rate: int) -> Entry:
        path = self.path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        handle = tempfile.NamedTemporaryFile(  # noqa: SIM115 - closed by the `with` below; its name outlives it
            dir=path.parent, prefix=f".{key[:12]}.", suffix=".tmp", delete=False)
        try:
            with handle:
                handle.write(encode(pcm, sample_rate))
            os.replace(handle.name, path)
        except BaseException:
            try:
                os.unlink(handle.name)
            except OSError:
                pass
            raise
        return Entry(pcm, sample_rate)

    def entries(self) -> list[Path]:
        if not self.root.is_dir():
            return []
        found: list[Path] = []
        for folder in self.root.iterdir():
            if folder.is_dir() and len(folder.name) == 2 and set(folder.name) <= _KEY_CHARS:
                found.extend(p for p in folder.iterdir()
                             if p.suffix in (".wav", ".tmp") and p.is_file())
        return found

    def size(self) -> tuple[int, int]:
        """(number of entries, bytes on disk)."""
        files = self.entries()
        total = 0
        for path in files:
            try:
                total += path.stat().st_size
            except OSError:
                pass
        return len([p for p in files if p.suffix == ".wav"]), total

    def clear(self) -> int:
        """Remove every entry (and nothing else); return how many were removed."""
        files = self.entries()
        for path in files:
            try:
                path.unlink()
            except OSError:
                pass
        for folder in {p.parent for p in files}:
            try:
                folder.rmdir()
            except OSError:
                pass
        return len([p for p in files if p.suffix == ".wav"])

