"""Fixtures for unit tests: a whole simulated vest with a scripted model."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from tests.conftest import TIMEOUT
from tests.unit.simulated_vest import TOKENS, ScriptedLlm, feedback_of
from vestsight.camera import CameraService
from vestsight.camera.photos import PhotoCamera
from vestsight.commands import Vest
from vestsight.controller import Controller
from vestsight.gpio.haptics import HapticMotor
from vestsight.gpio.pins import Pins
from vestsight.inputs.events import InputQueue
from vestsight.journal import Journal
from vestsight.menu import SpokenMenu
from vestsight.phrases import Phrases
from vestsight.settings import Settings
from vestsight.speech.output import WavFileOutput
from vestsight.speech.speaker import Speaker
from vestsight.speech.synth import EspeakSynthesizer, Voice
from vestsight.vision.detectors import FaceDetector
from vestsight.vision.ocr import TesseractOcr
from vestsight.vision.service import VisionService


@pytest.fixture
async def vest(tmp_path: Path, journal: Journal):
    settings = Settings()
    speaker = Speaker(
        EspeakSynthesizer(),
        WavFileOutput(tmp_path, realtime=True),
        Voice("en-gb", 300, 100),
        journal,
    )
    haptics = HapticMotor(settings.gpio, settings.haptics, Pins(settings.gpio), journal)
    camera = CameraService(PhotoCamera("", 320, 240))
    llm = ScriptedLlm(journal, TOKENS, gate_at=5)
    vision = VisionService([FaceDetector(0.5)], lambda name, error: None)
    phrases = Phrases("en")
    menu = SpokenMenu(speaker, phrases, journal)
    vest = Vest(
        settings, phrases, journal, speaker, haptics, camera, llm, vision, TesseractOcr("eng"),
        choose=menu.choose,
    )  # fmt: skip
    inputs = InputQueue()
    controller = Controller(vest, inputs, menu, feedback_of(vest))
    services = [speaker, haptics, camera, llm, vision, controller]
    tasks = [asyncio.create_task(s.run()) for s in services]
    await asyncio.wait_for(asyncio.gather(*(s.ready.wait() for s in services)), TIMEOUT)
    yield vest, inputs, llm
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
