"""The checks of converted files, on tiny GGUFs written with the gguf package.

A tiny text model has a vocabulary shaped like Gemma 3n's (text pieces, then image/audio ids
with ``<end_of_image>`` the first of them), scaled down so the gguf reader opens it at once
(262,400 strings take it seconds), and two Q4_0 tensors; a tiny projector has the keys and the
input projection of a ``gemma3nv`` projector. Each test breaks one thing the checks must catch.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import gguf
import numpy as np
import pytest
from models.convert import checks
from models.convert.recipes import END_OF_IMAGE, Q4_0, Q4_K_M, RECIPES

from vestsight.errors import ModelFileError

WIDTH = 64
TEXT_PIECES, VOCAB = 1024, 1280  # Gemma 3n: 262,144 and 262,400
RECIPE = replace(RECIPES["e2b"], n_embd=WIDTH, n_vocab=VOCAB, end_of_image_id=TEXT_PIECES,
                 text_bytes=None, projector_bytes=None)  # fmt: skip


def vocabulary(size: int = VOCAB, end_of_image: int | None = TEXT_PIECES) -> list[str]:
    tokens = [f"<unused{i}>" for i in range(size)]
    if end_of_image is not None:
        tokens[end_of_image] = END_OF_IMAGE
    return tokens


def write_text_model(
    path: Path, *, arch: str = "gemma3n", tokens: list[str] | None = None, width: int = WIDTH,
    ftype: int = Q4_0.ftype, extra: str = "",
) -> Path:  # fmt: skip
    writer = gguf.GGUFWriter(path, arch)
    writer.add_embedding_length(width)
    writer.add_file_type(ftype)
    writer.add_tokenizer_model("llama")
    writer.add_token_list(tokens if tokens is not None else vocabulary())
    rng = np.random.default_rng(1)
    for name in ("token_embd.weight", "blk.0.ffn_up.weight"):
        values = rng.standard_normal((WIDTH, 256)).astype(np.float32)
        quantized = gguf.quantize(values, gguf.GGMLQuantizationType.Q4_0)
        writer.add_tensor(name, quantized, raw_dtype=gguf.GGMLQuantizationType.Q4_0)
    if extra == "bf16":
        writer.add_tensor("per_layer_model_proj.weight", np.zeros((4, 32), np.float32),
                          raw_dtype=gguf.GGMLQuantizationType.BF16)  # fmt: skip
    if extra == "inf":
        writer.add_tensor("altup_proj.weight", np.full((4, 32), np.inf, np.float16))
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return path


def write_projector(path: Path, *, kind: str = "gemma3nv", width: int = WIDTH,
                    projection: tuple[int, int] = (WIDTH, WIDTH)) -> Path:  # fmt: skip
    writer = gguf.GGUFWriter(path, "clip")
    writer.add_bool("clip.has_vision_encoder", True)
    writer.add_string("clip.vision.projector_type", kind)
    writer.add_uint32("clip.vision.projection_dim", width)
    # numpy shape is ggml's reversed: ggml [input, output]
    weight = np.ones((projection[1], projection[0]), np.float16)
    writer.add_tensor(checks.INPUT_PROJECTION, weight)
    writer.add_tensor("v.conv_stem.conv.weight", np.ones((16, 3, 3, 3), np.float16))
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return path


def test_a_gemma3n_text_model_that_can_see_passes(tmp_path: Path) -> None:
    facts = checks.check_text_model(write_text_model(tmp_path / "t.gguf"), RECIPE, Q4_0)
    assert f"{VOCAB} tokens, {END_OF_IMAGE} = {TEXT_PIECES}" in facts[0]
    assert "4.50 bits" in facts[1]
    assert "Q4_0 2" in facts[2]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"tokens": vocabulary(TEXT_PIECES, end_of_image=None)}, f"{TEXT_PIECES} tokens"),
        ({"tokens": vocabulary(end_of_image=None)}, r"<end_of_image> is token\(s\) \[\]"),
        ({"arch": "gemma3"}, "architecture 'gemma3'"),
        ({"width": 2048}, "embedding width 2048"),
        ({"ftype": Q4_K_M.ftype}, "file type 15"),
        ({"extra": "bf16"}, "BF16"),
        ({"extra": "inf"}, "beyond F16's range"),
    ],
)
def test_a_text_model_that_cannot_see_or_run_well_is_refused(
    tmp_path: Path, changes: dict[str, object], message: str
) -> None:
    path = write_text_model(tmp_path / "t.gguf", **changes)  # type: ignore[arg-type]
    with pytest.raises(ModelFileError, match=message) as caught:
        checks.check_text_model(path, RECIPE, Q4_0)
    assert "not recorded" in caught.value.advice


def test_two_end_of_image_tokens_are_refused(tmp_path: Path) -> None:
    tokens = vocabulary()
    tokens[1000] = END_OF_IMAGE  # as if Gemma 3's id (256000) were left in place
    with pytest.raises(ModelFileError, match=rf"\[1000, {TEXT_PIECES}\]"):
        checks.check_text_model(write_text_model(tmp_path / "t.gguf", tokens=tokens), RECIPE)


def test_sizes_are_checked_against_the_recipe_and_the_header(tmp_path: Path) -> None:
    path = write_text_model(tmp_path / "t.gguf")
    with pytest.raises(ModelFileError, match=r"expected 2\.30-3\.80 GB"):
        checks.check_text_model(path, replace(RECIPE, text_bytes=RECIPES["e2b"].text_bytes))
    path.write_bytes(path.read_bytes()[:-100])
    with pytest.raises(ModelFileError, match=r"short of its tensors|cannot be read"):
        checks.check_text_model(path, RECIPE)


def test_a_gemma3n_projector_of_the_models_width_passes(tmp_path: Path) -> None:
    facts = checks.check_projector(write_projector(tmp_path / "mmproj.gguf"), RECIPE)
    assert facts[0] == f"clip gemma3nv, output width {WIDTH}, without the audio tower"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"kind": "gemma3"}, "projector type 'gemma3'"),
        ({"width": 2048}, "outputs width 2048"),
        ({"projection": (2048, WIDTH)}, r"\[2048, 64\]"),  # mtmd would refuse it at load
    ],
)
def test_a_projector_that_does_not_fit_is_refused(
    tmp_path: Path, changes: dict[str, object], message: str
) -> None:
    path = write_projector(tmp_path / "mmproj.gguf", **changes)  # type: ignore[arg-type]
    with pytest.raises(ModelFileError, match=message):
        checks.check_projector(path, RECIPE)
    with pytest.raises(ModelFileError, match="architecture 'gemma3n', not clip"):
        checks.check_projector(write_text_model(tmp_path / "t.gguf"), RECIPE)
