"""Printed text made speakable as a person reads it, each stretch in its alphabet's voice, and cut
into pieces for "continue"."""

from __future__ import annotations

import pytest

from vestsight.speech.dates import ru_ordinal, ru_year, spell_dates
from vestsight.speech.normalize import speakable
from vestsight.speech.reading import Spoken, reading_chunks, reading_pieces, stretches
from vestsight.speech.voices import VoiceBook, voice_book


@pytest.mark.parametrize(
    ("language", "text", "spoken"),
    [
        ("en", "Tea £3.50, coffee $2", "Tea 3 pounds and 50 pence, coffee 2 dollars"),
        ("en", "Save 20% today", "Save 20 percent today"),
        ("en", "Open 9-17", "Open 9 to 17"),
        ("en", "Ref 3.5-4, no. 7", "Ref 3.5 to 4, no. 7"),
        ("en", "1 € or 10€", "1 euro or 10 euros"),
        ("ru", "Цена 1 234 руб.", "Цена 1234 рубля"),
        ("ru", "21 ₽, 5 ₽, 3,50 €", "21 рубль, 5 рублей, 3 евро и 50 центов"),
        ("ru", "Скидка 11%", "Скидка 11 процентов"),
        ("ru", "с 9–18", "с 9 до 18"),
        # Doses, amounts and temperatures: the unit in full, agreeing with its number.
        ("en", "Paracetamol 500 mg", "Paracetamol 500 milligrams"),
        ("en", "1 tablet of 0.5 mg, 1 g", "1 tablet of 0.5 milligrams, 1 gram"),
        ("en", "5 mg/ml, 250ml", "5 milligrams per millilitre, 250 millilitres"),
        ("en", "Store below 25 °C", "Store below 25 degrees Celsius"),
        ("en", "Keep at +2...+8 °C", "Keep at +2 to +8 degrees Celsius"),
        ("en", "Energy 159 kcal per 100 g", "Energy 159 kilocalories per 100 grams"),
        ("ru", "Парацетамол 500 мг", "Парацетамол 500 миллиграммов"),
        ("ru", "0,5 мг; 21 г; 22 г; 1 кг", "0,5 миллиграмма; 21 грамм; 22 грамма; 1 килограмм"),
        ("ru", "не выше 25 °С", "не выше 25 градусов Цельсия"),
        ("ru", "при 2–8 °C", "при от 2 до 8 градусов Цельсия"),
        ("ru", "Витамин D3 1000 МЕ", "Витамин D3 1000 международных единиц"),
        # Dates in words; expiry abbreviations said in full.
        ("en", "EXP 08/2026", "expires August 2026"),
        ("en", "Exp: 08/26", "expires August 2026"),
        ("en", "Best before 03.02.2030", "Best before 3rd February 2030"),
        ("en", "Dated 2024-01-22, late", "Dated 22nd January 2024, late"),
        ("en", "On 05/13/2026", "On 13th May 2026"),
        ("ru", "Годен до 08.2026", "Годен до августа две тысячи двадцать шестого года"),
        ("ru", "Изготовлен 01.03.2000", "Изготовлен первое марта двухтысячного года"),
        ("ru", "до 22.07.2028", "до двадцать второго июля две тысячи двадцать восьмого года"),
        ("ru", "Выпущено в 2024 г.", "Выпущено в две тысячи двадцать четвёртый год"),
        # Codes spelled out; numbers said as numbers.
        ("en", "LOT Y50606, 12345 items", "LOT Y 5 0 6 0 6, 12345 items"),
        ("en", "4607001234562", "4 6 0 7 0 0 1 2 3 4 5 6 2"),
        ("en", "B12 and COVID-19 on the 21st", "B12 and COVID-19 on the 21st"),
        ("en", "No. 12, Tel. 01632 960001", "number 12, telephone 01632 960001"),
        ("ru", "ул. Ленина, д. 5, кв. 12", "улица Ленина, дом 5, квартира 12"),
        ("ru", "г. Тверь, 100 г", "город Тверь, 100 граммов"),
        ("ru", "Тел. +7 941 551-26-17", "телефон +7 941 551-26-17"),
    ],
)
def test_speakable(language: str, text: str, spoken: str) -> None:
    assert speakable(text, language) == spoken


@pytest.mark.parametrize("text", ["pi 3.1415", "13.13.2020", "ratio 1.2025", "v2.10.2031x"])
def test_numbers_that_are_not_dates_stay(text: str) -> None:
    assert spell_dates(text, "en") == text


def test_russian_ordinals() -> None:
    assert [ru_ordinal(n, genitive=False) for n in (1, 2, 3, 8, 11, 20, 23, 40)] == [
        "первое", "второе", "третье", "восьмое", "одиннадцатое", "двадцатое", "двадцать третье",
        "сороковое",
    ]  # fmt: skip
    assert ru_ordinal(31, genitive=True) == "тридцать первого"
    assert ru_ordinal(6, genitive=False, masculine=True) == "шестой"
    assert ru_year(1999) == "тысяча девятьсот девяносто девятого"
    assert ru_year(2030, genitive=False, masculine=True) == "две тысячи тридцатый"


def test_each_stretch_is_said_in_its_alphabets_language() -> None:
    text = "Парацетамол 500 мг\nParacetamol 500 mg tablets\nСостав: Aqua, глицерин."
    pieces = reading_pieces(text, "en")
    assert [(p.language, str(p)) for p in pieces] == [
        ("ru", "Парацетамол 500 миллиграммов"),
        ("en", "Paracetamol 500 milligrams tablets"),
        ("ru", "Состав:"),
        ("en", "Aqua,"),
        ("ru", "глицерин."),
    ]


def test_look_alike_words_take_their_stretchs_alphabet() -> None:
    """The medicine label's "He" (Latin) among Russian words is "Не" (not)."""
    [(language, said)] = stretches("Хранить при температуре He выше 25 °C", voice_book())
    assert language == "ru"
    assert said.split()[3] == "Не" and all(ord(ch) > 0x400 for ch in said.split()[3])
    [(english, words)] = stretches("HE IS OK", voice_book())
    assert (english, words) == ("en", "HE IS OK")
    assert stretches("EXP 08/2026", voice_book()) == [("en", "EXP 08/2026")]
    assert stretches("ОКО 5", voice_book()) == [("ru", "ОКО 5")]
    assert stretches("OK Привет", voice_book()) == [("ru", "ОК Привет")]


def test_a_line_of_digits_takes_the_language_of_the_line_before() -> None:
    pieces = reading_pieces("г. Пермь\n308788\nLondon\n25 °C", "en")
    assert [p.language for p in pieces] == ["ru", "ru", "en", "en"]
    assert pieces[-1] == "25 degrees Celsius"
    only_digits = reading_pieces("308788", "ru")
    assert [(p.language, str(p)) for p in only_digits] == [("ru", "308788")]


def test_text_no_voice_reads_is_replaced_once() -> None:
    pieces = reading_pieces("漢字 中文\nΕλληνικά κείμενο\nHello", "en", "No voice for this.")
    assert [str(p) for p in pieces] == ["No voice for this.", "Hello"]


def test_voice_book_follows_the_language_files() -> None:
    book = VoiceBook.from_languages(("en", "ru"))
    assert book.voices == {"en": "en-gb", "ru": "ru"}
    assert book.language_of("Не выше") == "ru" and book.language_of("Nurofen") == "en"
    assert book.language_of("ОКО") == "ru"  # look-alikes only: they are what they are
    assert book.language_of("500") is None and book.language_of("漢字") is None
    assert book.unvoiced("漢字 A") and not book.unvoiced("Привет 漢")
    assert book.language_of_voice("en-us") == "en" and book.language_of_voice("mb-fr1") is None


def test_chunks_keep_sentences_whole() -> None:
    text = " ".join(f"Sentence number {i} is here." for i in range(1, 21))
    chunks = reading_chunks(text, "en", 100)
    assert len(chunks) > 3
    assert all(sum(len(s) + 1 for s in chunk) <= 101 for chunk in chunks)
    assert chunks[0][0] == "Sentence number 1 is here."
    assert sum(len(c) for c in chunks) == 20
    assert all(isinstance(s, Spoken) and s.language == "en" for c in chunks for s in c)


def test_a_sentence_longer_than_a_piece_is_cut_between_words() -> None:
    text = "word " * 60
    chunks = reading_chunks(text, "en", 80)
    assert all(len(s) <= 80 for c in chunks for s in c)
    assert " ".join(s for c in chunks for s in c).split() == text.split()


def test_paragraphs_are_separate_sentences_and_empty_text_has_no_chunks() -> None:
    assert reading_chunks("EXIT\nPush bar to open", "en", 400) == [["EXIT", "Push bar to open"]]
    assert reading_chunks("  \n ", "en", 400) == []
