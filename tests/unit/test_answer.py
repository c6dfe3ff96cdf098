"""What of a model's answer reaches the listener: no markdown, no "the image shows", no echo."""

from __future__ import annotations

from vestsight.commands.answer import SpokenAnswer
from vestsight.phrases import Phrases


def spoken(text: str, language: str = "en", prompt: str = "") -> list[str]:
    answer = SpokenAnswer(Phrases(language), None, prompt)
    said = []
    for token in text.split(" "):  # streamed word by word, as the model does
        said += answer.feed(token + " ")
    return said + answer.flush()


def test_markdown_never_reaches_speech() -> None:
    said = spoken("## Scene\n- **A chair** on the left.\n- A `table` ahead.\n1. A door.")
    assert said == ["Scene", "A chair on the left.", "A table ahead.", "A door."]


def test_openers_are_cut_and_the_sentence_starts_with_a_capital() -> None:
    said = spoken(
        "The image shows a kitchen. In this image, there is a cup. I see that it is dark."
    )
    assert said == ["A kitchen.", "There is a cup.", "It is dark."]
    assert spoken("На изображении видно кухню. Стол слева.", "ru") == ["Кухню.", "Стол слева."]


def test_a_sentence_that_is_only_an_opener_is_kept() -> None:
    assert spoken("I see.") == ["I see."]


def test_repeats_are_skipped_and_a_loop_is_noticed() -> None:
    answer = SpokenAnswer(Phrases("en"), ["A chair on the left."])
    assert answer.feed("A chair on the left. A cup. ") == ["A cup."]
    assert not answer.looping
    assert answer.feed("A cup. A new thing. ") == ["A new thing."]
    assert answer.looping


def test_an_opener_must_be_whole_words() -> None:
    assert spoken("I seem lost.") == ["I seem lost."]


def test_the_instructions_are_never_read_back() -> None:
    prompt = "You are the voice of a camera worn on the chest of a blind person.\nDescribe it."
    said = spoken(
        "You are the voice of a camera. A blind person. A red door is open.", "en", prompt
    )
    assert said == ["A red door is open."]
    prompt_ru = "Ты голос камеры на груди незрячего человека."
    assert spoken("Ты голос камера на груди незрячего человека. Дверь.", "ru", prompt_ru) == [
        "Дверь."
    ]


def test_text_the_voice_cannot_read_is_dropped() -> None:
    assert spoken("例文帳に追加. A cup.") == ["A cup."]
    assert spoken("Чашка. A cup.", "ru") == ["Чашка.", "A cup."]
    assert spoken("Чашка. A cup.", "en") == ["A cup."]
