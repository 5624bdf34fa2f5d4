#!/usr/bin/env python3
"""Benchmark spoken commands (`play --listen`): detection rate and latency of each phrase said by
our own voices over the brown bed at three levels, and false commands per hour over every
built-in session heard back by the microphone. Prints a Markdown report.

Run by hand from the checkout:

    .venv/bin/python scripts/bench_listen.py
    .venv/bin/python scripts/bench_listen.py --write docs/spoken-commands.md

Offline and deterministic: the recognizer is fed the audio as the listener is, 0.1 s at a
time, without a device; latency is counted from the end of the phrase to the block in which
the command is decided. Not part of the test suite: these are figures, not assertions.
"""
from __future__ import annotations

import argparse
import platform
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from voicecoach import routine as routines
from voicecoach.bed import open_bed
from voicecoach.cache import Cache
from voicecoach.listen import BLOCK, PHRASES, RATE, Spotter, echoed_commands, to_microphone_rate
from voicecoach.session import prepare, say_lines
from voicecoach.settings import Settings

VOICES = (None, "flite:slt", "flite:rms", "flite:awb", "flite:kal16")  # None: espeak-ng
FULL_SCALE = 32768.0  # a bed's samples are floats, full scale 1
BEDS = (None, -24.0, -12.0)  # no bed, the default bed level, a loud bed (dB under the voice)


def detect(pcm: bytes) -> tuple[list, float | None]:
    """Commands found in one second of bed, the phrase and two more; seconds from the phrase's
    end to the first."""
    spotter = Spotter()
    found, latency = [], None
    for index in range(0, len(pcm), BLOCK * 2):
        command = spotter.feed(pcm[index:index + BLOCK * 2])
        if command is not None:
            found.append(command)
            if latency is None:
                latency = (index + BLOCK * 2) / 2 / RATE
    return found, latency


def phrases_table(cache: Cache) -> tuple[list[str], dict]:
    rows, totals = [], {}
    for voice in VOICES:
        speech = say_lines(list(PHRASES), Settings(voice=voice), cache).speech
        for bed_db in BEDS:
            hits, latencies, wrong = 0, [], 0
            for phrase, (meant, _) in PHRASES.items():
                said = np.frombuffer(to_microphone_rate(speech.clip(phrase), speech.sample_rate), "<i2")
                audio = np.concatenate([np.zeros(RATE), said.astype(np.float64), np.zeros(2 * RATE)])
                if bed_db is not None:
                    audio = audio + FULL_SCALE * open_bed("brown", RATE, bed_db).samples(0, audio.size)
                found, latency = detect(np.clip(audio, -32768, 32767).astype("<i2").tobytes())
                if found[:1] == [meant]:
                    hits += 1
                    if latency is not None:
                        latencies.append(latency - (RATE + said.size) / RATE)
                elif found:
                    wrong += 1
            name = voice or "espeak-ng (default)"
            bed = "none" if bed_db is None else f"brown {bed_db:g} dB"
            mean = f"{np.mean(latencies):.2f}" if latencies else "-"
            worst = f"{max(latencies):.2f}" if latencies else "-"
            rows.append(f"| {name} | {bed} | {hits}/{len(PHRASES)} | {wrong} | {mean} | {worst} |")
            totals.setdefault(bed, []).append(hits)
    return rows, totals


def false_table(cache: Cache) -> tuple[list[str], float, int, int]:
    rows, hours, gated_total, ungated_total = [], 0.0, 0, 0
    for name in routines.builtin_ids():
        session = prepare(name, Settings(), cache)
        gated, ungated = echoed_commands(session), echoed_commands(session, gated=False)
        hours += session.timeline.duration / 3600
        gated_total += len(gated)
        ungated_total += len(ungated)
        rows.append(f"| {name} | {session.timeline.duration / 60:.1f} | {len(gated)} | {len(ungated)} |")
    return rows, hours, gated_total, ungated_total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", type=Path, help="Write the report here (Markdown).")
    parser.add_argument("--cache", type=Path, help="A speech cache to use (default: a fresh one).")
    args = parser.parse_args()
    began = time.monotonic()
    with tempfile.TemporaryDirectory() as folder:
        cache = Cache(args.cache or Path(folder))
        phrase_rows, totals = phrases_table(cache)
        false_rows, hours, gated, ungated = false_table(cache)
    report = [
        "# Spoken commands: how well they are heard",
        "",
        "Measured by `scripts/bench_listen.py` (offline, no device; "
        f"{platform.system()} {platform.machine()}, Python {platform.python_version()}, "
        f"{time.monotonic() - began:.0f} s in all). Each of the six phrases (\"coach pause\", ...) was "
        "made by our own speech engines, resampled to the microphone's 16 kHz, with one second before "
        "and two after, and the built-in brown bed mixed under it at the level given (relative to "
        "the voice, as `--bed-level`), then fed to the recognizer 0.1 s at a time as `play --listen` "
        "does. *Heard* counts phrases whose first command was the right one; *wrong* those heard "
        "as another command; latency is from the end of the phrase to the block in which the "
        "command was decided (0.3 s of it is waiting for the phrase's last sound; a clip's own "
        "trailing quiet counts as the phrase, so a decision may come before its end: below zero). "
        "espeak-ng's voice is hard for a recognizer trained on people, as its word error rate in "
        "docs/voices.md shows; people and flite fare better. Live, through ALSA and the player, "
        "tests/test_listen.py has 'coach pause', 'coach resume', 'coach next' and 'coach stop' act "
        "in flite's slt and rms over the bed.",
        "",
        "| voice | bed | heard | wrong | mean latency (s) | worst latency (s) |",
        "| --- | --- | ---: | ---: | ---: | ---: |",
        *phrase_rows,
        "",
        "By bed level, over all voices: " + "; ".join(
            f"{bed}: {sum(hits)}/{len(hits) * len(PHRASES)}" for bed, hits in totals.items()) + ".",
        "",
        "## False commands",
        "",
        "Every built-in session at its default settings, its rendered sound fed back as the "
        "microphone 0.1 s late (a loudspeaker in the room). *Gated* is what `play --listen` does: "
        "it hears only the timeline's silences, from 0.6 s after a line or tone to 0.3 s before "
        "the next. *Ungated* listens throughout, to show what the gate is for.",
        "",
        "| routine | minutes | false commands, gated | ungated |",
        "| --- | ---: | ---: | ---: |",
        *false_rows,
        "",
        f"In all {hours:.2f} hours: {gated} false commands gated ({gated / hours:.1f} per hour), "
        f"{ungated} ungated ({ungated / hours:.1f} per hour).",
        "",
    ]
    text = "\n".join(report)
    if args.write:
        args.write.write_text(text)
    sys.stdout.write(text)


if __name__ == "__main__":
    main()
