"""What `list` shows of the built-in routines (id, title, source, summary, exercises, minutes),
kept in the cache folder and used again while the built-in files and this version are unchanged:
without it every `list` read, validated and planned all of them."""
from __future__ import annotations

import json
import os
from importlib import resources
from pathlib import Path
from typing import Any

from . import __version__
from .files import NotRegular, atomic_output, read_regular

CATALOGUE = "list.json"
FORMAT = 1
COLUMNS = {"id", "title", "source", "summary", "exercises", "minutes"}  # what _made() gives each row


def _identity() -> list[list[Any]]:
    """Each built-in file's name, size and time: a change to any makes the rows again."""
    folder = resources.files("voicecoach") / "library"
    found = []
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".yaml"):
            info = os.stat(str(entry))
            found.append([entry.name, info.st_size, info.st_mtime_ns])
    return found


def rows(cache_root: Path) -> list[dict[str, Any]]:
    """The list's rows, from the cache when they are still true, else made and kept there."""
    identity = {"version": __version__, "format": FORMAT, "files": _identity()}
    path = cache_root / CATALOGUE
    try:
        kept = json.loads(read_regular(path, 1 << 20))
        if kept.get("identity") == identity:
            found = kept.get("rows")
            if isinstance(found, list) and all(isinstance(r, dict) and set(r) == COLUMNS for r in found):
                return found
    except (OSError, ValueError, NotRegular, AttributeError):
        pass  # none yet, or damaged: made again
    made = _made()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with atomic_output(path, "w", check=False) as out:
            json.dump({"identity": identity, "rows": made}, out, ensure_ascii=False)
    except OSError:
        pass  # a cache that cannot be written only costs the next list its time
    return made


def _made() -> list[dict[str, Any]]:
    # Here, not at the top: this module's point is that `list` with its rows kept reads, validates
    # and plans nothing, and so imports neither the loader (PyYAML) nor the planner.
    from .routine import all_builtin
    from .settings import Settings
    from .timeline import estimated_seconds

    return [{"id": routine.id, "title": routine.title, "source": routine.source,
             "summary": routine.summary, "exercises": len(routine.exercises),
             "minutes": round(estimated_seconds(routine, Settings()) / 60)}
            for routine in all_builtin()]
