"""What can go wrong in the fast vision path, each with the phrase the wearer hears.

Every fault is a `VisionError` whose ``phrase`` names its sentence in the language files; its
``spoken`` is the English one, and `Phrases.spoken` gives it in the wearer's language.
"""

from __future__ import annotations

import functools

from ..errors import VisionError
from ..phrases import Phrases


@functools.cache
def _english() -> Phrases:
    return Phrases("en")


class VisionFault(VisionError):
    phrase = "vision_timeout"
    """Key of the wearer's sentence in the language files' [phrases]."""
    phrase_table = "phrases"

    def __init__(self, message: str, *, advice: str = "", phrase: str | None = None) -> None:
        phrase = phrase or self.phrase
        super().__init__(message, advice=advice, spoken=_english().say(phrase), phrase=phrase)


class FrameRejected(VisionFault):
    """A frame of the wrong type or size: not H x W x 3 bytes, or too small to look at."""

    phrase = "vision_bad_frame"


class VisionTimeout(VisionFault):
    """No detector answered within the time allowed."""

    phrase = "vision_timeout"


class ModelMissing(VisionFault):
    phrase = "objects_missing"


class ModelDamaged(VisionFault):
    phrase = "objects_damaged"
