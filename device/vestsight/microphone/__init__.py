"""The vest's microphone for asking by voice: one interface (`Microphone`), an ALSA backend
and a simulated one, chosen by `[microphone] backend`; `MicrophoneService` keeps it checked."""

from __future__ import annotations

from ..settings import MicrophoneSettings
from .base import Microphone, Recording, scaled
from .service import MicrophoneService
from .simulated import SimulatedMicrophone


def make_microphone(settings: MicrophoneSettings) -> Microphone:
    if settings.backend == "alsa":
        from .alsa import AlsaMicrophone

        return AlsaMicrophone(settings.device, settings.recorder)
    return SimulatedMicrophone()


__all__ = [
    "Microphone",
    "MicrophoneService",
    "Recording",
    "SimulatedMicrophone",
    "make_microphone",
    "scaled",
]
