"""The entry point (`voicecoach`, `python -m voicecoach`): signals are handled before the heavy
imports start, so even an early Ctrl-C ends with one line and exit 130."""
import sys

from . import interrupts


def main() -> None:
    interrupts.install()
    try:
        from .cli import main as run
    except KeyboardInterrupt as interrupt:
        print(interrupts.message(interrupt), file=sys.stderr)
        sys.exit(interrupts.exit_code(interrupt))
    run()


if __name__ == "__main__":
    main()
