"""The control socket tells the truth and has limits (issue 16, item 6), and garbage on it is
answered, never fatal."""

from __future__ import annotations

import asyncio
import contextlib
import json
from pathlib import Path

from tests.conftest import TIMEOUT
from tests.faults.harness import START_TIMEOUT, VestProcess, journal_records, vest_process
from vestsight.inputs.control_socket import MAX_CONNECTIONS


async def raw(vest: VestProcess, data: bytes) -> dict[str, object]:
    """Send `data` on a connection of its own; the one reply.

    The vest may answer and hang up before it has taken all of `data` (a line too long): the
    rest of the write then fails with a broken pipe, which is the vest's right, and the reply
    it sent first is still read.
    """
    reader, writer = await asyncio.open_unix_connection(str(vest.socket), limit=1 << 20)
    try:
        writer.write(data)
        with contextlib.suppress(ConnectionError):
            await writer.drain()
        line = await asyncio.wait_for(reader.readline(), TIMEOUT)
        return dict(json.loads(line))
    finally:
        writer.close()
        with contextlib.suppress(ConnectionError):
            await asyncio.wait_for(writer.wait_closed(), TIMEOUT)


async def presses(journal: Path, button: str, at_least: int) -> int:
    """Presses of `button` from the socket in the journal file, once there are `at_least`."""

    def count() -> int:
        return sum(
            1
            for r in journal_records(journal)
            if r["event"] == "input" and r["button"] == button and r["action"] == "press"
        )

    async def enough() -> int:
        while True:
            if (found := count()) >= at_least:
                return found
            await asyncio.sleep(0.1)  # polled (bounded): the file is the complete record

    return await asyncio.wait_for(enough(), START_TIMEOUT)


async def test_every_tap_is_answered_with_its_real_outcome(tmp_path: Path) -> None:
    async with vest_process(tmp_path) as vest:
        clients = [await vest.connect() for _client in range(20)]
        taps = [client.request(cmd="tap", button="l") for client in clients for _tap in range(10)]
        replies = await asyncio.wait_for(asyncio.gather(*taps), START_TIMEOUT)
        accepted = sum(1 for reply in replies if reply["ok"])
        refused = [reply for reply in replies if not reply["ok"]]
        assert accepted + len(refused) == 200
        assert {reply["error"] for reply in refused} <= {
            "input queue full (the vest is busy; press again)"
        }
        assert accepted > 0
        # The queue is first in, first out: once a later press is journalled, all are.
        assert (await vest.client.request(cmd="tap", button="select"))["ok"]
        journal = tmp_path / "run" / "journal.jsonl"
        await presses(journal, "select", 1)
        assert await presses(journal, "l", accepted) == accepted  # no ack without its press


async def test_connections_are_capped_and_the_vest_works_on(tmp_path: Path) -> None:
    async with vest_process(tmp_path) as vest:
        streams = []
        try:
            for _client in range(MAX_CONNECTIONS + 8):
                streams.append(await asyncio.open_unix_connection(str(vest.socket)))
            # A refused client is told at once; a served one says nothing until asked.
            first = await asyncio.gather(
                *(asyncio.wait_for(reader.readline(), 2.0) for reader, _writer in streams),
                return_exceptions=True,
            )
            refused = [line for line in first if isinstance(line, bytes)]
            assert {json.loads(line)["error"] for line in refused} == {"too many connections"}
            assert len(refused) >= 8  # the bench's own client is one of those served
            served = [
                s for s, line in zip(streams, first, strict=True) if not isinstance(line, bytes)
            ]
            assert len(served) + len(refused) == len(streams)
            for reader, writer in served:
                writer.write(b'{"cmd": "clock"}\n')
                await writer.drain()
                assert json.loads(await asyncio.wait_for(reader.readline(), TIMEOUT))["ok"]
        finally:
            for _reader, writer in streams:
                writer.close()
        await vest.answered("y")
        assert (await vest.status())["ready"]["camera"]


async def test_garbage_deep_nesting_and_long_lines_are_answered_not_fatal(tmp_path: Path) -> None:
    async with vest_process(tmp_path) as vest:
        assert (await raw(vest, b"[" * 100_000 + b"\n"))["ok"] is False
        assert (await raw(vest, b'{"cmd": ' + b"[" * 50_000 + b"\n"))["ok"] is False
        reply = await raw(vest, b"\x00\xff\xfe garbage \x80\n")
        assert reply["ok"] is False
        assert (await raw(vest, b"x" * (200 * 1024) + b"\n"))["error"] == "line too long"
        assert (await raw(vest, b'{"cmd": "tap", "button": "zz"}\n'))["ok"] is False
        assert (await raw(vest, b'"just a string"\n'))["ok"] is False
        await vest.answered("y")
        assert "Traceback" not in vest.log_text()
