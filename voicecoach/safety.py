"""The safety words: the short note every session speaks, and the full screen spoken at a
program's first session and at the first session a person ever plays (`voicecoach safety`).

Pure text, in our own words, from what physiotherapists screen for before exercise in low back
pain and the pain-monitoring rule the programs follow (history.py); numbers are written as words,
because they are spoken. Signs of cauda equina syndrome (numbness around the bottom or private
parts, trouble peeing, bladder or bowel changes, weakness or symptoms in both legs) send people to
an emergency department, not to wait for an appointment."""
from __future__ import annotations

from . import phrases
from .i18n import ENGLISH, Phrasebook

# Every session: the acceptable-pain rule in one sentence, the stop signs and how to stop, the
# urgent signs; under 20 seconds at the normal pace. How to stop depends on where the body is.
# The words are the phrasebook's (phrases.NOTE and the screen after it); these are the English.
ON_THE_FLOOR = ENGLISH(phrases.ON_THE_FLOOR)
UPRIGHT = ENGLISH(phrases.UPRIGHT)
NOTE = ENGLISH(phrases.NOTE, stop=ON_THE_FLOOR)


def note(on_the_floor: bool, book: Phrasebook = ENGLISH) -> str:
    """The short note, with the way to stop that fits a session done on the floor or upright."""
    return book(phrases.NOTE, stop=book(phrases.ON_THE_FLOOR if on_the_floor else phrases.UPRIGHT))


def screen(book: Phrasebook = ENGLISH) -> tuple[tuple[str, str], ...]:
    """The full screen, a heading and a paragraph each: printed by `voicecoach safety`, spoken at
    a first session, shown on the phone page and in the feed."""
    return tuple((book(heading), book(text)) for heading, text in phrases.SCREEN)


SCREEN = screen()


def screen_lines(book: Phrasebook = ENGLISH) -> list[str]:
    """The full screen as spoken: each heading leads its paragraph."""
    return [f"{heading}. {text}" for heading, text in screen(book)]


def screen_text(book: Phrasebook = ENGLISH) -> str:
    """The full screen as printed."""
    return "\n\n".join(f"{heading}\n{text}" for heading, text in screen(book))
