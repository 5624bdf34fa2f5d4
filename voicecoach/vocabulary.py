"""The one vocabulary the modules share: levels, paces, positions, kinds of work, what a timeline
event is for and whether it is spoken or a tone, the symptoms and answers a program asks about, and
the defaults. A leaf: it imports nothing of voicecoach, so anything may import it (and the command
line can name its choices without loading the modules that use them)."""
from __future__ import annotations

from enum import StrEnum


class Level(StrEnum):
    """Where in a routine's ranges a session sits: the low end, the middle, the high end."""

    BEGINNER = "beginner"
    STANDARD = "standard"
    ADVANCED = "advanced"


LEVELS: tuple[str, ...] = tuple(level.value for level in Level)  # plain text, as click shows them
DEFAULT_LEVEL = Level.STANDARD


class PaceName(StrEnum):
    """How fast a session speaks and how long it gives to settle (settings.PACES has the numbers)."""

    SLOW = "slow"
    NORMAL = "normal"
    BRISK = "brisk"


PACE_NAMES: tuple[str, ...] = tuple(pace.value for pace in PaceName)
DEFAULT_PACE = PaceName.NORMAL

POSITIONS = ("lying-back", "lying-front", "lying-side", "hands-and-knees", "kneeling", "sitting",
             "standing")
UPRIGHT = ("standing", "sitting")  # the positions a session is stopped from by sitting down
WORK_KINDS = ("hold", "reps", "duration")
EQUIPMENT = ("chair", "wall", "cushion", "ottoman", "mat", "towel", "counter", "desk")

MAX_SESSION_SECONDS = 4 * 3600  # the longest session a routine may make (and --minutes may ask)
COUNTDOWN = 3  # numbers in a countdown
SOURCE = "en"  # the language of the phrases in the code, and of a routine without `language:`
NO_BED = "none"  # --bed none: no bed, e.g. to turn off a default from a config file


class Sound(StrEnum):
    """What an event sounds as: a spoken line, or one of the cue tones (sounds.TONES)."""

    SPEECH = "speech"
    TONE = "tone"


class Role(StrEnum):
    """What an event is for: the one vocabulary of the timeline, shown by `show` and its JSON.
    A tone's role is also the name of the tone played (sounds.TONES)."""

    TITLE = "title"
    SAFETY = "safety"
    INTRO = "intro"
    ANNOUNCE = "announce"
    TRANSITION = "transition"  # how to get from the last position to this one
    SETUP = "setup"
    HOW = "how"  # the movement itself, once before the first count-in
    CAUTION = "caution"
    WORK = "work"
    SIDE = "side"
    SET = "set"
    COUNTDOWN = "countdown"
    COUNT = "count"
    LAST_REP = "last_rep"  # "Last one.", in the quiet before the last rep
    PHASE = "phase"
    CUE = "cue"
    HALFWAY = "halfway"
    REMAINING = "remaining"
    CHECK_IN = "check_in"
    RELEASE = "release"
    REST = "rest"
    OUTRO = "outro"
    # tones
    START = "start"
    END = "end"
    TICK = "tick"
    FINISH = "finish"

    @property
    def kind(self) -> Sound:
        return Sound.TONE if self in TONE_ROLES else Sound.SPEECH

    @property
    def rhythmic(self) -> bool:
        """Part of a beat the listener moves to: playback never cuts between two of these."""
        return self in _RHYTHMIC


TONE_ROLES = frozenset({Role.START, Role.END, Role.TICK, Role.FINISH})
_RHYTHMIC = frozenset({Role.COUNTDOWN, Role.START, Role.COUNT, Role.LAST_REP, Role.PHASE,
                       Role.TICK, Role.END})

# What a program asks about a session: pain from 0 (none) to 10 (the worst), how the back was the
# morning after, and warning symptoms by name (history.py says what each means and what to do).
PAIN_SCALE = (0, 10)
NEXT_DAY = ("better", "same", "worse")
SYMPTOM_NAMES = ("leg-pain", "leg-numb", "leg-weak", "both-legs", "saddle-numb", "bladder-bowel",
                 "fever", "night-pain")
NO_SYMPTOM = "none"
