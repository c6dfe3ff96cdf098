"""What `make gemma3n-vision` makes for each Gemma 3n variant, and from what.

A recipe names Google's checkpoint on Hugging Face, the files it becomes (they are entries of
``models/manifest.toml`` with ``convert = <recipe name>``; ``tests/unit/test_convert_manifest.py``
keeps the two in step) and what the checks expect of them. Sizes are the plausible range of each
file: E2B's published text-only Q4_K_M is 3.03 GB and E4B's 4.54 GB; the vision projector is
MobileNet-V5 (~300 M parameters) in F16.
"""

from __future__ import annotations

from dataclasses import dataclass

SDIST_VERSION = "0.3.36"
"""llama-cpp-python, as requirements.lock pins it: its sdist carries the converter."""
SDIST_SHA256 = "832db0699007f1be95a7e41ef12e88926b02ba836461e36a36372db2760c1a2e"
"""sha256 of llama_cpp_python-0.3.36.tar.gz on PyPI."""

GB = 1_000_000_000
TEXT_VOCAB = 262_400
"""Gemma 3n's embedding rows: 262,144 text pieces and 256 image/audio ids above them."""
END_OF_IMAGE = "<end_of_image>"
END_OF_IMAGE_ID = 262_144
"""``Gemma3nConfig.eoi_token_id``: mtmd closes every image with this token."""
PROJECTOR_TYPE = "gemma3nv"


@dataclass(frozen=True)
class Quant:
    label: str
    """llama.cpp's name of the type, as in the file name."""
    ftype: int
    """``llama_ftype`` for llama_model_quantize."""


Q4_0 = Quant("Q4_0", 2)
Q4_K_M = Quant("Q4_K_M", 15)
QUANTS = {quant.label: quant for quant in (Q4_0, Q4_K_M)}


@dataclass(frozen=True)
class Recipe:
    name: str
    """``convert = ...`` of its manifest entries; ``make gemma3n-vision VARIANT=...``."""
    variant: str
    repo: str
    """Google's checkpoint on Hugging Face (gated: the maker accepts Gemma's licence)."""
    stem: str
    """File name stem, as the Hugging Face repository spells the model."""
    text_bytes: tuple[int, int] | None
    """Plausible size range of a 4-bit text model file (None: not checked)."""
    projector_bytes: tuple[int, int] | None
    work_bytes: int = 0
    """Disk the build needs at most: checkpoint, F16 intermediate and outputs."""
    n_embd: int = 2048
    """Width of the text model's embeddings (E2B and E4B), which the projector must output."""
    n_vocab: int = TEXT_VOCAB
    end_of_image_id: int = END_OF_IMAGE_ID

    def text_entry(self, quant: Quant) -> str:
        return f"gemma-3n-{self.variant}-it-vision-{quant.label.lower()}"

    def text_file(self, quant: Quant) -> str:
        return f"{self.stem}-vision-{quant.label}.gguf"

    @property
    def projector_entry(self) -> str:
        return f"mmproj-gemma-3n-{self.variant}-it-f16"

    @property
    def projector_file(self) -> str:
        return f"mmproj-{self.stem}-f16.gguf"

    @property
    def intermediate_file(self) -> str:
        """The text model in F16, quantized from; removed after the build unless kept."""
        return f"{self.stem}-F16.gguf"

    @property
    def page(self) -> str:
        return f"https://huggingface.co/{self.repo}"


RECIPES = {
    recipe.variant: recipe
    for recipe in (
        Recipe(
            name="gemma3n-e2b",
            variant="e2b",
            repo="google/gemma-3n-E2B-it",
            stem="gemma-3n-E2B-it",
            text_bytes=(int(2.3 * GB), int(3.8 * GB)),
            projector_bytes=(int(0.45 * GB), int(0.85 * GB)),
            work_bytes=30 * GB,
        ),
        Recipe(
            name="gemma3n-e4b",
            variant="e4b",
            repo="google/gemma-3n-E4B-it",
            stem="gemma-3n-E4B-it",
            text_bytes=(int(3.6 * GB), int(5.6 * GB)),
            projector_bytes=(int(0.45 * GB), int(0.85 * GB)),
            work_bytes=50 * GB,
        ),
    )
}
DEFAULT_VARIANT = "e2b"
DEFAULT_QUANTS = (Q4_0, Q4_K_M)
"""Q4_0 first: the vest's default (llama.cpp repacks it for the A76's dot-product kernels)."""

TEXT_ONLY_DEFAULT = "gemma-3n-e2b-it-q4_k_m"
"""The published text-only model ``make models`` fetches when no seeing model was made."""
