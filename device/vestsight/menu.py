"""A spoken menu worked with the buttons: the vest says the prompt and the first option; the D-pad
moves through the options, A picks, B cancels, and any other button closes it and does its own
work. Commands open one with `SpokenMenu.choose` (as `Vest.choose`); the controller offers it
every press first (`press`)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from .aio import wait_within
from .journal import Journal
from .phrases import Phrases
from .speech.speaker import Speaker

MENU_TIMEOUT_S = 30.0
MENU_NEXT = frozenset({"right", "down", "r"})
MENU_PREVIOUS = frozenset({"left", "up", "l"})
MENU_PICK = frozenset({"a", "start", "main"})
MENU_CANCEL = frozenset({"b", "stop"})


@dataclass
class _Open:
    options: list[str]
    spoken: list[str]
    picked: asyncio.Future[str | None]
    index: int = 0


class SpokenMenu:
    def __init__(
        self,
        speaker: Speaker,
        phrases: Phrases,
        journal: Journal,
        timeout_s: float = MENU_TIMEOUT_S,
    ) -> None:
        self._speaker = speaker
        self._phrases = phrases
        self._journal = journal
        self._timeout_s = timeout_s
        self._open: _Open | None = None

    @property
    def is_open(self) -> bool:
        return self._open is not None

    async def choose(self, prompt: str, options: list[str], spoken: list[str]) -> str | None:
        """Say `prompt` and the first option; the option picked, or None (cancelled, timed out,
        another button pressed, nothing to choose from)."""
        if not options:
            return None
        menu = _Open(options, spoken, asyncio.get_running_loop().create_future())
        self._open = menu
        self._journal.publish("menu.open", options=options)
        self._speaker.say(prompt, source="menu")
        self._speaker.say(spoken[0], source="menu")
        self._speaker.say(self._phrases.say("choose_hint"), source="menu")
        try:
            picked = await wait_within(asyncio.shield(menu.picked), self._timeout_s)
        except TimeoutError:
            picked = None
            self._speaker.say(self._phrases.say("cancelled"), source="menu")
        finally:
            if self._open is menu:
                self._open = None
            if not menu.picked.done():
                menu.picked.set_result(None)
            self._journal.publish("menu.closed", picked=menu.picked.result())
        return picked

    def press(self, button: str) -> bool:
        """A press while a menu may be open: True if the menu took it (moved, picked,
        cancelled); False if no menu is open or it is not a menu button (the menu closes and
        that button does its own work)."""
        menu = self._open
        if menu is None:
            return False
        if button in MENU_NEXT or button in MENU_PREVIOUS:
            step = 1 if button in MENU_NEXT else -1
            menu.index = (menu.index + step) % len(menu.options)
            self._speaker.say(menu.spoken[menu.index], source="menu")
            return True
        self._open = None
        if button in MENU_PICK:
            menu.picked.set_result(menu.options[menu.index])
            return True
        menu.picked.set_result(None)
        if button in MENU_CANCEL:
            self._speaker.say(self._phrases.say("cancelled"), source="menu")
            return True
        return False
