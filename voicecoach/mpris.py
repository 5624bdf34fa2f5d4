"""Media keys, desktop widgets and headset buttons: `play` as an MPRIS player on the D-Bus session
bus, the only importer of dbus-fast.

The service runs its own asyncio loop in a thread. Method calls become Commands sent to the
player's Controls, so a media key acts exactly as the matching key does; what it reports
(status, position, the exercise as the track title) is read from the player a few times a
second, and a change is signalled. The whole session is one track: `Position` and
`mpris:length` are the session's, `xesam:title` the current exercise, `xesam:album` the routine.
"""
from __future__ import annotations

import asyncio
import contextlib
import os
import threading
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Annotated, Any

from dbus_fast import BusType, DBusError, RequestNameReply, Variant
from dbus_fast.aio import MessageBus
from dbus_fast.annotations import (
    DBusBool,
    DBusDict,
    DBusDouble,
    DBusInt64,
    DBusObjectPath,
    DBusSignature,
    DBusStr,
)
from dbus_fast.service import PropertyAccess, ServiceInterface, dbus_method, dbus_property, dbus_signal

from .player import Command, Controls

if TYPE_CHECKING:
    from .player import Player


BUS_NAME = "org.mpris.MediaPlayer2.voicecoach"
OBJECT_PATH = "/org/mpris/MediaPlayer2"
WATCH_S = 0.2  # how often the player's state is read to signal changes
SEEK_SLACK_S = 1.0  # a position further than this from where playing would take it is a jump
DBusStrings = Annotated[list[str], DBusSignature("as")]


class _Root(ServiceInterface):
    def __init__(self, controls: Controls):
        super().__init__("org.mpris.MediaPlayer2")
        self.controls = controls

    @dbus_method()
    def Raise(self):  # no annotation: dbus-fast reads '-> None' as a signature
        pass

    @dbus_method()
    def Quit(self):
        self.controls.send(Command.QUIT)

    @dbus_property(PropertyAccess.READ)
    def CanQuit(self) -> DBusBool:
        return True

    @dbus_property(PropertyAccess.READ)
    def CanRaise(self) -> DBusBool:
        return False

    @dbus_property(PropertyAccess.READ)
    def HasTrackList(self) -> DBusBool:
        return False

    @dbus_property(PropertyAccess.READ)
    def Identity(self) -> DBusStr:
        return "voicecoach"

    @dbus_property(PropertyAccess.READ)
    def SupportedUriSchemes(self) -> DBusStrings:
        return []

    @dbus_property(PropertyAccess.READ)
    def SupportedMimeTypes(self) -> DBusStrings:
        return []

class _Transport(ServiceInterface):
    """org.mpris.MediaPlayer2.Player over one Player."""

    def __init__(self, player: Player, controls: Controls, album: str):
        super().__init__("org.mpris.MediaPlayer2.Player")
        self.player, self.controls, self.album = player, controls, album

    # what it reports --------------------------------------------------------
    def status(self) -> str:
        return "Paused" if self.player.paused else "Playing"

    def microseconds(self, samples: int) -> int:
        return samples * 1_000_000 // self.player.timeline.sample_rate

    def metadata(self) -> dict[str, Variant]:
        timeline = self.player.timeline
        index, chapter = next(((i, c) for i, c in enumerate(timeline.chapters)
                               if c.start <= self.player.position < c.end),
                              (len(timeline.chapters) - 1, timeline.chapters[-1]))
        return {
            "mpris:trackid": Variant("o", f"/org/voicecoach/chapter/{index}"),
            "mpris:length": Variant("x", self.microseconds(timeline.length)),
            "xesam:title": Variant("s", chapter.title),
            "xesam:album": Variant("s", self.album),
            "xesam:artist": Variant("as", ["voicecoach"]),
        }

    @dbus_property(PropertyAccess.READ)
    def PlaybackStatus(self) -> DBusStr:
        return self.status()

    @dbus_property(PropertyAccess.READ)
    def Metadata(self) -> DBusDict:
        return self.metadata()

    @dbus_property(PropertyAccess.READ)
    def Position(self) -> DBusInt64:
        return self.microseconds(self.player.position)

    @dbus_property(PropertyAccess.READ)
    def Rate(self) -> DBusDouble:
        return 1.0  # a session is placed to the sample at one speed

    @dbus_property(PropertyAccess.READ)
    def Volume(self) -> DBusDouble:
        return 1.0  # the system's volume is the one to use

    @dbus_property(PropertyAccess.READ)
    def LoopStatus(self) -> DBusStr:
        return "None"

    @dbus_property(PropertyAccess.READ)
    def Shuffle(self) -> DBusBool:
        return False

    @dbus_property(PropertyAccess.READ)
    def MinimumRate(self) -> DBusDouble:
        return 1.0

    @dbus_property(PropertyAccess.READ)
    def MaximumRate(self) -> DBusDouble:
        return 1.0

    @dbus_property(PropertyAccess.READ)
    def CanGoNext(self) -> DBusBool:
        return True

    @dbus_property(PropertyAccess.READ)
    def CanGoPrevious(self) -> DBusBool:
        return True

    @dbus_property(PropertyAccess.READ)
    def CanPlay(self) -> DBusBool:
        return True

    @dbus_property(PropertyAccess.READ)
    def CanPause(self) -> DBusBool:
        return True

    @dbus_property(PropertyAccess.READ)
    def CanSeek(self) -> DBusBool:
        return False  # by exercise (Next, Previous), not to any instant

    @dbus_property(PropertyAccess.READ)
    def CanControl(self) -> DBusBool:
        return True

    @dbus_signal()
    def Seeked(self, position: DBusInt64) -> DBusInt64:
        return position

    # what it is asked -------------------------------------------------------
    @dbus_method()
    def PlayPause(self):
        self.controls.send(Command.TOGGLE)

    @dbus_method()
    def Play(self):
        self.controls.send(Command.PLAY)

    @dbus_method()
    def Pause(self):
        self.controls.send(Command.PAUSE)

    @dbus_method()
    def Next(self):
        self.controls.send(Command.NEXT)

    @dbus_method()
    def Previous(self):
        self.controls.send(Command.PREVIOUS)

    @dbus_method()
    def Stop(self):
        self.controls.send(Command.QUIT)

    @dbus_method()
    def Seek(self, offset: DBusInt64):
        raise DBusError("org.mpris.MediaPlayer2.voicecoach.NotSupported",
                        "voicecoach moves by exercise: use Next and Previous")

    @dbus_method()
    def SetPosition(self, track: DBusObjectPath, position: DBusInt64):
        raise DBusError("org.mpris.MediaPlayer2.voicecoach.NotSupported",
                        "voicecoach moves by exercise: use Next and Previous")

    @dbus_method()
    def OpenUri(self, uri: DBusStr):
        raise DBusError("org.mpris.MediaPlayer2.voicecoach.NotSupported", "voicecoach opens no URIs")

    # telling clients --------------------------------------------------------
    async def watch(self) -> None:
        """Signal what changed since the last look: status and track (PropertiesChanged),
        and a position that jumped (Seeked)."""
        rate = self.player.timeline.sample_rate
        last_status, last_track, last_position = self.status(), self.metadata(), self.player.position
        loop = asyncio.get_running_loop()
        looked = loop.time()
        while True:
            await asyncio.sleep(WATCH_S)
            status, track, position = self.status(), self.metadata(), self.player.position
            now = loop.time()
            changed: dict[str, Any] = {}
            if status != last_status:
                changed["PlaybackStatus"] = status
            if track["mpris:trackid"].value != last_track["mpris:trackid"].value:
                changed["Metadata"] = track
            if changed:
                self.emit_properties_changed(changed)
            expected = last_position + (0 if last_status == "Paused" else int((now - looked) * rate))
            if abs(position - expected) > SEEK_SLACK_S * rate:
                self.Seeked(self.microseconds(position))
            last_status, last_track, last_position, looked = status, track, position, now


class Service:
    """The MPRIS player for one session, on a thread of its own; `ready` once its name is on the
    bus (or it gave up, saying why through `report`)."""

    def __init__(self, player: Player, controls: Controls, album: str,
                 report: Callable[[str], None]):
        self.player, self.controls, self.album, self.report = player, controls, album, report
        self.ready = threading.Event()
        self.name: str | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stopping: asyncio.Event | None = None
        self._thread = threading.Thread(target=self._run, name="mpris", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        if self._loop is not None and self._stopping is not None:
            with contextlib.suppress(RuntimeError):  # the loop already ended
                self._loop.call_soon_threadsafe(self._stopping.set)
        self._thread.join(timeout=5)

    def _run(self) -> None:
        try:
            asyncio.run(self._serve())
        except Exception as exc:  # no bus, a refused connection, a broken bus: play on without it
            self.report(f"media keys (MPRIS) are off: {' '.join(str(exc).split()) or type(exc).__name__}")
        finally:
            self.ready.set()

    async def _serve(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stopping = asyncio.Event()
        bus = await MessageBus(bus_type=BusType.SESSION).connect()
        try:
            transport = _Transport(self.player, self.controls, self.album)
            bus.export(OBJECT_PATH, _Root(self.controls))
            bus.export(OBJECT_PATH, transport)
            # a second session at once takes a name of its own, as the specification allows
            for name in (BUS_NAME, f"{BUS_NAME}.instance{os.getpid()}"):
                if await bus.request_name(name) == RequestNameReply.PRIMARY_OWNER:
                    self.name = name
                    break
            self.ready.set()
            watching = asyncio.ensure_future(transport.watch())
            await self._stopping.wait()
            watching.cancel()
        finally:
            bus.disconnect()


@contextlib.contextmanager
def published(player: Player, controls: Controls, album: str,
              report: Callable[[str], None]) -> Iterator[Service | None]:
    """The session as an MPRIS player while the block runs; without a session bus, nothing (and
    one line through `report`)."""
    if not os.environ.get("DBUS_SESSION_BUS_ADDRESS"):
        report("media keys (MPRIS) are off: no D-Bus session bus")
        yield None
        return
    service = Service(player, controls, album, report)
    service.start()
    try:
        yield service
    finally:
        service.stop()
