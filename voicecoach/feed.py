"""The podcast feed `serve` gives: RSS 2.0 with the iTunes and Podcasting 2.0 namespaces, built from
finished episodes; pure, no I/O."""
from __future__ import annotations

import datetime as dt
import email.utils
import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence

from . import phrases
from .episode import Made
from .formats import DEFAULT, Format
from .i18n import ENGLISH, Phrasebook
from .safety import screen_text

ITUNES = "http://www.itunes.com/dtds/podcast-1.0.dtd"
PODCAST = "https://podcastindex.org/namespace/1.0"
CONTENT = "http://purl.org/rss/1.0/modules/content/"


def description(book: Phrasebook = ENGLISH) -> str:
    """The podcast's description: what it is, then the safety screen."""
    return book(phrases.SHOW_DESCRIPTION) + "\n\n" + screen_text(book)


ET.register_namespace("itunes", ITUNES)
ET.register_namespace("podcast", PODCAST)
ET.register_namespace("content", CONTENT)


def _duration(seconds: float) -> str:
    whole = round(seconds)
    return f"{whole // 3600:d}:{whole // 60 % 60:02d}:{whole % 60:02d}"


# What XML 1.0 cannot hold even escaped: the loader refuses control characters in a routine's text,
# and whatever else reaches the feed (an older episode's description) loses them here.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _xml(text: str) -> str:
    return _NOT_XML.sub("", text)


def _add(parent: ET.Element, tag: str, text: str | None = None, **attributes: str) -> ET.Element:
    element = ET.SubElement(parent, tag, {name: _xml(value) for name, value in attributes.items()})
    if text is not None:
        element.text = _xml(text)
    return element


def rss(base: str, episodes: Sequence[Made], now: dt.datetime | None = None,
        fmt: Format = DEFAULT, book: Phrasebook = ENGLISH) -> bytes:
    """The feed, every URL under `base` (http://ADDRESS:PORT/TOKEN/), each enclosure a file of
    `fmt`. An episode's guid is its key, which is the same exactly when its sound is the same; its
    date is when it was made. The framework's words are `book`'s, and so is `<language>`."""
    now = now or dt.datetime.now(dt.UTC)
    root = ET.Element("rss", {"version": "2.0"})
    channel = _add(root, "channel")
    title = book(phrases.SHOW_TITLE)
    _add(channel, "title", title)
    _add(channel, "link", base)
    _add(channel, "description", description(book))
    _add(channel, "language", book.language)
    _add(channel, "generator", "voicecoach")
    _add(channel, "lastBuildDate", email.utils.format_datetime(now))
    _add(channel, f"{{{ITUNES}}}author", "voicecoach")
    _add(channel, f"{{{ITUNES}}}summary", description(book))
    _add(channel, f"{{{ITUNES}}}explicit", "false")
    _add(channel, f"{{{ITUNES}}}type", "episodic")
    _add(channel, f"{{{ITUNES}}}image", href=f"{base}cover.png")
    _add(channel, f"{{{ITUNES}}}category", text="Health & Fitness")
    image = _add(channel, "image")
    _add(image, "url", f"{base}cover.png")
    _add(image, "title", title)
    _add(image, "link", base)
    _add(channel, f"{{{PODCAST}}}locked", "yes", owner="voicecoach")
    for made in episodes:
        item = _add(channel, "item")
        _add(item, "title", made.title)
        _add(item, "description", made.summary or made.title)
        _add(item, "guid", f"voicecoach-{made.key}", isPermaLink="false")
        _add(item, "link", f"{base}{made.key}.html")
        _add(item, "pubDate", email.utils.format_datetime(made.made))
        _add(item, "enclosure", url=f"{base}{made.key}{fmt.suffix}", length=str(made.size), type=fmt.mime)
        _add(item, f"{{{ITUNES}}}duration", _duration(made.seconds))
        _add(item, f"{{{ITUNES}}}episodeType", "full")
        _add(item, f"{{{ITUNES}}}explicit", "false")
        _add(item, f"{{{PODCAST}}}chapters", url=f"{base}{made.key}.chapters.json",
             type="application/json+chapters")
        _add(item, f"{{{PODCAST}}}transcript", url=f"{base}{made.key}.vtt", type="text/vtt")
    ET.indent(root)
    xml: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return xml + b"\n"
