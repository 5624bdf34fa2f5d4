"""`voicecoach serve`, the real server in a subprocess on loopback: the feed as a podcast app's parser
reads it, byte ranges and conditional requests, chapters and transcripts, the token, a clean stop,
one render per episode, and the "done" form landing in the history."""
from __future__ import annotations

import ipaddress
import json
import os
import re
import signal
import socket
import stat
import struct
import threading
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import unquote, urlsplit

import podcastparser
import pytest

from voicecoach.server import home_address

from helpers import Running, on_terminal, one_line, serving, voicecoach

ROUTINE = "desk-break"  # the shortest built-in: about five minutes of audio


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    """One server for the tests that only read."""
    folder = tmp_path_factory.mktemp("serve")
    running = serving(folder / "data", ROUTINE, log=folder / "stderr.txt")
    yield running
    running.stop()


@pytest.fixture(scope="module")
def episode(server: Running) -> tuple[str, bytes]:
    """The feed's episode key and its MP3, made on the first request."""
    status, _, feed = server.get("feed.xml")
    assert status == 200
    key = re.search(rb'url="[^"]*/([a-z0-9-]+)\.mp3"', feed).group(1).decode()
    status, _, mp3 = server.get(f"{key}.mp3")
    assert status == 200
    return key, mp3


def test_the_feed_as_a_podcast_app_reads_it(server: Running, episode: tuple[str, bytes]):
    status, headers, body = server.get("feed.xml")
    assert status == 200 and headers["content-type"].startswith("application/rss+xml")
    import io

    parsed = podcastparser.parse(server.url + "feed.xml", io.BytesIO(body))
    assert parsed["title"] == "voicecoach back-care sessions"
    assert parsed["cover_url"] == server.url + "cover.png"
    [item] = parsed["episodes"]
    assert item["title"] == "Desk break"
    [enclosure] = item["enclosures"]
    assert enclosure["mime_type"] == "audio/mpeg"
    assert enclosure["url"].startswith("http://127.0.0.1:")  # an IP address, as AntennaPod needs
    status, headers, _ = server.request("HEAD", urlsplit(enclosure["url"]).path)
    assert status == 200 and int(headers["content-length"]) == enclosure["file_size"]
    assert enclosure["file_size"] == len(episode[1])
    assert 280 <= item["total_time"] <= 330  # itunes:duration, about five minutes
    # The same session, the same guid; the namespaces' own elements, with their types
    again = podcastparser.parse(server.url + "feed.xml", io.BytesIO(server.get("feed.xml")[2]))
    assert again["episodes"][0]["guid"] == item["guid"] and item["guid"].endswith(episode[0])
    root = ET.fromstring(body)
    podcast = "{https://podcastindex.org/namespace/1.0}"
    entry = root.find("channel/item")
    assert entry.find(f"{podcast}chapters").get("type") == "application/json+chapters"
    assert entry.find(f"{podcast}transcript").get("type") == "text/vtt"
    assert entry.find("{http://www.itunes.com/dtds/podcast-1.0.dtd}duration").text == \
        f"0:{int(item['total_time']) // 60:02d}:{int(item['total_time']) % 60:02d}"


def test_head_ranges_and_conditional_requests(server: Running, episode: tuple[str, bytes]):
    key, mp3 = episode
    size = len(mp3)
    status, headers, body = server.request("HEAD", f"{key}.mp3")
    assert (status, body, int(headers["content-length"])) == (200, b"", size)
    assert headers["accept-ranges"] == "bytes" and headers["content-type"] == "audio/mpeg"
    etag, modified = headers["etag"], headers["last-modified"]
    status, headers, body = server.get(f"{key}.mp3", Range="bytes=1000-1999")
    assert status == 206 and headers["content-range"] == f"bytes 1000-1999/{size}"
    assert body == mp3[1000:2000] and headers["content-length"] == "1000"
    status, headers, body = server.get(f"{key}.mp3", Range="bytes=-500")
    assert status == 206 and headers["content-range"] == f"bytes {size - 500}-{size - 1}/{size}"
    assert body == mp3[-500:]
    status, headers, _ = server.get(f"{key}.mp3", Range=f"bytes={size}-")
    assert status == 416 and headers["content-range"] == f"bytes */{size}"
    assert server.get(f"{key}.mp3", If_None_Match=etag)[0] == 304
    assert server.get(f"{key}.mp3", If_Modified_Since=modified)[0] == 304
    assert server.get(f"{key}.mp3", If_None_Match='"something-else"')[0] == 200


def test_sixteen_parallel_ranges_are_byte_exact(server: Running, episode: tuple[str, bytes]):
    key, mp3 = episode
    size = len(mp3)
    step = size // 16
    ranges = [(n * step, size - 1 if n == 15 else (n + 1) * step - 1) for n in range(16)]
    got: dict[int, bytes] = {}

    def fetch(n: int) -> None:
        first, last = ranges[n]
        spec = f"bytes=-{last - first + 1}" if n == 15 else f"bytes={first}-{last}"  # one suffix range
        status, headers, body = server.get(f"{key}.mp3", Range=spec)
        assert status == 206 and headers["content-range"] == f"bytes {first}-{last}/{size}"
        got[n] = body

    threads = [threading.Thread(target=fetch, args=(n,)) for n in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert b"".join(got[n] for n in range(16)) == mp3


def _seconds(stamp: str) -> float:
    hours, minutes, seconds = stamp.split(":")
    return int(hours) * 3600 + int(minutes) * 60 + float(seconds)


def test_chapters_and_transcript_are_valid_and_in_time_order(server: Running,
                                                             episode: tuple[str, bytes]):
    key, _ = episode
    status, headers, body = server.get(f"{key}.chapters.json")
    assert status == 200 and headers["content-type"] == "application/json+chapters"
    chapters = json.loads(body)
    assert chapters["version"] == "1.2.0"
    starts = [c["startTime"] for c in chapters["chapters"]]
    assert starts[0] == 0 and starts == sorted(starts) and len(set(starts)) == len(starts)
    shown = json.loads(voicecoach("show", ROUTINE, "--json").stdout)
    assert [c["title"] for c in chapters["chapters"]] == [c["title"] for c in shown["chapters"]]
    assert starts == pytest.approx([c["start"] for c in shown["chapters"]], abs=0.001)

    status, headers, body = server.get(f"{key}.vtt")
    assert status == 200 and headers["content-type"].startswith("text/vtt")
    text = body.decode()
    assert text.startswith("WEBVTT\n")
    cues = re.findall(r"^(\d\d:\d\d:\d\d\.\d{3}) --> (\d\d:\d\d:\d\d\.\d{3})\n(.+)$", text, re.M)
    spoken = [e for e in shown["events"] if e["kind"] == "speech"]
    assert [line for _, _, line in cues] == [e["text"] for e in spoken]
    times = [(_seconds(a), _seconds(b)) for a, b, _ in cues]
    assert all(a < b for a, b in times)
    assert all(b1 <= a2 for (_, b1), (a2, _) in zip(times, times[1:], strict=False))


def test_the_page_works_without_javascript(server: Running, episode: tuple[str, bytes]):
    key, mp3 = episode
    status, _, index = server.get("")
    assert status == 200
    html = index.decode()
    assert f'href="{key}.html"' in html and "Desk break" in html
    assert 'AntennaPod (Android): add <a href="feed.xml">this feed</a>' in html  # the app known to work
    for level in ("beginner", "advanced"):
        assert re.search(rf'href="desk-break-{level}-[0-9a-f]{{12}}\.html"', html)
    status, headers, body = server.get(f"{key}.html")
    page = body.decode()
    assert status == 200 and headers["content-type"].startswith("text/html")
    assert f'<audio id="player" controls preload="metadata" src="{key}.mp3"' in page
    assert f'<track kind="captions" srclang="en" label="Spoken lines" src="{key}.vtt" default>' in page
    assert 'download="Desk break.mp3"' in page and 'method="post" action="done"' in page
    assert len(re.findall(rf'class="chapter" href="{key}\.mp3#t=', page)) >= 3
    for asset, kind in (("page.css", "text/css"), ("player.js", "text/javascript")):
        status, headers, _ = server.get(asset)
        assert status == 200 and headers["content-type"].startswith(kind)


def test_cover_art_is_a_square_png_of_1400_pixels(server: Running):
    status, headers, png = server.get("cover.png")
    assert status == 200 and headers["content-type"] == "image/png"
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and png[12:16] == b"IHDR"
    width, height = struct.unpack(">II", png[16:24])
    assert width == height >= 1400


def test_a_wrong_token_or_a_path_trick_is_a_404(server: Running, episode: tuple[str, bytes]):
    key, _ = episode
    token = server.token
    tricks = [
        "/", "/feed.xml", f"/{key}.mp3", "/wrong-token-wrong-token/", f"/{token[:-1]}/",
        f"/{token[:16]}/", f"/{token}x/", f"/{token[:-1]}/feed.xml", f"/{token.upper()}/feed.xml",
        f"//{token}/", f"/{token}//feed.xml", f"/{token}/../", f"/{token}/../{token}/../pyproject.toml",
        f"/{token}/%2e%2e/%2e%2e/etc/passwd", f"/{token}/..%2f..%2fetc%2fpasswd", f"/{token}/%2Fetc%2Fpasswd",
        f"/{token}/%2e%2e%2f{key}.json", f"/{token}/{key}.json", f"/{token}/{key}.lrc",
        f"/{token}/{key}.mp3.partial", f"/{token}/episodes/", f"/{token}/web/", f"/{token}/web/page.css",
        f"/{token}/desk-break-standard-000000000000.mp3", f"/{token}/{key}.mp3/",
        f"/{token}/../../../../etc/passwd", f"/{token}/%00.mp3", f"/{token}/history.sqlite3",
        f"/{token}/serve-token",
    ]
    for path in tricks:
        status, _, body = server.get(path)
        assert status == 404, (path, status, body[:80])
        assert b"root:" not in body and b"[project]" not in body
    assert server.request("POST", f"/{token[:-1]}/done", body=b"episode=x")[0] == 404


def test_the_address_found_is_an_ip_address():
    address = ipaddress.ip_address(home_address())
    assert address.version == 4 and not address.is_unspecified


def test_two_first_requests_make_the_episode_once(tmp_path: Path, speech_cache: Path):
    for old in (speech_cache / "episodes").glob("desk-break-beginner-*"):
        old.unlink()  # cold, whatever ran before
    running = serving(tmp_path / "data", ROUTINE, log=tmp_path / "stderr.txt")
    try:
        key = re.search(r'href="(desk-break-beginner-[0-9a-f]{12})\.html"',
                        running.get("")[2].decode()).group(1)
        answers: list[tuple[int, dict[str, str], bytes]] = []
        began = time.monotonic()
        threads = [threading.Thread(target=lambda: answers.append(running.get(f"{key}.mp3")))
                   for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(120)
        first_render = time.monotonic() - began
        assert [a[0] for a in answers] == [200, 200] and answers[0][2] == answers[1][2]
        assert int(answers[0][1]["content-length"]) == len(answers[0][2]) > 100_000
        assert running.get(f"{key}.mp3")[2] == answers[0][2]  # from the file now
    finally:
        code, stderr = running.stop()
    assert stderr.count(f"made {key}.mp3") == 1, stderr
    assert code == 130 and "Traceback" not in stderr
    print(f"first render of {key}: {first_render:.1f} s")


@pytest.mark.parametrize("how, code, said", [(signal.SIGINT, 130, "voicecoach: stopped (Ctrl-C)"),
                                             (signal.SIGTERM, 143, "voicecoach: stopped (SIGTERM)")])
def test_a_signal_stops_it_cleanly(tmp_path: Path, how: int, code: int, said: str):
    running = serving(tmp_path / "data", ROUTINE, log=tmp_path / "stderr.txt")
    assert running.get("")[0] == 200
    exit_code, stderr = running.stop(how)
    assert exit_code == code and "Traceback" not in stderr
    assert stderr.strip().splitlines()[-1] == said


def test_a_port_in_use_is_one_clear_line(tmp_path: Path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = voicecoach("serve", "--host", "127.0.0.1", "--port", str(port), "--no-qr",
                            env={**os.environ, "VOICECOACH_DATA": str(tmp_path)}, timeout=60)
    assert result.returncode == 1 and result.stdout == ""
    assert one_line(result) == (f"voicecoach: cannot serve on 127.0.0.1:{port}: port {port} is in use "
                                "by another program; choose another with --port")


def test_an_address_not_of_this_machine_is_one_clear_line(tmp_path: Path):
    result = voicecoach("serve", "--host", "192.0.2.1", "--port", "0", "--no-qr",
                        env={**os.environ, "VOICECOACH_DATA": str(tmp_path)}, timeout=60)
    assert result.returncode == 1
    assert one_line(result).startswith("voicecoach: cannot serve on 192.0.2.1:0: this machine has no "
                                       "such address")


def test_the_token_is_kept_until_a_new_one_is_asked_for(tmp_path: Path):
    data = tmp_path / "data"
    first = serving(data, ROUTINE, log=tmp_path / "1.txt")
    first.stop()
    second = serving(data, ROUTINE, log=tmp_path / "2.txt")
    second.stop()
    third = serving(data, ROUTINE, "--new-token", log=tmp_path / "3.txt")
    assert third.get("")[0] == 200 and third.get(f"/{first.token}/")[0] == 404
    third.stop()
    assert first.token == second.token != third.token
    kept = data / "serve-token"
    assert kept.read_text().strip() == third.token and len(third.token) >= 16
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600
    assert not list(data.glob(".*partial"))


def test_done_logs_the_session_into_the_history(tmp_path: Path, speech_cache: Path):
    data = tmp_path / "data"
    env = {**os.environ, "VOICECOACH_DATA": str(data)}
    assert voicecoach("program", "start", "strength-20-30-40", env=env).returncode == 0
    running = serving(data, ROUTINE, log=tmp_path / "stderr.txt")
    try:
        index = running.get("")[2].decode()
        today = re.search(r'<section class="card today"><h2>Today: ([^<]+)</h2>.*?href="([a-z0-9-]+)\.html"',
                          index).groups()
        assert today[0].startswith("Strength basics for a strong back (Strength")
        routine_key = re.search(r'href="(desk-break-standard-[0-9a-f]{12})\.html"', index).group(1)
        assert running.get(f"{routine_key}.mp3")[0] == 200  # made: its real length is known
        made = json.loads((speech_cache / "episodes" / f"{routine_key}.json").read_text())
        form = {"Content-Type": "application/x-www-form-urlencoded"}
        status, headers, _ = running.request("POST", "done", form,
                                             f"episode={routine_key}&pain_before=4&pain_after=2".encode())
        assert status == 303 and headers["location"].startswith("./?logged=Logged%20desk-break")
        body = f"episode={today[1]}&pain_before=3&pain_after=".encode()
        assert running.request("POST", "done", form, body)[0] == 303
        for lenient in ("11", "%D9%A5", "1_0", "+7", "%207%20"):  # ٥ (Arabic-Indic five), " 7 "
            body = f"episode={routine_key}&pain_before={lenient}".encode()
            status, _, body = running.request("POST", "done", form, body)
            assert status == 400 and b"from 0 to 10" in body, lenient
        assert running.request("POST", "done", form, b"episode=desk-break-standard-000000000000")[0] == 404
        bogus = running.request("POST", "done", form, f"episode={today[1]}&symptom=headache".encode())
        assert bogus[0] == 400 and b"unknown symptom" in bogus[2]
        # a symptom ticked on the phone pauses the program: the page offers its advice, no session
        player = running.get(f"{routine_key}.html")[2].decode()
        assert 'name="symptom" value="saddle-numb"' in player
        body = f"episode={today[1]}&pain_after=2&symptom=saddle-numb&symptom=leg-numb".encode()
        status, headers, _ = running.request("POST", "done", form, body)
        assert status == 303 and "emergency%20department" in headers["location"]
        index = running.get("")[2].decode()
        assert 'class="card today"' not in index and "The program is paused" in index
    finally:
        running.stop()
    history = json.loads(voicecoach("history", "--json", env=env).stdout)
    done = [(s["routine"], s["program"], s["completed"], s["pain_before"], s["pain_after"], s["symptoms"])
            for s in history["sessions"]]
    assert done == [("desk-break", None, True, 4, 2, []),
                    ("strength-basics", "strength-20-30-40", True, 3, None, []),
                    ("strength-basics", "strength-20-30-40", True, None, 2, ["saddle-numb", "leg-numb"])]
    assert history["sessions"][0]["seconds"] == made["seconds"]  # the episode's own, not an estimate


def test_on_a_terminal_a_qr_code_the_feed_and_ctrl_c_stops_it(tmp_path: Path):
    env = {**os.environ, "VOICECOACH_DATA": str(tmp_path / "data")}

    def when_drawn(output: bytes) -> bytes | None:
        return b"\x03" if b"Ctrl-C stops it." in output else None  # Ctrl-C once all is said

    code, output = on_terminal("serve", "--host", "127.0.0.1", "--port", "0", ROUTINE, env=env,
                               answer=when_drawn, timeout=60)
    assert code == 130 and "Traceback" not in output
    lines = output.replace("\r", "").splitlines()
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+/[A-Za-z0-9_-]{16,}/", lines[0])
    said = lines.index("Ctrl-C stops it.")
    assert sum(line.count("\u2588") for line in lines[1:said]) > 50  # the QR code, drawn
    assert lines[said - 1] == f"Podcast feed (AntennaPod): {lines[0]}feed.xml"
    assert lines[-1].endswith("voicecoach: stopped (Ctrl-C)")  # after the terminal's echo, ^C
    code, output = on_terminal("serve", "--host", "127.0.0.1", "--port", "0", "--no-qr", ROUTINE,
                               env=env, answer=when_drawn, timeout=60)
    lines = output.replace("\r", "").splitlines()
    assert code == 130 and lines[1:3] == [f"Podcast feed (AntennaPod): {lines[0]}feed.xml",
                                          "Ctrl-C stops it."]


def test_the_front_page_names_the_length_every_session_is_fitted_to():
    """With serve --minutes every session is fitted to that length: the page says so, not 'as written'."""
    from voicecoach import page
    from voicecoach.episodes import episode
    from voicecoach.routine import load
    from voicecoach.settings import Settings

    routine = load(ROUTINE)
    for minutes, label, meta in ((None, "as written, ~5 min", "~5 min"), (10.0, "10 min", "10 min")):
        main = episode(routine, Settings(minutes=minutes), ROUTINE)
        html = page.index([page.Listed(main, 5.0, [main], [])], None, "http://10.0.0.2:8710/t/feed.xml")
        assert f'class="on">{label}</a>' in html
        assert f'<p class="meta">{meta}, 3 exercises</p>' in html


def test_a_finished_episode_is_looked_at_once_a_second_not_once_a_request(tmp_path, monkeypatch):
    """Range requests come many a second: the description is read and the MP3's size taken at
    most every RECHECK_S, and an episode removed is seen to be gone after that."""
    import datetime as dt

    from voicecoach import episodes as episodes_module
    from voicecoach.cache import Cache

    found = episodes_module.Episodes(Cache(tmp_path))
    found.folder.mkdir(parents=True)
    key = "desk-break-standard-0123456789ab"
    (found.folder / f"{key}.mp3").write_bytes(b"\xff" * 5000)
    made = episodes_module.Made(key, "Desk break", 300.0, 5000, (), dt.datetime(2026, 1, 2))
    (found.folder / f"{key}.json").write_text(json.dumps(made.to_json()))
    reads = []
    real = episodes_module.read_regular
    monkeypatch.setattr(episodes_module, "read_regular", lambda *a: reads.append(a) or real(*a))
    assert [found.finished(key) for _ in range(50)] == [made] * 50 and len(reads) == 1
    (found.folder / f"{key}.mp3").unlink()
    monkeypatch.setattr(found, "RECHECK_S", 0.0)
    assert found.finished(key) is None and found.finished("not-a-key") is None


def _serve_once(data: Path, *args: str):
    return voicecoach("serve", "--host", "127.0.0.1", "--port", "0", "--no-qr", *args,
                      env={**os.environ, "VOICECOACH_DATA": str(data)}, timeout=60)


@pytest.mark.parametrize("kind", ["link", "damaged", "weak", "exposed"])
def test_a_token_file_that_cannot_be_kept_is_said_with_the_fix_and_left_as_it_is(tmp_path: Path, kind: str):
    """Never written through a link (a system file behind it stays as it was), never silently
    replaced (a phone's subscription depends on it), never a guessable or readable secret."""
    data = tmp_path / "data"
    data.mkdir()
    kept = data / "serve-token"
    victim = tmp_path / "system-file"
    victim.write_text("root:x:0:0\n")
    os.chmod(victim, 0o644)
    content, mode, reason = {
        "link": (None, 0o644, "it is a link, and voicecoach never writes its files through a link"),
        "damaged": ("not a token!\n", 0o600, "it is damaged (it holds no token)"),
        "weak": ("AAAAAAAAAAAAAAAA\n", 0o600, "the token in it is too short or too simple to keep "
                                             "the sessions and the history private"),
        "exposed": ("q3XyZ0-abcdEFGH_ijklMNOPqrstUVWx\n", 0o644,
                    "other users can read it (mode 0644), so the secret address may be known"),
    }[kind]
    if content is None:
        kept.symlink_to(victim)
    else:
        kept.write_text(content)
        os.chmod(kept, mode)
    result = _serve_once(data)
    assert result.returncode == 1 and result.stdout == ""
    assert one_line(result) == (f"voicecoach: {kept}: {reason}. Run 'voicecoach serve --new-token' "
                                "to make a new secret address (podcast apps subscribed to the old "
                                "one must subscribe again).")
    assert victim.read_text() == "root:x:0:0\n" and stat.S_IMODE(victim.stat().st_mode) == 0o644
    assert kept.is_symlink() == (kind == "link")
    if content is not None:
        assert kept.read_text() == content
    fresh = serving(data, ROUTINE, "--new-token", log=tmp_path / "new.txt")
    fresh.stop()
    assert not kept.is_symlink() and kept.read_text().strip() == fresh.token
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600
    assert victim.read_text() == "root:x:0:0\n"


def test_the_data_folder_and_its_files_are_private(tmp_path: Path):
    """The history holds pain ratings and notes: the folder is 0700, the files 0600."""
    data = tmp_path / "data"
    env = {**os.environ, "VOICECOACH_DATA": str(data)}
    assert voicecoach("log", "--routine", ROUTINE, "--note", "sore", env=env).returncode == 0
    running = serving(data, ROUTINE, log=tmp_path / "stderr.txt")
    running.stop()
    assert stat.S_IMODE(data.stat().st_mode) == 0o700
    made = sorted(p.name for p in data.iterdir())
    assert "history.sqlite3" in made and "serve-token" in made
    for path in data.iterdir():
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, (path, oct(path.stat().st_mode))


def test_it_stops_within_two_seconds_with_a_slow_download_and_renders_queued(tmp_path: Path):
    """SIGTERM while a client holds a download open without reading, and while every level of
    the routine is being made or waits to be: the server is gone within 2 s, in one line."""
    running = serving(tmp_path / "data", ROUTINE, log=tmp_path / "stderr.txt")
    status, _, feed = running.get("feed.xml")  # waits for the feed's episode to be made
    assert status == 200
    key = re.search(rb'url="[^"]*/([a-z0-9-]+)\.mp3"', feed).group(1).decode()
    host, port = running.host.rsplit(":", 1)
    slow = socket.socket()
    slow.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    slow.connect((host, int(port)))
    slow.sendall(f"GET /{running.token}/{key}.mp3 HTTP/1.1\r\nHost: x\r\n\r\n".encode())
    assert slow.recv(12) == b"HTTP/1.1 200"  # the download has begun; it is never read on
    _, _, index = running.get("")
    for other in sorted(set(re.findall(r'href="([a-z0-9-]+)\.html"', index.decode()))):
        assert running.get(f"{other}.html")[0] == 200  # each one not made yet starts its job
    began = time.monotonic()
    code, stderr = running.stop(signal.SIGTERM)
    took = time.monotonic() - began
    slow.close()
    assert code == 143 and "Traceback" not in stderr, stderr
    assert stderr.strip().splitlines()[-1] == "voicecoach: stopped (SIGTERM)"
    assert took < 2.0, f"stopping took {took:.1f} s"


def _closed_by_server(sock: socket.socket, deadline: float) -> bool:
    """Whether the server closes `sock` (what it sent first is read and dropped) before `deadline`."""
    while time.monotonic() < deadline:
        sock.settimeout(max(0.1, deadline - time.monotonic()))
        try:
            if sock.recv(4096) == b"":
                return True
        except TimeoutError:
            return False
        except ConnectionResetError:
            return True
    return False


def test_idle_connections_are_closed_and_the_open_files_limit_is_met_quietly(tmp_path: Path):
    """300 connections that send nothing, against a server allowed 128 open files: each is closed
    by the server (over its cap at once, the others when idle too long), the log says so in a
    line or two, never a traceback, and a real request is answered after."""
    running = serving(tmp_path / "data", ROUTINE, log=tmp_path / "stderr.txt",
                      wrapper=["prlimit", "--nofile=128:128", "--"])
    host, port = running.host.rsplit(":", 1)
    idle = []
    try:
        for _ in range(300):
            sock = socket.socket()
            sock.connect((host, int(port)))
            idle.append(sock)
        deadline = time.monotonic() + 60
        assert all(_closed_by_server(sock, deadline) for sock in idle)
    finally:
        for sock in idle:
            sock.close()
    assert running.get("")[0] == 200
    code, stderr = running.stop()
    assert code == 130 and "Traceback" not in stderr, stderr[:2000]
    assert running.token not in stderr
    assert len(stderr.splitlines()) <= 4, stderr[:2000]


@pytest.mark.parametrize("raw", [
    b"GET /{token}/\xff HTTP/1.1\r\nHost: x\r\n\r\n",
    b"GET /{token}/ HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 100_000 + b"\r\n\r\n",
    b"GET /{token}/ HTTP/1.1\r\nHost: x\r\n" + b"".join(b"X-%d: y\r\n" % n for n in range(200)) + b"\r\n",
    b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03{token}\r\n\r\n",  # TLS on a plain port
    b"GET /{token}/feed.xml HTTP/9.9\r\n\r\n",
], ids=["raw-byte", "100kB-header", "200-headers", "tls", "bad-version"])
def test_a_bad_request_is_one_short_line_without_the_token(server: Running, raw: bytes):
    before = server.stderr.read_text()
    host, port = server.host.rsplit(":", 1)
    with socket.create_connection((host, int(port)), timeout=30) as sock:
        try:
            sock.sendall(raw.replace(b"{token}", server.token.encode()))
            answer = sock.recv(4096)
        except ConnectionResetError:
            answer = b""
    assert answer == b"" or re.match(rb"HTTP/1\.[01] 4\d\d ", answer), answer[:200]
    assert server.get("")[0] == 200  # and the server goes on
    said = server.stderr.read_text()[len(before):]
    assert "Traceback" not in said and server.token not in said, said[:2000]
    assert len(said.splitlines()) <= 1 and all(len(line) < 200 for line in said.splitlines()), said


def test_a_routine_gone_bad_is_left_out_and_the_others_served(tmp_path: Path):
    """A served routine file edited into an invalid one, then deleted: the page and the feed go
    on with the others, and the log says it once each time, never a traceback."""
    mine = tmp_path / "mine.yaml"
    mine.write_text("title: Mine\nexercises:\n  - {name: Bridge, setup: Lie on your back., hold: 5s}\n")
    running = serving(tmp_path / "data", str(mine), ROUTINE, log=tmp_path / "stderr.txt")
    status, _, page = running.get("")
    assert status == 200 and b"Mine" in page
    mine.write_text("title: Mine\nexercises:\n  - {name: Bridge, hold: thirty}\n")
    for _ in range(3):
        status, _, page = running.get("")
        assert status == 200 and b"Mine" not in page and b"Desk" in page
    status, _, feed = running.get("feed.xml")
    assert status == 200
    titles = [item.findtext("title") for item in ET.fromstring(feed).iter("item")]
    assert titles and not any("Mine" in t for t in titles)
    mine.unlink()
    assert running.get("")[0] == 200 and running.get("feed.xml")[0] == 200
    code, stderr = running.stop()
    assert code == 130 and "Traceback" not in stderr, stderr
    said = [line for line in stderr.splitlines() if "mine.yaml" in line]
    assert len(said) == 2, stderr
    assert said[0].startswith(f"voicecoach: {mine}:3: ") and said[0].endswith(
        "(left out of the page and the feed until it is fixed)")


def test_if_range_with_another_etag_is_the_whole_file_and_an_empty_suffix_is_416(
        server: Running, episode: tuple[str, bytes]):
    """RFC 9110 13.1.5 and 14.1.3, which aiohttp alone gets wrong: a range under an If-Range
    that does not match is the whole file with 200; the last 0 bytes cannot be satisfied."""
    key, mp3 = episode
    size = len(mp3)
    etag = server.request("HEAD", f"{key}.mp3")[1]["etag"]
    status, headers, body = server.get(f"{key}.mp3", Range="bytes=0-99", If_Range=etag)
    assert (status, body) == (206, mp3[:100])
    for other in ('"something-else"', f"W/{etag}"):
        status, headers, body = server.get(f"{key}.mp3", Range="bytes=0-99", If_Range=other)
        assert (status, len(body)) == (200, size) and body == mp3 and "content-range" not in headers
    status, headers, body = server.get(f"{key}.mp3", Range="bytes=-0")
    assert status == 416 and headers["content-range"] == f"bytes */{size}"


def test_the_feed_stays_xml_whatever_a_description_holds():
    """A control character that reached an episode's description (from an older version, say)
    is dropped: the feed still parses."""
    import datetime as dt

    from voicecoach.episode import Made
    from voicecoach.feed import rss

    made = Made("desk-break-standard-0123456789ab", "Desk \x1b[31mbreak\x01", 60.0, 1000,
                ((0.0, "Start\x0b"),), dt.datetime(2026, 3, 2, tzinfo=dt.UTC), "Sum\x00mary")
    root = ET.fromstring(rss("http://127.0.0.1:8710/token/", [made]))
    assert root.find("channel/item/title").text == "Desk [31mbreak"


def test_a_wildcard_bind_shows_the_home_network_address():
    """Listening on every address (0.0.0.0, ::), the line, QR code, page and feed name the
    address a phone can open; an IPv6 address is bracketed in a URL."""
    from voicecoach.server import _url_host, reachable

    for wildcard in ("0.0.0.0", "::", "[::]"):
        assert reachable(wildcard) == home_address()
    assert reachable("[::1]") == "::1" and _url_host("::1") == "[::1]"
    assert reachable("127.0.0.1") == _url_host("127.0.0.1") == "127.0.0.1"


def test_on_ipv6_loopback_the_address_is_bracketed_everywhere(tmp_path: Path):
    import http.client
    import select
    import subprocess

    from helpers import command

    env = {**os.environ, "VOICECOACH_DATA": str(tmp_path / "data")}
    with open(tmp_path / "stderr.txt", "w") as stderr:
        process = subprocess.Popen(command("serve", "--host", "::1", "--port", "0", "--no-qr", ROUTINE),
                                   stdout=subprocess.PIPE, stderr=stderr, text=True, env=env)
    try:
        assert process.stdout is not None
        ready, _, _ = select.select([process.stdout], [], [], 60)
        line = process.stdout.readline() if ready else ""
        found = re.fullmatch(r"http://\[::1\]:(\d+)/([A-Za-z0-9_-]{22,})/\n", line)
        assert found, line
        port, token = int(found.group(1)), found.group(2)
        connection = http.client.HTTPConnection("::1", port, timeout=60)
        connection.request("GET", f"/{token}/")
        page = connection.getresponse().read().decode()
        connection.close()
        assert f"http://[::1]:{port}/{token}/feed.xml" in page
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=60)


def test_error_pages_name_the_file_not_the_servers_folders(tmp_path: Path):
    """A page shows what its reader can act on (the history file by name); the log has the path."""
    data = tmp_path / "data"
    data.mkdir()
    database = data / "history.sqlite3"
    database.write_bytes(b"not a database at all" * 100)
    running = serving(data, ROUTINE, log=tmp_path / "stderr.txt")
    try:
        status, _, index = running.get("")
        assert status == 200 and b"history.sqlite3: damaged" in index and str(tmp_path).encode() not in index
        key = re.search(rb'href="(desk-break-standard-[0-9a-f]{12})\.html"', index).group(1).decode()
        form = {"Content-Type": "application/x-www-form-urlencoded"}
        status, _, body = running.request("POST", "done", form, f"episode={key}".encode())
        assert status == 400 and b"history.sqlite3: damaged" in body and str(tmp_path).encode() not in body
    finally:
        _, stderr = running.stop()
    assert f"voicecoach: not logged: {database}: damaged" in stderr


def test_in_german_the_feed_and_the_pages_say_the_frameworks_words_in_german(tmp_path: Path):
    """`serve --language de`: the feed's <language>, its title and description, the episode's title
    with its level, the page's words and a "Not logged" answer, all German, over real HTTP."""
    running = serving(tmp_path / "data", ROUTINE, "--language", "de", "--level", "beginner",
                      log=tmp_path / "stderr.txt")
    try:
        status, _, body = running.get("feed.xml")
        assert status == 200
        channel = ET.fromstring(body).find("channel")
        assert channel.findtext("language") == "de"
        assert channel.findtext("title") == "voicecoach – Einheiten für den Rücken"
        assert channel.findtext("description").startswith("Angeleitete Einheiten für den Rücken, ")
        assert "\n\nBevor du beginnst\n" in channel.findtext("description")  # the safety screen
        item = channel.find("item")
        assert item.findtext("title") == "Pause vom Schreibtisch (Einsteiger)"
        key = re.search(r"/([a-z0-9-]+)\.mp3$", item.find("enclosure").get("url")).group(1)
        index = running.get("")[2].decode()
        assert '<html lang="de">' in index
        for german in ("Einheiten für den Rücken, im Liegen mit geschlossenen Augen.", ">Abspielen</a>",
                       "Stufe: ", "Dauer: ", "<summary>Worum es geht</summary>",
                       'AntennaPod (Android): Füge <a href="feed.xml">diesen Feed</a> über seine Adresse',
                       ">Einsteiger</a>", "Übungen</p>"):
            assert german in index, german
        html = running.get(f"{key}.html")[2].decode()
        for german in ('<html lang="de">', "Alle Einheiten</a>", "<h2>Übungen</h2>", "<h2>Fertig?</h2>",
                       'srclang="de" label="Gesprochener Text"', "Schmerz vorher, 0–10",
                       "MP3 herunterladen, ", "Einheit eintragen</button>",
                       'value="leg-numb"> Taubheit oder Kribbeln in einem Bein</label>'):
            assert german in html, german
        form = {"Content-Type": "application/x-www-form-urlencoded"}
        sent = f"episode={key}&pain_before=eleven".encode()
        status, _, answer = running.request("POST", "done", form, sent)
        assert status == 400
        assert "<h1>Nicht eingetragen</h1>" in answer.decode() and '<html lang="de">' in answer.decode()
        sent = f"episode={key}&pain_before=3&pain_after=4&symptom=leg-numb".encode()
        status, headers, _ = running.request("POST", "done", form, sent)
        assert status == 303
        said = unquote(headers["location"].split("logged=", 1)[1])
        assert re.match(r"desk-break am \d{4}-\d\d-\d\d eingetragen \(", said), said
        assert ("Du hast Folgendes gemeldet: Taubheit oder Kribbeln in einem Bein. Lass die Übungen weg"
                in said), said
    finally:
        code, stderr = running.stop()
    assert code == 130 and "Traceback" not in stderr


def test_without_language_the_page_speaks_the_program_s_and_captions_name_the_spoken_one(
        tmp_path: Path):
    """With a program started in German and no --language, the page and the "done" answer are
    German, as `today` is; an English routine's caption track still says it is English, the
    language its lines are spoken in."""
    data = tmp_path / "data"
    env = {**os.environ, "VOICECOACH_DATA": str(data)}
    started = voicecoach("program", "start", "three-exercises-daily", "--language", "de", env=env)
    assert started.returncode == 0, started.stderr
    running = serving(data, ROUTINE, log=tmp_path / "stderr.txt")
    try:
        index = running.get("")[2].decode()
        assert '<html lang="de">' in index and ">Heutige Einheit abspielen</a>" in index
        key = re.search(r'href="(desk-break-standard-[0-9a-f]{12})\.html"', index).group(1)
        assert running.get(f"{key}.mp3")[0] == 200  # made, so its page has the player
        html = running.get(f"{key}.html")[2].decode()
        assert '<html lang="de">' in html and "<h2>Fertig?</h2>" in html
        assert '<track kind="captions" srclang="en" label="Gesprochener Text"' in html
        form = {"Content-Type": "application/x-www-form-urlencoded"}
        status, headers, _ = running.request("POST", "done", form, f"episode={key}&pain_after=2".encode())
        assert status == 303
        said = unquote(headers["location"].split("logged=", 1)[1])
        assert re.match(r"desk-break am \d{4}-\d\d-\d\d eingetragen \(", said), said
    finally:
        code, stderr = running.stop()
    assert code == 130 and "Traceback" not in stderr
