"""The one owner of what the wearer hears and feels when the vest's state changes.

A state change reaches the wearer through `WearerFeedback.tell`, in one order everywhere: it is
journalled, then felt (a haptic pattern), then heard (a phrase of the wearer's language, by key).
While the vest is starting, a sentence marked ``after_ready`` waits and is said right after the
"ready" announcement (`announced`), so nothing is lost to a start-up still in progress.

Commands answering a press speak through the speaker directly; what the vest itself notices
(a pad connecting, the battery, a fault, a shutdown) goes through here.
"""

from __future__ import annotations

from collections.abc import Mapping

from .errors import VestsightError
from .gpio.haptics import HapticMotor
from .journal import Journal
from .phrases import Phrases
from .speech.speaker import Priority, Speaker, Utterance


class WearerFeedback:
    def __init__(
        self, journal: Journal, speaker: Speaker, haptics: HapticMotor, phrases: Phrases
    ) -> None:
        self.journal = journal
        self.speaker = speaker
        self.haptics = haptics
        self.phrases = phrases
        self._announced = False
        self._held: list[tuple[str, str]] = []

    def tell(
        self,
        event: str | None = None,
        *,
        feel: str | None = None,
        say: str | None = None,
        values: Mapping[str, object] | None = None,
        priority: Priority = Priority.NORMAL,
        source: str = "system",
        after_ready: bool = False,
        once: bool = False,
        **fields: object,
    ) -> Utterance | None:
        """Journal `event` (with `fields`), play the haptic pattern `feel`, then say the phrase
        `say` (filled with `values`). The utterance, or None when nothing is said now.
        `after_ready` and `once`: see `say_text`; with `once`, the pattern `feel` is not started
        again while it is playing either."""
        if event is not None:
            self.journal.publish(event, **fields)
        if feel is not None:
            self._feel(feel, once)
        if say is None:
            return None
        return self.say_text(
            self.phrases.say(say, **(values or {})),
            priority=priority,
            source=source,
            after_ready=after_ready,
            once=once,
        )

    def say_text(
        self,
        text: str,
        *,
        priority: Priority = Priority.NORMAL,
        source: str = "system",
        after_ready: bool = False,
        once: bool = False,
    ) -> Utterance | None:
        """Say a sentence already in the wearer's language (`Phrases.spoken` of an error, a
        phrase with parts joined). `after_ready`: held while the vest is starting. `once`: not
        said again while the same sentence waits or is being said (a command that failed and
        the supervisor restarting its part may both tell the same fault)."""
        if after_ready and not self._announced:
            self._held.append((text, source))
            return None
        if once and self.speaker.is_pending(text):
            return None
        return self.speaker.say(text, priority=priority, source=source)

    def tell_error(
        self,
        event: str,
        error: VestsightError,
        *,
        priority: Priority = Priority.NORMAL,
        source: str = "system",
        after_ready: bool = False,
        once: bool = False,
        **fields: object,
    ) -> Utterance | None:
        """A fault: journalled with its text, the error buzz, its sentence in the wearer's
        language (none if it has none). The caller logs it. `once`: see `tell`."""
        self.journal.publish(event, error=str(error), **fields)
        self._feel("error", once)
        text = self.phrases.spoken(error)
        if not text:
            return None
        return self.say_text(
            text, priority=priority, source=source, after_ready=after_ready, once=once
        )

    def _feel(self, pattern: str, once: bool) -> None:
        """Play `pattern`; with `once`, a pattern already playing is not cut and restarted."""
        if not (once and self.haptics.playing == pattern):
            self.haptics.play(pattern)

    @property
    def announced(self) -> bool:
        """Whether "ready" has been said (sentences are said at once from then on)."""
        return self._announced

    def announce(self) -> None:
        """ "Ready" has just been queued: say what waited for it, in order."""
        self._announced = True
        held, self._held = self._held, []
        for text, source in held:
            self.speaker.say(text, source=source)
