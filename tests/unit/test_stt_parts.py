"""Speech-to-text's parts without decoding: the vocabulary, the features, the model files and
their checks, and which questions are read from the text in view."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import numpy as np
import pytest

from vestsight.commands.asking import is_read_question
from vestsight.errors import SttModelError
from vestsight.llm.model_files import cache_dir
from vestsight.phrases import Phrases
from vestsight.stt.mel import FRAMES, log_mel, mel_filters
from vestsight.stt.model_files import PACKAGED, assemble_packaged, file_name, model_files
from vestsight.stt.vocabulary import Vocabulary, _byte_of_char
from vestsight.stt.whisper import WhisperEngine, WhisperFiles

REPO = Path(__file__).resolve().parents[2]


def as_tokens(text: str) -> str:
    chars = {byte: char for char, byte in _byte_of_char().items()}
    return "".join(chars[b] for b in text.encode("utf-8"))


def test_the_vocabulary_decodes_bytes_across_tokens_and_drops_special_ones() -> None:
    word = as_tokens(" Привет")  # Cyrillic letters are two bytes: split them across tokens
    tokens = ["Hi", word[:2], word[2:], "<|endoftext|>", "<|en|>"]
    vocabulary = Vocabulary(tokens)
    assert vocabulary.decode([0, 1, 2, 3, 4]) == "Hi Привет"
    assert vocabulary.special("en") == 4
    with pytest.raises(SttModelError, match=re.escape("no <|ru|>")):
        vocabulary.special("ru")


def test_features_have_whispers_shape_and_range() -> None:
    samples = (np.sin(np.arange(16000) / 16000 * 2 * np.pi * 440) * 0.5).astype(np.float32)
    features = log_mel(samples)
    assert features.shape == (80, FRAMES) and features.dtype == np.float32
    assert features.max() <= 1.6 and features.min() >= features.max() - 2.0  # 8 decades / 4
    assert mel_filters().shape == (80, 201)
    assert features[:, :90].mean() > features[:, 200:].mean()  # the tone, then the padding


@pytest.mark.parametrize(
    ("language", "question", "reads"),
    [
        ("en", "What does it say?", True),
        ("en", "Please read it to me.", True),
        ("en", "Read the text.", True),
        ("en", "What's written on the label?", True),
        ("en", "Is the door open?", False),
        ("en", "Where did I put my bread?", False),  # "read" inside another word
        ("ru", "Что здесь написано?", True),
        ("ru", "Прочитай, пожалуйста.", True),
        ("ru", "Какого цвета чашка?", False),
    ],
)
def test_read_questions_are_told_from_others(language: str, question: str, reads: bool) -> None:
    assert is_read_question(question, Phrases(language).phrase_list("read_questions")) is reads


def test_the_packaged_model_is_assembled_and_matches_the_manifest(tmp_path: Path) -> None:
    files = model_files(PACKAGED, "", tmp_path)  # nothing in tmp_path: the packages' copy
    assert files.model == cache_dir() / file_name(PACKAGED, "model")
    assert files.vocabulary.stat().st_size == 459861


def copy_model(folder: Path) -> Path:
    source = assemble_packaged(cache_dir())
    for part in ("model", "config", "vocabulary"):
        shutil.copy(source / file_name(PACKAGED, part), folder / file_name(PACKAGED, part))
    return folder


def test_a_damaged_model_file_is_refused_before_loading(tmp_path: Path) -> None:
    folder = copy_model(tmp_path)
    with (folder / file_name(PACKAGED, "vocabulary")).open("r+b") as file:
        file.write(b"x")  # same size, other bytes
    with pytest.raises(SttModelError, match="sha256"):
        model_files(PACKAGED, "", folder, REPO / "models" / "manifest.toml")
    (folder / file_name(PACKAGED, "model")).write_bytes(b"short")
    with pytest.raises(SttModelError, match="bytes, the manifest says"):
        model_files(PACKAGED, "", folder, REPO / "models" / "manifest.toml")


def test_a_missing_model_is_refused_with_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(SttModelError, match="not found") as caught:
        model_files("whisper-unknown", "", tmp_path)
    assert "make models" in str(caught.value)
    with pytest.raises(SttModelError, match="not found"):
        model_files(PACKAGED, str(tmp_path / "own"), tmp_path)


def test_a_file_that_is_not_a_model_fails_to_load_with_an_error(tmp_path: Path) -> None:
    source = copy_model(tmp_path)
    (tmp_path / "model.bin").write_bytes(b"\x00" * 4096)
    files = WhisperFiles(
        tmp_path / "model.bin",
        source / file_name(PACKAGED, "config"),
        source / file_name(PACKAGED, "vocabulary"),
    )
    with pytest.raises(SttModelError, match="cannot load the speech model"):
        WhisperEngine(files, threads=1).load()
