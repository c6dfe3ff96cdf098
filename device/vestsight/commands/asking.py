"""Ask by voice: hold the push-to-talk button, ask, let go; hear the answer about what is in view.

The controller starts `ask` once the push-to-talk button has been held for the long-press time
and sets `released` when it is let go. A rising tone and a buzz say "speak now"; a falling tone
says the recording stopped (at the release, at the longest question, which is said, or at
another press, which cancels the question). The frame in view is taken at the release and looked
at (detections, text) while the question is transcribed off the loop. Then:

- nothing heard (a silent recording, or no words in it): "I didn't catch that.";
- a "read it" / "what does it say" question (the language file's `read_questions`): the text
  read in view, word for word, in pieces as "read text" says it;
- any other question goes to the model with the picture (when it sees) or what was detected and
  read, and the previous exchange, and is answered sentence by sentence as it streams.

The question is journalled as ``voice.heard`` (text, language, transcription time) before
anything is said about it. Microphone and speech-recognition failures are said; nothing else
is affected by them.
"""

from __future__ import annotations

import asyncio
import logging
import re
from dataclasses import dataclass

from ..aio import wait_within
from ..camera.base import Frame
from ..camera.jpeg import model_jpeg
from ..errors import MicrophoneError, SttError, SttModelError
from ..llm.client import LlmState
from ..microphone import Recording
from ..microphone.tones import tone
from ..speech.reading import reading_chunks
from ..stt.service import SttState
from ..vision.ocr import OcrResult
from ..vision.phrasing import ahead_sentences
from .answer import speak_answer
from .describe import PROMPT_TEXT_CHARS, answer_tokens, llm_unavailable
from .looking import optional_findings, read_frame_text
from .reading import continue_
from .vest import Vest

_LOGGER = logging.getLogger(__name__)

SHORTEST_S = 0.3
"""A recording shorter than this cannot hold a question."""
READ_WAIT_S = 15.0
"""How long a "read it" question waits for the text in view."""


async def ask(vest: Vest, released: asyncio.Event) -> None:
    """Record while the button is held, then answer the question (see the module's text)."""
    if not _can_listen(vest):
        return
    assert vest.microphone is not None and vest.stt is not None
    vest.stt.warm()  # a let-go model loads while the wearer speaks
    vest.speaker.play_sound(tone("listening", vest.speaker.voice.volume), "listening")
    vest.haptics.play("centred")
    vest.journal.publish("voice.listening")
    try:
        recording = await vest.microphone.record(released, vest.settings.microphone.max_seconds)
    except MicrophoneError as err:
        _LOGGER.error("Recording failed: %s", err)
        vest.journal.publish("voice.failed", error=str(err))
        vest.haptics.play("error")
        vest.speaker.say(vest.phrases.say("mic_lost"), source="voice")
        return
    finally:
        vest.speaker.play_sound(tone("listened", vest.speaker.voice.volume), "listened")
    looking = asyncio.create_task(_look(vest), name="ask-look")
    try:
        question = await _transcribe(vest, recording)
        if question:
            await _answer_question(vest, question, looking)
    finally:
        looking.cancel()
        await asyncio.wait({looking})
        if not looking.cancelled() and (error := looking.exception()) is not None:
            _LOGGER.info("Looking for a question ended with %r", error)


def _can_listen(vest: Vest) -> bool:
    """Whether a question can be heard now; if not, the wearer is told why."""
    stt, microphone, phrases = vest.stt, vest.microphone, vest.phrases
    if stt is None or microphone is None or stt.state is SttState.OFF:
        key = "stt_off"
    elif stt.state is SttState.FAILED:
        key = "stt_missing"
    elif microphone.problem is not None:
        key = "mic_not_working"
    elif stt.state is SttState.LOADING:
        key = "stt_loading"
    else:
        return True
    vest.journal.publish("voice.unavailable", reason=key)
    vest.speaker.say(phrases.say(key), source="voice")
    return False


async def _transcribe(vest: Vest, recording: Recording) -> str:
    """The question's words ("" when none were heard, which is said); journalled."""
    assert vest.stt is not None
    phrases = vest.phrases
    loudest, clipped = recording.loudness()
    vest.journal.publish(
        "voice.recorded",
        seconds=round(recording.seconds, 2),
        ended=recording.ended,
        loudest_dbfs=round(loudest, 1),
        clipped=round(clipped, 4),
    )
    if recording.ended == "longest":
        vest.speaker.say(phrases.say("talk_longest"), source="voice")
    if recording.seconds < SHORTEST_S or recording.silent:
        vest.journal.publish("voice.heard", text="", language="", seconds=0.0, silent=True)
        vest.speaker.say(phrases.say("heard_nothing"), source="voice")
        return ""
    if recording.clipped:
        vest.speaker.say(phrases.say("heard_too_loud"), source="voice")
    try:
        transcript = await vest.stt.transcribe(recording.pcm, phrases.language)
    except SttError as err:
        _LOGGER.error("Transcription failed: %s", err)
        vest.journal.publish("voice.failed", error=str(err))
        vest.haptics.play("error")
        key = "stt_missing" if isinstance(err, SttModelError) else "stt_failed"
        vest.speaker.say(phrases.say(key), source="voice")
        return ""
    vest.journal.publish(
        "voice.heard",
        text=transcript.text,
        language=transcript.language,
        seconds=transcript.seconds,
        audio_seconds=transcript.audio_seconds,
        language_probability=transcript.language_probability,
        no_speech_probability=transcript.no_speech_probability,
    )
    if not transcript.text:
        vest.speaker.say(phrases.say("heard_nothing"), source="voice")
    return transcript.text


@dataclass
class _View:
    frame: Frame
    findings: list[str]
    reading: asyncio.Task[OcrResult]


async def _look(vest: Vest) -> _View:
    """The frame in view at the release, what is detected in it, and its text being read."""
    frame = await vest.camera.capture()
    reading = asyncio.create_task(read_frame_text(vest, frame), name="ask-ocr")
    items = await optional_findings(vest, frame)
    found = ahead_sentences(items, vest.phrases, 99) if items else []
    return _View(frame, found, reading)


async def _answer_question(vest: Vest, question: str, looking: asyncio.Task[_View]) -> None:
    phrases = vest.phrases
    answer: list[str] = []
    vest.session.last_answer = answer
    if vest.settings.stt.say_question:
        vest.speaker.say(phrases.say("you_asked", question=question), source="voice")
    view = await looking
    try:
        if is_read_question(question, phrases.phrase_list("read_questions")):
            await _read_in_view(vest, view)
            return
        if vest.llm.state is not LlmState.READY:
            vest.speaker.say(llm_unavailable(vest), source="command")
            return
        text = await _text_if_quick(vest, view.reading)
        seeing = vest.llm.vision
        messages = ask_messages(vest, question, view.findings, text, image=seeing)
        image = await asyncio.to_thread(model_jpeg, view.frame.pixels) if seeing else b""
        await _model_answer(vest, messages, answer, image)
    finally:
        view.reading.cancel()


def is_read_question(question: str, phrases: list[str]) -> bool:
    """A question asking for the text in view ("read it", "what does it say")."""
    words = " ".join(re.sub(r"[^\w']+", " ", question.casefold().replace("’", "'")).split())
    return any(re.search(rf"(?<!\w){re.escape(p.casefold())}(?!\w)", words) for p in phrases)


async def _read_in_view(vest: Vest, view: _View) -> None:
    """The text in view, exactly, a piece at a time ("continue" reads on)."""
    try:
        result = await wait_within(asyncio.shield(view.reading), READ_WAIT_S)
        text = result.text
    except TimeoutError:
        text = ""
    chunks = reading_chunks(text, vest.phrases.language, vest.settings.vision.read_chunk_chars)
    vest.journal.publish("voice.read", chars=len(text))
    if not chunks:
        vest.session.reading = []
        vest.speaker.say(vest.phrases.say("no_text"), source="read")
        return
    vest.session.reading = chunks
    await continue_(vest)


async def _text_if_quick(vest: Vest, reading: asyncio.Task[OcrResult]) -> str:
    """The text in view if reading it is done within describe_ocr_wait_s, else ""."""
    try:
        result = await wait_within(
            asyncio.shield(reading), vest.settings.vision.describe_ocr_wait_s
        )
    except TimeoutError:
        _LOGGER.info("Answering without the text in view: reading took too long")
        return ""
    except Exception as err:  # noqa: BLE001 -- text is a bonus: answer without it
        _LOGGER.warning("Answering without the text in view: %r", err)
        return ""
    return " ".join(result.text.split())[:PROMPT_TEXT_CHARS]


def ask_messages(
    vest: Vest, question: str, findings: list[str], text: str, *, image: bool
) -> list[dict[str, str]]:
    """The chat for a question: the system prompt, the previous exchange (its question and
    answer), then this question with what is in view."""
    phrases = vest.phrases
    none = phrases.prompt("none")
    user = phrases.prompt(
        "ask_image" if image else "ask",
        findings=" ".join(findings) or none,
        text=text or none,
        question=question,
        length=phrases.word("lengths", vest.session.prefs.verbosity),
    )
    earlier = [m for m in vest.session.last_exchange if m["role"] != "system"]
    return [
        {"role": "system", "content": phrases.prompt("system")},
        *earlier,
        {"role": "user", "content": user},
    ]


async def _model_answer(
    vest: Vest, messages: list[dict[str, str]], answer: list[str], image: bytes
) -> None:
    """The model's answer, spoken as it streams, with the thinking rhythm felt meanwhile."""
    vest.haptics.follow("thinking")
    try:
        await speak_answer(vest, messages, answer, max_tokens=answer_tokens(vest), image=image)
        if not answer:  # never leave the wearer with silence
            vest.speaker.say(vest.phrases.say("nothing_from_model"), source="command")
    finally:
        vest.haptics.stop("thinking")
        said = " ".join(answer)
        vest.session.last_exchange = (
            [*messages, {"role": "assistant", "content": said}] if said else []
        )
