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


def is_mock(factory: Any) -> bool:
    from gpiozero.pins.mock import MockFactory

    return isinstance(factory, MockFactory)
