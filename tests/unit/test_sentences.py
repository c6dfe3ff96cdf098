"""Sentence splitting of a token stream, as the speaker receives it."""

from __future__ import annotations

import pytest

from vestsight.speech.sentences import SentenceSplitter, clean_for_speech


def split_streamed(text: str, step: int = 3) -> list[str]:
    splitter = SentenceSplitter()
    sentences = []
    for start in range(0, len(text), step):
        sentences += splitter.feed(text[start : start + step])
    return sentences + splitter.flush()


@pytest.mark.parametrize("step", [1, 2, 5, 1000])
def test_sentences_come_out_whole_whatever_the_token_size(step: int) -> None:
    text = "A man stands ahead. He holds a cup! Is it hot? Maybe… The door is open"
    assert split_streamed(text, step) == [
        "A man stands ahead.",
        "He holds a cup!",
        "Is it hot?",
        "Maybe…",
        "The door is open",
    ]


def test_a_sentence_is_released_as_soon_as_it_is_complete() -> None:
    splitter = SentenceSplitter()
    assert splitter.feed("A red chair") == []
    assert splitter.feed(" stands left.") == ["A red chair stands left."]
    assert splitter.feed(" It costs 3.") == []  # could still become "3.50"
    assert splitter.feed("50 euros. Dr.") == ["It costs 3.50 euros."]
    assert splitter.feed(" Who") == []  # "Dr." did not end the sentence
    assert splitter.flush() == ["Dr. Who"]


def test_abbreviations_initials_and_decimals_do_not_end_a_sentence() -> None:
    text = "Dr. Smith paid 3.50 dollars, e.g. coins. J. K. Rowling wrote it. Next."
    assert split_streamed(text) == [
        "Dr. Smith paid 3.50 dollars, e.g. coins.",
        "J. K. Rowling wrote it.",
        "Next.",
    ]


def test_russian_abbreviations() -> None:
    assert split_streamed("Это ул. Ленина, т.е. центр. Дальше парк.") == [
        "Это ул. Ленина, т.е. центр.",
        "Дальше парк.",
    ]


def test_closing_quotes_stay_with_their_sentence() -> None:
    assert split_streamed('The sign says "Exit." Then stairs.') == [
        'The sign says "Exit."',
        "Then stairs.",
    ]


def test_line_breaks_end_sentences_and_markdown_is_removed() -> None:
    text = "**Scene:**\n- a *red* chair\n- a `table`\n## Done\n"
    assert split_streamed(text) == ["Scene:", "a red chair", "a table", "Done"]


def test_list_numbers_are_not_spoken_alone() -> None:
    assert split_streamed("1. A cup. 2. A plate.") == ["A cup.", "A plate."]
    assert split_streamed("Aisle 7. Milk is here.") == ["Aisle 7.", "Milk is here."]


def test_run_on_text_is_cut_at_a_comma() -> None:
    splitter = SentenceSplitter(max_chars=60)
    text = "a long list of things on the table, including cups, plates, forks and knives and more"
    out = splitter.feed(text)
    assert out and all(len(s) <= 60 for s in out)
    assert out[0].endswith(",")
    assert " ".join(out + splitter.flush()) == text


def test_clean_for_speech() -> None:
    assert clean_for_speech("# Title\n> quote | cell") == "Title quote cell"
    assert clean_for_speech("see [the door](http://x) __now__") == "see the door now"
    assert clean_for_speech("snake_case_name stays") == "snake_case_name stays"


def test_empty_and_punctuation_only_streams() -> None:
    assert split_streamed("") == []
    assert split_streamed("... !!") == []


def test_a_short_fragment_before_a_run_on_never_stalls() -> None:
    splitter = SentenceSplitter(max_chars=50)
    out = splitter.feed("1. " + "-" * 300)  # returns: the loop always makes progress
    assert out == []
    out = splitter.feed("a " + "----- " * 60)
    assert all(len(s) <= 50 for s in out)


def test_words_that_look_like_abbreviations_can_end_a_sentence() -> None:
    assert split_streamed("I said no. Then I left.") == ["I said no.", "Then I left."]
    assert split_streamed("Рост 180 см. Он высокий.") == ["Рост 180 см.", "Он высокий."]
    assert split_streamed("Room no. 5 is here.") == ["Room no. 5 is here."]


def test_label_and_address_abbreviations_do_not_end_a_sentence() -> None:
    text = "ул. Ленина, д. 5, кв. 12. Тел. 555-12-34. Exp. 08/2026 on the tin. Tel. 01632 960001."
    assert split_streamed(text) == [
        "ул. Ленина, д. 5, кв. 12.",
        "Тел. 555-12-34.",
        "Exp. 08/2026 on the tin.",
        "Tel. 01632 960001.",
    ]
