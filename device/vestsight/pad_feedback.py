"""What the wearer hears and feels about the gamepad: `PadFeedback` receives what a gamepad
service tells (`PadCallbacks`) and makes every state of the pad heard or felt, and journalled:

- connected / disconnected: a haptic pattern and a sentence;
- no pad found at start: said once, so a wearer never presses a sleeping pad wondering;
- a pad refused by the allow-list, or found but unusable: said once, with the error buzz;
- the pad's battery: journalled; said when it runs low.
"""

from __future__ import annotations

from .errors import VestsightError
from .feedback import WearerFeedback
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
    """Turns what a gamepad service tells into input events and `WearerFeedback`."""

    def __init__(self, feedback: WearerFeedback, inputs: InputQueue) -> None:
        self._feedback = feedback
        self._inputs = inputs

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
        """The wearer feels and hears the pad come and go (it sleeps when idle); a pad that
        connects while the vest starts is said after "ready" (the first sentence)."""
        self._feedback.tell(
            f"controller.{change}",
            feel=change,
            say=f"controller_{change}",
            after_ready=True,
            name=name,
        )

    def _missing(self) -> None:
        self._feedback.tell("controller.missing", say="controller_missing", after_ready=True)

    def _refused(self, name: str, address: str) -> None:
        self._feedback.tell(
            "controller.refused",
            feel="error",
            say="controller_refused",
            after_ready=True,
            name=name,
            address=address,
        )

    def _unusable(self, name: str, error: VestsightError) -> None:
        reason = self._feedback.phrases.spoken(error)
        self._feedback.tell(
            "controller.unusable",
            feel="error",
            say="controller_unusable",
            values={"reason": reason},
            after_ready=True,
            name=name,
            error=str(error),
        )

    def _battery(self, percent: int) -> None:
        self._feedback.tell("controller.battery", percent=percent)
        if percent <= LOW_PAD_BATTERY_PERCENT:
            self._feedback.tell(
                say="controller_battery_low", values={"percent": percent}, priority=Priority.URGENT
            )
