"""Run llama.cpp's ``convert_hf_to_gguf.py`` with two fixes to its Gemma 3n projector export.

Run with the maker venv's Python, the converter's own arguments after the llama.cpp folder::

    <maker venv>/bin/python models/convert/gemma3n_fixes.py <llama.cpp> <model dir> --mmproj ...

The converter of llama-cpp-python 0.3.36 (llama.cpp 0c1e57098, ``Gemma3nVisionAudioModel`` in
``conversion/gemma.py``) cannot make a Gemma 3n projector that its own runtime loads. Both
faults were found by the self-test (``make gemma3n-vision-selftest``), which converts a
checkpoint with transformers' and timm's real tensor names and shapes:

1. It exports the audio tower too, but its tensor map has no name for the audio tower's
   ``subsample_conv_projection.conv_{0,1}.norm.weight``, which every Gemma 3n checkpoint has
   (transformers' ``Gemma3nAudioCumulativeGroupNorm.weight``): ``--mmproj`` stops with "Can not
   map tensor". The runtime would not use that tower anyway: clip.cpp skips it for a
   ``gemma3nv`` projector ("we don't support audio for Gemma 3N"). Fix: the audio tower is left
   out (its tensors are skipped, no ``clip.audio.*`` / ``clip.has_audio_encoder`` keys are
   written): a vision-only projector, ~0.6 GB instead of ~2 GB.
2. MobileNet-V5's block layer scales (``blocks.N.M.layer_scale.gamma``, timm's
   ``LayerScale2d``: one value per channel) are written as 1-D tensors: the converter reshapes
   ``layer_scale.gamma`` to ``[1, C, 1, 1]`` only on its path for tensors outside the blocks,
   and its path for block tensors returns before that. clip.cpp multiplies a ``[W, H, C, B]``
   activation by the scale, and ggml aborts the process (``GGML_ASSERT(ggml_can_repeat(b,
   a))``) when the projector is loaded. Fix: block layer scales get the same ``[1, C, 1, 1]``
   shape the converter gives every other ``layer_scale.gamma``.

Everything else (tensor names, types, every vision key) is the converter's own. The text model
is converted by the unchanged script.
"""

from __future__ import annotations

import runpy
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

AUDIO_KEYS = ("clip.audio.", "clip.has_audio_encoder")
BLOCKS = "model.vision_tower.timm_model.blocks."


def patch(model_class: Any, is_audio_tensor: Callable[[str], bool]) -> None:
    """Make `model_class` (Gemma3nVisionAudioModel) write a loadable, vision-only projector."""
    original_init = model_class.__init__
    original_parameters = model_class.set_gguf_parameters
    original_modify = model_class.modify_tensors

    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        original_init(self, *args, **kwargs)  # sized for both towers, as the converter expects
        self.has_audio_encoder = False

    def set_gguf_parameters(self: Any) -> None:
        original_parameters(self)
        for keys in self.gguf_writer.kv_data:  # one dict of keys per output file
            for key in [key for key in keys if key.startswith(AUDIO_KEYS)]:
                del keys[key]

    def modify_tensors(self: Any, data: Any, name: str, bid: int | None) -> Iterable[Any]:
        if is_audio_tensor(name):
            return ()
        if name.startswith(BLOCKS) and name.endswith(".layer_scale.gamma") and data.dim() == 1:
            data = data.unsqueeze(0).unsqueeze(-1).unsqueeze(-1)  # [1, C, 1, 1]
        return original_modify(self, data, name, bid)  # type: ignore[no-any-return]

    model_class.__init__ = __init__
    model_class.set_gguf_parameters = set_gguf_parameters
    model_class.modify_tensors = modify_tensors


def main(argv: list[str]) -> None:
    llama_cpp = Path(argv[0]).resolve()
    sys.path[:0] = [str(llama_cpp), str(llama_cpp / "gguf-py")]
    from conversion import gemma  # type: ignore[import-not-found]

    patch(gemma.Gemma3nVisionAudioModel, gemma.ConformerAudioModel.is_audio_tensor)
    script = llama_cpp / "convert_hf_to_gguf.py"
    sys.argv = [str(script), *argv[1:]]
    runpy.run_path(str(script), run_name="__main__")


if __name__ == "__main__":
    main(sys.argv[1:])
