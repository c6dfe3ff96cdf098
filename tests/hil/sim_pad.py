"""The simulated vest's gamepad: a paired pad on a fake /dev/input, pressed with evdev events.

The vest reads it through its real evdev gamepad service (decoder, hot-plug, connect and
disconnect announcements); only the device node is fake (`tests/unit/test_evdev_pad.FakeBus`).
On the bench the same part is played by the emulated BLE pad (`bumble_pad.py`).
"""

from __future__ import annotations

from evdev import InputEvent, ecodes

from tests.unit.test_evdev_pad import FakeBus
from vestsight.inputs.evdev_maps import EvdevMap

PAD_PATH = "/dev/input/event7"
PAD_NAME = "8BitDo Micro gamepad"
PAD_ADDRESS = "e4:17:d8:00:be:9c"


def pad_events(mapping: EvdevMap, button: str, pressed: bool) -> list[InputEvent]:
    """What the kernel would report for `button` going down (or up), then a sync."""
    for code, name in mapping.keys.items():
        if name == button:
            return [InputEvent(0, 0, ecodes.EV_KEY, code, int(pressed)), _sync()]
    for axis in mapping.axes:
        if button in (axis.negative, axis.positive):
            step = -axis.threshold if button == axis.negative else axis.threshold
            value = axis.centre + step if pressed else axis.centre
            return [InputEvent(0, 0, ecodes.EV_ABS, axis.code, value), _sync()]
    raise ValueError(f"{mapping.name} has no button {button!r}")


def _sync() -> InputEvent:
    return InputEvent(0, 0, ecodes.EV_SYN, ecodes.SYN_REPORT, 0)


class SimulatedPad:
    """One pad on a fake device bus: plug, unplug (sleep), press."""

    def __init__(self, mapping: EvdevMap) -> None:
        self.bus = FakeBus()
        self._mapping = mapping

    @property
    def plugged(self) -> bool:
        return PAD_PATH in self.bus.present

    def plug(self) -> None:
        self.bus.plug(PAD_PATH, PAD_NAME, uniq=PAD_ADDRESS)

    def sleep(self) -> None:
        self.bus.sleep(PAD_PATH)

    def set(self, button: str, pressed: bool) -> None:
        if not self.plugged:
            raise AssertionError("the simulated pad is asleep: press it after pad_on()")
        device = self.bus.live(PAD_PATH)
        for item in pad_events(self._mapping, button, pressed):
            device.reads.put_nowait(item)
