"""Every way to steer a session besides the keyboard, started around it: media keys and headset
buttons (MPRIS), and, when asked for, spoken commands. Each sends Commands to the player's
Controls; none is needed for a session to play."""
from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .player import Controls, Player


@contextlib.contextmanager
def steering(player: Player, controls: Controls, album: str, report: Callable[[str], None],
             listen: bool = False, warn: Callable[[str], None] | None = None) -> Iterator[None]:
    """MPRIS while the block runs (Linux), and spoken commands with `listen`. `report` gets one
    line when MPRIS cannot be (a --debug line); `warn` one when the microphone cannot be."""
    with contextlib.ExitStack() as stack:
        if sys.platform.startswith("linux"):
            try:
                from . import mpris
            except ImportError as exc:
                report(f"media keys (MPRIS) are off: {exc}")
            else:
                stack.enter_context(mpris.published(player, controls, album, report))
        if listen:
            from . import listen as listening

            if stack.enter_context(listening.listening(player, controls, warn or report)) is not None:
                shown = player.status
                if shown is not None:
                    player.status = lambda text: shown(f"{text} | listening")
        yield
