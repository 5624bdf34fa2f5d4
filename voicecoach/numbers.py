"""Numbers as words, in the form a phrase asks for: CLDR's number rules through unicode-rbnf.

A phrase's `{seconds}` is filled with a `Number`; the translation picks the form with a format
spec, `{seconds:feminine}` (CLDR's `spellout-cardinal-feminine`: German "eine", Spanish "una"),
`{seconds:masculine}` (Spanish "un", "veintiún"), `{seconds:neuter}`, or any other of the
language's spell-out rule sets by the rest of its name (`{seconds:cardinal-m}`: German "einem");
no spec is the counting form (`spellout-numbering`: "eins", "uno"). English alone keeps the digits
it has always shown and is not spelled (its phrases are the source text and have no spec).
"""
from __future__ import annotations

import functools

from unicode_rbnf import RbnfEngine

from .errors import VoicecoachError
from .vocabulary import SOURCE

DIGITS = frozenset({SOURCE})  # languages whose sessions show numbers as digits, as before


class NumberFormError(VoicecoachError):
    """A phrase asks for a number form the language's CLDR rules do not have."""

    def __init__(self, language: str, form: str, known: list[str]):
        self.language, self.form = language, form
        super().__init__(f"language '{language}' has no number form '{form}'; it has "
                         f"{', '.join(known)}")


@functools.cache
def _engine(language: str) -> RbnfEngine:
    return RbnfEngine.for_language(language)


def forms(language: str) -> list[str]:
    """The format specs a phrase in `language` may give a number: '' and the spell-out rules."""
    names = [name for name in _engine(language).rulesets if name.startswith("spellout-")]
    short = [name.removeprefix("spellout-cardinal-") for name in names
             if name.startswith("spellout-cardinal-")]
    return ["", *short, *(name.removeprefix("spellout-") for name in names)]


def ruleset(language: str, form: str = "") -> str:
    """The CLDR rule set a format spec names in `language`."""
    rulesets = _engine(language).rulesets
    for name in ((f"spellout-cardinal-{form}", f"spellout-{form}") if form else
                 ("spellout-numbering", "spellout-cardinal")):
        if name in rulesets:
            return name
    raise NumberFormError(language, form, [f for f in forms(language) if f])


def spell(number: int, language: str, form: str = "") -> str:
    """`number` in words, in the form named by `form` (see the module's doc)."""
    name = ruleset(language, form)
    return _engine(language).format_number(number, ruleset_names=[name]).text


class Number:
    """A number in a phrase: spelled out in the form the translation's format spec asks for."""

    def __init__(self, value: int, language: str):
        self.value, self.language = value, language

    def __format__(self, spec: str) -> str:
        if self.language in DIGITS and not spec:
            return str(self.value)
        return spell(self.value, self.language, spec)

    def __int__(self) -> int:
        return self.value

    def __repr__(self) -> str:
        return f"Number({self.value}, {self.language!r})"
