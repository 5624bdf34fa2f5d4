"""The pages `serve` gives a phone browser, as HTML text; pure, no I/O.

Everything works without JavaScript: the list, the player (`<audio controls>`), the download link,
the chapter links (media fragments, `#t=SECONDS`) and the "done" form. player.js only adds to it:
the current spoken line shown large, chapter links that seek in place, lock-screen metadata. Every
URL is relative, so a page works under whatever address the phone used."""
from __future__ import annotations

import html
import re
from collections.abc import Sequence
from dataclasses import dataclass

from . import phrases
from .episode import Episode, Made
from .formats import DEFAULT, Format
from .i18n import ENGLISH, Phrasebook
from .safety import screen
from .timeline import clock, sentence
from .vocabulary import SYMPTOM_NAMES

PAIN_CHOICES = range(0, 11)


_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def escape(text: str) -> str:
    """Text as HTML: escaped, and without control characters (which HTML does not allow)."""
    return html.escape(_CONTROL.sub("", text))


@dataclass(frozen=True)
class Listed:
    """A routine on the front page: its main episode, the others offered, and how long it is."""

    main: Episode
    minutes: float
    levels: Sequence[Episode]
    lengths: Sequence[tuple[int, Episode]]


def _page(title: str, body: str, head: str = "", book: Phrasebook = ENGLISH) -> str:
    return (f"<!doctype html>\n<html lang=\"{escape(book.language)}\"><head><meta charset=\"utf-8\">\n"
            f"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
            f"<meta name=\"referrer\" content=\"no-referrer\">\n"
            f"<title>{escape(title)}</title>\n<link rel=\"stylesheet\" href=\"page.css\">\n"
            f"<link rel=\"icon\" href=\"cover.png\">{head}</head>\n<body>\n{body}\n</body></html>\n")


def _link(episode: Episode, text: str, current: bool = False) -> str:
    mark = ' aria-current="page" class="on"' if current else ""
    return f'<a href="{escape(episode.key)}.html"{mark}>{escape(text)}</a>'


def index(listed: Sequence[Listed], today: Episode | None, feed_url: str, note: str = "",
          book: Phrasebook = ENGLISH) -> str:
    """The front page: today's program session, then every routine with its levels and lengths,
    in `book`'s language."""
    parts = [f"<header><h1>voicecoach</h1><p>{escape(book(phrases.PAGE_TAGLINE))}</p></header>"]
    if note:
        parts.append(f'<p class="note" role="status">{escape(note)}</p>')
    said = "".join(f"<h3>{escape(heading)}</h3><p>{escape(text)}</p>" for heading, text in screen(book))
    parts.append(f'<section class="card safety"><details><summary>{escape(book(phrases.PAGE_SAFETY))}'
                 f"</summary>{said}</details></section>")
    if today is not None:
        parts.append(f'<section class="card today"><h2>{escape(today.title)}</h2>'
                     f'<p><a class="play" href="{escape(today.key)}.html">'
                     f"{escape(book(phrases.PAGE_PLAY_TODAY))}</a>"
                     "</p></section>")
    for entry in listed:
        routine = entry.main.routine
        levels = " ".join(_link(e, book.name(phrases.LEVEL_NAMES, e.level), e.key == entry.main.key)
                          for e in entry.levels)
        fitted = entry.main.settings.minutes  # serve --minutes: every session fitted to it
        length = (book(phrases.PAGE_MINUTES, minutes=f"{fitted:g}") if fitted
                  else book(phrases.PAGE_ABOUT_MINUTES, minutes=str(round(entry.minutes))))
        written = length if fitted else book(phrases.PAGE_AS_WRITTEN, length=length)
        lengths = " ".join([_link(entry.main, written, True)]
                           + [_link(e, book(phrases.PAGE_MINUTES, minutes=str(m))) for m, e in entry.lengths])
        count = len(routine.exercises)
        meta = book.counted(phrases.PAGE_META, count, length=length, count=str(count))
        summary = f"<p>{escape(routine.summary)}</p>" if routine.summary else ""
        parts.append(
            f'<section class="card"><h2>{escape(routine.title)}</h2>'
            f'<p class="meta">{escape(meta)}</p>'
            f'<p><a class="play" href="{escape(entry.main.key)}.html">{escape(book(phrases.PAGE_PLAY))}'
            f'</a></p><p class="choices">{escape(book(phrases.PAGE_LEVEL))} {levels}</p>'
            f'<p class="choices">{escape(book(phrases.PAGE_LENGTH))} {lengths}</p>'
            f"<details><summary>{escape(book(phrases.PAGE_ABOUT))}</summary>{summary}</details></section>")
    feed_link = f'<a href="feed.xml">{escape(book(phrases.PAGE_THIS_FEED))}</a>'
    how = escape(book(phrases.PAGE_FEED_HOW)).replace("{feed}", feed_link)
    parts.append(f'<footer><p>{how}</p><p class="url">{escape(feed_url)}</p>'
                 f"<p>{escape(book(phrases.PAGE_FEED_LIMIT))}</p></footer>")
    return _page("voicecoach", "\n".join(parts), book=book)


def _symptoms(book: Phrasebook) -> str:
    """The warning symptoms, to tick after a session; none ticked says there were none."""
    boxes = "".join(f'<label class="symptom"><input type="checkbox" name="symptom" value="{escape(name)}"> '
                    f"{escape(sentence(book(phrases.SYMPTOM_TEXTS[name])))}</label>"
                    for name in SYMPTOM_NAMES)
    return (f'<fieldset class="symptoms"><legend>{escape(book(phrases.PAGE_SYMPTOMS))}</legend>{boxes}'
            "</fieldset>")


def _pain(name: str, label: str) -> str:
    options = "".join(f'<option value="{n}">{n}</option>' for n in PAIN_CHOICES)
    return (f'<label>{escape(label)} <select name="{name}"><option value="">-</option>{options}'
            "</select></label>")


def player(episode: Episode, made: Made, fmt: Format = DEFAULT, book: Phrasebook = ENGLISH) -> str:
    """One session: the player with captions, its chapters, the download and the "done" form."""
    key = escape(episode.key)
    audio = f"{key}{fmt.suffix}"
    chapters = "\n".join(
        f'<li><a class="chapter" href="{audio}#t={start:.3f}" data-start="{start:.3f}">'
        f'<span class="at">{clock(start)}</span> {escape(title)}</a></li>'
        for start, title in made.chapters)
    download_name = escape(f"{episode.title}{fmt.suffix}".replace("/", "-"))
    open_link = f'<a href="{audio}">{escape(book(phrases.PAGE_OPEN_FILE, format=fmt.label))}</a>'
    cannot = escape(book(phrases.PAGE_CANNOT_PLAY)).replace("{link}", open_link)
    download = escape(book(phrases.PAGE_DOWNLOAD, format=fmt.label, size=f"{made.size / 1e6:.1f}"))
    # the captions are the lines as spoken: in the routine's language, whatever the page's
    lang, spoken = escape(episode.routine.language), escape(book(phrases.PAGE_SPOKEN_LINES))
    body = f"""{_back(book)}
<h1>{escape(episode.title)}</h1>
<p class="meta">{clock(made.seconds)}</p>
<audio id="player" controls preload="metadata" src="{audio}" data-title="{escape(episode.title)}"
 data-artwork="cover.png">
<track kind="captions" srclang="{lang}" label="{spoken}" src="{key}.vtt" default>
<p>{cannot}</p>
</audio>
<p id="line" class="line" aria-live="polite"></p>
<h2>{escape(book(phrases.PAGE_EXERCISES))}</h2>
<ol class="chapters">
{chapters}
</ol>
<p><a class="download" href="{audio}" download="{download_name}">{download}</a></p>
<form class="done" method="post" action="done">
<h2>{escape(book(phrases.PAGE_DONE))}</h2>
<input type="hidden" name="episode" value="{key}">
<p>{_pain("pain_before", book(phrases.PAGE_PAIN_BEFORE))}</p>
<p>{_pain("pain_after", book(phrases.PAGE_PAIN_AFTER))}</p>
{_symptoms(book)}
<p><button type="submit">{escape(book(phrases.PAGE_LOG))}</button></p>
</form>
<script src="player.js" defer></script>"""
    return _page(episode.title, body, book=book)


def _back(book: Phrasebook) -> str:
    return f'<p class="back"><a href="./">&larr; {escape(book(phrases.PAGE_ALL_SESSIONS))}</a></p>'


def making(episode: Episode, seconds: int, book: Phrasebook = ENGLISH) -> str:
    """While the session is made: the page reloads itself (no JavaScript needed)."""
    body = (f'{_back(book)}<h1>{escape(episode.title)}</h1>'
            f'<p class="line">{escape(book(phrases.PAGE_MAKING))}</p>')
    return _page(episode.title, body, f'<meta http-equiv="refresh" content="{seconds}">', book)


def message(title: str, text: str, book: Phrasebook = ENGLISH) -> str:
    """A short answer, such as what the "done" form logged, with a way back."""
    body = f'<h1>{escape(title)}</h1><p class="line">{escape(text)}</p>{_back(book)}'
    return _page(title, body, book=book)
