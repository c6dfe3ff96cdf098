"""The model's answer, made fit for a listener and spoken sentence by sentence as it streams.

`SpokenAnswer` turns streamed tokens into sentences to say: markdown stripped (by the sentence
splitter), openers a listener does not need ("The image shows", "На изображении") cut, the
prompt never read back, text in a script the voice cannot read dropped, and sentences already
said skipped. Small models loop; after a few repeats it says so and the
generation is cancelled rather than making the wearer wait for the length cap.
"""

from __future__ import annotations

import itertools
import re
import unicodedata

from ..phrases import Phrases
from ..speech.sentences import SentenceSplitter
from .vest import Vest

MAX_REPEATED_SENTENCES = 2


ECHO_SHARE = 0.6
"""A sentence whose word pairs are mostly in the prompt is an echo, not an answer."""
SCRIPT_SHARE = 0.5
"""At least this share of a sentence's letters must be in a script the voice can read."""


def _pairs(text: str) -> set[tuple[str, str]]:
    words = re.sub(r"[^\w%]+", " ", text.lower()).split()
    return set(itertools.pairwise(words))


def _script(char: str) -> str:
    return unicodedata.name(char, "UNKNOWN").split(" ", 1)[0]


class SpokenAnswer:
    def __init__(
        self, phrases: Phrases, already_said: list[str] | None = None, prompt: str = ""
    ) -> None:
        self._splitter = SentenceSplitter()
        self._said = set(already_said or ())
        self._prompt = _pairs(prompt)
        self._scripts = frozenset(phrases.phrase_list("scripts")) or frozenset({"LATIN"})
        self.dropped: list[str] = []
        """Sentences not said: the instructions read back, or a script the voice cannot read."""
        self._repeats = 0
        openers = "|".join(re.escape(o) for o in phrases.phrase_list("answer_openers"))
        self._opener = re.compile(rf"^(?:{openers})(?!\w)[\s,:;—-]*", re.I) if openers else None

    @property
    def looping(self) -> bool:
        """The model has repeated itself enough times that the rest is not worth waiting for."""
        return self._repeats >= MAX_REPEATED_SENTENCES

    def feed(self, text: str) -> list[str]:
        """Streamed text in; the new sentences to say out."""
        return self._keep(self._splitter.feed(text))

    def flush(self) -> list[str]:
        return self._keep(self._splitter.flush())

    def _keep(self, sentences: list[str]) -> list[str]:
        kept = []
        for raw in sentences:
            sentence = self._without_opener(raw)
            if not any(ch.isalnum() for ch in sentence):
                continue
            if self._is_echo(sentence) or not self._is_readable(sentence):
                self.dropped.append(sentence)
                continue
            if sentence in self._said:
                self._repeats += 1
                continue
            self._said.add(sentence)
            kept.append(sentence)
        return kept

    def _is_echo(self, sentence: str) -> bool:
        """The wearer must never hear the instructions read back (small models echo them)."""
        pairs = _pairs(sentence)
        return bool(pairs) and len(pairs & self._prompt) >= ECHO_SHARE * len(pairs)

    def _is_readable(self, sentence: str) -> bool:
        letters = [ch for ch in sentence if ch.isalpha()]
        readable = sum(_script(ch) in self._scripts for ch in letters)
        return readable >= SCRIPT_SHARE * len(letters)

    def _without_opener(self, sentence: str) -> str:
        if self._opener is None:
            return sentence
        rest = self._opener.sub("", sentence, count=1)
        if rest == sentence or not any(ch.isalnum() for ch in rest):
            return sentence
        if rest.lower().startswith(("that ", "что ")):
            rest = rest.split(" ", 1)[1]
        return rest[0].upper() + rest[1:]


async def speak_answer(
    vest: Vest,
    messages: list[dict[str, str]],
    answer: list[str],
    *,
    max_tokens: int | None = None,
    image: bytes = b"",
) -> None:
    """Stream the model's answer, saying each sentence once complete; append them to `answer`.

    `image` (JPEG) goes with the request when the model takes images.
    """
    prompt = "\n".join(m["content"] for m in messages)
    spoken = SpokenAnswer(vest.phrases, answer, prompt)
    async with vest.llm.generate(messages, max_tokens=max_tokens, image=image) as generation:
        async for text in generation:
            if refused := vest.llm.first_image_error(generation):
                vest.journal.publish("describe.image_refused", error=refused)
                vest.speaker.say(vest.phrases.say("llm_image_refused"), source="command")
            for sentence in spoken.feed(text):
                _say_sentence(vest, sentence, answer)
            if spoken.looping:
                vest.journal.publish("describe.looping", said=len(answer))
                return
        if generation.done is not None and generation.done.finish_reason == "length":
            return  # cut off mid-sentence by the length cap: a fragment only confuses
        for sentence in spoken.flush():
            _say_sentence(vest, sentence, answer)


def _say_sentence(vest: Vest, sentence: str, answer: list[str]) -> None:
    vest.journal.publish("describe.sentence", text=sentence)
    answer.append(sentence)
    vest.speaker.say(sentence, source="llm")
