"""Write a random-weight Hugging Face checkpoint of Gemma 3n for the self-test.

The real google/gemma-3n-E2B-it cannot be downloaded where the tool is developed, so the
self-test converts a checkpoint of the same kind: ``config.json`` of a
``Gemma3nForConditionalGeneration`` (transformers 4.57.6, the converter's pin), bf16
safetensors shards with the names and shapes that transformers' model has, an index, and the
tokenizer and preprocessor files. The vision tower is the real one (timm's
``mobilenetv5_300m_enc``, ~300 M parameters), the audio tower too (~685 M), and the vocabulary
is the real size (262,400 embedding rows, 262,144 per-layer-input rows, the real SentencePiece
model). Only the text decoder is smaller by default (`SMALL_TEXT`): fewer and narrower layers,
so the self-test takes minutes; ``--text e2b`` writes E2B's real text decoder (5 B parameters
in all).

The model is built on PyTorch's meta device (no memory), and each tensor's values are drawn
and written in chunks straight into the shard files: normal(0, 0.02) for weights, ones for the
weights of normalisation layers, zeros for biases. Runs in the maker venv (torch, transformers,
timm; see `placeholder_torchvision`).

    <maker venv>/bin/python -m models.convert.selftest.checkpoint --out DIR \\
        --vocab-gguf gemma-3-270m.gguf --gguf-py <llama.cpp>/gguf-py
"""

from __future__ import annotations

import argparse
import json
import logging
import struct
import sys
import time
import zlib
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np

from . import placeholder_torchvision, tokenizer

_LOGGER = logging.getLogger(__name__)

WEIGHT_STD = 0.02
CHUNK = 1 << 24  # values drawn at a time
SHARD_BYTES = 2 << 30
E2B_TEXT: dict[str, Any] = {  # google/gemma-3n-E2B-it text_config (differences from E4B)
    "hidden_size": 2048,
    "intermediate_size": 8192,
    "num_hidden_layers": 30,
    "num_kv_shared_layers": 10,
    "layer_types": (["sliding_attention"] * 4 + ["full_attention"]) * 6,
    "activation_sparsity_pattern": [0.95] * 10 + [0.0] * 20,
}
SMALL_TEXT: dict[str, Any] = {  # E2B's widths and vocabulary, 4 of its 30 layers
    **E2B_TEXT,
    "num_hidden_layers": 4,
    "num_kv_shared_layers": 2,
    "layer_types": ["sliding_attention", "full_attention"] * 2,
    "activation_sparsity_pattern": [0.95, 0.95, 0.0, 0.0],
}
PREPROCESSOR = {  # the keys of Gemma 3n's preprocessor_config.json that the converter reads
    "processor_class": "Gemma3nProcessor",
    "image_processor_type": "SiglipImageProcessorFast",
    "size": {"height": 768, "width": 768},
    "image_seq_length": 256,
    "do_normalize": False,
    "do_rescale": True,
    "rescale_factor": 1 / 255,
    "image_mean": [0.5, 0.5, 0.5],
    "image_std": [0.5, 0.5, 0.5],
    "feature_extractor_type": "Gemma3nAudioFeatureExtractor",
    "feature_size": 128,
    "sampling_rate": 16000,
}


def build_meta_model(text: dict[str, Any]) -> tuple[Any, Any]:
    """(config, model on the meta device) of Gemma3nForConditionalGeneration."""
    placeholder_torchvision.install()
    import torch  # type: ignore[import-not-found]
    from transformers import (  # type: ignore[import-not-found]
        Gemma3nConfig,
        Gemma3nForConditionalGeneration,
    )

    config = Gemma3nConfig(text_config=text)
    config.architectures = ["Gemma3nForConditionalGeneration"]
    config.torch_dtype = "bfloat16"
    with torch.device("meta"):
        model = Gemma3nForConditionalGeneration(config)
    return config, model


def tensor_plan(model: Any) -> list[tuple[str, tuple[int, ...], str]]:
    """(name, shape, fill) of every tensor the checkpoint stores, in state_dict order."""
    owners = {}
    for module_name, module in model.named_modules():
        for param_name, _ in module.named_parameters(recurse=False):
            owners[f"{module_name}.{param_name}" if module_name else param_name] = module
    plan = []
    for name, tensor in model.state_dict().items():
        if name == "lm_head.weight":
            continue  # tied to the token embeddings; Google's checkpoint does not store it
        owner = type(owners[name]).__name__ if name in owners else ""
        if name.endswith("bias"):
            fill = "zeros"
        elif "Norm" in owner and tensor.dim() == 1:
            fill = "ones"
        else:
            fill = "normal"
        plan.append((name, tuple(int(size) for size in tensor.shape), fill))
    return plan


def bf16_bytes(values: np.ndarray[Any, np.dtype[np.float32]]) -> bytes:
    """float32 -> bfloat16 (round to nearest even), as raw little-endian bytes."""
    bits = values.view(np.uint32)
    rounded = (bits + 0x7FFF + ((bits >> 16) & 1)) >> 16
    return rounded.astype("<u2").tobytes()


def write_values(out: BinaryIO, name: str, count: int, fill: str, seed: int) -> None:
    if fill != "normal":
        block = bf16_bytes(np.full(min(count, CHUNK), 1.0 if fill == "ones" else 0.0, np.float32))
        for start in range(0, count, CHUNK):
            out.write(block[: 2 * min(CHUNK, count - start)])
        return
    rng = np.random.default_rng([seed, zlib.crc32(name.encode())])
    for start in range(0, count, CHUNK):
        values = rng.standard_normal(min(CHUNK, count - start), dtype=np.float32)
        out.write(bf16_bytes(values * np.float32(WEIGHT_STD)))


def write_shards(out_dir: Path, plan: list[tuple[str, tuple[int, ...], str]], seed: int) -> int:
    """bf16 safetensors shards of at most ~SHARD_BYTES and their index; returns total bytes."""
    shards: list[list[tuple[str, tuple[int, ...], str]]] = [[]]
    size = 0
    for item in plan:
        nbytes = 2 * int(np.prod(item[1], dtype=np.int64))
        if shards[-1] and size + nbytes > SHARD_BYTES:
            shards.append([])
            size = 0
        shards[-1].append(item)
        size += nbytes
    weight_map: dict[str, str] = {}
    total = 0
    for number, shard in enumerate(shards, start=1):
        file_name = f"model-{number:05d}-of-{len(shards):05d}.safetensors"
        total += write_safetensors(out_dir / file_name, shard, seed)
        weight_map |= {name: file_name for name, _, _ in shard}
    index = {"metadata": {"total_size": total}, "weight_map": weight_map}
    (out_dir / "model.safetensors.index.json").write_text(json.dumps(index, indent=2) + "\n")
    return total


def write_safetensors(path: Path, items: list[tuple[str, tuple[int, ...], str]], seed: int) -> int:
    header: dict[str, Any] = {"__metadata__": {"format": "pt"}}
    offset = 0
    for name, shape, _ in items:
        nbytes = 2 * int(np.prod(shape, dtype=np.int64))
        header[name] = {
            "dtype": "BF16",
            "shape": list(shape),
            "data_offsets": [offset, offset + nbytes],
        }
        offset += nbytes
    encoded = json.dumps(header, separators=(",", ":")).encode()
    encoded += b" " * (-len(encoded) % 8)
    with path.open("wb") as out:
        out.write(struct.pack("<Q", len(encoded)) + encoded)
        for name, shape, fill in items:
            write_values(out, name, int(np.prod(shape, dtype=np.int64)), fill, seed)
    _LOGGER.info("Wrote %s (%.2f GB)", path.name, path.stat().st_size / 1e9)
    return offset


def write_checkpoint(out_dir: Path, vocab_gguf: Path, text: dict[str, Any], seed: int) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    config, model = build_meta_model(text)
    plan = tensor_plan(model)
    counts: dict[str, int] = {}
    for name, shape, _ in plan:
        part = name.split(".")[1] if name.startswith("model.") else name
        counts[part] = counts.get(part, 0) + int(np.prod(shape, dtype=np.int64))
    _LOGGER.info("Parameters: %s", ", ".join(f"{k} {v / 1e6:.1f} M" for k, v in counts.items()))
    config.to_json_file(out_dir / "config.json")
    (out_dir / "preprocessor_config.json").write_text(json.dumps(PREPROCESSOR, indent=2) + "\n")
    tokenizer.write_tokenizer_files(out_dir, vocab_gguf)
    total = write_shards(out_dir, plan, seed)
    _LOGGER.info(
        "Checkpoint %s: %.2f GB in %.0f s", out_dir, total / 1e9, time.monotonic() - started
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--vocab-gguf", type=Path, required=True, help="a Gemma SentencePiece GGUF")
    parser.add_argument("--gguf-py", type=Path, required=True, help="llama.cpp's gguf-py folder")
    parser.add_argument("--text", choices=("small", "e2b"), default="small")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    sys.path.insert(0, str(args.gguf_py))
    write_checkpoint(
        args.out, args.vocab_gguf, E2B_TEXT if args.text == "e2b" else SMALL_TEXT, args.seed
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
