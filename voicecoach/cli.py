"""The command line: parse options, call one library function, turn its errors into one clear line."""
from __future__ import annotations

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
from .config import Defaults
from .config import load as load_config
from .errors import FitError, RoutineError, RoutineNotFound, VoicecoachError
from .routine import LEVELS
from .session import check_warnings
from .settings import MINUTES_RANGE, PACES, Settings
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

    @click.option("--level", type=click.Choice(LEVELS), default=None,
                  help="Picks from ranges: beginner the low end, advanced the high end "
                       "(default: standard, or your config file's).")
    @click.option("--pace", type=click.Choice(list(PACES)), default=None,
                  help="Speech rate and the time given to get into position "
                       "(default: normal, or your config file's).")
    @click.option("--minutes", type=click.FloatRange(*MINUTES_RANGE), default=None,
                  callback=_a_number, help="Fit the session to this many minutes (within 5%).")
    @click.option("--voice", default=None,
                  help="A voice id from 'voicecoach voices', e.g. flite:slt (default: espeak's, or "
                       "your config file's).")
    @functools.wraps(command)
    def wrapper(*args, level: str | None, pace: str | None, minutes: float | None, voice: str | None,
                **kwargs):
        defaults = _defaults()
        settings = Settings(level=level or defaults.level, pace=pace or defaults.pace, minutes=minutes,
                            voice=voice or defaults.voice)
        return command(*args, settings=settings, **kwargs)

    return wrapper


def _defaults() -> Defaults:
    """The config file's defaults (read once a command); options given on the command line win."""
    return load_config()


def _input_files(routine_name: str) -> list[str]:
    """The routine file a command reads, if it names one: never written over."""
    return [routine_name] if os.path.isfile(routine_name) else []


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

        def advance(step: int, making: str | None = None) -> None:
            """`making`: the line just made, shown beside the bar while speech is made."""
            state["done"] += step
            bar = state["bar"]
            if bar is None and time.monotonic() - began >= self.delay:
                bar = click.progressbar(length=total, label=self.label, file=sys.stderr,
                                        item_show_func=_shown_line)
                bar.__enter__()
                bar.update(state["done"], making)
                state["bar"] = bar
            elif bar is not None:
                bar.update(step, making)
            if bar is not None and state["done"] >= total:
                bar.__exit__(None, None, None)

        return advance


def _shown_line(text: str | None) -> str | None:
    return None if text is None else (repr(text[:37] + "...") if len(text) > 40 else repr(text))


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
@click.option("-q", "--quiet", is_flag=True, help="No progress bar.")
def render(routine_name: str, output: Path | None, settings: Settings, quiet: bool) -> None:
    """Render the session as a WAV file: 16-bit mono PCM, exactly as long as its timeline.

    The file is written whole or not at all: an interrupted render leaves any earlier file in
    place.

    \b
    Examples:
      voicecoach render three-exercises -o session.wav
      voicecoach render floor-relax --minutes 30 --pace slow
    """
    from .render import write_wav

    if output:
        files.check_suffix(output, ".wav", "a WAV file")
    session = _session(routine_name, settings, quiet)
    target = output or settings.default_output(session.routine.id, ".wav")
    progress = _Progress("Rendering", quiet)(session.timeline.length)
    with files.protecting(_input_files(routine_name)):
        write_wav(target, session.timeline, session.speech, progress)
    if not quiet:
        click.echo(f"wrote {target} ({clock(session.timeline.duration)})", err=True)


@cli.command()
@click.argument("routine_name", metavar="[ROUTINE]", default=DEFAULT_ROUTINE)
@session_options
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
    """
    from . import timeline as planner
    from .player import RESUME_TEXT, Device, Keys, Player, find_chapter, status_line
    from .session import start as start_session
    from .settings import SAMPLE_RATE

    routine = routines.load(routine_name)
    if from_exercise:  # a mistyped --from is found before anything else, from a plan without speech
        find_chapter(planner.plan(routine, settings, planner.estimate_measure(settings)),
                     from_exercise)
    export = ["voicecoach", "export", routine_name, *settings.option_args()]
    device = Device(SAMPLE_RATE, " ".join(shlex.quote(part) for part in export))  # before speech
    interactive = sys.stdin is not None and sys.stdin.isatty()
    with Keys(sys.stdin) as keys, status_line(sys.stderr, interactive and sys.stderr.isatty()) as status:
        fitting = _Fitting(status, settings) if settings.minutes is not None else None
        session, live = start_session(routine, settings, _cache(), (RESUME_TEXT, "3", "2", "1"),
                                      fitting)
        try:
            player = Player(session.timeline, session.speech, device, status, live)
            # chapters move until every line is made: --from waits for them
            begin = find_chapter(player.timeline, from_exercise).start \
                if from_exercise and player.whole(keys) else 0
            stop = player.play(begin, keys)
            timeline = player.timeline
        finally:
            if live is not None:
                live.making.close()
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


class _Fitting:
    """A ProgressFactory for play --minutes: the status line says why nothing sounds yet."""

    def __init__(self, status: Callable[[str], None] | None, settings: Settings):
        self.status = status
        self.minutes = settings.minutes

    def __call__(self, total: int) -> Callable[..., None] | None:
        if self.status is None:
            return None
        status, made = self.status, [0]

        def advance(step: int, text: str = "") -> None:
            made[0] += step
            status(f"--minutes {self.minutes:g} needs every line's length first: making speech, "
                   f"{made[0]} of {total} lines")

        advance(0)
        return advance


BITRATES = ("16", "24", "32", "40", "48", "56", "64", "80", "96", "112", "128", "144", "160")


@cli.command()
@click.argument("routine_name", metavar="[ROUTINE]", required=False)
@click.option("-o", "--output", type=click.Path(path_type=Path),
              help="The MP3 to write; a folder with --split or --all "
                   "(default: ROUTINE-LEVEL.mp3, or a folder of that name).")
@session_options
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
        with files.protecting(_input_files(name)):
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
@click.option("--json", "as_json", is_flag=True,
              help="Print a JSON list of id, name, engine, languages and licence.")
def voices(as_json: bool) -> None:
    """List the voices of every installed speech engine (espeak-ng, flite), for --voice.

    Voice ids are ENGINE:VOICE; a bare name is an espeak voice.

    \b
    Examples:
      voicecoach voices
      voicecoach voices --json
      voicecoach say "Lie on your back." --voice flite:slt
      voicecoach show desk-break --voice espeak:en-gb-x-rp
    """
    from .speech import list_voices

    found = list_voices()
    if as_json:
        click.echo(json.dumps([{"id": v.id, "name": v.label, "engine": v.engine,
                                "languages": list(v.languages), "licence": v.licence}
                               for v in found], indent=1, ensure_ascii=False))
        return
    width = max((len(v.id) for v in found), default=2)
    name_width = max((len(v.label) for v in found), default=4)
    click.echo(f"{'ID':<{width}}  {'LANGUAGES':<10}  {'NAME':<{name_width}}  LICENCE")
    for v in found:
        click.echo(f"{v.id:<{width}}  {','.join(v.languages):<10}  {v.label:<{name_width}}  {v.licence}")


@cli.command()
@click.argument("text")
@click.option("--voice", default=None, help="A voice id from 'voicecoach voices' (e.g. flite:slt).")
@click.option("--pace", type=click.Choice(list(PACES)), default=None,
              help="Speech rate (default: normal, or your config file's).")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Write a WAV file instead of playing.")
def say(text: str, voice: str | None, pace: str | None, output: Path | None) -> None:
    """Say one line, made exactly as a session makes it (cache, loudness, fades), to audition a voice.

    \b
    Examples:
      voicecoach say "Breathe out as you lift your hips."
      voicecoach say "Rest for 30 seconds." --voice flite:rms --pace slow
      voicecoach say "Halfway." --voice flite:slt -o halfway.wav
    """
    from .session import say_line

    defaults = _defaults()
    session = say_line(text, Settings(pace=pace or defaults.pace, voice=voice or defaults.voice), _cache())
    if output is not None:
        from .render import write_wav

        click.echo(f"wrote {write_wav(output, session.timeline, session.speech)}", err=True)
        return
    from .player import Device, Player

    Player(session.timeline, session.speech, Device(session.timeline.sample_rate, "ROUTINE")).play()


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
