"""The SD image carries the seeing pair when the maker made it, and the text-only model if not.

Exercises image-build's model step (`vsimage.app`: which models, copied and checked, the local
manifest beside them, ``llm.model_path`` in the card's config) on a models folder with stand-in
files recorded as `make gemma3n-vision` records them. No image is built.
"""

from __future__ import annotations

import hashlib
import sys
import tomllib
from dataclasses import replace
from pathlib import Path

import pytest
from models.convert.local_manifest import LocalEntry, record
from models.convert.recipes import DEFAULT_QUANTS, RECIPES

from tests.conftest import REPO
from vestsight.llm.manifest import LOCAL_MANIFEST, load_manifests

if str(REPO / "image-build") not in sys.path:
    sys.path.insert(0, str(REPO / "image-build"))

from vsimage import app
from vsimage.config import load_config
from vsimage.util import BuildError

E2B = RECIPES["e2b"]
VISION_Q4_0 = E2B.text_entry(DEFAULT_QUANTS[0])
MANIFEST = REPO / "models" / "manifest.toml"


def make_pair(folder: Path) -> None:
    made = [(E2B.projector_entry, E2B.projector_file, "")]
    made += [(E2B.text_entry(q), E2B.text_file(q), E2B.projector_entry) for q in DEFAULT_QUANTS]
    entries = []
    for name, file, projector in made:
        data = f"GGUF {name}".encode()
        (folder / file).write_bytes(data)
        digest = hashlib.sha256(data).hexdigest()
        entries.append(LocalEntry(name, file, len(data), digest, E2B.name, "x", "hf@c0", projector))
    record(folder, entries)


def config_with(models: str | tuple[str, ...]):  # type: ignore[no-untyped-def]
    config = load_config("full")
    return replace(config, profile=replace(config.profile, models=models))


def test_the_default_models_are_the_seeing_pair_once_made(tmp_path: Path) -> None:
    config = config_with("default")
    listed = load_manifests(MANIFEST, tmp_path)
    defaults = [entry.name for entry in listed if entry.default]
    assert "gemma-3n-e2b-it-q4_k_m" in defaults
    assert app.model_names(config, listed, tmp_path) == defaults
    make_pair(tmp_path)
    listed = load_manifests(MANIFEST, tmp_path)
    others = [name for name in defaults if name != "gemma-3n-e2b-it-q4_k_m"]
    assert app.model_names(config, listed, tmp_path) == [VISION_Q4_0, E2B.projector_entry, *others]


def test_a_named_model_brings_its_projector(tmp_path: Path) -> None:
    listed = load_manifests(MANIFEST, tmp_path)
    names = app.model_names(config_with(("gemma-4-e2b-it-q4_0",)), listed, tmp_path)
    assert names == ["gemma-4-e2b-it-q4_0", "mmproj-gemma-4-e2b-it-q8_0"]
    ci = app.model_names(load_config("ci"), listed, tmp_path)
    assert ci == ["gemma-3-270m-q4_k_m"]


def test_the_card_carries_the_pair_its_digests_and_points_at_the_model(tmp_path: Path) -> None:
    models, root = tmp_path / "models", tmp_path / "root"
    models.mkdir()
    make_pair(models)
    config = config_with((VISION_Q4_0,))
    copied = app.install_models(config, root, models)
    card = root / "opt/vestsight/models"
    assert [(item["file"], item["kind"]) for item in copied] == [
        (E2B.text_file(DEFAULT_QUANTS[0]), "model"), (E2B.projector_file, "projector"),
    ]  # fmt: skip
    for item in copied:
        assert hashlib.sha256((card / item["file"]).read_bytes()).hexdigest() == item["sha256"]
    local = tomllib.loads((card / LOCAL_MANIFEST).read_text())["model"]
    assert sorted(item["name"] for item in local) == sorted([VISION_Q4_0, E2B.projector_entry])
    on_card = {entry.name: entry for entry in load_manifests(MANIFEST, card)}
    assert on_card[VISION_Q4_0].sha256 == copied[0]["sha256"]  # the worker can check it there
    text = app.card_config(config, copied, "test")
    assert f'model_path = "/opt/vestsight/models/{E2B.text_file(DEFAULT_QUANTS[0])}"' in text
    assert E2B.projector_file not in text


def test_a_damaged_or_unmade_pair_stops_the_build(tmp_path: Path) -> None:
    config = config_with((VISION_Q4_0,))
    with pytest.raises(BuildError, match="make gemma3n-vision"):
        app.install_models(config, tmp_path / "root", tmp_path)
    make_pair(tmp_path)
    (tmp_path / E2B.projector_file).write_bytes(b"GGUF other bytes!!")
    with pytest.raises(BuildError, match=E2B.projector_file):
        app.install_models(config, tmp_path / "root", tmp_path)
