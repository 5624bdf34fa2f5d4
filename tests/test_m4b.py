"""M4B export (AAC in MP4, for audiobook players) read back with ffprobe and ffmpeg: codec, container,
chapters and tags against the session and the MP3 of the same session; --format and the -o suffix;
--all; a Ctrl-C mid-write; and `serve --format m4b` over real HTTP."""
from __future__ import annotations

import io
import os
import re
import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path

import podcastparser
import pytest
from click.testing import CliRunner

from voicecoach import routine as routines
from voicecoach.cache import Cache
from voicecoach.cli import cli
from voicecoach.session import prepare
from voicecoach.settings import Settings

from helpers import Running, interrupt_while_writing, probe, serving, voicecoach

ROUTINE = "desk-break"  # the shortest built-in: about five minutes of audio
SHORT_ROUTINE = """\
title: Two short moves
rest: 3s
exercises:
  - name: Knee hug
    setup: Lie on your back.
    hold: 6s
  - name: Pelvic tilt
    setup: Stay on your back, knees bent.
    reps: 2
    tempo:
      - tilt: 2s
      - release: 2s
"""


def decoded(path: Path) -> bytes:
    """The file decoded by ffmpeg to 16-bit mono PCM."""
    return subprocess.run(["ffmpeg", "-v", "error", "-i", str(path), "-f", "s16le", "-ac", "1", "-"],
                          capture_output=True, check=True).stdout


@pytest.fixture(scope="module")
def exported(tmp_path_factory, speech_cache):
    """desk-break as an M4B (the -o suffix choosing the format) and as an MP3, and its session."""
    folder = tmp_path_factory.mktemp("m4b")
    m4b, mp3 = folder / "desk.m4b", folder / "desk.mp3"
    for path in (m4b, mp3):
        result = voicecoach("export", ROUTINE, "-o", str(path), "-q", cache=speech_cache)
        assert result.returncode == 0, result.stderr
    return m4b, mp3, prepare(ROUTINE, Settings(), Cache(speech_cache))


def test_aac_in_an_m4b_container_as_long_as_the_mp3(exported):
    m4b, mp3, session = exported
    info = probe(m4b)
    [audio] = [s for s in info["streams"] if s["codec_type"] == "audio"]
    assert audio["codec_name"] == "aac" and audio["channels"] == 1
    assert int(audio["sample_rate"]) == session.timeline.sample_rate
    assert "mp4" in info["format"]["format_name"].split(",")
    assert info["format"]["tags"]["major_brand"].strip() == "M4B"
    # AAC codes 1024 samples a frame; the edit list gives the length to the sample, so the M4B and
    # the decoded MP3 (its Info frame makes it exact, test_export.py) are at most one frame apart,
    # and so are the M4B and the session. (ffprobe's duration of an MP3 counts LAME's padding.)
    rate = session.timeline.sample_rate
    frame = 1024 / rate
    m4b_seconds = float(info["format"]["duration"])
    mp3_seconds = len(decoded(mp3)) / 2 / rate
    assert abs(m4b_seconds - mp3_seconds) <= frame
    assert abs(m4b_seconds - session.timeline.duration) <= frame


def test_chapters_in_time_order_with_the_sessions_titles_and_starts(exported):
    m4b, mp3, session = exported
    chapters = probe(m4b)["chapters"]
    timeline = session.timeline
    assert [c["tags"]["title"] for c in chapters] == [c.title for c in timeline.chapters]
    assert len(chapters) >= 3
    starts = [float(c["start_time"]) for c in chapters]
    assert starts == sorted(starts) and starts[0] == 0
    for got, chapter in zip(chapters, timeline.chapters, strict=True):
        assert abs(float(got["start_time"]) - timeline.seconds(chapter.start)) <= 0.001  # stored in ms
        assert abs(float(got["end_time"]) - timeline.seconds(chapter.end)) <= 0.001
    # the same chapters as the MP3 of the same session
    mp3_chapters = probe(mp3)["chapters"]
    assert [c["tags"]["title"] for c in mp3_chapters] == [c["tags"]["title"] for c in chapters]
    for a, b in zip(mp3_chapters, chapters, strict=True):
        assert abs(float(a["start_time"]) - float(b["start_time"])) <= 0.001


def test_title_artist_and_album_tags(exported):
    m4b, _, session = exported
    tags = probe(m4b)["format"]["tags"]
    assert tags["title"] == "Desk break" == session.routine.title
    assert tags["artist"] == "voicecoach"
    assert tags["album"] == "voicecoach back-care sessions"
    assert tags["genre"] == "Fitness" and "Made by voicecoach" in tags["comment"]
    assert tags["media_type"] == "2"  # iTunes' "audiobook" kind


def test_it_decodes_to_the_sessions_sound_length(exported):
    m4b, _, session = exported
    # what a decoder gives: the session plus at most the last frame's padding
    assert abs(len(decoded(m4b)) / 2 / session.timeline.sample_rate - session.timeline.duration) <= \
        1024 / session.timeline.sample_rate


def test_format_and_suffix_that_disagree_are_one_clear_line(tmp_path, speech_cache):
    result = voicecoach("export", ROUTINE, "--format", "m4b", "-o", str(tmp_path / "x.mp3"),
                        cache=speech_cache)
    assert result.returncode == 2
    assert result.stderr == (f"voicecoach: --format m4b writes .m4b files, but -o {tmp_path / 'x.mp3'} "
                             "ends in .mp3: change the name or leave out --format\n")
    result = voicecoach("export", ROUTINE, "--format", "m4b", "-o", str(tmp_path / "x.wav"),
                        cache=speech_cache)
    assert result.returncode == 1
    assert result.stderr == (f"voicecoach: cannot write {tmp_path / 'x.wav'}: an M4B file is written, "
                             "so the name must end in .m4b (for example x.m4b)\n")
    assert list(tmp_path.iterdir()) == []


def test_without_ffmpeg_one_line_says_how_to_install_it(tmp_path, speech_cache):
    env = {"PATH": str(tmp_path), "HOME": str(tmp_path)}  # no ffmpeg on the PATH
    env.update({k: v for k, v in os.environ.items() if k.startswith(("VOICECOACH", "LANG", "LC_"))})
    result = voicecoach("export", ROUTINE, "-o", str(tmp_path / "x.m4b"), cache=speech_cache, env=env)
    assert result.returncode == 1
    assert result.stderr == ("voicecoach: M4B is made with ffmpeg, which is not installed. Install ffmpeg "
                             "(Debian/Ubuntu: sudo apt-get install ffmpeg), or export as MP3 "
                             "(--format mp3).\n")
    assert not (tmp_path / "x.m4b").exists()


def test_all_writes_m4b_files_named_after_each_session(tmp_path, speech_cache, monkeypatch):
    routine = tmp_path / "two-moves.yaml"
    routine.write_text(SHORT_ROUTINE)
    monkeypatch.setattr(routines, "builtin_ids", lambda: [str(routine)])  # one short one proves the loop
    folder = tmp_path / "all"
    result = CliRunner().invoke(cli, ["--cache-dir", str(speech_cache), "export", "--all",
                                      "--format", "m4b", "-o", str(folder), "-q"])
    assert result.exit_code == 0, result.output
    [written] = folder.iterdir()
    assert written.name == "two-moves-standard.m4b"
    info = probe(written)
    assert [s["codec_name"] for s in info["streams"] if s["codec_type"] == "audio"] == ["aac"]
    assert [c["tags"]["title"] for c in info["chapters"]][1:3] == ["Knee hug", "Pelvic tilt"]


def test_a_ctrl_c_while_writing_leaves_no_file_and_no_partial(tmp_path, speech_cache):
    assert voicecoach("show", "floor-relax", cache=speech_cache).returncode == 0  # warm
    target = tmp_path / "relax.m4b"
    stderr = interrupt_while_writing(["export", "floor-relax", "-o", str(target)], speech_cache, target,
                                     signal.SIGINT, settle=0.3)
    assert b"Traceback" not in stderr
    assert list(tmp_path.iterdir()) == []


@pytest.fixture(scope="module")
def m4b_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    folder = tmp_path_factory.mktemp("serve-m4b")
    running = serving(folder / "data", ROUTINE, "--format", "m4b", log=folder / "stderr.txt")
    yield running
    running.stop()


def test_serve_format_m4b_feed_ranges_and_page(m4b_server: Running):
    status, _, feed = m4b_server.get("feed.xml")
    assert status == 200
    [item] = podcastparser.parse(m4b_server.url + "feed.xml", io.BytesIO(feed))["episodes"]
    [enclosure] = item["enclosures"]
    assert enclosure["mime_type"] == "audio/mp4"
    key = re.fullmatch(rf"{re.escape(m4b_server.url)}([a-z0-9-]+)\.m4b", enclosure["url"]).group(1)
    status, headers, whole = m4b_server.get(f"{key}.m4b")
    assert status == 200 and headers["content-type"] == "audio/mp4"
    assert len(whole) == enclosure["file_size"] and whole[4:12] == b"ftypM4B "
    status, headers, body = m4b_server.get(f"{key}.m4b", Range="bytes=100-1099")
    assert status == 206 and headers["content-range"] == f"bytes 100-1099/{len(whole)}"
    assert body == whole[100:1100]
    status, headers, body = m4b_server.get(f"{key}.m4b", Range="bytes=-300")
    assert status == 206 and body == whole[-300:]
    assert m4b_server.get(f"{key}.mp3")[0] == 404  # only the format served
    status, _, page = m4b_server.get(f"{key}.html")
    html = page.decode()
    assert status == 200 and f'<audio id="player" controls preload="metadata" src="{key}.m4b"' in html
    assert 'download="Desk break.m4b"' in html and "Download M4B" in html
    assert len(re.findall(rf'class="chapter" href="{key}\.m4b#t=', html)) >= 3
