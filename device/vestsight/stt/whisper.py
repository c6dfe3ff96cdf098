"""Whisper through CTranslate2, int8 on the CPU: a question's audio in, its text out.

Blocking: the service (`vestsight.stt.service`) runs it on its own thread, never on the loop.
The model is loaded once. A question is at most one 30-s window, so there is no long-form logic:
the log-mel features (`mel.log_mel`), the language chosen among the vest's languages
(`detect_language`), one beam-search decode without timestamps, and the decoded text. A window
the model thinks holds no speech (and whose text it is unsure of) comes back empty, as Whisper
itself decides it.
"""

from __future__ import annotations

import contextlib
import logging
import os
import tempfile
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import SttError, SttModelError
from .mel import RATE, Floats, log_mel
from .vocabulary import Vocabulary

_LOGGER = logging.getLogger(__name__)

MAX_TOKENS = 128
"""A spoken question of 15 s is some 60 tokens; a model looping stops here."""
NO_SPEECH_PROBABILITY = 0.6
LOW_LOG_PROBABILITY = -1.0
"""Whisper's own rule: no speech when the no-speech token is likely and the text is unsure."""
SURELY_NO_SPEECH = 0.8
"""Above this, no speech whatever the text (Whisper hears "you" in silence, sure of it)."""


@dataclass(frozen=True)
class WhisperFiles:
    """The three files of a CTranslate2 Whisper model (named as the models folder has them)."""

    model: Path
    config: Path
    vocabulary: Path


@dataclass(frozen=True)
class Transcript:
    text: str
    """What was heard, stripped; empty when nothing was said."""
    language: str
    """ISO code of the language heard (one of those allowed)."""
    language_probability: float
    no_speech_probability: float
    audio_seconds: float
    seconds: float
    """Transcription time: features, language, decoding."""


class WhisperEngine:
    def __init__(self, files: WhisperFiles, *, threads: int, beam_size: int = 1) -> None:
        self.files = files
        self._threads = threads
        self._beam_size = beam_size
        self._model: Any = None
        self._vocabulary: Vocabulary | None = None
        self._mels = 80

    def load(self) -> None:
        """Load the model (once; blocking); `SttModelError` if it cannot be."""
        import ctranslate2

        self._vocabulary = Vocabulary.load(self.files.vocabulary)
        with _model_folder(self.files) as folder:
            try:
                self._model = ctranslate2.models.Whisper(
                    str(folder), device="cpu", compute_type="int8", intra_threads=self._threads
                )
            except (RuntimeError, ValueError, OSError) as err:
                raise SttModelError(
                    f"cannot load the speech model {self.files.model}: {err}",
                    advice="the file is damaged or not a CTranslate2 Whisper model: "
                    "fetch it again (make models)",
                ) from err
        self._mels = int(getattr(self._model, "n_mels", 80))
        if not self._model.is_multilingual:
            raise SttModelError(
                f"{self.files.model} is an English-only Whisper model",
                advice="the vest needs a multilingual model (English and Russian)",
            )
        _LOGGER.info(
            "Speech model %s loaded (%d threads, beam %d)",
            self.files.model.name,
            self._threads,
            self._beam_size,
        )

    def transcribe(
        self,
        samples: Floats,
        languages: Sequence[str],
        weights: Mapping[str, float] | None = None,
    ) -> Transcript:
        """The text of `samples` (16 kHz mono, -1..1) in the likeliest of `languages`, each
        language's probability multiplied by its weight in `weights` (a prior) first."""
        import ctranslate2

        model, vocabulary = self._model, self._vocabulary
        if model is None or vocabulary is None:
            raise SttError("the speech model is not loaded")
        started = time.perf_counter()
        try:
            features = ctranslate2.StorageView.from_array(log_mel(samples, self._mels)[None])
            encoded = model.encode(features)  # once: both steps below take the encoder's output
            language, language_probability = _likeliest(
                model.detect_language(encoded)[0], languages, weights or {}
            )
            prompt = [
                vocabulary.special("startoftranscript"),
                vocabulary.special(language),
                vocabulary.special("transcribe"),
                vocabulary.special("notimestamps"),
            ]
            result = model.generate(
                encoded,
                [prompt],
                beam_size=self._beam_size,
                max_length=MAX_TOKENS,
                return_scores=True,
                return_no_speech_prob=True,
                suppress_blank=True,
            )[0]
        except (RuntimeError, ValueError) as err:
            raise SttError(f"transcription failed: {err}") from err
        text = vocabulary.decode(result.sequences_ids[0]).strip()
        score = result.scores[0] if result.scores else 0.0
        no_speech = float(result.no_speech_prob)
        unsure = no_speech > NO_SPEECH_PROBABILITY and score < LOW_LOG_PROBABILITY
        if unsure or no_speech > SURELY_NO_SPEECH:
            _LOGGER.info("No speech (p=%.2f, score %.2f): dropped %r", no_speech, score, text)
            text = ""
        return Transcript(
            text=text,
            language=language,
            language_probability=round(language_probability, 3),
            no_speech_probability=round(no_speech, 3),
            audio_seconds=round(len(samples) / RATE, 3),
            seconds=round(time.perf_counter() - started, 3),
        )


def _likeliest(
    found: list[tuple[str, float]], allowed: Sequence[str], weights: Mapping[str, float]
) -> tuple[str, float]:
    """The allowed language likeliest once weighted (the first allowed one if none is rated),
    with its share of the allowed languages' weighted probability."""
    rated = {token.strip("<|>"): float(p) for token, p in found}
    weighted = {code: rated.get(code, 0.0) * weights.get(code, 1.0) for code in allowed}
    best = max(allowed, key=lambda code: weighted[code])
    total = sum(weighted.values()) or 1.0
    return best, weighted[best] / total


@contextlib.contextmanager
def _model_folder(files: WhisperFiles) -> Iterator[Path]:
    """A folder with the names CTranslate2 expects, linking to the files as the models folder
    names them (one flat folder holds every model); only needed while loading."""
    for path in (files.model, files.config, files.vocabulary):
        if not path.is_file():
            raise SttModelError(f"speech model file {path} not found", advice="run make models")
    with tempfile.TemporaryDirectory(prefix="vestsight-stt-") as folder:
        for name, path in (
            ("model.bin", files.model),
            ("config.json", files.config),
            ("vocabulary.txt", files.vocabulary),
        ):
            os.symlink(path.resolve(), Path(folder) / name)
        yield Path(folder)


def pcm_to_floats(pcm: bytes) -> Floats:
    """16-bit little-endian PCM as floats in -1..1."""
    return (np.frombuffer(pcm, dtype="<i2").astype(np.float32) / 32768.0).astype(np.float32)
