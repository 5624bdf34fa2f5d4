"""Drawings, with matplotlib (the only module that imports it): the history as a chart (PNG or SVG),
pain before and after each session and sessions per week; and the cover art of `serve`'s feed."""
from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import UsageError
from .files import atomic_output
from .history import ACCEPTABLE_PAIN, planned, week_start
from .store import Logged, Run

if TYPE_CHECKING:  # matplotlib itself is imported only when a drawing is asked for
    from matplotlib.figure import Figure

FORMATS = (".png", ".svg")
MET, SHORT = "#2ca02c", "#bbbbbb"  # a week's bar: its planned sessions done, or not (yet)


def draw(path: Path, sessions: Sequence[Logged], runs: Sequence[Run], today: dt.date) -> None:
    """Write the chart to `path` whole, or leave what was there (files.atomic_output)."""
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        raise UsageError(f"--chart draws a .png or an .svg file, got {path.name!r}")
    if not sessions:
        raise UsageError("no sessions recorded yet, so there is nothing to chart")
    import matplotlib

    matplotlib.use("Agg")  # no display needed
    from matplotlib import pyplot as plt
    from matplotlib.dates import DateFormatter
    from matplotlib.patches import Patch

    figure, (pain, weekly) = plt.subplots(2, 1, figsize=(9, 6), sharex=True, height_ratios=[3, 2],
                                          layout="constrained")
    # 'before' is drawn larger and underneath, so equal ratings still show both
    for when, colour, marker, size in (("before", "#1f77b4", "o", 9), ("after", "#d62728", "s", 5)):
        points = [(s.date, getattr(s, f"pain_{when}")) for s in sessions
                  if getattr(s, f"pain_{when}") is not None]
        if points:
            days, values = zip(*points, strict=True)
            pain.plot(days, values, marker=marker, markersize=size, color=colour, linewidth=1.5,
                      linestyle="-" if when == "before" else "--", label=f"pain {when} the session")
    flagged = [s for s in sessions if s.symptoms]  # a warning symptom: a mark above the day
    if flagged:
        pain.scatter([s.date for s in flagged], [10] * len(flagged), marker="v", s=120,
                     color="#ff7f0e", zorder=3, label="warning symptom reported")
    pain.axhline(ACCEPTABLE_PAIN, color="grey", linewidth=1, linestyle=":",
                 label=f"acceptable pain, up to {ACCEPTABLE_PAIN}")
    pain.set_ylim(-0.5, 10.5)
    pain.set_yticks(range(0, 11, 2))
    pain.set_ylabel("pain (0-10)")
    pain.set_title("Back pain and sessions done")
    pain.grid(True, alpha=0.3)
    if any(getattr(s, f"pain_{when}") is not None for s in sessions for when in ("before", "after")):
        pain.legend(loc="upper right")
    else:
        pain.text(0.5, 0.5, "no pain ratings recorded", ha="center", va="center",
                  transform=pain.transAxes, color="grey")

    counts = Counter(week_start(s.date) for s in sessions if s.completed)
    first, last = week_start(sessions[0].date), week_start(max(today, sessions[-1].date))
    weeks = [first + dt.timedelta(weeks=n) for n in range((last - first).days // 7 + 1)]
    met = [counts[w] >= planned(w, runs) for w in weeks]
    weekly.bar([w + dt.timedelta(days=3) for w in weeks], [counts[w] for w in weeks], width=5,
               color=[MET if ok else SHORT for ok in met])
    plan_line, = weekly.step([w for w in weeks] + [weeks[-1] + dt.timedelta(days=7)],
                             [planned(w, runs) for w in weeks] + [planned(weeks[-1], runs)],
                             where="post", color="black", linestyle="--", linewidth=1,
                             label="planned")
    weekly.set_ylabel("sessions a week")
    top = max([counts[w] for w in weeks] + [planned(w, runs) for w in weeks])
    weekly.set_ylim(0, top * 1.5 + 0.5)  # room above the bars for the legend
    weekly.yaxis.get_major_locator().set_params(integer=True)
    weekly.legend(handles=[Patch(color=MET, label="sessions done, the week's plan met"),
                           Patch(color=SHORT, label="sessions done, short of the plan "
                                                    "(or the week not over)"), plan_line],
                  loc="upper left", ncols=2, fontsize="small")
    weekly.grid(True, axis="y", alpha=0.3)
    # matplotlib.dates ships no type hints (matplotlib 3.11 has no dates.pyi)
    weekly.xaxis.set_major_formatter(DateFormatter("%d %b"))  # type: ignore[no-untyped-call]
    figure.autofmt_xdate()
    _save(figure, path, suffix)
    plt.close(figure)


def _save(figure: Figure, path: Path, suffix: str) -> None:
    with atomic_output(path) as out:
        figure.savefig(out, format=suffix[1:], dpi=100)


COVER_PIXELS = 1400  # podcast apps ask for a square image of 1400 to 3000 pixels


def draw_cover(path: Path) -> None:
    """The feed's cover art, a square PNG: a figure resting on its back and the name, written whole."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt
    from matplotlib.patches import Circle, FancyBboxPatch

    figure = plt.figure(figsize=(14, 14), dpi=COVER_PIXELS / 14)
    axes = figure.add_axes((0, 0, 1, 1))
    axes.set_xlim(0, 1)
    axes.set_ylim(0, 1)
    axes.axis("off")
    figure.patch.set_facecolor("#2f6f62")
    for radius, alpha in ((0.42, 0.10), (0.32, 0.10), (0.22, 0.10)):  # calm rings, like breath
        axes.add_patch(Circle((0.5, 0.6), radius, color="#f6f3ec", alpha=alpha, linewidth=0))
    ink = "#f6f3ec"
    axes.add_patch(FancyBboxPatch((0.2, 0.47), 0.6, 0.0, boxstyle="round,pad=0.012", color=ink,
                                  alpha=0.5))  # the floor mat
    axes.add_patch(Circle((0.27, 0.535), 0.045, color=ink))  # head
    axes.plot([0.32, 0.52], [0.53, 0.53], color=ink, linewidth=38, solid_capstyle="round")  # body
    axes.plot([0.52, 0.61, 0.70], [0.53, 0.65, 0.53], color=ink, linewidth=30,
              solid_capstyle="round", solid_joinstyle="round")  # knees bent, feet on the floor
    axes.text(0.5, 0.24, "voicecoach", color=ink, fontsize=120, ha="center", va="center",
              fontweight="bold")
    axes.text(0.5, 0.12, "back-care sessions, eyes closed", color=ink, fontsize=48, ha="center",
              va="center", alpha=0.9)
    with atomic_output(path, check=False) as out:
        figure.savefig(out, format="png", dpi=COVER_PIXELS / 14, facecolor=figure.get_facecolor())
    plt.close(figure)
