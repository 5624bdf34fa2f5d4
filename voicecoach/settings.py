"""The choices a person makes for one session: level, pace, target length and voice."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .routine import LEVELS, MAX_SESSION_SECONDS

MINUTES_RANGE = (1, MAX_SESSION_SECONDS // 60)  # what --minutes accepts: 1 minute to 4 hours
SAMPLE_RATE = 22050  # espeak-ng's own rate: speech needs no resampling, MP3 at 64 kbit/s suits it


@dataclass(frozen=True)
class Pace:
    words_per_minute: int  # how fast the lines are spoken
    position: float  # seconds given to get into position or change sides


PACES = {
    # Calm and clear for someone lying down, not slow: espeak's own default is 175 wpm.
    "slow": Pace(words_per_minute=130, position=10.0),
    "normal": Pace(words_per_minute=155, position=6.0),
    "brisk": Pace(words_per_minute=180, position=4.0),
}


@dataclass(frozen=True)
class Settings:
    level: str = "standard"
    pace: str = "normal"
    minutes: float | None = None
    voice: str | None = None

    def __post_init__(self) -> None:
        if self.level not in LEVELS:
            raise ValueError(f"level must be one of {LEVELS}")
        if self.pace not in PACES:
            raise ValueError(f"pace must be one of {tuple(PACES)}")

    @property
    def words_per_minute(self) -> int:
        return PACES[self.pace].words_per_minute

    @property
    def position_seconds(self) -> float:
        return PACES[self.pace].position

    def option_args(self) -> list[str]:
        """The command-line options that give these settings (defaults left out)."""
        args = []
        if self.level != "standard":
            args += ["--level", self.level]
        if self.pace != "normal":
            args += ["--pace", self.pace]
        if self.minutes:
            args += ["--minutes", f"{self.minutes:g}"]
        if self.voice:
            args += ["--voice", self.voice]
        return args

    def default_output(self, routine_id: str, suffix: str) -> Path:
        """The file name a session is written to when none is given: ROUTINE-LEVEL[-PACE][-Nmin]."""
        name = f"{routine_id}-{self.level}"
        if self.pace != "normal":
            name += f"-{self.pace}"
        if self.minutes:
            name += f"-{self.minutes:g}min"
        return Path(name + suffix)
