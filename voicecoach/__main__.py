"""The entry point (`voicecoach`, `python -m voicecoach`): signals are handled before the heavy
imports start, so even an early Ctrl-C ends with one line and exit 130."""
from . import interrupts


def main() -> None:
    interrupts.install()
    try:
        from .cli import main as run
        interrupts.check()
    except KeyboardInterrupt as interrupt:
        interrupts.leave(interrupt)
    run()


if __name__ == "__main__":
    main()
