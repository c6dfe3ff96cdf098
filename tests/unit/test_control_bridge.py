"""The control bridge relays the real control socket over stdin/stdout and over a serial line.

The bridge runs as its own process, as it would over SSH; the serial line is a pseudo-terminal
pair, the bridge on one end (as on the vest's gadget port) and the bench on the other.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import tty
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.conftest import TIMEOUT
from vestsight.control_bridge import pipe_streams, socket_path_from_config
from vestsight.gpio.buttons import GpioButtons
from vestsight.gpio.pins import Pins
from vestsight.inputs.control_socket import ControlSocket
from vestsight.inputs.events import InputQueue
from vestsight.journal import Journal
from vestsight.settings import GpioSettings


@pytest.fixture
async def vest(tmp_path: Path, journal: Journal) -> AsyncIterator[tuple[ControlSocket, InputQueue]]:
    inputs = InputQueue()
    gpio = GpioButtons(GpioSettings(), Pins(GpioSettings()), inputs)
    socket = ControlSocket(
        tmp_path / "run" / "control.sock", inputs, gpio.simulate, journal, lambda: {"llm": "ready"}
    )
    tasks = [asyncio.create_task(gpio.run()), asyncio.create_task(socket.run())]
    await asyncio.wait_for(asyncio.gather(gpio.ready.wait(), socket.ready.wait()), TIMEOUT)
    yield socket, inputs
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


async def bridge(*args: str) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "vestsight.control_bridge",
        *args,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )


async def ask(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, request: dict) -> dict:
    writer.write(json.dumps(request).encode() + b"\n")
    await writer.drain()
    return json.loads(await asyncio.wait_for(reader.readline(), TIMEOUT))


async def test_stdio_bridge_carries_requests_replies_and_the_journal(
    vest: tuple[ControlSocket, InputQueue], journal: Journal
) -> None:
    socket, inputs = vest
    process = await bridge("--socket", str(socket.path))
    assert process.stdin is not None and process.stdout is not None
    assert (await ask(process.stdout, process.stdin, {"cmd": "status"}))["status"] == {
        "llm": "ready"
    }
    assert (await ask(process.stdout, process.stdin, {"cmd": "tap", "button": "a"}))["ok"]
    pressed = await asyncio.wait_for(inputs.get(), TIMEOUT)
    assert (pressed.button, pressed.action.value, pressed.origin) == ("a", "press", "socket")
    assert (await ask(process.stdout, process.stdin, {"cmd": "subscribe"}))["ok"]
    journal.publish("speech.queued", text="Vestsight ready.")
    record = json.loads(await asyncio.wait_for(process.stdout.readline(), TIMEOUT))
    assert (record["event"], record["text"]) == ("speech.queued", "Vestsight ready.")
    process.stdin.close()  # the bench hangs up: the bridge ends cleanly
    assert await asyncio.wait_for(process.wait(), TIMEOUT) == 0


async def test_bridge_waits_for_a_starting_vest_and_says_when_there_is_none(
    tmp_path: Path,
) -> None:
    missing = tmp_path / "nowhere.sock"
    process = await bridge("--socket", str(missing), "--wait", "0.3")
    _out, err = await asyncio.wait_for(process.communicate(), TIMEOUT)
    assert process.returncode == 1
    assert b"cannot reach the vest's control socket" in err and str(missing).encode() in err


async def test_serial_bridge_over_a_pseudo_terminal(
    vest: tuple[ControlSocket, InputQueue],
) -> None:
    socket, _inputs = vest
    bench_end, vest_end = os.openpty()
    tty.setraw(vest_end)  # as the bridge sets it, before anything is written
    try:
        process = await bridge("--socket", str(socket.path), "--tty", os.ttyname(vest_end))
        async with pipe_streams(bench_end, bench_end) as (reader, writer):  # the bench's port
            reply = await ask(reader, writer, {"cmd": "status"})
            assert reply == {"ok": True, "cmd": "status", "status": {"llm": "ready"}}
            bad = await ask(reader, writer, {"cmd": "fly"})
            assert not bad["ok"] and "unknown cmd" in bad["error"]
        process.terminate()
        await asyncio.wait_for(process.communicate(), TIMEOUT)
    finally:
        os.close(bench_end)
        os.close(vest_end)


def test_the_socket_path_follows_the_config(tmp_path: Path) -> None:
    config = tmp_path / "vestsight.toml"
    config.write_text(f'[general]\nrun_dir = "{tmp_path / "run"}"\n', encoding="utf-8")
    assert socket_path_from_config(config) == tmp_path / "run" / "control.sock"
    config.write_text('[input]\nsocket_path = "/run/vestsight/control.sock"\n', encoding="utf-8")
    assert socket_path_from_config(config) == Path("/run/vestsight/control.sock")
