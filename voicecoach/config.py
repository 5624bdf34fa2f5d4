"""The user's config file (TOML): default voice, pace, level, sound bed and a folder of Piper
voices. Command-line options win over it.

It lives in the platformdirs config folder (`~/.config/voicecoach/config.toml` on Linux), or
wherever VOICECOACH_CONFIG points. A missing file is no config; a bad one is a located error.
"""
from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

from .errors import ConfigError
from .routine import LEVELS
from .settings import BED_LEVELS, DEFAULT_BED_LEVEL, PACES

ENV_VAR = "VOICECOACH_CONFIG"
EXAMPLE = 'voice = "flite:slt"\npace = "slow"\nlevel = "beginner"\nbed = "brown"\nbed_level = -24\n'
SETTINGS = ("voice", "pace", "level", "bed", "bed_level", "voices")


@dataclass(frozen=True)
class Defaults:
    voice: str | None = None
    pace: str = "normal"
    level: str = "standard"
    bed: str | None = None
    bed_level: float = DEFAULT_BED_LEVEL
    voices: str | None = None  # a folder of Piper voices (NAME.onnx + NAME.onnx.json)


def path() -> Path:
    if os.environ.get(ENV_VAR):
        return Path(os.environ[ENV_VAR]).expanduser()
    import platformdirs

    return Path(platformdirs.user_config_dir("voicecoach", appauthor=False)) / "config.toml"


def _line_of(text: str, key: str) -> int:
    for number, line in enumerate(text.splitlines(), 1):
        if re.match(rf"\s*{re.escape(key)}\s*=", line):
            return number
    return 1


def load(where: Path | None = None) -> Defaults:
    """The defaults the file sets; Defaults() when there is no file."""
    where = where or path()
    try:
        text = where.read_text(encoding="utf-8")
    except FileNotFoundError:
        if os.environ.get(ENV_VAR) and where == path():
            raise ConfigError(str(where), 1, f"no such file (named by {ENV_VAR})") from None
        return Defaults()
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(str(where), 1, getattr(exc, "strerror", None) or str(exc)) from None
    try:
        table = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        found = re.search(r"\(at line (\d+)", str(exc))
        message = re.sub(r"\s*\(at line \d+, column \d+\)", "", str(exc)) or "not valid TOML"
        raise ConfigError(str(where), int(found.group(1)) if found else 1,
                          f"not valid TOML: {message}") from None
    choices = {"pace": tuple(PACES), "level": LEVELS}
    values: dict[str, str | float] = {}
    for key, value in table.items():
        line = _line_of(text, key)
        if key not in SETTINGS:
            raise ConfigError(str(where), line, f"unknown setting '{key}'; the settings are "
                              f"{', '.join(SETTINGS[:-1])} and {SETTINGS[-1]}")
        if key == "bed_level":
            low, high = BED_LEVELS
            if isinstance(value, bool) or not isinstance(value, int | float) \
                    or not low <= value <= high:
                raise ConfigError(str(where), line, f"'bed_level' must be a number of dB from "
                                  f"{low:g} to {high:g}, such as bed_level = -24")
            values[key] = float(value)
            continue
        if not isinstance(value, str) or not value.strip():
            raise ConfigError(str(where), line, f"'{key}' must be a quoted name, such as "
                              f"{key} = \"{choices.get(key, ('flite:slt',))[0]}\"")
        if key in choices and value not in choices[key]:
            raise ConfigError(str(where), line, f"'{key}' must be one of {', '.join(choices[key])}, "
                              f"got '{value}'")
        values[key] = os.path.expanduser(value) if key in ("bed", "voices") else value
    return Defaults(**values)  # type: ignore[arg-type]  # each key's type is checked above
