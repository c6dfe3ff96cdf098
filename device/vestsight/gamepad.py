"""The gamepad as the app sees it: `make_gamepad` builds the configured service (evdev for Classic
and kernel-handled pads, bleak for BLE pads, the simulated pad for `make run`, or none) from the
configured preset (`vestsight.inputs.pad_presets`); `vestsight.pad_feedback` makes what it tells
heard and felt."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

from .inputs.events import PadCallbacks
from .inputs.pad_access import BleAccess, EvdevAccess, PadAccess
from .inputs.pad_presets import PRESETS
from .inputs.simulated_pad import SimulatedPad
from .settings import GamepadSettings

if TYPE_CHECKING:
    from .inputs.ble_pad import BlePad
    from .inputs.evdev_pad import EvdevGamepad

    PadService = EvdevGamepad | BlePad | SimulatedPad

_LOGGER = logging.getLogger(__name__)

_Access = TypeVar("_Access", EvdevAccess, BleAccess)


def make_gamepad(
    settings: GamepadSettings,
    callbacks: Callable[[str], PadCallbacks],
    access: PadAccess | None = None,
) -> PadService | None:
    """The configured gamepad service, or None.

    `callbacks(origin)` gives what the service tells (`PadFeedback.callbacks`); the origin is
    "evdev", "ble" or "simulated". `access` replaces how that backend reaches its pads (the
    vest's own way when None); an access for another backend is a TypeError.
    """
    names = [n.strip() for n in settings.names.split(",") if n.strip()]
    addresses = [a.strip() for a in settings.addresses.split(",") if a.strip()]
    preset = PRESETS[settings.preset]
    if not names and not addresses:
        names = [preset.pad_name]
        _LOGGER.warning("gamepad.names and addresses are both empty: looking for %r", names[0])
    if settings.backend == "simulated":
        if access is not None:
            raise TypeError("gamepad.backend is simulated: it reaches no pads, give no access")
        return SimulatedPad(callbacks("simulated"), names[0] if names else preset.pad_name)
    if settings.backend == "evdev":
        from .inputs.evdev_pad import EvdevGamepad

        return EvdevGamepad(
            callbacks("evdev"),
            preset.evdev,
            names=names,
            addresses=addresses,
            access=_chosen(access, EvdevAccess, settings.backend),
        )
    if settings.backend == "ble":
        from .inputs.ble_pad import BlePad  # imports bleak

        return BlePad(
            callbacks("ble"),
            preset.hid,
            names=names,
            addresses=addresses,
            access=_chosen(access, BleAccess, settings.backend),
        )
    return None


def _chosen(access: PadAccess | None, kind: type[_Access], backend: str) -> _Access:
    if access is None:
        return kind()
    if not isinstance(access, kind):
        raise TypeError(f"gamepad.backend is {backend}: {type(access).__name__} is not for it")
    return access
