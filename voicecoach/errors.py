"""The one error hierarchy: every failure a user can act on, with its message built from fields."""
from __future__ import annotations

from dataclasses import dataclass


class VoicecoachError(Exception):
    """Base of every error voicecoach reports to a person. The CLI prints str(error) and exits."""

    exit_code = 1


class UsageError(VoicecoachError):
    """The command was asked for something it cannot do (unknown voice, impossible --minutes)."""

    exit_code = 2


@dataclass(frozen=True)
class Problem:
    """One located problem in a routine file: an error, or a warning about what will sound wrong.
    `line` 0: the file as a whole (one that does not exist or cannot be read has no lines)."""

    path: str
    line: int
    message: str
    exercise: tuple[int, str] | None = None
    severity: str = "error"

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}: " if self.line else f"{self.path}: "
        if self.exercise is not None:
            number, name = self.exercise
            where += f"exercise {number} ({name}): " if name else f"exercise {number}: "
        prefix = "warning: " if self.severity == "warning" else ""
        return f"{where}{prefix}{self.message}"


class RoutineError(VoicecoachError):
    """A routine file that cannot be used; carries every problem found, one line each."""

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class RoutineNotFound(UsageError):
    def __init__(self, name: str, known: list[str]):
        self.name = name
        hint = f" Built-in routines: {', '.join(known)}." if known else ""
        super().__init__(
            f"no routine file or built-in routine named '{name}'.{hint} "
            "Run 'voicecoach list' to see them."
        )


class SpeechEngineMissing(VoicecoachError):
    def __init__(self, detail: str, package: str = "espeak-ng", install: str | None = None):
        """`install`: the command that installs it, where it is not a Debian package."""
        self.package = package
        how = f"Install it with: {install}" if install else \
            f"Install {package} (Debian/Ubuntu: sudo apt-get install {package})."
        super().__init__(f"speech engine not available: {detail}. {how}")


class SpeechError(VoicecoachError):
    def __init__(self, text: str, reason: str):
        super().__init__(f"could not synthesize {text[:40]!r}: {reason}")


class UnknownVoice(UsageError):
    def __init__(self, voice: str):
        self.voice = voice
        super().__init__(
            f"unknown voice '{voice}'. Run 'voicecoach voices' to list the voices you can use."
        )


class FitError(UsageError):
    def __init__(self, routine: str, minutes: float, low: float, high: float,
                 nearest: tuple[float, float] | None = None, *,
                 minutes_range: tuple[float, float]):
        """`routine`: as a message names it (Routine.named). `minutes_range`: what --minutes
        accepts (settings.MINUTES_RANGE); no length outside it is quoted."""
        shortest, longest = minutes_range

        def allowed(value: float) -> float:  # never quote a length --minutes refuses
            return min(max(value, shortest), longest)

        low, high = allowed(low), allowed(high)
        unit = "minute" if minutes == 1 else "minutes"
        message = f"cannot fit {routine} into {minutes:g} {unit}; "
        if nearest:
            below, above = allowed(nearest[0]), allowed(nearest[1])
            message += (f"its sets and reps change in steps, and the nearest it comes is "
                        f"{below:.1f} or {above:.1f} minutes (its range is "
                        f"{low:.1f} to {high:.1f})")
        else:
            message += f"it can be made from {low:.1f} to {high:.1f} minutes long"
        super().__init__(message + ".")


class AudioDeviceError(VoicecoachError):
    """No sound can be played. `instead` says what to do without a device (play: the export
    command with the options given); the audio system's own words (`detail`) are shown only with
    --debug."""

    exit_code = 3

    def __init__(self, reason: str, instead: str, detail: str | None = None):
        self.detail = detail
        super().__init__(f"no audio output: {reason}. {instead}")


class OutputError(VoicecoachError):
    def __init__(self, path: str, reason: str):
        super().__init__(f"cannot write {path}: {reason}")


class CacheError(VoicecoachError):
    """The cache cannot be read or cleared; says what was done before it stopped."""

    def __init__(self, path: object, reason: str, removed: int = 0, failed: int = 0):
        self.removed, self.failed = removed, failed
        if failed:
            message = (f"could not clear the cache at {path}: removed {removed} clips, "
                       f"{failed} could not be removed ({reason})")
        else:
            message = f"cannot read the cache at {path}: {reason}"
        super().__init__(message)


class BedNotFound(UsageError):
    def __init__(self, name: str, known: list[str]):
        self.name = name
        super().__init__(
            f"no audio file or built-in bed named '{name}'. Built-in beds: {', '.join(known)}; "
            "run 'voicecoach beds' to hear what they are."
        )


class BedError(VoicecoachError):
    """An audio file given as a bed that cannot be one: unreadable, not audio, silent, empty."""

    def __init__(self, path: str, reason: str):
        self.path = path
        super().__init__(f"cannot use {path} as a bed: {reason}")


class ConfigError(UsageError):
    """The user's config file cannot be used: located like a compiler's error."""

    def __init__(self, path: str, line: int, message: str):
        super().__init__(f"{path}:{line}: {message}")
