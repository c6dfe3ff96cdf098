"""The vest: wire every part once, supervise them on one event loop, say when it is ready.

Start order: speech first (so everything after can be heard), then haptics, vest buttons,
camera, controls and the control sources; the description engine loads in the background. As soon
as the wearer-facing parts are up the vest says "Vestsight ready", buzzes, and tells systemd
READY=1; config problems are spoken right after. The model announces itself when it has loaded.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import signal
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .alerts import FaultAlerts
from .battery import SimulatedPower, make_gauge, make_system_power
from .camera import CameraService, make_camera
from .cli import parse_args
from .commands import Vest, load_prefs
from .config_doc import render_toml
from .config_loader import LoadedSettings, default_config_path, load_settings
from .console import echo_to_console
from .controller import Controller
from .errors import (
    InputError,
    MemoryStorageError,
    MemoryStoreError,
    MicrophoneError,
    RecordingFormatError,
    SttModelError,
    VisionError,
)
from .feedback import WearerFeedback
from .gamepad import make_gamepad
from .gpio.buttons import GpioButtons
from .gpio.haptics import HapticMotor
from .gpio.pins import Pins
from .inputs.control_socket import ControlSocket
from .inputs.events import InputQueue, Source
from .inputs.pad_access import PadAccess
from .inputs.simulated_pad import SimulatedPad
from .inputs.terminal import TerminalInput, key_help
from .journal import Journal
from .llm.client import LlmClient, LlmState
from .llm.model_files import models_dir
from .memory import MemoryStore
from .menu import SpokenMenu
from .microphone import MicrophoneService, SimulatedMicrophone, make_microphone
from .microphone.listen import Listener
from .pad_feedback import PadFeedback
from .phrases import Phrases
from .power import PowerMonitor
from .settings import GamepadSettings
from .shutdown import SafeShutdown
from .speech import earcons
from .speech.output import make_fallback_output, make_speech_output
from .speech.speaker import Priority, Speaker
from .speech.synth import Voice, make_synthesizer
from .storage import StorageHealth
from .stt.service import SpeechRecognizer, SttState
from .supervisor import Service, Supervisor
from .systemd import SystemdNotifier
from .vision import make_detectors, make_ocr
from .vision.service import VisionService

if TYPE_CHECKING:
    from .gamepad import PadService

_LOGGER = logging.getLogger(__name__)

SMALL_MODEL_NOTICE = (
    "the small Gemma 3 270M base model, for development only: its descriptions are poor. "
    "For real answers set llm.model_path to a Gemma 3n GGUF file"
)

READY_TIMEOUT_S = 20.0
"""Wearer-facing parts not up by then are named in the ready announcement."""


class VestApp:
    """The running vest. `run()` returns when `request_stop()` is called (or on a signal)."""

    def __init__(self, loaded: LoadedSettings, *, interactive: bool = False) -> None:
        self.loaded = loaded
        settings = loaded.settings
        self.settings = settings
        self.run_dir = Path(settings.general.run_dir).expanduser().resolve()
        # Nothing written to disk can stop the vest: a journal that cannot be written is
        # reported to `storage` and said once speech exists (FaultAlerts).
        self.storage = StorageHealth()
        self.journal = Journal(self.run_dir / "journal.jsonl", storage=self.storage)
        self.phrases = Phrases(settings.general.language)
        self.notifier = SystemdNotifier()
        self.inputs = InputQueue()
        self._stop = asyncio.Event()
        self._interactive = interactive
        self.supervisor = Supervisor(self.journal, self._service_failed)

        voice = Voice(
            settings.speech.voice or self.phrases.voice,
            settings.speech.rate,
            settings.speech.volume,
        )
        self.speaker = Speaker(
            make_synthesizer(),
            make_speech_output(settings.speech, self.run_dir),
            voice,
            self.journal,
            fallback_output=make_fallback_output(settings.speech),
            fallback_voice=self.phrases.voice,
        )
        self.pins = Pins(settings.gpio)
        self.haptics = HapticMotor(settings.gpio, settings.haptics, self.pins, self.journal)
        self.gpio = GpioButtons(settings.gpio, self.pins, self.inputs)
        self.camera = CameraService(make_camera(settings.camera), settings.camera.capture_timeout_s)
        self.llm = LlmClient(
            settings.llm,
            self.journal,
            self._llm_state_changed,
            system_prompt=self.phrases.prompt("system"),
            models_dir=models_dir(settings.general.models_dir),
            on_retrying=self._llm_retrying,
        )
        self.vision = VisionService(
            make_detectors(settings.vision, models_dir(settings.general.models_dir)),
            self._detector_unavailable,
        )
        self.feedback = WearerFeedback(self.journal, self.speaker, self.haptics, self.phrases)
        # A fault's sentence cut short waits while the command the press started still runs.
        self.alerts = FaultAlerts(
            self.feedback, busy=lambda: self.controller.running_command is not None
        )
        self.storage.listener = self.alerts.storage_changed
        self.speaker.health.listener = self.alerts.speech_changed
        if self.storage.problem:  # the journal could not be opened: said after "ready"
            self.alerts.storage_changed(self.storage.problem)
        self.memory: MemoryStore | None = None
        if settings.memory.enabled:
            memory_path = settings.memory.path or str(self.run_dir / "memory.sqlite3")
            self.memory = MemoryStore(
                Path(memory_path).expanduser(),
                storage=self.storage,
                on_damaged=self.alerts.memory_damaged,
            )
        self.system_power = make_system_power(settings.power, self.journal, self.request_stop)
        self.shutdown = SafeShutdown(self.feedback, self.memory, self.system_power, self.run_dir)
        gauge = make_gauge(settings.power, self.pins)
        self.power = PowerMonitor(self.feedback, settings.power, gauge, self.shutdown.begin)
        self.microphone = MicrophoneService(
            make_microphone(settings.microphone),
            self.journal,
            gain=settings.microphone.gain,
            on_missing=self._microphone_missing,
        )
        self.stt = SpeechRecognizer(
            settings.stt,
            models_dir(settings.general.models_dir),
            self.journal,
            on_failed=self._stt_failed,
        )
        self.pad_feedback = PadFeedback(self.feedback, self.inputs)
        self.gamepad: PadService | None = None
        configured_pad = self.make_gamepad()
        self.menu = SpokenMenu(self.speaker, self.phrases, self.journal)
        self.vest = Vest(
            settings,
            self.phrases,
            self.journal,
            self.speaker,
            self.haptics,
            self.camera,
            self.llm,
            self.vision,
            make_ocr(settings.vision, self.phrases.language),
            memory=self.memory,
            microphone=self.microphone,
            stt=self.stt,
            choose=self.menu.choose,
            parts_ready=self._parts_ready,
            gamepad=lambda: self.gamepad,
            battery=self.power.status,
        )
        self.controller = Controller(self.vest, self.inputs, self.menu, self.feedback)
        socket_path = Path(settings.input.socket_path or self.run_dir / "control.sock")
        self.control_socket = ControlSocket(
            socket_path,
            self.inputs,
            self.gpio.simulate,
            self.journal,
            self.status,
            hold_s=settings.buttons.hold_ms / 1000 + 0.2,
            listener=self._listener(),
            power=self._power_command,
            on_refused=self.alerts.socket_refused,
        )
        self.wearer_facing: list[Service] = [
            self.speaker,
            self.haptics,
            self.gpio,
            self.camera,
            self.vision,
            self.controller,
        ]
        if configured_pad is not None:
            self.wearer_facing.append(configured_pad)

    def request_stop(self) -> None:
        self._stop.set()

    def make_gamepad(
        self, settings: GamepadSettings | None = None, access: PadAccess | None = None
    ) -> PadService | None:
        """The gamepad service (`status` reports it) as configured, or as `settings` say;
        `access` may replace how its pads are reached (`vestsight.gamepad.make_gamepad`)."""
        self.gamepad = make_gamepad(
            settings or self.settings.gamepad, self.pad_feedback.callbacks, access
        )
        return self.gamepad

    async def run(self) -> None:
        loop = asyncio.get_running_loop()
        handled = []
        for sig in (signal.SIGTERM, signal.SIGINT):
            try:
                loop.add_signal_handler(sig, self.request_stop)
                handled.append(sig)
            except (NotImplementedError, RuntimeError) as err:  # not the main thread
                _LOGGER.debug("Cannot handle %s here: %s", sig.name, err)
        self.journal.publish("vest.starting", config=self.loaded.source)
        for service in self.wearer_facing:
            self.supervisor.start(service)
        if self.settings.input.control_socket:
            self.supervisor.start(self.control_socket)
        if self._interactive:
            self.supervisor.start(
                TerminalInput(
                    self.inputs,
                    self.request_stop,
                    self.settings.buttons.hold_ms / 1000 + 0.2,
                    pad=self.gamepad.press if isinstance(self.gamepad, SimulatedPad) else None,
                )
            )
        if self.settings.llm.enabled:
            self.supervisor.start(self.llm)
        if self.settings.stt.enabled:
            self.supervisor.start(self.microphone)
            self.supervisor.start(self.stt)
        self.supervisor.start(self.system_power)
        if (last := self.shutdown.last_shutdown()) is not None:
            self.feedback.say_text(last, after_ready=True)
        alive = FaultAlerts.watchdog_check(self.supervisor, [s.name for s in self.wearer_facing])
        watchdog = asyncio.create_task(
            self.notifier.run_watchdog(alive, self.alerts.watchdog_withheld), name="watchdog"
        )
        helpers = [watchdog]
        if self._interactive:
            helpers.append(asyncio.create_task(echo_to_console(self.journal), name="console"))
        try:
            await self._open_memory()
            await self._announce_ready()
            if not self._stop.is_set():  # the battery is read (and warned of) once "ready" is said
                self.supervisor.start(self.power)
            await self._stop.wait()
        finally:
            for sig in handled:
                loop.remove_signal_handler(sig)
            self.notifier.stopping()
            for helper in helpers:
                helper.cancel()
            self.alerts.close()
            try:
                await self.shutdown.close()
                await self.supervisor.stop()
                if self.memory is not None:
                    await self.memory.close()
                self.journal.publish("vest.stopped")
            finally:  # even when stopping itself fails or is cancelled
                self.journal.close()
                self.notifier.close()

    async def _open_memory(self) -> None:
        """Open the memory database and apply the wearer's saved preferences; never fatal."""
        if self.memory is None:
            return
        try:
            await self.memory.open()
            await load_prefs(self.vest)
        except MemoryStorageError as err:  # said by FaultAlerts; each write tries again
            _LOGGER.error("Memory cannot be written now: %s", err)
        except MemoryStoreError as err:  # the store is unusable from now on
            _LOGGER.error("Memory unavailable: %s", err)
            self.feedback.say_text(self.phrases.spoken(err), after_ready=True)

    async def _announce_ready(self) -> None:
        started = time.monotonic()
        waits = [asyncio.create_task(s.ready.wait()) for s in self.wearer_facing]
        stopping = asyncio.create_task(self._stop.wait())
        all_ready: asyncio.Future[Any] = asyncio.gather(*waits)
        watched: set[asyncio.Future[Any]] = {all_ready, stopping}
        await asyncio.wait(watched, timeout=READY_TIMEOUT_S, return_when=asyncio.FIRST_COMPLETED)
        for future in (*waits, stopping, all_ready):
            future.cancel()
        if self._stop.is_set():
            return  # asked to stop while starting: no "ready"
        missing = [
            s
            for s in self.wearer_facing
            if not s.ready.is_set() or (s is self.speaker and self.speaker.broken)
        ]
        if missing:
            phrases = self.phrases
            names = phrases.join(phrases.word("services", s.name) for s in missing)
            text = self.phrases.say("ready_with_problems", parts=names)
            self.haptics.play("error")
        else:
            text = self.phrases.say("ready")
            self.haptics.play("ready")
            self.speaker.play_sound(earcons.render("ready", self.speaker.voice.volume), "ready")
        if self.llm.state in (LlmState.STARTING, LlmState.LOADING):
            text += " " + self.phrases.say("llm_loading")
        self.speaker.say(text, source="system")
        for problem in self.loaded.problems:
            self.speaker.say(self.phrases.spoken(problem), source="config")
        self.feedback.announce()  # what waited for "ready"
        seconds = time.monotonic() - started
        self.journal.publish(
            "vest.ready", seconds=round(seconds, 3), missing=[s.name for s in missing]
        )
        self.notifier.ready("ready" if not missing else f"ready without {len(missing)} part(s)")
        _LOGGER.info("Vest ready in %.2f s%s", seconds, f", missing {missing}" if missing else "")

    def _service_failed(
        self, service: Service, error: BaseException, restart: int, delay: float
    ) -> None:
        if service is self.llm and not self.llm.was_ready:
            return  # still trying to load for the first time: "loading" was said already
        if service is self.speaker:
            return  # it cannot be heard: the speech health makes it felt (FaultAlerts)
        if service is self.llm:
            self.feedback.tell(
                feel="error",
                say="llm_restarting",
                priority=Priority.URGENT,
                source="supervisor",
                once=True,
            )
        else:
            name = self.phrases.word("services", service.name)
            self.feedback.tell(
                feel="error",
                say="service_failed",
                values={"name": name},
                priority=Priority.URGENT,
                source="supervisor",
                once=True,
            )

    def _llm_retrying(self, reason: str) -> None:
        self.alerts.llm_retrying(reason)

    def _detector_unavailable(self, name: str, error: VisionError) -> None:
        self.journal.publish("vision.unavailable", detector=name, error=str(error))
        self.feedback.say_text(self.phrases.spoken(error), after_ready=True)

    def _llm_state_changed(self, state: LlmState, reason: str) -> None:
        if state is LlmState.READY:
            self.feedback.tell(say="llm_ready")
            if self.llm.vision_failed:
                self.feedback.tell(say="llm_no_vision")
        elif state is LlmState.FAILED:
            failure = self.llm.failure
            why = self.phrases.spoken(failure) if failure else reason
            self.feedback.tell(
                feel="error", say="llm_failed", values={"reason": why}, priority=Priority.URGENT
            )

    def _listener(self) -> Listener | None:
        """What the control socket's ``listen`` presses, and the microphone it plays into."""
        buttons = self.settings.buttons
        if buttons.gamepad_talk:
            source, button = Source.GAMEPAD, buttons.gamepad_talk
        elif buttons.gpio_talk:
            source, button = Source.GPIO, buttons.gpio_talk
        else:
            return None
        backend = self.microphone.backend
        return Listener(
            backend if isinstance(backend, SimulatedMicrophone) else None,
            source,
            button,
            buttons.hold_ms / 1000,
            self.settings.microphone.max_seconds,
            self._recording_unusable,
        )

    def _microphone_missing(self, error: MicrophoneError) -> None:
        self.feedback.tell(say="mic_missing", after_ready=True)

    def _stt_failed(self, error: SttModelError) -> None:
        self.feedback.tell(feel="error", say="stt_missing", after_ready=True)

    def _recording_unusable(self, error: RecordingFormatError) -> None:
        self.feedback.tell(
            "voice.failed", feel="error", say="recording_unusable", source="voice", error=str(error)
        )

    def _power_command(self, request: dict[str, Any]) -> dict[str, Any]:
        """The control socket's ``battery`` and ``power_button`` (simulated vests only)."""
        if request.get("cmd") == "power_button":
            if not isinstance(self.system_power, SimulatedPower):
                raise InputError("power_button: this vest's button is real", advice="press it")
            return {"shutting_down": self.system_power.press_power_button()}
        return {**self.power.simulate(request), "status": dataclasses.asdict(self.power.status())}

    def _parts_ready(self) -> dict[str, bool]:
        """Every part the wearer relies on (inputs included), and whether it is working now."""
        parts = [*self.wearer_facing, self.power]
        if self.settings.input.control_socket:
            parts.append(self.control_socket)
        ready = {s.name: s.ready.is_set() for s in parts}
        if self.settings.stt.enabled:  # still loading is not "not working"
            ready[self.microphone.name] = self.microphone.problem is None
            ready[self.stt.name] = self.stt.state is not SttState.FAILED
        ready[self.speaker.name] = not self.speaker.broken
        ready["storage"] = not self.storage.problem
        return ready

    def status(self) -> dict[str, Any]:
        return {
            "services": {name: not task.done() for name, task in self.supervisor.tasks.items()},
            "ready": {
                s.name: s.ready.is_set() and not (s is self.speaker and self.speaker.broken)
                for s in [*self.wearer_facing, self.llm]
            },
            "llm": self.llm.state.value,
            "llm_pid": self.llm.pid,
            "model": self.llm.model_name,
            "speaking": self.speaker.speaking,
            "haptic": self.haptics.playing,
            "command": self.controller.running_command,
            "controller": None
            if self.gamepad is None
            else {"connected": self.gamepad.connected, "battery": self.gamepad.battery_percent},
            "language": self.phrases.language,  # the wearer's choice, not the boot one
            "stt": self.stt.state.value,
            "microphone": self.microphone.ready.is_set(),
            "battery": dataclasses.asdict(self.power.status()),
            "speech": {**self.speaker.health.summary(), "voice": self.speaker.voice.name,
                       "output": self.speaker.output_description},
            "storage": self.storage.problem or None,
            "config": {"source": self.loaded.source, "problems": len(self.loaded.problems),
                       "camera": self.settings.camera.backend, "gpio": self.settings.gpio.backend,
                       "microphone": self.settings.microphone.backend,
                       "run_dir": str(self.run_dir)},
        }  # fmt: skip


def configure_logging(level: str) -> None:
    logging.basicConfig(
        level=level,
        stream=sys.stderr,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )


def main(argv: list[str] | None = None, *, on_app: Callable[[VestApp], None] | None = None) -> int:
    args = parse_args(argv)
    if args.print_config:
        sys.stdout.write(render_toml())
        return 0
    config_path = Path(args.config) if args.config else default_config_path()
    configure_logging(args.log_level or "INFO")
    loaded = load_settings(config_path)
    logging.getLogger().setLevel(args.log_level or loaded.settings.general.log_level)
    _LOGGER.info("Config: %s", loaded.source)
    _LOGGER.info("Model: %s", loaded.settings.llm.model_path or SMALL_MODEL_NOTICE)
    interactive = loaded.settings.input.terminal and sys.stdin.isatty()

    async def run() -> None:
        app = VestApp(loaded, interactive=interactive)
        if interactive:
            print(key_help(loaded.settings.buttons.gamepad), file=sys.stderr)
        if on_app is not None:
            on_app(app)
        await app.run()

    asyncio.run(run())
    return 0
