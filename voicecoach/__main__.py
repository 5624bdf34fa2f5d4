"""The entry point (`voicecoach`, `python -m voicecoach`): signals are handled before the heavy
imports start, so a Ctrl-C or SIGTERM from the moment `interrupts.install()` has run (the first
thing voicecoach does, a few tens of milliseconds after Python starts) ends with one line and exit
130 or 143. One that comes earlier, while Python itself is starting, gets Python's own handling."""
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
