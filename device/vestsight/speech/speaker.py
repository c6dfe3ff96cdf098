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

Speech that cannot be heard is never silent to the vest (`health`, speech/health.py): a sentence
that fails is tried once more through a fallback (the language's standard voice for a voice that
does not exist; `make_fallback_output` for a failing sound card), which then stays in use; a failure
that remains makes speech *broken*, and the app makes that felt.
"""

from __future__ import annotations

import asyncio
import dataclasses
import enum
import heapq
import itertools
import logging
import time
from pathlib import Path

from ..errors import SpeechError
from ..journal import Journal
from ..supervisor import Service
from .audio import Audio
from .health import SpeechHealth
from .output import AudioOutput
from .synth import Synthesizer, Voice
from .voices import VoiceBook, voice_book

_LOGGER = logging.getLogger(__name__)

RATE_RANGE = (80, 450)
"""Words per minute the wearer can choose between."""
VOLUME_RANGE = (20, 200)
"""espeak-ng amplitudes the wearer can choose between (never silent by accident)."""


class Priority(enum.IntEnum):
    URGENT = 0
    NORMAL = 1
    REMINDER = 2
    """Said again after the wearer cut it short: any other sentence goes first and interrupts
    it (it is then "deferred", not "interrupted")."""


@dataclasses.dataclass(eq=False)
class Utterance:
    id: int
    text: str
    priority: Priority
    source: str
    """Who asked: ``system``, ``command``, ``llm``, ``config``..."""
    finished: asyncio.Future[str]
    """Resolves to the outcome: done, interrupted, dropped, deferred (a reminder that gave way
    to another sentence) or failed."""
    voice: Voice | None = None
    """The voice that reads it (None for an earcon)."""
    audio: asyncio.Task[Audio] | None = None
    deferred: bool = False
    """A reminder cut by another sentence, not by the wearer."""


class Speaker(Service):
    name = "speech"

    def __init__(
        self,
        synthesizer: Synthesizer,
        output: AudioOutput,
        voice: Voice,
        journal: Journal,
        voices: VoiceBook | None = None,
        *,
        fallback_output: AudioOutput | None = None,
        fallback_voice: str = "",
    ) -> None:
        super().__init__()
        self._synthesizer = synthesizer
        self._output = output
        self._fallback_output = fallback_output
        self._fallback_voice = fallback_voice
        """The voice that reads when the vest's own cannot ("": its language's standard one)."""
        self.health = SpeechHealth(journal)
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
        self._quiet = asyncio.Event()
        """Set while nothing is said or waits to be said."""
        self._quiet.set()
        self._queued_count = 0

    @property
    def speaking(self) -> bool:
        return self._current is not None or bool(self._queue)

    async def lull(self, seconds: float) -> None:
        """Return once nothing has been said or waited to be said for `seconds` on end (the
        wearer's answer, which comes a moment after their press, has been heard)."""
        while True:
            await self._quiet.wait()
            queued = self._queued_count
            await asyncio.sleep(seconds)  # a length of quiet, not a wait for something
            if self._quiet.is_set() and self._queued_count == queued:
                return

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
        self._enqueue(utterance)
        self._journal.publish(
            "speech.queued",
            id=utterance.id,
            text=utterance.text,
            source=source,
            priority=priority.name.lower(),
            voice=voice.name,
        )
        current = self._current
        if current is not None and priority < current.priority:
            if current.priority is Priority.REMINDER:
                current.deferred = True
                self._interrupt_playback()
            elif priority is Priority.URGENT:
                self._interrupt_playback()
        return utterance

    def _enqueue(self, utterance: Utterance) -> None:
        heapq.heappush(self._queue, (utterance.priority, utterance.id, utterance))
        self._queued_count += 1
        self._quiet.clear()
        self._queued.set()

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
        self._enqueue(utterance)
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

    @property
    def broken(self) -> bool:
        """Speech cannot be heard now (the wearer only feels the vest)."""
        return self.health.broken or not self.ready.is_set()

    @property
    def output_description(self) -> str:
        return self._output.description

    async def run(self) -> None:
        try:
            self._output.check()
        except SpeechError as err:  # nothing can be heard: the supervisor tries again
            self.health.failed(err.reason, str(err))
            for _priority, _id, utterance in self._queue:
                if utterance.audio is not None:
                    utterance.audio.cancel()
                self._finish(utterance, "failed", error=str(err))
            self._queue.clear()
            raise
        try:
            self._synthesizer.check()
        except SpeechError as err:  # sentences fail, but earcons can still be heard
            self.health.failed(err.reason, str(err))
        _LOGGER.info(
            "Speech ready: espeak-ng voice %s to %s", self.voice.name, self._output.description
        )
        self.ready.set()
        try:
            while True:
                if not self._queue:
                    self._queued.clear()
                    self._quiet.set()
                    await self._queued.wait()
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
            fallback = await self._with_fallback_voice(utterance, err)
            if fallback is None:
                reason = err.reason if isinstance(err, SpeechError) else "synthesizer"
                self._failed(utterance, reason, err)
                return
            audio = fallback
        if utterance.finished.done():
            return  # dropped by stop() between its synthesis and its start
        if self._queue and self._queue[0][0] < utterance.priority:
            # Something more urgent arrived while this was being prepared: it goes first.
            utterance.deferred = False  # given way before it was heard: nothing was cut
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
        playback = await self._play_through(self._output, audio, label, utterance)
        if playback.cancelled():
            return
        if (error := playback.exception()) is not None:
            _LOGGER.error("Cannot play %r: %s", utterance.text, error)
            if not await self._with_fallback_output(utterance, audio, label):
                reason = error.reason if isinstance(error, SpeechError) else "output"
                self._failed(utterance, reason, error)
            return
        path = playback.result()
        self._heard(utterance, path)

    async def _play_through(
        self, output: AudioOutput, audio: Audio, label: str, utterance: Utterance
    ) -> asyncio.Task[Path | None]:
        """`audio` played through `output` (interruptible), the finished task returned; an
        interrupted one has finished `utterance` as "interrupted"."""
        playback = asyncio.create_task(output.play(audio, label), name="speech-playback")
        self._playback = playback
        try:
            await asyncio.wait({playback})
        except asyncio.CancelledError:
            playback.cancel()
            await asyncio.wait({playback})
            self._finish(utterance, "interrupted")
            raise
        if playback.cancelled():
            self._finish(utterance, "deferred" if utterance.deferred else "interrupted")
        return playback

    def _heard(self, utterance: Utterance, path: Path | None) -> None:
        self._finish(utterance, "done", wav=str(path) if path else None)
        if utterance.voice is not None:  # a sentence, not an earcon: the voice works too
            self.health.heard()

    def _failed(self, utterance: Utterance, reason: str, error: BaseException) -> None:
        self._finish(utterance, "failed", error=str(error))
        if utterance.voice is not None:
            self.health.failed(reason, str(error))

    # --- fallbacks ---------------------------------------------------------------------------

    def fallback_voice(self, name: str) -> str:
        """The voice to try when `name` fails: its language's standard voice ("" if it is one)."""
        language = self._voices.language_of_voice(name)
        standard = self._voices.voices.get(language or "", "") or self._fallback_voice
        return "" if standard == name else standard

    async def _with_fallback_voice(
        self, utterance: Utterance, error: BaseException
    ) -> Audio | None:
        """`utterance` read by a standard voice when its own does not exist; the vest's voice
        becomes that voice. None when there is none, or it fails too."""
        voice = utterance.voice
        if voice is None or not isinstance(error, SpeechError) or error.reason != "voice":
            return None
        standard = self.fallback_voice(voice.name)
        if not standard:
            return None
        try:
            audio = await self._synthesize(utterance, dataclasses.replace(voice, name=standard))
        except SpeechError as err:
            _LOGGER.error("The standard voice %s fails too: %s", standard, err)
            return None
        if self.voice.name == voice.name:
            self.voice = dataclasses.replace(self.voice, name=standard)
        utterance.voice = dataclasses.replace(voice, name=standard)
        self.health.fell_back("voice", standard)
        return audio

    async def _with_fallback_output(self, utterance: Utterance, audio: Audio, label: str) -> bool:
        """Play `audio` through the fallback output, which then becomes the output (the failed
        one becomes the fallback); False when there is none, or it fails too."""
        fallback = self._fallback_output
        if fallback is None or utterance.finished.done():
            return False
        playback = await self._play_through(fallback, audio, label, utterance)
        if playback.cancelled():
            return True
        if (error := playback.exception()) is not None:
            _LOGGER.error("The fallback output %s fails too: %s", fallback.description, error)
            return False
        self._output, self._fallback_output = fallback, self._output
        self.health.fell_back("output", fallback.description)
        self._heard(utterance, playback.result())
        return True

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
