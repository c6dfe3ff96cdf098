"""Gemma 3n's text model with random weights: hyperparameters, tensors and metadata.

The tensors and metadata keys are those that llama.cpp's converter (``Gemma3NModel`` in
``convert_hf_to_gguf``) writes for ``google/gemma-3n-E2B-it`` (or E4B) and that the vendored
llama.cpp of llama-cpp-python 0.3.36 requires (``llama_model_gemma3n::load_arch_tensors``):
weights are normal(0, 0.02) in F16, norms are ones in F32, the AltUp coefficient matrices are
F32, as the converter keeps them. `TINY` is the same architecture shrunk for tests: narrow
(its width equals the tiny vision projector's, see `random_mobilenetv5`), five layers (four
sliding-window, one global), a synthetic vocabulary. What llama.cpp fixes in code (it does
not read these keys) TINY keeps: 256 per-layer input values, LAuReL rank 64, four AltUp inputs,
the first active; KV sharing starts at layer 20, so TINY has none.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

import gguf

from tests.bench.gguf_random import TensorSpec, write_gguf
from tests.bench.random_gemma3n_vocab import Vocab

ARCH = gguf.MODEL_ARCH.GEMMA3N
ARCH_NAME = gguf.MODEL_ARCH_NAMES[ARCH]
T = gguf.MODEL_TENSOR
# normal_dist.icdf(0.95), the std multiplier of the converter's activation_sparsity_scale
SPARSITY_STD_MUL_95 = 1.6448536269514722

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

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


VARIANTS = {
    "e2b": Hparams(label="E2B", n_layer=30, n_ff=8192, n_kv_shared=10),
    "e4b": Hparams(label="E4B", n_layer=35, n_ff=16_384, n_kv_shared=15),
}
TINY = Hparams(
    label="tiny",
    n_layer=5,
    n_ff=128,
    n_kv_shared=0,
    n_embd=64,
    n_head=2,
    n_head_kv=1,
    head_dim=32,
    n_vocab=0,  # the vocabulary's own size
    n_sparse_layers=2,
)


def _tname(tensor: gguf.MODEL_TENSOR, bid: int | None = None) -> str:
    if tensor not in gguf.MODEL_TENSORS[ARCH]:
        raise ValueError(f"{tensor.name} is not a gemma3n tensor in this gguf package")
    base = gguf.TENSOR_NAMES[tensor]
    return (base.format(bid=bid) if bid is not None else base) + ".weight"


def _w(tensor: gguf.MODEL_TENSOR, shape: tuple[int, ...], bid: int | None = None) -> TensorSpec:
    return TensorSpec(_tname(tensor, bid), shape)


def _norm(tensor: gguf.MODEL_TENSOR, size: int, bid: int | None = None) -> TensorSpec:
    return TensorSpec(_tname(tensor, bid), (size,), fill=1.0, f32=True)


def global_tensors(hp: Hparams) -> list[TensorSpec]:
    per_layer = hp.n_embd_altup * hp.n_layer
    return [
        _w(T.TOKEN_EMBD, (hp.n_vocab, hp.n_embd)),
        _w(T.PER_LAYER_TOKEN_EMBD, (hp.n_vocab, per_layer)),
        _w(T.PER_LAYER_MODEL_PROJ, (per_layer, hp.n_embd)),
        _norm(T.PER_LAYER_PROJ_NORM, hp.n_embd_altup),
        _w(T.ALTUP_PROJ, (hp.n_altup - 1, hp.n_embd, hp.n_embd)),
        _w(T.ALTUP_UNEMBD_PROJ, (hp.n_altup - 1, hp.n_embd, hp.n_embd)),
        _norm(T.OUTPUT_NORM, hp.n_embd),
    ]


def block_tensors(hp: Hparams, bid: int) -> list[TensorSpec]:
    e, q, kv = hp.n_embd, hp.n_head * hp.head_dim, hp.n_head_kv * hp.head_dim
    a, r, n = hp.n_embd_altup, hp.laurel_rank, hp.n_altup
    return [
        _norm(T.ATTN_NORM, e, bid),
        _w(T.ATTN_Q, (q, e), bid),
        _w(T.ATTN_K, (kv, e), bid),
        _w(T.ATTN_V, (kv, e), bid),
        _w(T.ATTN_OUT, (e, q), bid),
        _norm(T.ATTN_Q_NORM, hp.head_dim, bid),
        _norm(T.ATTN_K_NORM, hp.head_dim, bid),
        _norm(T.ATTN_POST_NORM, e, bid),
        _norm(T.FFN_PRE_NORM, e, bid),
        _w(T.FFN_GATE, (hp.n_ff, e), bid),
        _w(T.FFN_UP, (hp.n_ff, e), bid),
        _w(T.FFN_DOWN, (e, hp.n_ff), bid),
        _norm(T.FFN_POST_NORM, e, bid),
        _w(T.PER_LAYER_INP_GATE, (a, e), bid),
        _w(T.PER_LAYER_PROJ, (e, a), bid),
        _norm(T.PER_LAYER_POST_NORM, e, bid),
        TensorSpec(_tname(T.ALTUP_CORRECT_COEF, bid), (n, n), f32=True),
        _norm(T.ALTUP_CORRECT_SCALE, e, bid),
        TensorSpec(_tname(T.ALTUP_PREDICT_COEF, bid), (n * n, n), f32=True),
        _w(T.ALTUP_ROUTER, (n, e), bid),
        _norm(T.ALTUP_ROUTER_NORM, e, bid),
        _w(T.LAUREL_L, (r, e), bid),
        _w(T.LAUREL_R, (e, r), bid),
        _norm(T.LAUREL_POST_NORM, e, bid),
    ]


def tensor_specs(hp: Hparams) -> list[TensorSpec]:
    specs = global_tensors(hp)
    for bid in range(hp.n_layer):
        specs.extend(block_tensors(hp, bid))
    return specs


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


def sized(hp: Hparams, vocab: Vocab) -> tuple[Hparams, Vocab]:
    """The hyperparameters and vocabulary as written: `n_vocab` 0 means the vocabulary's size."""
    if hp.n_vocab == 0:
        return replace(hp, n_vocab=len(vocab.tokens)), vocab
    return hp, vocab.padded(hp.n_vocab)


def text_recipe(hp: Hparams, vocab: Vocab, seed: int, quant: str) -> dict[str, Any]:
    """What the file depends on; `vocab` as written (see `sized`)."""
    return {
        "kind": "gemma3n-text",
        "format": 2,
        "hparams": hp.as_dict(),
        "vocab": vocab.digest(),
        "seed": seed,
        "quant": quant,
    }


def write_f16_gguf(path: Path, hp: Hparams, vocab: Vocab, seed: int, quant: str) -> None:
    """The F16/F32 file; `quant` is only recorded in the recipe (the quantizer keeps it)."""
    hp, vocab = sized(hp, vocab)

    def metadata(writer: gguf.GGUFWriter) -> None:
        add_metadata(writer, hp)
        add_tokenizer(writer, vocab)

    recipe = text_recipe(hp, vocab, seed, quant)
    write_gguf(path, ARCH_NAME, tensor_specs(hp), seed, metadata, recipe)
