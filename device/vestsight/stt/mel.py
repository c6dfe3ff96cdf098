"""Whisper's input: an 80-band log-mel spectrogram of 30 s of 16 kHz audio, in numpy.

The same computation as OpenAI Whisper's `log_mel_spectrogram` (a 400-sample periodic Hann
window, 160-sample hop, centred frames with reflected edges, the power spectrum through Slaney's
mel filters, log10 floored 8 below the peak and scaled to about -1..1), so the CTranslate2 model
gets the features it was trained on. Shorter audio is padded with silence to 30 s.
"""

from __future__ import annotations

import functools

import numpy as np
import numpy.typing as npt

RATE = 16000
"""Samples per second Whisper listens at."""
N_FFT = 400
HOP = 160
WINDOW_SAMPLES = 30 * RATE
"""Whisper hears 30 s at a time; a question is at most one window."""
FRAMES = WINDOW_SAMPLES // HOP

Floats = npt.NDArray[np.float32]


def _hz_to_mel(hz: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """Slaney's mel scale: linear below 1 kHz, logarithmic above (librosa's default)."""
    linear = hz / (200.0 / 3)
    log_start = 1000.0 / (200.0 / 3)
    step = np.log(6.4) / 27.0
    above = hz >= 1000.0
    safe = np.where(above, hz, 1000.0)
    return np.where(above, log_start + np.log(safe / 1000.0) / step, linear)


def _mel_to_hz(mel: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    log_start = 1000.0 / (200.0 / 3)
    step = np.log(6.4) / 27.0
    above = mel >= log_start
    return np.where(above, 1000.0 * np.exp(step * (mel - log_start)), mel * (200.0 / 3))


@functools.cache
def mel_filters(n_mels: int = 80) -> Floats:
    """Slaney-normalised triangular mel filters, shape (n_mels, N_FFT // 2 + 1)."""
    bins = np.linspace(0.0, RATE / 2, N_FFT // 2 + 1)
    edges = _mel_to_hz(
        np.linspace(_hz_to_mel(np.array(0.0)), _hz_to_mel(np.array(RATE / 2.0)), n_mels + 2)
    )
    widths = np.diff(edges)
    ramps = edges[:, None] - bins[None, :]
    lower = -ramps[:-2] / widths[:-1, None]
    upper = ramps[2:] / widths[1:, None]
    weights = np.maximum(0.0, np.minimum(lower, upper))
    weights *= (2.0 / (edges[2 : n_mels + 2] - edges[:n_mels]))[:, None]
    filters: Floats = weights.astype(np.float32)
    return filters


@functools.cache
def _window() -> Floats:
    window: Floats = (0.5 - 0.5 * np.cos(2 * np.pi * np.arange(N_FFT) / N_FFT)).astype(np.float32)
    return window


def log_mel(samples: Floats, n_mels: int = 80) -> Floats:
    """The log-mel spectrogram of the first 30 s of `samples` (float, -1..1), shape
    (n_mels, 3000): what Whisper's encoder takes."""
    audio = np.zeros(WINDOW_SAMPLES + WINDOW_SAMPLES, dtype=np.float32)
    clip = samples[:WINDOW_SAMPLES]
    audio[: len(clip)] = clip  # Whisper pads with 30 s of silence, then keeps 3000 frames
    padded = np.pad(audio, N_FFT // 2, mode="reflect")
    count = FRAMES
    starts = np.arange(count) * HOP
    frames = padded[starts[:, None] + np.arange(N_FFT)[None, :]] * _window()
    power = np.abs(np.fft.rfft(frames, axis=1)).astype(np.float32) ** 2
    mel = mel_filters(n_mels) @ power.T
    spectrum = np.log10(np.maximum(mel, 1e-10))
    spectrum = np.maximum(spectrum, spectrum.max() - 8.0)
    features: Floats = ((spectrum + 4.0) / 4.0).astype(np.float32)
    return features
