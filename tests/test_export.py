"""MP3 export read back with ffprobe, ffmpeg's ebur128 and mutagen: length, tags, chapters, loudness."""
from __future__ import annotations

import re
import signal
import subprocess
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from mutagen.id3 import ID3, CTOCFlags
from mutagen.mp3 import MP3

from voicecoach import routine as routines
from voicecoach.cache import Cache
from voicecoach.cli import cli
from voicecoach.export import ENCODER_DELAY, info_frame, safe_name
from voicecoach.session import prepare
from voicecoach.settings import Settings

from helpers import interrupt_while_writing, loudness, probe, voicecoach

UNICODE_ROUTINE = """\
title: Rücken sanft — Übungen für den Abend ✓
source: "3 Exercises to Reduce Back Pain"
rest: 5s
exercises:
  - name: Brücke
    setup: Lie on your back with your knees bent.
    hold: 12s
  - name: Side lift
    setup: Come onto your hands and knees.
    sides: [left leg, right leg]
    reps: 2
    tempo:
      - lift: 2s
      - lower: 2s
"""


@pytest.fixture(scope="module")
def exported(tmp_path_factory, speech_cache):
    folder = tmp_path_factory.mktemp("export")
    routine = folder / "abend.yaml"
    routine.write_text(UNICODE_ROUTINE, encoding="utf-8")
    mp3 = folder / "abend.mp3"
    result = voicecoach("export", str(routine), "-o", str(mp3), "--captions", cache=speech_cache)
    assert result.returncode == 0, result.stderr
    session = prepare(str(routine), Settings(), Cache(speech_cache))
    return mp3, session


def test_constant_bit_rate_mono_mp3_as_long_as_the_timeline(exported):
    mp3, session = exported
    info = probe(mp3)
    stream = info["streams"][0]
    assert stream["codec_name"] == "mp3" and stream["channels"] == 1
    assert int(stream["sample_rate"]) == session.timeline.sample_rate
    assert abs(float(info["format"]["duration"]) - session.timeline.duration) <= 0.2
    assert MP3(mp3).info.bitrate == 64000 and MP3(mp3).info.bitrate_mode != 2  # 2 = VBR
    decoded = subprocess.run(["ffmpeg", "-v", "error", "-i", str(mp3), "-f", "s16le", "-"],
                             capture_output=True, check=True).stdout
    assert abs(len(decoded) / 2 / session.timeline.sample_rate - session.timeline.duration) <= 0.2


def test_tags_and_chapters_read_back_with_mutagen_and_ffprobe(exported):
    mp3, session = exported
    tag = ID3(mp3)
    assert tag.version[:2] == (2, 3)
    assert str(tag["TIT2"]) == "Rücken sanft — Übungen für den Abend ✓"
    assert str(tag["TPE1"]) == "voicecoach" and str(tag["TALB"]) and str(tag["TCON"])
    assert "3 Exercises to Reduce Back Pain" in str(tag.getall("COMM")[0])
    chapters = session.timeline.chapters
    (toc,) = tag.getall("CTOC")
    assert toc.flags & CTOCFlags.TOP_LEVEL and toc.flags & CTOCFlags.ORDERED
    frames = {f.element_id: f for f in tag.getall("CHAP")}
    ordered = [frames[i] for i in toc.child_element_ids]
    assert [str(f.sub_frames["TIT2"]) for f in ordered] == [c.title for c in chapters]
    assert {"Brücke", "Side lift"} <= {c.title for c in chapters}
    rate = session.timeline.sample_rate
    for frame, chapter in zip(ordered, chapters, strict=True):  # where its first sound plays
        assert abs(frame.start_time - chapter.start * 1000 / rate) <= 1  # players trim the delay
    probed = probe(mp3)["chapters"]  # in the order stored: ffmpeg does not sort them
    assert [c["tags"]["title"] for c in probed] == [c.title for c in chapters]
    assert [float(c["start_time"]) for c in probed] == sorted(float(c["start_time"]) for c in probed)


def test_loudness_is_for_spoken_word_on_a_phone(exported, tmp_path, speech_cache):
    mp3, _ = exported
    integrated, peak = loudness(mp3)
    assert -19.0 <= integrated <= -16.0 and peak <= -1.0
    long = tmp_path / "relax.mp3"
    result = voicecoach("export", "desk-break", "-o", str(long), "--bitrate", "96", cache=speech_cache)
    assert result.returncode == 0, result.stderr
    integrated, peak = loudness(long)
    assert -19.0 <= integrated <= -16.0 and peak <= -1.0


def test_captions_have_every_spoken_line_at_its_time(exported):
    mp3, session = exported
    lrc = mp3.with_suffix(".lrc").read_text(encoding="utf-8")
    vtt = mp3.with_suffix(".vtt").read_text(encoding="utf-8")
    assert vtt.startswith("WEBVTT\n")
    spoken = [e for e in session.timeline.events if e.kind == "speech"]
    for event in spoken:
        hundredths = round(event.start / session.timeline.sample_rate * 100)
        stamp = f"[{hundredths // 6000:02d}:{hundredths % 6000 // 100:02d}.{hundredths % 100:02d}]"
        assert f"{stamp}{event.text}" in lrc
    assert not re.search(r"\[\d\d:6\d\.", lrc)  # never 60 seconds
    assert vtt.count(" --> ") == len(spoken)
    assert "[ti:Rücken sanft — Übungen für den Abend ✓]" in lrc


def test_chapter_and_caption_times_match_the_decoded_sound(exported):
    mp3, session = exported
    rate = session.timeline.sample_rate
    decoded = np.frombuffer(subprocess.run(["ffmpeg", "-v", "error", "-i", str(mp3), "-f", "s16le", "-"],
                                           capture_output=True, check=True).stdout, np.int16)
    first_sound = np.flatnonzero(np.abs(decoded.astype(int)) > 200)[0] / rate
    first_caption = mp3.with_suffix(".vtt").read_text(encoding="utf-8").splitlines()[2].split(" --> ")[0]
    h, m, s = first_caption.split(":")
    assert abs(first_sound - (int(h) * 3600 + int(m) * 60 + float(s))) < 0.01
    for chapter in sorted(ID3(mp3).getall("CHAP"), key=lambda c: c.start_time)[1:]:
        at = round(chapter.start_time / 1000 * rate)  # each chapter begins with its first line
        assert np.abs(decoded[at - rate // 10: at - rate // 200].astype(int)).max() < 200
        assert np.flatnonzero(np.abs(decoded[at: at + rate // 10].astype(int)) > 200)[0] < rate // 50


def test_split_writes_one_file_per_exercise_and_a_playlist(exported, tmp_path, speech_cache):
    mp3, session = exported
    folder = tmp_path / "parts"
    routine = mp3.parent / "abend.yaml"
    result = voicecoach("export", str(routine), "--split", "-o", str(folder), cache=speech_cache)
    assert result.returncode == 0, result.stderr
    chapters = session.timeline.chapters
    files = sorted(folder.glob("*.mp3"))
    assert [f.name for f in files] == [f"{n:02d} {safe_name(c.title)}.mp3" for n, c in enumerate(chapters, 1)]
    playlist = (folder / "abend.m3u8").read_text(encoding="utf-8").splitlines()
    assert playlist[0] == "#EXTM3U"
    assert [line for line in playlist if not line.startswith("#")] == [f.name for f in files]
    for path, chapter in zip(files, chapters, strict=True):
        length = (chapter.end - chapter.start) / session.timeline.sample_rate
        assert abs(float(probe(path)["format"]["duration"]) - length) <= 0.2
        assert str(ID3(path)["TIT2"]) == chapter.title


def test_default_name(tmp_path, speech_cache):
    result = voicecoach("export", "desk-break", "--level", "beginner", "-q", cache=speech_cache,
                        cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert [p.name for p in tmp_path.iterdir()] == ["desk-break-beginner.mp3"]
    assert MP3(tmp_path / "desk-break-beginner.mp3").info.length > 60


def test_all_exports_every_builtin_routine_into_one_folder(tmp_path, speech_cache, monkeypatch):
    # --all takes its names from routines.builtin_ids(), as `list` does (tested in test_cli.py):
    # two names prove the loop without making and encoding the speech of all seven routines.
    two = ["desk-break", "three-exercises"]
    monkeypatch.setattr(routines, "builtin_ids", lambda: two)
    folder = tmp_path / "all"
    result = CliRunner().invoke(cli, ["--cache-dir", str(speech_cache), "export", "--all",
                                      "-o", str(folder), "--bitrate", "32", "-q"])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in folder.iterdir()) == [f"{name}-standard.mp3" for name in two]
    for path in folder.iterdir():
        assert MP3(path).info.bitrate == 32000 and str(ID3(path)["TIT2"])


def test_a_killed_export_keeps_the_previous_file(tmp_path, speech_cache):
    assert voicecoach("show", "floor-relax", cache=speech_cache).returncode == 0  # warm
    target = tmp_path / "relax.mp3"
    target.write_bytes(b"the previous export")
    interrupt_while_writing(["export", "floor-relax", "-o", str(target)], speech_cache, target,
                            signal.SIGKILL, settle=0.2)
    assert target.read_bytes() == b"the previous export"


def decoded_samples(path: Path) -> np.ndarray:
    return np.frombuffer(subprocess.run(["ffmpeg", "-v", "error", "-i", str(path), "-f", "s16le", "-"],
                                        capture_output=True, check=True).stdout, np.int16)


def test_an_info_frame_gives_the_exact_length_and_the_delay_to_trim(exported):
    mp3, session = exported
    timeline = session.timeline
    info = MP3(mp3).info
    assert info.encoder_info.startswith("LAME 3.100") and info.bitrate_mode != 2
    assert info.length == timeline.length / timeline.sample_rate  # from the Info frame, exactly
    decoded = decoded_samples(mp3)
    assert len(decoded) == timeline.length  # delay and padding trimmed by the decoder
    first = next(e for e in timeline.events if e.kind == "speech")
    assert np.abs(decoded[: first.start].astype(int)).max() < 200
    assert np.flatnonzero(np.abs(decoded.astype(int)) > 200)[0] - first.start < timeline.sample_rate // 50


def test_the_info_frame_is_the_first_frame_and_carries_lames_tag(exported):
    mp3, _ = exported
    raw = mp3.read_bytes()
    start = 10 + sum(b << (7 * (3 - i)) for i, b in enumerate(raw[6:10]))  # after the ID3 tag
    frame = raw[start: start + 208]
    assert frame[:4] == bytes.fromhex("fff380c4")  # MPEG-2 layer III, 64 kbit/s, 22050 Hz, mono
    assert frame[13:17] == b"Info" and frame[133:142] == b"LAME3.100"
    delay_padding = int.from_bytes(frame[154:157], "big")
    frames = int.from_bytes(frame[21:25], "big")
    assert delay_padding >> 12 == ENCODER_DELAY and 0 <= delay_padding & 0xFFF < 4096
    assert int.from_bytes(frame[25:29], "big") == len(raw) - start  # the audio's bytes
    assert frames * 576 - ENCODER_DELAY - (delay_padding & 0xFFF) == len(decoded_samples(mp3))


def test_the_info_frame_fits_at_every_bit_rate():
    for kbit in (16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160):
        frame = info_frame(22050, kbit, frames=100, audio_bytes=1000, samples=100 * 576 - 1000)
        assert b"Info" in frame and b"LAME3.100" in frame


def test_split_parts_are_exact_too(exported, tmp_path, speech_cache):
    mp3, session = exported
    folder = tmp_path / "parts"
    routine = mp3.parent / "abend.yaml"
    assert voicecoach("export", str(routine), "--split", "--bitrate", "16", "-o", str(folder),
                      cache=speech_cache).returncode == 0
    for path, chapter in zip(sorted(folder.glob("*.mp3")), session.timeline.chapters, strict=True):
        assert len(decoded_samples(path)) == chapter.end - chapter.start


def test_caption_text_is_escaped_so_a_line_never_becomes_a_timing_or_a_tag(tmp_path, speech_cache):
    """WebVTT: '&', '<' and '>' in a spoken line are written as entities, so a '-->' in the text
    stays text and '<b>' is no tag."""
    routine = tmp_path / "arrows.yaml"
    routine.write_text("title: Arrows\nexercises:\n  - name: Bridge\n    setup: Lie on your back.\n"
                       "    hold: 5s\n    how: 'Up --> down <b>slowly</b> & breathe'\n")
    result = voicecoach("export", str(routine), "--captions", "-o", str(tmp_path / "a.mp3"))
    assert result.returncode == 0, result.stderr
    vtt = (tmp_path / "a.vtt").read_text(encoding="utf-8")
    timing = re.compile(r"\d\d:\d\d:\d\d\.\d\d\d --> \d\d:\d\d:\d\d\.\d\d\d")
    assert all(timing.fullmatch(line) for line in vtt.splitlines() if "-->" in line), vtt
    assert "Up --&gt; down &lt;b&gt;slowly&lt;/b&gt; &amp; breathe" in vtt.splitlines()


def test_export_in_german_tags_chapters_and_captions(tmp_path, speech_cache):
    """`export --language de`: the built-in's German text and the framework's German words in the
    tags, the chapters (read back by mutagen and ffprobe) and the captions; no English one left."""
    mp3 = tmp_path / "pause.mp3"
    result = voicecoach("export", "desk-break", "--language", "de", "--level", "beginner", "--pace",
                        "slow", "-o", str(mp3), "--captions", cache=speech_cache)
    assert result.returncode == 0, result.stderr
    tag = ID3(mp3)
    assert str(tag["TIT2"]) == "Pause vom Schreibtisch"
    assert str(tag["TALB"]) == "voicecoach – Einheiten für den Rücken"
    assert str(tag.getall("COMM")[0]) == ("Nach dem Artikel \u201e4 Effective Moves to Relieve Back "
                                          "Pain\u201c. Stufe Einsteiger, Tempo langsam. Erstellt "
                                          "mit voicecoach.")
    titles = [str(f.sub_frames["TIT2"]) for f in tag.getall("CHAP")]
    probed = [c["tags"]["title"] for c in probe(mp3)["chapters"]]
    assert sorted(titles) == sorted(probed)
    assert probed[0] == "Einleitung" and probed[-1] == "Abschluss"
    lrc = mp3.with_suffix(".lrc").read_text(encoding="utf-8")
    vtt = mp3.with_suffix(".vtt").read_text(encoding="utf-8")
    assert "[al:voicecoach – Einheiten für den Rücken]" in lrc
    assert "Und locker lassen." in vtt
    for english in ("voicecoach back-care sessions", "Introduction", "Finish", "And relax.", "beginner",
                    "Level ", " pace"):
        assert english not in lrc + vtt + str(tag.getall("COMM")[0]) + " ".join(probed)
