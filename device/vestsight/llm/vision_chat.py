"""Camera images into the model: a Gemma 3n chat handler built on llama-cpp-python's MTMD one.

What the vendored code (llama-cpp-python 0.3.36) does, read from its source:
- llama.cpp's mtmd/clip knows Gemma 3n's vision projector (MobileNet-V5, projector type
  ``gemma3nv``); an image becomes a fixed block of soft tokens between ``<start_of_image>`` and
  ``<end_of_image>``. Gemma 3n's audio projector type is declared but not implemented.
- ``MTMDChatHandler`` loads the projector on first use, renders the GGUF's own chat template
  with a media marker where each image goes, tokenizes text and images together with
  ``mtmd_tokenize`` and decodes chunk by chunk. Its ``Gemma4ChatHandler`` is a bare subclass.
- It clears the KV cache for every request, so an image request prefills its whole prompt (the
  system text included); text-only requests do not go through it and keep the warm prefix.

`Gemma3nChatHandler` adds what Gemma 3n needs here: a Gemma turn template for files that carry
none; the system text folded into the first user turn as Gemma's own template does; one BOS,
not two (the template writes one and ``mtmd_tokenize`` adds another); and no network fetch of
image URLs (the base class would open any URL).
This module imports llama_cpp only when a projector is configured, inside the worker.
"""

from __future__ import annotations

import base64
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .prompt_format import gemma_turns

_LOGGER = logging.getLogger(__name__)

BOS = "<bos>"
GEMMA_TEMPLATE = (
    "{{ bos_token }}"
    "{% for message in messages %}"
    "{% set role = 'model' if message['role'] == 'assistant' else message['role'] %}"
    "{{ '<start_of_turn>' + role + '\n' }}"
    "{% if message['content'] is string %}{{ message['content'] | trim }}"
    "{% else %}{% for part in message['content'] %}{{ part['text'] | trim }}{% endfor %}"
    "{% endif %}"
    "{{ '<end_of_turn>\n' }}"
    "{% endfor %}"
    "{% if add_generation_prompt %}{{ '<start_of_turn>model\n' }}{% endif %}"
)
"""Gemma's turn format, for a GGUF without ``tokenizer.chat_template``. Image parts arrive here
already replaced by the media marker as text parts."""


def make_handler_class() -> type[Any]:
    from llama_cpp.llama_chat_format import MTMDChatHandler

    class Gemma3nChatHandler(MTMDChatHandler):
        adds_bos = True

        def _get_chat_template(self, llama_model: Any) -> str:
            # mtmd_tokenize adds BOS itself when the vocabulary says so; see below.
            flag = llama_model.metadata.get("tokenizer.ggml.add_bos_token", "true")
            self.adds_bos = str(flag).lower() != "false"
            template = llama_model.metadata.get("tokenizer.chat_template")
            if isinstance(template, str) and template:
                return template
            _LOGGER.info("The model file has no chat template: using Gemma's turn format")
            return GEMMA_TEMPLATE

        def _postprocess_template_text(
            self, text: str, image_urls: list[str], media_marker: str
        ) -> str:
            text = super()._postprocess_template_text(text, image_urls, media_marker)
            # Gemma's template starts with the BOS text and mtmd adds one more: keep one.
            if self.adds_bos and text.startswith(BOS):
                text = text[len(BOS) :]
            return text

        def load_image(self, image_url: str) -> bytes:
            # The base class would fetch any other URL from the network: the vest never does.
            if not image_url.startswith("data:"):
                raise ValueError("only images passed in the request are accepted")
            return base64.b64decode(image_url.split(",", 1)[1])

    return Gemma3nChatHandler


@dataclass(frozen=True)
class VisionChat:
    handler: Any
    projector: Path

    @classmethod
    def create(cls, projector: Path) -> VisionChat:
        handler = make_handler_class()(clip_model_path=str(projector), verbose=False)
        return cls(handler, projector)

    def attach(self, llm: Any) -> bool:
        """Load the projector for `llm` now, not at the first image; False if it cannot be used.

        The base class loads it lazily at the first request; a bad projector would then fail
        a description the wearer is waiting for. Its loader is a private method: the only way.
        """
        try:
            self.handler._init_mtmd_context(llm)
        except ValueError as err:
            _LOGGER.error("Vision projector %s unusable, text only: %s", self.projector, err)
            return False
        return True

    @staticmethod
    def messages(messages: list[dict[str, str]], image: bytes, mime: str) -> list[dict[str, Any]]:
        """Chat messages with the image first in the last user turn, as a data URI."""
        turns: list[dict[str, Any]] = [dict(t) for t in gemma_turns(messages)]
        last_user = max(i for i, t in enumerate(turns) if t["role"] == "user")
        url = f"data:{mime};base64,{base64.b64encode(image).decode('ascii')}"
        turns[last_user]["content"] = [
            {"type": "image_url", "image_url": {"url": url}},
            {"type": "text", "text": turns[last_user]["content"]},
        ]
        return turns
