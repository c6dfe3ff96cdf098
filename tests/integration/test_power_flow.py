"""The battery on the whole simulated vest, driven through the control socket as the bench does:
warnings heard and felt at 20, 10 and 5 %, "charging", `status`, a safe shutdown at the critical
level that saves memory and journal and is said at the next start, and the Pi's power button."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path
from typing import Any

from tests.conftest import event
from tests.integration.vest import VestClient, running_vest

VEST: dict[str, dict[str, Any]] = {
    "llm": {"enabled": False},
    # Read only when the test asks (the battery command's checks), never on a timer mid-test.
    "power": {"backend": "simulated", "shutdown": "simulated", "check_s": 600.0},
}


async def battery(client: VestClient, **state: Any) -> dict[str, Any]:
    """Set the simulated battery, wait until the vest has read it (`checks` times, default 1)."""
    reply = await client.request(cmd="battery", **state)
    assert reply["ok"], reply
    await client.expect(event("power.checked", checks=reply["until"]))
    return reply


def power_said(client: VestClient, since: float) -> list[str]:
    return [
        r["text"]
        for r in client.since(since)
        if r["event"] == "speech.queued" and r["source"] == "power"
    ]


async def test_warnings_charging_and_a_safe_shutdown_said_at_the_next_start(
    tmp_path: Path,
) -> None:
    async with running_vest(tmp_path, VEST) as (app, client, _startup):
        t = time.monotonic()
        for percent in (25, 20, 15, 10, 7, 5):
            await battery(client, percent=percent)
        await battery(client, plugged=True)
        assert power_said(client, t) == [
            "Battery low: 20 percent.",
            "Battery very low: 10 percent. Charge the vest soon.",
            "Battery critical: 5 percent. The vest will shut down soon.",
            "Charging. Battery 5 percent.",
        ]
        haptics = [r for r in client.since(t) if r["event"] == "haptic"]
        assert [r["pattern"] for r in haptics] == [
            "battery",
            "battery",
            "battery_critical",
            "connected",
        ]
        assert all(r["felt"] for r in haptics)  # on the mock motor pin

        t = await client.tap("start")  # status
        await client.expect(event("command.done", command="status"), t)
        assert "Battery 5 percent, charging." in await client.said(t, "command")

        t = time.monotonic()
        await battery(client, plugged=False, percent=4)
        # One reading at the shutdown level is not believed enough; three in a row are.
        await battery(client, percent=2.5, checks=2)
        assert not [r for r in client.since(t) if r["event"] == "power.shutdown"]
        await battery(client, checks=1)
        shutdown = await client.expect(event("power.shutdown", reason="battery"), t)
        said = await client.expect(event("speech.queued", source="power"), shutdown["mono"])
        assert said["text"] == "Battery empty. Saving and shutting down; charge the vest."
        assert said["priority"] == "urgent"
        await client.expect(event("haptic", pattern="battery_critical"), shutdown["mono"])
        saved = await client.expect(event("power.saved", reason="battery"), t)
        await client.expect(event("power.poweroff"), saved["mono"])
        assert app.vest.usable_memory is None  # closed before the power-off: nothing writes to it
    run = tmp_path / "run"
    assert not (run / "memory.sqlite3-wal").exists()  # checkpointed into the file, closed
    with sqlite3.connect(run / "memory.sqlite3") as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    journal = (run / "journal.jsonl").read_text(encoding="utf-8")
    assert '"power.saved"' in journal

    async with running_vest(tmp_path, VEST) as (_app, _client, startup):
        spoken = [r["text"] for r in startup if r["event"] == "speech.queued"]
        assert "Vestsight had shut down because the battery was empty." in spoken
    async with running_vest(tmp_path, VEST) as (_app, _client, startup):  # said once only
        spoken = [r["text"] for r in startup if r["event"] == "speech.queued"]
        assert not [text for text in spoken if "had shut down" in text]


async def test_the_power_button_and_a_gauge_that_stops_answering(tmp_path: Path) -> None:
    async with running_vest(tmp_path, VEST) as (_app, client, _startup):
        t = time.monotonic()
        await battery(client, answering=False, checks=5)
        await battery(client, checks=5)  # still not answering: said once
        assert power_said(client, t) == [
            "Battery level unknown: the battery gauge is not answering."
        ]
        status = (await client.request(cmd="status"))["status"]["battery"]
        assert status["percent"] is None and status["problem"] == "not_answering"
        assert not [r for r in client.since(t) if r["event"] == "power.critical"]

        # Back, 20 points below what it last said: a jump is believed once a second reading agrees.
        await battery(client, answering=True, percent=60)
        status = (await client.request(cmd="status"))["status"]["battery"]
        assert status["percent"] == 80
        await battery(client)
        status = (await client.request(cmd="status"))["status"]["battery"]
        assert status["percent"] == 60 and status["problem"] is None

        bad = await client.request(cmd="battery", percent=140)
        assert not bad["ok"] and "percent" in bad["error"]

        t = time.monotonic()
        reply = await client.request(cmd="power_button")
        assert reply["ok"] and reply["shutting_down"]
        shutdown = await client.expect(event("power.shutdown", reason="power_key"), t)
        said = await client.expect(event("speech.queued", source="power"), shutdown["mono"])
        assert said["text"] == "Shutting down."
        await client.expect(event("power.saved", reason="power_key"), t)
        await client.expect(event("power.poweroff"), t)

    async with running_vest(tmp_path, VEST) as (_app, _client, startup):
        spoken = [r["text"] for r in startup if r["event"] == "speech.queued"]
        assert not [text for text in spoken if "had shut down" in text]  # a shutdown asked for
