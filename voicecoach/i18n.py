"""The phrasebook: every framework phrase (phrases.py) said in a session's language, from the
gettext catalogs in voicecoach/locale (Babel writes and compiles them; the guide for translators
is voicecoach/locale/README.md).

English is the source text and needs no catalog. Numbers in a phrase are spelled out (numbers.py)
in the form its translation asks for; plural forms follow the catalog's Plural-Forms, which Babel
writes from CLDR's plural rules.
"""
from __future__ import annotations

import functools
import gettext
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from babel.support import NullTranslations, Translations

from . import phrases
from .errors import UsageError, VoicecoachError
from .numbers import Number
from .phrases import Counted, Phrase
from .vocabulary import SOURCE

DOMAIN = "voicecoach"
LOCALE_DIR = Path(__file__).parent / "locale"


@dataclass(frozen=True)
class Language:
    """What the planner and the speech layer need to know of a language besides its phrases."""

    code: str
    name: str  # in the language itself
    english: str  # as messages (which are English) name it
    chars_per_word: float  # the length estimate (`list`) counts words by characters
    voice: str  # espeak-ng's voice for it


# Characters a spoken word (a space included), for the length estimate: English 5.5 as before;
# German's and Spanish's are first estimates (longer words, more syllables a word), to be
# measured against espeak-ng on the translated built-ins once they are in (scripts/audit.py).
LANGUAGES: Mapping[str, Language] = {
    "en": Language("en", "English", "English", 5.5, "en"),
    "de": Language("de", "Deutsch", "German", 6.5, "de"),
    "es": Language("es", "español", "Spanish", 5.8, "es"),
}


class LanguageError(VoicecoachError):
    """A language was asked for that has no catalog."""

    def __init__(self, language: str, where: str = "--language"):
        self.language = language
        super().__init__(f"{where}: no phrasebook for language '{language}'; there are "
                         f"{', '.join(available())}")


class NotTranslated(UsageError):
    """A built-in routine or program has no translation in the language asked for."""

    def __init__(self, what: str, name: str, language: str):
        self.name, self.language = name, language
        theirs = translations(what, name)
        super().__init__(f"the built-in {what} '{name}' has no {_name(language)} translation "
                         f"({'library' if what == 'routine' else 'programs'}/{language}/{name}"
                         f".yaml); it is in {', '.join(_name(code) for code in theirs)}")


class LanguageMismatch(UsageError):
    """--language asks for another language than the routine (or program) file is written in."""

    def __init__(self, path: str, asked: str, own: str, what: str = "routine"):
        super().__init__(f"{path} is in {_name(own)} ('language: {own}'); it cannot be said in "
                         f"{_name(asked)}: drop --language {asked}, or give a {what} written in "
                         f"{_name(asked)}")


class VoiceLanguage(UsageError):
    """The voice asked for cannot speak the session's language."""

    def __init__(self, voice: str, language: str, able: list[str]):
        can = ", ".join(able) if able else "none is installed"
        super().__init__(f"the voice {voice} does not speak {_name(language)}; voices that do: "
                         f"{can} (voicecoach voices --language {language})")


def _name(code: str) -> str:
    return LANGUAGES[code].english if code in LANGUAGES else code


def translations(what: str, name: str) -> list[str]:
    """The languages a built-in routine ('routine') or program ('program') is in."""
    from importlib import resources

    folder = resources.files("voicecoach") / ("library" if what == "routine" else "programs")
    return [SOURCE, *(code for code in available()[1:]
                      if folder.joinpath(code, f"{name}.yaml").is_file())]


class CatalogMissing(VoicecoachError):
    """A catalog's .po is there but was never compiled (a checkout without `scripts/setup`)."""

    def __init__(self, po: Path):
        super().__init__(f"{po} is not compiled; run scripts/phrasebook compile (or pip install -e .)")


def catalog_path(language: str, suffix: str = ".po") -> Path:
    return LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}{suffix}"


def available() -> list[str]:
    """The languages a session can be in: English and each language with a catalog."""
    found = {p.parent.parent.name for p in LOCALE_DIR.glob(f"*/LC_MESSAGES/{DOMAIN}.po")}
    found |= {p.parent.parent.name for p in LOCALE_DIR.glob(f"*/LC_MESSAGES/{DOMAIN}.mo")}
    return [SOURCE, *sorted(found - {SOURCE})]


def check(language: str, where: str = "--language") -> str:
    """`language` if it has a phrasebook, else LanguageError naming `where`."""
    if language not in available():
        raise LanguageError(language, where)
    return language


def from_locale(environ: Mapping[str, str] | None = None) -> str | None:
    """The language the locale asks for (LC_ALL, LC_MESSAGES, LANG: 'de_DE.UTF-8' is 'de'), if
    there is a phrasebook for it."""
    environ = os.environ if environ is None else environ
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = environ.get(name, "")
        if value:
            code = value.split(".")[0].split("@")[0].split("_")[0].lower()
            return code if code in available() else None
    return None


def speaks(voice_language: str, language: str) -> bool:
    """Whether a voice's language tag ('en-gb', 'en_US', 'es-419') is `language`."""
    return voice_language.replace("_", "-").split("-")[0].lower() == language


class Phrasebook:
    """The phrases of one language: `book(phrases.REST_FOR, duration=...)`."""

    def __init__(self, language: str, translations: gettext.NullTranslations):
        self.language = language
        self.translations = translations

    @property
    def info(self) -> Language:
        return LANGUAGES.get(self.language, Language(self.language, self.language, self.language,
                                                     5.5, self.language))

    def _values(self, values: Mapping[str, object]) -> dict[str, object]:
        return {name: Number(value, self.language) if isinstance(value, int) else value
                for name, value in values.items()}

    def __call__(self, said: Phrase, **values: object) -> str:
        """The phrase in this language, its placeholders filled; ints are spelled as the
        translation asks."""
        text = self.translations.pgettext(said.context, said.text)
        return text.format(**self._values(values)) if values else text

    def counted(self, said: Counted, n: int, **values: object) -> str:
        """The plural form of the phrase that `n` takes, its placeholders filled."""
        text = self.translations.npgettext(said.context, said.singular, said.plural, n)
        return text.format(**self._values(values))

    def name(self, names: Mapping[str, Phrase], key: str) -> str:
        """A level's or pace's name as shown (phrases.LEVEL_NAMES, PACE_NAMES); the key itself
        when it has none."""
        said = names.get(key)
        return self(said) if said is not None else key

    def number(self, n: int, form: str = "") -> str:
        """A number on its own (a count, the count-in), in the counting form."""
        return format(Number(n, self.language), form)

    def duration(self, seconds: float) -> str:
        """'1 minute 30 seconds', '45 seconds', '20 minutes', in words but in English."""
        seconds = int(round(seconds))
        minutes, secs = divmod(seconds, 60)
        said_minutes = self.counted(phrases.MINUTES, minutes, minutes=minutes) if minutes else ""
        said_seconds = (self.counted(phrases.SECONDS, secs, seconds=secs)
                        if secs or not minutes else "")
        if said_minutes and said_seconds:
            return self(phrases.MINUTES_AND_SECONDS, minutes=said_minutes, seconds=said_seconds)
        return said_minutes or said_seconds


@functools.cache
def phrasebook(language: str = SOURCE) -> Phrasebook:
    """The phrasebook of `language`; LanguageError if it has none."""
    if language == SOURCE:
        return Phrasebook(SOURCE, NullTranslations())
    check(language)
    mo = catalog_path(language, ".mo")
    if not mo.exists():
        raise CatalogMissing(catalog_path(language))
    with mo.open("rb") as file:
        return Phrasebook(language, Translations(file, domain=DOMAIN))


ENGLISH = phrasebook(SOURCE)
