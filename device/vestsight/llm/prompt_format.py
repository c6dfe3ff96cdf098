"""The chat prompt, built here so the worker knows every token it sends.

The worker tokenizes the prompt itself, so it can (a) fit a prompt that is too long for the
context window by dropping the oldest exchanges and then shortening the answer, and (b) keep the
fixed system text at the very start, where llama.cpp's prefix match finds it already in the KV
cache and prefills only what is new.

Two formats, as the models' own chat templates render a plain chat:
- ``gemma`` (Gemma 3, Gemma 3n): ``<start_of_turn>user`` … ``<end_of_turn>``; no system role,
  the system text opens the first user turn.
- ``gemma4`` (Gemma 4): ``<|turn>system`` … ``<turn|>``, then user and model turns; the model's
  turn opens with an empty thought channel (thinking off), as its template writes it.
A camera image goes first in the last user turn, as the media marker that mtmd replaces with
the image's tokens.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from ..errors import PromptTooLong

_LOGGER = logging.getLogger(__name__)

Message = dict[str, str]
Tokenize = Callable[[str], list[int]]

ROLES = {"user": "user", "assistant": "model"}
MIN_ANSWER_TOKENS = 16
"""An answer shorter than this is not worth giving: the prompt is shortened first."""


@dataclass(frozen=True)
class PromptFormat:
    name: str
    turn_start: str
    turn_end: str
    system_turn: bool
    """The format has a system role; otherwise the system text opens the first user turn."""
    answer_opening: str = ""
    """Written after the model's turn header, before the answer."""
    control: tuple[str, ...] = ()
    """Control texts of the format: removed from what the wearer or OCR put in a message, so text
    read off a label cannot end a turn or start one."""

    @property
    def end(self) -> str:
        """The end of a turn: the stop string of every answer."""
        return self.turn_end

    def turns(self, messages: list[Message]) -> list[Message]:
        """The messages as this format's turns (roles ``system``, ``user``, ``model``)."""
        system = "\n\n".join(self.clean(m["content"]) for m in messages if m["role"] == "system")
        turns = [
            {"role": ROLES[m["role"]], "content": self.clean(m["content"])}
            for m in messages
            if m["role"] != "system"
        ]
        if not system:
            return turns
        if self.system_turn:
            return [{"role": "system", "content": system}, *turns]
        if turns and turns[0]["role"] == "user":
            turns[0]["content"] = f"{system}\n\n{turns[0]['content']}"
        else:
            turns.insert(0, {"role": "user", "content": system})
        return turns

    def render(self, turns: list[Message]) -> str:
        """The prompt text of `turns` after BOS, ending where the model's answer begins."""
        parts = [f"{self.turn_start}{t['role']}\n{t['content']}{self.turn_end}\n" for t in turns]
        return "".join(parts) + f"{self.turn_start}model\n{self.answer_opening}"

    def prompt(self, messages: list[Message]) -> str:
        return self.render(self.turns(messages))

    def system_prefix(self, system: str) -> str:
        """The start every request with this system text shares: what the worker prefills."""
        system = self.clean(system)
        if self.system_turn:
            return f"{self.turn_start}system\n{system}{self.turn_end}\n"
        return f"{self.turn_start}user\n{system}\n\n"

    def clean(self, text: str) -> str:
        for marker in self.control:
            text = text.replace(marker, "")
        return text


_GEMMA_CONTROL = ("<start_of_turn>", "<end_of_turn>", "<start_of_image>", "<end_of_image>",
                  "<image_soft_token>", "<bos>", "<eos>", "<pad>")  # fmt: skip
GEMMA = PromptFormat("gemma", "<start_of_turn>", "<end_of_turn>", system_turn=False,
                     control=_GEMMA_CONTROL)  # fmt: skip
GEMMA4 = PromptFormat(
    "gemma4",
    "<|turn>",
    "<turn|>",
    system_turn=True,
    answer_opening="<|channel>thought\n<channel|>",
    control=("<|turn>", "<turn|>", "<|channel>", "<channel|>", "<|image>", "<image|>",
             "<|image|>", "<|think|>", "<bos>", "<eos>", "<pad>"),
)  # fmt: skip
FORMATS = {f.name: f for f in (GEMMA, GEMMA4)}
ARCHITECTURE_FORMATS = {"gemma4": GEMMA4}
"""GGUF ``general.architecture`` values whose prompt is not Gemma 3's."""


def format_for(name: str, architecture: str = "") -> PromptFormat:
    """The format called `name`; ``auto`` chooses by the model file's architecture."""
    if name == "auto":
        return ARCHITECTURE_FORMATS.get(architecture, GEMMA)
    return FORMATS[name]


def with_image(messages: list[Message], marker: str) -> list[Message]:
    """`messages` with `marker` (where the image goes) first in the last user message."""
    out = [dict(m) for m in messages]
    last_user = max((i for i, m in enumerate(out) if m["role"] == "user"), default=None)
    if last_user is None:
        out.append({"role": "user", "content": marker})
    else:
        out[last_user]["content"] = f"{marker}\n\n{out[last_user]['content']}"
    return out


@dataclass(frozen=True)
class FittedPrompt:
    text: str
    tokens: list[int]
    max_tokens: int
    dropped_turns: int = 0


def fit_prompt(
    messages: list[Message],
    tokenize: Tokenize,
    context: int,
    max_tokens: int,
    fmt: PromptFormat = GEMMA,
    reserved: int = 0,
) -> FittedPrompt:
    """The prompt and an answer length that fit in `context` beside `reserved` tokens (an image).

    While too long, the oldest user/model exchange after the first turn is dropped (follow-ups
    keep the first description and the newest question); then the answer is shortened down to
    `MIN_ANSWER_TOKENS`. A prompt that still does not fit raises `PromptTooLong`.
    """
    turns = fmt.turns(messages)
    first = 2 if turns and turns[0]["role"] == "system" else 1
    dropped = 0
    while True:
        text = fmt.render(turns)
        tokens = tokenize(text)
        room = context - len(tokens) - reserved
        if room >= max_tokens:
            return FittedPrompt(text, tokens, max_tokens, dropped)
        if len(turns) > first + 2:  # first turn, an exchange to drop, the newest question
            del turns[first : first + 2]
            dropped += 1
            continue
        if room >= MIN_ANSWER_TOKENS:
            _LOGGER.info("Answer shortened to %d tokens to fit the context", room)
            return FittedPrompt(text, tokens, room, dropped)
        raise PromptTooLong(
            f"the prompt is {len(tokens) + reserved} tokens; with a {MIN_ANSWER_TOKENS}-token "
            f"answer it does not fit the {context}-token context",
            advice="raise llm.context_tokens or shorten the request",
        )
