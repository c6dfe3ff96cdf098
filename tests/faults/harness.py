"""The real vest as its own process (``python -m vestsight``), heard and felt through its control
socket: every journal record since it started (``subscribe`` with ``history``) is what the
wearer heard (``speech.queued``/``speech.end``) and felt (``haptic``)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import sys
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.conftest import REPO, TIMEOUT, event
from tests.integration.vest import Overrides, VestClient, write_config
from vestsight.journal import Record

START_TIMEOUT = 90.0
"""Python start, imports, the camera's first frame and "ready" on a busy 2-core CI machine."""
OUTSIDE = frozenset({"NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID", "VESTSIGHT_IMAGE_CONFIG"})
"""What the test's own environment must not lend the vest (a systemd unit, a card's image)."""
BASE: Overrides = {"llm": {"enabled": False}, "stt": {"enabled": False}}
"""What the fault tests leave out unless they test it: the model loads in seconds, not for free."""


@dataclass
class VestProcess:
    process: asyncio.subprocess.Process
    client: VestClient
    log: Path
    config: Path
    socket: Path
    clients: list[VestClient] = field(default_factory=list)
    killed: bool = False
    """Killed by the test (kill -9): its exit code is not checked."""

    async def kill(self) -> None:
        """kill -9, as a power cut or the kernel would."""
        self.killed = True
        self.process.send_signal(signal.SIGKILL)
        await asyncio.wait_for(self.process.wait(), TIMEOUT)

    async def ready(self) -> Record:
        return await self.client.expect(event("vest.ready"), within=START_TIMEOUT)

    def said(self, since: float = 0.0) -> list[str]:
        """Sentences queued for speech since `since` (earcons aside)."""
        return [
            r["text"]
            for r in self.client.since(since)
            if r["event"] == "speech.queued" and r.get("source") != "earcon"
        ]

    def felt(self, since: float = 0.0) -> list[str]:
        return [r["pattern"] for r in self.client.since(since) if r["event"] == "haptic"]

    async def hears(self, text: str, since: float = 0.0, within: float = TIMEOUT) -> Record:
        """The sentence `text` queued for speech (at or after `since`)."""
        return await self.client.expect(
            lambda r: r["event"] == "speech.queued" and r.get("text") == text, since, within
        )

    async def spoken(self, text: str, since: float = 0.0, within: float = TIMEOUT) -> Record:
        """The sentence `text` played to its end (heard, not only queued)."""
        return await self.client.expect(
            lambda r: (
                r["event"] == "speech.end" and r.get("text") == text and r.get("outcome") == "done"
            ),
            since,
            within,
        )

    async def answered(self, button: str = "y", source: str = "ahead") -> Record:
        """Tap `button` (what is ahead): the press is felt, and a sentence from `source` is
        heard to its end."""
        t = await self.client.tap(button)
        await self.client.expect(event("haptic"), t)
        queued = await self.client.expect(event("speech.queued", source=source), t)
        return await self.client.expect(event("speech.end", id=queued["id"], outcome="done"), t)

    async def status(self) -> dict[str, Any]:
        reply = await self.client.request(cmd="status")
        assert reply["ok"], reply
        return dict(reply["status"])

    async def connect(self) -> VestClient:
        """Another client of the control socket (closed with the vest)."""
        client = VestClient(*await asyncio.open_unix_connection(str(self.socket)))
        self.clients.append(client)
        return client

    def log_text(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")


def config_for(folder: Path, overrides: Overrides | None = None) -> Path:
    sections: Overrides = {name: dict(values) for name, values in BASE.items()}
    for name, values in (overrides or {}).items():
        sections.setdefault(name, {}).update(values)
    return write_config(folder, sections)


@contextlib.asynccontextmanager
async def vest_process(
    folder: Path,
    overrides: Overrides | None = None,
    *,
    config: Path | None = None,
    socket: Path | None = None,
    env: dict[str, str] | None = None,
    wait_ready: bool = True,
) -> AsyncIterator[VestProcess]:
    """Start the vest process (with `config`, else one written from `overrides`), connect to its
    control socket (`socket`, else ``run/control.sock``) with its journal since the start, and
    stop it with SIGTERM at the end (it must stop within `TIMEOUT`)."""
    config = config or config_for(folder, overrides)
    socket = socket or folder / "run" / "control.sock"
    log = folder / "vest.log"
    process = await spawn_vest(config, log, env)
    try:
        client = await asyncio.wait_for(_connect(socket, process, log), START_TIMEOUT)
        vest = VestProcess(process, client, log, config, socket)
        assert (await client.request(cmd="subscribe", history=True))["ok"]
        if wait_ready:
            await vest.ready()
        try:
            yield vest
        finally:
            for other in vest.clients:
                with contextlib.suppress(ConnectionError, TimeoutError):
                    await other.close()
            with contextlib.suppress(ConnectionError):
                await client.close()
        await stop(process)
        if not vest.killed:
            assert process.returncode == 0, f"the vest exited with {process.returncode}"
    finally:
        await stop(process)


async def spawn_vest(
    config: Path, log: Path, env: dict[str, str] | None = None
) -> asyncio.subprocess.Process:
    """The vest as the card runs it (``python -m vestsight --config``), its output in `log`."""
    environment = {
        **{k: v for k, v in os.environ.items() if k not in OUTSIDE},
        "PYTHONPATH": str(REPO / "device"),
        **(env or {}),
    }
    with log.open("wb") as output:
        return await asyncio.create_subprocess_exec(
            sys.executable, "-m", "vestsight", "--config", str(config),
            stdin=asyncio.subprocess.DEVNULL, stdout=output, stderr=output, env=environment,
        )  # fmt: skip


async def _connect(socket: Path, process: asyncio.subprocess.Process, log: Path) -> VestClient:
    """The control socket once it answers; the vest's log if the process ends first."""
    while True:
        if process.returncode is not None:
            raise AssertionError(f"the vest exited ({process.returncode}):\n{_tail(log)}")
        with contextlib.suppress(FileNotFoundError, ConnectionRefusedError):
            return VestClient(*await asyncio.open_unix_connection(str(socket)))
        # Polled, bounded by the caller: the socket's appearance is announced nowhere else.
        await asyncio.sleep(0.05)


async def stop(process: asyncio.subprocess.Process) -> None:
    """SIGTERM, then SIGKILL if it has not ended within `TIMEOUT` (the test then fails)."""
    if process.returncode is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        process.send_signal(signal.SIGTERM)
    try:
        await asyncio.wait_for(process.wait(), TIMEOUT)
    except TimeoutError:
        process.kill()
        await process.wait()
        raise AssertionError("the vest did not stop within its timeout") from None


def _tail(log: Path, lines: int = 40) -> str:
    return "\n".join(log.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])


def journal_records(path: Path) -> list[Record]:
    """Every record of a journal file (a line cut short by a full disk is left out)."""
    records = []
    for line in path.read_text(encoding="utf-8").splitlines():
        with contextlib.suppress(ValueError):
            records.append(json.loads(line))
    return records


def where(name: str, **fields: Any) -> Callable[[Record], bool]:
    return event(name, **fields)
