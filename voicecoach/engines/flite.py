"""CMU flite, run as its own program (`flite -voice slt -f LINE.txt -o OUT.wav`): clearer than
espeak-ng to a recognizer, deterministic, BSD-style licence. Its voices write 16 kHz (kal: 8 kHz);
speech.py resamples them to the session rate.

The text goes to flite in a file, never through a shell, so no character in a line can change
the command. Pace: flite has no words-per-minute setting, only `duration_stretch` (1.0 is the
voice's own pace), so the stretch is the voice's measured natural pace over the pace asked, with
the pace measured the way espeak-ng speaks it; see NATURAL_WPM.
"""
from __future__ import annotations

import shutil
import subprocess
import wave

from ..errors import SpeechEngineMissing, SpeechError
from ..files import scratch_folder
from .base import Clip, Voice

PROGRAM = "flite"
LICENCE = "BSD-style (CMU flite); commercial use fine"
TIMEOUT_S = 120.0
# Words per minute each voice speaks at duration_stretch 1.0, and espeak-ng's at "155 wpm",
# measured on the same five coaching lines from the first to the last sound above -48 dBFS
# (pauses between sentences included). Dividing by ESPEAK_SPOKEN_WPM_PER_WPM makes a pace sound
# alike on both engines: `--pace normal` is 155 wpm to espeak and about 196 words spoken a minute.
NATURAL_WPM = {"slt": 209, "rms": 185, "awb": 205, "kal16": 217, "kal": 212}
DEFAULT_NATURAL_WPM = 205
ESPEAK_SPOKEN_WPM_PER_WPM = 196 / 155
LIMITED_DOMAIN = ("_time",)  # voices that can only say the time (awb_time): not offered


def stretch(voice: str, words_per_minute: int) -> str:
    """flite's duration_stretch for a pace, as text with three decimals (part of the command)."""
    natural = NATURAL_WPM.get(voice, DEFAULT_NATURAL_WPM)
    return f"{natural / (words_per_minute * ESPEAK_SPOKEN_WPM_PER_WPM):.3f}"


class Flite:
    name = "flite"
    default_voice = "slt"

    def __init__(self) -> None:
        self._identity: str | None = None
        self._voices: list[Voice] | None = None

    def _program(self) -> str:
        found = shutil.which(PROGRAM)
        if not found:
            raise SpeechEngineMissing("the flite program is not installed", package="flite")
        return found

    def _run(self, *args: str) -> subprocess.CompletedProcess[str]:
        try:
            return subprocess.run([self._program(), *args], capture_output=True, text=True,
                                  timeout=TIMEOUT_S, check=False)
        except OSError as exc:
            raise SpeechEngineMissing(f"flite could not be run ({exc.strerror or exc})",
                                      package="flite") from None

    def identity(self) -> str:
        if self._identity is None:
            shown = self._run("--version")  # flite 2.2 says it, then exits with status 1
            version = next((line.split("version:", 1)[1].strip() for line in shown.stdout.splitlines()
                            if "version:" in line), "")
            if not version:
                raise SpeechEngineMissing("flite did not say its version", package="flite")
            self._identity = version.split(" (")[0]  # "flite-2.2-current Sep 2018"
        return self._identity

    def voices(self) -> list[Voice]:
        if self._voices is None:
            listed = self._run("-lv").stdout
            names = listed.split(":", 1)[1].split() if ":" in listed else []
            self._voices = [Voice("flite", name, name, name, ("en",), LICENCE) for name in names
                            if not name.endswith(LIMITED_DOMAIN)]
        return list(self._voices)

    def synthesize(self, text: str, voice: Voice | None, words_per_minute: int) -> Clip:
        name = voice.native if voice else self.default_voice
        with scratch_folder("voicecoach-flite-") as scratch:
            line, out = scratch / "line.txt", scratch / "line.wav"
            line.write_text(text, encoding="utf-8")
            done = self._run("-voice", name, "--setf", f"duration_stretch={stretch(name, words_per_minute)}",
                             "-f", str(line), "-o", str(out))
            if done.returncode != 0 or not out.exists():
                detail = (done.stderr.strip().splitlines() or [f"exit status {done.returncode}"])[0]
                raise SpeechError(text, f"flite failed with voice '{name}' ({detail})")
            try:
                with wave.open(str(out)) as handle:
                    if handle.getsampwidth() != 2 or handle.getnchannels() != 1:
                        raise SpeechError(text, "flite wrote something other than 16-bit mono")
                    return handle.readframes(handle.getnframes()), handle.getframerate()
            except (wave.Error, EOFError) as exc:
                raise SpeechError(text, f"flite wrote an unreadable file ({exc})") from None
