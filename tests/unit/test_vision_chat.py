"""The Gemma 3n chat handler's own parts: template, image messages, one BOS, no network URLs."""

from __future__ import annotations

import base64

import jinja2.sandbox
import pytest

from tests.conftest import REPO
from vestsight.llm.prompt_format import gemma_prompt, gemma_turns
from vestsight.llm.vision_chat import GEMMA_TEMPLATE, VisionChat, make_handler_class

CHAT = [
    {"role": "system", "content": "Be brief."},
    {"role": "user", "content": "What is ahead?"},
]


def test_image_goes_first_in_the_last_user_turn_as_a_data_uri() -> None:
    messages = VisionChat.messages(CHAT, b"\xff\xd8jpeg", "image/jpeg")
    assert [m["role"] for m in messages] == ["user"]
    image, text = messages[0]["content"]
    assert image["image_url"]["url"] == "data:image/jpeg;base64," + base64.b64encode(
        b"\xff\xd8jpeg"
    ).decode("ascii")
    assert text == {"type": "text", "text": "Be brief.\n\nWhat is ahead?"}


def test_the_fallback_template_matches_the_text_prompt_with_the_media_marker() -> None:
    environment = jinja2.sandbox.ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True)
    messages = VisionChat.messages(CHAT, b"x", "image/jpeg")
    messages[0]["content"][0] = {"type": "text", "text": "<__media__>"}  # as the handler does
    rendered = environment.from_string(GEMMA_TEMPLATE).render(
        messages=messages, add_generation_prompt=True, bos_token="<bos>"
    )
    text_prompt = gemma_prompt(gemma_turns(CHAT))
    assert rendered == "<bos>" + text_prompt.replace("user\n", "user\n<__media__>", 1)


def test_one_bos_and_no_network_images() -> None:
    handler = make_handler_class()(clip_model_path=str(REPO / "README.md"), verbose=False)
    assert handler._postprocess_template_text("<bos><start_of_turn>", [], "<__media__>") == (
        "<start_of_turn>"
    )
    handler.adds_bos = False  # a vocabulary that adds none keeps the template's
    assert handler._postprocess_template_text("<bos>x", [], "m") == "<bos>x"
    assert handler.load_image("data:image/png;base64," + base64.b64encode(b"png").decode()) == (
        b"png"
    )
    with pytest.raises(ValueError, match="only images passed"):
        handler.load_image("http://example.com/cat.jpg")
