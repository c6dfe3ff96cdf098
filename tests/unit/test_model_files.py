"""Which model file the worker loads, and how the local manifest completes the repository's."""

from __future__ import annotations

from pathlib import Path

import pytest

from vestsight.errors import ModelFileError
from vestsight.llm.manifest import LOCAL_MANIFEST, check_against, load_manifests, sha256_of
from vestsight.llm.model_files import named_model_path

REPOSITORY = """
[[model]]
name = "gemma-3n-e2b-it-vision-q4_0"
file = "gemma-3n-E2B-it-vision-Q4_0.gguf"
convert = "gemma3n-e2b"
projector = "mmproj-gemma-3n-e2b-it-f16"
sha256 = ""

[[model]]
name = "gemma-3n-e2b-it-q4_k_m"
file = "gemma-3n-E2B-it-Q4_K_M.gguf"
url = "https://example.invalid/text.gguf"
sha256 = "00"

[[model]]
name = "mmproj-gemma-3n-e2b-it-f16"
file = "mmproj-gemma-3n-E2B-it-f16.gguf"
sha256 = ""

[[model]]
name = "gemma-4-e2b-it-q4_0"
file = "gemma-4-E2B-it-Q4_0.gguf"
sha256 = "00"
"""


def gguf_file(path: Path, body: bytes = b"") -> Path:
    path.write_bytes(b"GGUF" + body)
    return path


def test_a_name_or_its_start_finds_the_first_listed_file_present(tmp_path: Path) -> None:
    manifest = tmp_path / "manifest.toml"
    manifest.write_text(REPOSITORY)
    entries = load_manifests(manifest, tmp_path)
    text = gguf_file(tmp_path / "gemma-3n-E2B-it-Q4_K_M.gguf")
    assert named_model_path("gemma-3n-e2b", tmp_path, entries) == text
    vision = gguf_file(tmp_path / "gemma-3n-E2B-it-vision-Q4_0.gguf")  # converted: listed first
    assert named_model_path("gemma-3n-e2b", tmp_path, entries) == vision
    assert named_model_path("gemma-3n-e2b-it-q4_k_m", tmp_path, entries) == text
    with pytest.raises(ModelFileError, match=r"gemma-4-E2B-it-Q4_0\.gguf") as missing:
        named_model_path("gemma-4-e2b", tmp_path, entries)
    assert missing.value.spoken == "the description model file is missing"
    with pytest.raises(ModelFileError, match="no such entry"):
        named_model_path("mmproj-gemma-3n", tmp_path, entries)  # a projector is not a model


def test_the_local_manifest_records_what_the_build_converted(tmp_path: Path) -> None:
    manifest = tmp_path / "manifest.toml"
    manifest.write_text(REPOSITORY)
    made = gguf_file(tmp_path / "gemma-3n-E2B-it-vision-Q4_0.gguf", b"weights")
    (tmp_path / LOCAL_MANIFEST).write_text(
        f"""
[[model]]
name = "gemma-3n-e2b-it-vision-q4_0"
file = "{made.name}"
size = {made.stat().st_size}
sha256 = "{sha256_of(made)}"

[[model]]
name = "my-own-model"
file = "mine.gguf"
sha256 = "ab"
"""
    )
    entries = {e.name: e for e in load_manifests(manifest, tmp_path)}
    converted = entries["gemma-3n-e2b-it-vision-q4_0"]
    assert converted.pinned and converted.convert == "gemma3n-e2b"
    assert converted.projector == "mmproj-gemma-3n-e2b-it-f16"  # the pairing stays
    check_against(converted, made)
    assert "my-own-model" in entries
    made.write_bytes(b"GGUFothers!")  # same size, other content: refused like any download
    with pytest.raises(ModelFileError, match="sha256"):
        check_against(converted, made)


def test_an_unreadable_local_manifest_is_ignored(tmp_path: Path) -> None:
    manifest = tmp_path / "manifest.toml"
    manifest.write_text(REPOSITORY)
    (tmp_path / LOCAL_MANIFEST).write_text("[[model]\nbroken")
    entries = load_manifests(manifest, tmp_path)
    assert entries[0].name == "gemma-3n-e2b-it-vision-q4_0"
    assert not entries[0].pinned
