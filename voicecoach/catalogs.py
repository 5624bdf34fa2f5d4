"""Checks of the phrasebook's catalogs against its template, for `scripts/phrasebook check` and
the tests: each .po compiles, has every phrase of the .pot and no other, translates each, keeps
the English placeholders and asks only for number forms its language has."""
from __future__ import annotations

import io
import string
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from . import numbers
from .i18n import DOMAIN, LOCALE_DIR
from .numbers import NumberFormError

TEMPLATE = LOCALE_DIR / f"{DOMAIN}.pot"


def read(path: Path, language: str | None = None) -> Catalog:
    with path.open("rb") as file:
        return read_po(file, locale=language, domain=DOMAIN)


def catalogs() -> dict[str, Path]:
    """Each language's .po, by language."""
    return {p.parent.parent.name: p for p in sorted(LOCALE_DIR.glob(f"*/LC_MESSAGES/{DOMAIN}.po"))}


def _fields(text: str) -> dict[str, str]:
    """The placeholders of a phrase and the format spec each is given ('' for none)."""
    return {name: spec or "" for _, name, spec, _ in string.Formatter().parse(text) if name}


def _keys(catalog: Catalog) -> set[tuple[str | None, str]]:
    keys = set()
    for message in catalog:
        if message.id:
            msgid = message.id[0] if isinstance(message.id, tuple | list) else message.id
            keys.add((message.context, msgid))
    return keys


def problems_of(language: str, po: Path, template: Catalog) -> list[str]:
    found: list[str] = []
    try:
        catalog = read(po, language)
    except Exception as error:  # Babel raises several kinds for a broken file
        return [f"{po}: does not read as a catalog: {error}"]
    try:
        write_mo(io.BytesIO(), catalog)
    except Exception as error:
        found.append(f"{po}: does not compile: {error}")
    missing = _keys(template) - _keys(catalog)
    extra = _keys(catalog) - _keys(template)
    for context, msgid in sorted(missing, key=str):
        found.append(f"{po}: out of date with the .pot: no '{msgid}' ({context}); run "
                     "scripts/phrasebook update")
    for context, msgid in sorted(extra, key=str):
        found.append(f"{po}: out of date with the .pot: '{msgid}' ({context}) is no longer used")
    forms = numbers.forms(language)
    for message in catalog:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple | list) else (message.id,)
        strings = message.string if isinstance(message.string, tuple | list) else (message.string,)
        where = f"{po}:{message.lineno}: '{ids[0]}' ({message.context})"
        if message.fuzzy:
            found.append(f"{where}: marked fuzzy; check it and remove the mark")
        if not all(strings):
            found.append(f"{where}: not translated")
            continue
        english = set().union(*(_fields(text) for text in ids))
        for text in strings:
            try:
                mine = _fields(text or "")
            except ValueError as error:
                found.append(f"{where}: braces do not match: {error}")
                continue
            if set(mine) - english:
                found.append(f"{where}: unknown placeholder "
                             f"{', '.join('{' + n + '}' for n in sorted(set(mine) - english))}")
            if len(ids) == 1 and english - set(mine):  # a plural form may leave its number out
                found.append(f"{where}: placeholder "
                             f"{', '.join('{' + n + '}' for n in sorted(english - set(mine)))} is "
                             "missing")
            for name, spec in mine.items():
                if spec and spec not in forms:
                    try:
                        numbers.ruleset(language, spec)
                    except NumberFormError as error:
                        found.append(f"{where}: {{{name}:{spec}}}: {error}")
    return found


def problems() -> list[str]:
    """Every problem of every catalog, one line each; [] when all is well."""
    template = read(TEMPLATE)
    found = []
    for language, po in catalogs().items():
        found += problems_of(language, po, template)
    return found
