"""Long text for listening: sentences in pieces of about `max_chars`, read one piece at a time."""

from __future__ import annotations

from .normalize import speakable
from .sentences import SentenceSplitter


def reading_chunks(text: str, language: str, max_chars: int) -> list[list[str]]:
    """`text` as pieces of sentences; a sentence is never split across two pieces."""
    splitter = SentenceSplitter(max_chars=max_chars)
    sentences = splitter.feed(text + "\n") + splitter.flush()
    chunks: list[list[str]] = []
    size = 0
    for sentence in (speakable(s, language) for s in sentences):
        if not chunks or size + len(sentence) > max_chars:
            chunks.append([])
            size = 0
        chunks[-1].append(sentence)
        size += len(sentence) + 1
    return chunks
