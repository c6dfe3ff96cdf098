"""Vocabularies for the random-weight Gemma 3n files: the real Gemma 3 one, or a tiny synthetic one.

Gemma 3n uses Gemma 3's 262,144 SentencePiece pieces plus ids up to 262,399 for its media tokens;
what sits at those ids follows Gemma 3n's own config (``boi_token_id`` 255999, ``boa_token_id``
256000, ``eoi_token_id`` 262144, ``image_token_id`` 262145, ``eoa_token_id`` 262272,
``audio_token_id`` 262273): `Vocab.padded` puts the real names there as special tokens, so the
text llama.cpp's mtmd writes around an image (``<start_of_image>`` ... ``<end_of_image>``)
tokenizes to one token each, and pads the other ids as the converter does (``[PADid]``, unused).
In Gemma 3, id 256000 is ``<end_of_image>``; Gemma 3n uses that id for ``<start_of_audio>``, and
two ids with one text would make the tokenizer's choice between them arbitrary.
"""

from __future__ import annotations

import hashlib
import importlib
import logging
from dataclasses import dataclass, replace
from pathlib import Path

import gguf

from tests.bench.gguf_random import read_kv

_LOGGER = logging.getLogger(__name__)

TT = gguf.TokenType
TEXT_VOCAB = 262_144  # the SentencePiece model; ids above it are Gemma 3n's image/audio slots
START_OF_IMAGE = "<start_of_image>"
END_OF_IMAGE = "<end_of_image>"
IMAGE_SOFT_TOKEN = "<image_soft_token>"
# id -> (text, type) for Gemma 3n's media tokens at their real ids.
GEMMA3N_MEDIA_TOKENS = {
    255_999: (START_OF_IMAGE, TT.USER_DEFINED),  # as in Gemma 3's vocabulary
    256_000: ("<start_of_audio>", TT.USER_DEFINED),
    262_144: (END_OF_IMAGE, TT.CONTROL),
    262_145: (IMAGE_SOFT_TOKEN, TT.CONTROL),
    262_272: ("<end_of_audio>", TT.CONTROL),
    262_273: ("<audio_soft_token>", TT.CONTROL),
}


@dataclass
class Vocab:
    tokens: list[bytes]
    scores: list[float]
    types: list[int]
    source: str

    def padded(self, n_vocab: int) -> Vocab:
        """`n_vocab` ids: cut or padded with unused ``[PADid]``, media tokens at their ids."""
        extra = range(len(self.tokens), n_vocab)
        tokens = self.tokens[:n_vocab] + [f"[PAD{i}]".encode() for i in extra]
        scores = self.scores[:n_vocab] + [-1000.0] * len(extra)
        types = self.types[:n_vocab] + [int(TT.UNUSED)] * len(extra)
        for token_id, (text, kind) in GEMMA3N_MEDIA_TOKENS.items():
            if token_id < n_vocab:
                tokens[token_id], scores[token_id] = text.encode(), -1000.0
                types[token_id] = int(kind)
        return replace(self, tokens=tokens, scores=scores, types=types)

    def digest(self) -> str:
        """A short hash of the pieces and their types: the vocabulary's identity in a recipe."""
        sha = hashlib.sha256()
        for token, kind in zip(self.tokens, self.types, strict=True):
            sha.update(token + b"\0" + bytes([kind]))
        return sha.hexdigest()[:16]


def vocab_from_gguf(path: Path) -> Vocab:
    """The tokens, scores and types of an existing SentencePiece ("llama") GGUF."""
    keys = gguf.Keys.Tokenizer
    fields = read_kv(path, [keys.MODEL, keys.LIST, keys.SCORES, keys.TOKEN_TYPE])
    missing = {keys.MODEL, keys.LIST, keys.SCORES, keys.TOKEN_TYPE} - fields.keys()
    if missing:
        raise ValueError(f"{path} has no {', '.join(sorted(missing))}")
    if fields[keys.MODEL] != b"llama":
        raise ValueError(f"{path} does not hold a SentencePiece vocabulary")
    return Vocab(
        tokens=list(fields[keys.LIST]),
        scores=[float(s) for s in fields[keys.SCORES]],
        types=[int(t) for t in fields[keys.TOKEN_TYPE]],
        source=str(path),
    )


def _vocab(named: list[tuple[str, gguf.TokenType]], source: str) -> Vocab:
    tokens = [text.encode() for text, _ in named]
    types = [int(kind) for _, kind in named]
    scores = [0.0 if kind == TT.NORMAL else -1000.0 for _, kind in named]
    return Vocab(tokens, scores, types, source=source)


def _synthetic_named() -> list[tuple[str, gguf.TokenType]]:
    # Gemma's special ids (0-6, 105, 106 as in the real vocabulary), then bytes and characters.
    named = [("<pad>", TT.CONTROL), ("<eos>", TT.CONTROL), ("<bos>", TT.CONTROL)]
    named += [("<unk>", TT.UNKNOWN), ("<mask>", TT.USER_DEFINED), ("[multimodal]", TT.USER_DEFINED)]
    named += [(f"<unused{i}>", TT.UNUSED) for i in range(99)]
    named += [("<start_of_turn>", TT.CONTROL), ("<end_of_turn>", TT.CONTROL)]
    named += [(f"<0x{b:02X}>", TT.BYTE) for b in range(256)]
    named += [(chr(c), TT.NORMAL) for c in range(0x21, 0x7F)] + [("\u2581", TT.NORMAL)]
    return named


def synthetic_vocab() -> Vocab:
    """Gemma's special ids, 256 byte tokens and single characters; the rest unused when padded."""
    return _vocab(_synthetic_named(), source="synthetic")


def tiny_vocab() -> Vocab:
    """The synthetic vocabulary plus the image tokens as special tokens, for a tiny model."""
    named = _synthetic_named()
    named += [(text, TT.CONTROL) for text in (START_OF_IMAGE, END_OF_IMAGE, IMAGE_SOFT_TOKEN)]
    return _vocab(named, source="tiny-synthetic")


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
