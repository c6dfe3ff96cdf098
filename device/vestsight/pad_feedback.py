"""What the wearer hears and feels about the gamepad: `PadFeedback` receives what a gamepad
service tells (`PadCallbacks`) and makes every state of the pad heard or felt, and journalled:

- connected / disconnected: a haptic pattern and a sentence;
- no pad found at start: said once, so a wearer never presses a sleeping pad wondering;
- a pad refused by the allow-list, or found but unusable: said once, with the error buzz;
- the pad's battery: journalled; said when it runs low.
"""

from __future__ import annotations

from collections.abc import Callable

from .commands.vest import Vest
from .errors import VestsightError
from .inputs.events import (
    LOW_PAD_BATTERY_PERCENT,
    Action,
    InputEvent,
    InputQueue,
    PadCallbacks,
    Source,
)
from .speech.speaker import Priority


class PadFeedback:
    """Turns what a gamepad service tells into input events, speech, haptics and journal records.

    `tell` says a sentence now, or right after "ready" while the vest is still starting.
    """

    def __init__(self, vest: Vest, inputs: InputQueue, tell: Callable[[str], None]) -> None:
        self._vest = vest
        self._inputs = inputs
        self._tell = tell

    def callbacks(self, origin: str) -> PadCallbacks:
        def submit(button: str, pressed: bool) -> None:
            action = Action.PRESS if pressed else Action.RELEASE
            self._inputs.submit(InputEvent(Source.GAMEPAD, button, action, origin=origin))

        return PadCallbacks(
            submit=submit,
            connected=lambda name: self._changed("connected", name),
            disconnected=lambda name: self._changed("disconnected", name),
            refused=self._refused,
            missing=self._missing,
            unusable=self._unusable,
            battery=self._battery,
        )

    def _changed(self, change: str, name: str) -> None:
        """The wearer feels and hears the pad come and go (it sleeps when idle)."""
        vest = self._vest
        vest.journal.publish(f"controller.{change}", name=name)
        vest.haptics.play(change)
        vest.speaker.say(vest.phrases.say(f"controller_{change}"), source="system")

    def _missing(self) -> None:
        self._vest.journal.publish("controller.missing")
        self._tell(self._vest.phrases.say("controller_missing"))

    def _refused(self, name: str, address: str) -> None:
        self._vest.journal.publish("controller.refused", name=name, address=address)
        self._vest.haptics.play("error")
        self._tell(self._vest.phrases.say("controller_refused"))

    def _unusable(self, name: str, error: VestsightError) -> None:
        vest = self._vest
        vest.journal.publish("controller.unusable", name=name, error=str(error))
        vest.haptics.play("error")
        self._tell(vest.phrases.say("controller_unusable", reason=vest.phrases.spoken(error)))

    def _battery(self, percent: int) -> None:
        vest = self._vest
        vest.journal.publish("controller.battery", percent=percent)
        if percent <= LOW_PAD_BATTERY_PERCENT:
            text = vest.phrases.say("controller_battery_low", percent=percent)
            vest.speaker.say(text, priority=Priority.URGENT, source="system")
