"""Ctrl-C and SIGTERM as exceptions, so every command unwinds (children reaped, temporary files
removed) and ends with one line and exit 130 or 143, whenever the signal comes."""
from __future__ import annotations

import contextlib
import os
import signal
from typing import Iterator

SIGNALS = (signal.SIGINT, signal.SIGTERM)


class Terminated(KeyboardInterrupt):
    """SIGTERM. A KeyboardInterrupt, so every place that stops cleanly on Ctrl-C stops on it too."""


_received: list[int] = []  # the signal that stopped us, for code that caught its exception


def _stop(signum: int, frame: object) -> None:
    # The first signal stops the command; later ones must not interrupt the cleanup it starts.
    _received.append(signum)
    for number in SIGNALS:
        signal.signal(number, signal.SIG_IGN)
    raise Terminated() if signum == signal.SIGTERM else KeyboardInterrupt()


def install() -> None:
    """Turn SIGINT and SIGTERM into KeyboardInterrupt and Terminated; call first thing."""
    for number in SIGNALS:
        signal.signal(number, _stop)


def exit_code(interrupt: BaseException | None = None) -> int:
    """What the shell expects after a signal: 128 + its number (of the signal received when no
    exception is given)."""
    if interrupt is None:
        return 128 + (_received[0] if _received else signal.SIGINT)
    return 128 + (signal.SIGTERM if isinstance(interrupt, Terminated) else signal.SIGINT)


def message(interrupt: BaseException) -> str:
    return "voicecoach: stopped (SIGTERM)" if isinstance(interrupt, Terminated) else \
        "voicecoach: stopped (Ctrl-C)"


@contextlib.contextmanager
def held() -> Iterator[None]:
    """Hold SIGINT and SIGTERM back (they arrive when the block ends), e.g. across a fork, so no
    handler runs inside the fork's own bookkeeping, in the parent or the child."""
    if not hasattr(signal, "pthread_sigmask"):  # pragma: no cover - Windows
        yield
        return
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, SIGNALS)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


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
