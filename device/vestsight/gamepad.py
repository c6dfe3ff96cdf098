"""The gamepad as the app sees it: `make_gamepad` builds the configured service (evdev for Classic
and kernel-handled pads, bleak for BLE pads, or none); `vestsight.pad_feedback` makes what it
tells heard and felt."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from .pad_feedback import PadFeedback
from .settings import GamepadSettings

if TYPE_CHECKING:
    from .inputs.ble_pad import BlePad
    from .inputs.evdev_pad import EvdevGamepad

_LOGGER = logging.getLogger(__name__)

PRESET_NAMES = {
    "8bitdo-micro-dinput": "8BitDo Micro",
    "8bitdo-micro-keyboard": "8BitDo Micro",
    "xbox-wireless": "Xbox Wireless Controller",
    "generic": "gamepad",
}
"""The name looked for when the config gives neither names nor addresses."""


def make_gamepad(
    settings: GamepadSettings, feedback: PadFeedback, **backends: Any
) -> EvdevGamepad | BlePad | None:
    """The configured gamepad service, or None. `backends` replace how devices are reached
    (evdev: ``list_devices``, ``open_device``; BLE: ``scanner_backend``, ``client_backend``)."""
    names = [n.strip() for n in settings.names.split(",") if n.strip()]
    addresses = [a.strip() for a in settings.addresses.split(",") if a.strip()]
    if not names and not addresses:
        names = [PRESET_NAMES[settings.preset]]
        _LOGGER.warning("gamepad.names and addresses are both empty: looking for %r", names[0])
    if settings.backend == "evdev":
        from .inputs.evdev_pad import PRESETS, EvdevGamepad

        return EvdevGamepad(
            feedback.callbacks("evdev"),
            PRESETS[settings.preset],
            names=names,
            addresses=addresses,
            **backends,
        )
    if settings.backend == "ble":
        from .inputs.ble_pad import BlePad  # imports bleak
        from .inputs.pad_maps import HID_PRESETS

        return BlePad(
            feedback.callbacks("ble"),
            HID_PRESETS[settings.preset],
            names=names,
            addresses=addresses,
            **backends,
        )
    return None
