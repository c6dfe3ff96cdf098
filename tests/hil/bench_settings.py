"""How the bench reaches its real vest: read once from the environment and the bench pin map.

Only ``--hil-target=pi`` reads these. ``VESTSIGHT_HIL_LINK`` and ``VESTSIGHT_HIL_AUDIO`` are
required; the rest have defaults or leave their scenario skipped with the reason. See
hardware/BENCH.md for the jig and tests/hil/README.md for an example session.
"""

from __future__ import annotations

import os
import shlex
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from tests.conftest import REPO

DEFAULT_PINS = REPO / "hardware" / "bench_pins.toml"
DEFAULT_BRIDGE = (
    "sudo -n -u vestsight /opt/vestsight/venv/bin/python -m vestsight.control_bridge "
    "--socket /var/lib/vestsight/app/control.sock --wait 120"
)
"""On the SD card image (image-build/): the app's venv and socket, which only its user may open."""
DEFAULT_SSH = "ssh -o BatchMode=yes -o ServerAliveInterval=5"


class BenchNotConfigured(RuntimeError):
    """The real target was asked for without what it needs; the message says what to set."""


@dataclass(frozen=True)
class BenchPins:
    press: Mapping[str, int]
    """Vest button name -> bench GPIO driving its optocoupler."""
    haptic: int
    power: int | None = None

    @classmethod
    def load(cls, path: Path) -> BenchPins:
        table = tomllib.loads(path.read_text(encoding="utf-8"))
        press = {name: int(entry["gpio"]) for name, entry in table["press"].items()}
        power = table.get("power", {}).get("gpio")
        return cls(press, int(table["haptic"]["gpio"]), int(power) if power is not None else None)


@dataclass(frozen=True)
class BenchSettings:
    link: str
    """``ssh:HOST`` (the bridge over SSH) or ``serial:/dev/ttyACM0`` (the vest's gadget port)."""
    audio_device: str
    """ALSA capture device wired to the vest's audio output, e.g. ``hw:1,0``."""
    pins: BenchPins
    bridge: str = DEFAULT_BRIDGE
    ssh: str = DEFAULT_SSH
    pad: str = "socket"
    """``socket`` (presses injected through the control socket) or ``bumble:<transport>``."""
    power_on: str = ""
    """Bench shell command that restarts the vest; empty: the power line, else SSH restart."""
    vest_shell: str = ""
    """Prefix that runs a command on the vest (signals to the worker, camera commands)."""
    camera_off: str = ""
    camera_on: str = ""
    scene: str = ""
    """Bench shell command showing a photo to the camera, ``{photo}`` replaced by its path."""
    lock: str = ""
    env: Mapping[str, str] = field(default_factory=dict)

    @property
    def host(self) -> str:
        return self.link.split(":", 1)[1]

    @property
    def over_ssh(self) -> bool:
        return self.link.startswith("ssh:")

    def vest_command(self, command: str) -> list[str] | None:
        """argv running `command` on the vest, or None if the bench cannot run commands there."""
        if self.vest_shell:
            return [*shlex.split(self.vest_shell), command]
        if self.over_ssh:
            return [*shlex.split(self.ssh), self.host, command]
        return None

    def restart_command(self) -> list[str] | None:
        if self.power_on:
            return ["sh", "-c", self.power_on]
        if self.pins.power is not None:
            return None  # the bench's power line does it
        return self.vest_command("sudo -n systemctl restart --no-block vestsight.service")


def from_environment(env: Mapping[str, str] = os.environ) -> BenchSettings:
    link, audio = env.get("VESTSIGHT_HIL_LINK", ""), env.get("VESTSIGHT_HIL_AUDIO", "")
    if not link.startswith(("ssh:", "serial:")) or len(link.split(":", 1)[1]) == 0:
        raise BenchNotConfigured(
            "set VESTSIGHT_HIL_LINK=ssh:<vest host> or serial:<tty> to reach the vest "
            "(hardware/BENCH.md)"
        )
    if not audio:
        raise BenchNotConfigured(
            "set VESTSIGHT_HIL_AUDIO to the ALSA capture device wired to the vest's audio "
            "output, e.g. hw:1,0 (arecord -l lists them)"
        )
    pins_path = Path(env.get("VESTSIGHT_HIL_PINS", str(DEFAULT_PINS)))
    use_power_line = env.get("VESTSIGHT_HIL_POWER_LINE", "") == "1"
    pins = BenchPins.load(pins_path)
    if not use_power_line:
        pins = BenchPins(pins.press, pins.haptic, None)
    return BenchSettings(
        link=link,
        audio_device=audio,
        pins=pins,
        bridge=env.get("VESTSIGHT_HIL_BRIDGE", DEFAULT_BRIDGE),
        ssh=env.get("VESTSIGHT_HIL_SSH", DEFAULT_SSH),
        pad=env.get("VESTSIGHT_HIL_PAD", "socket"),
        power_on=env.get("VESTSIGHT_HIL_POWER_ON", ""),
        vest_shell=env.get("VESTSIGHT_HIL_VEST_SHELL", ""),
        camera_off=env.get("VESTSIGHT_HIL_CAMERA_OFF", ""),
        camera_on=env.get("VESTSIGHT_HIL_CAMERA_ON", ""),
        scene=env.get("VESTSIGHT_HIL_SCENE", ""),
        lock=env.get("VESTSIGHT_HIL_LOCK", ""),
        env={k: v for k, v in env.items() if k.startswith("VESTSIGHT_HIL_")},
    )
