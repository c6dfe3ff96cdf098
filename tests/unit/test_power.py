"""Low battery is heard (earcon and words, urgent) and felt, once per discharge."""

from __future__ import annotations

from tests.conftest import event, recording
from vestsight.journal import Journal
from vestsight.power import PowerMonitor
from vestsight.system_status import read_status


async def test_low_battery_warns_once_and_rearms_after_charging(vest, journal: Journal) -> None:
    the_vest, _inputs, _llm = vest
    monitor = PowerMonitor(the_vest)
    async with recording(journal) as log:
        monitor.check(40, charging=False)
        monitor.check(15, charging=False)  # the default limit
        felt = await log.expect(event("haptic", pattern="low_battery"))
        earcon = await log.expect(event("speech.queued", source="earcon"))
        said = await log.expect(event("speech.queued", source="power"))
        monitor.check(12, charging=False)
        monitor.check(14, charging=True)
        monitor.check(11, charging=False)
        again = await log.expect(event("speech.queued", source="power"), said["mono"] + 1e-9)
    warnings = [r for r in log.history if r["event"] == "power.low_battery"]
    assert [r["percent"] for r in warnings] == [15, 11]  # not at 40, not twice while draining
    assert felt["felt"]
    assert earcon["text"] == "[low battery]" and earcon["priority"] == "urgent"
    assert said["text"] == "Battery low: 15 percent." and said["priority"] == "urgent"
    assert again["text"] == "Battery low: 11 percent."


def test_status_of_this_machine_reads_without_a_pi() -> None:
    status = read_status()  # no fuel gauge and no vcgencmd here: unknown, not an error
    assert status.battery is None or 0 <= status.battery.percent <= 100
    assert status.cpu_celsius is None or -40 < status.cpu_celsius < 130
