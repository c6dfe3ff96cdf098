"""Run the whole simulated vest in the test's event loop and talk to it over its control socket."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from tests.conftest import TIMEOUT, RecordLog, event
from vestsight.app import VestApp
from vestsight.config_loader import load_settings
from vestsight.journal import Record

START_TIMEOUT = 120.0


class VestClient(RecordLog):
    """A bench-style client: sends requests, keeps every journal record it is sent."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        super().__init__()
        self._reader, self._writer = reader, writer
        self._replies: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self._pump = asyncio.create_task(self._read())

    async def _read(self) -> None:
        while line := await self._reader.readline():
            message = json.loads(line)
            if "event" in message:
                await self.add(message)
            else:
                self._replies.put_nowait(message)

    async def request(self, **fields: Any) -> dict[str, Any]:
        self._writer.write(json.dumps(fields).encode() + b"\n")
        await self._writer.drain()
        return await asyncio.wait_for(self._replies.get(), TIMEOUT)

    async def tap(self, button: str, source: str = "gamepad") -> float:
        """Press and release; return the monotonic time just before the press."""
        before = time.monotonic()
        reply = await self.request(cmd="tap", button=button, source=source)
        assert reply["ok"], reply
        return before

    async def hold(self, button: str, source: str = "gamepad") -> float:
        """A long press: held past the hold time, then let go; the time before the press."""
        before = time.monotonic()
        reply = await self.request(cmd="hold", button=button, source=source)
        assert reply["ok"], reply
        await self.expect(event("input.held", button=button), before)
        await self.expect(event("input", button=button, action="release"), before)
        return before

    async def said(self, since: float, source: str | None = None) -> list[str]:
        """The texts queued for speech since `since` (from `source`, if given), earcons aside."""
        return [
            r["text"]
            for r in self.since(since)
            if r["event"] == "speech.queued"
            and r["source"] != "earcon"
            and (source is None or r["source"] == source)
        ]

    async def close(self) -> None:
        self._writer.close()
        await asyncio.wait_for(self._writer.wait_closed(), TIMEOUT)
        await asyncio.wait_for(self._pump, TIMEOUT)


Overrides = dict[str, dict[str, Any]]


def write_config(folder: Path, overrides: Overrides | None = None) -> Path:
    """A config for a test vest in `folder`: WAV speech, no terminal, plus `overrides`."""
    sections: Overrides = {
        "general": {"run_dir": str(folder / "run")},
        "input": {"terminal": False},
        "speech": {"output": "wav"},
    }
    for name, values in (overrides or {}).items():
        sections.setdefault(name, {}).update(values)
    lines = []
    for name, values in sections.items():
        lines.append(f"[{name}]")
        lines += [f"{key} = {json.dumps(value)}" for key, value in values.items()]
    path = folder / "vestsight.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@contextlib.asynccontextmanager
async def running_vest(
    folder: Path, overrides: Overrides | None = None, *, config_problems: int = 0
) -> AsyncIterator[tuple[VestApp, VestClient, list[Record]]]:
    """Start the vest; wait until it is ready and its model has loaded (or failed to).

    Yields the app, a control-socket client subscribed to the journal, and every record
    journalled during start-up.
    """
    loaded = load_settings(write_config(folder, overrides))
    assert len(loaded.problems) == config_problems, loaded.problems
    app = VestApp(loaded)
    startup: list[Record] = []
    task = asyncio.create_task(app.run())
    wanted = {"vest.ready", "llm.settled"} if loaded.settings.llm.enabled else {"vest.ready"}
    async with app.journal.subscribe() as early:
        seen = set()
        while not wanted <= seen:
            record = await asyncio.wait_for(early.get(), START_TIMEOUT)
            startup.append(record)
            seen.add(record["event"])
            if record["event"] == "llm.state" and record["state"] in ("ready", "failed"):
                seen.add("llm.settled")
        await asyncio.wait_for(app.control_socket.ready.wait(), TIMEOUT)
        client = VestClient(*await asyncio.open_unix_connection(str(app.control_socket.path)))
        assert (await client.request(cmd="subscribe"))["ok"]
        # No gap between the two: what was journalled until the client's subscription surely
        # began (the marker) is start-up; from the marker on, the client has it.
        marker = app.journal.publish("test.subscribed")
        while (record := await asyncio.wait_for(early.get(), TIMEOUT)) is not marker:
            startup.append(record)
    await client.expect(event("test.subscribed"))
    client.history = [r for r in client.history if r["mono"] > marker["mono"]]
    try:
        yield app, client, startup
    finally:
        await client.close()
        app.request_stop()
        await asyncio.wait_for(task, TIMEOUT)
