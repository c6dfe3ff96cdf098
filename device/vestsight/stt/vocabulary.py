"""Whisper's vocabulary (CTranslate2's ``vocabulary.txt``): token ids in, text out.

Whisper's tokens are byte-level BPE pieces written in GPT-2's printable stand-ins for bytes, so
decoding maps each character back to its byte and reads the bytes as UTF-8. Special tokens
(``<|en|>``, ``<|transcribe|>``...) are looked up by name.
"""

from __future__ import annotations

import functools
from pathlib import Path

from ..errors import SttModelError


@functools.cache
def _byte_of_char() -> dict[str, int]:
    """GPT-2's table of printable characters standing for the 256 bytes, reversed."""
    printable = [*range(ord("!"), ord("~") + 1), *range(0xA1, 0xAD), *range(0xAE, 0x100)]
    chars = list(printable)
    extra = 0
    for byte in range(256):
        if byte not in printable:
            printable.append(byte)
            chars.append(256 + extra)
            extra += 1
    return {chr(char): byte for byte, char in zip(printable, chars, strict=True)}


class Vocabulary:
    def __init__(self, tokens: list[str]) -> None:
        self._tokens = tokens
        self._ids = {token: index for index, token in enumerate(tokens)}
        self.end_of_text = self.special("endoftext")
        """Every id from here on is a special token, never text."""

    @classmethod
    def load(cls, path: Path) -> Vocabulary:
        try:
            tokens = path.read_text(encoding="utf-8").split("\n")
        except (OSError, UnicodeDecodeError) as err:
            raise SttModelError(f"cannot read the vocabulary {path}: {err}") from err
        if tokens and tokens[-1] == "":
            tokens.pop()
        return cls(tokens)

    def special(self, name: str) -> int:
        """The id of ``<|name|>``; `SttModelError` if this vocabulary lacks it."""
        token = f"<|{name}|>"
        if token not in self._ids:
            raise SttModelError(f"the speech model's vocabulary has no {token}")
        return self._ids[token]

    def has(self, name: str) -> bool:
        return f"<|{name}|>" in self._ids

    def decode(self, ids: list[int]) -> str:
        table = _byte_of_char()
        pieces = "".join(self._tokens[i] for i in ids if 0 <= i < self.end_of_text)
        data = bytes(table.get(char, ord("?")) for char in pieces)
        return data.decode("utf-8", errors="replace")
