"""Gemma's chat prompt, built here so the worker knows every token it sends.

The worker tokenizes the prompt itself, so it can (a) fit a prompt that is too long for the
context window by dropping the oldest exchanges and then shortening the answer, and (b) keep the
fixed system text at the very start, where llama.cpp's prefix match finds it already in the KV
cache and prefills only what is new.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from ..errors import PromptTooLong

_LOGGER = logging.getLogger(__name__)

Message = dict[str, str]
Tokenize = Callable[[str], list[int]]

START = "<start_of_turn>"
END = "<end_of_turn>"
MIN_ANSWER_TOKENS = 16
"""An answer shorter than this is not worth giving: the prompt is shortened first."""

ROLES = {"user": "user", "assistant": "model"}


def gemma_turns(messages: list[Message]) -> list[Message]:
    """Gemma has no system role: its template puts the system text atop the first user turn."""
    system = "\n\n".join(m["content"] for m in messages if m["role"] == "system")
    turns = [dict(m) for m in messages if m["role"] != "system"]
    if system:
        if turns and turns[0]["role"] == "user":
            turns[0]["content"] = f"{system}\n\n{turns[0]['content']}"
        else:
            turns.insert(0, {"role": "user", "content": system})
    return turns


def gemma_prompt(turns: list[Message]) -> str:
    """The prompt text of `gemma_turns` after BOS, ending where the model's answer begins."""
    parts = [f"{START}{ROLES[t['role']]}\n{t['content']}{END}\n" for t in turns]
    return "".join(parts) + f"{START}model\n"


def system_prefix(system: str) -> str:
    """The start every request with this system text shares: what the worker prefills at load."""
    return f"{START}user\n{system}\n\n"


@dataclass(frozen=True)
class FittedPrompt:
    tokens: list[int]
    max_tokens: int
    dropped_turns: int = 0


def fit_prompt(
    messages: list[Message], tokenize: Tokenize, context: int, max_tokens: int
) -> FittedPrompt:
    """Tokens of the prompt plus an answer length that fit in `context`.

    While too long, the oldest user/model exchange after the first turn is dropped (follow-ups
    keep the first description and the newest question); then the answer is shortened down to
    `MIN_ANSWER_TOKENS`. A prompt that still does not fit raises `PromptTooLong`.
    """
    turns = gemma_turns(messages)
    dropped = 0
    while True:
        tokens = tokenize(gemma_prompt(turns))
        room = context - len(tokens)
        if room >= max_tokens:
            return FittedPrompt(tokens, max_tokens, dropped)
        if len(turns) > 3:  # first turn, at least one exchange to drop, the newest question
            del turns[1:3]
            dropped += 1
            continue
        if room >= MIN_ANSWER_TOKENS:
            _LOGGER.info("Answer shortened to %d tokens to fit the context", room)
            return FittedPrompt(tokens, room, dropped)
        raise PromptTooLong(
            f"the prompt is {len(tokens)} tokens; with a {MIN_ANSWER_TOKENS}-token answer it "
            f"does not fit the {context}-token context",
            advice="raise llm.context_tokens or shorten the request",
        )
