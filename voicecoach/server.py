"""`voicecoach serve`: the sessions on the home network, as a page a phone plays and a podcast feed;
the only module that imports aiohttp (and segno, for the QR code).

aiohttp serves files with `web.FileResponse`, which answers HEAD, byte ranges (206, suffix ranges,
416), ETag and Last-Modified, and conditional requests itself: no HTTP is parsed or written here.
Everything is under /TOKEN/, and every name under it is looked up in what the server made (an
episode key checked against a strict pattern, or a fixed name): no path is ever built from a URL,
so there is nothing to list and no way out of the folder. Episodes are made in a thread pool, one
job per episode however many ask for it, while the event loop goes on answering.
"""
from __future__ import annotations

import asyncio
import concurrent.futures
import datetime as dt
import errno
import os
import re
import secrets
import signal
import socket
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import IO

from aiohttp import web

from . import history, page
from .episodes import Episode, Episodes, Made, Offer, Stopped, today_episode
from .errors import VoicecoachError
from .feed import rss
from .files import atomic_output, read_regular
from .interrupts import Terminated
from .store import Store, data_folder

DEFAULT_PORT = 8710
TOKEN_FILE = "serve-token"
TOKEN_PATTERN = re.compile(r"[A-Za-z0-9_-]{16,128}")
WAIT_SECONDS = 300.0  # a request for an episode being made waits this long, then gets 503
RETRY_AFTER = 15
REFRESH_SECONDS = 3  # the page of an episode being made reloads itself this often
RENDER_THREADS = 2  # speech is made on every core already; two episodes at a time is plenty
# Where the default route points: nothing is sent to it (a UDP "connect" only picks the address).
_PROBE = ("10.255.255.255", 9)
_WEB_FILES = {"page.css": "text/css; charset=utf-8", "player.js": "text/javascript; charset=utf-8"}
_HEADERS = {"Referrer-Policy": "no-referrer", "X-Content-Type-Options": "nosniff"}


class ServeError(VoicecoachError):
    """The server cannot listen where it was asked."""

    def __init__(self, host: str, port: int, reason: str):
        super().__init__(f"cannot serve on {host}:{port}: {reason}")


# ---------------------------------------------------------------------------
# Address, token, QR code


def home_address() -> str:
    """This machine's address on the home network: the one its default route leaves from, found
    without sending anything; 127.0.0.1 when there is none."""
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            probe.connect(_PROBE)
            address = probe.getsockname()[0]
    except OSError:
        return "127.0.0.1"
    return address if address and not address.startswith(("0.", "127.")) else "127.0.0.1"


def token(folder: Path | None = None, new: bool = False) -> str:
    """The secret first part of every URL, kept in the data folder so a podcast subscription
    survives a restart; a new one with `new` (or when the file is missing or damaged)."""
    path = (folder or data_folder()) / TOKEN_FILE
    if not new:
        try:
            kept = read_regular(path, 1024).decode("ascii").strip()
            if TOKEN_PATTERN.fullmatch(kept):
                return kept
        except (OSError, UnicodeDecodeError):
            pass
    made = secrets.token_urlsafe(24)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise VoicecoachError(f"cannot make the data folder {path.parent}: {exc.strerror or exc}. "
                              "Set VOICECOACH_DATA to a folder you can write.") from None
    with atomic_output(path, "w") as out:
        os.chmod(out.name, 0o600)  # the token is the only key to the sessions and the history
        out.write(made + "\n")
    return made


def qr_text(url: str) -> str:
    """The URL as a QR code drawn with characters, for a phone camera to open."""
    import io

    import segno

    out = io.StringIO()
    segno.make(url, error="m").terminal(out=out, compact=True)
    return out.getvalue()


# ---------------------------------------------------------------------------
# The application


@dataclass
class _Today:
    episode: Episode | None
    problem: str = ""


class Server:
    def __init__(self, offer: Offer, episodes: Episodes, secret: str, level_given: bool,
                 told: Callable[[str], None]):
        self.offer, self.episodes, self.secret = offer, episodes, secret
        self.level_given = level_given
        self.told = told
        self.base = "/"  # the full address, once known
        self.stopping = threading.Event()
        self.pool = concurrent.futures.ThreadPoolExecutor(RENDER_THREADS, "voicecoach-render")
        self._jobs: dict[str, asyncio.Future[Made]] = {}

    # routes ---------------------------------------------------------------------------------
    def app(self) -> web.Application:
        app = web.Application(middlewares=[self._headers])
        app.add_routes([
            web.get("/{token}/", self.index),
            web.get("/{token}/feed.xml", self.feed),
            web.get("/{token}/cover.png", self.cover),
            web.get("/{token}/{name:(?:page\\.css|player\\.js)}", self.web_file),
            web.get("/{token}/{key}.html", self.player),
            web.get("/{token}/{key}.{kind:(?:mp3|vtt|chapters\\.json)}", self.episode_file),
            web.post("/{token}/done", self.done),
        ])
        return app

    @web.middleware
    async def _headers(self, request: web.Request, handler) -> web.StreamResponse:
        """Every answer under a wrong token is a 404, whatever the path; some headers for all."""
        given = request.match_info.get("token", "")
        if not secrets.compare_digest(given.encode(), self.secret.encode()):
            raise web.HTTPNotFound(headers=_HEADERS)
        response = await handler(request)
        response.headers.update(_HEADERS)
        return response

    # episodes ---------------------------------------------------------------------------------
    def _today(self) -> _Today:
        try:
            store = Store.default()
            try:
                plan = history.plan_for(store, dt.date.today())
            finally:
                store.close()
            if plan is not None and plan.position.paused:  # no session: what to do instead
                return _Today(None, plan.advice)
            return _Today(today_episode(plan, self.offer.base, self.level_given))
        except VoicecoachError as error:
            return _Today(None, f"Today's program session is not shown: {error}")

    async def _offered(self) -> tuple[dict[str, Episode], _Today]:
        loop = asyncio.get_running_loop()
        today = await loop.run_in_executor(None, self._today)
        every = await loop.run_in_executor(None, self.offer.every, today.episode)
        return every, today

    def start(self, episode: Episode) -> asyncio.Future[Made]:
        """The job making the episode: started once, shared by every request that waits for it."""
        job = self._jobs.get(episode.key)
        if job is None:
            loop = asyncio.get_running_loop()
            job = loop.run_in_executor(self.pool, self.episodes.make, episode, self.stopping, self.told)
            self._jobs[episode.key] = job
            job.add_done_callback(lambda done: self._finished(episode.key, done))
        return job

    def _finished(self, key: str, job: asyncio.Future[Made]) -> None:
        self._jobs.pop(key, None)
        if job.cancelled():
            return
        error = job.exception()
        if isinstance(error, VoicecoachError):
            self.told(f"voicecoach: could not make {key}: {error}")
        elif error is not None and not isinstance(error, Stopped):
            self.told(f"voicecoach: could not make {key}: {type(error).__name__}: {error}")

    async def made(self, episode: Episode) -> Made:
        """The finished episode, made first if need be; TimeoutError after WAIT_SECONDS."""
        found = self.episodes.finished(episode.key)
        if found is not None:
            return found
        return await asyncio.wait_for(asyncio.shield(self.start(episode)), WAIT_SECONDS)

    async def _made_or_answer(self, episode: Episode) -> Made | web.Response:
        try:
            return await self.made(episode)
        except TimeoutError:
            return web.Response(status=503, text="This session is still being made; try again soon.\n",
                                headers={"Retry-After": str(RETRY_AFTER)})
        except Stopped:
            return web.Response(status=503, text="The server is stopping.\n")
        except VoicecoachError as error:
            return web.Response(status=500, text=f"This session cannot be made: {error}\n")

    # handlers ---------------------------------------------------------------------------------
    async def index(self, request: web.Request) -> web.Response:
        every, today = await self._offered()
        listed = []
        for ref, routine in self.offer.routines():
            choices = self.offer.choices(ref, routine)
            main = next(e for e in self.offer.feed() if e.routine is routine)
            levels = [e for e in choices if e.settings.minutes == self.offer.base.minutes]
            lengths = [(int(e.settings.minutes or 0), e) for e in choices
                       if e.settings.minutes != self.offer.base.minutes
                       and e.settings.level == self.offer.base.level]
            listed.append(page.Listed(main, self.offer.minutes(ref, routine), levels, lengths))
        note = request.query.get("logged", "")[:300] or today.problem
        html = page.index(listed, today.episode, f"{self.base}feed.xml", note)
        return web.Response(text=html, content_type="text/html", headers={"Cache-Control": "no-cache"})

    async def feed(self, request: web.Request) -> web.Response:
        every, today = await self._offered()
        wanted = self.offer.feed() + ([today.episode] if today.episode else [])
        found = []
        for episode in wanted:  # made one after another: the pool makes them in turn anyway
            made = await self._made_or_answer(episode)
            if isinstance(made, web.Response):
                if made.status != 500:
                    return made
                continue  # one that cannot be made is left out, not the whole feed
            found.append(made)
        return web.Response(body=rss(self.base, found), content_type="application/rss+xml",
                            charset="utf-8", headers={"Cache-Control": "no-cache"})

    async def cover(self, request: web.Request) -> web.StreamResponse:
        path = self.episodes.folder / "cover.png"
        if not path.is_file():
            from .chart import draw_cover

            self.episodes.folder.mkdir(parents=True, exist_ok=True)
            await asyncio.get_running_loop().run_in_executor(None, draw_cover, path)
        return web.FileResponse(path, headers={"Content-Type": "image/png"})

    async def web_file(self, request: web.Request) -> web.Response:
        name = request.match_info["name"]
        text = (resources.files("voicecoach") / "web" / name).read_text(encoding="utf-8")
        return web.Response(text=text, headers={"Content-Type": _WEB_FILES[name]})

    async def _episode(self, key: str) -> Episode | None:
        every, _ = await self._offered()
        return every.get(key)

    async def player(self, request: web.Request) -> web.Response:
        episode = await self._episode(request.match_info["key"])
        if episode is None:
            raise web.HTTPNotFound()
        made = self.episodes.finished(episode.key)
        if made is None:
            self.start(episode)
            return web.Response(text=page.making(episode, REFRESH_SECONDS), content_type="text/html",
                                headers={"Cache-Control": "no-store"})
        return web.Response(text=page.player(episode, made), content_type="text/html",
                            headers={"Cache-Control": "no-cache"})

    async def episode_file(self, request: web.Request) -> web.StreamResponse:
        key, kind = request.match_info["key"], request.match_info["kind"]
        types = {"mp3": "audio/mpeg", "vtt": "text/vtt; charset=utf-8",
                 "chapters.json": "application/json+chapters"}
        # A finished episode is served as it is, even one no longer offered (yesterday's program
        # session, say, that a podcast app is still downloading).
        if self.episodes.finished(key) is None:
            episode = await self._episode(key)
            if episode is None:
                raise web.HTTPNotFound()
            made = await self._made_or_answer(episode)
            if isinstance(made, web.Response):
                return made
        path = self.episodes.path(key, f".{kind}")
        return web.FileResponse(path, headers={"Content-Type": types[kind],
                                               "Cache-Control": "no-cache"})

    async def done(self, request: web.Request) -> web.Response:
        form = await request.post()
        episode = await self._episode(str(form.get("episode", "")))
        if episode is None:
            raise web.HTTPNotFound()
        try:
            pains = [_pain(form.get(name)) for name in ("pain_before", "pain_after")]
        except ValueError:
            return web.Response(status=400, content_type="text/html", text=page.message(
                "Not logged", "Pain is a whole number from 0 to 10, or left empty."))

        def log() -> str:
            made = self.episodes.finished(episode.key)  # its real length, at the level and length played
            store = Store.default()
            try:
                record, plan = history.log(store, dt.date.today(), episode.log_ref, pains[0], pains[1],
                                           length=made.seconds if made else None)
            finally:
                store.close()
            return history.logged_text(record, plan)

        try:
            said = await asyncio.get_running_loop().run_in_executor(None, log)
        except VoicecoachError as error:
            return web.Response(status=400, content_type="text/html",
                                text=page.message("Not logged", str(error)))
        self.told(said)
        # After a POST, a GET: reloading the page does not log the session twice.
        raise web.HTTPSeeOther(location=f"./?logged={_quote(said)}")


def _pain(value: object) -> int | None:
    if value is None or str(value).strip() == "":
        return None
    number = int(str(value))
    if not 0 <= number <= 10:
        raise ValueError(value)
    return number


def _quote(text: str) -> str:
    from urllib.parse import quote

    return quote(text, safe="")


# ---------------------------------------------------------------------------
# Running


def serve(offer: Offer, episodes: Episodes, host: str | None, port: int, new_token: bool,
          show_qr: bool, level_given: bool, out: IO[str] = sys.stdout) -> None:
    """Serve until SIGINT or SIGTERM, which end it as the Ctrl-C of any command does (exit 130 or
    143, one line); print the address first, one line, at once."""
    secret = token(new=new_token)

    def told(line: str) -> None:
        print(line, file=sys.stderr, flush=True)

    server = Server(offer, episodes, secret, level_given, told)
    received = asyncio.run(_run(server, host or home_address(), port, show_qr, out))
    raise Terminated() if received == signal.SIGTERM else KeyboardInterrupt()


async def _run(server: Server, host: str, port: int, show_qr: bool, out: IO[str]) -> int:
    loop = asyncio.get_running_loop()
    stop: asyncio.Future[int] = loop.create_future()

    def stopped(number: int) -> None:
        if not stop.done():
            stop.set_result(number)

    def on_signal(number: int, frame: object) -> None:
        for each in (signal.SIGINT, signal.SIGTERM):  # as interrupts does: nothing cuts the way out
            signal.signal(each, signal.SIG_IGN)
        loop.call_soon_threadsafe(stopped, number)

    # Plain handlers, not loop.add_signal_handler: that one sets a wakeup fd, which the speech
    # workers forked while an episode is made inherit, so a worker told to stop with SIGTERM
    # would tell this loop it got SIGTERM itself.
    for number in (signal.SIGINT, signal.SIGTERM):
        signal.signal(number, on_signal)
    runner = web.AppRunner(server.app(), handle_signals=False, access_log=None)
    await runner.setup()
    try:
        site = web.TCPSite(runner, host, port, reuse_address=True)
        try:
            await site.start()
        except OSError as exc:
            raise ServeError(host, port, _bind_reason(exc, port)) from None
        bound = runner.addresses[0][1] if runner.addresses else port
        url = f"http://{host}:{bound}/{server.secret}/"
        server.base = url
        print(url, file=out, flush=True)
        if show_qr:
            print(qr_text(url), file=out, end="", flush=True)
        warm = asyncio.ensure_future(_warm(server))  # the feed's episodes, made before it is asked
        received = await stop
        warm.cancel()
        return received
    finally:
        server.stopping.set()  # an episode being made stops at its next second of audio
        await runner.cleanup()
        server.pool.shutdown(wait=True, cancel_futures=True)
        for number in (signal.SIGINT, signal.SIGTERM):
            signal.signal(number, signal.SIG_IGN)


async def _warm(server: Server) -> None:
    _, today = await server._offered()
    for episode in server.offer.feed() + ([today.episode] if today.episode else []):
        try:
            await server.made(episode)
        except (VoicecoachError, Stopped, TimeoutError):
            continue


def _bind_reason(exc: OSError, port: int) -> str:
    if exc.errno == errno.EADDRINUSE:
        return f"port {port} is in use by another program; choose another with --port"
    if exc.errno in (errno.EADDRNOTAVAIL, errno.EAFNOSUPPORT):
        return "this machine has no such address; give one of its own with --host, or 127.0.0.1"
    if exc.errno == errno.EACCES:
        return f"not allowed to use port {port}; ports under 1024 need root, choose another with --port"
    return exc.strerror or str(exc)
