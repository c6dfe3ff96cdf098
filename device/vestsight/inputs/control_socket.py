"""The control socket: a local Unix socket (never a network port) for tests and the bench.

One JSON object per line in each direction. Requests:

- ``{"cmd": "press" | "release" | "tap" | "hold", "button": "a", "source": "gamepad" | "gpio"}``
  ("hold" releases after the long-press time): a
  gamepad button is injected as an input event; a vest (gpio) button is pressed on its simulated
  pin, so the event travels through gpiozero like a finger's would.
- ``{"cmd": "status"}``: which services are up, the model state, whether the vest is speaking.
- ``{"cmd": "clock"}``: the vest's monotonic clock (``mono``), which journal records are stamped
  with, so a bench can map them onto its own clock.
- ``{"cmd": "subscribe"}``: from now on, every journal record is sent as a line
  (``"history": true``: the journal's recent records first, e.g. what was said at start).
- ``{"cmd": "listen", "wav": PATH}``: the WAV is played into the simulated microphone while the
  push-to-talk button is held for its length (answered with ``hold_s``, how long it is held).
- ``{"cmd": "battery", "percent": 15, "plugged": false, "drain_per_hour": 30, "checks": 2}``:
  set the simulated battery (also ``charge_per_hour``, ``answering``: false for a gauge that
  stops answering, ``report``: a value the gauge reports whatever the level, ``volts``), then
  have the power monitor read it ``checks`` times at once (answered with ``battery``, its state,
  and ``until``: once those readings are taken, ``power.checked`` with ``checks`` = ``until``
  is journalled).
- ``{"cmd": "power_button"}``: the Pi's power button, simulated: the system shuts down.

Every request is answered ``{"ok": true, "cmd": ...}`` or ``{"ok": false, "error": ...}`` with
the real outcome: a press the input queue has no room for is refused, not acknowledged. A
malformed line (not JSON, too long, nested too deep) is answered with an error and logged, never
fatal. At most `MAX_CONNECTIONS` clients are served at once; another is told so and closed.

The socket's path is removed (a stale socket at start, ours at exit) only while it is a socket:
a path pointing at anything else (the memory database, by mistake) is never deleted; the control
socket then stays off and `on_refused` is told.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import stat
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import InputError, MicrophoneError
from ..journal import Journal
from ..names import GAMEPAD_BUTTONS
from ..supervisor import Service
from .events import Action, InputEvent, InputQueue, Source

if TYPE_CHECKING:
    from ..microphone.listen import Listener

_LOGGER = logging.getLogger(__name__)

MAX_LINE_BYTES = 64 * 1024
MAX_CONNECTIONS = 32
"""Clients served at once (the bench uses one or two): more would use up file descriptors."""

StatusProvider = Callable[[], dict[str, Any]]
ButtonDriver = Callable[[str, bool], None]
"""Presses (True) or lets go (False) a vest button by name as a finger would; `InputError` if it
cannot (`GpioButtons.simulate`: through the mock pin and gpiozero)."""
PowerCommand = Callable[[dict[str, Any]], dict[str, Any]]
"""Answers ``battery`` and ``power_button`` (the app's power monitor and system power)."""


class ControlSocket(Service):
    name = "control-socket"

    def __init__(
        self,
        path: Path,
        inputs: InputQueue,
        vest_buttons: ButtonDriver,
        journal: Journal,
        status: StatusProvider,
        hold_s: float = 1.0,
        listener: Listener | None = None,
        power: PowerCommand | None = None,
        on_refused: Callable[[str], None] = lambda reason: None,
    ) -> None:
        super().__init__()
        self._on_refused = on_refused
        self._bound: tuple[int, int] | None = None
        """The device and inode of the socket this service made (removed at exit)."""
        self._power = power
        self._hold_s = hold_s
        self._listener = listener
        self._releases: dict[tuple[Source, str], asyncio.TimerHandle] = {}
        """Buttons a hold or listen keeps down, and when each is let go."""
        self.path = path
        self._inputs = inputs
        self._vest_buttons = vest_buttons
        self._journal = journal
        self._status = status
        self._connections: dict[asyncio.Task[None], asyncio.StreamWriter] = {}

    async def run(self) -> None:
        found = _lstat(self.path)
        if found is not None and not stat.S_ISSOCK(found.st_mode):
            reason = f"{self.path} exists and is not a socket: it is left alone"
            _LOGGER.error("Control socket off: %s (check input.socket_path)", reason)
            self._journal.publish("control.refused", path=str(self.path), reason=reason)
            self._on_refused(reason)
            await asyncio.Future()  # off until the vest stops: nothing to retry
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if found is not None:
            self.path.unlink(missing_ok=True)  # a stale socket from a previous run
        old_umask = os.umask(0o177)  # owner only: the socket controls the vest
        try:
            server = await asyncio.start_unix_server(
                self._serve, path=str(self.path), limit=MAX_LINE_BYTES
            )
        finally:
            os.umask(old_umask)
        made = _lstat(self.path)
        self._bound = (made.st_dev, made.st_ino) if made is not None else None
        _LOGGER.info("Control socket listening on %s", self.path)
        self.ready.set()
        try:
            async with server:
                await server.serve_forever()
        finally:
            await self._close_connections()
            self._remove_own_socket()

    def _remove_own_socket(self) -> None:
        """Remove the path only while it is still the socket this service made."""
        found = _lstat(self.path)
        if (
            found is not None
            and stat.S_ISSOCK(found.st_mode)
            and (found.st_dev, found.st_ino) == self._bound
        ):
            self.path.unlink(missing_ok=True)

    async def _close_connections(self) -> None:
        """End every client connection and let its handler finish (not be cancelled mid-write)."""
        handlers = list(self._connections)
        for writer in self._connections.values():
            writer.close()
        if handlers:
            await asyncio.wait(handlers, timeout=2.0)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        handler = asyncio.current_task()
        assert handler is not None
        if len(self._connections) >= MAX_CONNECTIONS:
            _LOGGER.warning("Control socket: %d clients already, one refused", MAX_CONNECTIONS)
            with contextlib.suppress(ConnectionError):
                await _reply(writer, {"ok": False, "error": "too many connections"})
            writer.close()
            with contextlib.suppress(ConnectionError):
                await writer.wait_closed()
            return
        self._connections[handler] = writer
        forwarder: asyncio.Task[None] | None = None
        try:
            while True:
                try:
                    line = await reader.readline()
                except ValueError:  # longer than the limit
                    await _reply(writer, {"ok": False, "error": "line too long"})
                    break
                if not line:
                    break
                reply = await self._listen(line) if b'"listen"' in line else self._answer(line)
                if reply.get("cmd") == "subscribe" and forwarder is None:
                    history = bool(reply.get("history"))
                    forwarder = asyncio.create_task(self._forward_journal(writer, history))
                    await asyncio.sleep(0)  # subscribed before the reply goes out
                await _reply(writer, reply)
        except ConnectionError as err:
            _LOGGER.debug("Control client went away: %s", err)
        finally:
            del self._connections[handler]
            if forwarder is not None:
                forwarder.cancel()
                await asyncio.wait({forwarder})
                if not forwarder.cancelled() and forwarder.exception() is not None:
                    _LOGGER.debug("Journal stream to a client ended: %r", forwarder.exception())
            writer.close()
            with contextlib.suppress(ConnectionError):
                await writer.wait_closed()

    def _answer(self, line: bytes) -> dict[str, Any]:
        try:
            request = json.loads(line)
            if not isinstance(request, dict):
                raise InputError("a request must be a JSON object")
            cmd = request.get("cmd")
            if cmd in ("press", "release", "tap", "hold"):
                self._press(request, cmd)
            elif cmd == "status":
                return {"ok": True, "cmd": cmd, "status": self._status()}
            elif cmd == "clock":
                return {"ok": True, "cmd": cmd, "mono": time.monotonic()}
            elif cmd in ("battery", "power_button"):
                if self._power is None:
                    raise InputError(f"{cmd}: no power control here")
                return {"ok": True, "cmd": cmd, **self._power(request)}
            elif cmd == "subscribe":
                replay = {"history": True} if request.get("history") is True else {}
                return {"ok": True, "cmd": cmd, **replay}
            else:
                raise InputError(
                    f"unknown cmd {cmd!r}",
                    advice="press, release, tap, hold, status, clock, subscribe, listen, "
                    "battery, power_button",
                )
        except (ValueError, InputError) as err:
            _LOGGER.warning("Bad control request %r: %s", line[:200], err)
            return {"ok": False, "error": str(err)}
        except RecursionError:
            _LOGGER.warning("Bad control request %r: nested too deeply", line[:200])
            return {"ok": False, "error": "request nested too deeply"}
        return {"ok": True, "cmd": cmd}

    async def _listen(self, line: bytes) -> dict[str, Any]:
        """``listen``: hold the push-to-talk button while the WAV plays into the microphone."""
        try:
            request = json.loads(line)
        except (ValueError, RecursionError):
            return self._answer(line)
        if not isinstance(request, dict) or request.get("cmd") != "listen":
            return self._answer(line)
        listener = self._listener
        try:
            if listener is None:
                raise InputError("no push-to-talk button", advice="set [buttons] gamepad_talk")
            wav = request.get("wav")
            if not isinstance(wav, str) or not wav:
                raise InputError("listen needs a WAV file's path in wav")
            hold_s = await listener.prepare(Path(wav))
            # A previous listen still held is let go (once this one can be played in).
            self._release_now(listener.source, listener.button)
            self._hold(listener.source, listener.button, hold_s)
        except MicrophoneError as err:  # a WAV that cannot be played in: the wearer hears it too
            _LOGGER.warning("Cannot listen to %r: %s", request.get("wav"), err)
            return {"ok": False, "error": str(err)}
        except InputError as err:
            _LOGGER.warning("Bad control request %r: %s", line[:200], err)
            return {"ok": False, "error": str(err)}
        return {"ok": True, "cmd": "listen", "hold_s": round(hold_s, 3)}

    def _press(self, request: dict[str, Any], cmd: str) -> None:
        button = request.get("button")
        try:
            source = Source(request.get("source", "gamepad"))
        except ValueError:
            raise InputError(f"unknown source {request.get('source')!r}") from None
        if source is Source.GAMEPAD and button not in GAMEPAD_BUTTONS:
            raise InputError(
                f"unknown gamepad button {button!r}", advice=f"one of {GAMEPAD_BUTTONS}"
            )
        needed = 2 if cmd in ("tap", "hold") else 1
        if self._inputs.room() < needed:  # refused whole: never a press without its release
            raise InputError("input queue full", advice="the vest is busy; press again")
        if cmd == "hold":  # press now, release after the long-press time
            self._release_now(source, str(button))
            self._hold(source, str(button), self._hold_s)
            return
        for pressed in {"press": [True], "release": [False], "tap": [True, False]}[cmd]:
            self._set(source, str(button), pressed)

    def _set(self, source: Source, button: str, pressed: bool) -> None:
        if source is Source.GPIO:
            self._vest_buttons(button, pressed)  # through the mock pin and gpiozero
            return
        action = Action.PRESS if pressed else Action.RELEASE
        if not self._inputs.submit(InputEvent(Source.GAMEPAD, button, action, origin="socket")):
            raise InputError("input queue full", advice="the vest is busy; press again")

    def _hold(self, source: Source, button: str, seconds: float) -> None:
        """Press `button` now and let it go after `seconds`."""
        self._set(source, button, True)
        self._releases[source, button] = asyncio.get_running_loop().call_later(
            seconds, self._release_later, source, button
        )

    def _release_now(self, source: Source, button: str) -> None:
        """Let go at once of a button an earlier hold still keeps down, so a new press is one."""
        if (pending := self._releases.pop((source, button), None)) is not None:
            pending.cancel()
            self._release_later(source, button)

    def _release_later(self, source: Source, button: str) -> None:
        self._releases.pop((source, button), None)
        try:
            self._set(source, button, False)
        except InputError as err:
            _LOGGER.warning("Could not release %s: %s", button, err)

    async def _forward_journal(self, writer: asyncio.StreamWriter, history: bool) -> None:
        async with self._journal.subscribe(replay=history) as records:
            while True:
                await _reply(writer, await records.get())


async def _reply(writer: asyncio.StreamWriter, message: dict[str, Any]) -> None:
    writer.write(json.dumps(message, ensure_ascii=False, default=str).encode("utf-8") + b"\n")
    await writer.drain()


def _lstat(path: Path) -> os.stat_result | None:
    try:
        return path.lstat()
    except FileNotFoundError:
        return None
