"""Check that a vision projector fits the loaded model before llama.cpp is given it.

llama.cpp's mtmd trusts the projector file: one made for another model, of another embedding
width, or cut short ends the worker on an assertion or reads past the end of the file. The
header says enough to refuse such a file with a reason the wearer can be told once; the model
then answers from the fast path's findings as text.
"""

from __future__ import annotations

from pathlib import Path

from ..errors import ModelFileError
from .gguf_header import read_header

PROJECTORS_FOR_ARCHITECTURE = {
    "gemma3n": ("gemma3nv",),
    "gemma4": ("gemma4v", "gemma4uv"),
    "gemma3": ("gemma3",),
}
"""Vision projector types (``clip.projector_type``) that each model architecture can take."""
INPUT_PROJECTION = "mm.input_projection.weight"


def check_projector(path: Path, architecture: str, embedding_width: int) -> None:
    """`ModelFileError` unless `path` is a whole vision projector for this model."""
    header = read_header(path)
    if header.get("general.architecture") != "clip":
        raise _unusable(
            path, f"it is not a projector (architecture {header.get('general.architecture')!r})"
        )
    if not header.get("clip.has_vision_encoder", False):
        raise _unusable(path, "it has no vision encoder")
    kind = str(header.get("clip.vision.projector_type") or header.get("clip.projector_type") or "")
    expected = PROJECTORS_FOR_ARCHITECTURE.get(architecture)
    if expected is not None and kind not in expected:
        raise _unusable(
            path,
            f"it is a {kind or 'unknown'} projector; a {architecture} model takes "
            + " or ".join(expected),
        )
    width = header.get("clip.vision.projection_dim")
    if isinstance(width, int) and width != embedding_width:
        raise _unusable(
            path, f"it makes {width}-wide embeddings; the model takes {embedding_width}"
        )
    # llama.cpp (llama-cpp-python 0.3.36) takes a Gemma 3n projector's output width from the
    # input side of its projection (the vision tower's width) and refuses the pair unless the
    # model is as wide. Gemma 3n E2B and E4B are both 2048 wide, as is MobileNet-V5; a projector
    # of another width would be refused inside llama.cpp with no reason given: say it here.
    projection = header.tensors.get(INPUT_PROJECTION)
    if kind == "gemma3nv" and projection is not None and projection.dims[0] != embedding_width:
        raise _unusable(
            path,
            f"its vision tower is {projection.dims[0]} wide and the model {embedding_width}; "
            "this llama.cpp needs them equal",
        )
    if missing := header.missing_bytes():
        raise ModelFileError(
            f"vision projector {path.name} is {missing} bytes short of its tensors",
            advice="the file is incomplete: copy or convert it again",
            spoken="the vision projector file is damaged",
            phrase="projector_damaged",
        )


def _unusable(path: Path, why: str) -> ModelFileError:
    return ModelFileError(
        f"vision projector {path.name} does not fit the model: {why}",
        advice="use the projector made for this model (models/manifest.toml pairs them)",
        spoken="the vision projector does not match the description model",
        phrase="projector_mismatch",
    )
