"""Recording what the conversion made, and what `make models` does with or without a token.

No download and no converter: the local manifest, the repository manifest's converted entries,
``make models``' choice of files, and the token check and its message.
"""

from __future__ import annotations

import hashlib
import logging
import tomllib
from pathlib import Path

import pytest
from models.convert import __main__ as cli
from models.convert import pipeline
from models.convert.local_manifest import LocalEntry, record
from models.convert.recipes import DEFAULT_QUANTS, RECIPES, SDIST_VERSION, TEXT_ONLY_DEFAULT

from tests.conftest import REPO
from vestsight.errors import ModelFileError
from vestsight.llm.manifest import LOCAL_MANIFEST, load_manifest, load_manifests
from vestsight.modelstore import default_entries, fetch, main, verify

MANIFEST = REPO / "models" / "manifest.toml"
E2B = RECIPES["e2b"]


def make_pair(folder: Path, recipe=E2B) -> list[LocalEntry]:  # type: ignore[no-untyped-def]
    """Stand-in files for a made pair, recorded as the build records them."""
    folder.mkdir(parents=True, exist_ok=True)
    made = [(recipe.projector_entry, recipe.projector_file, "F16", "")]
    made += [(recipe.text_entry(q), recipe.text_file(q), q.label, recipe.projector_entry)
             for q in DEFAULT_QUANTS]  # fmt: skip
    entries = []
    for name, file, label, projector in made:
        data = f"GGUF {name}".encode()
        (folder / file).write_bytes(data)
        entries.append(LocalEntry(name, file, len(data), hashlib.sha256(data).hexdigest(),
                                  recipe.name, label, f"{recipe.repo}@abc", projector))  # fmt: skip
    record(folder, entries)
    return entries


def test_the_repository_manifest_lists_what_each_recipe_makes() -> None:
    entries = load_manifest(MANIFEST)
    by_name = {entry.name: entry for entry in entries}
    order = [entry.name for entry in entries]
    for recipe in RECIPES.values():
        projector = by_name[recipe.projector_entry]
        assert (projector.file, projector.convert, projector.pinned) == (
            recipe.projector_file, recipe.name, False)  # fmt: skip
        for quant in DEFAULT_QUANTS:
            entry = by_name[recipe.text_entry(quant)]
            assert entry.file == recipe.text_file(quant)
            assert (entry.convert, entry.projector) == (recipe.name, recipe.projector_entry)
            assert not entry.pinned and not entry.default and not entry.url
            # llm.model = "gemma-3n-e2b" takes the first entry found: the seeing one first
            text_only = f"gemma-3n-{recipe.variant}-it-{quant.label.lower()}"
            assert order.index(entry.name) < order.index(text_only)
    lock = (REPO / "requirements.lock").read_text()
    assert f"llama_cpp_python=={SDIST_VERSION}\n" in lock  # the converter is the runtime's


def test_the_local_manifest_completes_the_repository_entries(tmp_path: Path) -> None:
    made = make_pair(tmp_path)
    merged = {entry.name: entry for entry in load_manifests(MANIFEST, tmp_path)}
    for entry in made:
        listed = merged[entry.name]
        assert (listed.file, listed.size, listed.sha256) == (entry.file, entry.size, entry.sha256)
        assert listed.convert == "gemma3n-e2b"
        assert verify(listed, tmp_path) == tmp_path / entry.file
    assert merged[E2B.text_entry(DEFAULT_QUANTS[0])].projector == E2B.projector_entry
    names = [entry.name for entry in made]
    assert main(["verify", "--dest", str(tmp_path), *names]) == 0  # python -m vestsight.modelstore
    (tmp_path / made[0].file).write_bytes(b"GGUF damaged")
    assert main(["verify", "--dest", str(tmp_path), *names]) == 1


def test_recording_again_replaces_its_names_and_keeps_the_others(tmp_path: Path) -> None:
    make_pair(tmp_path / "models", RECIPES["e4b"])
    first = make_pair(tmp_path / "models")
    again = [LocalEntry(first[1].name, first[1].file, 1, "0" * 64, "gemma3n-e2b", "Q4_0", "x")]
    path = record(tmp_path / "models", again)
    names = [item["name"] for item in tomllib.loads(path.read_text())["model"]]
    assert sorted(names) == sorted(
        [RECIPES["e4b"].projector_entry, first[0].name, first[2].name, first[1].name]
        + [RECIPES["e4b"].text_entry(q) for q in DEFAULT_QUANTS]
    )
    assert names.count(first[1].name) == 1
    assert path.read_text().startswith("# Made by `make gemma3n-vision`")
    assert not path.with_name(LOCAL_MANIFEST + ".tmp").exists()


def test_make_models_fetches_the_text_only_model_only_without_a_seeing_one(tmp_path: Path) -> None:
    listed = load_manifests(MANIFEST, tmp_path)
    assert TEXT_ONLY_DEFAULT in [entry.name for entry in default_entries(listed, tmp_path)]
    make_pair(tmp_path)
    listed = load_manifests(MANIFEST, tmp_path)
    chosen = [entry.name for entry in default_entries(listed, tmp_path)]
    assert TEXT_ONLY_DEFAULT not in chosen
    assert "efficientdet-lite0-coco" in chosen  # the rest as before


def test_a_converted_entry_is_never_downloaded(tmp_path: Path) -> None:
    entries = {entry.name: entry for entry in load_manifests(MANIFEST, tmp_path)}
    with pytest.raises(ModelFileError, match="made by the maker's build") as caught:
        fetch(entries[E2B.text_entry(DEFAULT_QUANTS[0])], tmp_path, pin=True)
    assert "HF_TOKEN" in caught.value.advice and "make gemma3n-vision" in caught.value.advice
    make_pair(tmp_path)
    entries = {entry.name: entry for entry in load_manifests(MANIFEST, tmp_path)}
    made = entries[E2B.projector_entry]
    assert fetch(made, tmp_path) == tmp_path / made.file


def test_without_a_token_the_maker_is_told_what_to_do(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, tmp_path: Path
) -> None:
    for name in ("HF_TOKEN", "HUGGING_FACE_HUB_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    with caplog.at_level(logging.WARNING):
        assert cli.main(["token"]) == 1
    said = caplog.text
    assert "https://huggingface.co/google/gemma-3n-E2B-it" in said and "licence" in said
    assert "https://huggingface.co/settings/tokens" in said and "export HF_TOKEN=" in said
    assert "text-only" in said and "not from the image" in said
    opts = pipeline.Options(recipe=E2B, dest=tmp_path, work=tmp_path / "work", venv=tmp_path / "v")
    with pytest.raises(ModelFileError, match="No Hugging Face token"):
        pipeline.checkpoint(opts)
    monkeypatch.setenv("HUGGING_FACE_HUB_TOKEN", "hf_x")
    assert cli.main(["token", "--variant", "e4b"]) == 0


def test_a_made_pair_is_not_made_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))  # the digest cache
    make_pair(tmp_path / "models")
    opts = pipeline.Options(recipe=E2B, dest=tmp_path / "models", work=tmp_path / "work",
                            venv=tmp_path / "venv")  # fmt: skip

    def no_converter(work: Path) -> Path:
        raise AssertionError("the converter was fetched for a made pair")

    monkeypatch.setattr(pipeline.sdist, "converter_tree", no_converter)
    monkeypatch.setenv("HF_TOKEN", "hf_x")
    assert pipeline.make_vision(opts) == []
    (tmp_path / "models" / E2B.projector_file).write_bytes(b"GGUF damaged")
    with pytest.raises(AssertionError, match="converter was fetched"):
        pipeline.make_vision(opts)
