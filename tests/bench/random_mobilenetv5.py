"""Gemma 3n's vision projector (MobileNet-V5-300M + embedder) as a random-weight mmproj GGUF.

The shapes are ported from timm's ``mobilenetv5_300m_enc`` (``timm/models/mobilenetv5.py``,
``_gen_mobilenet_v5``, huggingface/pytorch-image-models at aa4b5850c154, the vision tower that
Gemma 3n's ``TimmWrapperModel`` loads; the same block list as mlx-vlm's ``gemma3n/vision.py``,
which loads the released weights): a 64-channel stem (3x3, stride 2, with bias), then
- stage 0: 3 edge-residual blocks (3x3 expansion x4, 128 channels);
- stage 1: 5 universal-inverted-residual (UIR) blocks, 256 channels;
- stage 2: 9 UIR blocks, then 14 pairs of multi-query attention (12 heads of 64, keys and values
  downsampled by a stride-2 depthwise 3x3) and UIR, 640 channels;
- stage 3: 1 UIR block, then 19 pairs of attention (16 heads of 96, no downsampling) and UIR,
  1280 channels;
- the multi-scale fusion adapter (MSFA): the ends of stages 2 and 3 concatenated (640 + 1280),
  a UIR feed-forward (x2 expansion) to 2048 channels, pooled to 16x16 = 256 image tokens;
- Gemma 3n's embedder (``model.embed_vision``): RMS norm, then a 2048 -> text-width projection.
The first block of every stage has stride 2; norms are RMS norms (timm's ``RmsNorm2d``), with
only a weight. The vision tower has 294,126,912 parameters (timm's count; keras-hub quotes
294,284,096 for its port), the embedder 4.5 M more at the E2B text width 2048.

The file is what llama.cpp's converter (``Gemma3nVisionAudioModel``, F16 output) writes, read
from the vendored sources of llama-cpp-python 0.3.36: architecture ``clip``, projector type
``gemma3nv``, image size 768, patch size 768 // 256 = 3, image mean 0 and std 1; the stem's
weight and bias in F32, every ``layer_scale.gamma`` in F32 (it and the bias reshaped to
[1, C, 1, 1]), one-dimensional tensors (norms) in F32, every other weight in F16. Values:
weights normal(0, 0.02), norms 1, layer scales 1e-5 (timm's initial value).
Deviation: the real file also holds the audio encoder (a Conformer, ``clip.has_audio_encoder``),
which mtmd skips for ``gemma3nv`` (``clip_init``: "we don't support audio for Gemma 3N"); it is
left out here.

`TINY` has the same tensor kinds and block types (edge residual, UIR with and without each
depthwise conv, attention with and without key/value downsampling, MSFA, embedder) with narrow
channels and few blocks. Its output width must equal the text model's: for ``gemma3nv``
llama.cpp takes the projector's output width from ``mm.input_projection``'s input side
(``clip_n_mmproj_embd``), which is the vision width, and refuses a pair whose widths differ
(tried: "mismatch between text model (n_embd = 128) and mmproj (n_embd = 64)"). E2B's widths
are both 2048; a real E4B (text 2560) would be refused the same way by this llama.cpp.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import gguf

from tests.bench.gguf_random import TensorSpec, write_gguf

ARCH_NAME = gguf.MODEL_ARCH_NAMES[gguf.MODEL_ARCH.MMPROJ]  # "clip"
LAYER_SCALE_INIT = 1e-5  # timm's layer_scale_init_value for MobileNet-V5
EMBED_VOCAB = 128  # vision_config.vocab_size: mm.embedding, unused for images by llama.cpp


@dataclass(frozen=True)
class EdgeResidual:
    out: int
    exp: float = 4.0
    kernel: int = 3


@dataclass(frozen=True)
class InvertedResidual:
    """timm's UniversalInvertedResidual: optional depthwise start and middle convolutions."""

    out: int
    start: int  # dw_kernel_size_start, 0 for none
    mid: int  # dw_kernel_size_mid, 0 for none
    exp: float


@dataclass(frozen=True)
class Attention:
    """timm's MobileAttention with MultiQueryAttention2d: many query heads, one key/value head."""

    heads: int
    dim: int  # key_dim = value_dim
    kv_stride: int
    kernel: int = 3


Block = EdgeResidual | InvertedResidual | Attention


@dataclass(frozen=True)
class VisionArch:
    label: str
    stem: int
    stages: tuple[tuple[Block, ...], ...]
    n_embd: int  # MSFA output channels: the vision hidden size
    msfa_exp: float = 2.0
    image_size: int = 768
    image_tokens: int = 256

    def as_dict(self) -> dict[str, Any]:
        """Every field, with each block's type named (for a build recipe)."""
        stages = [[[type(b).__name__, asdict(b)] for b in stage] for stage in self.stages]
        return {**asdict(self), "stages": stages}


def _ir(out: int, start: int, mid: int, exp: float) -> InvertedResidual:
    return InvertedResidual(out, start, mid, exp)


E2B = VisionArch(
    label="MobileNet-V5-300M",
    stem=64,
    stages=(
        (EdgeResidual(128),) * 3,
        (_ir(256, 3, 5, 6), *(_ir(256, k, 0, 4) for k in (5, 3, 5, 3))),
        (
            _ir(640, 5, 5, 6),
            *(_ir(640, 5, 0, 4),) * 7,
            _ir(640, 0, 0, 1),
            *(Attention(12, 64, 2), _ir(640, 0, 0, 2)) * 14,
        ),
        (_ir(1280, 5, 5, 6), *(Attention(16, 96, 1), _ir(1280, 0, 0, 2)) * 19),
    ),
    n_embd=2048,
)
TINY = VisionArch(
    label="tiny MobileNet-V5",
    stem=8,
    stages=(
        (EdgeResidual(16, exp=2), EdgeResidual(16, exp=2)),
        (_ir(24, 3, 5, 2), _ir(24, 5, 0, 2)),
        (_ir(32, 5, 5, 2), _ir(32, 0, 0, 1), Attention(2, 16, 2), _ir(32, 0, 0, 2)),
        (_ir(48, 5, 5, 2), Attention(2, 16, 1), _ir(48, 0, 0, 2)),
    ),
    n_embd=64,
)


def make_divisible(value: float, divisor: int = 8) -> int:
    """timm's rounding of expanded channel counts."""
    rounded = max(divisor, int(value + divisor / 2) // divisor * divisor)
    return rounded + divisor if rounded < 0.9 * value else rounded


def _conv(name: str, out: int, inp: int, kernel: int = 1) -> TensorSpec:
    return TensorSpec(name, (out, inp, kernel, kernel))


def _norm(name: str, size: int) -> TensorSpec:
    return TensorSpec(name, (size,), fill=1.0, f32=True)


def _scale(name: str, size: int) -> TensorSpec:
    return TensorSpec(name, (1, size, 1, 1), fill=LAYER_SCALE_INIT, f32=True)


def block_tensors(block: Block, prefix: str, inp: int) -> list[TensorSpec]:
    """A block's tensors under `prefix` ("v.blk.{stage}.{index}."), `inp` input channels."""
    p = prefix
    if isinstance(block, EdgeResidual):
        mid = make_divisible(inp * block.exp)
        return [
            _conv(p + "conv_exp.weight", mid, inp, block.kernel),
            _norm(p + "bn1.weight", mid),
            _conv(p + "conv_pwl.weight", block.out, mid),
            _norm(p + "bn2.weight", block.out),
        ]
    if isinstance(block, InvertedResidual):
        mid = make_divisible(inp * block.exp)
        specs = []
        if block.start:
            specs += [_conv(p + "dw_start.conv.weight", inp, 1, block.start)]
            specs += [_norm(p + "dw_start.bn.weight", inp)]
        specs += [_conv(p + "pw_exp.conv.weight", mid, inp), _norm(p + "pw_exp.bn.weight", mid)]
        if block.mid:
            specs += [_conv(p + "dw_mid.conv.weight", mid, 1, block.mid)]
            specs += [_norm(p + "dw_mid.bn.weight", mid)]
        specs += [_conv(p + "pw_proj.conv.weight", block.out, mid)]
        return [
            *specs,
            _norm(p + "pw_proj.bn.weight", block.out),
            _scale(p + "layer_scale.gamma", block.out),
        ]
    specs = [_norm(p + "norm.weight", inp)]
    specs += [_conv(p + "attn.query.proj.weight", block.heads * block.dim, inp)]
    for part in ("key", "value"):
        if block.kv_stride > 1:
            specs += [_conv(f"{p}attn.{part}.down_conv.weight", inp, 1, block.kernel)]
            specs += [_norm(f"{p}attn.{part}.norm.weight", inp)]
        specs += [_conv(f"{p}attn.{part}.proj.weight", block.dim, inp)]
    specs += [_conv(p + "attn.output.proj.weight", inp, block.heads * block.dim)]
    return [*specs, _scale(p + "layer_scale.gamma", inp)]


def block_out(block: Block, inp: int) -> int:
    return inp if isinstance(block, Attention) else block.out


def vision_tower_tensors(arch: VisionArch) -> list[TensorSpec]:
    """Stem, blocks and MSFA: timm's MobileNetV5Encoder."""
    specs = [
        TensorSpec("v.conv_stem.conv.weight", (arch.stem, 3, 3, 3), f32=True),
        TensorSpec("v.conv_stem.conv.bias", (1, arch.stem, 1, 1), f32=True),
        _norm("v.conv_stem.bn.weight", arch.stem),
    ]
    channels, stage_ends = arch.stem, []
    for stage, blocks in enumerate(arch.stages):
        for index, block in enumerate(blocks):
            specs += block_tensors(block, f"v.blk.{stage}.{index}.", channels)
            channels = block_out(block, channels)
        stage_ends.append(channels)
    fused = stage_ends[-2] + stage_ends[-1]
    mid = make_divisible(fused * arch.msfa_exp)
    return [
        *specs,
        _conv("v.msfa.ffn.pw_exp.conv.weight", mid, fused),
        _norm("v.msfa.ffn.pw_exp.bn.weight", mid),
        _conv("v.msfa.ffn.pw_proj.conv.weight", arch.n_embd, mid),
        _norm("v.msfa.ffn.pw_proj.bn.weight", arch.n_embd),
        _norm("v.msfa.norm.weight", arch.n_embd),
    ]


def embedder_tensors(arch: VisionArch, n_embd_text: int) -> list[TensorSpec]:
    """Gemma 3n's ``embed_vision``; llama.cpp uses the soft norm and the projection."""
    return [
        TensorSpec("mm.embedding.weight", (EMBED_VOCAB, arch.n_embd)),
        _norm("mm.hard_emb_norm.weight", arch.n_embd),
        _norm("mm.soft_emb_norm.weight", arch.n_embd),
        TensorSpec("mm.input_projection.weight", (n_embd_text, arch.n_embd)),
    ]


def tensor_specs(arch: VisionArch, n_embd_text: int) -> list[TensorSpec]:
    return vision_tower_tensors(arch) + embedder_tensors(arch, n_embd_text)


def add_metadata(writer: gguf.GGUFWriter, arch: VisionArch, n_embd_text: int) -> None:
    """MmprojModel.set_gguf_parameters and Gemma3nVisionAudioModel's vision keys."""
    writer.add_type(gguf.GGUFType.MMPROJ)
    writer.add_name(f"Gemma 3n {arch.label} random weights")
    writer.add_description("Real Gemma 3n vision projector shapes, random weights: for tests")
    writer.add_quantization_version(gguf.GGML_QUANT_VERSION)
    writer.add_file_type(gguf.LlamaFileType.MOSTLY_F16)
    writer.add_clip_has_vision_encoder(True)
    writer.add_vision_projection_dim(n_embd_text)
    writer.add_vision_image_size(arch.image_size)
    writer.add_vision_patch_size(arch.image_size // arch.image_tokens)
    writer.add_vision_embedding_length(arch.n_embd)
    writer.add_vision_feed_forward_length(arch.n_embd * 4)
    writer.add_vision_block_count(128)  # the converter's placeholder; MobileNet has no layers
    writer.add_vision_head_count(8)
    writer.add_vision_image_mean([0.0, 0.0, 0.0])
    writer.add_vision_image_std([1.0, 1.0, 1.0])
    writer.add_clip_vision_projector_type(gguf.VisionProjectorType.GEMMA3NV)
    writer.add_vision_attention_layernorm_eps(1e-6)


def projector_recipe(arch: VisionArch, n_embd_text: int, seed: int) -> dict[str, Any]:
    return {
        "kind": "gemma3n-mmproj",
        "format": 1,
        "arch": arch.as_dict(),
        "n_embd_text": n_embd_text,
        "seed": seed,
    }


def write_projector(path: Path, arch: VisionArch, n_embd_text: int, seed: int) -> None:
    """The F16 mmproj file for a text model `n_embd_text` wide."""

    def metadata(writer: gguf.GGUFWriter) -> None:
        add_metadata(writer, arch, n_embd_text)

    specs = tensor_specs(arch, n_embd_text)
    recipe = projector_recipe(arch, n_embd_text, seed)
    write_gguf(path, ARCH_NAME, specs, seed, metadata, recipe)
