"""The typed message protocol between the main process and the LLM worker process.

On the wire a message is one JSON header line ``{"type": ..., "data": {...},
"payload_length": n}`` followed by `n` bytes of binary payload (an image, later). Messages are
frozen dataclasses; `encode` and `decode` are the only places that know the wire format.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
from dataclasses import dataclass, field
from typing import IO, Any, ClassVar

from ..errors import ProtocolError

MAX_HEADER_BYTES = 1 << 20
MAX_PAYLOAD_BYTES = 64 << 20


@dataclass(frozen=True)
class Message:
    type: ClassVar[str] = ""
    payload: bytes = field(default=b"", repr=False, kw_only=True)


# --- main process -> worker -------------------------------------------------------------------


@dataclass(frozen=True)
class Generate(Message):
    type: ClassVar[str] = "generate"
    request_id: str
    messages: list[dict[str, str]]
    """Chat messages: ``{"role": "system" | "user" | "assistant", "content": ...}``."""
    max_tokens: int
    temperature: float = 0.4
    seed: int = 7
    image_type: str = ""
    """MIME type of the camera image in the payload (``image/jpeg``); empty: no image."""


@dataclass(frozen=True)
class Cancel(Message):
    type: ClassVar[str] = "cancel"
    request_id: str


@dataclass(frozen=True)
class Warm(Message):
    """Prefill a new system prompt (the wearer switched language), after what is running."""

    type: ClassVar[str] = "warm"
    system_prompt: str


@dataclass(frozen=True)
class Ping(Message):
    type: ClassVar[str] = "ping"
    seq: int


# --- worker -> main process -------------------------------------------------------------------


@dataclass(frozen=True)
class Loading(Message):
    type: ClassVar[str] = "loading"
    model: str


@dataclass(frozen=True)
class Ready(Message):
    type: ClassVar[str] = "ready"
    model: str
    context_tokens: int
    threads: int
    load_seconds: float
    vision: bool = False
    """The model has a vision projector: requests may carry an image."""
    warm_tokens: int = 0
    """Tokens of the system prompt prefilled at load, reused by every request."""
    vision_failed: bool = False
    """A projector was configured but could not be loaded: the model answers from text."""
    vision_error: str = ""
    """Why the configured projector is not used (logged; the wearer hears it once)."""
    prompt_format: str = ""
    """The prompt format the worker builds (``gemma``, ``gemma4``)."""


@dataclass(frozen=True)
class LoadFailed(Message):
    type: ClassVar[str] = "load-failed"
    error: str
    advice: str = ""
    phrase: str = ""
    """The key of `error` in the language files' [errors], said in the wearer's language."""


@dataclass(frozen=True)
class Started(Message):
    """The worker has tokenized a request and starts prefilling it."""

    type: ClassVar[str] = "started"
    request_id: str
    prompt_tokens: int
    """The whole prompt, the image's positions included."""
    cached_tokens: int = 0
    """Prompt tokens already in the KV cache (the warm system prompt): not prefilled again."""
    image_tokens: int = 0
    """Context positions the camera image takes; 0 when no image went to the model."""
    image_error: str = ""
    """Why an image sent with the request was not used; the answer comes from text."""


@dataclass(frozen=True)
class Token(Message):
    type: ClassVar[str] = "token"
    request_id: str
    text: str


@dataclass(frozen=True)
class Done(Message):
    type: ClassVar[str] = "done"
    request_id: str
    finish_reason: str
    """``stop`` (model ended), ``length`` (max_tokens), ``cancelled``."""
    prompt_tokens: int = 0
    cached_tokens: int = 0
    """Prompt tokens found in the KV cache, not prefilled again."""
    completion_tokens: int = 0
    first_token_seconds: float = 0.0
    seconds: float = 0.0
    image_tokens: int = 0
    image_seconds: float = 0.0
    """Time the image took to go into the context: the vision encoder plus its decode."""
    image_error: str = ""
    """Why an image sent with the request was not used (also when the encoder refused it)."""


@dataclass(frozen=True)
class Failed(Message):
    type: ClassVar[str] = "failed"
    request_id: str
    error: str
    spoken: str = ""
    """What the wearer hears; empty for the generic engine problem."""
    phrase: str = ""
    """The key of `spoken` in the language files' [errors]."""


@dataclass(frozen=True)
class Pong(Message):
    type: ClassVar[str] = "pong"
    seq: int
    busy: bool = False


MESSAGE_TYPES: dict[str, type[Message]] = {
    cls.type: cls
    for cls in (
        Generate,
        Cancel,
        Warm,
        Ping,
        Loading,
        Ready,
        LoadFailed,
        Started,
        Token,
        Done,
        Failed,
        Pong,
    )
}


def encode(message: Message) -> bytes:
    data = {f.name: getattr(message, f.name) for f in dataclasses.fields(message)}
    data.pop("payload")
    header = {"type": message.type, "data": data, "payload_length": len(message.payload)}
    return json.dumps(header, ensure_ascii=False).encode("utf-8") + b"\n" + message.payload


def decode_header(line: bytes) -> tuple[type[Message], dict[str, Any], int]:
    try:
        header = json.loads(line)
        cls = MESSAGE_TYPES[header["type"]]
        data = header.get("data", {})
        length = int(header.get("payload_length", 0))
    except (ValueError, KeyError, TypeError) as err:
        raise ProtocolError(f"malformed message header {line[:200]!r}: {err}") from err
    if not isinstance(data, dict) or not 0 <= length <= MAX_PAYLOAD_BYTES:
        raise ProtocolError(f"malformed message header {line[:200]!r}")
    return cls, data, length


def build(cls: type[Message], data: dict[str, Any], payload: bytes) -> Message:
    try:
        return cls(**data, payload=payload)
    except TypeError as err:
        raise ProtocolError(f"bad fields for {cls.type}: {err}") from err


async def read_message(reader: asyncio.StreamReader) -> Message | None:
    """Next message, or None at end of stream."""
    line = await reader.readline()
    if not line:
        return None
    if not line.endswith(b"\n"):
        raise ProtocolError("truncated message header")
    cls, data, length = decode_header(line)
    payload = await reader.readexactly(length) if length else b""
    return build(cls, data, payload)


def read_message_sync(stream: IO[bytes]) -> Message | None:
    """Blocking variant for the worker's reader thread."""
    line = stream.readline(MAX_HEADER_BYTES)
    if not line:
        return None
    if not line.endswith(b"\n"):
        raise ProtocolError("truncated or oversized message header")
    cls, data, length = decode_header(line)
    payload = stream.read(length) if length else b""
    if len(payload) != length:
        raise ProtocolError("truncated message payload")
    return build(cls, data, payload)
