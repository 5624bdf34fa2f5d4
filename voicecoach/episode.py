"""One episode of `serve`, as the page and the feed show it: a session offered (`Episode`) and a
finished one as its description file tells it (`Made`). Plain data: episodes.py makes them, page.py
and feed.py only read them, so the pure side never imports the side that writes files."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from .routine import Routine
from .settings import Settings


@dataclass(frozen=True)
class Episode:
    """One session the server offers: a routine at some settings."""

    key: str
    routine: Routine
    settings: Settings
    title: str
    log_ref: str | None  # what `log --routine` takes for it; None: today's program session
    today: bool = False

    @property
    def level(self) -> str:
        return self.settings.level


@dataclass(frozen=True)
class Made:
    """A finished episode, as its description file tells it."""

    key: str
    title: str
    seconds: float
    size: int  # bytes of the audio file
    chapters: tuple[tuple[float, str], ...]  # (start second, title)
    made: dt.datetime
    summary: str = ""

    def to_json(self) -> dict[str, Any]:
        return {"key": self.key, "title": self.title, "seconds": self.seconds, "bytes": self.size,
                "chapters": [{"startTime": start, "title": title} for start, title in self.chapters],
                "made": self.made.isoformat(timespec="seconds"), "summary": self.summary}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Made:
        return cls(data["key"], data["title"], float(data["seconds"]), int(data["bytes"]),
                   tuple((float(c["startTime"]), str(c["title"])) for c in data["chapters"]),
                   dt.datetime.fromisoformat(data["made"]), data.get("summary", ""))
