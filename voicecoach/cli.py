"""The command line: parse options, call one library function, turn its errors into one clear line."""
from __future__ import annotations

import json
import sys

import click

from . import __version__
from . import routine as routines
from .errors import RoutineError, RoutineNotFound, VoicecoachError


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="voicecoach")
@click.option("--debug", is_flag=True, hidden=True, help="Show tracebacks.")
@click.pass_context
def cli(ctx: click.Context, debug: bool) -> None:
    """Voice-guided back-care sessions you can follow lying down with your eyes closed.

    \b
    Examples:
      voicecoach list
      voicecoach show three-exercises
      voicecoach check my-routine.yaml
    """
    ctx.obj = {"debug": debug}


@cli.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list instead of a table.")
def list_command(as_json: bool) -> None:
    """List the built-in routines: id, title, approximate length and source.

    \b
    Examples:
      voicecoach list
      voicecoach list --json
    """
    rows = []
    for routine in routines.all_builtin():
        rows.append({
            "id": routine.id, "title": routine.title, "source": routine.source,
            "summary": routine.summary, "exercises": len(routine.exercises),
            "minutes": round(routines.rough_seconds(routine, "standard") / 60),
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
            routines.load(given)
        except RoutineError as error:
            status = max(status, 1)
            for problem in error.problems:
                click.echo(str(problem))
            continue
        except RoutineNotFound as error:
            status = 2
            click.echo(f"voicecoach: {error}", err=True)
            continue
        click.echo(f"{given}: ok", err=True)
    sys.exit(status)


@cli.command()
@click.argument("routine_name", metavar="ROUTINE")
def show(routine_name: str) -> None:
    """Print a readable outline of a routine (a built-in name or a file).

    \b
    Examples:
      voicecoach show three-exercises
      voicecoach show my-routine.yaml
    """
    routine = routines.load(routine_name)
    click.echo(outline(routine))


def outline(routine: routines.Routine) -> str:
    lines = [routine.title]
    if routine.source:
        lines.append(f"From: {routine.source}")
    if routine.summary:
        lines.append(routine.summary)
    lines.append("")
    for exercise in routine.exercises:
        if exercise.kind == "reps":
            work = f"{exercise.amount} reps"
            if exercise.tempo and exercise.tempo[0].word:
                work += " (" + ", ".join(f"{p.word} {p.seconds:g}s" for p in exercise.tempo) + ")"
        elif exercise.kind == "hold":
            work = f"hold {exercise.amount}s"
        else:
            work = f"{exercise.amount}s of steady work"
        sets = f", {exercise.sets} sets" if str(exercise.sets) != "1" else ""
        sides = f", each side: {' / '.join(exercise.sides)}" if exercise.sides else ""
        lines.append(f"{exercise.number}. {exercise.name}: {work}{sets}{sides}")
        lines.append(f"   Setup: {exercise.setup}")
        if exercise.caution:
            lines.append(f"   Caution: {exercise.caution}")
        for cue in exercise.cues:
            lines.append(f"   - {cue}")
    return "\n".join(lines)


def main() -> None:
    """Entry point: the one boundary where errors become a message and an exit code."""
    debug = "--debug" in sys.argv[1:]
    try:
        cli.main(standalone_mode=False)
    except VoicecoachError as error:
        if debug:
            raise
        click.echo(f"voicecoach: {error}" if not isinstance(error, RoutineError) else str(error),
                   err=True)
        sys.exit(error.exit_code)
    except click.exceptions.Abort:
        click.echo("", err=True)
        sys.exit(130)
    except click.ClickException as error:
        error.show()
        sys.exit(error.exit_code)
    except click.exceptions.Exit as exit_:
        sys.exit(exit_.exit_code)
    except KeyboardInterrupt:
        sys.exit(130)
    except BrokenPipeError:
        sys.stderr.close()
        sys.exit(0)


if __name__ == "__main__":
    main()
