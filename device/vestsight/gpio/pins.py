"""Pin factories: gpiozero's MockFactory in development, lgpio on the Pi 5.

Device meaning (a button, a motor) lives in `buttons.py` and `haptics.py`; which pins drive it is
decided here, once, from the config.
"""

from __future__ import annotations

import logging
from typing import Any

from ..errors import GpioError
from ..settings import GpioSettings

_LOGGER = logging.getLogger(__name__)


def make_pin_factory(settings: GpioSettings) -> Any:
    if settings.backend == "mock":
        from gpiozero.pins.mock import MockFactory, MockPWMPin

        _LOGGER.info("GPIO: gpiozero MockFactory (simulated pins)")
        return MockFactory(pin_class=MockPWMPin)
    try:
        from gpiozero.pins.lgpio import LGPIOFactory

        return LGPIOFactory()
    except (ImportError, OSError) as err:
        raise GpioError(
            f"cannot open the Pi's GPIO through lgpio: {err}",
            advice="install lgpio (pip install vestsight[pi]) and run as a user in the gpio "
            'group; elsewhere set gpio.backend = "mock"',
        ) from err


class Pins:
    """The one pin factory of the vest, opened when a GPIO service first needs it.

    Opening can fail on a vest (lgpio missing, no permission): then the service that asked fails,
    the supervisor says so and retries, and the rest of the vest keeps working.
    """

    def __init__(self, settings: GpioSettings) -> None:
        self._settings = settings
        self._factory: Any = None

    def factory(self) -> Any:
        if self._factory is None:
            self._factory = make_pin_factory(self._settings)
        return self._factory


def is_mock(factory: Any) -> bool:
    from gpiozero.pins.mock import MockFactory

    return isinstance(factory, MockFactory)
