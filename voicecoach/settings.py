"""The choices a person makes for one session: level, pace, target length, voice and bed."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .vocabulary import DEFAULT_LEVEL, DEFAULT_PACE, LEVELS, MAX_SESSION_SECONDS, PaceName

MINUTES_RANGE = (1, MAX_SESSION_SECONDS // 60)  # what --minutes accepts: 1 minute to 4 hours
SAMPLE_RATE = 22050  # espeak-ng's own rate: speech needs no resampling, MP3 at 64 kbit/s suits it
# Integrated loudness of every clip and tone (audio.py brings them there). A session of them,
# measured whole with gating, lands about a decibel lower (pauses inside the 400 ms blocks), near
# -17.5 LUFS: inside the -19 to -16 LUFS asked of a mono spoken-word file.
TARGET_LUFS = -16.5
# Sample-peak ceiling: leaves room for inter-sample peaks and MP3 overshoot under -1 dBTP.
CEILING_DBFS = -2.5
# A bed's loudness between lines, in dB relative to the voice's: well under it, clearly audible
DEFAULT_BED_LEVEL = -20.0
BED_LEVELS = (-40.0, -6.0)


# Words a minute heard while espeak-ng speaks a session's lines (of 8 words or more, the pauses
# between their sentences included), per word a minute asked of it: measured by scripts/audit.py
# on every built-in at every level, 158/130, 189/155 and 221/180 (1.22 within 1%). Asking
# espeak-ng for the pace's number itself made every pace 22% faster than its name.
ESPEAK_SPOKEN_PER_RATE = 1.22


@dataclass(frozen=True)
class Pace:
    spoken: int  # words a minute heard while speaking: what the pace is
    position: float  # seconds given to settle into a position after its setup
    move: float  # times the time to move after a change of side or position (timeline.py)

    @property
    def words_per_minute(self) -> int:
        """The rate asked of the engine, as espeak-ng means it, that speaks `spoken`; flite maps
        it to its own stretch (engines/flite.py)."""
        return round(self.spoken / ESPEAK_SPOKEN_PER_RATE)


PACES: dict[str, Pace] = {  # by PaceName, in PACE_NAMES' order
    # Calm and clear for someone lying down, not slow; 20 words a minute apart, so each pace is
    # clearly another (espeak-ng's own default speaks about 210).
    PaceName.SLOW: Pace(spoken=130, position=10.0, move=1.25),
    PaceName.NORMAL: Pace(spoken=150, position=6.0, move=1.0),
    PaceName.BRISK: Pace(spoken=170, position=4.0, move=0.8),
}


@dataclass(frozen=True)
class Settings:
    level: str = DEFAULT_LEVEL
    pace: str = DEFAULT_PACE
    minutes: float | None = None
    voice: str | None = None
    bed: str | None = None  # a built-in bed's name or an audio file (bed/); None: no bed
    bed_level: float = DEFAULT_BED_LEVEL
    safety_screen: bool = False  # the full safety screen instead of the short note (a first session)
    # the language asked for (i18n.py), and where: "option" (--language), "config" or "locale";
    # None: not asked, and a session speaks its routine's own language
    language: str | None = None
    language_from: str = ""

    def __post_init__(self) -> None:
        if self.level not in LEVELS:
            raise ValueError(f"level must be one of {LEVELS}")
        if self.pace not in PACES:
            raise ValueError(f"pace must be one of {tuple(PACES)}")

    @property
    def words_per_minute(self) -> int:
        """The rate asked of the speech engine (Pace.words_per_minute)."""
        return PACES[self.pace].words_per_minute

    @property
    def spoken_wpm(self) -> int:
        """Words a minute heard while speaking at this pace."""
        return PACES[self.pace].spoken

    @property
    def position_seconds(self) -> float:
        return PACES[self.pace].position

    @property
    def move_factor(self) -> float:
        return PACES[self.pace].move

    def option_args(self) -> list[str]:
        """The command-line options that give these settings (defaults left out)."""
        args = []
        if self.level != DEFAULT_LEVEL:
            args += ["--level", self.level]
        if self.pace != DEFAULT_PACE:
            args += ["--pace", self.pace]
        if self.minutes:
            args += ["--minutes", f"{self.minutes:g}"]
        if self.voice:
            args += ["--voice", self.voice]
        if self.safety_screen:
            args += ["--safety-screen"]
        if self.language and self.language_from == "option":
            args += ["--language", self.language]
        if self.bed:
            args += ["--bed", self.bed]
            if self.bed_level != DEFAULT_BED_LEVEL:
                args += ["--bed-level", f"{self.bed_level:g}"]
        return args

    def default_output(self, routine_id: str, suffix: str) -> Path:
        """The file name a session is written to when none is given: ROUTINE-LEVEL[-PACE][-Nmin]."""
        name = f"{routine_id}-{self.level}"
        if self.pace != DEFAULT_PACE:
            name += f"-{self.pace}"
        if self.minutes:
            name += f"-{self.minutes:g}min"
        return Path(name + suffix)
