"""Scenes for the camera: real photos with what the vest must say about each.

The simulated vest sees the photo file; on the bench the same photo is shown on a screen (or a
printed card) in front of the camera. Expectations come from tests/data/scenes.toml, the set the
vision tests use, and stay loose enough for a photo of a screen: a person is named, or not; some
of the page's words are read.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from tests.conftest import REPO
from vestsight.camera.photos import skimage_photo_dir


@dataclass(frozen=True)
class Scene:
    name: str
    photo: Path
    people: int
    words: tuple[str, ...] = ()
    spoken_en: str = ""

    @property
    def command_button(self) -> str:
        """Read text for a page, what's ahead otherwise."""
        return "x" if self.words else "y"


def load_scenes(path: Path = REPO / "tests" / "data" / "scenes.toml") -> dict[str, Scene]:
    table = tomllib.loads(path.read_text(encoding="utf-8"))
    return {
        name: Scene(
            name,
            skimage_photo_dir() / entry["photo"],
            int(entry.get("people", 0)),
            tuple(entry.get("words", ())),
            entry.get("spoken_en", ""),
        )
        for name, entry in table.items()
    }


SCENES = load_scenes()

BENCH_SCENES = ("astronaut", "chelsea", "page")
"""The scenes each bench run shows: a person, an animal and no person, a page of text."""
