"""The command line: parse options, call one library function, turn its errors into one clear line."""
from __future__ import annotations

import datetime as dt
import functools
import json
import os
import re
import shlex
import shutil
import sys
import time
import unicodedata
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from . import __version__, files, formats, history, interrupts, phrases, usecases
from . import program as programs
from . import routine as routines
from .cache import Cache
from .config import Defaults
from .config import load as load_config
from .config import path as config_path
from .errors import RoutineError, RoutineNotFound, UnknownVoice, UsageError, VoicecoachError
from .i18n import ENGLISH, Phrasebook
from .settings import BED_LEVELS, DEFAULT_BED_LEVEL, MINUTES_RANGE, SAMPLE_RATE, Settings
from .store import FILE_NAME, TOKEN_FILE, Store, data_folder
from .usecases import Options, input_files
from .vocabulary import LEVELS, NEXT_DAY, NO_SYMPTOM, PACE_NAMES, PAIN_SCALE, SOURCE, SYMPTOM_NAMES

if TYPE_CHECKING:
    from .session import Session
    from .store import Logged

DEFAULT_ROUTINE = "three-exercises"


class _Root(click.Group):
    """The root group, noting whether help was asked for anywhere in the line: the config file is
    read before any command runs, but a broken one must not hide the help."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        ctx.meta["help asked"] = any(arg in ("-h", "--help") for arg in args)
        return super().parse_args(ctx, args)


@click.group(cls=_Root, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="voicecoach")
@click.option("--cache-dir", type=click.Path(file_okay=False, path_type=Path),
              help="Where synthesized speech is kept (default: $VOICECOACH_CACHE, else an "
                   "audio_cache/ folder you made in a checkout, else your user cache folder).")
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
    ctx.with_resource(files.protecting(_kept_places(ctx.obj["cache"])))
    if not ctx.meta.get("help asked"):
        _defaults()  # a bad config file stops every command (README), not only those that use it


def _kept_places(cache: Cache) -> list[tuple[Path, str]]:
    """What voicecoach keeps, never to be written over by an output, whatever link leads there."""
    data = data_folder()
    history_file = data / FILE_NAME
    return [(history_file, "the history database"),
            (Path(f"{history_file}-wal"), "the history database's journal"),
            (Path(f"{history_file}-shm"), "the history database's journal"),
            (data / TOKEN_FILE, "serve's token file"),
            (data, f"inside voicecoach's data folder ({data})"),
            (cache.root, f"inside the speech cache ({cache.root})"),
            (config_path(), "the config file")]


def clock(seconds: float) -> str:
    from .timeline import clock as timeline_clock  # the planner: imported when a command reports

    return timeline_clock(seconds)


def _a_number(ctx: click.Context, param: click.Parameter, value: float | None) -> float | None:
    if value is not None and value != value:  # nan passes FloatRange
        raise click.BadParameter(f"must be a number of minutes such as 20, got {value}")
    return value


def _language_option(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    from .i18n import check

    return None if value is None else check(value.strip().lower())


_shown_language = click.option(
    "--language", metavar="LANG", default=None, callback=_language_option,
    help="The language of what is shown, e.g. de or es (default: the config file's, then LANG).")


def _book(language: str | None, plan: history.Plan | None, own: str = SOURCE) -> Phrasebook:
    """The phrasebook of what a command shows: as a session's language is chosen; `own` is the
    language of the program file at hand when there is no plan."""
    own = plan.program.language if plan is not None else own
    return usecases.terminal_book(Options(language=language), _defaults(), own)


def session_options(command: Callable) -> Callable:
    """--level, --pace, --minutes, --voice and --language, shared by every command that builds a
    session."""

    @click.option("--level", type=click.Choice(LEVELS), default=None,
                  help="Picks from ranges: beginner the low end, advanced the high end "
                       "(default: standard, or your config file's).")
    @click.option("--pace", type=click.Choice(PACE_NAMES), default=None,
                  help="Speech rate and the time given to get into position "
                       "(default: normal, or your config file's).")
    @click.option("--minutes", type=click.FloatRange(*MINUTES_RANGE), default=None,
                  callback=_a_number, help="Fit the session to this many minutes (within 5%).")
    @click.option("--voice", default=None,
                  help="A voice id from 'voicecoach voices', e.g. flite:slt (default: espeak's, or "
                       "your config file's).")
    @click.option("--safety-screen", is_flag=True,
                  help="Open with the full safety screen ('voicecoach safety') instead of the "
                       "short note, as a first session does.")
    @click.option("--language", metavar="LANG", default=None, callback=_language_option,
                  help="The language the session speaks, e.g. de or es: a built-in routine's or program's "
                       "translation (default: your config file's, else your locale's, else "
                       "English; a routine or program file speaks its own).")
    @functools.wraps(command)
    def wrapper(*args: Any, level: str | None, pace: str | None, minutes: float | None,
                voice: str | None, safety_screen: bool, language: str | None,
                **kwargs: Any) -> Any:
        options = Options(level=level, pace=pace, minutes=minutes, voice=voice,
                          safety_screen=safety_screen, language=language)
        try:
            return command(*args, options=options, **kwargs)
        except UnknownVoice as error:
            defaults = _defaults()
            if voice is None and error.voice == defaults.voice:  # the config file's, not typed
                raise defaults.located("voice", str(error)) from None
            raise

    return wrapper


def bed_options(command: Callable) -> Callable:
    """--bed and --bed-level, for every command that makes sound (play, render, export, today). Goes
    below @session_options: it adds the bed to the Options that one makes."""

    @click.option("--bed", metavar="NAME|FILE", default=None,
                  help="A calm sound under the voice: a built-in bed ('voicecoach beds') or an "
                       "audio file, looped; ducked under every line. 'none' for no bed (e.g. to "
                       "turn off a bed set in the config file).")
    @click.option("--bed-level", type=click.FloatRange(*BED_LEVELS), default=None,
                  metavar="DB",
                  help=f"The bed's loudness between lines, in dB relative to the voice "
                       f"[default: {DEFAULT_BED_LEVEL:g}].")
    @functools.wraps(command)
    def wrapper(*args: Any, options: Options, bed: str | None, bed_level: float | None,
                **kwargs: Any) -> Any:
        return command(*args, options=replace(options, bed=bed, bed_level=bed_level), **kwargs)

    return wrapper


def format_option(command: Callable) -> Callable:
    """--format, for export and serve: the output formats registered in formats.py."""
    return click.option("--format", "format_name", type=click.Choice(formats.names()), default=None,
                        help="The file format: mp3 for podcast players, or m4b (AAC, needs ffmpeg) "
                             "for audiobook players [default: mp3; for export, what -o's suffix "
                             "says].")(command)


def _defaults() -> Defaults:
    """The config file's defaults (read once a command); options given on the command line win."""
    ctx = click.get_current_context().find_root()
    if "defaults" not in ctx.meta:
        ctx.meta["defaults"] = load_config()
    return ctx.meta["defaults"]


def _settings(options: Options, week_level: str | None = None) -> Settings:
    """The session's settings: the options given, then the config file's (Options.settings)."""
    return options.settings(_defaults(), week_level)


def _typed(*args: str) -> str:
    """A voicecoach command to suggest, as it can be typed here: `voicecoach ...` when that name on
    PATH is this program; else the path it was started by (`.venv/bin/voicecoach` in a checkout
    whose virtualenv is not on PATH), or `python -m voicecoach`."""
    script = Path(sys.argv[0])
    if script.name != "voicecoach":  # python -m voicecoach: the virtualenv's script, if any
        script = Path(sys.executable).parent / "voicecoach"
    program = [sys.executable, "-m", "voicecoach"]
    if script.is_file():
        on_path = shutil.which("voicecoach")
        if on_path and os.path.samefile(on_path, script):
            program = ["voicecoach"]
        else:
            if script.is_absolute() and script.is_relative_to(Path.cwd()):
                script = script.relative_to(Path.cwd())
            program = [str(script) if script.is_absolute() or script.parent != Path() else f"./{script}"]
    return " ".join(shlex.quote(part) for part in [*program, *args])


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
    from .catalogue import rows as catalogue

    rows: list[dict[str, Any]] = catalogue(_cache().root)  # JSON rows: text, counts and minutes
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
    from .session import check_warnings  # the planner and the engines: only for this command

    status = 0
    for given in routines_given:
        try:
            warnings = check_warnings(routines.load(given), _cache())
        except RoutineError as error:
            status = max(status, 1)
            for problem in error.problems:
                click.echo(str(problem))
            continue
        except RoutineNotFound as error:
            status = 2
            click.echo(f"voicecoach: {error}", err=True)
            continue
        for warning in warnings:
            click.echo(str(warning))
        click.echo(f"{given}: ok" + (f" ({len(warnings)} warnings)" if warnings else ""), err=True)
    sys.exit(status)


@cli.command()
@click.argument("routine_name", metavar="ROUTINE")
@session_options
@click.option("--json", "as_json", is_flag=True, help="Print the timeline as JSON.")
def show(routine_name: str, options: Options, as_json: bool) -> None:
    """Print the session as a timed script: every spoken line and tone, grouped by exercise.

    ROUTINE is a built-in id (see 'voicecoach list') or a routine file.

    \b
    Examples:
      voicecoach show three-exercises
      voicecoach show desk-break --level beginner --pace slow
      voicecoach show three-exercises --minutes 20
      voicecoach show my-routine.yaml --json > timeline.json
    """
    session = _session(routine_name, _settings(options))
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
def render(routine_name: str, output: Path | None, options: Options, quiet: bool) -> None:
    """Render the session as a WAV file: 16-bit mono PCM, exactly as long as its timeline.

    The file is written whole or not at all: an interrupted render leaves any earlier file in
    place.

    \b
    Examples:
      voicecoach render three-exercises -o session.wav
      voicecoach render three-exercises --minutes 20 --pace slow
      voicecoach render desk-break --bed brown -o desk-break.wav
    """
    from .render import write_wav

    settings = _settings(options)
    if output:
        files.check_output(output)  # a device or FIFO is refused as such, not for its extension
        files.check_suffix(output, ".wav", "a WAV file")
        files.check_folder(output)
    session = _session(routine_name, settings, quiet)
    target = output or settings.default_output(session.routine.id, ".wav")
    progress = _Progress("Rendering", quiet)(session.timeline.length)
    with files.protecting(input_files(routine_name, settings)):
        write_wav(target, session.timeline, session.speech, progress, session.bed)
    if not quiet:
        click.echo(f"wrote {target} ({clock(session.timeline.duration)})", err=True)


@cli.command()
@click.argument("routine_name", metavar="[ROUTINE]", default=DEFAULT_ROUTINE)
@session_options
@bed_options
@click.option("--from", "from_exercise", metavar="EXERCISE",
              help="Start at this exercise (its name or number).")
@click.option("--listen/--no-listen", default=None,
              help="Hear spoken commands: 'coach pause', 'coach resume', 'coach next', 'coach back', "
                   "'coach repeat', 'coach stop' (offline; nothing is kept; default: no, or your "
                   "config file's listen = true).")
def play(routine_name: str, options: Options, from_exercise: str | None, listen: bool | None) -> None:
    """Play the session hands-free, from start to end, with your eyes closed.

    ROUTINE defaults to three-exercises. On a terminal, keys work while it plays: space pauses
    and resumes (with a spoken 'resuming' and a 3, 2, 1), n skips to the next exercise, b
    restarts the current one, r says the current instruction again, q quits. Ctrl-C stops too
    and says how to go on from there. Media keys and headset buttons work too (MPRIS), and with
    --listen, spoken commands said while the session is silent.

    \b
    Examples:
      voicecoach play
      voicecoach play desk-break --pace slow
      voicecoach play three-exercises --from "Good morning"
      voicecoach play three-exercises --minutes 20
      voicecoach play floor-relax --bed pad --bed-level -24
      voicecoach play desk-break --bed ~/Music/rain.mp3
      voicecoach play floor-relax --listen
    """
    from .session import load_routine  # the planner and the engines: only to play

    settings = _settings(options)
    routine = load_routine(routine_name, settings)
    again = ["play", routine_name, *settings.option_args()]
    _play(routine, settings, ["export", routine_name, *settings.option_args()], again,
          from_exercise, listen=_defaults().listen if listen is None else listen,
          book=usecases.session_book(routine))


def _interactive() -> bool:
    return sys.stdin is not None and sys.stdin.isatty()


def _play(routine: routines.Routine, settings: Settings, export: list[str], again: list[str],
          from_exercise: str | None, plan: history.Plan | None = None, *, listen: bool,
          book: Phrasebook) -> None:
    """Play and record a session (usecases.play_session) on this terminal, then say how it went,
    all in `book`'s language (the session's: usecases.session_book). `export` and `again` are the
    commands (after `voicecoach`) suggested with no audio device and after a stop."""
    interactive = _interactive()
    playback = usecases.Playback(
        asker=_Terminal(book) if interactive else usecases.NoOne(),
        tell=lambda line: click.echo(line, err=True),
        no_device_hint="To take the session to a phone instead, run: " + _typed(*export),
        keys_from=sys.stdin, status_to=sys.stderr if interactive and sys.stderr.isatty() else None,
        listen=listen, debug=_debug_line, book=book)
    played = usecases.play_session(routine, settings, _cache(), playback, plan=plan,
                                   from_exercise=from_exercise, store=_store(),
                                   day=plan.date if plan is not None else None)  # today --date
    if played is None:
        return
    stop = played.stop
    if stop is not None:
        where = stop.chapter.exercise
        if where:
            again = [*again, "--from", where]
        at, command = clock(played.timeline.seconds(stop.position)), _typed(*again)
        click.echo(book(phrases.STOPPED_IN, clock=at, exercise=repr(where), command=command)
                   if where else book(phrases.STOPPED_AT, clock=at, command=command), err=True)
    if played.advice:
        click.echo(played.advice, err=True)
    if stop is not None and stop.reason == "interrupt":
        sys.exit(interrupts.exit_code())


def _debug_line(text: str) -> None:
    """A line only under --debug: what a session runs without (no session bus for media keys)."""
    context = click.get_current_context(silent=True)
    if context is not None and (context.find_object(dict) or {}).get("debug"):
        click.echo(f"voicecoach: {text}", err=True)


class _Terminal:
    """The questions a session asks (usecases.Asker), typed at this terminal, in `book`'s
    language: a question comes as its English phrase (phrases.py, context "prompt")."""

    def __init__(self, book: Phrasebook = ENGLISH):
        self.book = book

    def pain(self, question: str) -> int | None:
        """A pain rating from 0 to 10 typed at the terminal; Enter (or Ctrl-C) skips it."""
        asked = self.book(phrases.PAIN_SCALE_PROMPT,
                          question=self.book(phrases.phrase("prompt", question)))
        while True:
            try:
                answer = click.prompt(asked, default="", show_default=False, err=True)
            except click.exceptions.Abort:
                click.echo("", err=True)
                return None
            if not answer.strip():
                return None
            if re.fullmatch(r"[0-9]{1,2}", answer.strip()) and 0 <= int(answer) <= 10:
                return int(answer)
            click.echo("  " + self.book(phrases.PAIN_RETRY), err=True)

    def next_day(self, session: Logged) -> str | None:
        """How the back was the morning after the last session, asked in one keystroke; recorded."""
        keys = {self.book(phrases.KEY_BETTER): "better", self.book(phrases.KEY_SAME): "same",
                self.book(phrases.KEY_WORSE): "worse"}
        letters = dict(zip(("better", "same", "worse"), keys, strict=True))
        while True:
            try:
                answer = click.prompt(self.book(phrases.NEXT_DAY_PROMPT, date=str(session.date),
                                                **letters),
                                      default="", show_default=False, err=True)
            except click.exceptions.Abort:
                click.echo("", err=True)
                return None
            word = keys.get(answer.strip().lower()[:1])
            if not answer.strip():
                return None
            if word:
                return word
            click.echo("  " + self.book(phrases.NEXT_DAY_RETRY, **letters), err=True)

    def symptoms(self) -> tuple[str, ...] | None:
        """Warning symptoms, by number, in one line; Enter says none, Ctrl-C skips the question."""
        names = list(history.SYMPTOMS)
        click.echo(self.book(phrases.SYMPTOMS_INTRO), err=True)
        for number, name in enumerate(names, start=1):
            click.echo(f"  {number} {self.book(phrases.SYMPTOM_TEXTS[name])}", err=True)
        while True:
            try:
                answer = click.prompt(self.book(phrases.SYMPTOMS_PROMPT), default="",
                                      show_default=False, err=True)
            except click.exceptions.Abort:
                click.echo("", err=True)
                return None
            picked = re.findall(r"\d", answer)
            if not answer.strip():
                return ()
            if picked and not re.sub(r"[\d\s,]", "", answer) and all(
                    1 <= int(n) <= len(names) for n in picked):
                return tuple(dict.fromkeys(names[int(n) - 1] for n in picked))
            click.echo("  " + self.book(phrases.SYMPTOMS_RETRY, last=str(len(names))), err=True)

    def confirm(self, question: str) -> bool:
        """A yes to the question (its English phrase); no is the default."""
        return self.yes(self.book(phrases.phrase("prompt", question)))

    def yes(self, asked: str) -> bool:
        """A yes to a question already in this language, as click.confirm asks it in English
        ("[y/N]"); in another language with its own letters and words ("[j/N]", ja), an accent
        left out counting ("si" for "sí"). No is the default; Ctrl-C aborts, as in English."""
        if self.book.language == SOURCE:
            return click.confirm(asked, default=False, err=True)
        key_yes, key_no = self.book(phrases.KEY_YES), self.book(phrases.KEY_NO)
        yes = {_unaccented(key_yes), _unaccented(self.book(phrases.WORD_YES))}
        no = {_unaccented(key_no), _unaccented(self.book(phrases.WORD_NO)), ""}
        while True:
            answer = _unaccented(click.prompt(f"{asked} [{key_yes}/{key_no.upper()}]", default="",
                                              show_default=False, err=True))
            if answer in yes or answer in no:
                return answer in yes
            click.echo("  " + self.book(phrases.YES_OR_NO_RETRY, yes=key_yes, no=key_no), err=True)


def _unaccented(typed: str) -> str:
    """An answer as compared: trimmed, in small letters, its accents dropped ("Sí" is "si")."""
    decomposed = unicodedata.normalize("NFD", typed.strip().lower())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


BITRATES = ("16", "24", "32", "40", "48", "56", "64", "80", "96", "112", "128", "144", "160")


@cli.command()
@click.argument("routine_name", metavar="[ROUTINE]", required=False)
@click.option("-o", "--output", type=click.Path(path_type=Path),
              help="The file to write (its suffix may choose the format); a folder with --split or "
                   "--all (default: ROUTINE-LEVEL.mp3, or a folder of that name).")
@session_options
@bed_options
@format_option
@click.option("--bitrate", type=click.Choice(BITRATES), default=str(64), show_default=True,
              help="Constant bit rate in kbit/s (mono).")
@click.option("--split", is_flag=True, help="One file per exercise plus an .m3u8 playlist, in a folder.")
@click.option("--captions", is_flag=True, help="Also write .lrc and .vtt captions beside each file.")
@click.option("--all", "every", is_flag=True, help="Every built-in routine, into one folder.")
@click.option("-q", "--quiet", is_flag=True, help="No progress bar or summary.")
def export(routine_name: str | None, output: Path | None, options: Options, format_name: str | None,
           bitrate: str, split: bool, captions: bool, every: bool, quiet: bool) -> None:
    """Export the session as an MP3 (or an M4B audiobook) with chapters, to take on a phone.

    The MP3 has ID3v2.3 tags and one chapter per exercise, which podcast players such as
    AntennaPod, Pocket Casts and Overcast let you skip between. For players that ignore
    chapters (VLC 3), --split writes one file per exercise and a playlist. --format m4b (or
    -o NAME.m4b) writes AAC in an M4B file with the same chapters and tags, for audiobook
    players such as BookPlayer and Smart AudioBook Player; it needs ffmpeg.

    \b
    Examples:
      voicecoach export three-exercises
      voicecoach export three-exercises -o three.mp3 --minutes 20 --captions
      voicecoach export floor-relax -o relax.m4b
      voicecoach export desk-break --split -o desk-break/
      voicecoach export --all -o ~/Music/voicecoach --level beginner
      voicecoach export --all --format m4b -o ~/Audiobooks/voicecoach
      voicecoach export floor-relax --bed brown --bed-level -24
    """
    if every and routine_name:
        raise click.UsageError("give a ROUTINE or --all, not both")
    settings = _settings(options)
    fmt = formats.for_output(format_name, None if (every or split) else output)
    if every:
        fmt.check()  # a missing encoder is said before the speech is made
        skipped = usecases.export_all(
            routines.builtin_ids(), settings, lambda name, chosen: _session(name, chosen, quiet),
            output or Path("voicecoach-sessions"), int(bitrate), split, captions,
            lambda session: _progress(session, quiet), lambda done: _wrote(done, quiet),
            lambda name, error: click.echo(f"voicecoach: skipped: {error}", err=True), fmt)
        if skipped:
            sys.exit(1)
        return
    name = routine_name or DEFAULT_ROUTINE
    if output and not split:
        files.check_output(output)  # a device or FIFO is refused as such, not for its extension
        files.check_suffix(output, fmt.suffix, fmt.what)
    fmt.check()  # a missing encoder is said before the speech is made
    if output:  # checked before the speech is made, not after
        files.check_folder(output)
    session = _session(name, settings, quiet)
    _wrote(usecases.export_session(session, output, None, int(bitrate), split, captions,
                                   _progress(session, quiet), input_files(name, settings), fmt),
           quiet)


def _progress(session: Session, quiet: bool) -> Callable[[int], None] | None:
    return _Progress(f"Exporting {session.routine.id}", quiet)(session.timeline.length)


def _wrote(exported: usecases.Exported, quiet: bool) -> None:
    if not quiet:
        click.echo(f"wrote {exported.summary}, {clock(exported.duration)}", err=True)


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
        episodes, episode_bytes = store.episode_size()
        made = f"; {episodes} episodes made for serve, {episode_bytes / 1e6:.1f} MB" if episodes else ""
        click.echo(f"{store.root}\n{count} clips, {size / 1e6:.1f} MB{made}")


@cache.command("clear")
def cache_clear() -> None:
    """Empty the cache: speech, and the episodes serve made; made again when next needed.

    \b
    Examples:
      voicecoach cache clear
    """
    store = _cache()
    removed = store.clear()
    episodes = store.clear_episodes()
    made = f" and {episodes} episodes made for serve" if episodes else ""
    click.echo(f"removed {removed} clips{made} from {store.root}")


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
@click.option("--json", "as_json", is_flag=True,
              help="Print a JSON list of id, name, engine, languages and licence.")
@click.option("--language", metavar="LANG", default=None,
              help="Only the voices that speak this language, e.g. de.")
def voices(as_json: bool, language: str | None) -> None:
    """List the voices of every installed speech engine (espeak-ng, flite, Piper), for --voice.

    Voice ids are ENGINE:VOICE; a bare name is an espeak voice.

    \b
    Examples:
      voicecoach voices
      voicecoach voices --json
      voicecoach voices --language de
      voicecoach show desk-break --voice espeak:en-gb-x-rp
      voicecoach say "Lie on your back." --voice flite:slt
      voicecoach say "Lie on your back." --voice piper:joe
    """
    from .i18n import speaks
    from .speech import list_voices

    found = list_voices()
    if language:
        wanted = language.strip().lower()
        found = [v for v in found if any(speaks(code, wanted) for code in v.languages)]
        if not found:
            raise UsageError(f"no installed voice speaks '{language}'")
    if as_json:
        click.echo(json.dumps([{"id": v.id, "name": v.label, "engine": v.engine,
                                "languages": list(v.languages), "licence": v.licence}
                               for v in found], indent=1, ensure_ascii=False))
        return
    width = max((len(v.id) for v in found), default=2)
    languages_width = max([len("LANGUAGES"), *(len(",".join(v.languages)) for v in found)])
    name_width = max((len(v.label) for v in found), default=4)
    click.echo(f"{'ID':<{width}}  {'LANGUAGES':<{languages_width}}  {'NAME':<{name_width}}  LICENCE")
    for v in found:
        click.echo(f"{v.id:<{width}}  {','.join(v.languages):<{languages_width}}  "
                   f"{v.label:<{name_width}}  {v.licence}")


@cli.command()
@click.argument("text")
@click.option("--voice", default=None, help="A voice id from 'voicecoach voices' (e.g. flite:slt).")
@click.option("--pace", type=click.Choice(PACE_NAMES), default=None,
              help="Speech rate (default: normal, or your config file's).")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Write a WAV file instead of playing.")
@click.option("--language", metavar="LANG", default=None, callback=_language_option,
              help="The language the line is in: its voice is espeak-ng's for it unless --voice "
                   "names one that speaks it.")
def say(text: str, voice: str | None, pace: str | None, output: Path | None,
        language: str | None) -> None:
    """Say one line, made exactly as a session makes it (cache, loudness, fades), to audition a voice.

    \b
    Examples:
      voicecoach say "Breathe out as you lift your hips."
      voicecoach say "Rest for 30 seconds." --voice flite:rms --pace slow
      voicecoach say "Halfway." --voice flite:slt -o halfway.wav
    """
    from .session import say_line, speaking

    settings = _settings(Options(pace=pace, voice=voice, language=language))
    session = say_line(text, speaking(language, settings) if language else settings, _cache())
    if output is not None:
        from .render import write_wav

        click.echo(f"wrote {write_wav(output, session.timeline, session.speech)}", err=True)
        return
    from .player import Device, Player

    given = [*(["--voice", voice] if voice else []), *(["--pace", pace] if pace else []),
             *(["--language", language] if language else [])]
    instead = f"To hear it from a file instead, run: {_typed('say', text, *given, '-o', 'FILE.wav')}"
    Player(session.timeline, session.speech, Device(session.timeline.sample_rate, instead)).play()


class _Date(click.ParamType):
    """A day as YYYY-MM-DD that exists on the calendar."""

    name = "YYYY-MM-DD"

    def convert(self, value, param, ctx) -> dt.date:
        if isinstance(value, dt.date):
            return value
        try:
            if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value):
                raise ValueError(value)  # fromisoformat also takes 20260302 and 2026-W10-1
            day = dt.date.fromisoformat(value)
        except ValueError:
            self.fail(f"must be a day on the calendar, YYYY-MM-DD such as "
                      f"{dt.date.today().isoformat()}, got {value!r}", param, ctx)
        low, high = DATE_RANGE  # weeks and streaks are counted around a day: keep far from the ends
        if not low <= day <= high:
            self.fail(f"must be a day from {low.isoformat()} to {high.isoformat()}, got {value!r}",
                      param, ctx)
        return day


class _Pain(click.ParamType):
    """A pain rating: a whole number from 0 to 10 written with the digits 0-9 and nothing else
    (int() would also take '٥', '1_0' and ' 7 ')."""

    name = "0-10"

    def convert(self, value, param, ctx) -> int:
        if isinstance(value, int):
            return value
        low, high = PAIN_SCALE
        if not re.fullmatch(r"[0-9]{1,2}", value) or not low <= int(value) <= high:
            shown = value if re.fullmatch(r"[0-9]+", value) else repr(value)
            self.fail(f"must be from {low} to {high}, got {shown}", param, ctx)
        return int(value)


DATE = _Date()
DATE_RANGE = (dt.date(1900, 1, 1), dt.date(2999, 12, 31))
PAIN = _Pain()
_date_option = click.option("--date", "on", type=DATE, default=None,
                            help="The day, YYYY-MM-DD (default: today).")


def _store() -> Store:
    return Store.default()


@cli.group()
def program() -> None:
    """Programs: plans over weeks that say which routine to do, at what level and numbers.

    \b
    Examples:
      voicecoach program list
      voicecoach program show strength-20-30-40
      voicecoach program start cobra-progression
    """


@program.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list instead of a table.")
def program_list(as_json: bool) -> None:
    """List the built-in programs: id, title, weeks, sessions a week and source.

    \b
    Examples:
      voicecoach program list
      voicecoach program list --json
    """
    rows: list[dict[str, Any]] = [
        {"id": p.id, "title": p.title, "weeks": len(p.weeks),
         "sessions_per_week": p.sessions_per_week, "source": p.source}
        for p in programs.all_builtin()]
    if as_json:
        click.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    width = max(len(r["id"]) for r in rows)
    click.echo(f"{'ID':<{width}}  WEEKS  A WEEK  TITLE")
    for r in rows:
        click.echo(f"{r['id']:<{width}}  {r['weeks']:>5}  {r['sessions_per_week']:>6}  {r['title']}"
                   f"\n{'':<{width}}  from: {r['source'] or '-'}")


@program.command("show")
@click.argument("name", metavar="NAME-or-FILE")
def program_show(name: str) -> None:
    """Print a program's plan week by week: routine, level and each exercise's numbers.

    \b
    Examples:
      voicecoach program show strength-20-30-40
      voicecoach program show my-program.yaml
    """
    click.echo(programs.load(name).plan_text())


@program.command("start")
@click.argument("name", metavar="NAME-or-FILE")
@_date_option
@click.option("--yes", is_flag=True, help="End the active program without asking.")
@_shown_language
def program_start(name: str, on: dt.date | None, yes: bool, language: str | None) -> None:
    """Start a program (a built-in id or a file); it becomes the one active program.

    Starting another while one is active asks first on a terminal; elsewhere it needs --yes.

    \b
    Examples:
      voicecoach program start strength-20-30-40
      voicecoach program start my-program.yaml --date 2026-03-02 --yes
      voicecoach program start cobra-progression --language de
    """
    book = _book(language, None, programs.load(name).language)  # the file's own language

    def replace_active(active) -> bool:
        if yes:
            return True
        if not sys.stdin.isatty():
            raise UsageError(f"program '{active.program}' is active (since {active.started}); "
                             f"starting '{name}' ends it. Add --yes to start it anyway.")
        return _Terminal(book).yes(book(phrases.END_AND_START, active=active.program,
                                        since=str(active.started), program=name))

    run = usecases.start_program(_store(), name, on or dt.date.today(), replace_active,
                                 Options(language=language), _defaults())
    if run is None:
        click.echo(book(phrases.NOTHING_CHANGED), err=True)
        sys.exit(1)
    click.echo(book(phrases.STARTED, title=run.title, program=run.program, date=str(run.started)))


@program.command("resume")
@_date_option
@click.option("--yes", is_flag=True, help="Resume without asking.")
@_shown_language
def program_resume(on: dt.date | None, yes: bool, language: str | None) -> None:
    """Continue a program that paused for pain or a warning symptom.

    Resume only when a physiotherapist or doctor has said you can go on. On a terminal it asks
    first; elsewhere it needs --yes.

    \b
    Examples:
      voicecoach program resume
      voicecoach program resume --yes
      voicecoach program resume --language es
    """
    store, day = _store(), on or dt.date.today()
    plan = history.plan_for(store, day)
    if plan is None:
        raise history.NoActiveProgram("there is nothing to resume")
    book = _book(language, plan)
    if not plan.position.paused:
        click.echo(book(phrases.NOT_PAUSED, title=plan.program.title))
        return
    if not yes:
        if not (sys.stdin is not None and sys.stdin.isatty()):
            raise UsageError("resuming a paused program needs a yes: add --yes once a "
                             "physiotherapist or doctor has said you can go on")
        shown = history.plan_for(store, day, book) or plan  # the advice in the person's language
        click.echo(shown.advice, err=True)
        if not _Terminal(book).yes(book(phrases.CLEARED_TO_GO_ON)):
            click.echo(book(phrases.NOTHING_CHANGED), err=True)
            sys.exit(1)
    after = history.resume(store, day)
    click.echo(book(phrases.PROGRAM_RESUMED, title=after.program.title, week=str(after.position.week),
                    level=book.name(phrases.LEVEL_NAMES, after.level)))


@cli.command()
@click.option("--play", "speak", is_flag=True, help="Speak it too.")
@click.option("--voice", default=None, help="A voice id from 'voicecoach voices'.")
@click.option("--pace", type=click.Choice(PACE_NAMES), default=None, help="How fast it is spoken.")
def safety(speak: bool, voice: str | None, pace: str | None) -> None:
    """Print the safety words: when to see a doctor first, how much pain is fine, when to stop.

    The same words are spoken at the start of your first session and of a program's first
    session; every session begins with a short version.

    \b
    Examples:
      voicecoach safety
      voicecoach safety --play --pace slow
    """
    from .safety import screen_lines, screen_text

    click.echo(screen_text())
    if speak:
        from .player import Device, Player  # the player and the engines: only to speak
        from .session import say_lines

        device = Device(SAMPLE_RATE, "The safety words are printed above.")  # before speech
        session = say_lines(screen_lines(), _settings(Options(pace=pace, voice=voice)), _cache())
        Player(session.timeline, session.speech, device).play()


@cli.command()
@_date_option
@click.option("--json", "as_json", is_flag=True, help="Print today's session as JSON.")
@click.option("--play", is_flag=True, help="Play today's session (and record it).")
@click.option("--export", "export_mp3", is_flag=True, help="Export today's session as an MP3.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="The MP3 for --export (default: PROGRAM-weekN-LEVEL.mp3 here).")
@session_options
@bed_options
@click.option("--from", "from_exercise", metavar="EXERCISE",
              help="With --play, start at this exercise (its name or number).")
@click.option("-q", "--quiet", is_flag=True, help="No progress bar or summary.")
def today(on: dt.date | None, as_json: bool, play: bool, export_mp3: bool, output: Path | None,
          options: Options, from_exercise: str | None, quiet: bool) -> None:
    """Say what to do today in the active program: its week, routine, level and numbers.

    --play plays exactly that session and records it; --export writes it as an MP3 (record it
    afterwards with 'voicecoach log'). The level comes from the program's week unless --level is
    given.

    \b
    Examples:
      voicecoach today
      voicecoach today --json --date 2026-03-09
      voicecoach today --play --pace slow
      voicecoach today --export -o today.mp3
      voicecoach today --play --bed brown
    """
    if play and export_mp3:
        raise click.UsageError("give --play or --export, not both")
    store, day = _store(), on or dt.date.today()
    # on a terminal the morning after the last session is asked first (it may hold the week): in
    # the language of the text, or with --play and --export in the session's, as all the rest
    ask = _Terminal if _interactive() and not as_json else None
    if not (play or export_mp3):
        if as_json:  # --json's words stay English; --language still names the program's language
            plan = history.plan_for(store, day, language=options.language)
            click.echo(json.dumps(plan.to_json() if plan else {"program": None,
                                  "message": history.START_HINT}, indent=1, ensure_ascii=False))
        else:
            plan = usecases.today_plan(store, day, options, _defaults(), ask)
            click.echo(plan.text() if plan else _book(options.language, None)(phrases.NO_PROGRAM))
        return
    chosen = usecases.today_session(store, day, options, _defaults(), ask)
    plan, settings, given = chosen.plan, chosen.settings, chosen.given
    if play:
        _play(plan.routine, settings, ["today", "--export", *given], ["today", "--play", *given],
              from_exercise, plan, listen=_defaults().listen, book=chosen.book)
        return
    if output:
        files.check_output(output)  # a device or FIFO is refused as such
        files.check_suffix(output, formats.DEFAULT.suffix, formats.DEFAULT.what)
        files.check_folder(output)
    if history.first_session(store, plan):  # a program's first session opens with the screen
        settings = replace(settings, safety_screen=True)
    session = _session(plan.routine, settings, quiet)
    program_file = history.decode_ref(plan.run.ref).file  # None for a built-in
    _wrote(usecases.export_session(session, output, None, 64, False, False, _progress(session, quiet),
                                   input_files("", settings, str(program_file or ""))), quiet)


def _partial(ctx: click.Context, param: click.Parameter, value: float | None) -> float | None:
    try:
        return history.check_partial(value)
    except UsageError as error:
        raise click.BadParameter(str(error).removeprefix("--partial ")) from None


@cli.command("log")
@_date_option
@click.option("--routine", "routine_ref", metavar="ROUTINE",
              help="The routine done (default: today's program session).")
@click.option("--pain-before", type=PAIN, help="Pain before the session, 0-10.")
@click.option("--pain-after", type=PAIN, help="Pain after the session, 0-10.")
@click.option("--partial", type=float, metavar="SECONDS", callback=_partial,
              help="Stopped early, after this many seconds (default: completed).")
@click.option("--note", help="A few words to keep with the session.")
@click.option("--next-day", type=click.Choice(NEXT_DAY),
              help="How your back was the morning after the last session logged.")
@click.option("--symptom", "symptoms", metavar="NAME", multiple=True,
              help=f"A warning symptom (repeatable): {', '.join(SYMPTOM_NAMES)}; or "
                   f"'{NO_SYMPTOM}'.")
@_shown_language
def log_command(on: dt.date | None, routine_ref: str | None, pain_before: int | None,
                pain_after: int | None, partial: float | None, note: str | None,
                next_day: str | None, symptoms: tuple[str, ...], language: str | None) -> None:
    """Record a session done away from 'play', say from an MP3 on a phone.

    By default it is today's program session, completed. Pain is 0 (none) to 10 (worst).
    --next-day says how your back was the morning after the last session logged; with
    --symptom alone, or --next-day alone, it goes with that session and adds none.

    \b
    Symptoms (any of them pauses a program; the first four need medical help now):
      leg-weak       a leg growing weak
      both-legs      symptoms in both legs
      saddle-numb    numbness around the groin or inner thighs
      bladder-bowel  a change in bladder or bowel control
      leg-pain       pain spreading down a leg
      leg-numb       numbness or tingling in a leg
      fever          fever or feeling unwell
      night-pain     pain at night that no position eases

    \b
    Examples:
      voicecoach log --pain-before 3 --pain-after 2 --symptom none
      voicecoach log --next-day same
      voicecoach log --date 2026-03-04 --partial 600 --note "stopped at the squats"
      voicecoach log --pain-after 6 --symptom leg-numb
      voicecoach log --routine desk-break
    """
    store = _store()
    record, plan = history.log(store, on or dt.date.today(), routine_ref, pain_before,
                               pain_after, partial, note, next_day=next_day,
                               symptoms=history.check_symptoms(symptoms))
    book = _book(language, plan)
    if plan is not None and book is not ENGLISH:
        plan = history.plan_for(store, plan.date, book)
    click.echo(history.logged_text(record, plan, book))


@cli.command("history")
@click.option("--json", "as_json", is_flag=True,
              help='Print {"sessions": [...], "streak_weeks": N} as JSON.')
@click.option("--chart", type=click.Path(dir_okay=False, path_type=Path), metavar="FILE",
              help="Draw pain and sessions per week into FILE.png or FILE.svg.")
@_date_option
@_shown_language
def history_command(as_json: bool, chart: Path | None, on: dt.date | None,
                    language: str | None) -> None:
    """Show the sessions done, with pain before and after, and the streak of weeks.

    The streak counts calendar weeks in a row with at least the planned sessions; the current
    week does not break it until it is over.

    \b
    Examples:
      voicecoach history
      voicecoach history --json
      voicecoach history --chart progress.png
    """
    store, day = _store(), on or dt.date.today()
    if chart:
        from .chart import draw

        draw(chart, store.sessions(), store.runs(), day)
        _skipped(store)
        click.echo(f"wrote {chart}", err=True)
        return
    if as_json:
        click.echo(json.dumps(history.history_json(store, day), indent=1, ensure_ascii=False,
                              allow_nan=False))
    else:
        own = history.program_language(store.active_run())  # as today's words are chosen
        click.echo(history.history_text(store, day, _book(language, None, own)))
    _skipped(store)


def _skipped(store) -> None:
    if store.skipped:
        ids = ", ".join(str(number) for number in store.skipped)
        click.echo(f"voicecoach: warning: {store.path}: left out {len(store.skipped)} session"
                   f"{'s' if len(store.skipped) != 1 else ''} that cannot be read (id {ids})",
                   err=True)


@cli.command()
@click.argument("routine_refs", metavar="[ROUTINE]...", nargs=-1)
@click.option("--host", metavar="ADDRESS", default=None,
              help="The address to listen on (default: this machine's address on the home network; "
                   "127.0.0.1 for this machine only).")
@click.option("--port", type=click.IntRange(0, 65535), default=None, metavar="PORT",
              help="The port to listen on; 0 picks a free one [default: 8710].")
@click.option("--no-qr", is_flag=True, help="Do not draw the QR code of the address.")
@click.option("--new-token", is_flag=True,
              help="Make a new secret address (podcast apps must subscribe again).")
@session_options
@bed_options
@format_option
def serve(routine_refs: tuple[str, ...], host: str | None, port: int | None, no_qr: bool,
          new_token: bool, options: Options, format_name: str | None) -> None:
    """Serve the sessions to your phone on the home network: a page to play them and a podcast feed.

    Prints one line, the address http://ADDRESS:PORT/TOKEN/ (and on a terminal a QR code of it
    for the phone's camera, the feed's address and how to stop it). The page lists every built-in
    routine (or the ROUTINEs given) and today's program session, plays them with the spoken lines
    shown, and logs a session when you are done; ADDRESS/TOKEN/feed.xml is a podcast feed for
    AntennaPod (apps that fetch feeds on their own servers cannot reach it; the page's download
    works on any phone). The token is kept, so the address stays the same. Sessions are made
    when first asked for and kept. Ctrl-C stops it. --format m4b serves M4B files (AAC, for
    audiobook players) instead of MP3s.

    \b
    Examples:
      voicecoach serve
      voicecoach serve --host 127.0.0.1 --port 8080
      voicecoach serve desk-break floor-relax --pace slow --bed brown
      voicecoach serve --new-token
      voicecoach serve --format m4b
    """
    from .episodes import Episodes, Offer
    from .server import DEFAULT_PORT, qr_text
    from .server import serve as run

    def below(url: str) -> str:  # under the address, on a terminal
        return (("" if no_qr else qr_text(url)) + f"Podcast feed (AntennaPod): {url}feed.xml\n"
                "Ctrl-C stops it.\n")

    fmt = formats.by_name(format_name) if format_name else formats.DEFAULT
    fmt.check()  # a missing encoder is said now, not on the phone
    offer = Offer(routine_refs, _settings(options), fmt)
    offer.routines(strict=True)  # a routine that cannot be loaded is said now, not on the phone
    run(offer, Episodes(_cache(), fmt=fmt), host, DEFAULT_PORT if port is None else port, new_token,
        below if sys.stdout.isatty() else None, options.level is not None)


def _usage_line(error: click.UsageError) -> str:
    """click's usage error as our one line (not its Usage/Try/Error block): a bad value names the
    option, the value and what is allowed (`--pain-before must be from 0 to 10, got 11`); the
    rest say where the help is."""
    # click leaves out the command when an option lacks its value: then no help is pointed at
    see = f" (see '{error.ctx.command_path} --help')" if error.ctx else ""
    param = error.param if isinstance(error, click.BadParameter) else None
    if param is None or isinstance(error, click.MissingParameter):
        text = error.format_message().rstrip(".").replace(". Did you mean", "; did you mean")
        missing = f"missing {param.human_readable_name}" if param is not None else \
            text[:1].lower() + text[1:]
        return missing + see
    text = error.message.rstrip(".")
    name = max(param.opts, key=len) if isinstance(param, click.Option) else param.human_readable_name
    given, _, rest = text.partition(" is not ")
    if isinstance(param.type, click.Choice) and rest:
        return f"{name} must be one of {', '.join(map(str, param.type.choices))}, got {given}"
    if isinstance(param.type, (click.IntRange, click.FloatRange)) and rest:
        return f"{name} must be {_allowed(param.type)}, got {_number(given)}"
    return f"{name} {text}" if text.startswith("must ") else f"{name}: {text}"


def _allowed(numbers: click.IntRange | click.FloatRange) -> str:
    low, high = _number(str(numbers.min)), _number(str(numbers.max))
    if numbers.max is None:
        return f"more than {low}" if numbers.min_open else f"{low} or more"
    if numbers.min is None:
        return f"less than {high}" if numbers.max_open else f"{high} or less"
    return f"from {low} to {high}"


def _number(text: str) -> str:
    """300.0 as 300: click quotes the value it converted, not the one typed."""
    try:
        return f"{float(text):g}"
    except ValueError:
        return text


def _debug_after_the_command(group: click.Group) -> None:
    """`voicecoach play --debug` works as `voicecoach --debug play` does (main() reads either)."""
    for command in group.commands.values():
        command.params.append(click.Option(["--debug"], is_flag=True, hidden=True,
                                           expose_value=False, help="Show tracebacks."))
        if isinstance(command, click.Group):
            _debug_after_the_command(command)


_debug_after_the_command(cli)


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
    except click.exceptions.NoArgsIsHelpError as error:  # `voicecoach program`: its help
        error.show()
        sys.exit(error.exit_code)
    except click.UsageError as error:
        click.echo(f"voicecoach: {_usage_line(error)}", err=True)
        sys.exit(error.exit_code)
    except click.ClickException as error:
        click.echo(f"voicecoach: {error.format_message()}", err=True)
        sys.exit(error.exit_code)
    except click.exceptions.Abort:
        sys.exit(1)
    except KeyboardInterrupt as interrupt:
        interrupts.leave(interrupt)
    except BrokenPipeError:
        _quiet_stdout()
        sys.exit(0)
    except Exception:
        # A signal that an extension turned into another error on its way up (scipy's HiGHS
        # module, interrupted while it initialises, raises ImportError): the signal's ending.
        stopped = interrupts.pending()
        if stopped is None or debug:
            raise
        interrupts.leave(stopped)


def _quiet_stdout() -> None:
    """The reader went away (`voicecoach voices | head -1`): nothing more to say, and nothing may
    be flushed into the closed pipe at exit."""
    null = os.open(os.devnull, os.O_WRONLY)
    os.dup2(null, sys.stdout.fileno())
    os.close(null)


if __name__ == "__main__":
    main()
