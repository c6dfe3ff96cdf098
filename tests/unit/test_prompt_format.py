"""Gemma's prompt as the worker builds it, and fitting a long chat into the context."""

from __future__ import annotations

import pytest

from vestsight.errors import PromptTooLong
from vestsight.llm.prompt_format import (
    MIN_ANSWER_TOKENS,
    fit_prompt,
    gemma_prompt,
    gemma_turns,
    system_prefix,
)


def words(text: str) -> list[int]:
    """A stand-in tokenizer: one token per word (the real one is tested with the model)."""
    return list(range(len(text.split())))


def test_the_system_text_opens_the_first_user_turn_as_the_warm_prefix() -> None:
    chat = [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "What is ahead?"},
        {"role": "assistant", "content": "A door."},
        {"role": "user", "content": "More."},
    ]
    prompt = gemma_prompt(gemma_turns(chat))
    assert prompt.startswith(system_prefix("Be brief."))
    assert prompt == (
        "<start_of_turn>user\nBe brief.\n\nWhat is ahead?<end_of_turn>\n"
        "<start_of_turn>model\nA door.<end_of_turn>\n"
        "<start_of_turn>user\nMore.<end_of_turn>\n"
        "<start_of_turn>model\n"
    )


def test_a_system_text_alone_becomes_a_user_turn() -> None:
    assert gemma_turns([{"role": "system", "content": "S"}]) == [{"role": "user", "content": "S"}]


def test_old_exchanges_are_dropped_first_keeping_the_first_turn_and_the_question() -> None:
    long = "word " * 40
    chat = [{"role": "user", "content": "first " + long}]
    for n in range(4):
        chat += [{"role": "assistant", "content": f"answer{n} " + long},
                 {"role": "user", "content": f"question{n} " + long}]  # fmt: skip
    fitted = fit_prompt(chat, words, context=200, max_tokens=32)
    assert fitted.dropped_turns == 3
    assert fitted.max_tokens == 32 and len(fitted.tokens) + 32 <= 200


def test_then_the_answer_is_shortened_then_the_prompt_refused() -> None:
    chat = [{"role": "user", "content": "w " * 90}]
    fitted = fit_prompt(chat, words, context=110, max_tokens=64)
    assert MIN_ANSWER_TOKENS <= fitted.max_tokens < 64
    assert len(fitted.tokens) + fitted.max_tokens == 110
    with pytest.raises(PromptTooLong, match="does not fit"):
        fit_prompt(chat, words, context=100, max_tokens=64)
