"""The converter's source (the llama-cpp-python sdist) and the fixes applied to its Gemma 3n
projector export, without PyTorch: a tiny sdist, and a stand-in for the converter's class."""

from __future__ import annotations

import hashlib
import io
import tarfile
from pathlib import Path
from typing import Any

import pytest
from models.convert import gemma3n_fixes, pipeline, sdist
from models.convert.recipes import RECIPES

from vestsight.errors import ModelFileError

PREFIX = "llama_cpp_python-0.3.36/vendor/llama.cpp/"


def tiny_sdist(path: Path) -> Path:
    members = {
        PREFIX + "convert_hf_to_gguf.py": b"print('converter')\n",
        PREFIX + "conversion/gemma.py": b"class Gemma3nVisionAudioModel: ...\n",
        PREFIX + "gguf-py/gguf/__init__.py": b"",
        PREFIX + "ggml/src/ggml.c": b"int main;\n",  # not the converter's
        "llama_cpp_python-0.3.36/pyproject.toml": b"[project]\n",
    }
    with tarfile.open(path, "w:gz") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return path


def test_only_the_converter_is_unpacked_and_only_once(tmp_path: Path) -> None:
    archive = tiny_sdist(tmp_path / sdist.archive_name())
    tree = sdist.unpack_converter(archive, tmp_path / "work")
    found = sorted(str(p.relative_to(tree)) for p in tree.rglob("*") if p.is_file())
    assert found == ["conversion/gemma.py", "convert_hf_to_gguf.py", "gguf-py/gguf/__init__.py"]
    (tree / "convert_hf_to_gguf.py").write_text("kept")
    assert sdist.unpack_converter(archive, tmp_path / "work") == tree
    assert (tree / "convert_hf_to_gguf.py").read_text() == "kept"


def test_an_sdist_that_is_not_pypis_is_refused(tmp_path: Path) -> None:
    archive = tiny_sdist(tmp_path / sdist.archive_name())
    digest = hashlib.sha256(archive.read_bytes()).hexdigest()
    assert sdist.fetch_sdist(tmp_path, sha256=digest) == archive  # there: not downloaded
    with pytest.raises(ModelFileError, match="PyPI's is"):
        sdist.fetch_sdist(tmp_path, sha256="0" * 64)
    assert not archive.exists()


class FakeTensor:
    def __init__(self, shape: tuple[int, ...]) -> None:
        self.shape = shape

    def dim(self) -> int:
        return len(self.shape)

    def unsqueeze(self, axis: int) -> FakeTensor:
        shape = list(self.shape)
        shape.insert(axis if axis >= 0 else len(shape) + 1 + axis, 1)
        return FakeTensor(tuple(shape))


class FakeWriter:
    def __init__(self) -> None:
        self.kv_data: list[dict[str, object]] = [{}]


class FakeProjectorModel:
    """The parts of the converter's Gemma3nVisionAudioModel that the fixes touch."""

    has_audio_encoder = True

    def __init__(self) -> None:
        self.gguf_writer = FakeWriter()

    def set_gguf_parameters(self) -> None:
        keys = self.gguf_writer.kv_data[0]
        keys.update({"clip.has_vision_encoder": True, "clip.vision.projector_type": "gemma3nv",
                     "clip.has_audio_encoder": True, "clip.audio.projector_type": "gemma3na",
                     "clip.audio.num_mel_bins": 128})  # fmt: skip

    def modify_tensors(self, data: Any, name: str, bid: int | None) -> list[tuple[str, Any]]:
        return [(name, data)]


def test_the_projector_is_written_without_the_audio_tower_and_with_4d_layer_scales() -> None:
    gemma3n_fixes.patch(FakeProjectorModel, lambda name: "audio" in name)
    model = FakeProjectorModel()
    assert model.has_audio_encoder is False
    model.set_gguf_parameters()
    assert model.gguf_writer.kv_data == [
        {"clip.has_vision_encoder": True, "clip.vision.projector_type": "gemma3nv"}
    ]
    audio = "model.audio_tower.subsample_conv_projection.conv_0.norm.weight"
    assert list(model.modify_tensors(FakeTensor((128,)), audio, None)) == []
    scale = "model.vision_tower.timm_model.blocks.1.0.layer_scale.gamma"
    [(name, tensor)] = model.modify_tensors(FakeTensor((256,)), scale, None)
    assert (name, tensor.shape) == (scale, (1, 256, 1, 1))
    conv = "model.vision_tower.timm_model.blocks.1.0.pw_exp.conv.weight"
    [(_, tensor)] = model.modify_tensors(FakeTensor((768, 128, 1, 1)), conv, None)
    assert tensor.shape == (768, 128, 1, 1)  # everything else as the converter has it


def test_no_token_stops_the_build_before_anything_is_fetched(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("HF_TOKEN", "HUGGING_FACE_HUB_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))

    def no_fetch(work: Path) -> Path:
        raise AssertionError("fetched without a token")

    monkeypatch.setattr(pipeline.sdist, "converter_tree", no_fetch)
    opts = pipeline.Options(recipe=RECIPES["e2b"], dest=tmp_path, work=tmp_path / "w",
                            venv=tmp_path / "v")  # fmt: skip
    with pytest.raises(ModelFileError, match="No Hugging Face token") as caught:
        pipeline.make_vision(opts)
    assert "settings/tokens" in caught.value.advice
