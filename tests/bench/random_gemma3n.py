"""Build a Gemma 3n GGUF with the real architecture and tensor shapes but random weights.

Why: the real Gemma 3n weights cannot be downloaded on the development machines, CI or here,
yet the worker must be measured on the real architecture (per-layer embeddings, AltUp, LAuReL,
KV sharing, sliding-window layers). llama.cpp's speed and memory do not depend on the weight
values, only on the shapes and the quantization types, so a file with the real shapes, the real
metadata and random values measures what the real model would cost. Its answers are gibberish.

How: the tensors and metadata keys are those that llama.cpp's converter (``Gemma3NModel`` in
``convert_hf_to_gguf``) writes for ``google/gemma-3n-E2B-it`` (or E4B) and that the vendored
llama.cpp of llama-cpp-python 0.3.36 requires (``llama_model_gemma3n::load_arch_tensors``):

1. An F16 GGUF is written with the ``gguf`` package, tensor by tensor and in chunks, so memory
   stays low although the file is ~9 GB: weights are normal(0, 0.02) in F16, norms are ones in
   F32, the AltUp coefficient matrices are F32, as the converter keeps them. Each tensor has its
   own generator seeded from ``--seed`` and its name, so the output is reproducible.
2. The tokenizer is the real Gemma 3 SentencePiece vocabulary (Gemma 3n uses the same 262,144
   pieces), read from the development model the project already ships (Gemma 3 270M), padded to
   Gemma 3n's 262,400 ids as the converter does; without that model a synthetic vocabulary with
   byte tokens is used (it tokenizes text into far more tokens than the real one).
3. llama.cpp's own quantizer (``llama_model_quantize`` through llama-cpp-python) turns it into
   Q4_0 (or another type), so the tensor type mix is exactly the one a real Q4_0 file has.

Usage::

    python -m tests.bench.random_gemma3n --out /tmp/gemma-3n-E2B-random-Q4_0.gguf
    python -m tests.bench.random_gemma3n --out /tmp/smoke.gguf --layers 4 --check
    python -m tests.bench.random_gemma3n --out /tmp/gemma-3n-E2B-random-Q4_0.gguf --check-only

``--check`` loads the result in a fresh process and generates a few tokens, printing the load
time, prompt and generation tokens/s and that process's peak RSS.
"""

from __future__ import annotations

import argparse
import ctypes
import importlib
import json
import logging
import os
import subprocess
import sys
import time
import zlib
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, BinaryIO

import gguf
import numpy as np

from tests.bench.process_memory import peak_rss_mb

_LOGGER = logging.getLogger(__name__)

ARCH = gguf.MODEL_ARCH.GEMMA3N
ARCH_NAME = gguf.MODEL_ARCH_NAMES[ARCH]
T = gguf.MODEL_TENSOR
WEIGHT_STD = 0.02
CHUNK_ELEMENTS = 1 << 25  # 32 Mi values (128 MiB as float32) generated at a time
QUANT_BUF_BYTES = 1 << 30  # rows llama.cpp's quantizer keeps in memory at once
# normal_dist.icdf(0.95), the std multiplier of the converter's activation_sparsity_scale
SPARSITY_STD_MUL_95 = 1.6448536269514722
TEXT_VOCAB = 262_144  # the SentencePiece model; ids above it are Gemma 3n's image/audio slots

# Gemma's turn format (<start_of_turn>user ... <end_of_turn>), as in the HF chat templates.
CHAT_TEMPLATE = (
    "{{ bos_token }}"
    "{%- if messages[0]['role'] == 'system' -%}"
    "{%- set first_user_prefix = messages[0]['content'] + '\n\n' -%}"
    "{%- set loop_messages = messages[1:] -%}"
    "{%- else -%}"
    "{%- set first_user_prefix = '' -%}"
    "{%- set loop_messages = messages -%}"
    "{%- endif -%}"
    "{%- for message in loop_messages -%}"
    "{%- set role = 'model' if message['role'] == 'assistant' else message['role'] -%}"
    "{{ '<start_of_turn>' + role + '\n' + (first_user_prefix if loop.first else '') }}"
    "{%- if message['content'] is string -%}"
    "{{ message['content'] | trim }}"
    "{%- else -%}"
    "{%- for item in message['content'] -%}"
    "{%- if item['type'] == 'text' -%}{{ item['text'] | trim }}{%- endif -%}"
    "{%- endfor -%}"
    "{%- endif -%}"
    "{{ '<end_of_turn>\n' }}"
    "{%- endfor -%}"
    "{%- if add_generation_prompt -%}{{ '<start_of_turn>model\n' }}{%- endif -%}"
)


@dataclass(frozen=True)
class Hparams:
    """Gemma 3n text hyperparameters (HF ``text_config`` of google/gemma-3n-E2B-it / E4B-it)."""

    label: str
    n_layer: int
    n_ff: int  # intermediate_size, the same for every layer
    n_kv_shared: int  # num_kv_shared_layers: the last layers reuse earlier layers' KV
    n_embd: int = 2048
    n_head: int = 8
    n_head_kv: int = 2
    head_dim: int = 256
    n_vocab: int = 262_400  # vocab_size; the converter pads the embeddings to it
    n_embd_altup: int = 256  # hidden_size_per_layer_input
    n_altup: int = 4  # altup_num_inputs
    altup_active_idx: int = 0
    laurel_rank: int = 64
    n_sparse_layers: int = 10  # activation_sparsity_pattern: 0.95 for the first 10 layers
    swa_period: int = 5  # layer_types: 4 sliding_attention, then 1 full_attention
    sliding_window: int = 512
    rope_base: float = 1_000_000.0
    rope_base_swa: float = 10_000.0
    rms_eps: float = 1e-6
    final_logit_softcap: float = 30.0
    n_ctx_train: int = 32_768  # max_position_embeddings

    def with_layers(self, n_layer: int) -> Hparams:
        """Fewer layers, for a quick smoke file; KV sharing still starts after the same layer."""
        n_own_kv = self.n_layer - self.n_kv_shared
        return replace(
            self,
            label=f"{self.label}-{n_layer}L",
            n_layer=n_layer,
            n_kv_shared=max(0, n_layer - n_own_kv),
            n_sparse_layers=min(self.n_sparse_layers, n_layer),
        )

    def swa_pattern(self) -> list[bool]:
        return [(i + 1) % self.swa_period != 0 for i in range(self.n_layer)]

    def sparsity_scale(self) -> list[float]:
        # The converter writes icdf(p): icdf(0.95) for sparse layers, icdf(0.0) = -inf otherwise.
        dense = float("-inf")
        return [
            SPARSITY_STD_MUL_95 if i < self.n_sparse_layers else dense for i in range(self.n_layer)
        ]


VARIANTS = {
    "e2b": Hparams(label="E2B", n_layer=30, n_ff=8192, n_kv_shared=10),
    "e4b": Hparams(label="E4B", n_layer=35, n_ff=16_384, n_kv_shared=15),
}

QUANT_FTYPES = {"q4_0": 2, "q8_0": 7, "q4_k_m": 15}  # llama_ftype: LLAMA_FTYPE_MOSTLY_*


@dataclass(frozen=True)
class TensorSpec:
    """One tensor to write; `shape` is numpy order, the reverse of ggml's `ne`."""

    name: str
    shape: tuple[int, ...]
    random: bool = True  # normal(0, WEIGHT_STD); otherwise ones (norm weights)
    f32: bool = False

    @property
    def dtype(self) -> type[np.floating[Any]]:
        return np.float32 if self.f32 else np.float16

    @property
    def n_elements(self) -> int:
        return int(np.prod(self.shape))

    @property
    def nbytes(self) -> int:
        return self.n_elements * np.dtype(self.dtype).itemsize


def _tname(tensor: gguf.MODEL_TENSOR, bid: int | None = None) -> str:
    if tensor not in gguf.MODEL_TENSORS[ARCH]:
        raise ValueError(f"{tensor.name} is not a gemma3n tensor in this gguf package")
    base = gguf.TENSOR_NAMES[tensor]
    return (base.format(bid=bid) if bid is not None else base) + ".weight"


def _norm(tensor: gguf.MODEL_TENSOR, size: int, bid: int | None = None) -> TensorSpec:
    return TensorSpec(_tname(tensor, bid), (size,), random=False, f32=True)


def global_tensors(hp: Hparams) -> list[TensorSpec]:
    per_layer = hp.n_embd_altup * hp.n_layer
    return [
        TensorSpec(_tname(T.TOKEN_EMBD), (hp.n_vocab, hp.n_embd)),
        TensorSpec(_tname(T.PER_LAYER_TOKEN_EMBD), (hp.n_vocab, per_layer)),
        TensorSpec(_tname(T.PER_LAYER_MODEL_PROJ), (per_layer, hp.n_embd)),
        _norm(T.PER_LAYER_PROJ_NORM, hp.n_embd_altup),
        TensorSpec(_tname(T.ALTUP_PROJ), (hp.n_altup - 1, hp.n_embd, hp.n_embd)),
        TensorSpec(_tname(T.ALTUP_UNEMBD_PROJ), (hp.n_altup - 1, hp.n_embd, hp.n_embd)),
        _norm(T.OUTPUT_NORM, hp.n_embd),
    ]


def block_tensors(hp: Hparams, bid: int) -> list[TensorSpec]:
    e, q, kv = hp.n_embd, hp.n_head * hp.head_dim, hp.n_head_kv * hp.head_dim
    a, r, n = hp.n_embd_altup, hp.laurel_rank, hp.n_altup
    return [
        _norm(T.ATTN_NORM, e, bid),
        TensorSpec(_tname(T.ATTN_Q, bid), (q, e)),
        TensorSpec(_tname(T.ATTN_K, bid), (kv, e)),
        TensorSpec(_tname(T.ATTN_V, bid), (kv, e)),
        TensorSpec(_tname(T.ATTN_OUT, bid), (e, q)),
        _norm(T.ATTN_Q_NORM, hp.head_dim, bid),
        _norm(T.ATTN_K_NORM, hp.head_dim, bid),
        _norm(T.ATTN_POST_NORM, e, bid),
        _norm(T.FFN_PRE_NORM, e, bid),
        TensorSpec(_tname(T.FFN_GATE, bid), (hp.n_ff, e)),
        TensorSpec(_tname(T.FFN_UP, bid), (hp.n_ff, e)),
        TensorSpec(_tname(T.FFN_DOWN, bid), (e, hp.n_ff)),
        _norm(T.FFN_POST_NORM, e, bid),
        TensorSpec(_tname(T.PER_LAYER_INP_GATE, bid), (a, e)),
        TensorSpec(_tname(T.PER_LAYER_PROJ, bid), (e, a)),
        _norm(T.PER_LAYER_POST_NORM, e, bid),
        TensorSpec(_tname(T.ALTUP_CORRECT_COEF, bid), (n, n), f32=True),
        _norm(T.ALTUP_CORRECT_SCALE, e, bid),
        TensorSpec(_tname(T.ALTUP_PREDICT_COEF, bid), (n * n, n), f32=True),
        TensorSpec(_tname(T.ALTUP_ROUTER, bid), (n, e)),
        _norm(T.ALTUP_ROUTER_NORM, e, bid),
        TensorSpec(_tname(T.LAUREL_L, bid), (r, e)),
        TensorSpec(_tname(T.LAUREL_R, bid), (e, r)),
        _norm(T.LAUREL_POST_NORM, e, bid),
    ]


def tensor_specs(hp: Hparams) -> list[TensorSpec]:
    specs = global_tensors(hp)
    for bid in range(hp.n_layer):
        specs.extend(block_tensors(hp, bid))
    return specs


@dataclass
class Vocab:
    tokens: list[bytes]
    scores: list[float]
    types: list[int]
    source: str

    def padded(self, n_vocab: int) -> Vocab:
        """Pad to `n_vocab` ids as the converter does ([PADid], unused), or cut to it."""
        extra = range(len(self.tokens), n_vocab)
        return Vocab(
            tokens=self.tokens[:n_vocab] + [f"[PAD{i}]".encode() for i in extra],
            scores=self.scores[:n_vocab] + [-1000.0] * len(extra),
            types=self.types[:n_vocab] + [int(gguf.TokenType.UNUSED)] * len(extra),
            source=self.source,
        )


def vocab_from_gguf(path: Path) -> Vocab:
    """The tokens, scores and types of an existing SentencePiece ("llama") GGUF."""
    reader = gguf.GGUFReader(path)

    def field(key: str) -> gguf.ReaderField:
        found = reader.get_field(key)
        if found is None:
            raise ValueError(f"{path} has no {key}")
        return found

    if field(gguf.Keys.Tokenizer.MODEL).contents() != "llama":
        raise ValueError(f"{path} does not hold a SentencePiece vocabulary")
    tokens = field(gguf.Keys.Tokenizer.LIST)
    return Vocab(
        tokens=[bytes(tokens.parts[i]) for i in tokens.data],
        scores=[float(s) for s in field(gguf.Keys.Tokenizer.SCORES).contents()],
        types=[int(t) for t in field(gguf.Keys.Tokenizer.TOKEN_TYPE).contents()],
        source=str(path),
    )


def synthetic_vocab() -> Vocab:
    """Gemma's special ids, 256 byte tokens and single characters; the rest unused."""
    tt = gguf.TokenType
    named = [("<pad>", tt.CONTROL), ("<eos>", tt.CONTROL), ("<bos>", tt.CONTROL)]
    named += [("<unk>", tt.UNKNOWN), ("<mask>", tt.USER_DEFINED), ("[multimodal]", tt.USER_DEFINED)]
    named += [(f"<unused{i}>", tt.UNUSED) for i in range(99)]
    named += [("<start_of_turn>", tt.CONTROL), ("<end_of_turn>", tt.CONTROL)]
    named += [(f"<0x{b:02X}>", tt.BYTE) for b in range(256)]
    named += [(chr(c), tt.NORMAL) for c in range(0x21, 0x7F)] + [("\u2581", tt.NORMAL)]
    tokens = [text.encode() for text, _ in named]
    types = [int(kind) for _, kind in named]
    scores = [0.0 if kind == tt.NORMAL else -1000.0 for _, kind in named]
    return Vocab(tokens, scores, types, source="synthetic")


def default_vocab() -> Vocab:
    """Gemma 3's vocabulary from the project's development model, else a synthetic one."""
    # Imported at run time: vestsight has no py.typed marker, and this tool should type-check
    # (mypy on this file alone) and run without it.
    try:
        errors = importlib.import_module("vestsight.errors")
        model_files = importlib.import_module("vestsight.llm.model_files")
    except ImportError as err:
        _LOGGER.warning("No vestsight (%s): using a synthetic vocabulary", err)
        return synthetic_vocab()
    try:
        return vocab_from_gguf(Path(model_files.small_model_path()))
    except (errors.ModelFileError, OSError, ValueError) as err:
        _LOGGER.warning("No Gemma 3 vocabulary (%s): using a synthetic one", err)
        return synthetic_vocab()


def load_vocab(source: str | None) -> Vocab:
    """`--vocab-from`: a SentencePiece GGUF, "synthetic", or None for the development model."""
    if source is None:
        return default_vocab()
    if source == "synthetic":
        return synthetic_vocab()
    return vocab_from_gguf(Path(source))


def add_metadata(writer: gguf.GGUFWriter, hp: Hparams) -> None:
    """The keys llama.cpp's converter writes for Gemma 3n (Gemma3NModel.set_gguf_parameters)."""
    writer.add_type(gguf.GGUFType.MODEL)
    writer.add_name(f"Gemma 3n {hp.label} random weights")
    writer.add_description("Real Gemma 3n architecture and shapes, random weights: for benchmarks")
    writer.add_quantization_version(gguf.GGML_QUANT_VERSION)
    writer.add_file_type(gguf.LlamaFileType.MOSTLY_F16)
    writer.add_context_length(hp.n_ctx_train)
    writer.add_embedding_length(hp.n_embd)
    writer.add_block_count(hp.n_layer)
    writer.add_feed_forward_length([hp.n_ff] * hp.n_layer)
    writer.add_head_count(hp.n_head)
    writer.add_head_count_kv(hp.n_head_kv)
    writer.add_key_length(hp.head_dim)
    writer.add_value_length(hp.head_dim)
    writer.add_layer_norm_rms_eps(hp.rms_eps)
    writer.add_rope_freq_base(hp.rope_base)
    writer.add_rope_freq_base_swa(hp.rope_base_swa)
    writer.add_final_logit_softcapping(hp.final_logit_softcap)
    writer.add_sliding_window(hp.sliding_window)
    writer.add_sliding_window_pattern(hp.swa_pattern())
    writer.add_altup_active_idx(hp.altup_active_idx)
    writer.add_altup_num_inputs(hp.n_altup)
    writer.add_embedding_length_per_layer_input(hp.n_embd_altup)
    writer.add_shared_kv_layers(hp.n_kv_shared)
    writer.add_activation_sparsity_scale(hp.sparsity_scale())


def add_tokenizer(writer: gguf.GGUFWriter, vocab: Vocab) -> None:
    writer.add_tokenizer_model("llama")
    writer.add_tokenizer_pre("default")
    writer.add_token_list(vocab.tokens)
    writer.add_token_scores(vocab.scores)
    writer.add_token_types(vocab.types)
    writer.add_bos_token_id(2)
    writer.add_eos_token_id(1)
    writer.add_unk_token_id(3)
    writer.add_pad_token_id(0)
    writer.add_add_bos_token(True)
    writer.add_add_eos_token(False)
    writer.add_add_space_prefix(False)
    writer.add_chat_template(CHAT_TEMPLATE)


def tensor_chunks(spec: TensorSpec, seed: int) -> Iterator[np.ndarray[Any, Any]]:
    """The tensor's values, flat, in chunks; the same seed gives the same values."""
    if not spec.random:
        yield np.ones(spec.n_elements, dtype=spec.dtype)
        return
    rng = np.random.default_rng([seed, zlib.crc32(spec.name.encode())])
    left = spec.n_elements
    while left > 0:
        count = min(left, CHUNK_ELEMENTS)
        values = rng.standard_normal(count, dtype=np.float32)
        values *= WEIGHT_STD
        yield values.astype(spec.dtype, copy=False)
        left -= count


def _pad_to(file: BinaryIO, alignment: int) -> None:
    file.write(b"\0" * (-file.tell() % alignment))


def write_f16_gguf(path: Path, hp: Hparams, vocab: Vocab, seed: int) -> None:
    """Header, metadata and tensor infos through GGUFWriter, then the data streamed in chunks."""
    specs = tensor_specs(hp)
    writer = gguf.GGUFWriter(path, ARCH_NAME)
    add_metadata(writer, hp)
    add_tokenizer(writer, vocab.padded(hp.n_vocab))
    for spec in specs:
        writer.add_tensor_info(spec.name, spec.shape, np.dtype(spec.dtype), spec.nbytes)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_ti_data_to_file()
    writer.close()
    alignment = writer.data_alignment
    total = sum(spec.nbytes for spec in specs)
    _LOGGER.info("Writing %d tensors, %.2f GB of F16/F32 data to %s", len(specs), total / 1e9, path)
    started, done, next_report = time.monotonic(), 0, 0
    with path.open("r+b") as file:
        file.seek(0, os.SEEK_END)
        _pad_to(file, alignment)
        for spec in specs:
            for chunk in tensor_chunks(spec, seed):
                chunk.tofile(file)
                done += chunk.nbytes
            _pad_to(file, alignment)
            if done >= next_report:
                rate = done / 1e6 / max(time.monotonic() - started, 1e-3)
                _LOGGER.info("  %5.1f%%  %-34s %6.0f MB/s", 100 * done / total, spec.name, rate)
                next_report = done + total // 20


def quantize(source: Path, target: Path, ftype: int, threads: int) -> None:
    """llama.cpp's own quantizer with `llama-quantize`'s defaults (only its buffer is smaller)."""
    import llama_cpp

    params = llama_cpp.llama_model_quantize_default_params()
    params.nthread = threads
    params.ftype = ftype
    params.max_buf_size = QUANT_BUF_BYTES
    _LOGGER.info("Quantizing %s -> %s (llama_ftype %d, %d threads)", source, target, ftype, threads)
    started = time.monotonic()
    status = llama_cpp.llama_model_quantize(
        str(source).encode(), str(target).encode(), ctypes.byref(params)
    )
    if status != 0:
        raise RuntimeError(f"llama_model_quantize failed with status {status}")
    _LOGGER.info("Quantized in %.0f s", time.monotonic() - started)


def tensor_type_counts(path: Path) -> Counter[str]:
    reader = gguf.GGUFReader(path)
    return Counter(tensor.tensor_type.name for tensor in reader.tensors)


def build(args: argparse.Namespace, hp: Hparams) -> None:
    out: Path = args.out
    vocab = load_vocab(args.vocab_from)
    _LOGGER.info("Gemma 3n %s, vocabulary from %s", hp.label, vocab.source)
    out.parent.mkdir(parents=True, exist_ok=True)
    if args.quant == "f16":
        write_f16_gguf(out, hp, vocab, args.seed)
    else:
        f16 = out.with_name(out.stem + ".f16.gguf")
        write_f16_gguf(f16, hp, vocab, args.seed)
        try:
            quantize(f16, out, QUANT_FTYPES[args.quant], args.threads)
        finally:
            if not args.keep_f16:
                f16.unlink(missing_ok=True)
    counts = ", ".join(f"{name} {n}" for name, n in sorted(tensor_type_counts(out).items()))
    print(f"{out}  {out.stat().st_size / 1e9:.3f} GB  tensors: {counts}")


def check_generation(path: Path, n_ctx: int, threads: int, n_predict: int) -> dict[str, float]:
    """Load `path`, run a short prompt and `n_predict` tokens; timings and this process's RSS."""
    from llama_cpp import Llama

    started = time.perf_counter()
    llm = Llama(model_path=str(path), n_ctx=n_ctx, n_threads=threads, seed=1, verbose=True)
    load_s = time.perf_counter() - started
    prompt = "<start_of_turn>user\nDescribe what is in front of me, briefly.<end_of_turn>\n"
    tokens = llm.tokenize((prompt + "<start_of_turn>model\n").encode(), special=True)
    started = time.perf_counter()
    llm.eval(tokens)
    prompt_s = time.perf_counter() - started
    started = time.perf_counter()
    for _ in range(n_predict):
        llm.eval([llm.sample(temp=0.8)])
    gen_s = time.perf_counter() - started
    return {
        "load_s": round(load_s, 2),
        "prompt_tokens": len(tokens),
        "prompt_tok_s": round(len(tokens) / prompt_s, 2),
        "generated_tokens": n_predict,
        "gen_tok_s": round(n_predict / gen_s, 2),
        "peak_rss_mib": round(peak_rss_mb(), 1),
    }


def run_check_in_child(path: Path, n_ctx: int, threads: int, n_predict: int) -> int:
    """`--check-only` in a fresh interpreter, so the peak RSS is the model's alone."""
    command = [sys.executable, "-m", "tests.bench.random_gemma3n", "--out", str(path)]
    command += ["--check-only", "--ctx", str(n_ctx), "--threads", str(threads)]
    command += ["--predict", str(n_predict)]
    return subprocess.run(command, check=False, cwd=Path(__file__).resolve().parents[2]).returncode


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0] if __doc__ else None)
    parser.add_argument("--out", type=Path, required=True, help="the GGUF file to write")
    parser.add_argument("--variant", choices=sorted(VARIANTS), default="e2b")
    parser.add_argument("--quant", choices=[*sorted(QUANT_FTYPES), "f16"], default="q4_0")
    parser.add_argument("--layers", type=int, help="fewer layers, for a quick smoke file")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--vocab-from",
        metavar="GGUF|synthetic",
        help="tokenizer source (default: the Gemma 3 270M development model's vocabulary)",
    )
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--keep-f16", action="store_true", help="keep the intermediate F16 file")
    parser.add_argument("--check", action="store_true", help="then load it and generate")
    parser.add_argument("--check-only", action="store_true", help="only load --out and generate")
    parser.add_argument("--ctx", type=int, default=2048, help="n_ctx of the check")
    parser.add_argument("--predict", type=int, default=32, help="tokens the check generates")
    args = parser.parse_args(argv)
    if args.layers is not None and not 1 <= args.layers <= VARIANTS[args.variant].n_layer:
        parser.error(f"--layers must be 1..{VARIANTS[args.variant].n_layer}")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stderr)
    args = parse_args(argv)
    if args.check_only:
        result = check_generation(args.out, args.ctx, args.threads, args.predict)
        print(json.dumps(result))
        return 0
    hp = VARIANTS[args.variant]
    if args.layers is not None:
        hp = hp.with_layers(args.layers)
    build(args, hp)
    if args.check:
        return run_check_in_child(args.out, args.ctx, args.threads, args.predict)
    return 0


if __name__ == "__main__":
    sys.exit(main())
