"""A calm sound bed under the voice, one job a module:

- duck.py: where it ducks, pure, planned from the timeline (`duck_gain`, `Ducks`);
- source.py: what a bed is to the mixer (`Bed`: samples from any position, at a known level);
- generated.py: the built-in beds, each registered by name (`BUILT_IN`, `register`);
- decode.py: a user's file decoded once, in bounded blocks, into the cache (`decode_stream`);
- mix.py: that file looped (`LoopedFile`), and `Under`, which adds any bed, ducked, under the voice.

`open_bed` is the way in: a registered name or an audio file's path. Like audio.py the package
imports numpy; it is imported only when a bed is asked for, so a session without one never pays
for it. It stays off scipy and pyloudnorm on purpose: their imports alone take 99 MB, where numpy
takes 25, and the bed has to fit an hour's session in 100 MB. So the noise is shaped with numpy's
FFT, and loudness is BS.1770 with the K-weighting applied by FFT (loudness.py; it agrees with
pyloudnorm to about a tenth of a dB: tests/test_bed.py).
"""
from __future__ import annotations

import stat
import struct
from pathlib import Path

from .. import files
from ..cache import Cache
from ..errors import BedError, BedNotFound
from ..settings import DEFAULT_BED_LEVEL, TARGET_LUFS
from .decode import decode_stream
from .duck import ATTACK_S, BRIDGE_S, DUCK_DB, FADE_IN_S, FADE_OUT_S, RELEASE_S, Ducks, duck_gain
from .generated import BUILT_IN, BuiltIn, Generated, register
from .mix import LoopedFile, Under, loudest_level
from .source import Bed

__all__ = ["ATTACK_S", "BRIDGE_S", "BUILT_IN", "DUCK_DB", "FADE_IN_S", "FADE_OUT_S", "RELEASE_S", "Bed",
           "BuiltIn", "Ducks", "Under", "decode_stream", "duck_gain", "loudest_level", "open_bed",
           "register"]


def open_bed(choice: str, rate: int, level_db: float = DEFAULT_BED_LEVEL,
             voice_lufs: float = TARGET_LUFS, cache: Cache | None = None,
             cap_db: float | None = None) -> Bed:
    """A built-in bed by its registered name or an audio file by path, checked before anything
    is written; a file is decoded into `cache` (the default cache when None). `cap_db`: the most
    its level may be in this session, when known before the timeline is (see `Bed`)."""
    built_in = BUILT_IN.get(choice)
    if built_in is not None:
        return Generated(built_in, rate, voice_lufs, level_db, cap_db)
    path = Path(choice).expanduser()
    if not path.exists():
        raise BedNotFound(choice, list(BUILT_IN))
    try:
        mode = path.stat().st_mode
        if not stat.S_ISREG(mode):
            raise BedError(choice, f"it is {files.kind_of(mode)}, not an audio file")
        if not files.read_regular(path, 1):  # never blocks, even on a FIFO swapped in since
            raise BedError(choice, "the file is empty")
        return LoopedFile(path, rate, voice_lufs, level_db, cache or Cache(), cap_db)
    except OSError as exc:
        raise BedError(choice, exc.strerror or str(exc)) from None
    except (ValueError, MemoryError, struct.error, RuntimeError) as exc:  # a decoder met something odd
        raise BedError(choice, f"it could not be decoded ({type(exc).__name__}: {exc})"[:300]) from None
