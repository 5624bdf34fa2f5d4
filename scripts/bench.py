#!/usr/bin/env python3
"""Benchmark rendering, playback start and export on a long session; prints a Markdown table.

Run by hand from the checkout (needs ffmpeg, which `scripts/setup --test` installs):

    .venv/bin/python scripts/bench.py                      # 60-minute three-exercises session
    .venv/bin/python scripts/bench.py --write docs/benchmarks.md
    .venv/bin/python scripts/bench.py --routine floor-relax --minutes 0   # as planned, no fitting

Every figure is one run of a separate process, timed from outside; peak memory is that process's
maximum resident set size (wait4). Not part of the test suite: timings are not assertions.

Where people wait (`--waits`, or `--only-waits` for those alone), each figure is the median of
several paired runs and is given as a ratio against a floor measured in the same run, because
absolute timings on a shared 2-core machine mean little: first sound through ALSA's file plugin
against a bare Python program that plays a tone with simpleaudio; a bed file against one pass of
python-soxr over it; `--help`, `list` and `show` against a bare `import click, yaml` (CPU time).
"""
from __future__ import annotations

import argparse
import atexit
import contextlib
import copy
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

NAIVE = """
import sys, time
from pydub import AudioSegment
from voicecoach.cache import Cache
from voicecoach.session import prepare
from voicecoach.settings import Settings
minutes = float(sys.argv[3]) or None
session = prepare(sys.argv[2], Settings(minutes=minutes), Cache(sys.argv[1]))
timeline, speech = session.timeline, session.speech
rate = timeline.sample_rate
began = time.perf_counter()
seg = AudioSegment.silent(duration=0, frame_rate=rate)
position = 0
for event in timeline.events:
    if event.start > position:
        seg += AudioSegment.silent(duration=(event.start - position) * 1000 / rate, frame_rate=rate)
    pcm = speech.clip(event.text) if event.kind == "speech" else speech.tone(event.text)
    seg += AudioSegment(pcm, frame_rate=rate, sample_width=2, channels=1)
    position = event.end
seg += AudioSegment.silent(duration=(timeline.length - position) * 1000 / rate, frame_rate=rate)
seg.export(sys.argv[4], format="wav")
print(time.perf_counter() - began, file=sys.stderr)
"""

FIRST_SOUND = """
import sys, time
began = time.perf_counter()
from voicecoach.cache import Cache
from voicecoach.render import Renderer
from voicecoach.session import prepare
from voicecoach.settings import Settings
minutes = float(sys.argv[3]) or None
session = prepare(sys.argv[2], Settings(minutes=minutes), Cache(sys.argv[1]))
first = next(Renderer(session.timeline, session.speech).blocks(block_seconds=0.25))
print(time.perf_counter() - began)
"""


SPEECH_SPEED = """
import sys, time
from voicecoach import timeline as planner
from voicecoach.cache import Cache
from voicecoach.routine import load
from voicecoach.settings import Settings
from voicecoach.speech import Speech
settings = Settings(voice=sys.argv[3] or None)
routine = load(sys.argv[2])
texts = planner.candidate_texts(routine, settings)
speech = Speech(settings.voice, settings.words_per_minute, Cache(sys.argv[1]))
began = time.perf_counter()
speech.prepare(texts)
seconds = time.perf_counter() - began
spoken = sum(speech.length(t) for t in texts) / speech.sample_rate
print(spoken / seconds, spoken, seconds)
"""

# Play, the device stood in for by a stub that plays in real time (its first start is the first
# sound). Once every line is made and the plan is whole nothing can stall any more, so the run
# stops one chunk later; every wait for speech after the first sound is a stall.
COLD_PLAY = """
import sys, time
began = time.perf_counter()
from voicecoach.cache import Cache
from voicecoach.player import Player
from voicecoach.session import start
from voicecoach.settings import Settings
settings = Settings(voice=sys.argv[3] or None)
session, live = start(sys.argv[2], settings, Cache(sys.argv[1]))
first = []
class Stub:
    until = 0.0
    def start(self, pcm):
        now = time.perf_counter()
        if not first:
            first.append(now - began)
        elif live is None or (live.complete and player.growing is None):
            raise KeyboardInterrupt  # stops play(): nothing more can stall
        self.until = now + len(pcm) / 2 / session.timeline.sample_rate
    def busy(self):
        return time.perf_counter() < self.until
    def stop(self):
        self.until = 0.0
player = Player(session.timeline, session.speech, Stub(), growing=live)
player.play()
if live is not None:
    live.making.close()
stalls = sum(seconds for position, seconds in player.waits if position > 0)
print(first[0], stalls)
"""


HOSTILE = """
import sys, time
sys.path.insert(0, sys.argv[1])
from hostile_routines import HOSTILE
from voicecoach.errors import RoutineError
from voicecoach.routine import load_text
from voicecoach.timeline import refuse_too_long
timings = []
for name, text in HOSTILE.items():
    began = time.perf_counter()
    try:
        refuse_too_long(load_text(text, "evil.yaml"))  # as `check` and every session do
    except RoutineError:
        timings.append((time.perf_counter() - began, name))
    else:
        sys.exit(f"the hostile routine {name!r} was accepted")
slowest, name = max(timings)
print(f"{slowest} {len(timings)} {name}")
"""


def run(command: list[str], env: dict | None = None) -> tuple[float, float, str]:
    """(seconds, peak MB, stdout) of one process."""
    began = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - began
    out = process.stdout.read().decode()
    err = process.stderr.read().decode()
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        sys.exit(f"failed: {' '.join(command)}\n{err}")
    return elapsed, usage.ru_maxrss / 1024, out


TONE = """
import math, struct, simpleaudio
rate = 22050
pcm = b"".join(struct.pack("<h", int(8000 * math.sin(2 * math.pi * 440 * i / rate))) for i in range(rate // 2))
simpleaudio.play_buffer(pcm, 1, 2, rate).wait_done()
"""

SOXR_PASS = """
import sys, wave, numpy as np, soxr
with wave.open(sys.argv[1]) as source:
    channels, rate = source.getnchannels(), source.getframerate()
    stream = soxr.ResampleStream(rate, 22050, 1, dtype="float32", quality="HQ")
    while raw := source.readframes(rate * 4):
        x = np.frombuffer(raw, "<i2").astype(np.float32)
        mono = x[0::channels].copy()
        for channel in range(1, channels):
            mono += x[channel::channels]
        stream.resample_chunk(mono * np.float32(1 / (32768 * channels)))
    stream.resample_chunk(np.zeros(0, np.float32), last=True)
"""


BARE_FILE_SERVER = """
import sys
from aiohttp import web
path = sys.argv[1]
async def mp3(request):
    return web.FileResponse(path, headers={"Content-Type": "audio/mpeg"})
app = web.Application()
app.add_routes([web.get("/x/episode.mp3", mp3)])
print("http://127.0.0.1:%s/x/" % sys.argv[2], flush=True)
web.run_app(app, host="127.0.0.1", port=int(sys.argv[2]), print=None)
"""

# Range requests of 64 KiB at random offsets, from `connections` connections at once, for a fixed
# number of requests: requests a second, and the 99th percentile of the latency.
RANGE_CLIENT = """
import asyncio, random, sys, time
import aiohttp
url, size, connections, total = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
latencies = []
async def worker(session, count):
    rng = random.Random(count)
    for _ in range(count):
        start = rng.randrange(0, max(1, size - 65536))
        began = time.perf_counter()
        async with session.get(url, headers={"Range": f"bytes={start}-{start + 65535}"}) as response:
            assert response.status == 206, response.status
            await response.read()
        latencies.append(time.perf_counter() - began)
async def main():
    connector = aiohttp.TCPConnector(limit=connections)
    async with aiohttp.ClientSession(connector=connector) as session:
        began = time.perf_counter()
        await asyncio.gather(*(worker(session, total // connections) for _ in range(connections)))
        elapsed = time.perf_counter() - began
    latencies.sort()
    print(len(latencies) / elapsed, latencies[int(0.99 * len(latencies))])
asyncio.run(main())
"""


def cpu(command: list[str], env: dict | None = None) -> tuple[float, float]:
    """(CPU seconds of the process and the children it waited for, peak MB)."""
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env,
                               stdin=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"failed: {' '.join(command)}\n{process.stderr.read().decode()}")
    return usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def median(values: list[float]) -> float:
    ordered = sorted(values)
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


def first_sound(command: list[str], work: Path, env: dict) -> float:
    """Seconds from starting `command` to the first non-zero sample it plays, through ALSA's file
    plugin into a FIFO read here (the null device does not pace, so it is stopped after that)."""
    fifo = work / "alsa.fifo"
    if fifo.exists():
        fifo.unlink()
    os.mkfifo(fifo)
    conf = work / "asound.conf"
    conf.write_text("</usr/share/alsa/alsa.conf>\npcm.!default {\n  type file\n  slave.pcm \"null\"\n"
                    f"  file \"{fifo}\"\n  format \"raw\"\n}}\n")
    began = time.perf_counter()
    process = subprocess.Popen(command, env=dict(env, ALSA_CONFIG_PATH=str(conf)), stdin=subprocess.DEVNULL,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
    heard = None
    try:
        while heard is None:
            if time.perf_counter() - began > 120:
                sys.exit(f"no sound in 120 s: {' '.join(command)}")
            try:
                data = os.read(reader, 1 << 16)
            except BlockingIOError:
                data = None
            if data and data.strip(b"\0"):
                heard = time.perf_counter() - began
            elif not data:
                if process.poll() is not None:
                    sys.exit(f"ended without a sound: {' '.join(command)}\n{process.stderr.read().decode()}")
                time.sleep(0.0005)
    finally:
        process.terminate()
        process.wait()
        os.close(reader)
    return heard


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = ""
    try:
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        memory = f", {kb / 1024 / 1024:.0f} GiB"
    except (OSError, ValueError, IndexError):
        pass
    return (f"{platform.system()} {platform.release()}, {cpu}, {os.cpu_count()} cores{memory}, "
            f"Python {platform.python_version()}")


@contextlib.contextmanager
def _inside(folder: str):
    """Run from a neutral folder: `python -m voicecoach` from a checkout imports that checkout's
    code whatever Python runs it (--python would measure this tree with another venv)."""
    before = os.getcwd()
    os.chdir(folder)
    try:
        yield
    finally:
        os.chdir(before)


def waits(args: argparse.Namespace) -> list[tuple[str, float, float | None, str]]:
    """Where people wait, as medians of paired runs and ratios against floors of the same run."""
    python, runs, routine = args.python, args.runs, args.routine
    rows: list[tuple[str, float, float | None, str]] = []
    with tempfile.TemporaryDirectory(prefix="voicecoach-waits-") as scratch, _inside(scratch):
        work = Path(scratch)
        (work / "data").mkdir()
        (work / "config.toml").write_text("")
        env = dict(os.environ, VOICECOACH_DATA=str(work / "data"), VOICECOACH_CONFIG=str(work / "config.toml"))
        package = subprocess.run([python, "-c", "import os, voicecoach; print(os.path.dirname(voicecoach.__file__))"],
                                 capture_output=True, text=True, check=True).stdout.strip()
        subprocess.run([python, "-m", "compileall", "-q", package], check=True)  # as installed
        voicecoach = [python, "-m", "voicecoach"]

        # commands typed often: CPU time against a bare import of the two libraries they need
        floor_python = sys.executable  # the floors run in this Python whichever voicecoach is measured
        bare = median([cpu([floor_python, "-c", "import click, yaml"], env)[0] for _ in range(runs)])
        rows.append(("CPU: a bare `python -c 'import click, yaml'` (floor)", bare, None, "1.00x"))
        for command in (["--help"], ["list"], ["show", "desk-break"]):
            seconds = median([cpu([*voicecoach, *command], env)[0] for _ in range(runs)])
            rows.append((f"CPU: `voicecoach {' '.join(command)}`", seconds, None, f"{seconds / bare:.2f}x the floor"))

        # first sound, through ALSA's file plugin
        floor = median([first_sound([floor_python, "-c", TONE], work, env) for _ in range(runs)])
        rows.append(("first sound: a bare Python program playing a tone with simpleaudio (floor)", floor, None,
                     "1.00x"))
        for voice in args.voices:
            label = voice or "espeak (default voice)"
            options = ["--voice", voice] if voice else []
            warm_cache = work / f"warm-{voice}"
            subprocess.run([*voicecoach, "--cache-dir", str(warm_cache), "export", routine, *options, "--quiet",
                            "-o", str(work / "session.mp3")], env=env, check=True)
            warm, cold = [], []
            for run in range(runs):  # paired: a warm and a cold start, one after the other
                warm.append(first_sound([*voicecoach, "--cache-dir", str(warm_cache), "play", routine, *options],
                                        work, env))
                cold.append(first_sound([*voicecoach, "--cache-dir", str(work / f"cold-{voice}-{run}"), "play",
                                         routine, *options], work, env))
            rows.append((f"first sound: play {routine}, {label}, warm cache (after an export)", median(warm), None,
                         f"{median(warm) / floor:.1f}x the floor"))
            rows.append((f"first sound: play {routine}, {label}, cold cache", median(cold), None,
                         f"{median(cold) / median(warm):.2f}x warm"))
            speeds = [float(run_out([python, "-c", SPEECH_SPEED, str(work / f"speed-{voice}-{n}"), routine, voice],
                                    env).split()[0]) for n in range(3)]
            rows.append((f"make speech, cold cache, {label}: seconds of speech per second", median(speeds), None,
                         f"median of 3; {os.cpu_count()} worker processes"))

        # a bed from a music file, against one pass of python-soxr over the same file
        minutes = ["--minutes", f"{args.minutes:g}"] if args.minutes else []
        cache = work / "bed-cache"
        render = [*voicecoach, "--cache-dir", str(cache), "render", routine, *minutes, "-o", str(work / "s.wav"),
                  "--quiet"]
        cpu(render, env)  # the speech, once
        music = work / "bed.wav"
        length = (args.minutes or 20) * 60
        subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i",
                        "anoisesrc=color=pink:sample_rate=48000:amplitude=0.2:seed=7", "-ac", "2",
                        "-t", f"{length:.0f}", str(music)], check=True)
        mp3 = work / "bed.mp3"
        subprocess.run(["ffmpeg", "-v", "error", "-y", "-i", str(music), "-b:a", "128k", str(mp3)], check=True)
        soxr_floor = median([cpu([floor_python, "-c", SOXR_PASS, str(music)], env)[0] for _ in range(3)])
        ffmpeg_floor = median([cpu(["ffmpeg", "-v", "error", "-y", "-i", str(mp3), "-ac", "1", "-ar", "22050",
                                    "-f", "f32le", "/dev/null"], env)[0] for _ in range(3)])
        plain, first, again, from_mp3, peak = [], [], [], [], 0.0
        for _ in range(3):
            plain.append(cpu(render, env)[0])
            shutil.rmtree(cache / "beds", ignore_errors=True)
            used, mb = cpu([*render, "--bed", str(music)], env)
            first.append(used)
            peak = max(peak, mb)
            again.append(cpu([*render, "--bed", str(music)], env)[0])
            shutil.rmtree(cache / "beds", ignore_errors=True)
            from_mp3.append(cpu([*render, "--bed", str(mp3)], env)[0])
        base = median(plain)
        bed_cost, bed_again, mp3_cost = median(first) - base, median(again) - base, median(from_mp3) - base
        rows.append((f"CPU: python-soxr, one pass over a {length / 60:.0f}-minute 48 kHz stereo WAV to 22050 mono "
                     "(floor)", soxr_floor, None, "1.00x"))
        rows.append(("CPU: render without a bed", base, None, ""))
        rows.append(("CPU: what that WAV adds as a bed, first use (decoded into the cache)", bed_cost, peak,
                     f"{bed_cost / soxr_floor:.2f}x the floor"))
        rows.append(("CPU: what it adds when used again (read from the cache)", bed_again, None,
                     f"{bed_again / soxr_floor:.2f}x the floor"))
        rows.append(("CPU: ffmpeg decoding the same as a 128 kbit/s MP3 to 22050 mono (floor)", ffmpeg_floor, None,
                     "1.00x"))
        rows.append(("CPU: what that MP3 adds as a bed, first use", mp3_cost, None,
                     f"{mp3_cost / ffmpeg_floor:.2f}x the floor"))
    return rows


def serve_ranges(args: argparse.Namespace) -> list[tuple[str, float, float | None, str]]:
    """serve's range requests against a bare aiohttp FileResponse on the same MP3 (paired runs)."""
    import select
    import socket
    import urllib.request

    python = args.python
    rows: list[tuple[str, float, float | None, str]] = []
    with tempfile.TemporaryDirectory(prefix="voicecoach-serve-") as scratch, _inside(scratch):
        work = Path(scratch)
        (work / "config.toml").write_text("")
        env = dict(os.environ, VOICECOACH_DATA=str(work / "data"), VOICECOACH_CONFIG=str(work / "config.toml"))
        serve = subprocess.Popen([python, "-m", "voicecoach", "--cache-dir", str(work / "cache"), "serve",
                                  "desk-break", "--host", "127.0.0.1", "--port", "0", "--no-qr"],
                                 stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env)
        bare = None
        try:
            assert serve.stdout is not None
            ready, _, _ = select.select([serve.stdout], [], [], 120)
            base = serve.stdout.readline().strip() if ready else sys.exit("serve gave no address")
            mp3_url = None
            for _ in range(300):  # until the feed lists the episode (main's lists it once made)
                feed = urllib.request.urlopen(base + "feed.xml", timeout=300).read().decode()
                mp3_url = next((part.split('"')[0] for part in feed.split('url="')[1:]
                                if ".mp3" in part.split('"')[0]), None)
                if mp3_url:
                    break
                time.sleep(1)
            if mp3_url is None:
                sys.exit("the feed never listed an MP3")
            while urllib.request.urlopen(mp3_url, timeout=300).status != 200:
                time.sleep(0.5)
            key = mp3_url.rsplit("/", 1)[1]
            path = work / "cache" / "episodes" / key
            size = path.stat().st_size
            with socket.socket() as probe:
                probe.bind(("127.0.0.1", 0))
                port = probe.getsockname()[1]
            bare = subprocess.Popen([sys.executable, "-c", BARE_FILE_SERVER, str(path), str(port)], stdout=subprocess.PIPE,
                                    stderr=subprocess.DEVNULL, text=True)
            assert bare.stdout is not None
            bare_url = bare.stdout.readline().strip() + "episode.mp3"
            time.sleep(0.5)
            for connections in (16, 64):
                ours, floor = [], []
                for _ in range(args.runs):  # paired
                    for url, into in ((bare_url, floor), (mp3_url, ours)):
                        out = subprocess.run([sys.executable, "-c", RANGE_CLIENT, url, str(size), str(connections), "2048"],
                                             capture_output=True, text=True, check=True).stdout.split()
                        into.append((float(out[0]), float(out[1])))
                rate_floor = median([r for r, _ in floor])
                rate_ours = median([r for r, _ in ours])
                rows.append((f"requests a second: bare aiohttp FileResponse, 64 KiB ranges, {connections} connections "
                             "(floor)", rate_floor, None, f"p99 {median([p for _, p in floor]) * 1000:.0f} ms"))
                rows.append((f"requests a second: voicecoach serve's episode MP3, {connections} connections",
                             rate_ours, None, f"{rate_ours / rate_floor:.2f}x the floor; "
                             f"p99 {median([p for _, p in ours]) * 1000:.0f} ms"))
        finally:
            for process in (serve, bare):
                if process is not None:
                    process.terminate()
                    process.wait()
    return rows


def run_out(command: list[str], env: dict) -> str:
    return subprocess.run(command, capture_output=True, text=True, env=env, check=True).stdout


def print_table(rows: list[tuple[str, float, float | None, str]], args: argparse.Namespace,
                write: Path | None) -> None:
    lines = [f"Machine: {machine()}; load average {os.getloadavg()[0]:.1f} at the end.", "",
             "| what | seconds | peak memory (MB) | ratio |", "| --- | ---: | ---: | --- |"]
    for name, elapsed, mb, ratio in rows:
        lines.append(f"| {name} | {elapsed:.3f} | {'' if mb is None else f'{mb:.0f}'} | {ratio} |")
    print("\n".join(lines))


AN_HOUR = "three-exercises-x3"


def an_hour() -> Path:
    """three-exercises with its moves three times over: a built-in keeps each exercise inside the
    article's own reps, sets and holds, so no built-in stretches to 60 minutes on its own."""
    import yaml

    from voicecoach.routine import read_file

    source = yaml.safe_load(read_file(Path(__file__).resolve().parent.parent / "voicecoach" / "library"
                                      / "three-exercises.yaml", "three-exercises", "routine"))
    source["exercises"] = [{**copy.deepcopy(exercise), "name": f"{exercise['name']} ({round_})"}
                           for round_ in ("first round", "second round", "third round")
                           for exercise in source["exercises"]]
    folder = Path(tempfile.mkdtemp(prefix="voicecoach-bench-routine-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    path = folder / f"{AN_HOUR}.yaml"
    path.write_text(yaml.safe_dump(source, sort_keys=False, allow_unicode=True))
    return path


def shown(routine: str) -> str:
    """The routine as the table names it: the generated hour by its name, not its temporary path."""
    return AN_HOUR if Path(routine).stem == AN_HOUR else routine


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--routine", default=AN_HOUR,
                        help=f"a routine id or file; {AN_HOUR} (the default) is three-exercises' moves "
                             "three times over, which --minutes 60 can fit")
    parser.add_argument("--minutes", type=float, default=60.0, help="0 keeps the routine's length")
    parser.add_argument("--bitrate", type=int, default=64)
    parser.add_argument("--skip-naive", action="store_true", help="skip the slow pydub += build")
    parser.add_argument("--skip-bed", action="store_true", help="skip the renders with a sound bed")
    parser.add_argument("--write", type=Path, help="also write the table to this Markdown file")
    parser.add_argument("--voices", nargs="*", default=["", "flite:slt"],
                        help="voices for the speech and cold-play figures ('' is espeak's default)")
    parser.add_argument("--waits", action="store_true", help="also the figures where people wait")
    parser.add_argument("--only-waits", action="store_true", help="only the figures where people wait")
    parser.add_argument("--only-serve", action="store_true", help="only serve's range requests")
    parser.add_argument("--runs", type=int, default=5, help="paired runs for each figure of --waits")
    parser.add_argument("--python", default=sys.executable,
                        help="the Python (of a venv with voicecoach installed) to measure, e.g. main's")
    args = parser.parse_args()
    if args.routine == AN_HOUR:
        args.routine = str(an_hour())
    if args.only_serve:
        print_table(serve_ranges(args), args, None)
        return
    if args.only_waits:
        rows = waits(args) + serve_ranges(args)
        print_table(rows, args, None)
        return
    if not shutil.which("ffmpeg"):
        sys.exit("ffmpeg is needed for the comparison: run scripts/setup --test")

    python = sys.executable
    voicecoach = [python, "-m", "voicecoach"]
    minutes = ["--minutes", f"{args.minutes:g}"] if args.minutes else []
    rows: list[tuple[str, float, float | None, str]] = []
    with tempfile.TemporaryDirectory(prefix="voicecoach-bench-") as scratch:
        work = Path(scratch)
        cache = work / "cache"
        wav = work / "session.wav"

        cold, cold_mb, _ = run([*voicecoach, "--cache-dir", str(cache), "render", args.routine,
                                *minutes, "-o", str(wav), "--quiet"])
        warm, warm_mb, _ = run([*voicecoach, "--cache-dir", str(cache), "render", args.routine,
                                *minutes, "-o", str(wav), "--quiet"])
        with open(wav, "rb") as handle:
            handle.seek(40)
            seconds = int.from_bytes(handle.read(4), "little") / 2 / 22050
        ffmpeg_wav, ffmpeg_wav_mb, _ = run([
            "ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", "anullsrc=r=22050:cl=mono",
            "-t", f"{seconds:.3f}", "-c:a", "pcm_s16le", str(work / "ffmpeg.wav")])
        rows.append(("render to WAV, warm cache (voicecoach render)", warm, warm_mb,
                     f"{warm / ffmpeg_wav:.2f}x ffmpeg"))
        rows.append(("render to WAV, cold cache (speech made first)", cold, cold_mb, ""))
        rows.append(("ffmpeg writing the same length of PCM to WAV", ffmpeg_wav, ffmpeg_wav_mb, "1.00x"))
        if not args.skip_naive:
            naive, naive_mb, _ = run([python, "-c", NAIVE, str(cache), args.routine,
                                      f"{args.minutes:g}", str(work / "naive.wav")])
            rows.append(("naive pydub build of the same timeline (+=)", naive, naive_mb,
                         f"{naive / warm:.1f}x voicecoach"))
        first_sound = float(run([python, "-c", FIRST_SOUND, str(cache), args.routine,
                                 f"{args.minutes:g}"])[2])
        rows.append(("play: start to first block of sound, warm cache", first_sound, None,
                     "imports, plan, first 0.25 s"))

        mp3 = work / "session.mp3"
        export = [*voicecoach, "--cache-dir", str(cache), "export", args.routine, *minutes,
                  "-o", str(mp3), "--bitrate", str(args.bitrate), "--quiet"]
        if subprocess.run([*voicecoach, "export", "--help"], capture_output=True).returncode == 0:
            exported, exported_mb, _ = run(export)
            lame, lame_mb, _ = run(["ffmpeg", "-v", "error", "-y", "-i", str(wav), "-c:a", "libmp3lame",
                                    "-b:a", f"{args.bitrate}k", str(work / "ffmpeg.mp3")])
            rows.append((f"export to MP3 {args.bitrate} kbit/s, warm cache (voicecoach export)",
                         exported, exported_mb, f"{exported / lame:.2f}x ffmpeg"))
            rows.append((f"ffmpeg libmp3lame encode of the same PCM at {args.bitrate} kbit/s",
                         lame, lame_mb, "1.00x"))
            # M4B (m4b.py): our PCM piped into an ffmpeg child's native AAC encoder, against that
            # encoder on the same PCM from a WAV file; ffmpeg's memory is its own, not ours
            m4b = work / "session.m4b"
            m4b_export = [*voicecoach, "--cache-dir", str(cache), "export", args.routine, *minutes,
                          "-o", str(m4b), "--format", "m4b", "--bitrate", str(args.bitrate), "--quiet"]
            if subprocess.run([*m4b_export[:-1], "--help"], capture_output=True).returncode == 0:
                m4b_s, m4b_mb, _ = run(m4b_export)
                aac, aac_mb, _ = run(["ffmpeg", "-v", "error", "-y", "-i", str(wav), "-c:a", "aac",
                                      "-aac_coder", "fast", "-b:a", f"{args.bitrate}k",
                                      str(work / "ffmpeg.m4a")])
                rows.append((f"export to M4B {args.bitrate} kbit/s, warm cache (export --format m4b)",
                             m4b_s, m4b_mb, f"{m4b_s / aac:.2f}x ffmpeg"))
                rows.append((f"ffmpeg native AAC (fast coder) encode of the same PCM at {args.bitrate} kbit/s",
                             aac, aac_mb, "1.00x"))

        if not args.skip_bed:
            render = [*voicecoach, "--cache-dir", str(cache), "render", args.routine, *minutes,
                      "-o", str(wav), "--quiet"]
            brown, brown_mb, _ = run([*render, "--bed", "brown"])
            rows.append(("render to WAV with the brown bed, warm cache", brown, brown_mb,
                         f"{brown / warm:.2f}x without a bed"))
            pad, pad_mb, _ = run([*render, "--bed", "pad"])
            rows.append(("render to WAV with the pad bed, warm cache", pad, pad_mb,
                         f"{pad / warm:.2f}x without a bed"))
            # a bed file as long as the session, at a rate that must be resampled (wave + FFT)
            music = work / "bed.wav"
            subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i",
                            "anoisesrc=color=pink:sample_rate=48000:amplitude=0.2:seed=7",
                            "-ac", "2", "-t", f"{seconds:.3f}", str(music)], check=True)
            from_file, from_file_mb, _ = run([*render, "--bed", str(music)])
            rows.append((f"render to WAV with a {seconds / 60:.0f}-minute 48 kHz stereo WAV bed",
                         from_file, from_file_mb, f"{from_file / warm:.2f}x without a bed"))
            music.unlink()
            if subprocess.run([*voicecoach, "export", "--help"], capture_output=True).returncode == 0:
                bedded, bedded_mb, _ = run([*export, "--bed", "brown"])
                rows.append((f"export to MP3 {args.bitrate} kbit/s with the brown bed", bedded,
                             bedded_mb, f"{bedded / exported:.2f}x without a bed"))
        for voice in args.voices:
            label = voice or "espeak (default voice)"
            speed = float(run([python, "-c", SPEECH_SPEED, str(work / f"speed-{voice}"), args.routine,
                               voice])[2].split()[0])
            rows.append((f"make speech, cold cache, {label}: seconds of speech per second", speed, None,
                         f"{os.cpu_count()} worker processes, in session order"))
            cold_cache = work / f"play-{voice}"
            first_cold, stalls = (float(x) for x in run([python, "-c", COLD_PLAY, str(cold_cache),
                                                          args.routine, voice])[2].split())
            first_warm = float(run([python, "-c", COLD_PLAY, str(cold_cache), args.routine,
                                    voice])[2].split()[0])
            rows.append((f"play {shown(args.routine)}, {label}: time to first sound, cold cache", first_cold, None,
                         f"then stalled {stalls:.2f} s in all while speech was made (real-time device stub)"))
            rows.append((f"play {shown(args.routine)}, {label}: time to first sound, warm cache", first_warm, None,
                         "imports, plan, first chunk"))

    tests = Path(__file__).resolve().parent.parent / "tests"
    slowest, count, name = run([python, "-c", HOSTILE, str(tests)])[2].split(maxsplit=2)
    rows.append((f"check: refuse the slowest of {count} hostile routine texts ({name.strip()})",
                 float(slowest), None, "in-process load, tests/hostile_routines.py"))

    title = shown(args.routine) + (f" --minutes {args.minutes:g}" if args.minutes else "")
    lines = [
        f"Session: `{title}`, {seconds / 60:.1f} minutes, 22050 Hz mono 16-bit.",
        f"Machine: {machine()}.",
        "",
        "| what | seconds | peak memory (MB) | ratio |",
        "| --- | ---: | ---: | --- |",
    ]
    for name, elapsed, mb, ratio in rows:
        lines.append(f"| {name} | {elapsed:.2f} | {'' if mb is None else f'{mb:.0f}'} | {ratio} |")
    table = "\n".join(lines)
    print(table)
    if args.write:
        args.write.parent.mkdir(parents=True, exist_ok=True)
        header = ("# Benchmarks\n\nProduced by `.venv/bin/python scripts/bench.py"
                  f"{' --routine ' + args.routine if Path(args.routine).stem != AN_HOUR else ''}"
                  f" --write {args.write}`.\n\n")
        notes = ""
        if args.write.exists() and "\nMemory does not grow" in args.write.read_text():
            notes = args.write.read_text().split("\nMemory does not grow", 1)[1]
            notes = "\nMemory does not grow" + notes  # hand-written notes below the table stay
        args.write.write_text(header + table + "\n" + notes)


if __name__ == "__main__":
    main()
