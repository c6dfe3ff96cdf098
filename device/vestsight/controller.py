"""The controller: turns button presses into feedback and commands.

On every press, in this order and in the same loop iteration: the haptic acknowledgement
starts, speech stops, the running command is cancelled (which cancels its generation). Then the
button's command, if it has one, starts as a new task. A command that fails is never silent: its
error is spoken and felt.
"""

from __future__ import annotations

import asyncio
import logging

from .commands import COMMANDS, Vest
from .errors import VestsightError
from .inputs.events import Action, InputEvent, InputQueue, Source
from .speech.speaker import Priority
from .supervisor import Service

_LOGGER = logging.getLogger(__name__)


class Controller(Service):
    name = "controls"
    spoken_name = "controls"

    def __init__(self, vest: Vest, inputs: InputQueue) -> None:
        super().__init__()
        self._vest = vest
        self._inputs = inputs
        self._command: asyncio.Task[None] | None = None
        self._maps = {
            Source.GAMEPAD: vest.settings.buttons.gamepad,
            Source.GPIO: vest.settings.buttons.gpio,
        }

    @property
    def running_command(self) -> str | None:
        task = self._command
        return task.get_name().removeprefix("command-") if task and not task.done() else None

    async def run(self) -> None:
        self.ready.set()
        try:
            while True:
                self.handle(await self._inputs.get())
        finally:
            self._cancel_command()

    def handle(self, event: InputEvent) -> None:
        vest = self._vest
        vest.journal.publish(
            "input",
            source=event.source.value,
            button=event.button,
            action=event.action.value,
            origin=event.origin,
            pressed_at=event.at,
        )
        if event.action is not Action.PRESS:
            return
        vest.haptics.play("ack")
        vest.speaker.stop()
        self._cancel_command()
        command = self._maps[event.source].get(event.button)
        if command is None:
            button = vest.phrases.word("buttons", event.button)
            vest.speaker.say(vest.phrases.say("unmapped", button=button), source="command")
            return
        vest.journal.publish("command.start", command=command)
        self._command = asyncio.create_task(self._run_command(command), name=f"command-{command}")

    def _cancel_command(self) -> None:
        task, self._command = self._command, None
        if task is not None and not task.done():
            task.cancel()
            self._vest.journal.publish("command.cancel", command=task.get_name())

    async def _run_command(self, command: str) -> None:
        vest = self._vest
        try:
            await COMMANDS[command](vest)
        except VestsightError as err:
            _LOGGER.error("Command %s failed: %s", command, err)
            vest.journal.publish("command.failed", command=command, error=str(err))
            vest.haptics.play("error")
            vest.speaker.say(err.spoken, priority=Priority.URGENT, source="error")
            return
        except Exception:
            _LOGGER.exception("Command %s crashed", command)
            vest.journal.publish("command.failed", command=command, error="crash")
            vest.haptics.play("error")
            vest.speaker.say(VestsightError.spoken, priority=Priority.URGENT, source="error")
            return
        vest.journal.publish("command.done", command=command)
