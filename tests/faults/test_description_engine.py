"""The description engine comes back after deaths while loading, and says why it is not there
(issue 16, item 4); a hung or killed worker is restarted and heard; a damaged file is told apart."""

from __future__ import annotations

import asyncio
import os
import signal
import time
from pathlib import Path

from tests.conftest import event
from tests.faults.harness import START_TIMEOUT, vest_process

NEEDS_MEMORY = "The description model needs more memory than is free. Still trying to load it."


async def test_deaths_while_loading_are_said_once_as_memory_and_it_comes_back(
    tmp_path: Path,
) -> None:
    async with vest_process(tmp_path, {"llm": {"enabled": True}}, wait_ready=False) as vest:
        client = vest.client
        killed: list[float] = []

        async def oom_killer() -> None:
            """As the kernel does under memory pressure: SIGKILL each worker while it loads."""
            while True:
                since = killed[-1] if killed else 0.0
                worker = await client.expect(event("llm.worker"), since, START_TIMEOUT)
                os.kill(worker["pid"], signal.SIGKILL)
                killed.append(worker["mono"] + 1e-6)

        killer = asyncio.create_task(oom_killer())
        try:
            await vest.ready()
            await vest.spoken(NEEDS_MEMORY, within=START_TIMEOUT)
            t = await client.tap("a")  # describe: the fast path answers, and says why no more
            await client.expect(event("speech.queued", source="fast"), t)
            await vest.hears(
                "The description model needs more memory; it is still trying to load.", t
            )
            await vest.answered("y")  # what is ahead: works all along
            t = await client.tap("x")  # and reading
            await client.expect(event("command.done", command="read"), t)
            assert vest.said(t)
            assert (await vest.status())["llm"] != "failed"
        finally:
            killer.cancel()
            await asyncio.gather(killer, return_exceptions=True)
        assert len(killed) >= 3

        ready = await client.expect(event("llm.state", state="ready"), killed[-1], START_TIMEOUT)
        await vest.hears("Description ready.", ready["mono"])
        assert vest.said().count(NEEDS_MEMORY) == 1  # said once, not once per retry
        delays = [
            r["delay"]
            for r in client.history
            if r["event"] == "service.failed" and r["service"] == "llm"
        ]
        assert delays == sorted(delays)  # backing off (capped by the supervisor's table)
        assert (await vest.status())["llm"] == "ready"


async def test_a_worker_killed_or_hung_after_loading_is_restarted_and_heard(
    tmp_path: Path,
) -> None:
    overrides = {"llm": {"enabled": True, "heartbeat_s": 0.5}}
    async with vest_process(tmp_path, overrides) as vest:
        client = vest.client
        first = await client.expect(event("llm.state", state="ready"), 0, START_TIMEOUT)
        worker = [r for r in client.history if r["event"] == "llm.worker"][-1]
        t = time.monotonic()
        os.kill(worker["pid"], signal.SIGKILL)
        await vest.hears("Description engine restarting.", t)
        second = await client.expect(event("llm.state", state="ready"), t, START_TIMEOUT)
        hung = [r for r in client.history if r["event"] == "llm.worker"][-1]
        assert second["mono"] > first["mono"] and hung["pid"] != worker["pid"]
        t = time.monotonic()
        os.kill(hung["pid"], signal.SIGSTOP)  # alive, answering nothing
        try:
            await vest.hears("Description engine restarting.", t, START_TIMEOUT)
            await client.expect(event("llm.state", state="ready"), t, START_TIMEOUT)
        finally:
            with_kill = [signal.SIGCONT, signal.SIGKILL]
            for sig in with_kill:
                try:
                    os.kill(hung["pid"], sig)
                except ProcessLookupError:
                    break
        assert not [text for text in vest.said() if "memory" in text]


async def test_a_damaged_model_file_is_said_as_damaged_and_not_retried(tmp_path: Path) -> None:
    model = tmp_path / "model.gguf"
    model.write_bytes(b"PK\x03\x04 a zip, not a model")
    overrides = {"llm": {"enabled": True, "model_path": str(model)}}
    async with vest_process(tmp_path, overrides) as vest:
        damaged = "Description engine failed: the description model file is damaged."
        await vest.hears(damaged, within=START_TIMEOUT)
        await vest.answered("y")
        workers = [r for r in vest.client.history if r["event"] == "llm.worker"]
        assert len(workers) == 1
        assert not [text for text in vest.said() if "memory" in text]
