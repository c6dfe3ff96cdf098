"""The control socket: presses, status, journal stream; garbage never hurts it."""

from __future__ import annotations

import asyncio
import json
import stat
import time
from pathlib import Path

import pytest

from tests.conftest import TIMEOUT
from vestsight.gpio.buttons import GpioButtons
from vestsight.gpio.pins import Pins
from vestsight.inputs.control_socket import MAX_LINE_BYTES, ControlSocket
from vestsight.inputs.events import Action, InputQueue, Source
from vestsight.journal import Journal
from vestsight.settings import GpioSettings


class Client:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer

    async def send(self, line: bytes | dict) -> None:
        data = line if isinstance(line, bytes) else json.dumps(line).encode() + b"\n"
        self.writer.write(data)
        await self.writer.drain()

    async def receive(self) -> dict:
        return json.loads(await asyncio.wait_for(self.reader.readline(), TIMEOUT))

    async def ask(self, line: bytes | dict) -> dict:
        await self.send(line)
        return await self.receive()


@pytest.fixture
async def vest_socket(tmp_path: Path, journal: Journal):
    inputs = InputQueue()
    gpio = GpioButtons(GpioSettings(), Pins(GpioSettings()), inputs)
    socket = ControlSocket(
        tmp_path / "control.sock", inputs, gpio.simulate, journal, lambda: {"llm": "ready"}
    )
    tasks = [asyncio.create_task(gpio.run()), asyncio.create_task(socket.run())]
    await asyncio.wait_for(asyncio.gather(gpio.ready.wait(), socket.ready.wait()), TIMEOUT)

    clients: list[Client] = []

    async def connect() -> Client:
        clients.append(Client(*await asyncio.open_unix_connection(str(socket.path))))
        return clients[-1]

    yield socket, inputs, connect
    for client in clients:
        client.writer.close()
        await asyncio.wait_for(client.writer.wait_closed(), TIMEOUT)
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


async def test_socket_is_private(vest_socket) -> None:
    socket, _inputs, _connect = vest_socket
    assert stat.S_IMODE(socket.path.stat().st_mode) == 0o600


async def test_gamepad_and_vest_buttons(vest_socket) -> None:
    _socket, inputs, connect = vest_socket
    client = await connect()
    assert await client.ask({"cmd": "tap", "button": "a"}) == {"ok": True, "cmd": "tap"}
    events = [await asyncio.wait_for(inputs.get(), TIMEOUT) for _ in range(2)]
    assert [(e.source, e.button, e.action, e.origin) for e in events] == [
        (Source.GAMEPAD, "a", Action.PRESS, "socket"),
        (Source.GAMEPAD, "a", Action.RELEASE, "socket"),
    ]
    assert (await client.ask({"cmd": "press", "button": "main", "source": "gpio"}))["ok"]
    press = await asyncio.wait_for(inputs.get(), TIMEOUT)
    assert (press.source, press.button, press.action, press.origin) == (
        Source.GPIO,
        "main",
        Action.PRESS,
        "gpiozero",
    )
    assert (await client.ask({"cmd": "release", "button": "main", "source": "gpio"}))["ok"]
    assert (await asyncio.wait_for(inputs.get(), TIMEOUT)).action is Action.RELEASE


@pytest.mark.parametrize(
    ("line", "error"),
    [
        (b"not json\n", "Expecting value"),
        (b"[1, 2]\n", "JSON object"),
        (b'{"cmd": "dance"}\n', "unknown cmd"),
        (b'{"cmd": "press", "button": "zz"}\n', "unknown gamepad button"),
        (b'{"cmd": "press", "button": "a", "source": "usb"}\n', "unknown source"),
        (b'{"cmd": "press", "button": "nope", "source": "gpio"}\n', "no vest button"),
        (b"\xff\xfe\x00\n", ""),
    ],
)
async def test_garbage_gets_an_error_and_the_socket_keeps_working(
    vest_socket, line: bytes, error: str
) -> None:
    _socket, _inputs, connect = vest_socket
    client = await connect()
    reply = await client.ask(line)
    assert reply["ok"] is False and error in reply["error"]
    assert (await client.ask({"cmd": "status"}))["status"] == {"llm": "ready"}


async def test_an_oversized_line_closes_only_that_connection(vest_socket) -> None:
    _socket, _inputs, connect = vest_socket
    client = await connect()
    reply = await client.ask(b"x" * (MAX_LINE_BYTES + 10) + b"\n")
    assert reply == {"ok": False, "error": "line too long"}
    assert await asyncio.wait_for(client.reader.read(), TIMEOUT) == b""
    other = await connect()
    assert (await other.ask({"cmd": "status"}))["ok"]


async def test_subscribers_receive_the_journal(vest_socket, journal: Journal) -> None:
    _socket, _inputs, connect = vest_socket
    client = await connect()
    assert await client.ask({"cmd": "subscribe"}) == {"ok": True, "cmd": "subscribe"}
    journal.publish("speech.start", text="Hello.")
    record = await client.receive()
    assert record["event"] == "speech.start" and record["text"] == "Hello."


async def test_clock_is_the_monotonic_clock_journal_records_use(vest_socket) -> None:
    _socket, _inputs, connect = vest_socket
    client = await connect()
    before = time.monotonic()
    reply = await client.ask({"cmd": "clock"})
    assert reply["ok"] and before <= reply["mono"] <= time.monotonic()


async def test_a_hold_while_the_last_one_is_still_down_is_a_press_of_its_own(vest_socket) -> None:
    _socket, inputs, connect = vest_socket
    client = await connect()
    for _ in range(2):
        assert (await client.ask({"cmd": "hold", "button": "r"}))["ok"]
    events = [await asyncio.wait_for(inputs.get(), TIMEOUT) for _ in range(4)]
    assert [e.action for e in events] == [
        Action.PRESS,
        Action.RELEASE,  # let go early, so the second hold is pressed again
        Action.PRESS,
        Action.RELEASE,  # after the long-press time, once
    ]
