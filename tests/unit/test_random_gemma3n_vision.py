"""The tiny random Gemma 3n pair through llama.cpp's mtmd: a photo in, 256 image tokens, text out.

The run happens in a child process (``random_gemma3n_vision_check``) with a deadline: a
llama.cpp abort or hang fails this test instead of taking the test session down.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.bench.random_gemma3n_pair import SIZES, build_vision_pair, check_in_child
from tests.bench.random_gemma3n_vision_check import photo_jpeg
from tests.bench.random_gemma3n_vocab import tiny_vocab
from tests.conftest import TIMEOUT

IMAGE_TOKENS = 256  # Gemma 3n: MobileNet-V5's 16x16 output


@pytest.fixture(scope="session")
def tiny_pair(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return build_vision_pair(tmp_path_factory.mktemp("gemma3n"), "tiny")


@pytest.fixture(scope="module")
def run(tiny_pair: tuple[Path, Path]) -> dict[str, Any]:
    return check_in_child(*tiny_pair, threads=2, timeout=3 * TIMEOUT)


def test_the_photo_is_a_real_jpeg() -> None:
    jpeg = photo_jpeg()
    assert jpeg[:3] == b"\xff\xd8\xff" and len(jpeg) > 10_000


def test_the_prompt_becomes_text_image_text(run: dict[str, Any]) -> None:
    kinds = [kind for kind, _ in run["chunks"]]
    assert kinds == ["text", "image", "text"]
    assert run["chunks"][1][1] == IMAGE_TOKENS
    assert run["n_past"] == sum(n for _, n in run["chunks"])


def test_mtmd_adds_one_bos_and_wraps_the_image_in_its_markers(run: dict[str, Any]) -> None:
    special = run["special"]
    assert -1 not in special.values()  # each marker is a single token
    before, after = run["text_tokens"]
    assert before[0] == special["bos"] and (before + after).count(special["bos"]) == 1
    assert before[-1] == special["<start_of_image>"]
    assert after[0] == special["<end_of_image>"]


def test_the_encoder_output_and_the_logits_are_numbers(run: dict[str, Any]) -> None:
    embd = run["embd"]
    assert embd["n"] == IMAGE_TOKENS * SIZES["tiny"].text.n_embd
    assert embd["finite"] == 1.0 and embd["std"] > 0.1  # RMS-normed, not all zeros
    assert run["logits"]["finite"] == 1.0 and run["logits"]["std"] > 0


def test_it_generates_and_stays_quick(run: dict[str, Any]) -> None:
    assert len(run["generated"]) == 8
    assert all(0 <= token < len(tiny_vocab().tokens) for token in run["generated"])
    assert max(run["encode_s"]) < 5 and run["image_eval_s"] < 5 and run["generate_s"] < 5
