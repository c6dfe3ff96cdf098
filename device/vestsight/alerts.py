"""Faults the wearer must know of at once, and how each is heard and felt.

- Storage (journal, memory, preferences cannot be written): said once, with the error buzz;
  said again once it works. A damaged memory database kept aside: said once. Such a sentence
  cut short by a press (the press that found the fault stops speech) is said again, up to
  `REPEATS` times, once the answer to that press has been heard (`LULL_S` of quiet, no command
  running), and gives way to any other sentence: said once means heard once, and never before
  what was asked.
- Speech that cannot be heard: felt, since it cannot be said. ``speech_broken`` is felt at once
  and then instead of every press's acknowledgement; when it escalates (failures in a row) it is
  felt again with the error earcon (heard when only the voice is broken) and then every
  `REMIND_S` until speech works again, which is said.
- The description engine that keeps failing to load: said once, with why (out of memory).
- The watchdog: fed only while every service that matters is still supervised.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable
from pathlib import Path

from .feedback import WearerFeedback
from .llm.client import OUT_OF_MEMORY
from .speech import earcons
from .speech.speaker import Priority, Utterance
from .storage import FULL
from .supervisor import Supervisor

_LOGGER = logging.getLogger(__name__)

REPEATS = 3
"""How often a fault's sentence is said again when presses keep cutting it short."""
REMIND_S = 60.0
"""While escalated speech stays broken, ``speech_broken`` is felt this often."""
LULL_S = 1.5
"""A fault's sentence cut short is said again after this long with nothing said."""
MAX_TURNS = 12
"""How often such a sentence may give way to others before it is left unsaid."""


class FaultAlerts:
    def __init__(
        self,
        feedback: WearerFeedback,
        remind_s: float = REMIND_S,
        lull_s: float = LULL_S,
        busy: Callable[[], bool] = lambda: False,
    ) -> None:
        self._feedback = feedback
        self._remind_s = remind_s
        self._lull_s = lull_s
        self._busy = busy
        """Whether a command the wearer asked for still runs (a description between sentences)."""
        self._reminder: asyncio.Task[None] | None = None
        self._repeating: set[asyncio.Task[None]] = set()

    # --- storage ---------------------------------------------------------------------------

    def storage_changed(self, problem: str) -> None:
        """The data partition cannot be written (`problem`: full, unwritable), or can again."""
        wearer = self._feedback
        wearer.journal.publish("storage.state", problem=problem or None)
        if not problem:
            self._heard(wearer.phrases.say("storage_back"))
            return
        self._buzz()
        self._heard(wearer.phrases.say("storage_full" if problem == FULL else "storage_unwritable"))

    def memory_damaged(self, kept: Path) -> None:
        wearer = self._feedback
        wearer.journal.publish("memory.damaged", kept=str(kept))
        self._buzz()
        self._heard(wearer.phrases.say("memory_damaged"))

    def _buzz(self) -> None:
        """The error buzz, after the acknowledgement of the press that found the fault (its
        journal record is often the write that failed): not cut short by it."""
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            self._feedback.haptics.play("error")
            return
        loop.call_soon(self._feedback.haptics.follow, "error")

    # --- speech ----------------------------------------------------------------------------

    def speech_changed(self, change: str) -> None:
        """A change of `Speaker.health`: broken, escalated, recovered, or a fallback in use."""
        wearer = self._feedback
        haptics = wearer.haptics
        if change == "broken":
            haptics.alert = "speech_broken"
            haptics.play("speech_broken")
        elif change == "escalated":
            haptics.play("speech_broken")
            audio = earcons.render("error", wearer.speaker.voice.volume)
            wearer.speaker.play_sound(audio, "speech broken", priority=Priority.URGENT)
            if self._reminder is None or self._reminder.done():
                self._reminder = asyncio.create_task(self._remind(), name="speech-reminder")
        elif change == "recovered":
            haptics.alert = None
            self._stop_reminder()
            wearer.speaker.say(wearer.phrases.say("speech_back"), source="system")
        elif change in ("voice", "output"):
            key = "speech_voice_fallback" if change == "voice" else "speech_output_fallback"
            wearer.speaker.say(wearer.phrases.say(key), source="system")

    async def _remind(self) -> None:
        wearer = self._feedback
        while wearer.speaker.health.broken:
            await asyncio.sleep(self._remind_s)
            if wearer.speaker.health.broken:
                wearer.journal.publish("speech.reminder", reason=wearer.speaker.health.reason)
                wearer.haptics.play("speech_broken")

    def _stop_reminder(self) -> None:
        task, self._reminder = self._reminder, None
        if task is not None:
            task.cancel()

    # --- the description engine and the control socket -------------------------------------

    def llm_retrying(self, reason: str) -> None:
        wearer = self._feedback
        if reason == OUT_OF_MEMORY:
            self._heard(wearer.phrases.say("llm_retrying_memory"))
        else:
            self._heard(wearer.phrases.say("llm_retrying", reason=reason))

    def _heard(self, text: str) -> None:
        """Say `text`, and again (up to `REPEATS` times) while presses cut it short."""
        utterance = self._feedback.say_text(text, after_ready=True)
        if utterance is not None:
            task = asyncio.create_task(self._until_heard(utterance), name="fault-sentence")
            self._repeating.add(task)
            task.add_done_callback(self._repeating.discard)

    async def _until_heard(self, utterance: Utterance) -> None:
        speaker = self._feedback.speaker
        cuts = 0
        for _turn in range(MAX_TURNS):
            outcome = await utterance.finished
            if outcome in ("dropped", "interrupted"):  # the wearer cut it short
                cuts += 1
                if cuts > REPEATS:
                    return
            elif outcome != "deferred":  # heard, or speech failed (felt instead)
                return
            # After the wearer's own answer: the press that cut it asked for something.
            await speaker.lull(self._lull_s)
            while self._busy():
                await speaker.lull(self._lull_s)
            utterance = speaker.say(utterance.text, priority=Priority.REMINDER, source="system")

    def socket_refused(self, reason: str) -> None:
        self._feedback.tell(say="socket_path_taken", after_ready=True)

    # --- the watchdog ----------------------------------------------------------------------

    @staticmethod
    def watchdog_check(supervisor: Supervisor, names: Iterable[str]) -> Callable[[], str]:
        """What `SystemdNotifier.run_watchdog` checks: every service of `names` supervised."""
        wanted = tuple(names)

        def check() -> str:
            dead = supervisor.dead(wanted)
            return f"not running: {', '.join(dead)}" if dead else ""

        return check

    def watchdog_withheld(self, problem: str) -> None:
        self._feedback.journal.publish("watchdog.withheld", problem=problem)

    def close(self) -> None:
        self._stop_reminder()
        for task in self._repeating:
            task.cancel()
