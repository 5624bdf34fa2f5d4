"""Ctrl-C and SIGTERM as exceptions, so every command unwinds (children reaped, temporary files
removed) and ends with one line and exit 130 or 143, whenever the signal comes."""
from __future__ import annotations

import _thread
import os
import signal  # only these four: this module is imported before anything else, kept quick
import sys

SIGNALS = (signal.SIGINT, signal.SIGTERM)


class Terminated(KeyboardInterrupt):
    """SIGTERM. A KeyboardInterrupt, so every place that stops cleanly on Ctrl-C stops on it too."""


_received: list[int] = []  # the signal that stopped us, for code that caught its exception
_main = _thread.get_ident()  # Python runs signal handlers in this thread only
_holding = [0, 0]  # [held blocks the main thread is in, a signal came in one and waits]


def _stop(signum: int, frame: object) -> None:
    # The first signal stops the command; later ones must not interrupt the cleanup it starts.
    _received.append(signum)
    for number in SIGNALS:
        signal.signal(number, signal.SIG_IGN)
    if _holding[0]:
        _holding[1] = 1  # raised as the held block ends
        return
    raise Terminated() if signum == signal.SIGTERM else KeyboardInterrupt()


def _unraisable(unraisable: sys.UnraisableHookArgs) -> None:
    # A signal that lands inside a finalizer or a weakref callback (the import system runs one as
    # it releases a module's lock) raises where Python cannot pass the exception on, and it prints
    # "Exception ignored in: ..." with a traceback. Ours is recorded: check() raises it again on
    # the way out, so the person sees the one line that says we stopped and nothing else.
    if isinstance(unraisable.exc_value, KeyboardInterrupt) and _received:
        return
    sys.__unraisablehook__(unraisable)


def install() -> None:
    """Turn SIGINT and SIGTERM into KeyboardInterrupt and Terminated; call first thing."""
    global _main
    _main = _thread.get_ident()  # a forked worker's own, too
    _holding[:] = [0, 0]
    for number in SIGNALS:
        signal.signal(number, _stop)
    sys.unraisablehook = _unraisable


def pending() -> KeyboardInterrupt | None:
    """The exception of the signal that stopped us, if one came; else None."""
    if not _received:
        return None
    return Terminated() if _received[0] == signal.SIGTERM else KeyboardInterrupt()


def check() -> None:
    """Raise again the exception of a signal received but swallowed on its way up (some libraries
    catch everything during their imports), so it still stops the command. A no-op otherwise."""
    interrupt = pending()
    if interrupt is not None:
        raise interrupt


def leave(interrupt: BaseException) -> None:
    """End the process after an interrupt has unwound: one line, exit 130 or 143.

    os._exit rather than sys.exit: after a KeyboardInterrupt inside some imports the interpreter
    ends itself by SIGINT at exit whatever code is asked for, and nothing is left to clean up.
    """
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
    try:
        os.write(2, (message(interrupt) + "\n").encode())
    except OSError:
        pass
    os._exit(exit_code(interrupt))


def exit_code(interrupt: BaseException | None = None) -> int:
    """What the shell expects after a signal: 128 + its number (of the signal received when no
    exception is given)."""
    if interrupt is None:
        return 128 + (_received[0] if _received else signal.SIGINT)
    return 128 + (signal.SIGTERM if isinstance(interrupt, Terminated) else signal.SIGINT)


def message(interrupt: BaseException) -> str:
    return "voicecoach: stopped (SIGTERM)" if isinstance(interrupt, Terminated) else \
        "voicecoach: stopped (Ctrl-C)"


class held:
    """Hold SIGINT and SIGTERM back (they arrive when the block ends), e.g. across a fork, so no
    handler runs inside the fork's own bookkeeping, in the parent or the child, or while a
    temporary file or folder is made or removed.

    Masking the signals holds back only those sent to this thread: a process with other threads
    (numpy's OpenBLAS starts some at import) may take the signal in one of them, and Python then
    runs the handler here at once. So the handler itself also waits while the main thread is in a
    held block, and the block raises the signal's exception as it ends."""

    def __enter__(self) -> None:
        self._counted = _thread.get_ident() == _main
        if self._counted:
            _holding[0] += 1
        self._previous = signal.pthread_sigmask(signal.SIG_BLOCK, SIGNALS)

    def __exit__(self, *exc: object) -> None:
        signal.pthread_sigmask(signal.SIG_SETMASK, self._previous)  # a masked one runs _stop here
        if self._counted:
            _holding[0] -= 1
            if not _holding[0] and _holding[1]:
                _holding[1] = 0
                raise pending() or KeyboardInterrupt()


def in_child() -> None:
    """In a forked child, before signals are let through: a signal simply ends the child."""
    for number in SIGNALS:
        signal.signal(number, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, SIGNALS)


def raise_for_child(status: int) -> None:
    """A child ended by SIGINT or SIGTERM means the user stopped us: stop here too."""
    if os.WIFSIGNALED(status):
        if os.WTERMSIG(status) == signal.SIGTERM:
            raise Terminated()
        if os.WTERMSIG(status) == signal.SIGINT:
            raise KeyboardInterrupt()
