"""The user's config file (TOML): default voice, pace, level, sound bed, a folder of Piper
voices and the language sessions speak. Command-line options win over it.

It lives in the platformdirs config folder (`~/.config/voicecoach/config.toml` on Linux), or
wherever VOICECOACH_CONFIG points. A missing file is no config, unless VOICECOACH_CONFIG names it;
a bad one is a located error. It is read as every input is: a regular file only, and at most
MAX_BYTES.
"""
from __future__ import annotations

import difflib
import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import ConfigError
from .files import NotRegular, read_regular
from .settings import BED_LEVELS, DEFAULT_BED_LEVEL
from .vocabulary import DEFAULT_LEVEL, DEFAULT_PACE, LEVELS, PACE_NAMES

ENV_VAR = "VOICECOACH_CONFIG"
EXAMPLE = 'voice = "flite:slt"\npace = "slow"\nlevel = "beginner"\nbed = "brown"\nbed_level = -24\n'
SETTINGS = ("voice", "pace", "level", "bed", "bed_level", "voices", "listen", "language")
EXAMPLES = {"voice": "flite:slt", "pace": "slow", "level": "beginner", "bed": "brown",
            "voices": "~/piper-voices", "language": "de"}
MAX_BYTES = 64 * 1024  # seven settings take a hundred bytes


@dataclass(frozen=True)
class Defaults:
    voice: str | None = None
    pace: str = DEFAULT_PACE
    level: str = DEFAULT_LEVEL
    bed: str | None = None
    bed_level: float = DEFAULT_BED_LEVEL
    voices: str | None = None  # a folder of Piper voices (NAME.onnx + NAME.onnx.json)
    listen: bool = False  # spoken commands while playing (play --listen)
    language: str | None = None  # the language sessions speak (i18n.py); None: the locale's
    source: str = field(default="", compare=False)  # the file read, for errors found later
    lines: tuple[tuple[str, int], ...] = field(default=(), compare=False)  # (setting, line)

    def located(self, key: str, message: str) -> ConfigError:
        """An error in a setting found after reading (an unknown voice), at its file and line."""
        return ConfigError(self.source, dict(self.lines).get(key, 1), message)


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


def _read(where: Path) -> str | None:
    """The file's text; None when there is none (and none was named by VOICECOACH_CONFIG), or
    when it is the null device (VOICECOACH_CONFIG=/dev/null: no config, on purpose)."""
    if where == Path(os.devnull):
        return None
    try:
        data = read_regular(where, MAX_BYTES + 1)
    except FileNotFoundError:
        if os.environ.get(ENV_VAR) and where == path():
            raise ConfigError(str(where), 1, f"no such file (named by {ENV_VAR}; unset it, or "
                              "make the file)") from None
        return None
    except NotRegular as exc:
        raise ConfigError(str(where), 1, f"{exc.strerror}; a config file is a TOML text "
                          "file") from None
    except OSError as exc:
        raise ConfigError(str(where), 1, exc.strerror or str(exc)) from None
    if len(data) > MAX_BYTES:
        raise ConfigError(str(where), 1, f"the file is over {MAX_BYTES // 1024} KB; a config "
                          "file holds a few settings")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ConfigError(str(where), line, "the file is not UTF-8 text; save it as UTF-8") from None


def _parse(text: str, where: Path) -> dict[str, Any]:  # as tomllib gives it: load() checks each value
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        found = re.search(r"\(at line (\d+)", str(exc))
        last = max(1, len(text.splitlines()))
        line = int(found.group(1)) if found else last if "end of document" in str(exc) else 1
        bare = re.fullmatch(r"\s*([A-Za-z_]+)\s*=\s*([^\s\"'\[{#0-9+-][^#]*?)\s*(#.*)?",
                            (text.splitlines() or [""])[min(line, len(text.splitlines())) - 1])
        if bare and bare.group(2) not in ("true", "false", "inf", "nan"):
            key, value = bare.group(1), bare.group(2)
            raise ConfigError(str(where), line, f"'{key}' is text, so it needs quotes: "
                              f"{key} = \"{value}\"") from None
        message = re.sub(r"\s*\(at (line \d+, column \d+|end of document)\)", "", str(exc)) \
            or "not valid TOML"
        raise ConfigError(str(where), line, f"not valid TOML: {message}") from None
    except RecursionError:
        raise ConfigError(str(where), 1, "nested too deeply; a config file is a few "
                          "'name = value' lines") from None


def load(where: Path | None = None) -> Defaults:
    """The defaults the file sets; Defaults() when there is no file."""
    where = where or path()
    text = _read(where)
    if text is None:
        return Defaults()
    table = _parse(text, where)
    choices = {"pace": PACE_NAMES, "level": LEVELS}
    values: dict[str, str | float | bool] = {}
    lines: list[tuple[str, int]] = []
    for key, value in table.items():
        line = _line_of(text, key)
        lines.append((key, line))
        if key not in SETTINGS:
            close = difflib.get_close_matches(key, SETTINGS, n=1, cutoff=0.6)
            hint = f"did you mean '{close[0]}'?" if close else (
                f"the settings are {', '.join(SETTINGS[:-1])} and {SETTINGS[-1]}")
            raise ConfigError(str(where), line, f"unknown setting '{key}'; {hint}")
        if key == "bed_level":
            low, high = BED_LEVELS
            if isinstance(value, bool) or not isinstance(value, int | float) \
                    or not low <= value <= high:
                raise ConfigError(str(where), line, f"'bed_level' must be a number of dB from "
                                  f"{low:g} to {high:g}, such as bed_level = -24")
            values[key] = float(value)
            continue
        if key == "listen":
            if not isinstance(value, bool):
                raise ConfigError(str(where), line, "'listen' must be true or false, such as listen = true")
            values[key] = value
            continue
        if not isinstance(value, str) or not value.strip():
            raise ConfigError(str(where), line, f"'{key}' must be a quoted name, such as "
                              f"{key} = \"{EXAMPLES[key]}\"")
        if key == "language":
            from .i18n import available

            choices["language"] = tuple(available())
            value = value.strip().lower()
        if key in choices and value not in choices[key]:
            raise ConfigError(str(where), line, f"'{key}' must be one of {', '.join(choices[key])}, "
                              f"got '{value}'")
        values[key] = os.path.expanduser(value) if key in ("bed", "voices") else value
    return Defaults(**values, source=str(where), lines=tuple(lines))  # type: ignore[arg-type]
