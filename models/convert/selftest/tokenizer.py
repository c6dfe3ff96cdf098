"""Gemma's tokenizer files for the self-test checkpoint, from a GGUF the project already ships.

The real ``tokenizer.model`` of google/gemma-3n-E2B-it cannot be downloaded here. Gemma 3 and
Gemma 3n share the 262,144-piece SentencePiece vocabulary, and the development model (Gemma 3
270M, `vestsight.llm.model_files.small_model_path`) carries it in its GGUF metadata: pieces,
scores and types. Those are written back into a SentencePiece model with the protobuf schema
that sentencepiece ships (``sentencepiece_model_pb2``), so the converter reads a real
``tokenizer.model`` through SentencePieceProcessor exactly as it reads Google's.

``tokenizer_config.json`` adds Gemma 3n's multimodal tokens as its ``added_tokens_decoder``
does: ``<start_of_audio>`` over id 256000 (``<end_of_image>`` in Gemma 3) and the ids above the
text vocabulary, ``<end_of_image>`` 262144, ``<image_soft_token>`` 262145, ``<end_of_audio>``
262272, ``<audio_soft_token>`` 262273 (``Gemma3nConfig``'s ``eoi_token_id`` etc.).

Runs in the maker venv: it needs sentencepiece, and reads the GGUF with the ``gguf-py`` of the
converter's own llama.cpp tree (put on ``sys.path`` by the caller).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

TEXT_VOCAB = 262_144
SPECIAL = {
    0: "<pad>",
    1: "<eos>",
    2: "<bos>",
    3: "<unk>",
    105: "<start_of_turn>",
    106: "<end_of_turn>",
}
MULTIMODAL = {
    255_999: "<start_of_image>",
    256_000: "<start_of_audio>",
    262_144: "<end_of_image>",
    262_145: "<image_soft_token>",
    262_272: "<end_of_audio>",
    262_273: "<audio_soft_token>",
}
# Gemma's turn format, as the Gemma 3n chat template writes it (text parts; images as markers).
CHAT_TEMPLATE = (
    "{{ bos_token }}{%- for message in messages -%}"
    "{%- set role = 'model' if message['role'] == 'assistant' else message['role'] -%}"
    "{{ '<start_of_turn>' + role + '\n' }}"
    "{%- if message['content'] is string -%}{{ message['content'] | trim }}"
    "{%- else -%}{%- for item in message['content'] -%}"
    "{%- if item['type'] == 'image' -%}{{ '<image_soft_token>' }}"
    "{%- elif item['type'] == 'text' -%}{{ item['text'] | trim }}{%- endif -%}"
    "{%- endfor -%}{%- endif -%}{{ '<end_of_turn>\n' }}{%- endfor -%}"
    "{%- if add_generation_prompt -%}{{ '<start_of_turn>model\n' }}{%- endif -%}"
)


def read_vocab(gguf_path: Path) -> tuple[list[str], list[float], list[int]]:
    """Pieces, scores and SentencePiece types of a SentencePiece GGUF's vocabulary."""
    import gguf  # the converter's gguf-py

    reader = gguf.GGUFReader(gguf_path)
    if str(reader.fields["tokenizer.ggml.model"].contents()) != "llama":
        raise ValueError(f"{gguf_path} has no SentencePiece vocabulary")
    tokens = [str(token) for token in reader.fields["tokenizer.ggml.tokens"].contents()]
    scores = [float(score) for score in reader.fields["tokenizer.ggml.scores"].contents()]
    types = [int(kind) for kind in reader.fields["tokenizer.ggml.token_type"].contents()]
    if len(tokens) != TEXT_VOCAB:
        raise ValueError(f"{gguf_path} has {len(tokens)} tokens, not Gemma's {TEXT_VOCAB}")
    return tokens, scores, types


def write_sentencepiece(
    path: Path, tokens: list[str], scores: list[float], types: list[int]
) -> None:
    """A BPE SentencePiece model (Gemma's kind: byte fallback, no dummy prefix)."""
    from sentencepiece import sentencepiece_model_pb2 as model_pb2  # type: ignore[import-not-found]

    proto: Any = model_pb2.ModelProto()
    spec = proto.trainer_spec
    spec.model_type = model_pb2.TrainerSpec.BPE
    spec.vocab_size = len(tokens)
    spec.byte_fallback = True
    spec.pad_id, spec.eos_id, spec.bos_id, spec.unk_id = 0, 1, 2, 3
    spec.pad_piece, spec.eos_piece, spec.bos_piece, spec.unk_piece = (
        "<pad>",
        "<eos>",
        "<bos>",
        "<unk>",
    )
    normalizer = proto.normalizer_spec
    normalizer.name = "identity"
    normalizer.add_dummy_prefix = False
    normalizer.remove_extra_whitespaces = False
    normalizer.escape_whitespaces = True
    # GGUF token types are SentencePiece's piece types (1 normal ... 6 byte); llama.cpp's GGUF
    # marks <unk> a control token, SentencePiece needs it to be its unknown piece.
    for token_id, (token, score, kind) in enumerate(zip(tokens, scores, types, strict=True)):
        piece = proto.pieces.add()
        piece.piece, piece.score = token, score
        piece.type = model_pb2.ModelProto.SentencePiece.UNKNOWN if token_id == spec.unk_id else kind
    path.write_bytes(proto.SerializeToString())


def write_tokenizer_files(folder: Path, vocab_gguf: Path) -> None:
    """tokenizer.model, tokenizer_config.json and special_tokens_map.json in `folder`."""
    tokens, scores, types = read_vocab(vocab_gguf)
    write_sentencepiece(folder / "tokenizer.model", tokens, scores, types)
    decoder = {
        str(token_id): {"content": text, "lstrip": False, "normalized": False, "rstrip": False,
                        "single_word": False, "special": True}
        for token_id, text in sorted((SPECIAL | MULTIMODAL).items())
    }  # fmt: skip
    config = {
        "add_bos_token": True,
        "add_eos_token": False,
        "added_tokens_decoder": decoder,
        "bos_token": "<bos>",
        "eos_token": "<eos>",
        "pad_token": "<pad>",
        "unk_token": "<unk>",
        "boi_token": "<start_of_image>",
        "eoi_token": "<end_of_image>",
        "image_token": "<image_soft_token>",
        "spaces_between_special_tokens": False,
        "tokenizer_class": "GemmaTokenizer",
        "model_max_length": 32768,
        "chat_template": CHAT_TEMPLATE,
    }
    (folder / "tokenizer_config.json").write_text(json.dumps(config, indent=2) + "\n")
    special = {
        "bos_token": "<bos>",
        "eos_token": "<eos>",
        "pad_token": "<pad>",
        "unk_token": "<unk>",
    }
    (folder / "special_tokens_map.json").write_text(json.dumps(special, indent=2) + "\n")
