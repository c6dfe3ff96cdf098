"""Whether the vest can write to its data partition: the journal, memory and preferences.

A write that fails because the storage is full, read-only or failing never stops the vest: the
writer reports it here and carries on without writing (it tries again on its next write). The
`listener` hears the first failure once ("full" or "unwritable"), and "" once every writer that
failed has written again, so the wearer is told once that nothing new can be remembered and once
that it can again.
"""

from __future__ import annotations

import errno
import logging
from collections.abc import Callable

_LOGGER = logging.getLogger(__name__)

FULL = "full"
UNWRITABLE = "unwritable"
FULL_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT})

Listener = Callable[[str], None]
"""Called with the problem (``full``, ``unwritable``) when writes start failing, "" when they
work again."""


def reason_of(error: BaseException) -> str:
    """``full`` for a full disk anywhere in `error`'s causes, else ``unwritable``."""
    seen: BaseException | None = error
    while seen is not None:
        if isinstance(seen, OSError) and seen.errno in FULL_ERRNOS:
            return FULL
        seen = seen.__cause__ or seen.__context__
    return UNWRITABLE


class StorageHealth:
    def __init__(self) -> None:
        self._failing: dict[str, str] = {}
        self.listener: Listener = lambda problem: None

    @property
    def problem(self) -> str:
        """ "" while every writer writes, else why one cannot (``full`` first)."""
        reasons = set(self._failing.values())
        return FULL if FULL in reasons else next(iter(reasons), "")

    def failed(self, writer: str, reason: str) -> None:
        """`writer` (journal, memory...) could not write, because the storage is `reason`."""
        before = self.problem
        if self._failing.get(writer) != reason:
            _LOGGER.error("Storage %s: %s cannot write", reason, writer)
        self._failing[writer] = reason
        if not before:
            self._tell(reason)

    def worked(self, writer: str) -> None:
        """`writer` wrote again."""
        if self._failing.pop(writer, None) is None:
            return
        _LOGGER.warning("Storage: %s writes again", writer)
        if not self._failing:
            self._tell("")

    def _tell(self, problem: str) -> None:
        try:
            self.listener(problem)
        except Exception:  # a writer must never fail because telling did
            _LOGGER.exception("Could not tell the storage state %r", problem)
