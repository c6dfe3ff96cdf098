"""How the gamepad services reach their pads: one typed choice per backend.

`EvdevAccess` says how `vestsight.inputs.evdev_pad.EvdevGamepad` lists and opens
``/dev/input`` devices (python-evdev unless replaced) and how often it looks; `BleAccess` says
which bleak backends `vestsight.inputs.ble_pad.BlePad` scans and connects through (BlueZ unless
replaced) and how long it waits. The defaults are the vest's; tests and the simulated bench
pass fakes. Neither python-evdev nor bleak is imported here: evdev only when a default device
function runs, bleak's types only for the type checker.
"""

from __future__ import annotations

from collections.abc import AsyncIterable, Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol, TypeAlias

from .evdev_decoder import EventLike

if TYPE_CHECKING:
    from bleak.backends.client import BaseBleakClient
    from bleak.backends.scanner import BaseBleakScanner


class InputDeviceLike(Protocol):
    """The part of `evdev.InputDevice` the evdev service uses."""

    @property
    def path(self) -> str | bytes: ...
    @property
    def name(self) -> str: ...
    @property
    def phys(self) -> str: ...
    @property
    def uniq(self) -> str: ...
    def async_read_loop(self) -> AsyncIterable[EventLike]: ...
    def grab(self) -> None: ...
    def close(self) -> None: ...


def evdev_list_devices() -> list[str]:
    """The ``/dev/input/event*`` nodes this process may read, through python-evdev."""
    import evdev

    return sorted(evdev.list_devices(writable=False))


def evdev_open_device(path: str) -> InputDeviceLike:
    import evdev

    return evdev.InputDevice(path)


@dataclass(frozen=True)
class EvdevAccess:
    """How the evdev service finds, opens and holds a pad."""

    list_devices: Callable[[], Sequence[str]] = evdev_list_devices
    """The device nodes to look at."""
    open_device: Callable[[str], InputDeviceLike] = evdev_open_device
    """Opens one node; OSError when it vanished or is not ours to read."""
    backoff: tuple[float, ...] = (0.5, 1.0, 2.0, 5.0)
    """Seconds between searches while no pad is found, the last one repeated."""
    grab: bool = True
    """Grab the pad, so that its keys do not also type into a console."""


@dataclass(frozen=True)
class BleAccess:
    """How the BLE service scans for and connects to a pad."""

    scanner_backend: type[BaseBleakScanner] | None = None
    """bleak's scanner backend; None: the platform's (BlueZ over D-Bus)."""
    client_backend: type[BaseBleakClient] | None = None
    """bleak's client backend; None: the platform's."""
    scan_s: float = 10.0
    """How long one scan lasts."""
    connect_timeout_s: float = 20.0
    backoff: tuple[float, ...] = (1.0, 2.0, 5.0, 10.0, 30.0)
    """Seconds before looking again after failures, the last one repeated."""


PadAccess: TypeAlias = EvdevAccess | BleAccess
"""How a gamepad service of either backend reaches its pads."""
