"""The controller: turns button presses into feedback and commands.

On every press, in this order and in the same loop iteration: the haptic acknowledgement
starts, speech stops, the running command is cancelled (which cancels its generation). Then:

- if a spoken menu is open (`vestsight.menu`), the D-pad moves through it, A picks, B cancels;
- a button with a long-press command waits: released before `hold_ms`, it runs its short-press
  command; held, it buzzes a second time and runs its long-press command;
- a button with a double-press command, once released, waits `double_ms` for a second press: if
  it comes, the double-press command runs (that press's release and hold do nothing more);
  otherwise the short-press command runs;
- otherwise its command starts at once, as a task of its own.

The push-to-talk button (`[buttons] gamepad_talk`, `gpio_talk`) waits like a button with a
long-press command: released before `hold_ms`, it runs its short-press command; held, it starts
asking by voice (`commands.asking.ask`), which records until that button is released. Any other
press cancels the question like any command.

A command that fails is never silent: its error is spoken and felt.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable

from .commands import COMMANDS, Vest, ask
from .errors import VestsightError
from .feedback import WearerFeedback
from .inputs.events import Action, InputEvent, InputQueue, Source
from .menu import SpokenMenu
from .speech.speaker import Priority
from .supervisor import Service

_LOGGER = logging.getLogger(__name__)


class Controller(Service):
    name = "controls"

    def __init__(
        self, vest: Vest, inputs: InputQueue, menu: SpokenMenu, feedback: WearerFeedback
    ) -> None:
        super().__init__()
        self._vest = vest
        self._feedback = feedback
        self._inputs = inputs
        self._menu = menu
        self._command: asyncio.Task[None] | None = None
        buttons = vest.settings.buttons
        self._maps = {Source.GAMEPAD: buttons.gamepad, Source.GPIO: buttons.gpio}
        self._hold_maps = {Source.GAMEPAD: buttons.gamepad_hold, Source.GPIO: buttons.gpio_hold}
        self._double_maps = {
            Source.GAMEPAD: buttons.gamepad_double,
            Source.GPIO: buttons.gpio_double,
        }
        self._talk = {Source.GAMEPAD: buttons.gamepad_talk, Source.GPIO: buttons.gpio_talk}
        self._hold_s = buttons.hold_ms / 1000
        self._double_s = buttons.double_ms / 1000
        self._waiting: tuple[Source, str, asyncio.TimerHandle | None] | None = None
        """A press waiting for its release (and, with a hold command, for the hold time)."""
        self._tap: tuple[Source, str, asyncio.TimerHandle] | None = None
        """A released press waiting for a second press (buttons with a double command)."""
        self._second_press: tuple[Source, str] | None = None
        """The second press of a double: its release does nothing."""
        self._talking: tuple[Source, str, asyncio.Event] | None = None
        """The push-to-talk button held down: its release ends the recording."""

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
            self._forget_waiting()
            self._forget_tap()
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
        if event.action is Action.RELEASE:
            self._released(event)
            return
        if event.action is not Action.PRESS:
            return  # gpiozero's own "held" events: the controller times holds itself
        vest.haptics.play("ack")
        vest.speaker.stop()
        key = (event.source, event.button)
        second = self._tap is not None and self._tap[:2] == key
        self._forget_waiting()
        self._forget_tap()
        self._talking = None
        if self._menu.press(event.button):
            return
        self._cancel_command()
        if second:
            self._second_press = key
            vest.journal.publish("input.double", source=event.source.value, button=event.button)
            self._start(self._double_maps[event.source].get(event.button), event.button)
            return
        self._second_press = None
        talk = event.button == self._talk[event.source]
        if talk or event.button in self._hold_maps[event.source]:
            timer = asyncio.get_running_loop().call_later(
                self._hold_s, self._talk_held if talk else self._held, event.source, event.button
            )
            self._waiting = (event.source, event.button, timer)
            return
        if event.button in self._double_maps[event.source]:
            self._waiting = (event.source, event.button, None)  # wait for the release
            return
        self._start(self._maps[event.source].get(event.button), event.button)

    def _released(self, event: InputEvent) -> None:
        key = (event.source, event.button)
        if self._talking is not None and self._talking[:2] == key:
            self._talking[2].set()  # the question is over: transcribe and answer
            self._talking = None
            return
        if self._second_press == key:
            self._second_press = None
            return
        waiting = self._waiting
        if waiting is None or waiting[:2] != key:
            return
        self._forget_waiting()
        if event.button in self._double_maps[event.source]:
            timer = asyncio.get_running_loop().call_later(self._double_s, self._single, *key)
            self._tap = (event.source, event.button, timer)
            return
        self._start(self._maps[event.source].get(event.button), event.button)

    def _single(self, source: Source, button: str) -> None:
        """No second press came: it was a single press after all."""
        self._tap = None
        self._start(self._maps[source].get(button), button)

    def _held(self, source: Source, button: str) -> None:
        self._waiting = None
        self._vest.haptics.play("ack")  # a second tick: "that was a long press"
        self._vest.journal.publish("input.held", source=source.value, button=button)
        self._start(self._hold_maps[source].get(button), button)

    def _talk_held(self, source: Source, button: str) -> None:
        """The push-to-talk button is held: record until it is released."""
        self._waiting = None
        self._vest.haptics.play("ack")
        self._vest.journal.publish("input.talk", source=source.value, button=button)
        released = asyncio.Event()
        self._talking = (source, button, released)
        self._launch("ask", ask(self._vest, released))

    def _forget_waiting(self) -> None:
        if self._waiting is not None and self._waiting[2] is not None:
            self._waiting[2].cancel()
        self._waiting = None

    def _forget_tap(self) -> None:
        if self._tap is not None:
            self._tap[2].cancel()
            self._tap = None

    def _start(self, command: str | None, button: str) -> None:
        vest = self._vest
        if command is None:
            name = vest.phrases.word("buttons", button)
            vest.speaker.say(vest.phrases.say("unmapped", button=name), source="command")
            return
        self._launch(command, COMMANDS[command](vest))

    def _launch(self, command: str, work: Awaitable[None]) -> None:
        self._vest.journal.publish("command.start", command=command)
        self._command = asyncio.create_task(
            self._run_command(command, work), name=f"command-{command}"
        )

    def _cancel_command(self) -> None:
        task, self._command = self._command, None
        if task is not None and not task.done():
            task.cancel()
            self._vest.journal.publish("command.cancel", command=task.get_name())

    async def _run_command(self, command: str, work: Awaitable[None]) -> None:
        feedback = self._feedback
        try:
            await work
        except VestsightError as err:
            _LOGGER.error("Command %s failed: %s", command, err)
            feedback.tell_error(
                "command.failed", err, priority=Priority.URGENT, source="error", once=True,
                command=command,
            )  # fmt: skip
            return
        except Exception:
            _LOGGER.exception("Command %s crashed", command)  # a bug must still be heard
            feedback.tell("command.failed", feel="error", command=command, error="crash")
            text = feedback.phrases.word("errors", VestsightError.phrase)  # "something went wrong"
            feedback.say_text(text, priority=Priority.URGENT, source="error")
            return
        feedback.journal.publish("command.done", command=command)
