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

from .episodes import Episode, Made
from .formats import DEFAULT, Format
from .history import SYMPTOMS
from .safety import SCREEN
from .timeline import clock

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


def _page(title: str, body: str, head: str = "") -> str:
    return (f"<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
            f"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
            f"<meta name=\"referrer\" content=\"no-referrer\">\n"
            f"<title>{escape(title)}</title>\n<link rel=\"stylesheet\" href=\"page.css\">\n"
            f"<link rel=\"icon\" href=\"cover.png\">{head}</head>\n<body>\n{body}\n</body></html>\n")


def _link(episode: Episode, text: str, current: bool = False) -> str:
    mark = ' aria-current="page" class="on"' if current else ""
    return f'<a href="{escape(episode.key)}.html"{mark}>{escape(text)}</a>'


def index(listed: Sequence[Listed], today: Episode | None, feed_url: str, note: str = "") -> str:
    """The front page: today's program session, then every routine with its levels and lengths."""
    parts = ["<header><h1>voicecoach</h1><p>Back-care sessions to follow lying down, eyes closed.</p>"
             "</header>"]
    if note:
        parts.append(f'<p class="note" role="status">{escape(note)}</p>')
    screen = "".join(f"<h3>{escape(heading)}</h3><p>{escape(text)}</p>" for heading, text in SCREEN)
    parts.append(f'<section class="card safety"><details><summary>Safety: read before your first '
                 f"session</summary>{screen}</details></section>")
    if today is not None:
        parts.append(f'<section class="card today"><h2>{escape(today.title)}</h2>'
                     f'<p><a class="play" href="{escape(today.key)}.html">Play today\'s session</a>'
                     "</p></section>")
    for entry in listed:
        routine = entry.main.routine
        levels = " ".join(_link(e, e.level, e.key == entry.main.key) for e in entry.levels)
        fitted = entry.main.settings.minutes  # serve --minutes: every session fitted to it
        length = f"{fitted:g} min" if fitted else f"~{round(entry.minutes)} min"
        lengths = " ".join([_link(entry.main, length if fitted else f"as written, {length}", True)]
                           + [_link(e, f"{m} min") for m, e in entry.lengths])
        summary = f"<p>{escape(routine.summary)}</p>" if routine.summary else ""
        parts.append(
            f'<section class="card"><h2>{escape(routine.title)}</h2>'
            f'<p class="meta">{length}, {len(routine.exercises)} exercises</p>'
            f'<p><a class="play" href="{escape(entry.main.key)}.html">Play</a></p>'
            f'<p class="choices">Level: {levels}</p><p class="choices">Length: {lengths}</p>'
            f"<details><summary>About</summary>{summary}</details></section>")
    parts.append('<footer><p>AntennaPod (Android): add <a href="feed.xml">this feed</a> by its '
                 f"address:</p><p class=\"url\">{escape(feed_url)}</p><p>Podcast apps that "
                 "fetch feeds on their own servers (Apple Podcasts, Overcast, Pocket Casts) cannot "
                 "reach it: play here, or keep a session with its download link.</p></footer>")
    return _page("voicecoach", "\n".join(parts))


def _symptoms() -> str:
    """The warning symptoms, to tick after a session; none ticked says there were none."""
    boxes = "".join(f'<label class="symptom"><input type="checkbox" name="symptom" value="{escape(name)}"> '
                    f"{escape(words[0].upper() + words[1:])}</label>" for name, words in SYMPTOMS.items())
    return (f'<fieldset class="symptoms"><legend>Did you notice any of these?</legend>{boxes}'
            "</fieldset>")


def _pain(name: str, label: str) -> str:
    options = "".join(f'<option value="{n}">{n}</option>' for n in PAIN_CHOICES)
    return (f'<label>{escape(label)} <select name="{name}"><option value="">-</option>{options}'
            "</select></label>")


def player(episode: Episode, made: Made, fmt: Format = DEFAULT) -> str:
    """One session: the player with captions, its chapters, the download and the "done" form."""
    key = escape(episode.key)
    audio = f"{key}{fmt.suffix}"
    chapters = "\n".join(
        f'<li><a class="chapter" href="{audio}#t={start:.3f}" data-start="{start:.3f}">'
        f'<span class="at">{clock(start)}</span> {escape(title)}</a></li>'
        for start, title in made.chapters)
    download_name = escape(f"{episode.title}{fmt.suffix}".replace("/", "-"))
    body = f"""<p class="back"><a href="./">&larr; All sessions</a></p>
<h1>{escape(episode.title)}</h1>
<p class="meta">{clock(made.seconds)}</p>
<audio id="player" controls preload="metadata" src="{audio}" data-title="{escape(episode.title)}"
 data-artwork="cover.png">
<track kind="captions" srclang="en" label="Spoken lines" src="{key}.vtt" default>
<p>This browser cannot play it here: <a href="{audio}">open the {fmt.label}</a>.</p>
</audio>
<p id="line" class="line" aria-live="polite"></p>
<h2>Exercises</h2>
<ol class="chapters">
{chapters}
</ol>
<p><a class="download" href="{audio}" download="{download_name}">Download {fmt.label},
 {made.size / 1e6:.1f} MB</a></p>
<form class="done" method="post" action="done">
<h2>Done?</h2>
<input type="hidden" name="episode" value="{key}">
<p>{_pain("pain_before", "Pain before, 0-10")}</p>
<p>{_pain("pain_after", "Pain after, 0-10")}</p>
{_symptoms()}
<p><button type="submit">Log this session</button></p>
</form>
<script src="player.js" defer></script>"""
    return _page(episode.title, body)


def making(episode: Episode, seconds: int) -> str:
    """While the session is made: the page reloads itself (no JavaScript needed)."""
    body = (f'<p class="back"><a href="./">&larr; All sessions</a></p><h1>{escape(episode.title)}</h1>'
            f'<p class="line">Making this session. This page reloads by itself when it is ready.</p>')
    return _page(episode.title, body, f'<meta http-equiv="refresh" content="{seconds}">')


def message(title: str, text: str) -> str:
    """A short answer, such as what the "done" form logged, with a way back."""
    body = (f'<h1>{escape(title)}</h1><p class="line">{escape(text)}</p>'
            '<p class="back"><a href="./">&larr; All sessions</a></p>')
    return _page(title, body)
