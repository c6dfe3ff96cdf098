"""Watch the battery (where a fuel gauge is exposed) and warn once when it runs low."""

from __future__ import annotations

import asyncio
import logging

from .commands.vest import Vest
from .speech import earcons
from .speech.speaker import Priority
from .supervisor import Service
from .system_status import read_battery

_LOGGER = logging.getLogger(__name__)

REARM_MARGIN = 5
"""After a warning, warn again only once the battery has been this many points higher."""


class PowerMonitor(Service):
    name = "power"
    spoken_name = "power"

    def __init__(self, vest: Vest) -> None:
        super().__init__()
        self._vest = vest
        self._warned = False

    async def run(self) -> None:
        settings = self._vest.settings.power
        self.ready.set()
        while True:
            battery = await asyncio.to_thread(read_battery)
            if battery is not None:
                self.check(battery.percent, battery.charging)
            await asyncio.sleep(settings.check_s)

    def check(self, percent: int, charging: bool) -> None:
        limit = self._vest.settings.power.low_battery_percent
        if percent > limit + REARM_MARGIN or charging:
            self._warned = False
            return
        if percent > limit or self._warned:
            return
        self._warned = True
        vest = self._vest
        _LOGGER.warning("Battery low: %d %%", percent)
        vest.journal.publish("power.low_battery", percent=percent)
        vest.haptics.play("low_battery")
        vest.speaker.play_sound(
            earcons.render("low_battery", vest.speaker.voice.volume), "low battery",
            priority=Priority.URGENT,
        )  # fmt: skip
        vest.speaker.say(
            vest.phrases.say("low_battery", percent=percent), priority=Priority.URGENT,
            source="power",
        )  # fmt: skip
