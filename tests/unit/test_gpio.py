"""Vest buttons and the motor on gpiozero's own MockFactory pins."""

from __future__ import annotations

import asyncio
import dataclasses

import pytest
from gpiozero.pins.mock import MockFactory, MockPWMPin

from tests.conftest import TIMEOUT, event, wait_record
from vestsight.errors import GpioError, InputError
from vestsight.gpio.buttons import GpioButtons
from vestsight.gpio.haptics import PATTERNS, HapticMotor
from vestsight.gpio.pins import Pins
from vestsight.inputs.events import Action, InputQueue, Source
from vestsight.journal import Journal
from vestsight.settings import GpioSettings, HapticSettings


@pytest.fixture
def pins() -> Pins:
    return Pins(GpioSettings())


@pytest.fixture
def factory(pins: Pins) -> MockFactory:
    factory = pins.factory()
    assert isinstance(factory, MockFactory)
    assert factory.pin_class is MockPWMPin
    return factory


async def started(service):
    task = asyncio.create_task(service.run())
    await asyncio.wait_for(service.ready.wait(), TIMEOUT)
    return task


async def stopped(task: asyncio.Task) -> None:
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)


async def test_button_press_on_the_pin_reaches_the_loop(pins: Pins, factory: MockFactory) -> None:
    inputs = InputQueue()
    buttons = GpioButtons(GpioSettings(hold_ms=200), pins, inputs)
    task = await started(buttons)
    pin = factory.pin(17)

    # From another thread, as lgpio's callback thread would.
    await asyncio.to_thread(pin.drive_low)
    press = await asyncio.wait_for(inputs.get(), TIMEOUT)
    assert (press.source, press.button, press.action, press.origin) == (
        Source.GPIO,
        "main",
        Action.PRESS,
        "gpiozero",
    )
    held = await asyncio.wait_for(inputs.get(), TIMEOUT)  # gpiozero's hold thread, after 0.2 s
    assert held.action is Action.HOLD
    pin.drive_high()
    assert (await asyncio.wait_for(inputs.get(), TIMEOUT)).action is Action.RELEASE

    buttons.simulate("stop", True)
    assert (await asyncio.wait_for(inputs.get(), TIMEOUT)).button == "stop"
    with pytest.raises(InputError):
        buttons.simulate("nope", True)
    await stopped(task)


async def test_a_pin_that_cannot_be_used_is_a_named_error(pins: Pins) -> None:
    buttons = GpioButtons(GpioSettings(buttons={"main": 17, "same": 17}), pins, InputQueue())
    with pytest.raises(GpioError, match="GPIO17"):
        await asyncio.wait_for(buttons.run(), TIMEOUT)


async def play_to_end(journal: Journal, motor: HapticMotor, name: str) -> None:
    async with journal.subscribe() as records:
        motor.play(name)
        await wait_record(records, event("haptic.end", pattern=name))


async def test_patterns_drive_the_motor_pin(
    pins: Pins, factory: MockFactory, journal: Journal
) -> None:
    motor = HapticMotor(GpioSettings(), HapticSettings(strength=0.5), pins, journal)
    task = await started(motor)
    pin = factory.pin(18)
    motor.play("ack")
    assert pin.state == 0.5  # at once, in the same loop iteration as the press
    await play_to_end(journal, motor, "error")
    levels = [state.state for state in pin.states]
    # ack (cut short by error, whose first step is the same level), error's gap and second buzz
    assert levels == [0, 0.5, 0.0, 0.5, 0.0]
    gap = pin.states[3].timestamp  # MockPin stamps each state with the time since the last
    assert gap >= 0.1  # the 0.1 s gap of the error pattern
    await stopped(task)
    assert pin.state == 0


async def test_follow_waits_for_the_current_pattern(
    pins: Pins, factory: MockFactory, journal: Journal
) -> None:
    motor = HapticMotor(GpioSettings(), HapticSettings(), pins, journal)
    task = await started(motor)
    async with journal.subscribe() as records:
        motor.play("ack")
        motor.follow("thinking")
        assert motor.playing == "ack"
        await wait_record(records, event("haptic.end", pattern="ack"))
        assert motor.playing == "thinking"
        motor.stop("thinking")
        assert motor.playing is None and factory.pin(18).state == 0
        motor.play("ack")
        motor.follow("thinking")
        motor.stop("thinking")  # cancelled before it started
        await wait_record(records, event("haptic.end", pattern="ack"))
        assert motor.playing is None
    await stopped(task)


async def test_disabled_motor_stays_still_but_is_journalled(
    pins: Pins, factory: MockFactory, journal: Journal
) -> None:
    motor = HapticMotor(GpioSettings(), HapticSettings(enabled=False), pins, journal)
    task = await started(motor)
    async with journal.subscribe() as records:
        motor.play("ready")
        assert (await wait_record(records, event("haptic")))["felt"] is False
    assert factory.pin(18).state == 0
    await stopped(task)


def test_every_pattern_is_short_or_repeats() -> None:
    for pattern in PATTERNS.values():
        assert pattern.steps and all(0 <= level <= 1 for level, _ in pattern.steps)
        assert pattern.repeat or sum(seconds for _, seconds in pattern.steps) < 1.0
    assert dataclasses.is_dataclass(PATTERNS["ack"])


async def test_real_pins_unavailable_fail_the_service_not_the_vest(journal: Journal) -> None:
    pins = Pins(GpioSettings(backend="lgpio"))  # no Pi (and no lgpio) on this machine
    motor = HapticMotor(GpioSettings(), HapticSettings(), pins, journal)
    with pytest.raises(GpioError) as caught:
        await asyncio.wait_for(motor.run(), TIMEOUT)
    assert "lgpio" in caught.value.advice
    motor.play("ack")  # a motor that is down is silent, never a crash
