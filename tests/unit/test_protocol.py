"""The worker protocol: typed messages round-trip; malformed input is a ProtocolError."""

from __future__ import annotations

import asyncio
import io

import pytest

from vestsight.errors import ProtocolError
from vestsight.llm import protocol

MESSAGES = [
    protocol.Generate(
        request_id="r1",
        messages=[{"role": "user", "content": "Привет"}],
        max_tokens=5,
        payload=b"\x00\x01image",
    ),
    protocol.Cancel(request_id="r1"),
    protocol.Ping(seq=3),
    protocol.Loading(model="m.gguf"),
    protocol.Ready(model="m.gguf", context_tokens=2048, threads=2, load_seconds=1.5),
    protocol.LoadFailed(error="missing", advice="fetch it"),
    protocol.Token(request_id="r1", text=" the\n"),
    protocol.Done(request_id="r1", finish_reason="stop", completion_tokens=3),
    protocol.Failed(request_id="r1", error="boom"),
    protocol.Pong(seq=3, busy=True),
]


def stream_of(data: bytes) -> asyncio.StreamReader:
    reader = asyncio.StreamReader()
    reader.feed_data(data)
    reader.feed_eof()
    return reader


async def test_every_message_round_trips_async() -> None:
    reader = stream_of(b"".join(protocol.encode(m) for m in MESSAGES))
    decoded = [await protocol.read_message(reader) for _ in MESSAGES]
    assert decoded == MESSAGES
    assert decoded[0].payload == b"\x00\x01image"
    assert await protocol.read_message(reader) is None


def test_every_message_round_trips_sync() -> None:
    stream = io.BytesIO(b"".join(protocol.encode(m) for m in MESSAGES))
    assert [protocol.read_message_sync(stream) for _ in MESSAGES] == MESSAGES
    assert protocol.read_message_sync(stream) is None


def test_header_is_one_json_line() -> None:
    data = protocol.encode(protocol.Token(request_id="r", text="a\nb"))
    assert data.count(b"\n") == 1
    assert data.startswith(b'{"type": "token"')


@pytest.mark.parametrize(
    "line",
    [
        b"not json\n",
        b'{"type": "nope", "data": {}}\n',
        b'{"data": {}}\n',
        b'{"type": "ping", "data": {"seq": 1, "extra": 2}}\n',
        b'{"type": "ping", "data": []}\n',
        b'{"type": "ping", "data": {"seq": 1}, "payload_length": -4}\n',
        b'["ping"]\n',
    ],
)
def test_malformed_headers_are_protocol_errors(line: bytes) -> None:
    with pytest.raises(ProtocolError):
        protocol.read_message_sync(io.BytesIO(line))


def test_truncated_messages_are_protocol_errors() -> None:
    whole = protocol.encode(
        protocol.Generate(request_id="r", messages=[], max_tokens=1, payload=b"12345")
    )
    with pytest.raises(ProtocolError):
        protocol.read_message_sync(io.BytesIO(whole[:-2]))
    with pytest.raises(ProtocolError):
        protocol.read_message_sync(io.BytesIO(whole[:10]))
