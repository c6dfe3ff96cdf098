"""The camera image through the real worker: a random-weight Gemma 3n with its MobileNet-V5
projector (the tiny pair, real architecture), a real photo, tokens streamed.

What is asserted is what the wearer depends on: the image really reaches the model (journalled
with its size and token count), the warm system prompt is reused for image requests too, a
press cancels an image request, and a bad image or projector degrades to text answers.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

import pytest
import skimage.data

from tests.bench.random_gemma3n_pair import build_vision_pair
from tests.conftest import event, wait_record
from tests.integration.llm_harness import LOAD_TIMEOUT, Harness
from tests.integration.vest import running_vest
from vestsight.camera.jpeg import model_jpeg
from vestsight.journal import Journal
from vestsight.llm.model_files import small_model_path
from vestsight.settings import LlmSettings

pytestmark = pytest.mark.model

SYSTEM = "You describe scenes aloud for someone who cannot see them."
CHAT = [{"role": "system", "content": SYSTEM}, {"role": "user", "content": "Describe it."}]
IMAGE_POSITIONS = 256 + 2  # MobileNet-V5's 16x16 soft tokens between their two boundary tokens


@pytest.fixture(scope="session")
def vision_pair(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return build_vision_pair(tmp_path_factory.mktemp("gemma3n-tiny"), "tiny")


@pytest.fixture(scope="session")
def photo() -> bytes:
    return model_jpeg(skimage.data.astronaut())


@pytest.fixture
async def seeing(journal: Journal, vision_pair: tuple[Path, Path]):
    model, projector = vision_pair
    settings = LlmSettings(
        model_path=str(model), projector_path=str(projector), max_answer_tokens=12
    )
    harness = Harness(journal, settings, system_prompt=SYSTEM)
    await harness.start()
    await harness.ready()
    yield harness
    await harness.supervisor.stop()


async def ask(harness: Harness, image: bytes = b"", max_tokens: int = 12) -> list[str]:
    async with harness.client.generate(CHAT, image=image, max_tokens=max_tokens) as generation:
        return [text async for text in generation]


async def test_the_image_goes_to_the_model_after_the_warm_system_prompt(
    seeing: Harness, journal: Journal, photo: bytes
) -> None:
    client = seeing.client
    assert client.vision and not client.vision_failed and client.warm_tokens > 10
    async with journal.subscribe() as records:
        for _ in range(2):  # the second image request finds the system prompt warm again
            assert await ask(seeing, photo)
            request = await wait_record(records, event("llm.request"))
            done = await wait_record(records, event("llm.done"))
            assert request["image_bytes"] == len(photo) > 10_000
            assert request["image_tokens"] == done["image_tokens"] == IMAGE_POSITIONS
            assert request["cached"] == done["cached"] == client.warm_tokens
            assert request["prompt_tokens"] > client.warm_tokens + IMAGE_POSITIONS
            assert done["tokens"] > 0 and done["image_seconds"] > 0
        await ask(seeing)  # text after an image: the image's cache entries are never reused
        request = await wait_record(records, event("llm.request"))
    assert request["image_bytes"] == request["image_tokens"] == 0
    assert request["cached"] == client.warm_tokens


async def test_a_press_cancels_an_image_request_and_the_next_one_runs(
    seeing: Harness, journal: Journal, photo: bytes
) -> None:
    async with journal.subscribe() as records:
        async with seeing.client.generate(CHAT, image=photo, max_tokens=400):
            await wait_record(records, event("llm.request"))  # prefilling: image being encoded
        done = await wait_record(records, event("llm.done"))
        assert done["reason"] == "cancelled"
        assert await ask(seeing, photo)
        done = await wait_record(records, event("llm.done"))
    assert done["reason"] in ("stop", "length") and done["image_tokens"] == IMAGE_POSITIONS


async def test_an_image_the_decoder_rejects_is_answered_from_text_and_told_once(
    seeing: Harness, journal: Journal, photo: bytes
) -> None:
    broken = b"\xff\xd8 not a picture after all" * 20
    async with journal.subscribe() as records:
        async with seeing.client.generate(CHAT, image=broken) as generation:
            answered = [text async for text in generation]
        request = await wait_record(records, event("llm.request"))
    assert answered and request["image_tokens"] == 0 and request["image_error"]
    assert seeing.client.first_image_error(generation)  # the wearer is told the first time…
    assert not seeing.client.first_image_error(generation)  # …and only then
    assert await ask(seeing, photo)  # a good image still works


@pytest.mark.parametrize("mismatch", ["projector of another model", "truncated projector"])
async def test_an_unusable_projector_leaves_a_text_model_with_its_reason(
    journal: Journal, vision_pair: tuple[Path, Path], tmp_path: Path, mismatch: str
) -> None:
    model, projector = vision_pair
    if mismatch == "truncated projector":
        cut = tmp_path / projector.name
        cut.write_bytes(projector.read_bytes()[:-4096])
        settings = LlmSettings(model_path=str(model), projector_path=str(cut))
        reason = "short of its tensors"
    else:  # the Gemma 3 270M takes a gemma3 projector, not Gemma 3n's MobileNet-V5
        settings = LlmSettings(model_path=str(small_model_path()), projector_path=str(projector))
        reason = "a gemma3nv projector; a gemma3 model takes gemma3"
    harness = Harness(journal, settings)
    await harness.start()
    try:
        await asyncio.wait_for(harness.client.ready.wait(), LOAD_TIMEOUT)
        assert harness.client.vision_failed and not harness.client.vision
        assert reason in harness.client.vision_error
        async with harness.client.generate(CHAT, image=b"not sent", max_tokens=4) as generation:
            assert [text async for text in generation]
        assert generation.image_bytes == 0  # a model that cannot see is not sent the image
    finally:
        await harness.supervisor.stop()


async def test_describe_on_the_vest_shows_the_model_the_camera_frame(
    tmp_path: Path, vision_pair: tuple[Path, Path]
) -> None:
    model, projector = vision_pair
    config = {"llm": {"model_path": str(model), "projector_path": str(projector)}}
    async with running_vest(tmp_path, config) as (app, client, startup):
        assert app.llm.vision and not any(r["event"] == "describe.image_refused" for r in startup)
        t = await client.tap("a")
        request = await client.expect(event("llm.request"), t)
        done = await client.expect(event("llm.done"), t)
        await client.expect(event("command.done", command="describe"), t)
        said = await client.said(t)
        await client.tap("b")
    assert request["image_bytes"] > 10_000 and request["image_tokens"] == IMAGE_POSITIONS
    assert request["cached"] == app.llm.warm_tokens > 10  # the vest's own system prompt, warm
    assert done["reason"] in ("stop", "length") and done["tokens"] > 0
    assert said, "a description is never silent"  # random weights: at least the fast path


def test_a_cancel_stops_the_vision_encoder_within_one_piece_of_its_graph(
    vision_pair: tuple[Path, Path], photo: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    """In-process: the encoder's graph is cut at the first check after the cancel."""
    from llama_cpp import Llama

    from vestsight.llm import image_input
    from vestsight.llm.image_input import Cancelled, ImageInput

    monkeypatch.setattr(image_input, "CHECK_EVERY", 48)  # the tiny graph has ~380 nodes

    model, projector = vision_pair
    llm = Llama(model_path=str(model), n_ctx=1024, n_threads=1, verbose=False)
    image_input = ImageInput.load(projector, llm, threads=1)
    try:
        checks: list[bool] = []

        def cancel_at(n: int) -> Callable[[], bool]:
            """A cancel flag that turns true at its n-th reading; every reading is recorded."""

            def cancelled() -> bool:
                checks.append(len(checks) + 1 >= n)
                return checks[-1]

            return cancelled

        prompt = image_input.tokenize(photo)
        image_input.evaluate(llm, prompt, cancel_at(10_000))  # never cancelled: all of it
        full, n_tokens = len(checks), llm.n_tokens
        prompt.close()
        assert n_tokens == IMAGE_POSITIONS and full > 3  # the graph is checked piece by piece

        checks.clear()
        llm.n_tokens = 0
        prompt = image_input.tokenize(photo)
        with pytest.raises(Cancelled):
            image_input.evaluate(llm, prompt, cancel_at(2))
        prompt.close()
        # The graph's second check saw the cancel and stopped it (the third reading is the
        # worker's own, after the encoder returned), long before the graph's end.
        assert checks == [False, True, True] and full > 3
        assert llm.n_tokens < IMAGE_POSITIONS  # and nothing of the image was decoded
    finally:
        image_input.close()
        llm.close()
