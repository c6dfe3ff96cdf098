"""The prompts, in every language, through the real small model: what reaches speech is speakable.

The 270M development model is a base model: it echoes instructions, wanders into other scripts
and continues markdown it is shown. That makes it a good adversary for the answer filter.
"""

from __future__ import annotations

import re

import pytest
import pytest_asyncio

from tests.integration.llm_harness import Harness
from vestsight.camera.photos import PhotoCamera
from vestsight.commands.answer import SpokenAnswer
from vestsight.commands.describe import describe_messages
from vestsight.journal import Journal
from vestsight.names import LANGUAGES
from vestsight.phrases import Phrases
from vestsight.settings import LlmSettings
from vestsight.vision.frame_facts import measure_frame

pytestmark = [pytest.mark.model, pytest.mark.asyncio(loop_scope="module")]

UNSPEAKABLE = re.compile(r"[*#`|<>_~\[\]]|^\s*[-+•]\s|^\s*\d+[.)]\s")


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def harness():
    harness = Harness(Journal(), LlmSettings(max_answer_tokens=96, heartbeat_s=0.5))
    await harness.start()
    await harness.ready()
    yield harness
    await harness.supervisor.stop()


async def answer(harness: Harness, phrases: Phrases, messages: list[dict[str, str]]):
    prompt = "\n".join(m["content"] for m in messages)
    spoken = SpokenAnswer(phrases, None, prompt)
    raw, said = "", []
    async with harness.client.generate(messages) as generation:
        async for text in generation:
            raw += text
            said += spoken.feed(text)
    return raw, said + spoken.flush(), spoken


def prompts(phrases: Phrases) -> list[list[dict[str, str]]]:
    camera = PhotoCamera("", 640, 480)
    camera.open()
    facts = measure_frame(camera.capture())
    none = phrases.prompt("none")
    describe = describe_messages(phrases, facts, [], "EXIT", "normal")
    system = {"role": "system", "content": phrases.prompt("system")}
    length = phrases.word("lengths", "brief")
    this = phrases.prompt("this", findings=none, text="EXIT", length=length)
    more = phrases.prompt("more", length=length)
    return [
        describe,
        [system, {"role": "user", "content": this}],
        [*describe, {"role": "assistant", "content": "A door."}, {"role": "user", "content": more}],
    ]


@pytest.mark.parametrize("language", LANGUAGES)
async def test_every_prompt_gives_plain_speakable_sentences(harness, language: str) -> None:
    phrases = Phrases(language)
    openers = [o.lower() for o in phrases.phrase_list("answer_openers")]
    for messages in prompts(phrases):
        raw, said, _spoken = await answer(harness, phrases, messages)
        assert raw.strip(), "the model answered nothing"
        for sentence in said:
            assert not UNSPEAKABLE.search(sentence), sentence
            assert not sentence.lower().startswith(tuple(openers)), sentence
            assert len(sentence) <= 220
            for line in phrases.prompt("system").split(". "):
                assert line.strip(" .") not in sentence, "the instructions were read back"


async def test_markdown_the_model_writes_never_reaches_speech(harness) -> None:
    phrases = Phrases("en")
    start = "## Kitchen\n\n- **Cup**: on the table, on the left.\n- **Chair**:"
    messages = [{"role": "user", "content": "Continue this list of what is ahead:\n" + start}]
    raw, said, _spoken = await answer(harness, phrases, messages)
    assert re.search(r"\*\*|^\s*[-#]", raw, re.M), f"expected the model to write markdown: {raw!r}"
    assert said, raw
    for sentence in said:
        assert not UNSPEAKABLE.search(sentence), sentence
