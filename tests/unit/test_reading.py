"""Printed text made speakable, and cut into pieces for "continue"."""

from __future__ import annotations

import pytest

from vestsight.speech.normalize import speakable
from vestsight.speech.reading import reading_chunks


@pytest.mark.parametrize(
    ("language", "text", "spoken"),
    [
        ("en", "Tea £3.50, coffee $2", "Tea 3 pounds and 50 pence, coffee 2 dollars"),
        ("en", "Save 20% today", "Save 20 percent today"),
        ("en", "Open 9-17", "Open 9 to 17"),
        ("en", "Dated 2024-01-02, ref 3.5-4", "Dated 2024-01-02, ref 3.5-4"),
        ("en", "1 € or 10€", "1 euro or 10 euros"),
        ("ru", "Цена 1 234 руб.", "Цена 1234 рубля"),
        ("ru", "21 ₽, 5 ₽, 3,50 €", "21 рубль, 5 рублей, 3 евро и 50 центов"),
        ("ru", "Скидка 11%", "Скидка 11 процентов"),
        ("ru", "с 9–18", "с 9 до 18"),
    ],
)
def test_speakable(language: str, text: str, spoken: str) -> None:
    assert speakable(text, language) == spoken


def test_chunks_keep_sentences_whole() -> None:
    text = " ".join(f"Sentence number {i} is here." for i in range(1, 21))
    chunks = reading_chunks(text, "en", 100)
    assert len(chunks) > 3
    assert all(sum(len(s) + 1 for s in chunk) <= 101 for chunk in chunks)
    assert chunks[0][0] == "Sentence number 1 is here."
    assert sum(len(c) for c in chunks) == 20


def test_paragraphs_are_separate_sentences_and_empty_text_has_no_chunks() -> None:
    assert reading_chunks("EXIT\nPush bar to open", "en", 400) == [["EXIT", "Push bar to open"]]
    assert reading_chunks("  \n ", "en", 400) == []
