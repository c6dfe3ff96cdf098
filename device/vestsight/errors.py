"""The one error tree of Vestsight.

Every error carries ``advice``: what a maker or bench engineer can do about it. Errors that affect
the wearer also carry a short ``spoken`` sentence and its ``phrase`` key in the language files'
[errors] table; the supervisor and command handlers say it in the wearer's language
(`Phrases.spoken`), never a traceback.
"""

from __future__ import annotations


class VestsightError(Exception):
    """Base of every error raised on purpose by Vestsight."""

    spoken = "something went wrong"
    phrase = "generic"
    """`spoken`'s key in the language files (table `phrase_table`): what the wearer hears, in
    their language ("" for a sentence given when raised, said as it is)."""
    phrase_table = "errors"

    def __init__(
        self,
        message: str,
        *,
        advice: str = "",
        spoken: str | None = None,
        phrase: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.advice = advice
        if spoken is not None:
            self.spoken = spoken
            self.phrase = ""
        if phrase is not None:
            self.phrase = phrase

    def __str__(self) -> str:
        return f"{self.message} ({self.advice})" if self.advice else self.message


class ConfigError(VestsightError):
    """A setting could not be used; the loader falls back to the default and reports it."""

    spoken = "configuration problem"
    phrase = "config"


class DeviceError(VestsightError):
    """A piece of hardware (real or simulated) failed."""


class CameraError(DeviceError):
    spoken = "camera problem"
    phrase = "camera"


class GpioError(DeviceError):
    spoken = "button or motor problem"
    phrase = "gpio"


class VisionError(DeviceError):
    spoken = "vision problem"
    phrase = "vision"


class OcrError(VisionError):
    spoken = "text reading problem"
    phrase = "ocr"


class InputError(DeviceError):
    """Bad input from a control source (socket line, key, report); logged, never fatal."""

    spoken = "input problem"
    phrase = "input"


class GamepadError(InputError):
    """The gamepad could not be read: not found, not allowed, or it spoke nonsense."""

    spoken = "controller problem"
    phrase = "gamepad"


class HidDescriptorError(GamepadError):
    """A HID report descriptor (a pad's report map) that cannot be parsed."""

    spoken = "the controller's description could not be read"
    phrase = "hid"


class GamepadLinkError(GamepadError):
    """A Bluetooth LE pad was found but cannot be used: not bonded, no HID service or reports."""

    spoken = "the controller could not be used"
    phrase = "gamepad_link"


class SpeechError(DeviceError):
    spoken = "speech problem"
    phrase = "speech"
    reason = "synthesizer"
    """What cannot work: the ``synthesizer`` (espeak-ng), the ``voice``, the ``output``."""


class VoiceError(SpeechError):
    """espeak-ng has no voice of the name asked for."""

    reason = "voice"


class AudioOutputError(SpeechError):
    """The audio could not be played: no player, no sound card (unplugged), a failing device."""

    reason = "output"


class MemoryStoreError(VestsightError):
    """The local memory database could not be read or written."""

    spoken = "memory problem"
    phrase = "memory"


class LlmError(VestsightError):
    """The description engine (LLM worker process) could not answer."""

    spoken = "description engine problem"
    phrase = "llm"


class ModelFileError(LlmError):
    spoken = "the description model file is missing or damaged"
    phrase = "model_file"


class PromptTooLong(LlmError):
    """Even with old turns dropped and the shortest answer, the prompt does not fit the context."""

    spoken = "that question is too long for the description engine"
    phrase = "prompt_too_long"


class WorkerNotReady(LlmError):
    spoken = "description engine is still loading"
    phrase = "llm_loading"


class WorkerRestarting(LlmError):
    spoken = "description engine restarting"
    phrase = "llm_restarting"


class ProtocolError(LlmError):
    """A message between the main process and the worker was malformed."""

    spoken = "description engine restarting"
    phrase = "llm_restarting"


class MicrophoneError(DeviceError):
    """The microphone could not record: not there, unplugged mid-question, or it failed."""

    spoken = "microphone problem"
    phrase = "microphone"


class RecordingFormatError(MicrophoneError):
    """Audio that cannot be heard as speech: not WAV, not PCM, or a rate or size out of range."""

    spoken = "that recording cannot be used"
    phrase = "recording"


class SttError(VestsightError):
    """Speech-to-text could not transcribe a question."""

    spoken = "speech recognition problem"
    phrase = "stt"


class SttModelError(SttError):
    """The speech-to-text model's files are missing, damaged or cannot be loaded."""

    spoken = "the speech recognition model is missing or damaged"
    phrase = "stt_model"


class StorageError(VestsightError):
    """The data partition cannot be written (full, read-only or failing): writes are skipped,
    the vest works on, and the wearer is told once."""

    spoken = "storage problem"
    phrase = "storage"


class MemoryStorageError(MemoryStoreError):
    """The memory database cannot be written for lack of storage (``reason``: full, unwritable)."""

    spoken = "storage full: I can't remember new things"
    phrase = "storage_full"
    phrase_table = "phrases"  # the same sentence FaultAlerts says when storage fails

    def __init__(self, message: str, *, reason: str, advice: str = "") -> None:
        super().__init__(message, advice=advice)
        self.reason = reason
        if reason != "full":
            self.spoken = "cannot write to storage: I can't remember new things"
            self.phrase = "storage_unwritable"


class MemoryDamagedError(MemoryStoreError):
    """The memory database is damaged and could not be moved aside for a fresh one."""

    spoken = "the memory file is damaged"
    phrase = "memory_damaged"


class BatteryError(DeviceError):
    """The battery gauge did not answer (or is not there); the power monitor keeps trying."""

    spoken = "battery gauge problem"
    phrase = "battery"


class PowerOffError(DeviceError):
    """The system refused to power off (or could not be asked): the vest stays on."""

    spoken = "the vest could not shut itself down"
    phrase = "power_off"
