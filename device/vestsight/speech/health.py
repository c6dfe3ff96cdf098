"""Whether the wearer can hear the vest.

A sentence that cannot be synthesized or played (or a speaker that cannot start) makes speech
*broken*, with why: ``synthesizer`` (espeak-ng missing or failing), ``voice`` (no such voice),
``output`` (no player, the sound card unplugged). `ESCALATE_AFTER` failures in a row make it
*escalated*: no passing glitch. The next sentence heard ends it. Speech cannot say that it is
broken, so the app makes each change felt (`listener`): ``broken``, ``escalated``,
``recovered``, and ``voice``/``output`` when a fallback took over and speech works again.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from ..journal import Journal

_LOGGER = logging.getLogger(__name__)

ESCALATE_AFTER = 3
"""Failed sentences (or starts) in a row that make a broken speech escalated."""

Listener = Callable[[str], None]


class SpeechHealth:
    def __init__(self, journal: Journal, escalate_after: int = ESCALATE_AFTER) -> None:
        self._journal = journal
        self._escalate_after = escalate_after
        self.reason = ""
        """Why speech cannot be heard now ("" while it can)."""
        self.error = ""
        self.failures = 0
        """Failed sentences in a row."""
        self.escalated = False
        self.listener: Listener = lambda change: None

    @property
    def broken(self) -> bool:
        return bool(self.reason)

    def failed(self, reason: str, error: str) -> None:
        """A sentence (or the speaker's start) failed because of `reason`."""
        first = not self.reason
        self.reason, self.error = reason, error
        self.failures += 1
        if first:
            _LOGGER.error("Speech broken (%s): %s", reason, error)
            self._journal.publish("speech.broken", reason=reason, error=error)
            self._tell("broken")
        if self.failures == self._escalate_after:
            _LOGGER.error("Speech still broken after %d failures: %s", self.failures, error)
            self.escalated = True
            self._journal.publish("speech.escalated", reason=reason, failures=self.failures)
            self._tell("escalated")

    def heard(self) -> None:
        """A sentence was played to the end."""
        if not self.reason:
            self.failures = 0
            return
        _LOGGER.warning("Speech works again after %d failure(s)", self.failures)
        self._journal.publish("speech.recovered", reason=self.reason, failures=self.failures)
        self.reason, self.error, self.failures, self.escalated = "", "", 0, False
        self._tell("recovered")

    def fell_back(self, kind: str, used: str) -> None:
        """A fallback (``voice`` or ``output``) took over after a failure: the wearer hears."""
        _LOGGER.warning("Speech fell back to the %s %s", kind, used)
        self._journal.publish("speech.fallback", kind=kind, to=used)
        self._tell(kind)

    def summary(self) -> dict[str, Any]:
        """For ``status``: why speech is broken (None: it works), failures, escalated."""
        return {
            "broken": self.reason or None,
            "error": self.error or None,
            "failures": self.failures,
            "escalated": self.escalated,
        }

    def _tell(self, change: str) -> None:
        try:
            self.listener(change)
        except Exception:  # telling must not stop the speaker
            _LOGGER.exception("Could not make the speech change %r felt", change)
