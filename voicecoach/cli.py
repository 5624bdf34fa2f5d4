"""The command line: parse options, call one library function, turn its errors into one clear line."""
from __future__ import annotations

import dataclasses
import functools
import json
import os
import shlex
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from . import __version__, files, interrupts
from . import routine as routines
from .cache import Cache
from .errors import FitError, RoutineError, RoutineNotFound, VoicecoachError
from .routine import LEVELS
from .session import check_warnings
from .settings import BED_LEVELS, DEFAULT_BED_LEVEL, MINUTES_RANGE, NO_BED, PACES, Settings
from .timeline import clock, estimated_seconds

DEFAULT_ROUTINE = "three-exercises"


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="voicecoach")
@click.option("--cache-dir", type=click.Path(file_okay=False, path_type=Path),
              help="Where synthesized speech is kept (default: audio_cache/ in a checkout, "
                   "else your user cache folder; or $VOICECOACH_CACHE).")
@click.option("--debug", is_flag=True, hidden=True, help="Show tracebacks.")
@click.pass_context
def cli(ctx: click.Context, cache_dir: Path | None, debug: bool) -> None:
    """Voice-guided back-care sessions you can follow lying down with your eyes closed.

    \b
    Examples:
      voicecoach list
      voicecoach show three-exercises --level beginner
      voicecoach check my-routine.yaml
    """
    ctx.obj = {"debug": debug, "cache": Cache(cache_dir) if cache_dir else Cache()}


def _a_number(ctx: click.Context, param: click.Parameter, value: float | None) -> float | None:
    if value is not None and value != value:  # nan passes FloatRange
        raise click.BadParameter("must be a number of minutes such as 20")
    return value


def session_options(command: Callable) -> Callable:
    """--level, --pace, --minutes and --voice, shared by every command that builds a session."""

    @click.option("--level", type=click.Choice(LEVELS), default="standard", show_default=True,
                  help="Picks from ranges: beginner the low end, advanced the high end.")
    @click.option("--pace", type=click.Choice(list(PACES)), default="normal", show_default=True,
                  help="Speech rate and the time given to get into position.")
    @click.option("--minutes", type=click.FloatRange(*MINUTES_RANGE), default=None,
                  callback=_a_number, help="Fit the session to this many minutes (within 5%).")
    @click.option("--voice", default=None, help="A voice id or name from 'voicecoach voices'.")
    @functools.wraps(command)
    def wrapper(*args, level: str, pace: str, minutes: float | None, voice: str | None, **kwargs):
        settings = Settings(level=level, pace=pace, minutes=minutes, voice=voice)
        return command(*args, settings=settings, **kwargs)

    return wrapper


def bed_options(command: Callable) -> Callable:
    """--bed and --bed-level, for every command that makes sound (play, render, export). Goes
    below @session_options: it adds the bed to the Settings that one makes."""

    @click.option("--bed", metavar="NAME|FILE", default=None,
                  help="A calm sound under the voice: a built-in bed ('voicecoach beds') or an "
                       "audio file, looped; ducked under every line. 'none' for no bed.")
    @click.option("--bed-level", type=click.FloatRange(*BED_LEVELS), default=DEFAULT_BED_LEVEL,
                  show_default=True, metavar="DB",
                  help="The bed's loudness between lines, in dB relative to the voice.")
    @functools.wraps(command)
    def wrapper(*args, settings: Settings, bed: str | None, bed_level: float, **kwargs):
        # A default bed from the user's config file (when there is one) belongs here: used when
        # --bed is not given, turned off by --bed none.
        chosen = None if bed is None or bed.lower() == NO_BED else bed
        settings = dataclasses.replace(settings, bed=chosen, bed_level=bed_level)
        return command(*args, settings=settings, **kwargs)

    return wrapper


def _input_files(routine_name: str, settings: Settings | None = None) -> list[str]:
    """The routine file and the bed file a command reads, if it names them: never written over."""
    bed = settings.bed if settings is not None else None
    return [name for name in (routine_name, bed) if name and os.path.isfile(name)]


def _cache() -> Cache:
    return click.get_current_context().find_root().obj["cache"]


class _Progress:
    """A progress bar on stderr for work that takes over a second: never when stderr is not a
    terminal (piped or in CI), never with --quiet."""

    def __init__(self, label: str, quiet: bool = False, delay: float = 1.0):
        self.label = label
        self.quiet = quiet
        self.delay = delay

    def __call__(self, total: int) -> Callable[[int], None] | None:
        if self.quiet or not sys.stderr.isatty():
            return None
        began = time.monotonic()
        state: dict = {"bar": None, "done": 0}

        def advance(step: int) -> None:
            state["done"] += step
            bar = state["bar"]
            if bar is None and time.monotonic() - began >= self.delay:
                bar = click.progressbar(length=total, label=self.label, file=sys.stderr)
                bar.__enter__()
                bar.update(state["done"])
                state["bar"] = bar
            elif bar is not None:
                bar.update(step)
            if bar is not None and state["done"] >= total:
                bar.__exit__(None, None, None)

        return advance


def _session(routine_name: str | routines.Routine, settings: Settings, quiet: bool = False):
    from .session import prepare

    return prepare(routine_name, settings, _cache(), _Progress("Making speech", quiet))


@cli.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list instead of a table.")
def list_command(as_json: bool) -> None:
    """List the built-in routines: id, title, approximate length and source.

    \b
    Examples:
      voicecoach list
      voicecoach list --json
    """
    rows: list[dict[str, Any]] = []  # JSON rows: text, counts and minutes
    for routine in routines.all_builtin():
        rows.append({
            "id": routine.id, "title": routine.title, "source": routine.source,
            "summary": routine.summary, "exercises": len(routine.exercises),
            "minutes": round(estimated_seconds(routine, Settings()) / 60),
        })
    if as_json:
        click.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    width = max(len(r["id"]) for r in rows)
    title_width = min(44, max(len(r["title"]) for r in rows))
    click.echo(f"{'ID':<{width}}  {'TITLE':<{title_width}}  {'LENGTH':>7}  SOURCE")
    for r in rows:
        title = r["title"] if len(r["title"]) <= title_width else r["title"][: title_width - 3] + "..."
        click.echo(f"{r['id']:<{width}}  {title:<{title_width}}  {'~' + str(r['minutes']) + ' min':>7}"
                   f"  {r['source'] or '-'}")


@cli.command()
@click.argument("routines_given", metavar="FILE-or-NAME...", nargs=-1, required=True)
def check(routines_given: tuple[str, ...]) -> None:
    """Check routine files (or built-in routines) and report every problem, one line each.

    Exits 0 when all are valid (warnings about what will sound wrong are printed but do not
    fail), 1 when any has a problem.

    \b
    Examples:
      voicecoach check my-routine.yaml
      voicecoach check three-exercises desk-break
    """
    status = 0
    for given in routines_given:
        try:
            routine = routines.load(given)
        except RoutineError as error:
            status = max(status, 1)
            for problem in error.problems:
                click.echo(str(problem))
            continue
        except RoutineNotFound as error:
            status = 2
            click.echo(f"voicecoach: {error}", err=True)
            continue
        warnings = check_warnings(routine, _cache())
        for warning in warnings:
            click.echo(str(warning))
        click.echo(f"{given}: ok" + (f" ({len(warnings)} warnings)" if warnings else ""), err=True)
    sys.exit(status)


@cli.command()
@click.argument("routine_name", metavar="ROUTINE")
@session_options
@click.option("--json", "as_json", is_flag=True, help="Print the timeline as JSON.")
def show(routine_name: str, settings: Settings, as_json: bool) -> None:
    """Print the session as a timed script: every spoken line and tone, grouped by exercise.

    ROUTINE is a built-in id (see 'voicecoach list') or a routine file.

    \b
    Examples:
      voicecoach show three-exercises
      voicecoach show desk-break --level beginner --pace slow
      voicecoach show floor-relax --minutes 30
      voicecoach show my-routine.yaml --json > timeline.json
    """
    session = _session(routine_name, settings)
    if as_json:
        click.echo(json.dumps(session.timeline.to_json(), indent=1, ensure_ascii=False))
    else:
        click.echo(session.script())


@cli.command()
@click.argument("routine_name", metavar="ROUTINE")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="The WAV file to write (default: ROUTINE-LEVEL.wav here).")
@session_options
@bed_options
@click.option("-q", "--quiet", is_flag=True, help="No progress bar.")
def render(routine_name: str, output: Path | None, settings: Settings, quiet: bool) -> None:
    """Render the session as a WAV file: 16-bit mono PCM, exactly as long as its timeline.

    The file is written whole or not at all: an interrupted render leaves any earlier file in
    place.

    \b
    Examples:
      voicecoach render three-exercises -o session.wav
      voicecoach render floor-relax --minutes 30 --pace slow
      voicecoach render desk-break --bed brown -o desk-break.wav
    """
    from .render import write_wav

    if output:
        files.check_suffix(output, ".wav", "a WAV file")
    session = _session(routine_name, settings, quiet)
    target = output or settings.default_output(session.routine.id, ".wav")
    progress = _Progress("Rendering", quiet)(session.timeline.length)
    with files.protecting(_input_files(routine_name, settings)):
        write_wav(target, session.timeline, session.speech, progress, session.bed)
    if not quiet:
        click.echo(f"wrote {target} ({clock(session.timeline.duration)})", err=True)


@cli.command()
@click.argument("routine_name", metavar="[ROUTINE]", default=DEFAULT_ROUTINE)
@session_options
@bed_options
@click.option("--from", "from_exercise", metavar="EXERCISE",
              help="Start at this exercise (its name or number).")
def play(routine_name: str, settings: Settings, from_exercise: str | None) -> None:
    """Play the session hands-free, from start to end, with your eyes closed.

    ROUTINE defaults to three-exercises. On a terminal, keys work while it plays: space pauses
    and resumes (with a spoken 'resuming' and a 3, 2, 1), n skips to the next exercise, b
    restarts the current one, q quits. Ctrl-C stops too and says how to go on from there.

    \b
    Examples:
      voicecoach play
      voicecoach play desk-break --pace slow
      voicecoach play three-exercises --from "Good morning"
      voicecoach play floor-relax --minutes 30
      voicecoach play floor-relax --bed pad --bed-level -24
      voicecoach play desk-break --bed ~/Music/rain.mp3
    """
    from . import timeline as planner
    from .player import RESUME_TEXT, Device, Keys, Player, find_chapter, status_line
    from .settings import SAMPLE_RATE

    routine = routines.load(routine_name)
    if from_exercise:  # a mistyped --from is found before anything else, from a plan without speech
        find_chapter(planner.plan(routine, settings, planner.estimate_measure(settings)),
                     from_exercise)
    export = ["voicecoach", "export", routine_name, *settings.option_args()]
    device = Device(SAMPLE_RATE, " ".join(shlex.quote(part) for part in export))  # before speech
    session = _session(routine, settings)
    timeline = session.timeline
    session.speech.prepare([RESUME_TEXT, "3", "2", "1"])
    start = find_chapter(timeline, from_exercise).start if from_exercise else 0
    interactive = sys.stdin is not None and sys.stdin.isatty()
    with Keys(sys.stdin) as keys, status_line(sys.stderr, interactive and sys.stderr.isatty()) as status:
        stop = Player(timeline, session.speech, device, status, session.bed).play(start, keys)
    if stop is None:
        return
    where = stop.chapter.exercise
    again = ["voicecoach", "play", routine_name, *settings.option_args()]
    if where:
        again += ["--from", where]
    click.echo(f"Stopped at {clock(timeline.seconds(stop.position))}"
               f"{f' in {where!r}' if where else ''}. To go on from there: "
               f"{' '.join(shlex.quote(part) for part in again)}", err=True)
    if stop.reason == "interrupt":
        sys.exit(interrupts.exit_code())


BITRATES = ("16", "24", "32", "40", "48", "56", "64", "80", "96", "112", "128", "144", "160")


@cli.command()
@click.argument("routine_name", metavar="[ROUTINE]", required=False)
@click.option("-o", "--output", type=click.Path(path_type=Path),
              help="The MP3 to write; a folder with --split or --all "
                   "(default: ROUTINE-LEVEL.mp3, or a folder of that name).")
@session_options
@bed_options
@click.option("--bitrate", type=click.Choice(BITRATES), default=str(64), show_default=True,
              help="Constant bit rate in kbit/s (mono).")
@click.option("--split", is_flag=True, help="One MP3 per exercise plus an .m3u8 playlist, in a folder.")
@click.option("--captions", is_flag=True, help="Also write .lrc and .vtt captions beside each MP3.")
@click.option("--all", "every", is_flag=True, help="Every built-in routine, into one folder.")
@click.option("-q", "--quiet", is_flag=True, help="No progress bar or summary.")
def export(routine_name: str | None, output: Path | None, settings: Settings, bitrate: str,
           split: bool, captions: bool, every: bool, quiet: bool) -> None:
    """Export the session as an MP3 with chapters, to take on a phone.

    The MP3 has ID3v2.3 tags and one chapter per exercise, which podcast players such as
    AntennaPod, Pocket Casts and Overcast let you skip between. For players that ignore
    chapters (VLC 3), --split writes one file per exercise and a playlist.

    \b
    Examples:
      voicecoach export three-exercises
      voicecoach export floor-relax -o relax.mp3 --minutes 30 --captions
      voicecoach export desk-break --split -o desk-break/
      voicecoach export --all -o ~/Music/voicecoach --level beginner
      voicecoach export floor-relax --bed brown --bed-level -24
    """
    from . import export as exporter

    if every and routine_name:
        raise click.UsageError("give a ROUTINE or --all, not both")
    names = routines.builtin_ids() if every else [routine_name or DEFAULT_ROUTINE]
    folder = (output or Path("voicecoach-sessions")) if every else None
    if output and not (every or split):
        files.check_suffix(output, ".mp3", "an MP3 file")
    if folder:
        files.make_folder(folder)
    skipped = []
    for name in names:
        try:
            session = _session(name, settings, quiet)
        except FitError as error:
            if not every:
                raise
            click.echo(f"voicecoach: skipped: {error}", err=True)  # the others still fit
            skipped.append(name)
            continue
        default = settings.default_output(session.routine.id, "" if split else ".mp3")
        target = (folder / default) if folder else (output or default)
        progress = _Progress(f"Exporting {session.routine.id}", quiet)(session.timeline.length)
        with files.protecting(_input_files(name, settings)):
            summary = exporter.write_session(target, session, int(bitrate), split, captions,
                                             progress)
        if not quiet:
            click.echo(f"wrote {summary}, {clock(session.timeline.duration)}", err=True)
    if skipped:
        sys.exit(1)


@cli.group(invoke_without_command=True)
@click.pass_context
def cache(ctx: click.Context) -> None:
    """Show where synthesized speech is cached and how big the cache is.

    \b
    Examples:
      voicecoach cache
      voicecoach cache clear
      voicecoach --cache-dir /tmp/vc cache
    """
    if ctx.invoked_subcommand is None:
        store = _cache()
        count, size = store.size()
        click.echo(f"{store.root}\n{count} clips, {size / 1e6:.1f} MB")


@cache.command("clear")
def cache_clear() -> None:
    """Empty the cache; speech is made again when next needed.

    \b
    Examples:
      voicecoach cache clear
    """
    store = _cache()
    removed = store.clear()
    click.echo(f"removed {removed} clips from {store.root}")


@cli.command()
def beds() -> None:
    """List the built-in sound beds, for --bed. Any audio file works as a bed too.

    A bed plays under the voice, about 20 dB below it between lines (--bed-level), and dips
    12 dB under every line and tone. Beds are made by voicecoach itself: no recordings.

    \b
    Examples:
      voicecoach beds
      voicecoach play desk-break --bed brown
      voicecoach export floor-relax --bed ~/Music/rain.wav --bed-level -24
    """
    from .bed import BUILT_IN

    width = max(len(name) for name in BUILT_IN)
    for bed in BUILT_IN.values():
        click.echo(f"{bed.name:<{width}}  {bed.description}")


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list of id, name, languages.")
def voices(as_json: bool) -> None:
    """List the voices the speech engine offers, for --voice.

    \b
    Examples:
      voicecoach voices
      voicecoach voices --json
      voicecoach show desk-break --voice gmw/en
    """
    from .speech import list_voices

    found = list_voices()
    if as_json:
        click.echo(json.dumps([{"id": v.id, "name": v.name, "languages": list(v.languages)}
                               for v in found], indent=1, ensure_ascii=False))
        return
    width = max((len(v.id) for v in found), default=2)
    click.echo(f"{'ID':<{width}}  {'LANGUAGES':<10}  NAME")
    for v in found:
        click.echo(f"{v.id:<{width}}  {','.join(v.languages):<10}  {v.name}")


def main() -> None:
    """The one boundary where errors become a message and an exit code; Ctrl-C, SIGTERM and a
    closed output pipe end quietly. Run through voicecoach.__main__, which handles signals first."""
    debug = "--debug" in sys.argv[1:]
    interrupts.install()  # again, for callers that come here directly
    try:
        try:
            # Not cli.main(): click turns Ctrl-C into a bare "Aborted!" and a closed pipe into exit 1.
            with cli.make_context("voicecoach", sys.argv[1:]) as ctx:
                cli.invoke(ctx)
            interrupts.check()
        finally:
            sys.stdout.flush()  # a closed pipe shows here, inside the handlers below
    except VoicecoachError as error:
        if debug:
            detail = getattr(error, "detail", None)
            if detail:
                click.echo(f"voicecoach: detail: {detail}", err=True)
            raise
        click.echo(f"voicecoach: {error}" if not isinstance(error, RoutineError) else str(error),
                   err=True)
        sys.exit(error.exit_code)
    except click.exceptions.Exit as exit_:
        sys.exit(exit_.exit_code)
    except click.ClickException as error:
        error.show()
        sys.exit(error.exit_code)
    except click.exceptions.Abort:
        sys.exit(1)
    except KeyboardInterrupt as interrupt:
        interrupts.leave(interrupt)
    except BrokenPipeError:
        _quiet_stdout()
        sys.exit(0)


def _quiet_stdout() -> None:
    """The reader went away (`voicecoach voices | head -1`): nothing more to say, and nothing may
    be flushed into the closed pipe at exit."""
    null = os.open(os.devnull, os.O_WRONLY)
    os.dup2(null, sys.stdout.fileno())
    os.close(null)


if __name__ == "__main__":
    main()
