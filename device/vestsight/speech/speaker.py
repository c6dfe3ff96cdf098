"""The speaker: a priority queue of sentences that can be interrupted at any moment.

- `say()` queues a sentence and starts synthesizing it at once, so the next sentence is ready
  while the current one plays (no gap between streamed sentences).
- `URGENT` sentences (errors, disconnections) cut in: the sentence playing is interrupted.
- `stop()` silences the vest at once and drops everything queued. An interrupted sentence is
  never resumed or half-repeated; it is reported as ``interrupted``.
- A sentence can name the language that reads it (`language`, or a text that carries one: a
  `speech.reading.Spoken` line of a label): a Cyrillic line is read by the Russian voice and a
  Latin one by the English voice whatever the vest's language (speech/voices.py), and "repeat"
  says them so again. Everything else (the vest's own phrases) is read by the vest's voice. Rate
  and volume are the wearer's either way.

Every sentence is journalled: ``speech.queued`` and ``speech.start`` (with the voice reading it),
``speech.end`` (with its outcome: done, interrupted, dropped, failed).
"""

from __future__ import annotations

import asyncio
import dataclasses
import enum
import heapq
import itertools
import logging
import time

from ..journal import Journal
from ..supervisor import Service
from .audio import Audio
from .output import AudioOutput
from .synth import EspeakSynthesizer, Voice
from .voices import VoiceBook, voice_book

_LOGGER = logging.getLogger(__name__)

RATE_RANGE = (80, 450)
"""Words per minute the wearer can choose between."""
VOLUME_RANGE = (20, 200)
"""espeak-ng amplitudes the wearer can choose between (never silent by accident)."""


class Priority(enum.IntEnum):
    URGENT = 0
    NORMAL = 1


@dataclasses.dataclass(eq=False)
class Utterance:
    id: int
    text: str
    priority: Priority
    source: str
    """Who asked: ``system``, ``command``, ``llm``, ``config``..."""
    finished: asyncio.Future[str]
    """Resolves to the outcome: done, interrupted, dropped or failed."""
    voice: Voice | None = None
    """The voice that reads it (None for an earcon)."""
    audio: asyncio.Task[Audio] | None = None


class Speaker(Service):
    name = "speech"
    spoken_name = "speech"

    def __init__(
        self,
        synthesizer: EspeakSynthesizer,
        output: AudioOutput,
        voice: Voice,
        journal: Journal,
        voices: VoiceBook | None = None,
    ) -> None:
        super().__init__()
        self._synthesizer = synthesizer
        self._output = output
        self.voice = voice
        self._voices = voices or voice_book()
        self._journal = journal
        self._ids = itertools.count(1)
        self._session = time.strftime("%Y%m%d-%H%M%S")
        self._queue: list[tuple[int, int, Utterance]] = []
        self._queued = asyncio.Event()
        self._synthesis_turn = asyncio.Lock()
        self._current: Utterance | None = None
        self._playback: asyncio.Task[object] | None = None

    @property
    def speaking(self) -> bool:
        return self._current is not None or bool(self._queue)

    def is_pending(self, text: str) -> bool:
        """Whether `text` (ignoring case and end punctuation) is being said or waits its turn."""
        wanted = _comparable(text)
        waiting = [utterance for _priority, _id, utterance in self._queue]
        if self._current is not None:
            waiting.append(self._current)
        return any(_comparable(utterance.text) == wanted for utterance in waiting)

    def say(
        self,
        text: str,
        *,
        priority: Priority = Priority.NORMAL,
        source: str = "system",
        language: str | None = None,
    ) -> Utterance:
        """Queue `text`, read by the voice of `language` (or of the language `text` carries)."""
        loop = asyncio.get_running_loop()
        utterance = Utterance(
            next(self._ids), " ".join(text.split()), priority, source, loop.create_future()
        )
        if not utterance.text:
            utterance.finished.set_result("done")
            return utterance
        voice = utterance.voice = self.voice_for(language or getattr(text, "language", None))
        utterance.audio = asyncio.create_task(
            self._synthesize(utterance, voice), name=f"synthesize-{utterance.id}"
        )
        utterance.audio.add_done_callback(_consume_result)
        heapq.heappush(self._queue, (priority, utterance.id, utterance))
        self._queued.set()
        self._journal.publish(
            "speech.queued",
            id=utterance.id,
            text=utterance.text,
            source=source,
            priority=priority.name.lower(),
            voice=voice.name,
        )
        current = self._current
        if priority is Priority.URGENT and current and current.priority is not Priority.URGENT:
            self._interrupt_playback()
        return utterance

    def play_sound(
        self,
        audio: Audio,
        name: str,
        *,
        priority: Priority = Priority.NORMAL,
        source: str = "earcon",
    ) -> Utterance:
        """Queue ready-made audio (an earcon) like a sentence: stop() silences it too."""
        loop = asyncio.get_running_loop()
        utterance = Utterance(next(self._ids), f"[{name}]", priority, source, loop.create_future())
        ready: asyncio.Future[Audio] = loop.create_future()
        ready.set_result(audio)
        utterance.audio = asyncio.ensure_future(ready)  # type: ignore[assignment]
        heapq.heappush(self._queue, (priority, utterance.id, utterance))
        self._queued.set()
        self._journal.publish(
            "speech.queued", id=utterance.id, text=utterance.text, source=source,
            priority=priority.name.lower(),
        )  # fmt: skip
        return utterance

    def voice_for(self, language: str | None) -> Voice:
        """The voice for `language`: the vest's own when it speaks that language (a voice chosen
        in the config stays) or none is named, else that language's, at the wearer's rate."""
        name = self._voices.voices.get(language or "")
        if name is None or language == self._voices.language_of_voice(self.voice.name):
            return self.voice
        return dataclasses.replace(self.voice, name=name)

    def stop(self) -> int:
        """Silence now and drop everything queued; return how many sentences were cut."""
        cut = len(self._queue) + (1 if self._current else 0)
        current = self._current
        if current is not None and self._playback is None:
            self._drop(current)  # being prepared, not yet heard: it will not start
        while self._queue:
            _priority, _id, utterance = heapq.heappop(self._queue)
            self._drop(utterance)
        self._queued.clear()
        self._interrupt_playback()
        if cut:
            self._journal.publish("speech.stopped", cut=cut)
        return cut

    def set_rate(self, rate: int) -> int:
        low, high = RATE_RANGE
        self.voice = dataclasses.replace(self.voice, rate=max(low, min(high, rate)))
        return self.voice.rate

    def set_voice(self, name: str) -> None:
        self.voice = dataclasses.replace(self.voice, name=name)

    def set_volume(self, volume: int) -> int:
        low, high = VOLUME_RANGE
        self.voice = dataclasses.replace(self.voice, volume=max(low, min(high, volume)))
        return self.voice.volume

    async def run(self) -> None:
        self._synthesizer.check()
        self._output.check()
        _LOGGER.info(
            "Speech ready: espeak-ng voice %s to %s", self.voice.name, self._output.description
        )
        self.ready.set()
        try:
            while True:
                await self._queued.wait()
                if not self._queue:
                    self._queued.clear()
                    continue
                _priority, _id, utterance = heapq.heappop(self._queue)
                await self._speak(utterance)
        finally:
            pending = [u.audio for _p, _i, u in self._queue if u.audio is not None]
            self.stop()
            if pending:
                await asyncio.wait(pending)

    async def _synthesize(self, utterance: Utterance, voice: Voice) -> Audio:
        async with self._synthesis_turn:
            return await self._synthesizer.synthesize(utterance.text, voice)

    async def _speak(self, utterance: Utterance) -> None:
        self._current = utterance
        try:
            await self._play(utterance)
        finally:
            self._current = None
            self._playback = None

    async def _play(self, utterance: Utterance) -> None:
        assert utterance.audio is not None
        try:
            audio = await utterance.audio
        except asyncio.CancelledError:
            if utterance.audio.cancelled() and not _current_task_cancelling():
                return  # dropped by stop() while being synthesized
            raise
        except Exception as err:  # noqa: BLE001 -- one bad sentence must not silence the vest
            _LOGGER.error("Cannot synthesize %r: %s", utterance.text, err)
            self._finish(utterance, "failed", error=str(err))
            return
        if utterance.finished.done():
            return  # dropped by stop() between its synthesis and its start
        if self._queue and self._queue[0][0] < utterance.priority:
            # Something more urgent arrived while this was being prepared: it goes first.
            heapq.heappush(self._queue, (utterance.priority, utterance.id, utterance))
            self._queued.set()
            return
        label = f"{self._session}-{utterance.id:05d}"
        self._journal.publish(
            "speech.start",
            id=utterance.id,
            text=utterance.text,
            source=utterance.source,
            label=label,
            duration=round(audio.duration, 3),
            voice=utterance.voice.name if utterance.voice else None,
        )
        playback = asyncio.create_task(self._output.play(audio, label), name="speech-playback")
        self._playback = playback
        try:
            await asyncio.wait({playback})
        except asyncio.CancelledError:
            playback.cancel()
            await asyncio.wait({playback})
            self._finish(utterance, "interrupted")
            raise
        if playback.cancelled():
            self._finish(utterance, "interrupted")
        elif (error := playback.exception()) is not None:
            _LOGGER.error("Cannot play %r: %s", utterance.text, error)
            self._finish(utterance, "failed", error=str(error))
        else:
            path = playback.result()
            self._finish(utterance, "done", wav=str(path) if path else None)

    def _interrupt_playback(self) -> None:
        if self._playback is not None and not self._playback.done():
            self._playback.cancel()

    def _drop(self, utterance: Utterance) -> None:
        if utterance.audio is not None:
            utterance.audio.cancel()
        self._finish(utterance, "dropped")

    def _finish(self, utterance: Utterance, outcome: str, **fields: object) -> None:
        if not utterance.finished.done():
            utterance.finished.set_result(outcome)
        self._journal.publish(
            "speech.end", id=utterance.id, text=utterance.text, outcome=outcome, **fields
        )


def _consume_result(task: asyncio.Task[Audio]) -> None:
    """Mark a synthesis result as seen; `_speak` reports failures of what it plays."""
    if not task.cancelled():
        task.exception()


def _current_task_cancelling() -> bool:
    task = asyncio.current_task()
    return task is not None and task.cancelling() > 0


def _comparable(text: str) -> str:
    return text.strip().rstrip(".!?").casefold()
