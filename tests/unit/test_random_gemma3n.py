"""The random-weight Gemma 3n builders: shapes, metadata, vocabulary, reuse; no llama.cpp here."""

from __future__ import annotations

import time
from pathlib import Path

import gguf
import pytest

from tests.bench import random_gemma3n
from tests.bench.gguf_random import n_parameters, read_recipe
from tests.bench.random_gemma3n_pair import SIZES, build_vision_pair
from tests.bench.random_gemma3n_text import TINY, VARIANTS, sized
from tests.bench.random_gemma3n_vocab import synthetic_vocab, tiny_vocab
from tests.bench.random_mobilenetv5 import (
    E2B,
    Attention,
    EdgeResidual,
    vision_tower_tensors,
)

TT = gguf.TokenType


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return build_vision_pair(tmp_path_factory.mktemp("pair"), "tiny")


def field(reader: gguf.GGUFReader, key: str) -> object:
    found = reader.get_field(key)
    assert found is not None, key
    return found.contents()


def test_the_tiny_pair_is_small_and_quick(tmp_path: Path) -> None:
    started = time.monotonic()
    text, mmproj = build_vision_pair(tmp_path, "tiny")
    assert time.monotonic() - started < 15
    assert text.stat().st_size + mmproj.stat().st_size < 20e6
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.startswith(".")) == sorted(
        [text.name, mmproj.name]
    )  # no .part or F16 leftovers


def test_a_built_pair_is_reused_and_a_broken_one_rebuilt(tmp_path: Path) -> None:
    text, mmproj = build_vision_pair(tmp_path, "tiny", seed=3)
    stamps = {p: p.stat().st_mtime_ns for p in (text, mmproj)}
    assert build_vision_pair(tmp_path, "tiny", seed=3) == (text, mmproj)
    assert {p: p.stat().st_mtime_ns for p in (text, mmproj)} == stamps
    original = mmproj.read_bytes()
    mmproj.write_bytes(original[:100])
    build_vision_pair(tmp_path, "tiny", seed=3)
    assert mmproj.read_bytes() == original
    assert text.stat().st_mtime_ns == stamps[text]


def test_the_seed_decides_the_bytes(tmp_path: Path, tiny: tuple[Path, Path]) -> None:
    again = build_vision_pair(tmp_path / "same", "tiny")
    other = build_vision_pair(tmp_path / "other", "tiny", seed=1)
    for mine, same, different in zip(tiny, again, other, strict=True):
        assert mine.read_bytes() == same.read_bytes()
        assert mine.read_bytes() != different.read_bytes()
        assert read_recipe(different) != read_recipe(mine)


def test_the_projector_has_the_converters_metadata(tiny: tuple[Path, Path]) -> None:
    reader = gguf.GGUFReader(tiny[1])
    assert field(reader, "general.architecture") == "clip"
    assert field(reader, "general.type") == "mmproj"
    assert field(reader, "clip.vision.projector_type") == "gemma3nv"
    assert field(reader, "clip.has_vision_encoder") is True
    assert field(reader, "clip.vision.image_size") == 768
    assert field(reader, "clip.vision.patch_size") == 3  # 768 / 256 image tokens
    assert field(reader, "clip.vision.image_mean") == [0.0, 0.0, 0.0]
    assert field(reader, "clip.vision.image_std") == [1.0, 1.0, 1.0]
    assert field(reader, "clip.vision.projection_dim") == TINY.n_embd
    assert field(reader, "clip.vision.embedding_length") == TINY.n_embd
    assert reader.get_field("clip.has_audio_encoder") is None


def test_the_projector_tensors_have_the_converters_types_and_shapes(
    tiny: tuple[Path, Path],
) -> None:
    tensors = {t.name: t for t in gguf.GGUFReader(tiny[1]).tensors}
    f32, f16 = gguf.GGMLQuantizationType.F32, gguf.GGMLQuantizationType.F16
    for name, tensor in tensors.items():
        stem = name.startswith("v.conv_stem.")
        one_d = len(tensor.shape) == 1 or name.endswith(".gamma")
        assert tensor.tensor_type == (f32 if stem or one_d else f16), name
    assert list(tensors["v.conv_stem.conv.bias"].shape) == [1, 1, 8, 1]  # ggml order of [1,C,1,1]
    assert list(tensors["v.blk.1.0.layer_scale.gamma"].shape) == [1, 1, 24, 1]
    assert list(tensors["mm.input_projection.weight"].shape) == [64, TINY.n_embd]
    kinds = {name.split(".")[4] for name in tensors if name.startswith("v.blk.")}
    assert {"conv_exp", "dw_start", "dw_mid", "pw_exp", "attn", "norm", "layer_scale"} <= kinds
    assert {"v.blk.2.2.attn.key.down_conv.weight", "v.blk.3.1.attn.key.proj.weight"} <= set(tensors)
    assert "v.blk.3.1.attn.key.down_conv.weight" not in tensors  # stage 3 keeps full resolution
    assert {"v.msfa.ffn.pw_exp.conv.weight", "mm.soft_emb_norm.weight"} <= set(tensors)


def test_the_e2b_projector_is_mobilenet_v5_300m() -> None:
    assert [len(stage) for stage in E2B.stages] == [3, 5, 37, 39]
    assert [sum(isinstance(b, Attention) for b in stage) for stage in E2B.stages] == [0, 0, 14, 19]
    assert all(isinstance(b, EdgeResidual) for b in E2B.stages[0])
    specs = {spec.name: spec for spec in vision_tower_tensors(E2B)}
    assert n_parameters(list(specs.values())) == 294_126_912
    assert specs["v.msfa.ffn.pw_exp.conv.weight"].shape == (3840, 640 + 1280, 1, 1)
    assert specs["v.blk.2.9.attn.query.proj.weight"].shape == (12 * 64, 640, 1, 1)
    assert specs["v.blk.3.1.attn.output.proj.weight"].shape == (1280, 16 * 96, 1, 1)


def test_the_full_vocabulary_has_gemma3n_media_tokens_at_their_ids() -> None:
    _, vocab = sized(VARIANTS["e2b"], synthetic_vocab())
    assert len(vocab.tokens) == 262_400
    named = {i: (vocab.tokens[i], vocab.types[i]) for i in (255_999, 256_000, 262_144, 262_145)}
    assert named == {
        255_999: (b"<start_of_image>", TT.USER_DEFINED),
        256_000: (b"<start_of_audio>", TT.USER_DEFINED),
        262_144: (b"<end_of_image>", TT.CONTROL),
        262_145: (b"<image_soft_token>", TT.CONTROL),
    }
    assert vocab.tokens[262_146] == b"[PAD262146]" and vocab.types[262_146] == TT.UNUSED
    assert vocab.tokens.count(b"<end_of_image>") == 1


def test_the_tiny_vocabulary_keeps_gemmas_special_ids() -> None:
    vocab = tiny_vocab()
    ids = {token: i for i, token in enumerate(vocab.tokens)}
    assert [ids[b"<pad>"], ids[b"<eos>"], ids[b"<bos>"], ids[b"<unk>"]] == [0, 1, 2, 3]
    assert [ids[b"<start_of_turn>"], ids[b"<end_of_turn>"]] == [105, 106]
    for name in (b"<start_of_image>", b"<end_of_image>", b"<image_soft_token>"):
        assert vocab.types[ids[name]] == TT.CONTROL
    assert all(f"<0x{b:02X}>".encode() in ids for b in range(256))
    assert SIZES["tiny"].text.n_embd == SIZES["tiny"].vision.n_embd  # see random_mobilenetv5


def test_the_text_model_cli_still_takes_its_arguments() -> None:
    args = random_gemma3n.parse_args(["--out", "/tmp/x.gguf", "--layers", "4", "--check"])
    assert (args.variant, args.quant, args.layers, args.check) == ("e2b", "q4_0", 4, True)
    with pytest.raises(SystemExit):
        random_gemma3n.parse_args(["--out", "/tmp/x.gguf", "--layers", "31"])


def test_a_foreign_file_has_no_recipe(tmp_path: Path) -> None:
    (tmp_path / "junk.gguf").write_bytes(b"GGUF" + b"\xff" * 64)
    assert read_recipe(tmp_path / "junk.gguf") is None
    assert read_recipe(tmp_path / "missing.gguf") is None
