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
import ipaddress
import logging
import os
import re
import secrets
import signal
import socket
import stat
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import IO

from aiohttp import web
from multidict import CIMultiDict

from . import history, page, phrases
from .episode import Episode, Made
from .episodes import Episodes, Offer, Stopped, today_episode
from .errors import VoicecoachError
from .feed import rss
from .files import atomic_output, kind_of
from .i18n import Phrasebook
from .interrupts import Terminated
from .store import PRIVATE_FILE, TOKEN_FILE, Store, data_folder, make_data_folder
from .usecases import shown_book

DEFAULT_PORT = 8710
TOKEN_PATTERN = re.compile(r"[A-Za-z0-9_-]{16,128}")
MIN_TOKEN_LENGTH = 22  # 128 bits in URL-safe base64
WAIT_SECONDS = 300.0  # a request for an episode being made waits this long, then gets 503
RETRY_AFTER = 15
REFRESH_SECONDS = 3  # the page of an episode being made reloads itself this often
RENDER_THREADS = 2  # speech is made on every core already; two episodes at a time is plenty
# A connection that has sent no whole request this long after it opened, or after its last answer,
# is closed: an idle or trickling client cannot hold a file descriptor for long.
IDLE_SECONDS = 5.0
MAX_CONNECTIONS = 200  # at most; fewer when the open-files limit is low (_connection_cap)
FILES_KEPT_FREE = 64  # for what the server opens itself: episodes, the history, speech workers
# How long a stop waits for answers in flight before closing their connections; aiohttp waits
# twice this (for the answer, then for its cancelled handler), and the stop promises 2 s in all.
STOP_SECONDS = 0.4
MAX_HEADERS = 64  # a phone or podcast app sends about ten
_BUSY = (b"HTTP/1.1 503 Service Unavailable\r\nRetry-After: 5\r\nContent-Length: 0\r\n"
         b"Connection: close\r\n\r\n")
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


class TokenError(VoicecoachError):
    """The kept token cannot be used as it is; it is left as found."""

    def __init__(self, path: Path, reason: str):
        super().__init__(f"{path}: {reason}. Run 'voicecoach serve --new-token' to make a new "
                         "secret address (podcast apps subscribed to the old one must subscribe "
                         "again).")


def _weak(secret: str) -> bool:
    """Too short or too repetitive to stand for a random secret (ours have 32 characters)."""
    return len(secret) < MIN_TOKEN_LENGTH or len(set(secret)) < MIN_TOKEN_LENGTH // 2


def _kept_token(path: Path) -> str | None:
    """The token kept at `path`; None when there is none. Anything else is a TokenError: a
    phone's subscription depends on the token, so a damaged one is said, never replaced."""
    flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:
        return None
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise TokenError(path, "it is a link, and voicecoach never writes its files through "
                             "a link") from None
        raise TokenError(path, exc.strerror or str(exc)) from None
    try:
        found = os.fstat(fd)
        if not stat.S_ISREG(found.st_mode):
            raise TokenError(path, f"it is {kind_of(found.st_mode)}, not the token file")
        kept = os.read(fd, 1024).decode("ascii", "replace").strip()
    finally:
        os.close(fd)
    if not TOKEN_PATTERN.fullmatch(kept):
        raise TokenError(path, "it is damaged (it holds no token)")
    if _weak(kept):
        raise TokenError(path, "the token in it is too short or too simple to keep the sessions "
                         "and the history private")
    if found.st_mode & 0o077:
        raise TokenError(path, f"other users can read it (mode {found.st_mode & 0o777:04o}), so "
                         "the secret address may be known")
    return kept


def token(folder: Path | None = None, new: bool = False) -> str:
    """The secret first part of every URL, kept in the data folder so a podcast subscription
    survives a restart; a new one when there is none, or with `new` (which replaces whatever is
    at the file's name, a link itself rather than what it points to)."""
    folder = folder or data_folder()
    path = folder / TOKEN_FILE
    if not new:
        kept = _kept_token(path)
        if kept is not None:
            return kept
    made = secrets.token_urlsafe(24)
    make_data_folder(folder)
    # check=False: the name is replaced, never followed (outputs follow links; our files do not).
    with atomic_output(path, "w", check=False) as out:
        os.chmod(out.name, PRIVATE_FILE)  # the token is the only key to the sessions and the history
        out.write(made + "\n")
    return made


def reachable(host: str) -> str:
    """The address a phone opens for a server listening on `host`: for a wildcard bind (every
    address of this machine), its address on the home network."""
    try:
        if ipaddress.ip_address(host.strip("[]")).is_unspecified:
            return home_address()
    except ValueError:
        pass  # a host name: as given
    return host.strip("[]")


def _url_host(host: str) -> str:
    """The host part of a URL: an IPv6 address in brackets (http://[::1]:8710/)."""
    return f"[{host}]" if ":" in host else host


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
    book: Phrasebook  # the language of the page and the feed, as the active program makes it
    problem: str = ""


class Server:
    def __init__(self, offer: Offer, episodes: Episodes, secret: str, level_given: bool,
                 told: Callable[[str], None]):
        self.offer, self.episodes, self.secret = offer, episodes, secret
        self._secret = secret.encode()
        self.level_given = level_given
        self.told = told
        self.base = "/"  # the full address, once known
        self.stopping = threading.Event()
        self.pool = concurrent.futures.ThreadPoolExecutor(RENDER_THREADS, "voicecoach-render")
        self._rendering = 0  # renders running in the pool
        self._render_done = threading.Condition()
        self._jobs: dict[str, asyncio.Future[Made]] = {}

    # routes ---------------------------------------------------------------------------------
    def app(self) -> web.Application:
        app = web.Application(middlewares=[self._headers])
        audio = re.escape(self.episodes.format.suffix.removeprefix("."))  # only the format served
        app.add_routes([
            web.get("/{token}/", self.index),
            web.get("/{token}/feed.xml", self.feed),
            web.get("/{token}/cover.png", self.cover),
            web.get("/{token}/{name:(?:page\\.css|player\\.js)}", self.web_file),
            web.get("/{token}/{key}.html", self.player),
            web.get(f"/{{token}}/{{key}}.{{kind:(?:{audio}|vtt|chapters\\.json)}}", self.episode_file),
            web.post("/{token}/done", self.done),
        ])
        return app

    @web.middleware
    async def _headers(self, request: web.Request, handler) -> web.StreamResponse:
        """Every answer under a wrong token is a 404, whatever the path; some headers for all."""
        given = request.match_info.get("token", "")
        if not secrets.compare_digest(given.encode(), self._secret):
            raise web.HTTPNotFound(headers=_HEADERS)
        response = await handler(request)
        response.headers.update(_HEADERS)
        return response

    # episodes ---------------------------------------------------------------------------------
    def _today(self) -> _Today:
        """Today's program session, and the language of the page and the feed: chosen as the
        terminal's is (--language, the active program's own, the config file's, LANG), read
        again for each request, as the program may change while the server runs."""
        book = shown_book(self.offer.base)
        try:
            store = Store.default()
            try:
                book = shown_book(self.offer.base, history.program_language(store.active_run()))
                plan = history.plan_for(store, dt.date.today(), book)
            finally:
                store.close()
            if plan is not None and plan.position.paused:  # no session: what to do instead
                return _Today(None, book, plan.advice)
            said = plan.advice if plan is not None and plan.position.decision != "start" else ""
            return _Today(today_episode(plan, self.offer.base, self.level_given, self.offer.format),
                          book, said)
        except VoicecoachError as error:
            return _Today(None, book, book(phrases.PAGE_NO_TODAY, reason=_public(error)))

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
            job = loop.run_in_executor(self.pool, self._render, episode)
            self._jobs[episode.key] = job
            job.add_done_callback(lambda done: self._finished(episode.key, done))
        return job

    def _render(self, episode: Episode) -> Made:
        with self._render_done:
            self._rendering += 1
        try:
            return self.episodes.make(episode, self.stopping, self.told)
        finally:
            with self._render_done:
                self._rendering -= 1
                self._render_done.notify_all()

    def renders_stopped(self, timeout: float) -> bool:
        """Wait for the renders running to stop (each does at its next check); False if one has
        not within `timeout` (say, busy in an import, which nothing can cut short)."""
        with self._render_done:
            return self._render_done.wait_for(lambda: self._rendering == 0, timeout)

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

    async def _made_or_answer(self, episode: Episode, book: Phrasebook) -> Made | web.Response:
        try:
            return await self.made(episode)
        except TimeoutError:
            return web.Response(status=503, text=book(phrases.PAGE_STILL_MAKING) + "\n",
                                headers={"Retry-After": str(RETRY_AFTER)})
        except Stopped:
            return web.Response(status=503, text=book(phrases.PAGE_STOPPING) + "\n")
        except VoicecoachError as error:  # said in the log in full by _finished
            said = book(phrases.PAGE_CANNOT_MAKE, reason=_public(error))
            return web.Response(status=500, text=f"{said}\n")

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
        html = page.index(listed, today.episode, f"{self.base}feed.xml", note, today.book)
        return web.Response(text=html, content_type="text/html", headers={"Cache-Control": "no-cache"})

    async def feed(self, request: web.Request) -> web.Response:
        every, today = await self._offered()
        wanted = self.offer.feed() + ([today.episode] if today.episode else [])
        found = []
        for episode in wanted:  # made one after another: the pool makes them in turn anyway
            made = await self._made_or_answer(episode, today.book)
            if isinstance(made, web.Response):
                if made.status != 500:
                    return made
                continue  # one that cannot be made is left out, not the whole feed
            found.append(made)
        return web.Response(body=rss(self.base, found, fmt=self.episodes.format, book=today.book),
                            content_type="application/rss+xml",
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

    async def _episode(self, key: str) -> tuple[Episode | None, Phrasebook]:
        """The episode offered under `key`, if any, and the language of the page."""
        every, today = await self._offered()
        return every.get(key), today.book

    async def player(self, request: web.Request) -> web.Response:
        episode, book = await self._episode(request.match_info["key"])
        if episode is None:
            raise web.HTTPNotFound()
        made = self.episodes.finished(episode.key)
        if made is None:
            self.start(episode)
            return web.Response(text=page.making(episode, REFRESH_SECONDS, book),
                                content_type="text/html", headers={"Cache-Control": "no-store"})
        return web.Response(text=page.player(episode, made, self.episodes.format, book),
                            content_type="text/html", headers={"Cache-Control": "no-cache"})

    async def episode_file(self, request: web.Request) -> web.StreamResponse:
        key, kind = request.match_info["key"], request.match_info["kind"]
        types = {self.episodes.format.suffix.removeprefix("."): self.episodes.format.mime,
                 "vtt": "text/vtt; charset=utf-8", "chapters.json": "application/json+chapters"}
        # A finished episode is served as it is, even one no longer offered (yesterday's program
        # session, say, that a podcast app is still downloading).
        if self.episodes.finished(key) is None:
            episode, book = await self._episode(key)
            if episode is None:
                raise web.HTTPNotFound()
            made = await self._made_or_answer(episode, book)
            if isinstance(made, web.Response):
                return made
        path = self.episodes.path(key, f".{kind}")
        headers = {"Content-Type": types[kind], "Cache-Control": "no-cache"}
        asked = request.headers.get("Range")
        if asked is not None and _EMPTY_SUFFIX.fullmatch(asked.strip()):
            # The last 0 bytes: nothing can satisfy it (RFC 9110 14.1.3); aiohttp answers 206.
            return web.Response(status=416, headers={
                **headers, "Content-Range": f"bytes */{path.stat().st_size}"})
        if asked is not None and not _if_range_holds(request.headers.get("If-Range"), path):
            return _WholeFile(path, headers=headers)
        return web.FileResponse(path, headers=headers)

    async def done(self, request: web.Request) -> web.Response:
        form = await request.post()
        episode, book = await self._episode(str(form.get("episode", "")))
        if episode is None:
            raise web.HTTPNotFound()
        try:
            pains = [_pain(form.get(name)) for name in ("pain_before", "pain_after")]
            symptoms = history.check_symptoms([str(v) for v in form.getall("symptom", [])]) or ()
        except ValueError:
            return web.Response(status=400, content_type="text/html", text=page.message(
                book(phrases.PAGE_NOT_LOGGED), book(phrases.PAGE_PAIN_NUMBER), book))
        except VoicecoachError as error:
            return web.Response(status=400, content_type="text/html",
                                text=page.message(book(phrases.PAGE_NOT_LOGGED), str(error), book))

        def log() -> str:
            made = self.episodes.finished(episode.key)  # its real length, at the level and length played
            store = Store.default()
            try:
                record, plan = history.log(store, dt.date.today(), episode.log_ref, pains[0], pains[1],
                                           length=made.seconds if made else None, symptoms=symptoms,
                                           book=book)
            finally:
                store.close()
            return history.logged_text(record, plan, book)

        try:
            said = await asyncio.get_running_loop().run_in_executor(None, log)
        except VoicecoachError as error:
            self.told(f"voicecoach: not logged: {error}")
            return web.Response(status=400, content_type="text/html",
                                text=page.message(book(phrases.PAGE_NOT_LOGGED), _public(error),
                                                  book))
        self.told(said)
        # After a POST, a GET: reloading the page does not log the session twice.
        raise web.HTTPSeeOther(location=f"./?logged={_quote(said)}")


# An absolute path in a message: a page shows the file's name (what its reader can act on: the
# routine, the history); the log keeps the whole path for whoever runs the server.
_ABSOLUTE = re.compile(r"(?<![\w.~/])/(?:[^\s/:'\"]+/)*([^\s/:'\"]+)")


def _public(error: object) -> str:
    return _ABSOLUTE.sub(r"\1", str(error))


_EMPTY_SUFFIX = re.compile(r"bytes=\s*-0+", re.IGNORECASE)


def _if_range_holds(given: str | None, path: Path) -> bool:
    """Whether a Range is to be honoured under an If-Range header. aiohttp reads If-Range only as
    a date, so an ETag there is compared here: only the file's current strong ETag (as aiohttp
    makes it) keeps the range; any other ETag, or a weak one, asks for the whole file."""
    if given is None or not given.strip().startswith(('"', "W/")):
        return True  # no If-Range, or a date: aiohttp's own check applies
    found = path.stat()
    return given.strip() == f'"{found.st_mtime_ns:x}-{found.st_size:x}"'


class _WholeFile(web.FileResponse):
    """The whole file with 200, whatever Range was asked (its If-Range did not hold)."""

    async def prepare(self, request: web.BaseRequest):  # noqa: ANN201 - as aiohttp declares it
        headers = CIMultiDict(request.headers)
        headers.popall("Range", None)
        headers.popall("If-Range", None)
        return await super().prepare(request.clone(headers=headers))


def _pain(value: object) -> int | None:
    """A pain rating from the form: empty, or 0-10 in the digits 0-9 alone (int() would also take
    '٥', '1_0' and ' 7 ')."""
    if value is None or value == "":
        return None
    text = str(value)
    if not re.fullmatch(r"[0-9]{1,2}", text) or not 0 <= int(text) <= 10:
        raise ValueError(value)
    return int(text)


def _quote(text: str) -> str:
    from urllib.parse import quote

    return quote(text, safe="")


# ---------------------------------------------------------------------------
# Running


def serve(offer: Offer, episodes: Episodes, host: str | None, port: int, new_token: bool,
          below: Callable[[str], str] | None, level_given: bool, out: IO[str] = sys.stdout) -> None:
    """Serve until SIGINT or SIGTERM, which end it as the Ctrl-C of any command does (exit 130 or
    143, one line); print the address first, one line, at once, then what `below` makes of it
    (on a terminal: its QR code, the feed, how to stop)."""
    secret = token(new=new_token)

    def told(line: str) -> None:
        print(line, file=sys.stderr, flush=True)

    offer.told = told
    server = Server(offer, episodes, secret, level_given, told)
    # Not asyncio.run: it waits, without a limit, for every thread of the default executor (a
    # page being planned, say); closing the loop does not, and the stop promises 2 s.
    loop = asyncio.new_event_loop()
    try:
        received = loop.run_until_complete(
            _run(server, (host or home_address()).strip("[]"), port, below, out))
    finally:
        loop.close()
    raise Terminated() if received == signal.SIGTERM else KeyboardInterrupt()


async def _run(server: Server, host: str, port: int, below: Callable[[str], str] | None,
               out: IO[str]) -> int:
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
    loop.set_exception_handler(_Quiet(server.told).loop_error)
    runner = web.AppRunner(server.app(), handle_signals=False, access_log=None,
                           keepalive_timeout=IDLE_SECONDS, shutdown_timeout=STOP_SECONDS,
                           max_headers=MAX_HEADERS)
    await runner.setup()
    try:
        site = _CappedSite(runner, host, port, _connection_cap(), server.told)
        try:
            await site.start()
        except OSError as exc:
            raise ServeError(host, port, _bind_reason(exc, port)) from None
        bound = site.port
        url = f"http://{_url_host(reachable(host))}:{bound}/{server.secret}/"
        server.base = url
        print(url, file=out, flush=True)
        if below is not None:
            print(below(url), file=out, end="", flush=True)
        warm = asyncio.ensure_future(_warm(server))  # the feed's episodes, made before it is asked
        received = await stop
        warm.cancel()
        return received
    finally:
        server.stopping.set()  # an episode being made stops at its next second of audio
        server.pool.shutdown(wait=False, cancel_futures=True)  # those not begun never begin
        await runner.cleanup()  # answers in flight get STOP_SECONDS, then their connections close
        # The renders begun stop at their next check, and their files are written whole or not
        # at all; one that cannot stop in time is left to the process's end (a partial file it
        # leaves is removed by the next write of that episode).
        server.renders_stopped(STOP_SECONDS)
        for number in (signal.SIGINT, signal.SIGTERM):
            signal.signal(number, signal.SIG_IGN)


def _connection_cap() -> int:
    """How many connections are kept open at once: MAX_CONNECTIONS, or fewer so that the
    open-files limit is never reached by connections alone."""
    try:
        import resource

        soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    except (ImportError, OSError, ValueError):
        return MAX_CONNECTIONS
    if soft == resource.RLIM_INFINITY:
        return MAX_CONNECTIONS
    return max(4, min(MAX_CONNECTIONS, soft - FILES_KEPT_FREE, soft // 2))


class _Busy(asyncio.Protocol):
    """A connection over the cap: one canned 503, then closed, without reading a byte."""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        transport.write(_BUSY)
        transport.close()


class _CappedSite(web.BaseSite):
    """aiohttp's TCP site with a cap on open connections: aiohttp has none, and each connection is
    a file descriptor. Over the cap a new connection gets a 503 at once (it closes idle ones
    itself after IDLE_SECONDS), and the log gets one line until the connections fall again."""

    def __init__(self, runner: web.AppRunner, host: str, port: int, cap: int,
                 told: Callable[[str], None]):
        super().__init__(runner)
        self._host, self._port, self._cap, self._told = host, port, cap, told
        self._bound = port
        self._fresh: list[tuple[float, asyncio.BaseProtocol]] = []  # made, not yet connected
        self._full = False

    @property
    def name(self) -> str:
        return f"http://{_url_host(self._host)}:{self._bound}"

    @property
    def port(self) -> int:
        return self._bound

    async def start(self) -> None:
        await super().start()
        loop = asyncio.get_running_loop()
        made = self._runner.server
        assert made is not None

        def connection() -> asyncio.BaseProtocol:
            live = set(made.connections)
            now = loop.time()
            # Made by the factory but not yet in aiohttp's list: connection_made comes a turn later.
            self._fresh = [(at, h) for at, h in self._fresh if h not in live and now - at < 1.0]
            if len(live) + len(self._fresh) >= self._cap:
                if not self._full:
                    self._full = True
                    self._told(f"voicecoach: {self._cap} connections are open, the most this server "
                               "keeps; new ones get 'busy' until some close")
                return _Busy()
            if self._full and len(live) + len(self._fresh) < self._cap // 2:
                self._full = False
            handler = made()
            self._fresh.append((now, handler))
            return handler

        self._server = await loop.create_server(connection, self._host, self._port,
                                                backlog=self._backlog, reuse_address=True)
        if self._server.sockets:
            self._bound = self._server.sockets[0].getsockname()[1]


class _Quiet(logging.Handler):
    """What aiohttp and asyncio log, as one short line each: never a traceback, never the request
    line (it may hold the token); running out of open files is said once until it passes."""

    def __init__(self, told: Callable[[str], None]):
        super().__init__(logging.WARNING)
        self.told = told
        self._out_of_files_at = -60.0
        for name in ("aiohttp.server", "aiohttp.web", "aiohttp.access", "aiohttp.internal"):
            found = logging.getLogger(name)
            found.handlers[:] = [self]
            found.propagate = False

    def emit(self, record: logging.LogRecord) -> None:
        error = record.exc_info[1] if record.exc_info else None
        if record.name == "aiohttp.server" and record.getMessage().startswith("Error handling request"):
            self.told(f"voicecoach: refused a bad request from {_remote(record)} ({_why(error)})")
        elif error is not None:
            self.told(f"voicecoach: could not answer a request: {_why(error)}")
        else:
            self.told(f"voicecoach: {record.levelname.lower()} from the web server: "
                      f"{record.getMessage()[:200]}")

    def loop_error(self, loop: asyncio.AbstractEventLoop, context: dict) -> None:
        error = context.get("exception")
        if isinstance(error, OSError) and error.errno in (errno.EMFILE, errno.ENFILE):
            now = loop.time()
            if now - self._out_of_files_at >= 60:
                self.told("voicecoach: too many open files: new connections wait until some close "
                          "(raise the limit with 'ulimit -n')")
            self._out_of_files_at = now
            return
        if isinstance(error, (ConnectionError, TimeoutError)):
            return  # a client that went away: nothing to do, nothing to say
        self.told(f"voicecoach: {context.get('message', 'error')[:200]}"
                  + (f": {_why(error)}" if error is not None else ""))


def _remote(record: logging.LogRecord) -> str:
    args = record.args if isinstance(record.args, tuple) else ()
    return str(args[0]) if args else "a client"


def _why(error: BaseException | None) -> str:
    """The kind of error, without its text: aiohttp puts the raw request line (and so the token)
    in the message of a bad request."""
    if error is None:
        return "no reason given"
    status = getattr(error, "status", None) or getattr(error, "code", None)
    return f"{status} {type(error).__name__}" if isinstance(status, int) else type(error).__name__


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
