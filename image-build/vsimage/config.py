"""What to build: image.toml (profiles, partitions), base.toml (pinned bases), the layers
(read by `layers`, checked together by `compose`)."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .compose import compose
from .layers import Layer, load_layer
from .util import BuildError

IMAGE_BUILD = Path(__file__).resolve().parents[1]
REPO = IMAGE_BUILD.parent

VEST_CONFIG = {
    # The card's vestsight.toml: the vest's values where they differ from the development
    # defaults (the app's defaults suit `make run` on a laptop).
    "general.run_dir": "/var/lib/vestsight/app",
    "general.models_dir": "/opt/vestsight/models",
    "camera.backend": "picamera2",
    "gpio.backend": "lgpio",
    "microphone.backend": "alsa",
    "gamepad.backend": "evdev",
    "input.terminal": False,
    # The UPS board's fuel gauge (hardware/BOM.md, layers/power) and logind's power-off.
    "power.backend": "max17048",
    "power.shutdown": "logind",
}


@dataclass(frozen=True)
class Profile:
    name: str
    description: str
    base: str
    venv: str
    models: tuple[str, ...] | str
    xz_level: int
    boot_mib: int
    data_mib: int
    root_headroom_mib: int
    extra_apt: tuple[str, ...]
    config: dict[str, object] = field(default_factory=dict)
    """vestsight.toml values of this profile over VEST_CONFIG (dotted keys)."""
    root_mib: int = 0
    """Fixed root partition size; 0 sizes it to the content."""


@dataclass(frozen=True)
class ImageConfig:
    name: str
    hostname: str
    locale: str
    timezone: str
    disk_signature: int
    layers: tuple[Layer, ...]
    profile: Profile
    base: dict[str, Any]
    """The profile's base from base.toml (url+sha256, or suite+mirror)."""

    def packages(self) -> list[str]:
        names: list[str] = []
        for layer in self.layers:
            names += [name for name in layer.packages(self.profile.base) if name not in names]
        return names + [name for name in self.profile.extra_apt if name not in names]

    def partuuid(self, number: int) -> str:
        return f"{self.disk_signature:08x}-{number:02d}"


def load_config(profile_name: str, image_build: Path = IMAGE_BUILD) -> ImageConfig:
    data = tomllib.loads((image_build / "image.toml").read_text(encoding="utf-8"))
    bases = tomllib.loads((image_build / "base.toml").read_text(encoding="utf-8"))
    profiles = data.get("profile", {})
    if profile_name not in profiles:
        raise BuildError(f"no profile {profile_name!r} in image.toml (have: {sorted(profiles)})")
    image, parts, chosen = data["image"], data["partitions"], profiles[profile_name]
    models = chosen.get("models", ())
    profile = Profile(
        name=profile_name,
        description=chosen.get("description", ""),
        base=chosen["base"],
        venv=chosen["venv"],
        models=models if isinstance(models, str) else tuple(models),
        xz_level=int(chosen.get("xz_level", 6)),
        boot_mib=int(chosen.get("boot_mib", parts["boot_mib"])),
        data_mib=int(chosen.get("data_mib", parts["data_mib"])),
        root_headroom_mib=int(chosen.get("root_headroom_mib", parts["root_headroom_mib"])),
        extra_apt=tuple(chosen.get("extra_apt", ())),
        config=dict(chosen.get("config", {})),
        root_mib=int(chosen.get("root_mib", 0)),
    )
    if profile.base not in bases:
        raise BuildError(f"profile {profile_name}: base {profile.base!r} is not in base.toml")
    if profile.venv not in ("full", "binary"):
        raise BuildError(f"profile {profile_name}: venv must be full or binary")
    names = [*image["layers"], *chosen.get("extra_layers", ())]
    layers = tuple(load_layer(image_build / "layers" / name) for name in names)
    compose(layers, bases)
    return ImageConfig(
        name=image["name"],
        hostname=image["hostname"],
        locale=image["locale"],
        timezone=image["timezone"],
        disk_signature=int(parts["disk_signature"], 16),
        layers=layers,
        profile=profile,
        base=bases[profile.base],
    )


def project_version(repo: Path = REPO) -> str:
    """pyproject's version, plus the git commit when there is one (and -dirty if changed)."""
    version = tomllib.loads((repo / "pyproject.toml").read_text(encoding="utf-8"))["project"][
        "version"
    ]
    import subprocess

    try:
        commit = subprocess.run(
            ["git", "-C", str(repo), "describe", "--always", "--dirty", "--exclude=*"],
            capture_output=True,
            text=True,
            check=True,
            timeout=30,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return str(version)
    return f"{version}-{commit}" if commit else str(version)
