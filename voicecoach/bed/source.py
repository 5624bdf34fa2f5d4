"""What every bed is to the mixer: float samples at the session rate from any position, at a
known loudness relative to the voice's."""
from __future__ import annotations

import numpy as np


class Bed:
    """A sound that goes on as long as it is asked for: samples(start, end) gives float samples
    at the session rate, scaled so that at full gain its loudness is `level_db` relative to the
    voice's. Reading any range gives the same samples as reading it as part of a longer one."""

    name: str
    scale: float

    def __init__(self, name: str, level_db: float, cap_db: float | None = None):
        self.name = name
        self.level_db = level_db  # its loudness at full gain, relative to the voice's
        # The most `level_db` may be in this session when that is fixed before its speech is made
        # (a session played while its speech is made: session.bed_for); None: Under finds it from
        # the finished timeline (mix.loudest_level).
        self.cap_db = cap_db

    def samples(self, start: int, end: int) -> np.ndarray:
        raise NotImplementedError

    def close(self) -> None:
        pass


def scale_for(loudness: float, voice_lufs: float, level_db: float) -> float:
    """The gain that puts material measured at `loudness` LUFS `level_db` under the voice."""
    return float(10 ** ((voice_lufs + level_db - loudness) / 20))
